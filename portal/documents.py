"""The resident's own file in the portal."""
