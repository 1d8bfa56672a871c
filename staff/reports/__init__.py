"""Reports in the console, like domain/reports/: routes.py (the monthly report as a page, a PDF and a workbook, and
the manager's summary), forms.py (the summary and the collection-call forms)."""
