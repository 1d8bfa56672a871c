"""Vacant units in the console, like domain/vacant/: routes.py (the register, a unit with its keys and checks, the
keys out, the check form, the checklist), forms.py and pages.py (what the list and the unit page show)."""
