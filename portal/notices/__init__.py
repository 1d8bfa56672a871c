"""The resident's notices about their own units (/portal/notices): one page of sections, each its own include: the
results of a vacant unit's checks (vacant_checks.py) and the violation notices (violations.py)."""
