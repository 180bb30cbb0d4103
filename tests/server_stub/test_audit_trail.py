"""全过程留痕 (issue 19) in-process: one entry per act with its before and after, no act without its
entry, a rewritten trail caught, the draw's auditor export listing the directory changes made
before its freeze, and one order without gaps when several processes act at once (on PostgreSQL
when the suite runs there)."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import multiprocessing
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from server_stub.core import audit_trail, clock
from server_stub.core import merkle_log as ml
from server_stub.core import tables as t
from server_stub.core.audit_trail import Act, ActKind, Actor, ActorRole
from server_stub.core.db import make_engine
from server_stub.core.server_key import load_or_create_server_key
from server_stub.core.spreadsheet import from_csv_text
from server_stub.directory import queries
from server_stub.directory.demo import SAMR
from server_stub.draws import planning
from server_stub.draws.audit import compare_with_publication, verify_export
from server_stub.draws.population import YearlyCap
from server_stub.field import devices
from server_stub.field.enrollment import issue_code
from sync import (
    Entity,
    EntityStatus,
    Plan,
    generate_key,
    leaf_hash,
    make_credit_code,
    public_key_b64,
)
from tests.utils.actors import TESTER
from tests.utils.ceremony import DICE, WITNESSES

KEY = generate_key()
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
NEW_CODE = make_credit_code("9", "1", "371000", "A1B2C3D4")


def food_plan(plan_id: str = "P1") -> Plan:
    return Plan(id=plan_id, name="食品销售抽查", departments=(SAMR,), items=("SC-SP-01",),
                ratios={"A": "1", "B": "3", "C": "10", "D": "20"},  # type: ignore[dict-item]
                team_size=2, window_start=dt.date(2026, 3, 1), window_end=dt.date(2026, 6, 30))


@pytest.fixture
def pinned() -> Iterator[Callable[[dt.datetime], None]]:
    """Pins the platform's clock (the time an entry records when its act gives none)."""
    yield clock.pin
    clock.pin(None)


def entries(conn: sa.Connection, kind: ActKind | None = None) -> list[dict[str, Any]]:
    return audit_trail.search(conn, audit_trail.Query(kind=kind, limit=100_000))


def kinds_since(conn: sa.Connection, start: int) -> list[str]:
    return [e["kind"] for e in entries(conn) if e["index"] >= start]


def size(conn: sa.Connection) -> int:
    return ml.size_of(conn, ml.Log.AUDIT)


def in_scope(conn: sa.Connection, plan_id: str = "P1") -> Entity:
    """An entity the plan would draw from today."""
    plan, _ = planning.load_plan(conn, plan_id)
    code = planning.plan_population(conn, plan, NOW)[0].credit_code
    (entity,) = queries.load_entities(conn, codes=[code])
    return entity


def test_the_directory_import_writes_one_entry_per_changed_row(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        first, second, third = queries.load_entities(conn)[:3]
        start = size(conn)
        moved = dataclasses.replace(first, status=EntityStatus.CANCELLED, region="测试新区")
        new = dataclasses.replace(second, credit_code=NEW_CODE, name="新登记的企业")
        read = queries.save_entities(conn, entities=[moved, new, third], actor=TESTER)
        found = [e for e in entries(conn, ActKind.ENTITY_SAVED) if e["index"] >= start]
    assert read == 3
    assert [(e["object"], e["before"], e["after"]) for e in found] == [
        (first.credit_code, {"status": first.status.value, "region": first.region},
         {"status": "注销", "region": "测试新区"}),
        (NEW_CODE, None, queries.entity_row(new)),
    ], "the unchanged row writes nothing; a new row's after is the whole row"
    assert all(e["actor"] == TESTER.to_json() and e["origin"] == TESTER.origin for e in found)


@pytest.mark.parametrize("kind", ["items", "inspectors"])
def test_items_and_inspectors_are_audited_as_entities_are(engine: sa.Engine, kind: str) -> None:
    expected: tuple[Any, ...]
    with engine.begin() as conn:
        start = size(conn)
        if kind == "items":
            item = queries.load_items(conn)[0]
            queries.save_items(conn, items=[dataclasses.replace(item, qualification="特种设备")],
                               actor=TESTER)
            expected = (ActKind.ITEM_SAVED, item.code, {"qualification": item.qualification},
                        {"qualification": "特种设备"})
        else:
            person = queries.load_inspectors(conn)[0]
            queries.save_inspectors(conn, inspectors=[dataclasses.replace(person, active=False)],
                                    actor=TESTER)
            expected = (ActKind.INSPECTOR_SAVED, person.id, {"active": True}, {"active": False})
        found = [e for e in entries(conn) if e["index"] >= start]
    assert [(e["kind"], e["object"], e["before"], e["after"]) for e in found] == [expected]


def test_each_act_writes_exactly_one_entry(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        start = size(conn)
        planning.create_plan(conn, food_plan(), now=NOW, actor=TESTER)
        planning.set_yearly_cap(conn, SAMR, YearlyCap(2), actor=TESTER)
        planning.set_yearly_cap(conn, SAMR, YearlyCap(3, ()), actor=TESTER)
        planning.freeze_population(conn, "P1", now=NOW, actor=TESTER)
        planning.abandon_draw(conn, "P1", reason="见证人未到场", now=NOW, actor=TESTER)
        planning.freeze_population(conn, "P1", now=NOW, actor=TESTER)
        planning.run_draw(conn, "P1", now=NOW, actor=TESTER, dice=DICE, witnesses=WITNESSES)
        queries.save_holidays(conn, days={dt.date(2027, 1, 1): False}, actor=TESTER)
        queries.save_holidays(conn, days={dt.date(2027, 1, 1): False, dt.date(2027, 1, 4): True},
                              actor=TESTER)
        inspector = queries.load_inspectors(conn)[0].id
        code = issue_code(conn, inspector, now=NOW, actor=TESTER)
        device, _ = devices.enroll(conn, code=code, public_key=public_key_b64(generate_key()),
                                   device_name="测试手机", now=NOW)
        devices.revoke(conn, device.id, now=NOW, actor=TESTER)
        devices.revoke(conn, device.id, now=NOW, actor=TESTER)  # already revoked: no act
        found = [e for e in entries(conn) if e["index"] >= start]
        secret = conn.execute(sa.select(t.plans.c.seed)).scalar_one()
    assert [e["kind"] for e in found] == [
        "plan.created", "settings.yearly_cap", "settings.yearly_cap", "draw.frozen",
        "draw.abandoned", "draw.frozen", "draw.made", "settings.holidays", "settings.holidays",
        "device.enrolment_code", "device.revoked"]
    by_kind = {e["kind"]: e for e in found}
    caps = [e for e in found if e["kind"] == "settings.yearly_cap"]
    assert caps[0]["before"] is None and caps[0]["after"]["yearly_cap"] == 2
    assert caps[1]["before"]["yearly_cap"] == 2 and caps[1]["after"] == {
        "yearly_cap": 3, "exempt_kinds": []}
    holidays = [e for e in found if e["kind"] == "settings.holidays"]
    assert holidays[1]["before"] == {"2027-01-01": False} and holidays[1]["object"] == "2027"
    assert by_kind["draw.abandoned"]["after"]["reason"] == "见证人未到场"
    assert all(e["plan"] == "P1" for e in found if e["kind"].startswith(("plan.", "draw.")))
    assert by_kind["device.revoked"]["before"] == {"revoked_at": None}
    text = repr(found)
    assert secret not in text, "the plan's secret is never written"
    assert code not in text and code.replace("-", "") not in text, "an enrolment code is never written"
    assert "grade" not in repr(by_kind["draw.frozen"]), "a freeze's entry names no grade"


def break_the_index(conn: sa.Connection) -> None:
    conn.execute(sa.text("DROP TABLE audit_acts"))


def break_the_log(conn: sa.Connection) -> None:
    conn.execute(sa.text("DROP TABLE log_entries" + (" CASCADE" if conn.dialect.name == "postgresql"
                                                      else "")))


ACTS: dict[str, tuple[Callable[[sa.Connection], object], Callable[[sa.Connection], object]]] = {
    # each: the act, then what it leaves behind when it happened
    "import": (lambda c: queries.save_entities(c, entities=[dataclasses.replace(
        queries.load_entities(c)[0], name="改过的名称")], actor=TESTER),
               lambda c: queries.load_entities(c)[0].name == "改过的名称"),
    "plan": (lambda c: planning.create_plan(c, food_plan("P9"), now=NOW, actor=TESTER),
             lambda c: c.execute(sa.select(t.plans.c.id)).first() is not None),
    "cap": (lambda c: planning.set_yearly_cap(c, SAMR, YearlyCap(4), actor=TESTER),
            lambda c: c.execute(sa.select(t.department_settings)).first() is not None),
    "holidays": (lambda c: queries.save_holidays(c, days={dt.date(2027, 1, 1): False}, actor=TESTER),
                 lambda c: c.execute(sa.select(t.holidays)).first() is not None),
    "code": (lambda c: issue_code(c, queries.load_inspectors(c)[0].id, now=NOW, actor=TESTER),
             lambda c: c.execute(sa.select(t.enrollment_codes)).first() is not None),
}


@pytest.mark.parametrize("act", sorted(ACTS))
@pytest.mark.parametrize("breaking", [break_the_index, break_the_log])
def test_an_act_whose_entry_fails_does_not_happen(engine: sa.Engine, act: str,
                                                  breaking: Callable[[sa.Connection], None]) -> None:
    do, happened = ACTS[act]
    with engine.begin() as conn:
        breaking(conn)
    with pytest.raises(sa.exc.DBAPIError), engine.begin() as conn:
        do(conn)
    with engine.connect() as conn:
        assert not happened(conn)


def test_an_entry_failing_in_python_stops_the_act(engine: sa.Engine,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object) -> int:
        raise RuntimeError("the log is unavailable")

    monkeypatch.setattr(ml, "append_many", refuse)
    with pytest.raises(RuntimeError), engine.begin() as conn:
        planning.create_plan(conn, food_plan(), now=NOW, actor=TESTER)
    with engine.connect() as conn:
        assert conn.execute(sa.select(t.plans.c.id)).first() is None


def _drop_guards(conn: sa.Connection) -> None:
    """What someone with the database owner's rights could do: remove the triggers."""
    for table in ("log_entries", "tree_heads", "audit_acts"):
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text(f"DROP TRIGGER {table}_append_only ON {table}"))
        else:
            conn.execute(sa.text(f"DROP TRIGGER {table}_no_update"))
            conn.execute(sa.text(f"DROP TRIGGER {table}_no_delete"))


def status_change(conn: sa.Connection, status: EntityStatus, n: int = 0) -> None:
    entity = [e for e in queries.load_entities(conn) if e.status.is_active][n]
    queries.save_entities(conn, entities=[dataclasses.replace(entity, status=status)], actor=TESTER)
    audit_trail.seal(conn, KEY)


@pytest.mark.parametrize("tamper", ["alter", "alter-and-rehash", "remove", "remove-last",
                                    "reorder", "reindex"])
def test_the_verifier_catches_a_rewritten_trail(engine: sa.Engine, tamper: str) -> None:
    with engine.begin() as conn:
        audit_trail.seal(conn, KEY)  # the fixture's directory
        start = size(conn)
        for n, status in enumerate((EntityStatus.CANCELLED, EntityStatus.SUSPENDED,
                                    EntityStatus.REVOKED)):
            with conn.begin_nested():
                status_change(conn, status, n)
        assert audit_trail.verify(conn, KEY) == []
    e, a = t.log_entries, t.audit_acts
    last = start + 2
    with engine.begin() as conn:
        _drop_guards(conn)
        row = conn.execute(sa.select(e).where(e.c.log == "audit", e.c.idx == start)).one()
        if tamper.startswith("alter"):  # 注销 made to look like 停业
            entry = row.entry.replace("注销", "停业")
            values = {"entry": entry}
            if tamper == "alter-and-rehash":
                values["leaf_hash"] = leaf_hash(entry.encode()).hex()
            conn.execute(e.update().where(e.c.log == "audit", e.c.idx == start).values(**values))
        elif tamper.startswith("remove"):
            gone = last if tamper == "remove-last" else start
            conn.execute(e.delete().where(e.c.log == "audit", e.c.idx == gone))
            conn.execute(a.delete().where(a.c.idx == gone))
        elif tamper == "reorder":
            other = conn.execute(sa.select(e).where(e.c.log == "audit", e.c.idx == last)).one()
            for idx, source in ((start, other), (last, row)):
                conn.execute(e.update().where(e.c.log == "audit", e.c.idx == idx)
                             .values(entry=source.entry, leaf_hash=source.leaf_hash))
        else:  # the index made to hide who acted
            conn.execute(a.update().where(a.c.idx == start).values(person="someone-else"))
    with engine.connect() as conn:
        assert audit_trail.verify(conn, KEY), tamper


def test_the_auditors_export_lists_a_status_change_made_the_day_before_the_freeze(
        engine: sa.Engine, pinned: Callable[[dt.datetime], None]) -> None:
    created, changed, frozen = (NOW + dt.timedelta(days=d) for d in (0, 1, 2))
    with engine.begin() as conn:
        planning.create_plan(conn, food_plan(), now=created, actor=TESTER)
        target = in_scope(conn)
        pinned(changed)
        cancelled = dataclasses.replace(target, status=EntityStatus.CANCELLED)
        queries.save_entities(conn, entities=[cancelled], actor=TESTER)
        pinned(frozen + dt.timedelta(hours=1))  # after the freeze: not listed
        queries.save_entities(conn, entities=[dataclasses.replace(cancelled, name="冻结之后改名")],
                              actor=TESTER)
        planning.freeze_population(conn, "P1", now=frozen, actor=TESTER)
        planning.run_draw(conn, "P1", now=frozen + dt.timedelta(hours=2), actor=TESTER, dice=DICE,
                          witnesses=WITNESSES)
        export = planning.load_draw(conn, "P1", "audit")
        publication = planning.load_draw(conn, "P1", "publication")
    listed = export["directory_changes"]
    assert export["format"] == "zsc-draw-audit/6"
    assert listed["count"] == 1 and listed["inspectors"] == [] and listed["items"] == []
    assert listed["entities"] == [{"id": target.credit_code, "changes": [{
        "at": "2026-03-03T09:00:00Z", "by": TESTER.person,
        "before": {"status": target.status.value}, "after": {"status": "注销"}}]}]
    assert target.credit_code not in {c for s in export["strata"] for c in s["ids"]}
    assert publication["directory_changes"] == 1
    assert verify_export(export).ok and compare_with_publication(export, publication).ok
    hidden = {**export, "directory_changes": {**listed, "entities": [], "count": 0}}
    assert not verify_export(hidden).ok or not compare_with_publication(hidden, publication).ok, \
        "an export with its changes cut out no longer matches the public page"
    before_the_trail = {k: v for k, v in export.items() if k != "directory_changes"}
    old_page = {k: v for k, v in publication.items() if k != "directory_changes"}
    before_the_trail["format"] = "zsc-draw-audit/3"
    assert [c.message for c in verify_export(before_the_trail).checks if not c.ok] == []
    assert compare_with_publication(before_the_trail, old_page).ok, \
        "a draw made before the trail (format 3) verifies as it was made"


def test_the_public_draw_page_gives_the_number_only(engine: sa.Engine,
                                                    pinned: Callable[[dt.datetime], None]) -> None:
    from server_stub.api.templates import ENVIRONMENT

    with engine.begin() as conn:
        planning.create_plan(conn, food_plan(), now=NOW, actor=TESTER)
        target = in_scope(conn)
        pinned(NOW + dt.timedelta(hours=1))
        queries.save_entities(conn, entities=[dataclasses.replace(
            target, status=EntityStatus.SUSPENDED, name="某某变更测试企业")], actor=TESTER)
        planning.freeze_population(conn, "P1", now=NOW + dt.timedelta(hours=2), actor=TESTER)
        planning.run_draw(conn, "P1", now=NOW + dt.timedelta(hours=3), actor=TESTER, dice=DICE,
                          witnesses=WITNESSES)
        page = ENVIRONMENT.get_template("draw.html").render(
            plan=planning.get_public_plan(conn, "P1"), draw=planning.load_draw(conn, "P1", "publication"))
    assert "共变更 1 条" in page
    assert target.credit_code not in page and "某某变更测试企业" not in page


def test_filters_and_a_csv_no_spreadsheet_runs(engine: sa.Engine) -> None:
    mallory = Actor(ActorRole.HOST, "=cmd|' /C calc'!A0@host", "cli@host")
    with engine.begin() as conn:
        audit_trail.record_acts(conn, mallory, [
            Act(ActKind.ENTITY_SAVED, "+SUM(1,1)", None, {"name": "=HYPERLINK(\"http://x\")"}),
            Act(ActKind.ENTITY_SAVED, "-2", {"name": "@x"}, {"name": "y"})],
            at=dt.datetime(2026, 3, 1, 16, 30, tzinfo=dt.UTC))  # 2 March 00:30 in China
        found = audit_trail.search(conn, audit_trail.Query(person=mallory.person))
        by_day = audit_trail.search(conn, audit_trail.Query(
            person=mallory.person, since=dt.date(2026, 3, 2), until=dt.date(2026, 3, 2)))
        before = audit_trail.search(conn, audit_trail.Query(
            person=mallory.person, until=dt.date(2026, 3, 1)))
        by_object = audit_trail.search(conn, audit_trail.Query(object_id="-2"))
        every_day = audit_trail.search(conn, audit_trail.Query(
            person=mallory.person, since=dt.date.min, until=dt.date.max))
    assert [e["object"] for e in found] == ["+SUM(1,1)", "-2"]
    assert len(by_day) == 2 and before == [] and [e["object"] for e in by_object] == ["-2"]
    assert len(every_day) == 2, "the first and last days a date holds are no error"
    text = audit_trail.csv_export(found)
    cells = list(csv.reader(io.StringIO(text)))
    assert len(cells) == 3
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in cells for cell in row), text
    assert from_csv_text(cells[1][3]) == "+SUM(1,1)"


def act_in_another_process(url: str, data_dir: str, worker: int, acts: int) -> None:
    """``acts`` transactions of one process, each an act and a signed head."""
    engine = make_engine(url)
    key = load_or_create_server_key(Path(data_dir))
    actor = Actor(ActorRole.HOST, f"worker{worker}@host", "cli@host")
    for n in range(acts):
        with engine.begin() as conn:
            planning.set_yearly_cap(conn, f"部门{worker}", YearlyCap(n + 1), actor=actor)
            audit_trail.seal(conn, key)
    engine.dispose()


def test_several_processes_act_at_once_in_one_order_without_gaps(engine: sa.Engine,
                                                                 tmp_path: Path) -> None:
    workers, acts = 4, 12
    with engine.begin() as conn:
        start = size(conn)
        load_or_create_server_key(tmp_path)
    spawn = multiprocessing.get_context("spawn")
    processes = [spawn.Process(target=act_in_another_process,
                               args=(engine.url.render_as_string(hide_password=False),
                                     str(tmp_path), w, acts)) for w in range(workers)]
    for p in processes:
        p.start()
    for p in processes:
        p.join(timeout=120)
    assert [p.exitcode for p in processes] == [0] * workers
    with engine.connect() as conn:
        assert size(conn) == start + workers * acts
        indexes = list(conn.execute(sa.select(t.audit_acts.c.idx).order_by(t.audit_acts.c.idx))
                       .scalars())
        assert indexes == list(range(start + workers * acts))
        assert audit_trail.verify(conn, load_or_create_server_key(tmp_path)) == []
        mine = [e for e in entries(conn, ActKind.YEARLY_CAP_SET)]
    for w in range(workers):
        caps = [e["after"]["yearly_cap"] for e in mine if e["object"] == f"部门{w}"]
        assert caps == list(range(1, acts + 1)), "each process's acts in the order it made them"
