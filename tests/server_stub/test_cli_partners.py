"""The administrator's commands for a joint plan's partners and its 检查方案 (issue 26 points 1–2):
plan create --scheme-*, confirm-partner, decline-partner, and the scheme on the team's tasks."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from server_stub.cli import cli
from server_stub.core import tables as t
from server_stub.field.tasks import tasks_for_inspector
from sync import read_tasks
from tests.server_stub.test_cli import engine_for, fresh_databases, invoke  # noqa: F401
from tests.utils.ceremony import DICE, WITNESSES

SAFETY = "威海市应急管理局"


def test_a_joint_plan_from_the_command_line(tmp_path: Path) -> None:
    data = tmp_path / "d"
    invoke("seed-demo", "--data", str(data), "--entities", "400")
    created = invoke("plan", "create", "--data", str(data), "--id", "CLI-J", "--name", "工贸企业联合抽查",
                     "--department", "威海市市场监督管理局", "--department", SAFETY,
                     "--item", "SC-CPZL-01", "--item", "YJ-AQSC-01",
                     "--ratio", "A=20", "--ratio", "B=20", "--ratio", "C=40", "--ratio", "D=60",
                     "--start", "2026-05-01", "--end", "2026-08-31",
                     "--scheme-content", "安全生产与产品质量一并检查", "--scheme-schedule", "5月至8月",
                     "--scheme-method", "现场检查")
    assert created.exit_code == 0, created.output
    held = CliRunner().invoke(cli, ["freeze", "CLI-J", "--data", str(data)])
    assert held.exit_code == 1 and f"「{SAFETY}」尚未答复" in held.output
    no_reason = CliRunner().invoke(cli, ["decline-partner", "CLI-J", SAFETY, "--data", str(data)])
    assert no_reason.exit_code == 2 and "--reason" in no_reason.output
    declined = invoke("decline-partner", "CLI-J", SAFETY, "--data", str(data), "--reason", "人员不足")
    assert "不同意" in declined.output and "尚未确认的配合部门：威海市应急管理局（未同意）" in declined.output
    held = CliRunner().invoke(cli, ["freeze", "CLI-J", "--data", str(data)])
    assert held.exit_code == 1 and "未同意（人员不足）" in held.output

    engine = engine_for(data)
    with engine.begin() as conn:
        i = t.inspectors
        offered = list(conn.execute(sa.select(i.c.id).where(i.c.department == SAFETY,
                                                            i.c.active.is_(True))
                                    .order_by(i.c.id).limit(2)).scalars())
    args = [arg for staff in offered for arg in ("--staff", staff)]
    confirmed = invoke("confirm-partner", "CLI-J", SAFETY, "--data", str(data), *args,
                       "--qualification", "安全生产")
    assert confirmed.exit_code == 0 and "已确认" in confirmed.output
    assert "全部配合部门均已确认" in confirmed.output and "、".join(offered) in confirmed.output
    assert invoke("freeze", "CLI-J", "--data", str(data)).exit_code == 0
    late = CliRunner().invoke(cli, ["confirm-partner", "CLI-J", SAFETY, "--data", str(data)])
    assert late.exit_code == 1 and "名录已冻结" in late.output
    export = tmp_path / "audit.json"
    drawn = invoke("draw", "CLI-J", "--data", str(data), "--dice", DICE, "--witness", WITNESSES[0],
                   "--export", str(export))
    assert drawn.exit_code == 0, drawn.output
    assert invoke("verify-draw", str(export)).exit_code == 0

    with engine.begin() as conn:
        teams = conn.execute(sa.select(t.tasks.c.team).where(t.tasks.c.plan_id == "CLI-J")).scalars().all()
        member = next(i for team in teams for i in team if i in offered)
        tasks = tasks_for_inspector(conn, member, Ed25519PrivateKey.generate(), due_days=30)
    engine.dispose()
    assert {i for team in teams for i in team} & set(offered)
    [task, *_] = read_tasks({"tasks": [task for task in tasks if task["plan_id"] == "CLI-J"]})
    assert task["scheme"] == {"content": "安全生产与产品质量一并检查", "schedule": "5月至8月",
                              "method": "现场检查"}


def test_a_scheme_needs_all_three_parts(tmp_path: Path) -> None:
    data = tmp_path / "d"
    invoke("seed-demo", "--data", str(data), "--entities", "100")
    refused = CliRunner().invoke(cli, [
        "plan", "create", "--data", str(data), "--id", "CLI-S", "--name", "n",
        "--department", "威海市市场监督管理局", "--item", "SC-GG-01", "--ratio", "A=5",
        "--start", "2026-05-01", "--end", "2026-08-31", "--scheme-content", "只有内容"])
    assert refused.exit_code == 1 and "--scheme-schedule" in refused.output
