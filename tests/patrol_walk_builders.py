"""Builders for walking rounds: a route with checkpoints whose window is open at the frozen clock, an area, a
drawn signature and a photo upload."""

import base64
import io
import itertools
from datetime import timedelta

from PIL import Image, ImageDraw
from werkzeug.datastructures import FileStorage

from domain.accounts.roles import Role
from domain.areas.models import Area
from domain.clock import local_now
from domain.patrols.models import Checkpoint, PatrolRoute
from extensions import db

_seq = itertools.count(1)
CHECKLIST = ["消防通道畅通", "照明正常"]


def window_around_now(before=60, after=60):
    """["HH:MM", "HH:MM"] of a window opened `before` minutes ago and ending in `after` minutes, local time."""
    now = local_now()
    return [(now - timedelta(minutes=before)).strftime("%H:%M"), (now + timedelta(minutes=after)).strftime("%H:%M")]


def create_area(prop, assistant, deputy=None, name=None):
    """An area of `prop` looked after by `assistant`."""
    area = Area(
        property_id=prop.id,
        name=name or f"区域{next(_seq)}",
        assistant_id=assistant.id if assistant else None,
        deputy_id=deputy.id if deputy else None,
    )
    db.session.add(area)
    db.session.commit()
    return area


def create_route(prop, *, role=Role.ASSISTANT, area=None, windows=None, points=3, name=None):
    """An active route with `points` checkpoints (codes unique), each with CHECKLIST, walked in `windows` (by
    default one window open now)."""
    route = PatrolRoute(
        property_id=prop.id,
        name=name or f"巡视路线{next(_seq)}",
        area_id=area.id if area else None,
        role=Role(role),
        windows=windows if windows is not None else [window_around_now()],
    )
    db.session.add(route)
    db.session.flush()
    for position in range(1, points + 1):
        db.session.add(
            Checkpoint(
                route_id=route.id,
                position=position,
                name=f"检查点{position}",
                place=f"1号楼 {position} 层",
                look_for="看看",
                checklist=list(CHECKLIST),
                code=f"T{next(_seq):05d}",
            )
        )
    db.session.commit()
    return route


def all_ok():
    """Every question of CHECKLIST answered OK."""
    return dict.fromkeys(CHECKLIST, "ok")


def signature_url():
    """A drawn signature as the pad posts it."""
    image = Image.new("RGB", (120, 40), "white")
    ImageDraw.Draw(image).line([(5, 30), (60, 8), (115, 30)], fill="black", width=3)
    out = io.BytesIO()
    image.save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def photo_bytes():
    """A small JPEG."""
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "red").save(out, "JPEG")
    return out.getvalue()


def photo_upload(name="finding.jpg"):
    """A JPEG as an uploaded file."""
    return FileStorage(io.BytesIO(photo_bytes()), filename=name, content_type="image/jpeg")
