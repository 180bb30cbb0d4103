"""The install pins: every dependency pyproject.toml pins is the version constraints.txt records
(the tested environment CI installs with ``-c``), and the flet family moves together."""

from __future__ import annotations

import re
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
