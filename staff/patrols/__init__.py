"""Patrols in the console, like domain/patrols/: routes.py (routes, checkpoints, label sheets, history, the 巡视记录表),
today.py (the patroller's phone pages under /staff/patrols/today), with their forms."""
