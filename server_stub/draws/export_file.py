"""The auditor's export as a file: the bytes ``json.dumps(export, ensure_ascii=False, indent=1)``
has always written, produced fast enough for a province (issue 29, point 5).

Python 3.11's ``json`` falls back to its pure-Python encoder whenever ``indent`` is given, and
spent 27 s on a city's 68 MB export: a generator per nesting level, a call per value. This module
writes the same text with the C string encoder ``json`` itself uses (``encode_basestring``), a
list of strings (an export's populations and draws: most of its bytes) in one ``join``, and the
rest by a plain recursion that appends to a buffer it flushes to the file as it grows. The format
is unchanged: an auditor's tools, and every export written before, read the same text.
``tests/server_stub/test_export_file.py`` holds it to ``json.dumps`` on every shape an export has.
"""

from __future__ import annotations

import json
import json.encoder
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
    chunks: list[str] = []
    writer = _Writer(chunks.append)
    writer.value(value, 0)
    writer.flush()
    return "".join(chunks)


def dump(value: Any, file: TextIO) -> None:
    """Write ``value``'s text (see :func:`write_export`) to ``file``."""
    writer = _Writer(file.write)
    writer.value(value, 0)
    writer.flush()


class _Writer:
    """``json``'s indent-1 layout: every element of a non-empty array or object on a line of its
    own, indented one space per level, items joined by ``,`` and keys by ``": "``."""

    def __init__(self, write: Callable[[str], object]) -> None:
        self._write = write
        self._chunks: list[str] = []

    def flush(self) -> None:
        self._write("".join(self._chunks))
        self._chunks.clear()

    def _put(self, text: str) -> None:
        self._chunks.append(text)
        if len(self._chunks) >= _FLUSH_CHUNKS:
            self.flush()

    def value(self, value: Any, level: int) -> None:
        if isinstance(value, str):
            self._put(_encode(value))
        elif isinstance(value, dict):
            self._object(value, level)
        elif isinstance(value, list | tuple):
            self._array(value, level)
        else:
            self._put(_scalar(value))

    def _array(self, values: list[Any] | tuple[Any, ...], level: int) -> None:
        if not values:
            self._put("[]")
            return
        inner = "\n" + " " * (level + 1)
        separator = "," + inner
        self._put("[" + inner)
        if all(type(v) is str for v in values):
            self._put(separator.join(map(_encode, values)))
        else:
            for n, item in enumerate(values):
                if n:
                    self._put(separator)
                self.value(item, level + 1)
        self._put("\n" + " " * level + "]")

    def _object(self, values: dict[Any, Any], level: int) -> None:
        if not values:
            self._put("{}")
            return
        inner = "\n" + " " * (level + 1)
        separator = "," + inner
        self._put("{" + inner)
        first = True
        for key, item in values.items():
            if not first:
                self._put(separator)
            first = False
            self._put(_key(key) + ": ")
            self.value(item, level + 1)
        self._put("\n" + " " * level + "}")


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
        return json.dumps(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")
