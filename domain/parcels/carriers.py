"""Telling the carrier from a tracking number, so a scanned parcel needs no pick from the carrier list.

Each carrier's numbers have a known shape: a prefix (SF, JD, YT, JT), or a length and leading digits. Numbers of
digits only overlap between carriers, so a number is recognised only when exactly one carrier's shapes match it;
otherwise the clerk chooses. The table is data: a carrier that changes its numbering is one line here.
"""

import re

from flask_babel import lazy_gettext as _l

#: Carriers the desk picks from (keys stored; labels in the user's language).
CARRIERS = {
    "sf": _l("SF Express"),
    "jd": _l("JD Logistics"),
    "ems": _l("China Post / EMS"),
    "zto": _l("ZTO Express"),
    "yto": _l("YTO Express"),
    "sto": _l("STO Express"),
    "yunda": _l("Yunda Express"),
    "jt": _l("J&T Express"),
    "cainiao": _l("Cainiao"),
    "other": _l("Other"),
}

#: (carrier key of CARRIERS, pattern of a whole tracking number as stored: upper case,
#: no spaces). Several lines per carrier where it uses several shapes.
PATTERNS = (
    ("sf", r"SF\d{10,15}"),  # 顺丰: "SF" and 12-13 digits today
    ("jd", r"JD[0-9A-Z]{11,18}"),  # 京东: "JDVA…", "JDX…", "JD0…"
    ("yto", r"YT\d{10,18}"),  # 圆通: "YT" and 13-16 digits
    ("jt", r"JT\d{10,15}"),  # 极兔: "JT" and 13 digits
    ("ems", r"[A-Z]{2}\d{9}CN"),  # 中国邮政/EMS: the international S10 form, e.g. EA123456789CN
    ("ems", r"1\d{12}"),  # EMS domestic: 13 digits from 1
    ("zto", r"7[358]\d{12}"),  # 中通: 14 digits from 73, 75, 78
    ("zto", r"7\d{11}"),  # 中通, older: 12 digits from 7 (overlaps STO's 768…)
    ("sto", r"77\d{13}"),  # 申通: 15 digits from 77
    ("sto", r"[2-9]68\d{9}"),  # 申通, older: 12 digits from 268 … 968
    ("yunda", r"(31|43|46)\d{11}"),  # 韵达: 13 digits from 31, 43, 46
    ("yunda", r"4[36]\d{13}"),  # 韵达: 15 digits from 43, 46
)
_COMPILED = tuple((carrier, re.compile(pattern)) for carrier, pattern in PATTERNS)


def recognise_carrier(tracking_number):
    """The carrier key a tracking number belongs to, or None when no shape or several carriers' shapes match it.

    Takes the number as typed (spaces and case do not matter).
    """
    number = re.sub(r"\s+", "", tracking_number or "").upper()
    found = {carrier for carrier, pattern in _COMPILED if pattern.fullmatch(number)}
    return found.pop() if len(found) == 1 else None
