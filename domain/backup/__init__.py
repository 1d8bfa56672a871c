"""Backups that restore: one archive per backup (the database's own dump, the uploaded files, a manifest with
checksums), written by `flask backup create` and put back by `flask backup restore`.

archive.py writes and checks the archive, databases.py dumps and restores SQLite and PostgreSQL, services.py is
what the commands call. An operation of the installation rather than of one property, it lives beside the
business it keeps (like domain/files/store.py) so that the CLI stays a thin caller.
"""

from domain.errors import DomainError


class BackupError(DomainError):
    """A backup could not be written, or an archive is refused for a restore; the message says why (in English:
    only the operator's commands show it)."""
