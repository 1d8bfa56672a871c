"""Move-in in the console, like domain/movein/: routes.py (the cases: import, invitation, the desk on the day),
inspections.py (unit inspections and their re-inspections), supervision.py (the manager's board, the day's summary
and spot-checks), with their forms."""
