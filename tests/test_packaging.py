"""The install pins: every dependency pyproject.toml pins is the version constraints.txt records
(the tested environment CI installs with ``-c``), and the flet family moves together."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(requirements: list[str]) -> dict[str, str]:
    """``name==version`` of each requirement (extras and markers dropped)."""
    found = {}
    for line in requirements:
        match = re.match(r"^\s*([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?==([^\s;]+)", line)
        if match:
            found[canonical(match[1])] = match[2]
    return found


def requirement_lines() -> list[str]:
    """Every requirement of pyproject.toml: the dependencies and each extra's."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return list(project["dependencies"]) + [x for e in project["optional-dependencies"].values() for x in e]


def declared() -> dict[str, str]:
    return pins(requirement_lines())


def test_every_dependency_is_pinned_exactly() -> None:
    lines = requirement_lines()
    assert len(declared()) == len({canonical(re.split(r"[\[=;<>~! ]", x)[0]) for x in lines}), lines


def test_constraints_hold_the_pinned_versions() -> None:
    constraints = pins((ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines())
    differ = {name: (version, constraints.get(name)) for name, version in declared().items()
              if constraints.get(name) != version}
    assert not differ, f"pyproject.toml and constraints.txt disagree (regenerate constraints.txt): {differ}"


def test_the_flet_family_shares_one_version() -> None:
    versions = {name: v for name, v in declared().items() if name == "flet" or name.startswith("flet-")}
    assert len(versions) >= 5 and len(set(versions.values())) == 1, versions


def closure(requirements: list[str]) -> set[str]:
    """The installed distributions ``requirements`` pull in (markers for this machine, no extras
    of theirs)."""
    from importlib import metadata

    from packaging.requirements import Requirement

    seen: set[str] = set()
    todo = [Requirement(r) for r in requirements]
    while todo:
        requirement = todo.pop()
        name = canonical(requirement.name)
        if name in seen or (requirement.marker and not requirement.marker.evaluate({"extra": ""})):
            continue
        seen.add(name)
        wanted = set(requirement.extras)
        for line in metadata.distribution(name).requires or []:
            child = Requirement(line)
            if child.marker is None or any(child.marker.evaluate({"extra": e}) for e in wanted | {""}):
                todo.append(child)
    return seen


def top_level_modules(distribution: str) -> set[str]:
    from importlib import metadata

    files = metadata.distribution(distribution).files or []
    return {f.parts[0].removesuffix(".py") for f in files
            if f.suffix == ".py" or (len(f.parts) > 1 and f.parts[1] == "__init__.py")
            if not f.parts[0].endswith((".dist-info", ".data")) and f.parts[0] != ".."}


def test_the_phone_imports_nothing_of_the_server() -> None:
    """Every module of app/ and sync/ imports with the server's own distributions (those only the
    ``server`` extra pulls in) and server_stub made unimportable: `flet build` packages the
    dependencies alone."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    phone = closure(project["dependencies"])
    server_only = closure(project["optional-dependencies"]["server"]) - phone
    assert {"sqlalchemy", "alembic", "psycopg", "openpyxl", "chinesecalendar"} <= server_only
    blocked = {"server_stub"} | {m for d in server_only for m in top_level_modules(d)}
    script = (
        "import importlib, pkgutil, sys\n"
        f"BLOCKED = {sorted(blocked)!r}\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in BLOCKED:\n"
        "            raise ImportError(f'the phone may not import {name}')\n"
        "sys.meta_path.insert(0, Block())\n"
        "import app, sync\n"
        "for package in (app, sync):\n"
        "    for module in pkgutil.walk_packages(package.__path__, package.__name__ + '.'):\n"
        "        if not module.name.endswith('__main__'):  # that one starts the app\n"
        "            importlib.import_module(module.name)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], check=False, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]


def test_no_merge_markers_were_committed() -> None:
    """A merge's conflict markers left in a file (docs/decisions.md once had them)."""
    marker = re.compile(r"^(<{7}|>{7}|={7})( |$)", re.MULTILINE)
    suffixes = {".py", ".md", ".toml", ".sh", ".html", ".txt", ".ini", ".cfg"}
    skip = {".venv", ".git", "test-artifacts", "node_modules"}
    offenders = [str(path.relative_to(ROOT)) for path in ROOT.rglob("*")
                 if path.suffix in suffixes and not skip & set(path.relative_to(ROOT).parts)
                 and path.is_file() and marker.search(path.read_text(encoding="utf-8", errors="replace"))]
    assert offenders == []
