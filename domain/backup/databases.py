"""The database half of a backup: SQLite through its online backup API, PostgreSQL through pg_dump and
pg_restore. Both are safe while the app runs: SQLite's backup copies a consistent snapshot page by page, pg_dump
reads one snapshot in a repeatable-read transaction.

PostgreSQL's connection settings reach the client programs through the environment (PGHOST, PGPASSWORD ...), never
their command line, which `ps` and the logs show.
"""

import os
import shutil
import sqlite3
import subprocess
import tempfile
from contextlib import closing

from flask import current_app
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from domain.backup import BackupError
from extensions import db

#: How long a restore waits for a lock a running app holds before it gives up (PostgreSQL).
RESTORE_LOCK_TIMEOUT = "30s"

#: Runs first inside the restore's one transaction: empties the public schema without dropping it (on servers
#: before 15 it belongs to the superuser, so the app's own role cannot drop it). Objects of an extension are left.
EMPTY_PUBLIC_SCHEMA = """
DO $$
DECLARE r record;
BEGIN
  FOR r IN
    SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
  LOOP
    EXECUTE format('DROP %s IF EXISTS public.%I CASCADE',
      CASE r.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE'
                     WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END, r.relname);
  END LOOP;
  FOR r IN
    SELECT p.oid::regprocedure AS signature FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = 'public' AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
  LOOP
    EXECUTE format('DROP ROUTINE IF EXISTS %s CASCADE', r.signature);
  END LOOP;
  FOR r IN
    SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE n.nspname = 'public' AND t.typtype IN ('e', 'd')
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = t.oid AND d.deptype = 'e')
  LOOP
    EXECUTE format('DROP TYPE IF EXISTS public.%I CASCADE', r.typname);
  END LOOP;
END $$;
"""

KINDS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def database_kind():
    """ "sqlite" or "postgresql": the kind of the app's database."""
    name = db.engine.dialect.name
    if name not in KINDS:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {name}.")
    return name


def alembic_revision():
    """The migration the database stands at (several joined by commas), or None before the first migration."""
    with db.engine.connect() as conn:
        try:
            rows = conn.execute(text("SELECT version_num FROM alembic_version ORDER BY version_num")).scalars().all()
        except SQLAlchemyError:  # no alembic_version table: a database never migrated
            return None
    return ",".join(rows) or None


def dump_database(target):
    """Write a consistent copy of the app's database to the file `target`; returns what the manifest says of it."""
    if database_kind() == "sqlite":
        _sqlite_copy(_sqlite_path(), target)
        return {"kind": "sqlite", "member": "database.sqlite3", "sqlite_version": sqlite3.sqlite_version}
    with db.engine.connect() as conn:
        server_version = conn.execute(text("SHOW server_version")).scalar()
    _run([_pg_program("pg_dump"), "--format=custom", "--no-password", f"--file={target}"], "pg_dump")
    return {"kind": "postgresql", "member": "database.pgdump", "server_version": server_version}


def restore_database(kind, dump):
    """Replace the whole of the app's database with the dump `dump` of `kind`, in one transaction: the database is
    the backup's, or (on any error) what it was before. The app's own pooled connections are closed around it."""
    db.session.remove()
    db.engine.dispose()
    try:
        if kind == "sqlite":
            _sqlite_copy(dump, _sqlite_path())
        else:
            _pg_restore(dump)
    finally:
        db.engine.dispose()


def target_description():
    """The database a restore would replace, for the question asked first (no password shown)."""
    if database_kind() == "sqlite":
        return f"SQLite {_sqlite_path()}"
    return "PostgreSQL " + db.engine.url.render_as_string(hide_password=True)


def _sqlite_path():
    """The file of the app's SQLite database (an in-memory one has none to back up)."""
    path = db.engine.url.database
    if not path or path == ":memory:" or path.startswith("file::memory:"):
        raise BackupError("An in-memory SQLite database cannot be backed up or restored.")
    return path


def _sqlite_copy(source, target):
    """Copy one SQLite database into another with the online backup API (other connections may keep working:
    readers see the old content or the new, never half of it)."""
    with closing(sqlite3.connect(source, timeout=30)) as src, closing(sqlite3.connect(target, timeout=30)) as dst:
        try:
            src.backup(dst)
        except sqlite3.Error as error:
            raise BackupError(f"SQLite could not copy {source} to {target}: {error}.") from None


def _pg_program(name):
    """The path of a PostgreSQL client program: in PG_BIN when set (use the server's own version's directory,
    e.g. /usr/lib/postgresql/15/bin), else the first on PATH."""
    folder = current_app.config.get("PG_BIN")
    path = os.path.join(folder, name) if folder else shutil.which(name)
    if not path or not os.access(path, os.X_OK):
        where = f"in PG_BIN ({folder})" if folder else "on PATH"
        raise BackupError(f"{name} was not found {where}: install the PostgreSQL client of the server's version.")
    return path


def _pg_environment():
    """The environment that tells the client programs where and as whom to connect (the password included): the
    app's URL over the process's own PG* variables, which libpq reads for the app's connections too."""
    url = db.engine.url
    env = dict(os.environ)
    settings = {
        "PGHOST": url.host,
        "PGPORT": url.port,
        "PGUSER": url.username,
        "PGPASSWORD": url.password,
        "PGDATABASE": url.database,
    }
    for option, variable in (
        ("host", "PGHOST"),
        ("port", "PGPORT"),
        ("sslmode", "PGSSLMODE"),
        ("sslrootcert", "PGSSLROOTCERT"),
        ("sslcert", "PGSSLCERT"),
        ("sslkey", "PGSSLKEY"),
        ("connect_timeout", "PGCONNECT_TIMEOUT"),
        ("options", "PGOPTIONS"),
    ):
        value = url.query.get(option)
        if value is not None:
            settings[variable] = value if isinstance(value, str) else value[0]
    env.update({key: str(value) for key, value in settings.items() if value not in (None, "")})
    return env


def _run(argv, name, **kwargs):
    """Run a client program with the connection in its environment; BackupError with its message on failure."""
    current_app.logger.info("backup: running %s", " ".join(argv))
    result = subprocess.run(argv, env=kwargs.pop("env", _pg_environment()), capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise BackupError(f"{name} failed: {result.stderr.strip() or result.stdout.strip()}")
    return result


def _pg_restore(dump):
    """pg_restore turns the dump into SQL, and psql runs it after EMPTY_PUBLIC_SCHEMA as one transaction (stopping
    at the first error, which rolls everything back)."""
    env = _pg_environment()
    env["PGOPTIONS"] = (env.get("PGOPTIONS", "") + f" -c lock_timeout={RESTORE_LOCK_TIMEOUT}").strip()
    restore_argv = [_pg_program("pg_restore"), "--no-owner", "--no-privileges", "--file=-", dump]
    psql_argv = [
        _pg_program("psql"),
        "--no-password",
        "--no-psqlrc",
        "--quiet",
        "--single-transaction",
        "--set=ON_ERROR_STOP=1",
        f"--command={EMPTY_PUBLIC_SCHEMA}",
        "--file=-",
    ]
    current_app.logger.info("backup: running %s | %s", " ".join(restore_argv), " ".join(psql_argv[:-2]))
    with tempfile.TemporaryFile("w+") as restore_errors, tempfile.TemporaryFile("w+") as psql_errors:
        restore = subprocess.Popen(restore_argv, env=env, stdout=subprocess.PIPE, stderr=restore_errors)
        psql = subprocess.run(
            psql_argv, env=env, stdin=restore.stdout, stdout=subprocess.DEVNULL, stderr=psql_errors, check=False
        )
        restore.stdout.close()
        restore.wait()
        # psql first: when it stops, pg_restore fails too, on the closed pipe, saying nothing useful.
        for code, errors, name in (
            (psql.returncode, psql_errors, "psql"),
            (restore.returncode, restore_errors, "pg_restore"),
        ):
            if code != 0:
                errors.seek(0)
                message = errors.read().strip()
                if "lock timeout" in message:
                    message += "\nThe app is still using the database: stop the web servers and workers, then retry."
                raise BackupError(f"{name} failed, the database is unchanged: {message}")
