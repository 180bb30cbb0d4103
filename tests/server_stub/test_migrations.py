"""The migrations build exactly the schema ``tables.py`` describes."""

from __future__ import annotations

from collections.abc import Callable

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from server_stub.core.db import make_engine, migrate
from server_stub.core.tables import metadata
from tests.utils.migrations import migrate_to


def test_migrations_match_tables(database_url: str) -> None:
    engine = make_engine(database_url)
    migrate(engine)
    migrate(engine)  # a second run is a no-op
    with engine.connect() as conn:
        # The trigram indexes of migration 0027 exist on PostgreSQL alone, and only where
        # pg_trgm may be installed: tables.py, one schema for both databases, leaves them out.
        context = MigrationContext.configure(conn, opts={"include_object": lambda obj, name, kind, *_: not (
            kind == "index" and str(name).endswith("_trgm"))})
        diff = compare_metadata(context, metadata)
    assert diff == []


def test_the_database_holds_one_name_per_state(database_url: str) -> None:
    """A state or role that is not one of sync's enums is refused by the database itself."""
    import datetime as dt

    import pytest
    import sqlalchemy as sa

    from server_stub.core import tables as t
    from server_stub.core.tables import one_of
    from sync import RecordState, Role

    assert one_of("state", RecordState) == (
        "state IN ('incomplete', 'awaiting_report', 'submitted', 'returned', 'approved', 'published')"), \
        "migration 0026 writes these values out: change both together"
    assert one_of("role", Role) == "role IN ('inspector', 'supervisor')"
    engine = make_engine(database_url)
    migrate(engine)
    with engine.begin() as conn:
        conn.execute(t.inspectors.insert().values(id="I1", name="张三", department="局", badge_no="1",
                                                  qualifications=[], active=True, conflicts=[]))
    device = {"id": "D1", "inspector_id": "I1", "name": "手机", "public_key": "k" * 43,
              "token_hash": "h" * 64, "enrolled_at": dt.datetime.now(dt.UTC)}
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
        conn.execute(t.devices.insert().values(**device, role="admin"))
    with engine.begin() as conn:
        conn.execute(t.devices.insert().values(**device, role=Role.SUPERVISOR))
    engine.dispose()


def test_plans_published_before_announcements_get_their_numbers(database_url: str) -> None:
    """Migration 0011 numbers the plans already published, in the order of their first
    publication, per lead department and China year."""
    import datetime as dt

    import sqlalchemy as sa

    from server_stub.core import tables as t

    engine = make_engine(database_url)
    def upgrade(revision: str) -> None:
        migrate_to(engine, revision)

    upgrade("0009")
    utc = dt.UTC
    published = {  # plan: (lead department, first publication)
        "P1": ("甲局", dt.datetime(2026, 12, 31, 17, 0, tzinfo=utc)),  # 2027-01-01 in China
        "P2": ("甲局", dt.datetime(2026, 6, 1, tzinfo=utc)),
        "P3": ("乙局", dt.datetime(2026, 7, 1, tzinfo=utc)),
        "P4": ("甲局", dt.datetime(2026, 8, 1, tzinfo=utc)),
        "P5": ("甲局", None),  # nothing published: no number
    }
    with engine.begin() as conn:
        conn.execute(t.entities.insert().values(credit_code="C" * 18, name="某店", address="", region="",
                                                industry="", risk_grade="A", status="存续"))
        conn.execute(t.inspectors.insert().values(id="I1", name="张三", department="甲局", badge_no="1",
                                                  qualifications=[], active=True, conflicts=[]))
        conn.execute(t.devices.insert().values(id="D1", inspector_id="I1", role="inspector", name="手机",
                                               public_key="k" * 43, token_hash="h" * 64,
                                               enrolled_at=dt.datetime(2026, 1, 1, tzinfo=utc)))
        for n, (plan_id, (department, at)) in enumerate(published.items()):
            conn.execute(t.plans.insert().values(
                id=plan_id, name=plan_id, spec={"departments": [department, "丙局"]}, commitment="c",
                seed="s", created_at=dt.datetime(2026, 1, 1, tzinfo=utc)))
            conn.execute(t.tasks.insert().values(id=f"T{n}", plan_id=plan_id, credit_code="C" * 18,
                                                 team=[], items=[], due=dt.date(2026, 12, 31),
                                                 draw_order=n, created_at=dt.datetime(2026, 1, 1, tzinfo=utc)))
            for k, state in enumerate(("published", "published") if at else ("approved",)):
                conn.execute(t.records.insert().values(
                    id=f"R{n}{k}", hash=f"{n}{k}" * 32, device_id="D1", seq=n * 10 + k, inspector_id="I1",
                    task_id=f"T{n}", credit_code="C" * 18, outcome="未发现问题", state=state,
                    finished_at=dt.datetime(2026, 3, 1, tzinfo=utc), envelope="{}",
                    received_at=dt.datetime(2026, 3, 1, tzinfo=utc), plan_id=plan_id,
                    published_at=at + dt.timedelta(days=k) if at else None))
    upgrade("head")
    with engine.begin() as conn:
        rows = conn.execute(sa.select(t.announcements)).mappings().all()
    engine.dispose()
    assert {r["plan_id"]: (r["department"], r["year"], r["number"]) for r in rows} == {
        "P2": ("甲局", 2026, 1), "P3": ("乙局", 2026, 1), "P4": ("甲局", 2026, 2),
        "P1": ("甲局", 2027, 1)}


def test_entities_gain_optional_coordinates(database_url: str) -> None:
    """Migration 0016 adds the registered address's coordinates in place, on a directory that
    tasks already reference (a rebuild of ``entities`` would fail there); entities already in
    the directory have none; and it goes back down, keeping them."""
    import datetime as dt

    import sqlalchemy as sa
    from alembic import command
    from alembic.config import Config

    from server_stub.core import tables as t

    engine = make_engine(database_url)
    def move(step: Callable[[Config, str], None], revision: str) -> None:
        migrate_to(engine, revision, step)

    entity = {"name": "某店", "address": "某路1号", "region": "市南区", "industry": "零售",
              "risk_grade": "A", "status": "存续"}
    move(command.upgrade, "0015")
    utc = dt.UTC
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO entities (credit_code, name, address, region, industry, "
                             "risk_grade, status) VALUES ('OLD', '某店', '某路1号', '市南区', '零售', "
                             "'A', '存续')"))
        conn.execute(t.plans.insert().values(id="P1", name="P1", spec={"departments": ["甲局"]},
                                             commitment="c", seed="s",
                                             created_at=dt.datetime(2026, 1, 1, tzinfo=utc)))
        conn.execute(sa.text("INSERT INTO tasks (id, plan_id, credit_code, team, items, due, draw_order, "
                             "created_at) VALUES ('T1', 'P1', 'OLD', '[]', '[]', '2026-12-31', 0, "
                             "'2026-01-01 00:00:00+00:00')"))
    move(command.upgrade, "0016")
    with engine.begin() as conn:
        assert conn.execute(sa.select(t.entities.c.lat, t.entities.c.lon)).one() == (None, None)
        conn.execute(t.entities.insert().values(credit_code="NEW", lat=36.0701389, lon=-120.3827778,
                                                **entity))
        assert conn.execute(sa.select(t.entities.c.lat, t.entities.c.lon)
                            .where(t.entities.c.credit_code == "NEW")).one() == (36.0701389, -120.3827778)
    move(command.downgrade, "0015")
    with engine.begin() as conn:
        columns = {c["name"] for c in sa.inspect(conn).get_columns("entities")}
        assert "lat" not in columns and "lon" not in columns
        assert conn.execute(sa.text("SELECT count(*) FROM entities")).scalar() == 2
    move(command.upgrade, "head")
    engine.dispose()


def test_records_gain_the_awaiting_report_state(database_url: str) -> None:
    """Migration 0026 widens the records' state CHECK on a ``records`` table that photos and
    follow-ups reference (SQLite rebuilds it, its foreign keys deferred): every row and every
    reference survive, the new state is taken, an unknown one still refused; down again, a
    record awaiting its report goes back to submitted."""
    import datetime as dt

    import pytest
    import sqlalchemy as sa
    from alembic import command
    from alembic.config import Config

    from server_stub.core import tables as t

    engine = make_engine(database_url)
    def move(step: Callable[[Config, str], None], revision: str) -> None:
        migrate_to(engine, revision, step)

    move(command.upgrade, "0021")
    at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    with engine.begin() as conn:
        conn.execute(t.inspectors.insert().values(id="I1", name="张三", department="局", badge_no="1",
                                                  qualifications=[], active=True, conflicts=[]))
        conn.execute(t.devices.insert().values(id="D1", inspector_id="I1", name="手机", public_key="k" * 43,
                                               token_hash="h" * 64, enrolled_at=at, role="inspector"))
        conn.execute(sa.text("INSERT INTO entities (credit_code, name, address, region, industry, "
                             "risk_grade, status) VALUES ('E1', '某店', '某路1号', '市南区', '零售', "
                             "'A', '存续')"))
        conn.execute(t.plans.insert().values(id="P1", name="P1", spec={"departments": ["甲局"]},
                                             commitment="c", seed="s", created_at=at))
        conn.execute(sa.text("INSERT INTO tasks (id, plan_id, credit_code, team, items, due, draw_order, "
                             "created_at) VALUES ('T1', 'P1', 'E1', '[]', '[]', '2026-12-31', 0, "
                             "'2026-01-01 00:00:00+00:00')"))
        for n in (1, 2):
            conn.execute(t.records.insert().values(
                id=f"R{n}", hash=f"{n}" * 64, device_id="D1", seq=n, inspector_id="I1", task_id="T1",
                credit_code="E1", outcome="未发现问题", finished_at=at, state="submitted",
                envelope="{}", received_at=at))
        conn.execute(t.record_photos.insert().values(record_id="R1", sha256="a" * 64))
    move(command.upgrade, "0026")
    with engine.begin() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.records)).scalar() == 2
        assert conn.execute(sa.select(t.record_photos.c.record_id)).scalars().all() == ["R1"]
        if engine.dialect.name == "sqlite":
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
        conn.execute(t.records.update().where(t.records.c.id == "R2").values(state="awaiting_report"))
        conn.execute(t.lab_tests.insert().values(record_id="R2", item_code="SP-01"))
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
        conn.execute(t.records.update().where(t.records.c.id == "R1").values(state="lost"))
    move(command.downgrade, "0021")
    with engine.begin() as conn:
        assert dict(conn.execute(sa.text("SELECT id, state FROM records")).all()) == {
            "R1": "submitted", "R2": "submitted"}
    move(command.upgrade, "head")
    engine.dispose()


def test_records_get_their_tasks_draw_order(database_url: str) -> None:
    """Migration 0028 copies each record's task's draw order into it (what /results sorts by)."""
    import random

    import sqlalchemy as sa

    from bench.aggregate import fill
    from server_stub.core import tables as t

    engine = make_engine(database_url)
    migrate_to(engine, "0027")
    fill(engine, 60, 30, random.Random(4), rebuild=False)
    with engine.begin() as conn:  # draw orders unlike the records' own numbers
        conn.execute(t.tasks.update().values(draw_order=t.tasks.c.draw_order * 7 + 3))
    migrate(engine)
    with engine.connect() as conn:
        pairs = conn.execute(sa.select(t.records.c.draw_order, t.tasks.c.draw_order)
                             .join(t.tasks, t.tasks.c.id == t.records.c.task_id)).all()
    engine.dispose()
    assert len(pairs) == 60 and all(mine == theirs for mine, theirs in pairs)
    assert {mine for mine, _ in pairs} != {0}
