"""A position the inspector types: decimal degrees or 度分秒, the way people write them. Pure.

Accepted, latitude first unless the hemispheres say otherwise (``120°E 36°N`` is swapped):

- decimal degrees: ``36.0701, 120.3826``, ``北纬36.0701 东经120.3826``, ``N36.0701 E120.3826``,
  ``36.0701N 120.3826E``, ``-33.86 151.21``;
- 度分秒: ``36°4'12.5"N 120°22'58"E``, ``36°04′12.5″ 120°22′58″`` (primes or quotes),
  ``北纬36度4分12.5秒 东经120度22分58秒``;
- degrees and decimal minutes: ``36°4.21' 120°22.97'``.

The two values are separated by spaces, ``,`` ``，`` ``、`` or ``;``. S, W, 南纬 and 西经 make a
value negative (a minus sign does too, but not both at once). Full-width digits and punctuation
are read as their ASCII forms (NFKC). Anything else is refused with a Chinese message that says
what is wrong (``ValueError``), for the field's own error text.

Also here: the great-circle distance between two positions, how it reads, and the ``geo:`` URI
that hands a position to the phone's map app.

The record keeps decimal degrees (``sync.Location``), rounded to 7 places (about a centimetre):
the float of 12.5″ would otherwise carry fifteen meaningless digits into the signed record.
"""

from __future__ import annotations

import math
import re
import unicodedata
import urllib.parse
from dataclasses import dataclass

from sync import Location, LocationSource

from .. import strings as s

_LAT_NAMES = {"N": 1, "S": -1, "北纬": 1, "南纬": -1, "纬度": 1}
_LON_NAMES = {"E": 1, "W": -1, "东经": 1, "西经": -1, "经度": 1}
_AXIS_ONLY = {"纬度", "经度"}
"""Words that name the axis but no hemisphere: a minus sign may go with them."""
_HEMI = r"北纬|南纬|东经|西经|纬度|经度|[NSEW]"
_NUM = r"[+-]?\d+(?:\.\d+)?"
_DMS = (rf"(?P<deg>{_NUM})\s*"
        rf"(?:[°度]\s*"
        rf"(?:(?P<min>\d+(?:\.\d+)?)\s*(?:'|分)\s*"
        rf"(?:(?P<sec>\d+(?:\.\d+)?)\s*(?:\"|秒)\s*)?)?)?")
_SEPARATOR = r"(?:\s*[,、;]\s*|\s+)"


def _pattern(words_first: bool, count: int) -> re.Pattern[str]:
    """``count`` values with their direction words before them all (北纬36 东经120) or after
    them all (36N 120E): one style per input, so a word between two values is never ambiguous."""
    values = []
    for tag in "ab"[:count]:
        value = (rf"(?P<hemi>{_HEMI})?\s*:?\s*{_DMS}" if words_first else rf"{_DMS}\s*(?P<hemi>{_HEMI})?")
        values.append(f"(?P<all>{value})".replace("?P<", f"?P<{tag}_"))
    return re.compile(rf"\s*{_SEPARATOR.join(values)}\s*", re.IGNORECASE)


_PAIRS = (_pattern(True, 2), _pattern(False, 2))
_SINGLES = (_pattern(True, 1), _pattern(False, 1))

# Marks people type for minutes and seconds, folded to ' and " after NFKC (which turns ″ into ′′).
_MARKS = str.maketrans({"−": "-", "′": "'", "’": "'", "‘": "'", "´": "'", "`": "'",
                        "″": '"', "”": '"', "“": '"', "º": "°", "˚": "°"})


@dataclass(frozen=True)
class _Value:
    """One of the two numbers as typed: its value in degrees, and which axis its letters name."""

    degrees: float
    axis: str | None
    """"lat", "lon" or None when neither hemisphere nor 经/纬 was written."""
    text: str


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text.translate(_MARKS)).translate(_MARKS)
    return text.replace("''", '"').replace("，", ",").replace("；", ";").strip()


def _hemisphere(word: str | None, text: str, negative: bool) -> tuple[str | None, int]:
    """Which axis the direction word names, and the sign it gives."""
    name = (word or "").upper()
    if not name:
        return None, 1
    if negative and name not in _AXIS_ONLY:
        raise ValueError(s.COORD_SIGN_AND_HEMISPHERE.format(value=text))
    if name in _LAT_NAMES:
        return "lat", _LAT_NAMES[name]
    return "lon", _LON_NAMES[name]


def _value(match: re.Match[str], prefix: str) -> _Value:
    def group(name: str) -> str | None:
        return match.group(prefix + name)

    text = (group("all") or "").strip().replace("'", "′").replace('"', "″")  # as printed
    deg_text, min_text, sec_text = group("deg") or "", group("min"), group("sec")
    axis, sign = _hemisphere(group("hemi"), text, deg_text.startswith("-"))
    degrees = float(deg_text)
    if min_text is not None:
        if "." in deg_text.lstrip("+-"):
            raise ValueError(s.COORD_FRACTION_BEFORE_MINUTES.format(value=text))
        minutes = float(min_text)
        if minutes >= 60:
            raise ValueError(s.COORD_MINUTES_RANGE.format(value=text))
        seconds = 0.0
        if sec_text is not None:
            if "." in min_text:
                raise ValueError(s.COORD_FRACTION_BEFORE_SECONDS.format(value=text))
            seconds = float(sec_text)
            if seconds >= 60:
                raise ValueError(s.COORD_SECONDS_RANGE.format(value=text))
        magnitude = abs(degrees) + minutes / 60 + seconds / 3600
        degrees = -magnitude if deg_text.startswith("-") else magnitude
    return _Value(sign * degrees, axis, text)


def parse_coordinates(text: str) -> Location:
    """The position in ``text`` as a typed ``Location`` (see the module's doc for the forms);
    ``ValueError`` with a Chinese message saying what is wrong."""
    normal = _normalise(text)
    if not normal:
        raise ValueError(s.COORD_EMPTY)
    pair = next((m for p in _PAIRS if (m := p.fullmatch(normal))), None)
    if pair is None:
        if any(p.fullmatch(normal) for p in _SINGLES):
            raise ValueError(s.COORD_ONE_VALUE)
        raise ValueError(s.COORD_UNREADABLE)
    first, second = _value(pair, "a_"), _value(pair, "b_")
    if first.axis is not None and first.axis == second.axis:
        raise ValueError(s.COORD_SAME_AXIS.format(axis=s.COORD_LAT if first.axis == "lat" else s.COORD_LON))
    if first.axis == "lon" or second.axis == "lat":
        first, second = second, first
    lat, lon = first.degrees, second.degrees
    if not -90 <= lat <= 90:
        raise ValueError(s.COORD_LAT_RANGE.format(value=first.text))
    if not -180 <= lon <= 180:
        raise ValueError(s.COORD_LON_RANGE.format(value=second.text))
    assert math.isfinite(lat) and math.isfinite(lon)  # the pattern admits only digits
    return Location(lat=round(lat, 7), lon=round(lon, 7), accuracy_m=None, source=LocationSource.TYPED)


EARTH_RADIUS_M = 6_371_008.8
"""The earth's mean radius (IUGG): the haversine's sphere is off by at most ~0.5 % of a distance,
centimetres at the hundreds of metres the review compares."""


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres between two WGS 84 positions (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def distance_text(metres: float) -> str:
    """"850 米" below a kilometre (as rounded), else "2.3 公里"."""
    if round(metres) < 1000:
        return s.DISTANCE_METRES.format(value=round(metres))
    return s.DISTANCE_KILOMETRES.format(value=metres / 1000)


def geo_uri(lat: float, lon: float, label: str) -> str:
    """``geo:lat,lon?q=lat,lon(label)`` (RFC 5870 plus Android's query): Android hands it to the
    map app the user chose, which puts a pin with the label there."""
    point = f"{lat:.7f},{lon:.7f}"
    return f"geo:{point}?q={point}({urllib.parse.quote(label, safe='')})"


def osm_url(lat: float, lon: float) -> str:
    """The position on openstreetmap.org, a pin at zoom 17: a web page any browser opens. The
    project's coordinates are WGS 84 (docs/decisions.md), which OpenStreetMap draws without shift."""
    return f"https://www.openstreetmap.org/?mlat={lat:.7f}&mlon={lon:.7f}#map=17/{lat:.7f}/{lon:.7f}"


def map_link(lat: float, lon: float, label: str, *, web: bool) -> str:
    """What 在地图中查看 opens: in the web client (``page.web``) a browser cannot hand a ``geo:``
    URI to anything, so the OpenStreetMap page; on a phone the ``geo:`` URI, for the map app the
    user chose."""
    return osm_url(lat, lon) if web else geo_uri(lat, lon, label)
