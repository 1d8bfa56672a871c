"""What `flask backup` does: write a backup (database and uploaded files in one archive, atomically, into
BACKUP_DIR), keep the newest BACKUP_KEEP, list them, and restore one after checking it whole."""

import os
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass

from flask import current_app

from domain.backup import BackupError, archive, databases
from domain.clock import utcnow
from domain.files.store import upload_folder


@dataclass(frozen=True)
class Written:
    """A backup just written: its path, its manifest, how long it took and which older ones were removed."""

    path: str
    manifest: dict
    seconds: float
    removed: tuple


@dataclass(frozen=True)
class Kept:
    """A backup in BACKUP_DIR, with its manifest (None when it cannot be read)."""

    path: str
    size: int
    manifest: dict | None


def backup_dir():
    """Where backups are written: BACKUP_DIR, or instance/backups (created, readable by the app's user only)."""
    folder = current_app.config.get("BACKUP_DIR") or os.path.join(current_app.instance_path, "backups")
    os.makedirs(folder, mode=0o700, exist_ok=True)
    return folder


def file_store():
    """ "directory" (files in the upload folder, which a backup copies) or "database" (files in a table, which the
    database's dump already holds)."""
    return current_app.config.get("FILE_STORE") or "directory"


def _code_heads():
    """The migration heads of this code."""
    from alembic.script import ScriptDirectory

    config = current_app.extensions["migrate"].migrate.get_config()
    return sorted(ScriptDirectory.from_config(config).get_heads())


def _stored_files():
    """(name, path) of every file in the upload folder (flat: the store names files at random, without folders);
    none when the files live in the database."""
    if file_store() != "directory":
        return []
    folder = upload_folder()
    if not os.path.isdir(folder):
        return []
    with os.scandir(folder) as entries:
        return sorted(
            (entry.name, entry.path)
            for entry in entries
            if entry.is_file(follow_symlinks=False) and not entry.name.startswith(".")
        )


def create_backup():
    """Write one archive of the database and the uploaded files into BACKUP_DIR, named with the UTC time, then
    remove the backups past the newest BACKUP_KEEP. Safe while the app runs. The archive appears under its name
    only once complete (written aside, then renamed); on any error nothing is left behind and none is removed."""
    started = time.monotonic()
    folder = backup_dir()
    created_at = utcnow().replace(microsecond=0)
    final = os.path.join(folder, archive.archive_name(created_at))
    if os.path.exists(final):
        raise BackupError(f"{final} already exists: one backup per second at most.")
    handle, partial = tempfile.mkstemp(dir=folder, prefix=".backup-", suffix=".partial")
    try:
        with os.fdopen(handle, "wb") as out, tempfile.TemporaryDirectory(dir=folder, prefix=".staging-") as staging:
            revision = databases.alembic_revision()
            dump = os.path.join(staging, "database")
            database = databases.dump_database(dump)
            # The files are listed after the dump: every file a dumped row names was stored before the dump began,
            # and stored files are never changed, so the archive holds them all (files added meanwhile ride along).
            writer = archive.ArchiveWriter(out)
            writer.add_file(database["member"], dump)
            count = size = 0
            for name, path in _stored_files():
                if writer.add_file(archive.FILES_PREFIX + name, path):
                    count, size = count + 1, size + writer.members[archive.FILES_PREFIX + name]["size"]
            manifest = writer.finish(
                {
                    "created_at": created_at.isoformat().replace("+00:00", "Z"),
                    "database": {**database, "alembic_revision": revision},
                    "code_heads": _code_heads(),
                    "file_store": file_store(),
                    "file_count": count,
                    "file_bytes": size,
                },
                created_at.timestamp(),
            )
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, final)
        _sync_directory(folder)
    except BaseException:
        if os.path.exists(partial):
            os.remove(partial)
        raise
    removed = prune(folder)
    return Written(final, manifest, time.monotonic() - started, tuple(removed))


def _sync_directory(folder):
    """Make a rename in `folder` durable (POSIX: fsync the directory)."""
    if hasattr(os, "O_DIRECTORY"):
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _backup_paths(folder):
    """The backups in `folder`, oldest first (only files named as create_backup names them)."""
    return [os.path.join(folder, name) for name in sorted(os.listdir(folder)) if archive.NAME_PATTERN.match(name)]


def prune(folder=None):
    """Remove all but the newest BACKUP_KEEP backups (0 keeps every one); returns the paths removed."""
    keep = int(current_app.config.get("BACKUP_KEEP", 14))
    paths = _backup_paths(folder or backup_dir())
    if keep <= 0 or len(paths) <= keep:
        return []
    old = paths[:-keep]
    for path in old:
        os.remove(path)
    return old


def list_backups():
    """The backups kept in BACKUP_DIR, newest first, each with its manifest."""
    kept = []
    for path in reversed(_backup_paths(backup_dir())):
        try:
            manifest = archive.read_manifest(path)
        except BackupError:
            manifest = None
        kept.append(Kept(path, os.path.getsize(path), manifest))
    return kept


def find_backup(name):
    """The archive a restore names: a path, or the name of a backup in BACKUP_DIR."""
    if os.path.isfile(name):
        return name
    candidate = os.path.join(backup_dir(), os.path.basename(name))
    if os.path.isfile(candidate):
        return candidate
    raise BackupError(f"No backup archive at {name} (nor in {backup_dir()}).")


@dataclass(frozen=True)
class Staged:
    """An archive checked whole and extracted, ready to restore."""

    path: str
    manifest: dict
    folder: str

    @property
    def kind(self):
        """The database kind the backup holds."""
        return self.manifest["database"]["kind"]

    @property
    def revision(self):
        """The migration its database stood at."""
        return self.manifest["database"].get("alembic_revision")


@contextmanager
def staged_backup(path):
    """Check the archive at `path` against its manifest (every checksum) and against this installation (database
    kind, file store, migrations), extract it aside and yield a Staged; BackupError names the first refusal.
    Nothing of the installation changes here."""
    with tempfile.TemporaryDirectory(dir=backup_dir(), prefix=".restoring-") as folder:
        manifest = archive.extract_verified(path, folder)
        staged = Staged(path, manifest, folder)
        _check_fits(staged)
        yield staged


def _check_fits(staged):
    """Refuse a backup this installation cannot take: another database kind, another file store, or migrations
    this code does not know (a backup made by newer code)."""
    here = databases.database_kind()
    if staged.kind != here:
        raise BackupError(
            f"This backup holds a {databases.KINDS.get(staged.kind, staged.kind)} database; this installation uses "
            f"{databases.KINDS[here]}. Restore it into a {databases.KINDS.get(staged.kind, staged.kind)} "
            "installation (a dump of one kind cannot be loaded into the other)."
        )
    if staged.manifest.get("file_store", "directory") != file_store():
        raise BackupError(
            f"This backup was made with FILE_STORE={staged.manifest.get('file_store')}; this installation uses "
            f"FILE_STORE={file_store()}. Restore it with the setting it was made with."
        )
    if staged.revision:
        from alembic.script import ScriptDirectory
        from alembic.util import CommandError

        script = ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())
        for revision in staged.revision.split(","):
            try:
                script.get_revision(revision)
            except CommandError:
                raise BackupError(
                    f"This backup's database is at migration {revision}, which this code does not know: it was made by "
                    "a newer version. Deploy that version (or a later one) before restoring it."
                ) from None


def needs_upgrade(staged):
    """Whether the restored database stands behind this code's migrations (`flask db upgrade` then moves it on)."""
    return sorted((staged.revision or "").split(",")) != _code_heads()


def restore_staged(staged):
    """Replace the database with the backup's (in one transaction) and the upload folder's files with its files
    (files the backup does not hold are removed: no row names them any more). The database is left at the backup's
    migration."""
    databases.restore_database(staged.kind, os.path.join(staged.folder, staged.manifest["database"]["member"]))
    if file_store() != "directory":
        return
    folder = upload_folder()
    os.makedirs(folder, exist_ok=True)
    restored = set()
    for member in staged.manifest["members"]:
        if member.startswith(archive.FILES_PREFIX):
            name = member[len(archive.FILES_PREFIX) :]
            archive.copy_into(os.path.join(staged.folder, member), folder, name)
            restored.add(name)
    for name, path in _stored_files():
        if name not in restored:
            os.remove(path)
