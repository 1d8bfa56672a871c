"""The restore drill at a real size: the large property (5,000 units, 12,000 residents) and BACKUP_DRILL_FILES
uploaded files of BACKUP_DRILL_FILE_KB each, backed up, wiped (every table dropped, every file deleted), restored,
and compared (rows of every table, every file's checksum); prints how long each step took and the archive's size.

    .venv/bin/python bench/backup_drill.py                                   # SQLite, a temporary file
    BENCH_DATABASE_URL=postgresql+psycopg://... .venv/bin/python bench/backup_drill.py   # drops all its tables first
"""

import hashlib
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import MetaData, func, select, text  # noqa: E402

from bench.harness import BenchError, prepare_database, verdict  # noqa: E402
from domain.backup.services import create_backup, restore_staged, staged_backup  # noqa: E402
from extensions import db  # noqa: E402

FILES = int(os.environ.get("BACKUP_DRILL_FILES", "500"))
FILE_KB = int(os.environ.get("BACKUP_DRILL_FILE_KB", "200"))


def row_counts():
    """Rows of every table of the database, alembic_version included."""
    metadata = MetaData()
    metadata.reflect(db.engine)
    return {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in metadata.sorted_tables}


def digests(folder):
    """{file name: SHA-256} of a folder's files."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir() if p.is_file()}


def wipe(folder):
    """Drop every table and delete every file."""
    db.session.remove()
    metadata = MetaData()
    metadata.reflect(db.engine)
    metadata.drop_all(db.engine)
    for path in folder.iterdir():
        path.unlink()


def main():
    """Fill, back up, wipe, restore, compare, report."""
    with tempfile.TemporaryDirectory(prefix="backup-drill-") as workdir:
        work = Path(workdir)
        url, app = prepare_database(workdir, "bench-pass-1")
        uploads, backups = work / "uploads", work / "backups"
        uploads.mkdir()
        app.config.update(UPLOAD_FOLDER=str(uploads), BACKUP_DIR=str(backups))
        for n in range(FILES):  # random bytes: photos are already compressed
            (uploads / f"{n:032x}.jpg").write_bytes(os.urandom(FILE_KB * 1024))
        with app.app_context():
            kind = db.engine.dialect.name
            before, files = row_counts(), digests(uploads)
            started = time.perf_counter()
            written = create_backup()
            created = time.perf_counter() - started
            size = os.path.getsize(written.path)
            wipe(uploads)
            if db.session.execute(text("SELECT 1")).scalar() != 1 or list(uploads.iterdir()):
                raise BenchError("the wipe left files behind")
            started = time.perf_counter()
            with staged_backup(written.path) as staged:
                checked = time.perf_counter() - started
                restore_staged(staged)
            restored = time.perf_counter() - started
            after, files_after = row_counts(), digests(uploads)
        same = after == before and files_after == files
        rows = sum(v for v in before.values())
        print(f"\nBackup drill on {kind}: {len(before)} tables, {rows:,} rows, {len(files)} files of {FILE_KB} KB")
        print(f"  archive            {size / 1e6:8.1f} MB")
        print(f"  backup create      {created:8.2f} s")
        print(f"  restore: checks   {checked:8.2f} s (every checksum, the archive extracted aside)")
        print(f"  restore: in all    {restored:8.2f} s")
        print(f"  rows and files equal after the restore: {verdict(same)}")
        if not same:
            for table in sorted(set(before) | set(after)):
                if before.get(table) != after.get(table):
                    print(f"    {table}: {before.get(table)} before, {after.get(table)} after")
        return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
