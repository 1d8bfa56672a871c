"""Areas in the console, like domain/areas/: routes.py (the manager's assignment of buildings and floors, deputies
and their days), mine.py (the assistant's "my area"), with their forms."""
