"""Service standards in the console, like domain/standards/: routes.py (the checklist, spot-checks, a person's list),
forms.py."""
