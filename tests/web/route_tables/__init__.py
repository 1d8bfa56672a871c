"""Parts of the console's route table (tests/web/test_permissions.py), one per area that owns many routes: each has
TABLE (endpoint -> (method, URL template, roles)) and `records(prop, unit, resident)`, the ids its templates name."""
