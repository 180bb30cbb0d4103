from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from server_stub.cli import cli
from server_stub.config import Settings
from server_stub.db import make_engine
from server_stub.queries import directory_counts


@pytest.fixture(autouse=True)
def fresh_databases(monkeypatch: pytest.MonkeyPatch, make_database_url: Callable[[], str]) -> None:
    """Every ``--data DIR`` of these tests gets its own fresh database (SQLite or PostgreSQL)."""
    urls: dict[str, str] = {}
    original = Settings.from_env.__func__  # type: ignore[attr-defined]

    def from_env(cls: type[Settings], data_dir: Path | None = None,
                 database_url: str | None = None) -> Settings:
        key = str(data_dir)
        if database_url is None:
            database_url = urls.setdefault(key, make_database_url())
        return original(cls, data_dir, database_url)  # type: ignore[no-any-return]

    monkeypatch.setattr(Settings, "from_env", classmethod(from_env))


def invoke(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def engine_for(data: Path) -> sa.Engine:
    return make_engine(Settings.from_env(data).database_url)


def counts(data: Path) -> dict[str, int]:
    with engine_for(data).begin() as conn:
        return directory_counts(conn)


def test_help_lists_every_command() -> None:
    result = invoke("--help")
    for command in ("serve", "seed-demo", "import", "export", "plan", "draw", "verify-draw",
                    "draw-export", "enroll-code", "admin-token"):
        assert command in result.output


def test_seed_export_import_round_trip(tmp_path: Path) -> None:
    data, other = tmp_path / "a", tmp_path / "b"
    assert "检查对象 150 户" in invoke("seed-demo", "--data", str(data), "--entities", "150").output
    assert "未生成" in invoke("seed-demo", "--data", str(data), "--if-empty").output
    for kind in ("items", "entities", "inspectors"):
        path = tmp_path / f"{kind}.csv"
        assert invoke("export", kind, str(path), "--data", str(data)).exit_code == 0
        assert invoke("import", kind, str(path), "--data", str(other)).exit_code == 0
    assert counts(other) == counts(data)
    assert (tmp_path / "entities.csv").read_bytes() != b""
    invoke("export", "entities", str(tmp_path / "again.csv"), "--data", str(other))
    assert (tmp_path / "again.csv").read_bytes() == (tmp_path / "entities.csv").read_bytes()


def test_import_with_errors_imports_nothing(tmp_path: Path) -> None:
    data = tmp_path / "d"
    invoke("seed-demo", "--data", str(data), "--entities", "50")
    before = counts(data)
    path = tmp_path / "entities.csv"
    invoke("export", "entities", str(path), "--data", str(tmp_path / "d"))
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    fresh = [line.replace(line[:18], "91440300708461136T", 1) for line in lines[1:3]]
    broken = lines[5][:17] + ("0" if lines[5][17] != "0" else "1") + lines[5][18:]
    path.write_text("\n".join([lines[0], *fresh[:1], broken]) + "\n", encoding="utf-8-sig")
    result = CliRunner().invoke(cli, ["import", "entities", str(path), "--data", str(data)])
    assert result.exit_code == 1
    assert "第3行「统一社会信用代码」列：第18位校验码" in result.output
    assert counts(data) == before, "the valid first row must not have been imported either"


def test_seed_demo_draws_a_plan_and_names_an_inspector_with_tasks(tmp_path: Path) -> None:
    from server_stub import tables as t

    data = tmp_path / "d"
    result = invoke("seed-demo", "--data", str(data), "--entities", "400")
    inspector = result.output.strip().splitlines()[-1]
    with engine_for(data).begin() as conn:
        tasks = conn.execute(sa.select(sa.func.count()).select_from(t.task_members)
                             .where(t.task_members.c.inspector_id == inspector)).scalar_one()
    assert tasks > 0
    again = invoke("seed-demo", "--data", str(data), "--if-empty")
    assert again.output.strip().splitlines()[-1] == inspector


def test_plan_create_draw_and_verify(tmp_path: Path) -> None:
    data = tmp_path / "d"
    invoke("seed-demo", "--data", str(data), "--entities", "400")
    created = invoke("plan", "create", "--data", str(data), "--id", "CLI-1", "--name", "广告抽查",
                     "--department", "威海市市场监督管理局", "--item", "SC-GG-01",
                     "--ratio", "A=5", "--ratio", "B=10", "--ratio", "D=50",
                     "--start", "2026-05-01", "--end", "2026-08-31")
    assert created.exit_code == 0 and "承诺值" in created.output
    assert "CLI-1\t待抽取" in invoke("plan", "list", "--data", str(data)).output
    export = tmp_path / "audit.json"
    drawn = invoke("draw", "CLI-1", "--data", str(data), "--export", str(export))
    assert "公布随机种子" in drawn.output and export.exists()
    verified = invoke("verify-draw", str(export))
    assert verified.exit_code == 0 and "复核通过" in verified.output and "✓" in verified.output
    twice = CliRunner().invoke(cli, ["draw", "CLI-1", "--data", str(data)])
    assert twice.exit_code == 1 and "不能重复抽取" in twice.output


def test_verify_draw_catches_a_tampered_export(tmp_path: Path) -> None:
    import json

    data = tmp_path / "d"
    invoke("seed-demo", "--data", str(data), "--entities", "400")
    export = tmp_path / "audit.json"
    invoke("draw-export", "WH-2026-SP-01", str(export), "--data", str(data))
    audit = json.loads(export.read_text(encoding="utf-8"))
    stratum = next(s for s in audit["strata"] if len(s["drawn"]) > 1)
    stratum["drawn"].reverse()
    export.write_text(json.dumps(audit, ensure_ascii=False), encoding="utf-8")
    result = CliRunner().invoke(cli, ["verify-draw", str(export), "--quiet"])
    assert result.exit_code == 1
    assert "✗" in result.output and "复核不通过" in result.output and "✓" not in result.output
    export.write_text("{broken", encoding="utf-8")
    broken = CliRunner().invoke(cli, ["verify-draw", str(export)])
    assert broken.exit_code == 1 and "无法复核" in broken.output


def test_plan_create_refuses_bad_input(tmp_path: Path) -> None:
    data = tmp_path / "d"
    invoke("seed-demo", "--data", str(data), "--entities", "100")
    result = CliRunner().invoke(cli, [
        "plan", "create", "--data", str(data), "--id", "X", "--name", "n", "--department", "某局",
        "--item", "SC-GG-01", "--ratio", "A5", "--start", "2026-05-01", "--end", "2026-08-31"])
    assert result.exit_code == 1 and "等级=百分比" in result.output
    result = CliRunner().invoke(cli, [
        "plan", "create", "--data", str(data), "--id", "X", "--name", "n", "--department", "某局",
        "--item", "SC-GG-01", "--ratio", "A=5", "--team-size", "1", "--start", "2026-05-01",
        "--end", "2026-08-31"])
    assert result.exit_code == 1 and "不得少于2人" in result.output


def test_enroll_code_is_alone_on_the_last_line(tmp_path: Path) -> None:
    import re

    data = tmp_path / "d"
    inspector = invoke("seed-demo", "--data", str(data), "--entities", "100").output.split()[-1]
    result = invoke("enroll-code", "--inspector", inspector, "--data", str(data))
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}",
                        result.output.strip().splitlines()[-1])
    unknown = CliRunner().invoke(cli, ["enroll-code", "--inspector", "NOBODY", "--data", str(data)])
    assert unknown.exit_code == 1 and "不在名录库中" in unknown.output
