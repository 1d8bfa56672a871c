"""Violations (违章, SOP 11): kinds the manager keeps, staged notices, follow-up checks, referrals and fines."""
