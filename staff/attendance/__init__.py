"""Shifts, attendance and leave in the console, like domain/attendance/: routes.py (the rota, clocking in and out, a
person's record, the manager's late/early/missing lists, leave requests), forms.py and pages.py."""
