"""Pages that read across the areas and that no area reads: the console's "today" page of each role (today.py) and
its live counts and alarms (live.py), the unit's 360-degree page (unit_overview.py, with its demo) and the figures at
the top of the resident's home (resident_home.py). Each block comes from the area's own query; keeping them here,
above the areas, keeps the areas' imports free of cycles (tests/test_imports.py)."""
