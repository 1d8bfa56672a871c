"""The lobby kiosk: touch-sized public screens that show no private data."""

from flask import Blueprint

bp = Blueprint("kiosk", __name__)

from kiosk import home  # noqa: E402,F401
