"""Staff evaluation in the console, like domain/evaluation/: routes.py (the month's cards, a card, the weights),
forms.py, pages.py (where each figure's records are listed)."""
