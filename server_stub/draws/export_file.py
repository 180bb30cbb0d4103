"""The auditor's export as a file: the bytes ``json.dumps(export, ensure_ascii=False, indent=1)``
has always written, produced fast enough for a province (issue 29, point 5).

Python 3.11's ``json`` falls back to its pure-Python encoder whenever ``indent`` is given, and
spent 27 s on a city's 68 MB export: a generator per nesting level, a call per value. This module
writes the same text with the C string encoder ``json`` itself uses (``encode_basestring``), a
list of strings (an export's populations and draws: most of its bytes) in one ``join``, and the
rest by a plain recursion that builds each small object's text in one ``join``, streamed to the
file element by element. The format
is unchanged: an auditor's tools, and every export written before, read the same text.
``tests/server_stub/test_export_file.py`` holds it to ``json.dumps`` on every shape an export has.
"""

from __future__ import annotations

import json
import json.encoder
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

_encode = json.encoder.encode_basestring  # the C function json.dumps uses with ensure_ascii=False
_FLUSH_CHUNKS = 65_536


def write_export(path: Path, value: Any) -> None:
    """Write ``value`` to ``path`` as ``json.dumps(value, ensure_ascii=False, indent=1)`` would,
    UTF-8, through a ``.part`` file renamed at the end: a reader never sees half an export."""
    tmp = path.with_name(path.name + ".part")
    with tmp.open("w", encoding="utf-8") as file:
        dump(value, file)
    tmp.replace(path)


def dumps(value: Any) -> str:
    """The text :func:`write_export` writes (for tests and small values)."""
    return _text(value, 0)


def dump(value: Any, file: TextIO) -> None:
    """Write ``value``'s text (see :func:`write_export`) to ``file``: the top two levels piece by
    piece (an export's long lists are there), each element below them as one string."""
    chunks: list[str] = []

    def put(text: str) -> None:
        chunks.append(text)
        if len(chunks) >= _FLUSH_CHUNKS:
            file.write("".join(chunks))
            chunks.clear()

    _stream(value, 0, 2, put)
    file.write("".join(chunks))


def _stream(value: Any, level: int, depth: int, put: Callable[[str], None]) -> None:
    if depth == 0 or not value or not isinstance(value, dict | list | tuple):
        put(_text(value, level))
        return
    inner = "\n" + " " * (level + 1)
    is_object = isinstance(value, dict)
    put(("{" if is_object else "[") + inner)
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for n, (key, item) in enumerate(items):
        if n:
            put("," + inner)
        if is_object:
            put(_key(key) + ": ")
        _stream(item, level + 1, depth - 1, put)
    put("\n" + " " * level + ("}" if is_object else "]"))


def _text(value: Any, level: int) -> str:
    """``json``'s indent-1 layout of ``value`` at nesting ``level``: every element of a
    non-empty array or object on a line of its own, indented one space per level, items joined
    by ``,`` and keys by ``": "``."""
    if isinstance(value, str):
        return _encode(value)
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = "\n" + " " * (level + 1)
        deeper = level + 1
        body = ("," + inner).join([
            (_encode(k) if type(k) is str else _key(k)) + ": "
            + (_encode(v) if type(v) is str else "null" if v is None else _text(v, deeper))
            for k, v in value.items()])
        return "{" + inner + body + "\n" + " " * level + "}"
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        inner = "\n" + " " * (level + 1)
        if all(type(v) is str for v in value):
            body = ("," + inner).join(map(_encode, value))
        else:
            body = ("," + inner).join([_text(v, level + 1) for v in value])
        return "[" + inner + body + "\n" + " " * level + "]"
    return _scalar(value)


def _key(key: Any) -> str:
    """An object key as ``json`` writes it: a number, boolean or null key as its JSON text."""
    return _encode(key if isinstance(key, str) else _scalar(key))


def _scalar(value: Any) -> str:
    """A number, boolean or null as ``json.dumps`` writes it; anything else as ``json.dumps``
    would fail on it."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        return float.__repr__(value) if math.isfinite(value) else json.dumps(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")
