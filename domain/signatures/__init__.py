"""Signatures given on a screen (a signature pad): the image, who signed and what, hashed so it cannot change."""
