"""Violations in the console, like domain/violations/: routes.py (recording on a phone, the violation's page and its
steps, the notices as PDF, the lists), kinds.py (the manager's kinds and templates), forms.py, pages.py."""
