"""The backup archive: a plain tar holding the database dump, the uploaded files under files/, and manifest.json.

The manifest is the last member, so that every checksum in it is computed while its file streams into the tar
(one read of each file). A restore reads the manifest first and checks every member against it, size and SHA-256,
before anything is changed; an archive with a member too many, one missing or one altered is refused whole.
"""

import hashlib
import io
import json
import os
import re
import shutil
import tarfile

from domain.backup import BackupError

MANIFEST = "manifest.json"
FILES_PREFIX = "files/"
#: Bumped when the archive's layout changes in a way an older restore would misread.
FORMAT = 1
#: backup-20261117T020000Z.tar: the UTC time it was made, so names sort by age.
NAME_PATTERN = re.compile(r"^backup-(\d{8}T\d{6}Z)\.tar$")
_CHUNK = 1024 * 1024


def archive_name(created_at):
    """The file name of a backup made at the aware UTC datetime `created_at`."""
    return f"backup-{created_at:%Y%m%dT%H%M%SZ}.tar"


class _Hashing(io.RawIOBase):
    """Reads a file while counting its bytes and hashing them (tarfile copies exactly the size it was told)."""

    def __init__(self, stream):
        self.stream, self.sha256, self.size = stream, hashlib.sha256(), 0

    def readable(self):
        """A reader, as io asks."""
        return True

    def readinto(self, buffer):
        """Fill `buffer` from the file, hashing what passes."""
        data = self.stream.read(len(buffer))
        self.sha256.update(data)
        self.size += len(data)
        buffer[: len(data)] = data
        return len(data)


class ArchiveWriter:
    """Adds members to a new tar and records each one's size and checksum for the manifest."""

    def __init__(self, out):
        self.tar = tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT)
        self.members = {}

    def add_file(self, name, path):
        """Add the file at `path` as member `name`; returns False when it vanished before it could be read."""
        try:
            stream = open(path, "rb")
        except FileNotFoundError:
            return False
        with stream:
            info = self.tar.gettarinfo(fileobj=stream, arcname=name)
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            info.mode = 0o600
            reader = _Hashing(stream)
            try:
                self.tar.addfile(info, reader)
            except OSError as error:  # shorter than when it was listed: stored files are never rewritten
                raise BackupError(f"{path} changed while it was being copied ({error}).") from None
        self.members[name] = {"size": reader.size, "sha256": reader.sha256.hexdigest()}
        return True

    def finish(self, manifest, mtime):
        """Write the manifest (with every member's size and checksum) as the last member and close the tar."""
        manifest = {**manifest, "format": FORMAT, "members": self.members}
        data = json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mode, info.mtime = len(data), 0o600, int(mtime)
        self.tar.addfile(info, io.BytesIO(data))
        self.tar.close()
        return manifest


def read_manifest(path):
    """The manifest of the archive at `path` (not yet checked against the members); BackupError when there is none
    or it cannot be read."""
    with _open(path) as tar:
        try:
            return _manifest_of(tar, path)
        except (tarfile.TarError, OSError, EOFError) as error:
            raise BackupError(f"{path} cannot be read to its end: it is damaged or truncated ({error}).") from None


def _open(path):
    """The archive at `path` opened for reading; BackupError when it is not a tar at all."""
    try:
        return tarfile.open(path, mode="r:")
    except (tarfile.TarError, OSError, EOFError) as error:
        raise BackupError(f"{path} is not a readable backup archive ({error}).") from None


def _manifest_of(tar, path):
    """The parsed manifest member of an open tar."""
    try:
        member = tar.getmember(MANIFEST)
        manifest = json.loads(tar.extractfile(member).read())
    except (KeyError, AttributeError, ValueError):
        raise BackupError(f"{path} has no readable manifest: it is not a backup archive, or it is damaged.") from None
    shown = manifest.get("format") if isinstance(manifest, dict) else None
    if shown != FORMAT or not isinstance(manifest.get("members"), dict):
        raise BackupError(f"{path} has a manifest this version cannot read (format {shown!r}).")
    return manifest


def _safe_name(name):
    """Whether a member's name is one a backup writes: the dump at the top, or a flat file under files/."""
    if name.startswith(FILES_PREFIX):
        rest = name[len(FILES_PREFIX) :]
        return bool(rest) and "/" not in rest and rest not in (".", "..") and not rest.startswith(".")
    return name in ("database.sqlite3", "database.pgdump")


def extract_verified(path, into):
    """Check the archive at `path` against its manifest and extract its members under the directory `into`.

    Every member must be listed, safe to name, a regular file, and of the listed size and SHA-256; anything else
    raises BackupError naming the first difference. Returns the manifest.
    """
    try:
        with _open(path) as tar:
            manifest = _manifest_of(tar, path)
            listed = manifest["members"]
            seen = set()
            for member in tar:
                if member.name == MANIFEST:
                    continue
                if member.name not in listed or not _safe_name(member.name):
                    raise BackupError(f"{path} holds {member.name!r}, which its manifest does not list.")
                if not member.isfile() or member.name in seen:
                    raise BackupError(f"{path} holds {member.name!r} in a form a backup never writes.")
                seen.add(member.name)
                _extract_checked(tar, member, listed[member.name], os.path.join(into, member.name), path)
            missing = sorted(set(listed) - seen)
            if missing:
                raise BackupError(f"{path} lacks {missing[0]!r}, which its manifest lists: the archive is incomplete.")
    except (tarfile.TarError, OSError, EOFError) as error:
        raise BackupError(f"{path} cannot be read to its end: it is damaged or truncated ({error}).") from None
    return manifest


def _extract_checked(tar, member, expected, target, path):
    """Copy one member to `target`, hashing it on the way; BackupError when size or checksum differ."""
    os.makedirs(os.path.dirname(target), exist_ok=True)
    digest, size = hashlib.sha256(), 0
    with tar.extractfile(member) as source, open(target, "wb") as out:
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    if size != expected.get("size") or digest.hexdigest() != expected.get("sha256"):
        raise BackupError(
            f"{path}: {member.name!r} does not match its checksum in the manifest. The archive is damaged; "
            "nothing was restored."
        )


def copy_into(source, folder, name):
    """Put the file `source` into `folder` as `name`, atomically (a reader sees the old file or the new one)."""
    partial = os.path.join(folder, f".{name}.restoring")
    shutil.copyfile(source, partial)
    os.replace(partial, os.path.join(folder, name))
