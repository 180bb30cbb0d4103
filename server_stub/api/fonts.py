"""The public pages' font, cut to the characters of each page (issue 24, point 4).

The bundled CJK font (``assets/fonts``, ``scripts/make_cjk_font.py``) is 5.1 MB a weight: a
phone on mobile data opening its first public page (the enterprise scanning the 检查码 at the
door) fetched 10.2 MB before its text was drawn. Each page now names, in its ``@font-face``, a
WOFF2 subset holding exactly the characters of that page (every character of its HTML, so the
template's own text, the data, ``placeholder`` and ``data-label`` attributes, plus printable
ASCII and common CJK punctuation for what a reader types), a few tens of kilobytes a weight.

The subset's address carries its characters (``/fonts/<face>/<version>/<chars>.woff2``, the code
points as base64url varints of their differences), not a hash of them: any server process can
answer it without having rendered the page, after a restart too, and it never changes, so it is
cached for a year. ``<version>`` is the font file's hash: a new font is a new address. The
characters are checked to be written the one canonical way, so that one set has one address
and one cached answer. Cutting takes ~0.4 s; the answers are kept (``CACHE_ENTRIES``), and at
most ``CUTTERS`` cuts run at once in a process, so that requests for made-up sets cannot take
every worker thread: past ``WAIT_SECONDS`` the answer is 429 and the page keeps its fallback font.

A character outside a page's subset (the text someone types into a form) is drawn by the next
font of the page's ``font-family`` list, the phone's own.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import threading
from collections import OrderedDict
from functools import cache

from fontTools import subset
from fontTools.ttLib import TTFont

from server_stub.core.paths import FONTS_DIR

FACES = {"ZSCSans-Regular": 400, "ZSCSans-Bold": 700}
"""Each face of the family "ZSC Sans" and its CSS weight; the file is ``<face>.otf``."""

ALWAYS_CODES = frozenset(range(0x20, 0x7F)) | frozenset(map(ord, "，。、：；？！“”‘’（）《》【】…—·"))
"""In every subset: what a reader is likely to type into a form (printable ASCII), and the
punctuation of most sentences."""

MAX_CHARS = 6000
"""The most characters a subset may hold: a long page holds a few thousand at most."""
CACHE_ENTRIES = 256
CUTTERS = 2
WAIT_SECONDS = 15.0

SENTINEL = "/*ZSC-FONT-FACES*/"
"""Where ``base.html`` wants the ``@font-face`` rules of the page; ``render`` replaces it."""


@cache
def version(face: str) -> str:
    """The first 12 hex digits of the SHA-256 of the face's file."""
    return hashlib.sha256((FONTS_DIR / f"{face}.otf").read_bytes()).hexdigest()[:12]


@cache
def _file(face: str) -> bytes:
    return (FONTS_DIR / f"{face}.otf").read_bytes()


def encode(codes: set[int] | frozenset[int]) -> str:
    """The code points beyond ``ALWAYS_CODES``, ascending, as unsigned LEB128 varints of their
    differences (the first from 0), in base64url without padding; never empty."""
    out = bytearray()
    previous = 0
    for code in sorted(set(codes) - ALWAYS_CODES):
        delta, previous = code - previous, code
        while True:
            byte, delta = delta & 0x7F, delta >> 7
            out.append(byte | (0x80 if delta else 0))
            if not delta:
                break
    return base64.urlsafe_b64encode(bytes(out)).rstrip(b"=").decode("ascii") or "0"


def decode(text: str) -> frozenset[int] | None:
    """The code points of ``encode``'s ``text`` with ``ALWAYS_CODES``, or None unless ``text`` is the
    one way ``encode`` writes them (or holds more than ``MAX_CHARS``)."""
    if len(text) > MAX_CHARS * 4:
        return None
    if text == "0":
        return ALWAYS_CODES
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except ValueError:
        return None
    codes: list[int] = []
    previous, delta, shift = 0, 0, 0
    for byte in raw:
        delta |= (byte & 0x7F) << shift
        shift += 7
        if shift > 21:
            return None
        if not byte & 0x80:
            previous += delta
            codes.append(previous)
            delta, shift = 0, 0
    found = frozenset(codes) | ALWAYS_CODES
    if (shift or len(found) > MAX_CHARS or any(not 0x20 <= c <= 0x10FFFF for c in codes)
            or encode(found) != text):
        return None
    return found


def page_codes(page: str) -> frozenset[int]:
    """Every character a page can show: all of its HTML's, with its entities read."""
    return frozenset(ord(c) for c in html.unescape(page) if c >= " ") | ALWAYS_CODES


def font_faces(page: str) -> str:
    """The ``@font-face`` rules of ``page``: each face cut to the page's characters."""
    chars = encode(page_codes(page))
    return "".join(
        f'@font-face{{font-family:"ZSC Sans";src:url("/fonts/{face}/{version(face)}/{chars}.woff2")'
        f' format("woff2");font-weight:{weight};font-display:swap}}'
        for face, weight in FACES.items())


class Busy(Exception):
    """Every cutter of this process stayed busy for ``WAIT_SECONDS``."""


_cache: OrderedDict[tuple[str, str], bytes] = OrderedDict()
_cache_lock = threading.Lock()
_cutters = threading.BoundedSemaphore(CUTTERS)


def subset_woff2(face: str, chars: str, codes: frozenset[int]) -> bytes:
    """The face cut to ``codes`` (written ``chars``) as WOFF2, from the cache when it holds it.
    Raises ``Busy``."""
    key = (face, chars)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    if not _cutters.acquire(timeout=WAIT_SECONDS):
        raise Busy()
    try:
        with _cache_lock:
            if key in _cache:
                return _cache[key]
        font = cut(_file(face), codes)
    finally:
        _cutters.release()
    with _cache_lock:
        _cache[key] = font
        while len(_cache) > CACHE_ENTRIES:
            _cache.popitem(last=False)
    return font


def cut(font_file: bytes, codes: frozenset[int]) -> bytes:
    """``font_file`` holding only the glyphs of ``codes`` (and what they are drawn with: ligatures,
    the horizontal layout features kept), as WOFF2."""
    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    font = TTFont(io.BytesIO(font_file), lazy=True)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(codes))
    subsetter.subset(font)
    out = io.BytesIO()
    font.flavor = "woff2"
    font.save(out)
    font.close()
    return out.getvalue()
