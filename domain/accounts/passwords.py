"""Password hashing and the password policy, the same for residents and staff wherever a password is set."""

import re
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

from domain.errors import DomainError

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 128

#: Lower-cased common and breached passwords and the bare words behind them (see the file's header).
_COMMON = frozenset(
    line.strip()
    for line in (Path(__file__).with_name("common_passwords.txt")).read_text(encoding="utf-8").splitlines()
    if line.strip() and not line.startswith("#")
)
#: Rows people type as "random": a password that is a run of one of these (either way) is refused.
_RUNS = (
    "abcdefghijklmnopqrstuvwxyz",
    "01234567890",
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
    "1qaz2wsx3edc4rfv5tgb6yhn",
    "qazwsxedcrfvtgbyhn",
    "1q2w3e4r5t6y7u8i9o0p",
)
#: Look-alike characters people swap in ("p@ssw0rd"), undone before the list is checked.
_LOOK_ALIKES = str.maketrans({"@": "a", "4": "a", "0": "o", "3": "e", "$": "s", "5": "s", "7": "t", "!": "i", "1": "i"})
_ENDS = re.compile(r"^[\W\d_]+|[\W\d_]+$")

#: A hash to check against when the user is unknown, so that an unknown name costs one hash like a known one.
#: Made once per process and hashing method (making it per attempt would cost a second hash).
_DUMMY_HASHES = {}


def hash_password(password):
    """Hash a password with the configured method."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def check_password(password_hash, password):
    """Whether `password` matches `password_hash`; None as the hash checks a dummy, taking the same time."""
    if password_hash is None:
        method = current_app.config["PASSWORD_HASH_METHOD"]
        password_hash = _DUMMY_HASHES.get(method)
        if password_hash is None:
            password_hash = _DUMMY_HASHES[method] = generate_password_hash("not-a-password", method=method)
        check_password_hash(password_hash, password or "")
        return False
    return check_password_hash(password_hash, password or "")


def _is_common(password):
    """Whether `password` is a listed one, or a listed word dressed up with digits, symbols or look-alikes."""
    lower = password.lower()
    bare = _ENDS.sub("", lower)
    candidates = {
        lower,
        bare,
        lower.translate(_LOOK_ALIKES),
        _ENDS.sub("", lower.translate(_LOOK_ALIKES)),
        lower.replace("1", "l").translate(_LOOK_ALIKES),
    }
    return bool(candidates & _COMMON) or not bare


def _is_a_run(password):
    """Whether `password` is one repeated character or pair, or a stretch of the alphabet or a keyboard row."""
    lower = password.lower()
    if len(set(lower)) <= 2:
        return True
    return any(lower in run or lower in run[::-1] for run in _RUNS)


def check_password_rules(password, *, username=None, phone=None):
    """Raise DomainError (on the password field) unless `password` is long, not common and not personal.

    Refused: under MIN_PASSWORD_LENGTH characters or over MAX_PASSWORD_LENGTH; digits only; a common or breached
    password or pattern (common_passwords.txt, keyboard rows, repeats); anything containing the username or the
    phone number. The demo's password is on the list: only `flask demo load` (never in production) sets it.
    """
    password = password or ""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(_l("The password needs at least %(n)s characters.", n=MIN_PASSWORD_LENGTH), field="password")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise DomainError(
            _l("The password may have at most %(n)s characters.", n=MAX_PASSWORD_LENGTH), field="password"
        )
    if password.isdigit():
        raise DomainError(_l("The password must not be digits only."), field="password")
    lower = password.lower()
    if (username and username.strip() and username.strip().lower() in lower) or (
        phone and phone.strip() and phone.strip() in lower
    ):
        raise DomainError(_l("The password must not contain your username or phone number."), field="password")
    if _is_common(password) or _is_a_run(password):
        raise DomainError(_l("This password is too common and easy to guess. Choose another one."), field="password")
