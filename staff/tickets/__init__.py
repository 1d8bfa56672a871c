"""Tickets in the console, like domain/tickets/: routes.py (the queues, recording a ticket, its steps), pages.py (the
ticket page's view model), callbacks.py (callbacks, the phone/visit log, visits to residents), forms.py."""
