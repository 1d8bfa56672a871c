"""Stored photos: no location (EXIF, XMP) kept, pixels untouched and upright; pictures too large to decode are
refused from their header; one request decodes a bounded number of pixels; and a handful of large uploads stays
within a stated memory bound."""

import io
import os
import struct
import tracemalloc
import zlib

import pytest
from PIL import Image
from sqlalchemy import func, select

from domain.files import store
from domain.tickets.models import Ticket, TicketPhoto
from extensions import db
from tests import builders

#: Latitude/longitude a phone writes into a photo's EXIF (GPS IFD).
GPS = {1: "N", 2: (31.0, 13.0, 40.0), 3: "E", 4: (121.0, 28.0, 20.0)}
#: What six large uploads in one request (three 48 MP phone photos, three 9.7 MB pictures) may add to a worker's
#: peak memory, resident set and Python's own allocations alike, in bytes. Measured here: about 50 MB of resident
#: set and 28 MB of Python allocations; each photo is checked, stripped and previewed in turn, never all at once.
MEMORY_BOUND = 96 * 1024 * 1024


@pytest.fixture
def resident_client(client, auth, prop):
    """A resident of 1-1203, signed in; returns (client, unit)."""
    unit = builders.create_unit(number="1203")
    resident = builders.create_resident(prop, unit=unit, phone="13800000001")
    auth.login_resident(resident.user)
    return client, unit


def _gradient(size):
    """An RGB picture with detail in it (a gradient), so that a re-encoded copy would differ."""
    width, height = size
    return Image.merge(
        "RGB",
        [
            Image.linear_gradient("L").resize(size),
            Image.linear_gradient("L").rotate(90).resize(size),
            Image.new("L", size, 90),
        ],
    )


def _jpeg_with_location(size=(640, 480), orientation=6):
    """A phone-like JPEG: EXIF with GPS, an orientation and a camera model, plus an XMP packet."""
    exif = Image.Exif()
    exif[0x0110] = "Phone X"
    exif[0x0112] = orientation
    exif.get_ifd(0x8825).update(GPS)
    out = io.BytesIO()
    _gradient(size).save(
        out,
        "JPEG",
        quality=90,
        exif=exif.tobytes(),
        xmp=b"<x:xmpmeta><exif:GPSLatitude>31,13.6N</exif:GPSLatitude></x:xmpmeta>",
    )
    return out.getvalue()


def _png_chunk(kind, payload):
    """One PNG chunk with its CRC."""
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def _multipart(unit, photos):
    """(body, content type) of the portal's repair form with `photos` ([(bytes, name)]), built in memory (the test
    client would spool big files to files it never closes)."""
    from werkzeug.datastructures import FileStorage, MultiDict
    from werkzeug.test import encode_multipart

    form = MultiDict(
        {
            "kind": "repair",
            "repair_category": "water",
            "description": "厨房水龙头一直滴水",
            "place": str(unit.id),
            "location": "",
            "preferred_time": "周六上午",
            "contact_phone": "13800000001",
        }
    )
    for body, name in photos:
        form.add("photos", FileStorage(io.BytesIO(body), name, content_type="application/octet-stream"))
    boundary, body = encode_multipart(form)
    return body, f"multipart/form-data; boundary={boundary}"


def _post_repair(client, unit, photos):
    """Report a repair with `photos` ([(bytes, name)]) through the portal."""
    body, content_type = _multipart(unit, photos)
    return client.post("/portal/tickets/new", data=body, content_type=content_type)


def _stored(file_store, photo):
    """The stored bytes of a photo."""
    return file_store.read(photo.stored_name)


def test_a_stored_jpeg_keeps_no_location_but_its_pixels_and_orientation(resident_client, file_store):
    client, unit = resident_client
    original = _jpeg_with_location()
    assert _post_repair(client, unit, [(original, "IMG_0001.jpg")]).status_code == 303
    photo = db.session.scalars(select(TicketPhoto)).one()
    stored = _stored(file_store, photo)
    assert b"Phone X" not in stored and b"GPSLatitude" not in stored and b"http://ns.adobe.com/xap" not in stored
    with Image.open(io.BytesIO(stored)) as kept, Image.open(io.BytesIO(original)) as sent:
        assert dict(kept.getexif()) == {0x0112: 6}  # only the orientation is left
        assert kept.getexif().get_ifd(0x8825) == {}
        assert kept.tobytes() == sent.tobytes()  # the same pixels: nothing was re-encoded
    with Image.open(io.BytesIO(file_store.read(photo.stored_name + store.PREVIEW_SUFFIX))) as preview:
        assert preview.height > preview.width  # turned upright as the orientation says
    assert photo.size == len(stored)


def test_a_stored_png_and_webp_lose_their_metadata_chunks(resident_client, file_store):
    client, unit = resident_client
    out = io.BytesIO()
    _gradient((64, 48)).save(out, "PNG")
    plain = out.getvalue()
    exif = Image.Exif()
    exif.get_ifd(0x8825).update(GPS)
    png = (
        plain[:33] + _png_chunk(b"eXIf", exif.tobytes()) + _png_chunk(b"tEXt", b"Comment\x00GPS 31N 121E") + plain[33:]
    )
    webp = io.BytesIO()
    _gradient((64, 48)).save(webp, "WEBP", exif=exif.tobytes(), xmp=b"<x:xmpmeta>GPS</x:xmpmeta>")
    response = _post_repair(client, unit, [(png, "screen.png"), (webp.getvalue(), "photo.webp")])
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    stored = [_stored(file_store, p) for p in db.session.scalars(select(TicketPhoto).order_by(TicketPhoto.id))]
    assert stored[0] == plain  # exactly the picture without the two chunks
    assert b"eXIf" not in stored[0] and b"GPS" not in stored[0]
    assert b"EXIF" not in stored[1] and b"XMP " not in stored[1] and b"GPS" not in stored[1]
    with Image.open(io.BytesIO(stored[1])) as kept:
        assert kept.size == (64, 48) and not kept.getexif()


def test_a_picture_with_too_many_pixels_is_refused_from_its_header(resident_client, file_store):
    client, unit = resident_client
    # A PNG header claiming 5000 x 5000 pixels (25 MP to decode whole) and hardly any data: decoding is the attack.
    header = b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", 5000, 5000, 8, 2, 0, 0, 0))
    bomb = header + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 1000)) + _png_chunk(b"IEND", b"")
    response = _post_repair(client, unit, [(bomb, "huge.png")])
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "“huge.png”超过 16 百万像素" in html
    assert db.session.scalar(select(func.count(Ticket.id))) == 0
    assert file_store.names() == []


def test_one_request_decodes_a_bounded_number_of_pixels(resident_client, file_store, monkeypatch):
    client, unit = resident_client
    monkeypatch.setattr(store, "MAX_DECODED_PIXELS_PER_REQUEST", 3 * 64 * 48)
    out = io.BytesIO()
    _gradient((64, 48)).save(out, "PNG")
    response = _post_repair(client, unit, [(out.getvalue(), f"{n}.png") for n in range(4)])
    assert response.status_code == 200 and "一次无法接收这么大的图片" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(TicketPhoto.id))) == 0
    assert file_store.names() == []


def _peak_rss_since_reset():
    """(reset) -> bytes: resets the kernel's peak resident set of this process, returns a function reading it."""
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")

    def peak():
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmHWM:"))

    return peak


def _rss():
    """The resident set of this process now, in bytes."""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmRSS:"))


@pytest.mark.skipif(not os.path.exists("/proc/self/clear_refs"), reason="needs Linux's peak-RSS reset")
def test_six_large_uploads_stay_within_the_memory_bound(resident_client, upload_folder):
    client, unit = resident_client
    phone_photo = _jpeg_with_location(size=(8000, 6000))  # a 48 MP phone photo
    noise = io.BytesIO()
    Image.frombytes("RGB", (1800, 1800), os.urandom(1800 * 1800 * 3)).save(noise, "PNG")  # ~9.7 MB, incompressible
    photos = [(phone_photo, f"IMG_{n}.jpg") for n in range(3)] + [(noise.getvalue(), f"scan{n}.png") for n in range(3)]
    assert len(noise.getvalue()) > 9 * 1024 * 1024
    _post_repair(client, unit, photos[:1])  # warm up: imports, caches, the first ticket
    body, content_type = _multipart(unit, photos)  # what arrives over the network: not the worker's doing
    del photos, phone_photo, noise
    before = _rss()
    peak = _peak_rss_since_reset()
    tracemalloc.start()
    response = client.post("/portal/tickets/new", data=body, content_type=content_type)
    _current, python_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    grown = peak() - before
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    assert db.session.scalar(select(func.count(TicketPhoto.id))) == 7
    print(
        f"six uploads (3 x 48 MP JPEG, 3 x 9.7 MB PNG): peak RSS +{grown / 2**20:.0f} MB, "
        f"Python allocations peak {python_peak / 2**20:.0f} MB"
    )
    assert grown < MEMORY_BOUND and python_peak < MEMORY_BOUND
