"""Opinion surveys in the console, like domain/surveys/: routes.py (the list, a draft and its questions, opening and
closing, the results and their CSV), forms.py."""
