"""The draw's output pinned byte for byte (issue 29, point 5): a faster draw must draw the same.

``seed-demo`` on a 1,000-entity directory with a pinned clock and a fixed actor makes the demo
plan and the year's plans (joint, 市抽县查, experts, batches, sandbox, trigger list) from seeded
secrets, salts and dice; every plan's auditor export is written by ``draw-export``, and the
SHA-256 of each file's bytes, of each publication's canonical JSON and of each plan's tasks must be
the values today's code gave before the draw was made faster. A change of any of them is a change
of what is drawn or of the export's bytes: either a bug, or a new format that must say so.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from server_stub.cli import cli
from server_stub.core import clock
from server_stub.core import tables as t
from server_stub.core.audit_trail import Actor
from server_stub.core.config import Settings
from server_stub.core.db import make_engine
from server_stub.draws.audit import verify_export
from sync import canonical_bytes, parse_json
from tests.utils.actors import TESTER

MOMENT = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)

GOLDEN: dict[str, tuple[str, str, str]] = {
    # plan: (export file bytes, publication canonical JSON, tasks), each SHA-256, as the code
    # before issue 29 point 5 made them
    "HC-YEAR-01": (
        "b87c1506cd5d26ea55c0275babbdcd59a0314cd0e1d2eb72d11c1d9039112ba2",
        "3c8ffb97b74f81f26d18855f7e8d382f09de32a7c310770b07ea44e61626ddb1",
        "af82d8e0204ad8e601a305278a4f7788ca6f697da5729e1a596732feda30f7f5"),
    "WH-2026-SP-01": (
        "26ebb8ce214dfaca8696e4fb6dd9843ece96b8b7a654984635fad550f596c750",
        "2e362115dc2297c07826ba16cce61ab93b9cd3419c0a7fc2d083da2a432191cb",
        "96583b29ab283133e277f72254126b8af9be40c74cccca6e3716f1bcef351aa6"),
    "WH-YEAR-CF-01": (
        "3fa5b0748603582ec3d20f34c3e5f9d5fb3972349ca3770cbf2ac18f4c05f463",
        "eba9173e9c8b6a7c12351202770c86e2257ae393ae1fbf4e8380cc781ec6480c",
        "71e8162022ba5a82b47c0227495b21368198fed5363619fd0fa47b26907c2807"),
    "WH-YEAR-LH-01": (
        "3132220958bf794cb5272c1927a283049d95cbb02c1475a44700d7e43e71a850",
        "360afee972c6467ec04d03c1467accb89b0bef7d30fa93df41afae91e467f4e7",
        "fc0ad9e413edb6fae47a831ed6d22c2aca493d94e38bb518a9e9e3f27f6f95bb"),
    "WH-YEAR-LH-02": (
        "122bc5a06d8af30a9e8800448e5eb19611ca1447bac679979b89f3ffbbd187a8",
        "fa48f0e95f5aea69dcfa2a9a251a48290642ee5a320cfcc852516ed5ccdde33b",
        "3cfb8db7b823cf6d326ca67a25267c3a338e4654bf81b4f81e11a09d5c5a5366"),
    "WH-YEAR-SX-01": (
        "0cd6ce52cde2d7804410d17feb49c46831a499747d601b2b84543c933797184f",
        "7cca2b1d8a0b5df449adc93f81510ef5f1a9473ac10a4532df95f8779d24d4a2",
        "f0145ba47eb8774108d20bd9466f4b0043fe7482195debfbfd94d53f561ee14e"),
}


@pytest.fixture
def pinned(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The same clock and the same host user on every machine (both are in the export)."""
    clock.pin(MOMENT)
    monkeypatch.setattr(Actor, "on_host", classmethod(lambda cls: TESTER))
    yield
    clock.pin(None)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def drawn_digests(data: Path) -> dict[str, tuple[str, str, str]]:
    """Per drawn plan: the digests of its export file, publication and tasks."""
    engine = make_engine(Settings.from_env(data).database_url)
    with engine.begin() as conn:
        plans = list(conn.execute(sa.select(t.draws.c.plan_id, t.draws.c.publication)
                                  .order_by(t.draws.c.plan_id)))
        tasks = {plan_id: [tuple(row) for row in conn.execute(
            sa.select(t.tasks.c.id, t.tasks.c.credit_code, t.tasks.c.team, t.tasks.c.release_on)
            .where(t.tasks.c.plan_id == plan_id).order_by(t.tasks.c.id))]
            for plan_id, _ in plans}
    engine.dispose()
    found = {}
    for plan_id, publication in plans:
        path = data / f"{plan_id}.json"
        result = CliRunner().invoke(cli, ["draw-export", plan_id, str(path), "--data", str(data)],
                                    catch_exceptions=False)
        assert result.exit_code == 0, result.output
        export = parse_json(path.read_bytes())
        assert isinstance(export, dict) and verify_export(export).ok
        found[plan_id] = (_digest(path.read_bytes()), _digest(canonical_bytes(publication)),
                          _digest(repr(tasks[plan_id]).encode()))
    return found


def test_the_demo_draws_are_what_they_were(tmp_path: Path, pinned: None) -> None:
    data = tmp_path / "d"
    result = CliRunner().invoke(cli, ["seed-demo", "--data", str(data), "--entities", "1000",
                                      "--no-history"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert drawn_digests(data) == GOLDEN


def test_draw_export_writes_the_stored_export(tmp_path: Path, pinned: None) -> None:
    """``draw --export`` writes the export it has just made, not read back: the same bytes,
    with the directory changes the draw stored as a reference listed from the trail."""
    data = tmp_path / "d"
    run("seed-demo", "--data", str(data), "--entities", "300", "--no-history", "--no-year")
    clock.pin(MOMENT + dt.timedelta(hours=1))  # the import lies before the freeze: listed
    run("plan", "create", "--data", str(data), "--id", "G-1", "--name", "广告抽查",
        "--department", "威海市市场监督管理局", "--item", "SC-SP-01", "--ratio", "A=5",
        "--ratio", "B=10", "--start", "2026-03-02", "--end", "2026-06-30")
    run("freeze", "G-1", "--data", str(data))
    run("draw", "G-1", "--data", str(data), "--dice", "31415926535897932384", "--witness", "测试",
        "--export", str(tmp_path / "made.json"))
    run("draw-export", "G-1", str(tmp_path / "stored.json"), "--data", str(data))
    assert (tmp_path / "made.json").read_bytes() == (tmp_path / "stored.json").read_bytes()
    export = parse_json((tmp_path / "stored.json").read_bytes())
    assert isinstance(export, dict) and export["directory_changes"]["count"] > 300
    assert len(export["directory_changes"]["entities"]) == 300 and verify_export(export).ok


def run(*args: str) -> None:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
