"""Throttling wrong codes and the desk alarms it raises."""
