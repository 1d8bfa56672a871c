"""The one rule for characters no typed or imported text may carry: NUL bytes (PostgreSQL refuses them) and
terminal control characters. Tabs and line breaks stay: text areas and CSV cells need them."""

import re

#: NUL, the C0 controls except tab, line feed and carriage return, DEL and the C1 controls.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean_text(value):
    """`value` without NUL bytes and terminal control characters (tabs and line breaks are kept)."""
    return CONTROL_CHARACTERS.sub("", value)
