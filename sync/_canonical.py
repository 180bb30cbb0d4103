"""The byte-level formats of the wire (DESIGN §4): canonical JSON, hashes, base64url, timestamps.

The signed bytes of a JSON value are its RFC 8785 (JCS) canonical form in UTF-8, made by the
``rfc8785`` package. JCS can only express what an IEEE 754 double can: it refuses NaN and the
infinities, integers a double does not hold exactly, lone surrogates, and non-string keys. ``canonical_bytes``
checks for all of these first and reports every one by its path (``items[2].note``) with a Chinese
message, so an app form or a server answer can say what is wrong instead of showing a traceback.

Every JSON number canonicalises through its double: ``37``, ``37.0`` and ``3.7e1`` give the same
bytes, and the JCS text of a float parses back to the same float, so the hash of a record survives
any parser that reads numbers as doubles.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import math
import re
from collections.abc import Mapping
from typing import TypeAlias

import rfc8785

from ._exceptions import Problem, ValidationError

JsonValue: TypeAlias = "None | bool | int | float | str | list[JsonValue] | dict[str, JsonValue]"
"""A plain JSON value as ``json.loads`` gives it."""

ROOT = "$"
"""The path of the whole value in a ``Problem`` raised by this module."""

MAX_SAFE_INTEGER = 2**53 - 1

MAX_JSON_DEPTH = 32
"""The deepest nesting of arrays and objects a body may have. A record nests five levels
(``items[0].photos[0]``); the limit is far above any honest body and far below what would
exhaust a parser's recursion (about 1,000 levels in CPython's ``json``)."""

MAX_NUMBER_DIGITS = 40
"""The longest number literal a body may hold. No field needs more than a double's 17 significant
digits; a literal of thousands of digits costs quadratic time to convert (CPython refuses over
4,300) and is refused before any parser sees it."""

_JSON_TOKENS = re.compile(
    rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[{]|[\]}]|[-+0-9.eE]{%d,}' % (MAX_NUMBER_DIGITS + 1))

_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
_B64URL = re.compile(r"[A-Za-z0-9_-]*")
_RFC3339 = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,9}))?"
    r"(?:(Z)|([+-])([0-9]{2}):([0-9]{2}))"
)


def _child(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return key if path == ROOT else f"{path}.{key}"


def _plain(value: object, path: str, problems: list[Problem]) -> JsonValue:
    """``value`` as plain JSON (dicts and lists), noting at its path everything JCS refuses."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        if abs(value) <= MAX_SAFE_INTEGER:
            return value
        double = _int_as_double(value)
        if double is None:
            problems.append(Problem(path, f"整数{value}无法用JSON数值（双精度浮点数）精确表示"))
            return value
        return double
    if isinstance(value, float):
        if not math.isfinite(value):
            problems.append(Problem(path, f"数值{value}不是有限数，JSON无法表示"))
        return value
    if isinstance(value, str):
        if not _is_utf8(value):
            problems.append(Problem(path, "文本含有无法用UTF-8编码的字符（孤立的代理项）"))
        return value
    if isinstance(value, list | tuple):
        return [_plain(v, _child(path, i), problems) for i, v in enumerate(value)]
    if isinstance(value, Mapping):
        out: dict[str, JsonValue] = {}
        for key, v in value.items():
            if not isinstance(key, str) or not _is_utf8(key):
                problems.append(Problem(path, f"对象的键{key!r}不是有效的文本"))
                continue
            out[key] = _plain(v, _child(path, key), problems)
        return out
    problems.append(Problem(path, f"{type(value).__name__}类型的值不能写入JSON"))
    return None


def _int_as_double(value: int) -> float | None:
    """The double an integer beyond ±(2^53 − 1) stands for, or None if it stands for none.

    rfc8785 refuses such integers, but JCS reads every number as a double, and the canonical text
    of a large double is an integer literal, often not its exact value: 2.0**60 is written
    ``1152921504606847000``. An integer that equals a double, or is a double's canonical text, is
    accepted as that double, so that ``json.loads`` of canonical text canonicalises again to
    itself; any other big integer would lose digits and is refused.
    """
    try:
        double = float(value)
    except OverflowError:
        return None
    if double == value or rfc8785.dumps(double) == str(value).encode():
        return double
    return None


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def canonical_bytes(value: object) -> bytes:
    """The RFC 8785 canonical form of a JSON value, UTF-8: the bytes that are hashed and signed.

    Accepts any ``Mapping`` and ``list``/``tuple``; raises ``ValidationError`` listing every part
    JCS cannot express.
    """
    problems: list[Problem] = []
    plain = _plain(value, ROOT, problems)
    if problems:
        raise ValidationError(problems)
    return rfc8785.dumps(plain)


def record_hash(record: Mapping[str, object]) -> str:
    """A record's hash, as ``prev`` and ``supersedes`` name it: hex SHA-256 of its canonical bytes."""
    return canonical_digest(canonical_bytes(record))


def canonical_digest(data: bytes) -> str:
    """``record_hash`` of the record whose canonical bytes are ``data``, for a caller that has
    them already (the platform's check of an envelope makes them to verify its signature)."""
    return hashlib.sha256(data).hexdigest()


def is_sha256_hex(value: object) -> bool:
    """Whether ``value`` is a hash as the wire writes it: 64 lowercase hex digits."""
    return isinstance(value, str) and _SHA256_HEX.fullmatch(value) is not None


def check_json_shape(data: bytes) -> None:
    """Refuse (``ValidationError``) JSON text nested deeper than ``MAX_JSON_DEPTH`` or holding a
    number literal longer than ``MAX_NUMBER_DIGITS``, before it is parsed.

    Scans the bytes once, skipping string literals, so a crafted body costs linear time and no
    recursion. The text need not be valid JSON: the parser that follows says what else is wrong.
    """
    depth = 0
    for match in _JSON_TOKENS.finditer(data):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth > MAX_JSON_DEPTH:
                raise ValidationError.single(ROOT, f"JSON嵌套超过{MAX_JSON_DEPTH}层")
        elif token in (b"]", b"}"):
            depth -= 1
        elif not token.startswith(b'"'):
            raise ValidationError.single(ROOT, f"JSON中的数字超过{MAX_NUMBER_DIGITS}位")


def _refuse_duplicates(pairs: list[tuple[str, JsonValue]]) -> dict[str, JsonValue]:
    out: dict[str, JsonValue] = {}
    for key, value in pairs:
        if key in out:
            raise ValidationError.single(ROOT, f"JSON对象中键「{key}」重复出现")
        out[key] = value
    return out


def _refuse_constant(name: str) -> float:
    raise ValidationError.single(ROOT, f"JSON中不允许出现{name}")


def parse_json(data: bytes | str) -> JsonValue:
    """Parse JSON text strictly, for bodies that will be hashed or verified.

    Unlike ``json.loads`` it refuses text nested too deeply or with over-long numbers
    (``check_json_shape``), text that is not UTF-8, duplicate keys (which parsers resolve
    differently, so two readers could see two records behind one signature), ``NaN`` and
    ``Infinity``, and numbers JCS cannot express. Raises ``ValidationError``.
    """
    check_json_shape(data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass"))
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise ValidationError.single(
                ROOT, f"不是UTF-8编码的文本（第{e.start + 1}字节）"
            ) from None
    try:
        value = json.loads(
            data, object_pairs_hook=_refuse_duplicates, parse_constant=_refuse_constant
        )
    except json.JSONDecodeError as e:
        raise ValidationError.single(
            ROOT, f"不是有效的JSON（第{e.lineno}行第{e.colno}列：{e.msg}）"
        ) from None
    problems: list[Problem] = []
    plain = _plain(value, ROOT, problems)
    if problems:
        raise ValidationError(problems)
    return plain


def b64url_encode(data: bytes) -> str:
    """base64url without padding (RFC 4648 §5), the wire's form of signatures and keys."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: object, *, size: int | None = None, field: str = ROOT) -> bytes:
    """Decode base64url without padding, refusing every other spelling of the same bytes.

    Refuses padding, characters outside the url-safe alphabet, impossible lengths, non-zero
    trailing bits (so each byte string has exactly one text: a signature cannot be re-spelt) and,
    when ``size`` is given, any other decoded length. Raises ``ValidationError`` on ``field``.
    """
    if not isinstance(text, str):
        raise ValidationError.single(field, "应为base64url文本")
    if _B64URL.fullmatch(text) is None:
        raise ValidationError.single(
            field, "含有base64url以外的字符（只允许A–Z、a–z、0–9、-和_，不带=填充）"
        )
    if len(text) % 4 == 1:
        raise ValidationError.single(field, f"长度{len(text)}不是有效的base64url长度")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if b64url_encode(data) != text:
        raise ValidationError.single(field, "base64url末位字符的多余位不为零（不是规范编码）")
    if size is not None and len(data) != size:
        raise ValidationError.single(field, f"应为{size}字节，实为{len(data)}字节")
    return data


def parse_rfc3339(text: object, *, field: str = ROOT, label: str = "时间") -> dt.datetime:
    """An RFC 3339 timestamp with an explicit offset, as an aware ``datetime``.

    Strict: ``T`` and ``Z`` in upper case, seconds required, up to nine fraction digits (kept to the
    microsecond). ``-00:00``, which RFC 3339 reserves for "offset unknown", is refused: a record
    must say where in time it happened. Raises ``ValidationError`` on ``field``, naming the value
    by ``label``.
    """
    example = "应为带时区的RFC 3339时间，例如2024-05-01T09:30:00+08:00"
    match = _RFC3339.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise ValidationError.single(field, f"{label}「{text}」格式无效，{example}")
    year, month, day, hour, minute, second, fraction, zulu, sign, off_h, off_m = match.groups()
    if not zulu and sign == "-" and off_h == off_m == "00":
        raise ValidationError.single(
            field, f"{label}「{text}」的时区偏移-00:00表示时区未知，{example}"
        )
    try:
        if not zulu and int(off_m) > 59:
            raise ValueError("offset minutes")
        offset = dt.timedelta(0) if zulu else dt.timedelta(hours=int(off_h), minutes=int(off_m))
        zone = dt.timezone(-offset if sign == "-" else offset)
        micro = int((fraction or "").ljust(6, "0")[:6])
        return dt.datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second), micro, zone
        )
    except ValueError:
        raise ValidationError.single(field, f"{label}「{text}」不是真实存在的时刻") from None
