"""Special incidents in the console, like domain/incidents/: routes.py (report, timeline, close, the 特殊事件报告,
the list), notice.py (incident mode and the tickets attached), alerts.py (every console page's banner)."""
