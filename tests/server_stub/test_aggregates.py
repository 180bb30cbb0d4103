"""The maintained aggregates stay equal to a full recount (issue 29 point 4) through many
changes of state, on SQLite and (in CI's second phase) PostgreSQL: the review's own decisions
(approve, approve and publish, return, publish, correct, withdraw, close a follow-up), a revision
superseding a result, a draw with its tasks, plain SQL updates and deletes no code path makes,
with folds now and then and a rebuild at the end. After every step ``dashboard.build`` (counts
plus waiting deltas) must equal ``dashboard.recount`` (every row) for every filter the dashboard
offers, and /results' total the row-by-row count."""

from __future__ import annotations

import datetime as dt
import random
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bench.aggregate import fill
from server_stub.core import tables as t
from server_stub.core.audit_trail import Actor
from server_stub.core.db import make_engine, migrate
from server_stub.directory.demo import SAMR
from server_stub.publication import aggregates, dashboard
from server_stub.publication.announcements import count_results, published_counts
from server_stub.publication.results import all_results
from server_stub.review import decisions, followups
from sync import Disposal, Outcome, RecordState
from tests.utils.migrations import migrate_to

TODAY = dt.date(2026, 12, 31)
NOW = dt.datetime(2026, 12, 30, 3, tzinfo=dt.UTC)
FILTERS = [
    (dashboard.Period(), None, 2),
    (dashboard.Period(dt.date(2026, 3, 1), dt.date(2026, 8, 31)), None, 1),
    (dashboard.Period(dt.date(2026, 6, 1), None), "P03", 1),
    (dashboard.Period(None, dt.date(2026, 5, 1)), "P04", 0),
]


@pytest.fixture
def engine(database_url: str) -> sa.Engine:
    engine = make_engine(database_url)
    migrate(engine)
    fill(engine, 500, 200, random.Random(11))
    with engine.begin() as conn:
        plans = sorted(conn.execute(sa.select(t.plans.c.id)).scalars())
        conn.execute(t.draws.insert(), [  # after their tasks, as no code path does: the fold copes
            {"plan_id": p, "drawn_at": dt.datetime(2025 if n % 5 == 0 else 2026, 3, 1, tzinfo=dt.UTC),
             "publication": {}, "audit": {}} for n, p in enumerate(plans[:-2])])
    return engine


def assert_equal(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        for period, plan_id, after in FILTERS:
            args = {"today": TODAY, "period": period, "plan_id": plan_id, "frequent_after": after}
            assert dashboard.build(conn, SAMR, **args) == dashboard.recount(conn, SAMR, **args), (period, plan_id)
        assert all_results(conn) == count_results(conn)
        r, p = t.records, t.publications
        shown = dict(conn.execute(  # list_announcements' count before, row by row (by the record's
            # plan, its task's as ingest copies it; this test moves a few records by hand)
            sa.select(r.c.plan_id, sa.func.count())
            .where(r.c.state == RecordState.PUBLISHED, r.c.superseded.is_(False),
                   sa.not_(sa.exists().where(p.c.record_id == r.c.id, p.c.status == "withdrawn")))
            .group_by(r.c.plan_id)).all())
        assert {k: v for k, v in published_counts(conn).items() if v} == shown


def ids(conn: sa.Connection, state: str, rng: random.Random, k: int) -> list[str]:
    r = t.records
    found = sorted(conn.execute(sa.select(r.c.id).where(r.c.state == state, r.c.superseded.is_(False))).scalars())
    return rng.sample(found, min(k, len(found)))


def test_aggregates_equal_a_recount_through_every_kind_of_change(engine: sa.Engine) -> None:
    rng, key, actor = random.Random(5), Ed25519PrivateKey.generate(), Actor.on_host()
    r = t.records
    assert_equal(engine)
    assert aggregates.fold_now(engine) > 0
    assert_equal(engine)
    for step in range(4):
        with engine.begin() as conn:
            for record_id in ids(conn, RecordState.SUBMITTED, rng, 6):
                choice = rng.randrange(3)
                if choice == 2:
                    decisions.return_record(conn, SAMR, record_id, comment="补充照片", actor=actor, now=NOW)
                else:
                    decisions.approve(conn, SAMR, record_id, comment="", publish=choice == 1, actor=actor,
                                      key=key, now=NOW + dt.timedelta(days=step))
            for record_id in ids(conn, RecordState.APPROVED, rng, 4):
                decisions.publish(conn, SAMR, record_id, actor=actor, key=key, now=NOW)
        with engine.begin() as conn:  # results published through the log: correct, withdraw, close
            logged = sorted(conn.execute(sa.select(t.publications.c.record_id)
                                         .where(t.publications.c.status == "published")).scalars())
            for record_id in rng.sample(logged, min(2, len(logged))):
                decisions.correct(conn, SAMR, record_id, outcome=Outcome.PROBLEM_CORRECTED, reason="核对有误",
                                  actor=actor, key=key, now=NOW)
            for record_id in rng.sample(logged, min(1, len(logged))):
                if conn.execute(sa.select(t.publications.c.status)
                                .where(t.publications.c.record_id == record_id)).scalar() != "withdrawn":
                    decisions.withdraw(conn, SAMR, record_id, reason="对象有误", actor=actor, key=key, now=NOW)
            pending = sorted(conn.execute(sa.select(r.c.id).where(
                r.c.outcome == Outcome.PROBLEM_PENDING.value, r.c.state == RecordState.PUBLISHED,
                r.c.superseded.is_(False)).outerjoin(t.followups, t.followups.c.record_id == r.c.id)
                .where(t.followups.c.record_id.is_(None))).scalars())
            for record_id in pending[:1]:
                followups.close(conn, SAMR, record_id, disposal=Disposal.GUIDANCE.value, disposal_date=NOW.date(),
                                note="", actor=actor, key=key, now=NOW)
        assert_equal(engine)
        with engine.begin() as conn:  # what ingest does for a revision; and changes nothing makes
            old = ids(conn, RecordState.RETURNED, rng, 2) + ids(conn, RecordState.PUBLISHED, rng, 1)
            conn.execute(r.update().where(r.c.id.in_(old)).values(superseded=True))
            conn.execute(r.update().where(r.c.id.in_(ids(conn, RecordState.APPROVED, rng, 3)))
                         .values(industry="餐饮服务", inspected_on=dt.date(2026, 4, 2)))
            conn.execute(r.update().where(r.c.id.in_(ids(conn, RecordState.SUBMITTED, rng, 3)))
                         .values(outcome=Outcome.PROBLEM_PENDING.value, plan_id="P04"))
            gone = ids(conn, RecordState.SUBMITTED, rng, 2)
            conn.execute(t.record_photos.delete().where(t.record_photos.c.record_id.in_(gone)))
            conn.execute(r.delete().where(r.c.id.in_(gone)))
        if step == 2:  # a new draw, its tasks in its transaction, as planning.draw makes them
            with engine.begin() as conn:
                plan = max(conn.execute(sa.select(t.plans.c.id)).scalars())
                conn.execute(t.draws.insert().values(plan_id=plan, drawn_at=NOW, publication={}, audit={}))
                codes = sorted(conn.execute(sa.select(t.entities.c.credit_code)).scalars())[:40]
                conn.execute(t.tasks.insert(), [
                    {"id": f"TNEW-{n}", "plan_id": plan, "credit_code": c, "team": [], "items": [],
                     "due": TODAY, "draw_order": n, "created_at": NOW} for n, c in enumerate(codes)])
        assert_equal(engine)
        if step % 2:
            aggregates.fold_now(engine, wait=True)
            with engine.connect() as conn:
                assert not aggregates.pending(conn)
            assert_equal(engine)
    with engine.begin() as conn:
        states = dict(conn.execute(sa.select(r.c.state, sa.func.count()).group_by(r.c.state)).all())
    assert {RecordState.RETURNED, RecordState.APPROVED, RecordState.PUBLISHED} <= states.keys()
    with engine.begin() as conn:
        withdrawn = conn.execute(sa.select(sa.func.count()).select_from(t.publications)
                                 .where(t.publications.c.status == "withdrawn")).scalar_one()
    assert withdrawn > 0
    aggregates.rebuild_now(engine)
    assert_equal(engine)


def test_figures_are_the_same_folded_or_not(engine: sa.Engine) -> None:
    """The counts plus waiting deltas, and the counts alone after a fold, answer the same: and a
    fold leaves nothing waiting, a rebuild nothing either, with the same counts as the folds."""
    def snapshot() -> list[list[tuple[object, ...]]]:
        with engine.connect() as conn:
            return [sorted((tuple(row) for row in conn.execute(sa.select(*(c for c in table.c if c.key != "id")))),
                           key=repr)
                    for table in (t.dashboard_groups, t.dashboard_days, t.plan_states, t.plan_task_counts,
                                  t.yearly_visits)]
    with engine.begin() as conn:
        before = dashboard.build(conn, SAMR, today=TODAY)
    aggregates.fold_now(engine, wait=True)
    folded = snapshot()
    with engine.begin() as conn:
        assert dashboard.build(conn, SAMR, today=TODAY) == before
    aggregates.rebuild_now(engine)
    assert snapshot() == folded
    with engine.connect() as conn:
        assert not aggregates.pending(conn)


def test_a_server_process_folds_in_the_background(engine: sa.Engine) -> None:
    """``Folder`` (started by every server process) folds what waits, and stops when told."""
    folder = aggregates.Folder(engine, every=0.05)
    folder.start()
    try:
        for _ in range(400):
            with engine.connect() as conn:
                if not aggregates.pending(conn):
                    break
            threading.Event().wait(0.05)
        with engine.connect() as conn:
            assert not aggregates.pending(conn)
    finally:
        folder.stop()
    assert not folder._thread.is_alive()
    assert_equal(engine)


def test_concurrent_changes_and_folds_lose_and_double_nothing(engine: sa.Engine) -> None:
    """Writers changing results while folds run beside them (on PostgreSQL, really at once):
    afterwards the counts, folded, equal the recount."""
    r = t.records
    with engine.connect() as conn:
        every = sorted(conn.execute(sa.select(r.c.id)).scalars())

    def writer(n: int) -> None:
        rng = random.Random(n)
        for _ in range(25):
            with engine.begin() as conn:
                conn.execute(r.update().where(r.c.id.in_(rng.sample(every, 5))).values(
                    state=rng.choice([RecordState.SUBMITTED, RecordState.RETURNED, RecordState.PUBLISHED]),
                    published_on=dt.date(2026, 7, rng.randrange(1, 28)), superseded=rng.random() < 0.2))

    def folder(_: int) -> None:
        for _ in range(25):
            aggregates.fold_now(engine)

    with ThreadPoolExecutor(5) as pool:
        done = [pool.submit(writer, n) for n in range(3)] + [pool.submit(folder, n) for n in range(2)]
        for future in done:
            future.result()  # a writer's or a fold's error fails the test here
    assert_equal(engine)
    aggregates.fold_now(engine, wait=True)
    assert_equal(engine)


def test_the_migration_counts_what_is_already_there(database_url: str) -> None:
    """Migration 0023 on a database with results and drawn tasks: their counts wait as grouped
    deltas, exact before and after the first fold."""


    engine = make_engine(database_url)
    def upgrade(revision: str) -> None:
        migrate_to(engine, revision)

    upgrade("0021")
    fill(engine, 400, 150, random.Random(2), drawn=True, rebuild=False)
    upgrade("head")
    with engine.connect() as conn:
        assert aggregates.pending(conn)
    assert_equal(engine)
    aggregates.fold_now(engine, wait=True)
    assert_equal(engine)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.yearly_visits)).scalar_one() > 0
    engine.dispose()
