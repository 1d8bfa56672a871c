"""Facilities in the console, like domain/facilities/: routes.py (the register, checks due, a facility's history,
recording a check), with its forms."""
