"""Alerts to staff in the console: an incident reported, a unit's ticket the assistant must know about."""
