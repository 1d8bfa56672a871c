"""A resident's requests in the portal, like domain/tickets/: routes.py (report, follow, answer, cancel, rate) and
forms.py."""
