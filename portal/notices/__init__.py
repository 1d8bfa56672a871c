"""The resident's notices about their own units (/portal/notices): one page of sections, each its own include; the
violation notices (violations.py) are the first."""
