"""The owner's move-in in the portal."""
