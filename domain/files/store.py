"""Stored files (photos, pictures, documents): checked by their content with Pillow, stored under random names with
a small JPEG preview beside each picture, and gone again when the transaction that added them rolls back.

Where they are kept is FILE_STORE: "directory" (UPLOAD_FOLDER or instance/uploads, outside static/: one server, or
a mount every server shares), or "database" (the stored_files table, one row per file with its preview: every server
reads what another stored, the rows come and go with the transaction that adds or removes them, and a request of
one property never finds another's file).

Bounded work: a picture's size in pixels is read from its header before anything is decoded and refused above
MAX_PHOTO_PIXELS (JPEG, which is decoded at a fraction of its size for the preview) or MAX_FULL_DECODE_PIXELS
(PNG, WebP, GIF, decoded whole); one request decodes at most MAX_DECODED_PIXELS_PER_REQUEST pixels in all. Stored
pictures carry no EXIF, XMP or IPTC metadata (a phone puts the place a photo was taken there): JPEGs are rewritten
segment by segment without decoding, keeping only the orientation, and other formats lose those chunks.

Every area stores its files here: ticket photos, items left at the desk, renovation drawings and inspection photos.
`store_picture` and `store_document` add a file, `open_stored` reads one back (the caller checks who may see it
first; the web layer's `send_stored` sends it), `delete_stored` removes files.
"""

import io
import os
import secrets
import struct
import zlib
from dataclasses import dataclass

from flask import current_app, g
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps
from sqlalchemy import delete, func, select
from sqlalchemy import event as sa_event

from domain.current_property import current_property_id
from domain.errors import DomainError
from domain.files.models import StoredFile
from extensions import db

#: Pillow's format name -> (content type, file extension). MPO is how Pillow reads many phone JPEGs;
#: HEIF is only ever detected when a HEIF plugin for Pillow is installed.
FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "MPO": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
    "GIF": ("image/gif", "gif"),
    "HEIF": ("image/heic", "heic"),
}
#: The longest side of the preview a timeline shows instead of the full photo (phones on mobile data).
PREVIEW_SIZE = 480
PREVIEW_SUFFIX = ".preview.jpg"
#: A phone camera's full-resolution photo (48 MP sensors give 8000 x 6000); JPEGs are decoded at 1/8 of that.
MAX_PHOTO_PIXELS = 50_000_000
#: Pictures Pillow must decode whole (PNG, WebP, GIF): a phone's screenshot or a scan, not a poster.
MAX_FULL_DECODE_PIXELS = 16_000_000
#: Pixels one request may decode in all (six large screenshots would be 96 MP): beyond it, send fewer at once.
MAX_DECODED_PIXELS_PER_REQUEST = 64_000_000
_SESSION_KEY = "stored_photo_names"


STORES = ("directory", "database")


def _in_database():
    """Whether FILE_STORE keeps the files in the database (else in the upload folder)."""
    store = current_app.config.get("FILE_STORE") or "directory"
    if store not in STORES:
        raise RuntimeError(f"FILE_STORE must be one of {', '.join(STORES)}, not {store!r}")
    return store == "database"


def upload_folder():
    """Where the directory store keeps files: UPLOAD_FOLDER, or instance/uploads."""
    return current_app.config.get("UPLOAD_FOLDER") or os.path.join(current_app.instance_path, "uploads")


def _path(stored_name):
    """The directory store's file of a stored name (basename keeps our random name inside the folder)."""
    return os.path.join(upload_folder(), os.path.basename(stored_name))


@dataclass(frozen=True)
class OpenedFile:
    """A stored file read back: `source` is a path (directory store) or a file object over its bytes (database
    store); either goes to Flask's send_file or ReportLab's Image as it is."""

    source: object
    #: The file's own type, or image/jpeg for a picture's preview.
    content_type: str
    #: The name it is sent under: the stored name, with PREVIEW_SUFFIX for a preview.
    name: str


def open_stored(stored_name, content_type, *, preview=False):
    """The stored file `stored_name` (of type `content_type`, as its record says), or its preview when asked for and
    there is one; None when there is no such file (a lost file, demo data without files, another property's file)."""
    if _in_database():
        # A PDF has no preview: the file itself is sent instead.
        column = func.coalesce(StoredFile.preview, StoredFile.data) if preview else StoredFile.data
        found = db.session.execute(
            select(column, StoredFile.preview.is_not(None)).where(StoredFile.name == stored_name)
        ).first()
        if found is None:
            return None
        source, preview = io.BytesIO(found[0]), preview and found[1]
    else:
        source = _path(stored_name)
        if preview and os.path.isfile(source + PREVIEW_SUFFIX):
            source += PREVIEW_SUFFIX
        else:
            preview = False
        if not os.path.isfile(source):
            return None
    name = os.path.basename(stored_name) + (PREVIEW_SUFFIX if preview else "")
    return OpenedFile(source, "image/jpeg" if preview else content_type, name)


def stored_image(stored_name, *, preview=False):
    """A stored picture (or its preview) as ReportLab's Image takes it (a path or a file object), or None when the
    file is gone."""
    opened = open_stored(stored_name, "application/octet-stream", preview=preview)
    return opened.source if opened is not None else None


def read_stored(stored_name, *, preview=False):
    """The bytes of a stored file (or of its preview), or None when there is none."""
    opened = open_stored(stored_name, "application/octet-stream", preview=preview)
    if opened is None:
        return None
    if isinstance(opened.source, str):
        with open(opened.source, "rb") as stored:
            return stored.read()
    return opened.source.getvalue()


def stored_names():
    """The name of every stored file and preview, sorted (what the store holds: for checks and tests)."""
    if _in_database():
        rows = db.session.execute(select(StoredFile.name, StoredFile.preview.is_not(None)))
        names = [n for name, has_preview in rows for n in ([name, name + PREVIEW_SUFFIX] if has_preview else [name])]
        return sorted(names)
    folder = upload_folder()
    return sorted(os.listdir(folder)) if os.path.isdir(folder) else []


def _shown_name(file_storage):
    """The file's name as the user knows it, short enough for a message."""
    name = os.path.basename((getattr(file_storage, "filename", "") or "").replace("\\", "/"))
    return (name[:40] + "…") if len(name) > 41 else (name or str(_l("the photo")))


def _not_an_image(file_storage):
    """The refusal for anything Pillow cannot read as one of FORMATS."""
    return DomainError(
        _l(
            "“%(name)s” is not a photo we can read. Send a JPEG, PNG, WebP or GIF picture.",
            name=_shown_name(file_storage),
        ),
        field="photos",
    )


def inspect_photo(file_storage):
    """Read an upload and check it by its content; return (bytes, content type, extension) or raise DomainError.

    The file's name and the content type the browser sent are never trusted.
    """
    limit = int(current_app.config["MAX_PHOTO_BYTES"])
    data = file_storage.stream.read(limit + 1)
    if len(data) > limit:
        raise DomainError(
            _l(
                "“%(name)s” is larger than %(mb)s MB. Send a smaller photo.",
                name=_shown_name(file_storage),
                mb=limit // (1024 * 1024),
            ),
            field="photos",
        )
    if not data:
        raise _not_an_image(file_storage)
    try:
        with Image.open(io.BytesIO(data)) as image:  # reads the header only: nothing is decoded yet
            detected, width, height = image.format, image.width, image.height
        if detected not in FORMATS:
            raise _not_an_image(file_storage)
        _check_pixels(file_storage, detected, width, height)
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
    except (
        OSError,
        SyntaxError,
        ValueError,
        struct.error,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ):
        raise _not_an_image(file_storage) from None
    content_type, extension = FORMATS[detected]
    return data, content_type, extension


def _decoded_pixels(detected, width, height):
    """How many pixels making the preview decodes: a JPEG at the draft scale (down to 1/8), anything else whole."""
    if detected not in ("JPEG", "MPO"):
        return width * height
    scale = 1
    while scale < 8 and width // (scale * 2) >= PREVIEW_SIZE * 2 and height // (scale * 2) >= PREVIEW_SIZE * 2:
        scale *= 2
    return -(-width // scale) * -(-height // scale)


def _check_pixels(file_storage, detected, width, height):
    """Refuse a picture too large to decode, from its header's size, and count it against the request's budget."""
    limit = MAX_PHOTO_PIXELS if detected in ("JPEG", "MPO") else MAX_FULL_DECODE_PIXELS
    limit = min(limit, Image.MAX_IMAGE_PIXELS or limit)
    if width * height > limit:
        raise DomainError(
            _l(
                "“%(name)s” has more than %(mp)s million pixels. Send the photo as the camera took it, "
                "or a smaller copy.",
                name=_shown_name(file_storage),
                mp=limit // 1_000_000,
            ),
            field="photos",
        )
    used = g.get("decoded_pixels", 0) + _decoded_pixels(detected, width, height)
    if used > MAX_DECODED_PIXELS_PER_REQUEST:
        raise DomainError(
            _l("These pictures are too large to take in at once. Send fewer of them, or smaller ones."), field="photos"
        )
    g.decoded_pixels = used


# Metadata ------------------------------------------------------------------------------------------------------

#: JPEG segments that carry metadata: APP1 (EXIF, XMP), APP13 (IPTC), comments; APP2 only when it is MPF.
_JPEG_METADATA = {0xE1, 0xED, 0xFE}
_EXIF_ORIENTATION = 0x0112


def _orientation(data):
    """The EXIF orientation (1-8) a picture declares, 1 when none."""
    with Image.open(io.BytesIO(data)) as image:
        value = image.getexif().get(_EXIF_ORIENTATION, 1)
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _jpeg_without_metadata(data):
    """The first image of a JPEG (an MPO's others dropped) without its metadata segments, its pixels untouched;
    the orientation kept as the only EXIF tag so the photo stays upright."""
    orientation = _orientation(data)
    out = [b"\xff\xd8"]
    if orientation != 1:
        exif = Image.Exif()
        exif[_EXIF_ORIENTATION] = orientation
        payload = b"Exif\x00\x00" + exif.tobytes()
        out.append(b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload)
    i = 2
    while i < len(data):
        if data[i] != 0xFF:
            raise ValueError("not a JPEG segment")
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker == 0x01 or 0xD0 <= marker <= 0xD8:  # markers without a length
            i += 2
            continue
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        segment = data[i : i + 2 + length]
        if marker == 0xDA:  # start of scan: the coded data runs to the first EOI (0xFF is stuffed inside it)
            end = data.find(b"\xff\xd9", i + 2 + length)
            if end < 0:
                raise ValueError("no end of image")
            out.append(data[i : end + 2])
            return b"".join(out)
        if not (marker in _JPEG_METADATA or (marker == 0xE2 and segment[4:8] == b"MPF\x00")):
            out.append(segment)
        i += 2 + length
    raise ValueError("no image data")


def _png_without_metadata(data):
    """A PNG without its eXIf and text chunks (tEXt, zTXt, iTXt: where XMP lives)."""
    out, i = [data[:8]], 8
    while i < len(data):
        (length,) = struct.unpack(">I", data[i : i + 4])
        kind = data[i + 4 : i + 8]
        if kind not in (b"eXIf", b"tEXt", b"zTXt", b"iTXt"):
            out.append(data[i : i + 12 + length])
        i += 12 + length
        if kind == b"IEND":
            break
    return b"".join(out)


def _webp_without_metadata(data):
    """A WebP without its EXIF and XMP chunks (and their flags in the VP8X header)."""
    chunks, i = [], 12
    while i + 8 <= len(data):
        kind, (length,) = data[i : i + 4], struct.unpack("<I", data[i + 4 : i + 8])
        chunk = data[i : i + 8 + length + (length & 1)]
        if kind == b"VP8X":
            chunk = chunk[:8] + bytes([chunk[8] & ~0x0C]) + chunk[9:]
        if kind not in (b"EXIF", b"XMP "):
            chunks.append(chunk)
        i += 8 + length + (length & 1)
    body = b"WEBP" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def without_metadata(data, detected):
    """The stored form of an upload: the same picture without EXIF/XMP/IPTC (GIF carries none)."""
    if detected in ("JPEG", "MPO"):
        return _jpeg_without_metadata(data)
    if detected == "PNG":
        return _png_without_metadata(data)
    if detected == "WEBP":
        return _webp_without_metadata(data)
    return data


def _preview(data):
    """A small JPEG of the photo, upright (EXIF orientation applied); raises OSError if it cannot be decoded."""
    with Image.open(io.BytesIO(data)) as image:
        image.draft("RGB", (PREVIEW_SIZE * 2, PREVIEW_SIZE * 2))  # JPEG: decode at a fraction of the size
        image = ImageOps.exif_transpose(image)
        image.thumbnail((PREVIEW_SIZE, PREVIEW_SIZE))
        if image.mode in ("RGBA", "LA", "P", "PA"):
            image = image.convert("RGBA")
            flat = Image.new("RGB", image.size, "white")
            flat.paste(image, mask=image.getchannel("A"))
            image = flat
        elif image.mode != "RGB":
            image = image.convert("RGB")
        out = io.BytesIO()
        image.save(out, "JPEG", quality=80, optimize=True)
        return out.getvalue()


def _write(name, data):
    """Write a new file under the upload folder (never overwriting one)."""
    folder = upload_folder()
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "xb") as out:
        out.write(data)


def _save(name, content_type, data, preview=None):
    """Keep a new file (and its preview) in the store FILE_STORE names, as part of the current transaction."""
    if _in_database():
        db.session.add(
            StoredFile(
                property_id=current_property_id(),
                name=name,
                content_type=content_type,
                size=len(data),
                data=data,
                preview=preview,
            )
        )
        return
    _track(name)
    _write(name, data)
    if preview is not None:
        _write(name + PREVIEW_SUFFIX, preview)


def store_picture(file_storage):
    """Check one upload by its content and store it with its preview under a new random name; returns
    (stored name, content type, size). The files go again if the transaction rolls back.

    Any picture in the app (ticket photos, items left at the desk) is stored this way.
    """
    data, content_type, extension = inspect_photo(file_storage)
    try:
        with Image.open(io.BytesIO(data)) as image:
            detected = image.format
        data = without_metadata(data, detected)
        preview = _preview(data)
    except (
        OSError,
        SyntaxError,
        ValueError,
        struct.error,
        zlib.error,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ):
        raise _not_an_image(file_storage) from None  # a truncated or corrupt picture
    name = f"{secrets.token_hex(16)}.{extension}"
    _save(name, content_type, data, preview)
    return name, content_type, len(data)


def store_document(file_storage):
    """Store a PDF or a picture (a drawing, a licence): PDFs are recognised by their content ("%PDF-"), pictures
    as in `store_picture`; anything else, or anything over MAX_PHOTO_BYTES, raises DomainError(field="documents").
    Returns (stored name, content type, size)."""
    head = file_storage.stream.read(5)
    file_storage.stream.seek(0)
    if head != b"%PDF-":
        try:
            return store_picture(file_storage)
        except DomainError as error:
            raise DomainError(
                _l("“%(name)s” is neither a PDF nor a picture we can read.", name=_shown_name(file_storage)),
                field="documents",
            ) from error
    limit = int(current_app.config["MAX_PHOTO_BYTES"])
    data = file_storage.stream.read(limit + 1)
    if len(data) > limit:
        raise DomainError(
            _l(
                "“%(name)s” is larger than %(mb)s MB. Send a smaller file.",
                name=_shown_name(file_storage),
                mb=limit // (1024 * 1024),
            ),
            field="documents",
        )
    if b"%%EOF" not in data[-2048:]:
        raise DomainError(_l("“%(name)s” is not a complete PDF.", name=_shown_name(file_storage)), field="documents")
    name = f"{secrets.token_hex(16)}.pdf"
    _save(name, "application/pdf", data)
    return name, "application/pdf", len(data)


def delete_stored(names):
    """Remove stored files (and their previews) by name; missing files are ignored. In the database store the rows
    go with the current transaction (the caller commits); in the directory the files go at once."""
    names = [os.path.basename(name) for name in names]
    if _in_database():
        if names:
            db.session.execute(
                delete(StoredFile).where(StoredFile.name.in_(names)).execution_options(all_properties=True)
            )
        return
    for name in names:
        photo = _path(name)
        for path in (photo, photo + PREVIEW_SUFFIX):
            try:
                os.remove(path)
            except FileNotFoundError:
                pass


def _track(name):
    """Remember a file written in this transaction, to remove it should the transaction roll back (the directory
    store: the database store's rows roll back with the transaction itself)."""
    db.session.info.setdefault(_SESSION_KEY, []).append(name)


@sa_event.listens_for(db.session, "after_commit")
def _keep_files(session):
    """The rows that name the files are committed: the files stay."""
    session.info.pop(_SESSION_KEY, None)


@sa_event.listens_for(db.session, "after_rollback")
def _remove_files(session):
    """The rows that named the files were rolled back: remove the files too (in the app context the request has)."""
    names = session.info.pop(_SESSION_KEY, None)
    if names:
        delete_stored(names)
