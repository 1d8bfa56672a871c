"""The owner's files in the console, like domain/archives/: routes.py (files, documents, completeness, loans, the
access log), forms.py."""
