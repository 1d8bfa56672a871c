"""Overtime in the console, like domain/overtime/: routes.py (applying, one's own list and the manager's, the
application page with its steps, the monthly totals and sheets, the holiday calendar), forms.py and pages.py."""
