"""The export file's fast writer gives ``json.dumps(…, ensure_ascii=False, indent=1)``'s bytes."""

from __future__ import annotations

import enum
import json
import math
from pathlib import Path
from typing import Any

import pytest

from server_stub.draws.export_file import dumps, write_export


class Grade(enum.StrEnum):
    A = "A"


SHAPES: list[Any] = [
    {}, [], "", "文本", 0, -3, 2**70, 1.5, -0.0, 1e300, 37.509123, True, False, None,
    math.inf, -math.inf,
    ["91371002MA3C4X5Y6Z", "引号\"和\\反斜杠\n换行\t\u2028", "\x00控制\x1f", "😀"],
    {"a": [], "b": {}, "c": [[], [{}]], "d": [1, "x", None, [2.5, ["y"]]]},
    {"strata": [{"grade": Grade.A, "ids": ["1", "2"], "drawn": [], "k": 0}], "n": (1, "t")},
    [Grade.A, "b"], ("a", "b"), {"": {"": [""]}},
    {1: "int key", 2.5: "float key", False: "bool key", None: "null key"},
]


@pytest.mark.parametrize("value", SHAPES, ids=range(len(SHAPES)))
def test_the_text_is_json_dumps_indent_one(value: Any) -> None:
    assert dumps(value) == json.dumps(value, ensure_ascii=False, indent=1)


def test_a_large_export_streams_the_same_bytes(tmp_path: Path) -> None:
    """Past the writer's flush size, and through the file: the bytes json.dumps writes."""
    value = {"ids": [f"{n:018d}" for n in range(70_000)],
             "tasks": [{"id": f"T-{n}", "team": ["WH1", "WH2"], "release_on": None}
                       for n in range(30_000)]}
    path = tmp_path / "export.json"
    write_export(path, value)
    assert path.read_bytes() == json.dumps(value, ensure_ascii=False, indent=1).encode()
    assert not (tmp_path / "export.json.part").exists()


@pytest.mark.parametrize("value", [{"x": object()}, [1, b"bytes"], {("t",): 1}])
def test_what_json_cannot_write_is_refused(value: Any) -> None:
    with pytest.raises(TypeError):
        json.dumps(value, ensure_ascii=False, indent=1)
    with pytest.raises(TypeError):
        dumps(value)
