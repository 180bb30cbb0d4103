"""The layers README.md writes down hold: every import in ``server_stub/`` and ``app/`` names a
module of its own package or of a layer below it, never one above (issue 25).

A package is a module's first two dotted names (``server_stub.records``); a flat module is its own
(``app.strings``). The orders are read from README.md's "Layers" section, so the README and the
code cannot drift apart, and a planted import against them fails ``test_a_planted_import_fails``.
"""

from __future__ import annotations

import ast
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SKIPPED = {"migrations"}
"""Alembic's frozen migrations import nothing of the project's layers but the tables' helpers."""


def layer_orders() -> dict[str, list[str]]:
    """Per top package, its parts from the bottom layer up, as README.md's Layers section lists
    them (one line per package: ``server_stub: core < access < … < cli``)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Layers", 1)[1].split("\n## ", 1)[0]
    orders = {}
    for top, chain in re.findall(r"^`?(\w+)`?: (.+)$", section, flags=re.MULTILINE):
        orders[top] = [part.strip(" `") for part in chain.split("<")]
    return orders


def package_of(module: str) -> str:
    """``server_stub.records.ingest`` → ``records``; ``app.strings`` → ``strings``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def imports(path: Path, module: str, root: Path) -> Iterator[tuple[int, str]]:
    """(line, imported module) for each import of ``path`` (module ``module``), relative ones
    resolved; ``from pkg import name`` counts as ``pkg.name`` when that is a module."""
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([node.module] if node.module else []))
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                as_path = root.joinpath(*candidate.split("."))
                is_module = as_path.with_suffix(".py").exists() or as_path.is_dir()
                yield node.lineno, candidate if is_module else base


def violations(top: str, order: list[str], root: Path = ROOT) -> list[str]:
    rank = {part: n for n, part in enumerate(order)}
    found = []
    for path in sorted((root / top).rglob("*.py")):
        relative = path.relative_to(root)
        if SKIPPED & set(relative.parts):
            continue
        module = ".".join(relative.with_suffix("").parts).removesuffix(".__init__")
        here = package_of(module)
        for line, name in imports(path, module, root):
            if name.split(".")[0] != top:
                continue
            there = package_of(name)
            if here == there or there == "__init__":
                continue
            assert here in rank, f"{relative}: {here} is not in README.md's layers for {top}"
            assert there in rank, f"{relative}:{line}: {there} is not in README.md's layers for {top}"
            if rank[there] > rank[here]:
                found.append(f"{relative}:{line} imports {name}: {there} is above {here}")
    return found


def test_the_readme_names_both_orders() -> None:
    orders = layer_orders()
    assert set(orders) == {"server_stub", "app"}
    for top, order in orders.items():
        on_disk = {p.stem if p.is_file() else p.name for p in (ROOT / top).iterdir()
                   if (p.suffix == ".py" or (p.is_dir() and (p / "__init__.py").exists()))
                   and p.name != "__init__.py" and p.name not in SKIPPED}
        assert on_disk == set(order), f"{top}: README.md lists {order}, the tree has {sorted(on_disk)}"


def test_no_import_runs_against_the_layers() -> None:
    for top, order in layer_orders().items():
        assert violations(top, order) == [], top


def test_a_planted_import_fails(tmp_path: Path) -> None:
    """The check sees an upward import: core importing the API is named, with its line (in a
    copy of the tree: the checkout is never written to)."""
    shutil.copytree(ROOT / "server_stub", tmp_path / "server_stub",
                    ignore=shutil.ignore_patterns("__pycache__", "templates"))
    (tmp_path / "server_stub" / "core" / "planted.py").write_text(
        "from ..api import errors\n", encoding="utf-8")
    assert violations("server_stub", layer_orders()["server_stub"], tmp_path) == [
        "server_stub/core/planted.py:1 imports server_stub.api.errors: api is above core"]
