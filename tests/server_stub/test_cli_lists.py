"""The commands of issue 26 points 6 and 7: sandbox-add/-remove/-list, trigger-list, a triggered
plan drawn and re-verified, suggest-ratios and the suggestion at plan creation."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner

from server_stub.cli import cli
from server_stub.core.clock import now
from server_stub.draws import planning, sandbox
from tests.server_stub.test_cli import engine_for, fresh_databases, invoke
from tests.utils.ceremony import DICE, WITNESSES

__all__ = ["fresh_databases"]

PLAN = ["--department", "威海市市场监督管理局", "--item", "SC-SP-01", "--start", "2027-01-04",
        "--end", "2027-03-31"]


def in_scope(data: Path) -> list[str]:
    spec = {"id": "X", "name": "x", "departments": ["威海市市场监督管理局"], "items": ["SC-SP-01"],
            "ratios": {"A": "1"}, "team_size": 2, "window_start": "2027-01-04",
            "window_end": "2027-03-31"}
    with engine_for(data).begin() as conn:
        return [e.credit_code for e in planning.plan_population(conn, planning.validated_plan(spec),
                                                                 now())]


def test_sandbox_commands(tmp_path: Path) -> None:
    data = tmp_path / "d"
    invoke("seed-demo", "--data", str(data), "--entities", "200")
    with engine_for(data).begin() as conn:
        boxed = {e["credit_code"] for e in sandbox.entries(conn)}  # the demo's own, if any
    code = next(c for c in in_scope(data) if c not in boxed)
    added = invoke("sandbox-add", code, "--data", str(data), "--from", "2026-12-01",
                   "--to", "2027-06-30", "--reason", "信用良好，三年无违法记录")
    found = re.search(r"已加入沙盒监管名单（第(\d+)条）", added.output)
    assert added.exit_code == 0 and found, added.output
    again = CliRunner().invoke(cli, ["sandbox-add", code, "--data", str(data), "--from", "2027-01-01",
                                     "--to", "2027-02-01", "--reason", "重复"])
    assert again.exit_code == 1 and "已在沙盒监管名单中" in again.output
    bad = CliRunner().invoke(cli, ["sandbox-add", code, "--data", str(data), "--from", "2027-01-01",
                                   "--to", "2026-12-31", "--reason", "x"])
    assert bad.exit_code == 1 and "不能早于开始日期" in bad.output
    listed = invoke("sandbox-list", "--data", str(data))
    assert code in listed.output and "有效" in listed.output
    removed = invoke("sandbox-remove", found.group(1), "--data", str(data), "--reason", "发现违法线索")
    assert removed.exit_code == 0 and code in removed.output
    line = next(x for x in invoke("sandbox-list", "--data", str(data)).output.splitlines() if code in x)
    assert "已移出" in line


def test_a_triggered_plan_from_the_command_line_verifies(tmp_path: Path) -> None:
    data = tmp_path / "d"
    invoke("seed-demo", "--data", str(data), "--entities", "400")
    members = in_scope(data)[:6]
    assert len(members) == 6, members
    codes = tmp_path / "codes.csv"
    codes.write_text("统一社会信用代码\n" + "\n".join(members) + "\n", encoding="utf-8")
    built = invoke("trigger-list", "L1", "--data", str(data), "--name", "投诉较多的广告主",
                   "--rule", "imported", "--file", str(codes), "--rule-text", "12个月内被投诉举报3次以上")
    assert built.exit_code == 0 and "6 户" in built.output and "清单承诺值" in built.output
    none = CliRunner().invoke(cli, ["plan", "create", "--data", str(data), "--id", "T0", "--name", "t",
                                    "--kind", "触发式抽查", "--ratio", "A=100", *PLAN])
    assert none.exit_code == 1 and "须指定触发清单" in none.output
    created = invoke("plan", "create", "--data", str(data), "--id", "T1", "--name", "触发式抽查",
                     "--kind", "触发式抽查", "--trigger-list", "L1", "--ratio", "A=100",
                     "--ratio", "B=100", "--ratio", "C=100", "--ratio", "D=100", *PLAN)
    assert created.exit_code == 0, created.output
    assert "抽查比例动态调整建议" in created.output and "本计划录入 100%" in created.output
    invoke("freeze", "T1", "--data", str(data))
    export = tmp_path / "audit.json"
    invoke("draw", "T1", "--data", str(data), "--dice", DICE, "--witness", WITNESSES[0],
           "--export", str(export))
    audit = json.loads(export.read_text(encoding="utf-8"))
    assert audit["trigger"]["members"] == sorted(members)
    assert sorted(c for s in audit["strata"] for c in s["drawn"]) == sorted(members)
    verified = invoke("verify-draw", str(export))
    assert verified.exit_code == 0 and "触发清单（6 户）与计划公布的清单承诺值一致" in verified.output
    audit["trigger"]["members"].pop()
    audit["trigger"]["count"] -= 1
    export.write_text(json.dumps(audit, ensure_ascii=False), encoding="utf-8")
    tampered = CliRunner().invoke(cli, ["verify-draw", str(export)])
    assert tampered.exit_code == 1 and "不在触发清单内" in tampered.output


def test_the_suggestion_at_plan_creation_and_suggest_ratios(tmp_path: Path) -> None:
    data = tmp_path / "d"
    invoke("seed-demo", "--data", str(data), "--entities", "200")
    created = invoke("plan", "create", "--data", str(data), "--id", "R1", "--name", "广告抽查",
                     "--ratio", "A=0.5", "--ratio", "C=10", *PLAN)
    assert created.exit_code == 0
    assert "A类：建议 1%；本计划录入 0.5%" in created.output
    assert "注意：A类录入的抽查比例0.5%低于最低比例1%" in created.output
    assert "B类：建议 3%；本计划未抽查该等级" in created.output
    suggested = invoke("suggest-ratios", "--data", str(data), "--year", "2026")
    assert suggested.exit_code == 0
    shown = dict(re.findall(r"([ABCD])类：建议 ([\d.]+)%", suggested.output))
    assert sorted(shown) == ["A", "B", "C", "D"]
    for grade, minimum in (("A", 1), ("B", 3), ("C", 10), ("D", 20)):
        assert minimum <= float(shown[grade]) <= 3 * minimum
    assert "2026年检查" in suggested.output
