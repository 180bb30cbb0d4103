from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import zxingcpp
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PIL import Image

from server_stub.cli import cli
from server_stub.core import tables as t
from server_stub.core.clock import now
from server_stub.core.config import Settings
from server_stub.core.db import make_engine
from server_stub.core.errors import Unauthenticated
from server_stub.directory.queries import directory_counts
from server_stub.draws import planning
from server_stub.field import devices
from server_stub.field.enrollment import code_hash, enroll_uri
from server_stub.field.tasks import tasks_for_inspector
from server_stub.records import ingest
from sync import (
    ItemResult,
    Location,
    LocationSource,
    Outcome,
    Record,
    RecordItem,
    generate_key,
    new_record_id,
    public_key_b64,
    record_hash,
    sign_record,
    verify_envelope,
)
from tests.utils.ceremony import DICE, WITNESSES
from tests.utils.workload import add_tasks

CODE = re.compile(r"[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}")


@pytest.fixture(autouse=True)
def fresh_databases(monkeypatch: pytest.MonkeyPatch, make_database_url: Callable[[], str]) -> None:
    """Every ``--data DIR`` of these tests gets its own fresh database (SQLite or PostgreSQL)."""
    urls: dict[str, str] = {}
    original = Settings.from_env.__func__  # type: ignore[attr-defined]

    def from_env(cls: type[Settings], data_dir: Path | None = None,
                 database_url: str | None = None, **options: bool) -> Settings:
        key = str(data_dir)
        if database_url is None:
            database_url = urls.setdefault(key, make_database_url())
        return original(cls, data_dir, database_url, **options)  # type: ignore[no-any-return]

    monkeypatch.setattr(Settings, "from_env", classmethod(from_env))


def invoke(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def engine_for(data: Path) -> sa.Engine:
    return make_engine(Settings.from_env(data).database_url)


def counts(data: Path) -> dict[str, int]:
    with engine_for(data).begin() as conn:
        return directory_counts(conn)


def test_help_lists_every_command_and_the_readme_documents_each() -> None:
    """Every command the CLI has is in its --help and in the README's table of commands (the
    first cell of a row names it in backquotes), so none is added without a word for the
    administrator."""
    result = invoke("--help")
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    documented = {m.group(1) for line in readme.splitlines() if line.startswith("| `")
                  for m in re.finditer(r"`([a-z][a-z-]*)", line.split("|")[1])}
    assert set(cli.commands) - documented == set()
    for command in cli.commands:
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


def test_import_coordinates_of_registered_addresses(tmp_path: Path) -> None:
    """纬度/经度 import with the entity; out of range or one without the other is refused with
    the row and column named, and nothing is imported."""
    data = tmp_path / "d"
    invoke("seed-demo", "--data", str(data), "--entities", "20")
    path = tmp_path / "entities.csv"
    header = "统一社会信用代码,名称,地址,所属区域,行业,风险等级,纬度,经度"
    row = "91440300708461136T,某超市,某路1号,环翠区,批发和零售业,A,{lat},{lon}"

    def load(lat: str, lon: str) -> Any:
        path.write_text(f"{header}\n{row.format(lat=lat, lon=lon)}\n", encoding="utf-8-sig")
        return CliRunner().invoke(cli, ["import", "entities", str(path), "--data", str(data)])

    def stored() -> Any:
        with engine_for(data).begin() as conn:
            return conn.execute(sa.select(t.entities.c.lat, t.entities.c.lon)
                                .where(t.entities.c.credit_code == "91440300708461136T")).one_or_none()

    for lat, lon, says in (("37.5", "", "第2行「经度」列：纬度和经度应同时填写或同时留空"),
                           ("", "122.1", "第2行「纬度」列：纬度和经度应同时填写或同时留空"),
                           ("95", "122.1", "第2行「纬度」列：纬度95超出范围"),
                           ("37.5", "东经122度", "第2行「经度」列：经度「东经122度」不是数字")):
        refused = load(lat, lon)
        assert refused.exit_code == 1 and says in refused.output, refused.output
        assert stored() is None
    assert load("37.5091", "122.1164").exit_code == 0
    assert tuple(stored()) == (37.5091, 122.1164)
    assert load("", "").exit_code == 0
    assert tuple(stored()) == (None, None), "emptied cells clear the coordinates"


def test_seed_demo_draws_a_plan_and_names_an_inspector_with_tasks(tmp_path: Path) -> None:
    from server_stub.core import tables as t

    data = tmp_path / "d"
    result = invoke("seed-demo", "--data", str(data), "--entities", "400")
    inspector = result.output.strip().splitlines()[-1]
    with engine_for(data).begin() as conn:
        tasks = conn.execute(sa.select(sa.func.count()).select_from(t.task_members)
                             .where(t.task_members.c.inspector_id == inspector)).scalar_one()
    assert tasks > 0
    again = invoke("seed-demo", "--data", str(data), "--if-empty")
    assert again.output.strip().splitlines()[-1] == inspector


def test_seed_demo_draws_the_same_with_the_same_seed(tmp_path: Path) -> None:
    """The demo's dice, plan secret and salts come from ``--seed``: the tests' data holds still."""
    from server_stub.core import tables as t

    def seeded(name: str, seed: str) -> tuple[str, list[tuple[Any, ...]]]:
        data = tmp_path / name
        result = invoke("seed-demo", "--data", str(data), "--entities", "300", "--seed", seed,
                        "--no-history")
        with engine_for(data).begin() as conn:
            tasks = conn.execute(sa.select(t.tasks.c.id, t.tasks.c.credit_code, t.tasks.c.team)
                                 .order_by(t.tasks.c.id)).all()
        return result.output, [tuple(row) for row in tasks]

    first, again, other = seeded("a", "7"), seeded("b", "7"), seeded("c", "8")
    assert first == again and first[1]
    assert other[1] != first[1]


def test_plan_create_draw_and_verify(tmp_path: Path) -> None:
    data = tmp_path / "d"
    invoke("seed-demo", "--data", str(data), "--entities", "400")
    created = invoke("plan", "create", "--data", str(data), "--id", "CLI-1", "--name", "广告抽查",
                     "--department", "威海市市场监督管理局", "--item", "SC-GG-01",
                     "--ratio", "A=5", "--ratio", "B=10", "--ratio", "D=50",
                     "--start", "2026-05-01", "--end", "2026-08-31")
    assert created.exit_code == 0 and "承诺值" in created.output and "掷十面骰 20 位" in created.output
    assert "CLI-1\t待抽取" in invoke("plan", "list", "--data", str(data)).output
    early = CliRunner().invoke(cli, ["draw", "CLI-1", "--data", str(data), "--dice", DICE,
                                     "--witness", WITNESSES[0]])
    assert early.exit_code == 1 and "尚未冻结名录" in early.output, "dice before the freeze: refused"
    frozen = invoke("freeze", "CLI-1", "--data", str(data))
    assert "② 名录冻结" in frozen.output and "名录总承诺值" in frozen.output
    short = CliRunner().invoke(cli, ["draw", "CLI-1", "--data", str(data), "--dice", "12345",
                                     "--witness", WITNESSES[0]])
    assert short.exit_code == 1 and "实际录入 5 位" in short.output
    export = tmp_path / "audit.json"
    drawn = invoke("draw", "CLI-1", "--data", str(data), "--dice", DICE, "--witness", WITNESSES[0],
                   "--export", str(export))
    assert "① 计划" in drawn.output and "② 名录冻结于" in drawn.output
    assert f"骰子点数 {DICE}" in drawn.output and "④ 随机种子" in drawn.output and export.exists()
    verified = invoke("verify-draw", str(export))
    assert verified.exit_code == 0 and "复核通过" in verified.output and "✓" in verified.output
    twice = CliRunner().invoke(cli, ["draw", "CLI-1", "--data", str(data), "--dice", DICE,
                                     "--witness", WITNESSES[0]])
    assert twice.exit_code == 1 and "不能重复抽取" in twice.output


def test_an_abandoned_freeze_stays_public_and_a_new_one_follows(tmp_path: Path) -> None:
    data = tmp_path / "d"
    invoke("seed-demo", "--data", str(data), "--entities", "200")
    invoke("plan", "create", "--data", str(data), "--id", "CLI-2", "--name", "广告抽查",
           "--department", "威海市市场监督管理局", "--item", "SC-GG-01", "--ratio", "A=5",
           "--start", "2026-05-01", "--end", "2026-08-31")
    invoke("freeze", "CLI-2", "--data", str(data))
    again = CliRunner().invoke(cli, ["freeze", "CLI-2", "--data", str(data)])
    assert again.exit_code == 1 and "已冻结" in again.output
    no_reason = CliRunner().invoke(cli, ["abandon-draw", "CLI-2", "--data", str(data), "--reason", " "])
    assert no_reason.exit_code == 1 and "写明原因" in no_reason.output
    invoke("abandon-draw", "CLI-2", "--data", str(data), "--reason", "见证人未到场")
    invoke("freeze", "CLI-2", "--data", str(data))
    invoke("draw", "CLI-2", "--data", str(data), "--dice", DICE, "--witness", WITNESSES[0])
    with engine_for(data).begin() as conn:
        attempts = planning.get_public_plan(conn, "CLI-2")["ceremonies"]
    assert [(a["attempt"], a["state"], a["reason"]) for a in attempts] == [
        (1, "abandoned", "见证人未到场"), (2, "drawn", None)]


def test_verify_draw_catches_a_tampered_export(tmp_path: Path) -> None:
    import json

    data = tmp_path / "d"
    invoke("seed-demo", "--data", str(data), "--entities", "400")
    export = tmp_path / "audit.json"
    invoke("draw-export", "WH-2026-SP-01", str(export), "--data", str(data))
    assert invoke("verify-draw", str(export)).exit_code == 0, "the demo's draw verifies as made"
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


def test_plan_create_refuses_an_id_that_is_no_path_segment(tmp_path: Path) -> None:
    data = tmp_path / "d"
    invoke("seed-demo", "--data", str(data), "--entities", "100")
    result = CliRunner().invoke(cli, [
        "plan", "create", "--data", str(data), "--id", "2026/食品", "--name", "n",
        "--department", "威海市市场监督管理局", "--item", "SC-GG-01", "--ratio", "A=5",
        "--start", "2026-05-01", "--end", "2026-08-31"])
    assert result.exit_code == 1
    assert "计划未创建：计划编号「2026/食品」只能由英文字母、数字和 . _ - 组成" in result.output
    assert "2026/食品" not in invoke("plan", "list", "--data", str(data)).output


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


def seeded(tmp_path: Path) -> tuple[Path, str]:
    """A data directory with the demo data, and the inspector with the most tasks."""
    data = tmp_path / "d"
    inspector = invoke("seed-demo", "--data", str(data), "--entities", "100").output.split()[-1]
    return data, inspector


def scanned(output: str) -> list[str]:
    """What a phone reads from the QR codes drawn in ``output``, shown as a dark terminal shows
    it: every drawn half-block light, every blank dark."""
    halves = {"█": (1, 1), "▀": (1, 0), "▄": (0, 1), " ": (0, 0), "\xa0": (0, 0)}
    lines = [line for line in output.splitlines() if line and set(line) <= set(halves)]
    rows = [row for line in lines for row in zip(*(halves[ch] for ch in line), strict=True)]
    scale = 6
    image = Image.new("L", (len(rows[0]) * scale, len(rows) * scale))
    for y, row in enumerate(rows):
        for x, light in enumerate(row):
            if light:
                image.paste(255, (x * scale, y * scale, (x + 1) * scale, (y + 1) * scale))
    return [code.text for code in zxingcpp.read_barcodes(image, try_invert=False)]


def test_enroll_code_draws_the_enrolment_qr_code_and_ends_with_the_code(tmp_path: Path) -> None:
    data, inspector = seeded(tmp_path)
    result = invoke("enroll-code", "--inspector", inspector, "--data", str(data),
                    "--server-url", "http://192.168.1.20:8700")
    *before, last = result.output.strip().splitlines()
    assert CODE.fullmatch(last)
    assert scanned("\n".join(before)) == [enroll_uri("http://192.168.1.20:8700", last)]
    assert "执法检查人员设备" in result.output
    unknown = CliRunner().invoke(cli, ["enroll-code", "--inspector", "NOBODY", "--data", str(data)])
    assert unknown.exit_code == 1 and "不在名录库中" in unknown.output


def test_enroll_code_for_a_supervisor(tmp_path: Path) -> None:
    data, inspector = seeded(tmp_path)
    result = invoke("enroll-code", "--inspector", inspector, "--role", "supervisor",
                    "--data", str(data))
    code = result.output.strip().splitlines()[-1]
    assert "审核人设备" in result.output
    assert scanned(result.output) == [enroll_uri("http://127.0.0.1:8700", code)]
    with engine_for(data).begin() as conn:
        role = conn.execute(sa.select(t.enrollment_codes.c.role)
                            .where(t.enrollment_codes.c.code_hash == code_hash(code))).scalar_one()
    assert role == "supervisor"
    wrong = CliRunner().invoke(cli, ["enroll-code", "--inspector", inspector, "--role", "boss",
                                     "--data", str(data)])
    assert wrong.exit_code == 2


def enrolled(data: Path, inspector: str) -> tuple[devices.Device, str, Ed25519PrivateKey]:
    """A device enrolled with a code from the CLI: the device, its bearer token and its key."""
    code = invoke("enroll-code", "--inspector", inspector, "--data", str(data)).output.split()[-1]
    key = generate_key()
    with engine_for(data).begin() as conn:
        device, token = devices.enroll(conn, code=code, public_key=public_key_b64(key),
                                       device_name="测试手机", now=now())
    return device, token, key


def submitted(data: Path, device: devices.Device, key: Ed25519PrivateKey, seq: int,
              prev: str | None) -> dict[str, Any]:
    """This device's record number ``seq``, signed and ingested: its record JSON."""
    with engine_for(data).begin() as conn:
        # a task without a record yet: a task takes one record (issue 23)
        task = next(task for task in tasks_for_inspector(conn, device.inspector_id, generate_key(),
                                                         due_days=30) if not task.get("record"))
        record = Record(
            id=new_record_id(), task_id=task["id"], credit_code=task["credit_code"],
            inspectors=tuple(m["id"] for m in task["team"]),
            items=tuple(RecordItem(code=i["code"], result=ItemResult.PASS, note="", photos=())
                        for i in task["items"]),
            outcome=Outcome.NO_PROBLEM,
            location=Location(lat=37.5, lon=122.1, accuracy_m=12.0, source=LocationSource.DEVICE),
            # a visit of a few minutes ago: after the draw seed-demo made (issue 23)
            started_at=(now() - dt.timedelta(minutes=5)).isoformat(),
            finished_at=(now() - dt.timedelta(minutes=1)).isoformat(),
            device_id=device.id, seq=seq, prev=prev,
        ).to_json()
        envelope = sign_record(record, key, device.id)
        answer = ingest.submit_record(conn, device, json.dumps(envelope).encode(), now=now())
    assert answer.new
    return record


def test_revoke_device_refuses_its_later_calls_and_keeps_its_records(tmp_path: Path) -> None:
    data, inspector = seeded(tmp_path)
    device, token, key = enrolled(data, inspector)
    record = submitted(data, device, key, 1, None)
    result = invoke("revoke-device", device.id, "--data", str(data))
    assert result.exit_code == 0 and f"已停用设备 {device.id}" in result.output
    with engine_for(data).begin() as conn:
        with pytest.raises(Unauthenticated) as refused:
            devices.authenticate(conn, token)
        stored = conn.execute(sa.select(t.records.c.envelope, t.records.c.state)
                              .where(t.records.c.id == record["id"])).one()
    assert refused.value.code == "device_revoked"
    assert stored.state == "submitted"
    assert verify_envelope(json.loads(stored.envelope), device.public_key) == record
    again = invoke("revoke-device", device.id, "--data", str(data))
    assert again.exit_code == 0
    unknown = CliRunner().invoke(cli, ["revoke-device", "DNOSUCHDEVICE", "--data", str(data)])
    assert unknown.exit_code == 1 and "不存在" in unknown.output


def test_chain_gaps_lists_the_devices_whose_records_skip_numbers(tmp_path: Path) -> None:
    data, inspector = seeded(tmp_path)
    add_tasks(Settings.from_env(data).database_url, [inspector], 5)  # one per record sent
    assert "没有缺号" in invoke("chain-gaps", "--data", str(data)).output
    steady, _, steady_key = enrolled(data, inspector)
    gappy, _, gappy_key = enrolled(data, inspector)
    first = submitted(data, steady, steady_key, 1, None)
    submitted(data, steady, steady_key, 2, record_hash(first))
    submitted(data, gappy, gappy_key, 1, None)
    submitted(data, gappy, gappy_key, 3, "0" * 64)  # 2 deleted on the phone
    submitted(data, gappy, gappy_key, 7, "1" * 64)  # 4–6 not sent yet
    lines = invoke("chain-gaps", "--data", str(data)).output.strip().splitlines()
    assert lines[1:] == [f"{gappy.id}\t{inspector}\t第2号、第4–6号"]


def test_load_holidays(tmp_path: Path) -> None:
    from server_stub.publication.dashboard import calendar

    data = tmp_path / "d"
    notice = tmp_path / "2027.csv"
    notice.write_text("日期,类型,名称\n2027-02-08,放假,春节\n2027-02-06,上班,春节调休\n", encoding="utf-8-sig")
    result = invoke("load-holidays", str(notice), "--data", str(data))
    assert "已导入 2 天" in result.output and "2027年" in result.output
    import datetime as dt

    with engine_for(data).begin() as conn:
        loaded = calendar(conn)
    assert loaded.is_workday(dt.date(2027, 2, 6)) == (True, False)
    assert loaded.is_workday(dt.date(2027, 2, 8)) == (False, False)
    notice.write_text("日期,类型\n2027-02-30,放假\n", encoding="utf-8")
    bad = CliRunner().invoke(cli, ["load-holidays", str(notice), "--data", str(data)])
    assert bad.exit_code == 1 and "第2行" in bad.output


def test_audit_lists_exports_and_verifies_the_trail(tmp_path: Path) -> None:
    data = tmp_path / "d"
    invoke("seed-demo", "--data", str(data), "--entities", "60")
    exported = tmp_path / "entities.csv"
    invoke("export", "entities", str(exported), "--data", str(data))
    header, first, *rest = exported.read_text(encoding="utf-8-sig").splitlines()
    code = first.split(",")[0]
    exported.write_text("\n".join([header, first.replace(code + ",", code + ",=改名", 1), *rest]),
                        encoding="utf-8-sig")
    assert invoke("import", "entities", str(exported), "--data", str(data)).exit_code == 0
    listed = invoke("audit", "list", "--object", code, "--data", str(data)).output
    lines = listed.splitlines()
    assert len(lines) == 3 and "检查对象名录变更" in lines[1] and "=改名" in lines[1], listed
    assert lines[-1] == "共 2 条。", "the demo's creation of the row, then the change"
    user = invoke("audit", "list", "--kind", "directory.entity", "--since", "2000-01-01",
                  "--limit", "1", "--data", str(data)).output
    assert "@" in user.splitlines()[0] and "cli@" in user.splitlines()[0]
    sheet = tmp_path / "audit.csv"
    assert invoke("audit", "list", "--object", code, "--csv", str(sheet), "--data", str(data)).exit_code == 0
    text = sheet.read_text(encoding="utf-8-sig")
    assert text.startswith("序号,") and ",=" not in text and "改名" in text
    bad = CliRunner().invoke(cli, ["audit", "list", "--since", "yesterday", "--data", str(data)])
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.output
    ok = invoke("audit", "verify", "--data", str(data))
    assert ok.exit_code == 0 and "核对通过" in ok.output and "最新签名树头" in ok.output
    with engine_for(data).begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("DROP TRIGGER log_entries_append_only ON log_entries"))
        else:
            conn.execute(sa.text("DROP TRIGGER log_entries_no_delete"))
        conn.execute(t.log_entries.delete().where(t.log_entries.c.log == "audit",
                                                  t.log_entries.c.idx == 3))
    caught = CliRunner().invoke(cli, ["audit", "verify", "--data", str(data)])
    assert caught.exit_code == 1 and "核对不通过" in caught.output and "缺少" in caught.output


def test_seed_demo_gives_the_demo_inspector_every_risk_warning(tmp_path: Path) -> None:
    """Issue 24 point 8: among the tasks the demo inspector pulls, enterprises with each 风险预警
    the app shows (computed as the app does, from the pulled history), of last year's results that
    are real rows: signed by a device whose key verifies them, published in a publication log
    that verifies, and timed before this year's draw."""
    from app.domain.lookup import WarningKind, parse_history, warnings
    from server_stub.cli import DEMO_PLAN_ID
    from server_stub.core import merkle_log
    from server_stub.core.config import DEFAULT_DUE_DAYS
    from server_stub.core.merkle_log import Log
    from server_stub.core.server_key import load_or_create_server_key

    data = tmp_path / "d"
    inspector = invoke("seed-demo", "--data", str(data)).output.strip().splitlines()[-1]
    key = load_or_create_server_key(data)
    with engine_for(data).begin() as conn:
        tasks = tasks_for_inspector(conn, inspector, key, due_days=DEFAULT_DUE_DAYS)
        kinds = {w.kind for task in tasks
                 for w in warnings(parse_history(task["history"]), now().date())}
        assert kinds == set(WarningKind)
        assert sum(len(task["history"]) for task in tasks) > len(WarningKind), \
            "beside the warnings, a history that raises none"
        assert merkle_log.verify_stored(conn, Log.PUBLICATION, key) == []
        r, d = t.records, t.devices
        rows = conn.execute(sa.select(r.c.envelope, r.c.hash, r.c.finished_at, d.c.public_key,
                                      t.tasks.c.created_at)
                            .join(d, d.c.id == r.c.device_id)
                            .join(t.tasks, t.tasks.c.id == r.c.task_id)).all()
        assert len(rows) >= len(WarningKind)
        drawn = conn.execute(sa.select(sa.func.min(t.tasks.c.created_at))
                             .where(t.tasks.c.plan_id == DEMO_PLAN_ID)).scalar_one()
        for row in rows:
            signed = verify_envelope(json.loads(row.envelope), row.public_key)
            assert record_hash(signed) == row.hash
            assert row.created_at < row.finished_at < drawn


def test_migrate_brings_the_schema_up_once_and_says_so(tmp_path: Path) -> None:
    from server_stub.core.db import newest_revision, schema_revision

    data = tmp_path / "data"
    first = invoke("migrate", "--data", str(data))
    assert first.exit_code == 0 and f"升级到 {newest_revision()}" in first.output
    assert schema_revision(engine_for(data)) == newest_revision()
    again = invoke("migrate", "--data", str(data))
    assert again.exit_code == 0 and "无需升级" in again.output


def test_building_the_app_touches_no_schema(tmp_path: Path, database_url: str) -> None:
    """What every worker of ``serve --workers N`` does at start: no migration (``serve`` or
    ``migrate`` did it once before)."""
    from server_stub.core.db import schema_revision
    from server_stub.main import create_app

    app = create_app(Settings.from_env(tmp_path / "data", database_url))
    try:
        assert schema_revision(app.state.engine) is None
    finally:
        app.state.engine.dispose()


def test_serve_refuses_a_server_database_migrate_has_not_brought_up(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On a server database (PostgreSQL; here a SQLite file taken for one) ``serve`` migrates
    nothing: it names ``migrate`` and stops, the schema left as it was."""
    from server_stub.core.db import schema_revision

    monkeypatch.setattr(Settings, "embedded_database", property(lambda self: False))
    data = tmp_path / "data"
    refused = CliRunner().invoke(cli, ["serve", "--data", str(data), "--port", "1"])
    assert refused.exit_code == 1
    assert "数据库结构版本为 空（未建表）" in refused.output and "server_stub migrate" in refused.output
    assert schema_revision(engine_for(data)) is None
