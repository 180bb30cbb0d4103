"""The dashboard's maintained aggregates (issue 29 point 4): counts kept as results and tasks
change, so that a province's decade (10 M records) answers in well under two seconds.

How they stay right. Triggers on ``records`` and ``tasks`` (migration 0023) append a delta row,
in the very transaction that changes a row, for every change that touches a counted row: a
result made, approved, returned, published, corrected (superseded), withdrawn from its state,
restored or deleted, whatever code path does it. Deltas are only ever appended, so writers never
wait on one another for a hot count (an update-in-place counter would serialise every ingest of
a plan's day, and deadlock two batches touching the same counts in different orders). A *fold*
moves the deltas into the counts: each server process every minute (``Folder``), the
dashboard's route before it reads, and ``python -m server_stub aggregates fold`` on demand. Readers add the unfolded deltas to
the counts in the same statement, so counts + deltas is exactly the full recount at any moment,
folded or not; ``rebuild`` recomputes everything from the rows (``aggregates rebuild``).

What is counted, as ``dashboard.recount`` counts it: a *current result* is a record not
superseded, in a final state (``access.scope.FINAL_STATES``). Per plan, completed tasks are
current results (a task has one current result, DESIGN §11: ``records/ingest.py`` refuses a
second), and the 频繁检查预警 counts tasks per enterprise in the plans drawn in a year (China
time). A task is made by its plan's draw, in the draw's transaction, so its plan's year is known
when its delta is folded; a plan's tasks without a draw count for their plan only.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from server_stub.access.scope import FINAL_STATES
from server_stub.core import tables as t
from server_stub.core.clock import CHINA, as_utc
from server_stub.core.db import in_chunks
from sync import Outcome

log = logging.getLogger(__name__)

DIMENSIONS = ("industry", "region", "grade")
"""``dashboard_groups.dimension``: the record's column each names is industry, region, risk_grade."""

_DIMENSION_COLUMNS = {"industry": "industry", "region": "region", "grade": "risk_grade"}
_CHUNK = 400
"""Keys per statement when merging (well under SQLite's limit of bound parameters)."""


def _problem(outcome: sa.ColumnElement[Any]) -> sa.ColumnElement[int]:
    return sa.case((outcome != Outcome.NO_PROBLEM.value, 1), else_=0)


def _counted() -> list[sa.ColumnElement[bool]]:
    r = t.records
    return [r.c.superseded.is_(False), r.c.state.in_(FINAL_STATES)]


# --- folding ---------------------------------------------------------------------------------


def pending(conn: sa.Connection) -> bool:
    """Whether any delta waits to be folded."""
    return any(conn.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first()
               for table in (t.aggregate_deltas, t.task_deltas, t.draw_deltas))


_LOCK = 0x7A73_6361  # "zsca": the advisory lock folds and rebuilds take turns on (PostgreSQL)


@contextmanager
def _turn(engine: sa.Engine, *, wait: bool) -> Iterator[sa.Connection | None]:
    """A connection whose one transaction sees one snapshot, alone among folds and rebuilds:
    None when another holds the turn and ``wait`` is false.

    On PostgreSQL a session advisory lock is taken *before* the transaction begins, and the
    transaction is REPEATABLE READ, so its snapshot comes after the previous fold's commit and
    every statement of this one reads the same rows: the deltas it deletes are exactly those it
    counted (a delta committed meanwhile stays for the next fold), and a draw, its tasks and their
    deltas are seen together or not at all. SQLite has one writer, and a write transaction is it."""
    with engine.connect() as conn:
        if conn.dialect.name != "postgresql":
            with conn.begin():
                yield conn
            return
        take = sa.func.pg_advisory_lock(_LOCK) if wait else sa.func.pg_try_advisory_lock(_LOCK)
        got = conn.execute(sa.select(take)).scalar()
        conn.commit()
        if got is False:
            yield None
            return
        try:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                yield conn
        finally:
            conn.execute(sa.select(sa.func.pg_advisory_unlock(_LOCK)))
            conn.commit()


def fold_now(engine: sa.Engine, *, wait: bool = False) -> int:
    """Fold every delta into the counts in a transaction of its own; the number of deltas folded.

    A read first, so that a quiet dashboard never takes the write lock; without ``wait``, a fold
    already under way or a busy database leaves this one for later (readers count the deltas
    anyway, so figures are exact without it)."""
    with engine.connect() as conn:
        if not pending(conn):
            return 0
    try:
        with _turn(engine, wait=wait) as conn:
            return 0 if conn is None else fold(conn)
    except sa.exc.OperationalError:
        if wait:
            raise
        return 0  # SQLite's writer lock taken past its timeout


def rebuild_now(engine: sa.Engine) -> dict[str, int]:
    """``rebuild`` in a transaction of its own, taking its turn among folds."""
    with _turn(engine, wait=True) as conn:
        assert conn is not None
        return rebuild(conn)


FOLD_EVERY = 60.0
"""Seconds between a server process's background folds (``Folder``)."""


class Folder:
    """A server process's background fold: a daemon thread that folds what waits every
    ``every`` seconds until stopped, so that deltas never pile up between dashboard views (the
    public /results total reads them too). Several processes' folders take turns (``_turn``)."""

    def __init__(self, engine: sa.Engine, every: float = FOLD_EVERY) -> None:
        self.engine, self.every = engine, every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="aggregate-folder", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            try:
                fold_now(self.engine)
            except Exception:  # the database away for a moment: the next round folds it all
                log.exception("folding the dashboard's aggregates failed")


def fold(conn: sa.Connection) -> int:
    """Move every delta ``conn`` sees into the counts; the number of deltas folded. ``conn``'s
    transaction must be alone among folds and see one snapshot (``_turn``)."""
    d, td, dd = t.aggregate_deltas, t.task_deltas, t.draw_deltas
    records = _take(conn, d, [d.c.plan_id, d.c.inspected_on, d.c.published_on, d.c.state, d.c.industry,
                              d.c.region, d.c.risk_grade, d.c.problem])
    tasks = _take(conn, td, [td.c.plan_id, td.c.credit_code])
    drawn_now = {plan_id for plan_id, *_ in _take(conn, dd, [dd.c.plan_id])}
    groups: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0])
    days: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0])
    folded = len(drawn_now)
    for plan_id, inspected, published, state, industry, region, grade, problem, n, rows in records:
        folded += rows
        for dimension, value in zip(DIMENSIONS, (industry, region, grade), strict=True):
            counts = groups[(plan_id, inspected, dimension, value)]
            counts[0] += n
            counts[1] += n * problem
        days[(plan_id, inspected, published, state)][0] += n
    _merge(conn, t.dashboard_groups, ("plan_id", "inspected_on", "dimension", "key"), ("n", "problems"), groups)
    _merge(conn, t.dashboard_days, ("plan_id", "inspected_on", "published_on", "state"), ("n",), days)
    states: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0])
    for (plan_id, _inspected, _published, state), (n,) in days.items():
        states[(plan_id, state)][0] += n
    _merge(conn, t.plan_states, ("plan_id", "state"), ("n",), states)
    per_plan: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0])
    per_code: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0])
    years = _draw_years(conn, {plan_id for plan_id, *_ in tasks} | drawn_now)
    for plan_id, code, n, rows in tasks:
        folded += rows
        per_plan[(plan_id,)][0] += n
        if plan_id in years and plan_id not in drawn_now:
            per_code[(years[plan_id], code)][0] += n
    # A draw just made: its plan's tasks, as they are (its tasks' deltas are among them).
    tk = t.tasks
    for plan_id in sorted(drawn_now & years.keys()):
        for code, n in conn.execute(sa.select(tk.c.credit_code, sa.func.count())
                                    .where(tk.c.plan_id == plan_id).group_by(tk.c.credit_code)):
            per_code[(years[plan_id], code)][0] += n
    _merge(conn, t.plan_task_counts, ("plan_id",), ("n",), per_plan)
    _merge(conn, t.yearly_visits, ("year", "credit_code"), ("n",), per_code)
    return folded


def _take(conn: sa.Connection, table: sa.Table, key: list[sa.ColumnElement[Any]]) -> list[tuple[Any, ...]]:
    """The deltas grouped by ``key``, with their sum (when they have one) and number of rows,
    deleted as read: the same rows, in ``_turn``'s one snapshot."""
    sums = [sa.func.sum(table.c.n)] if "n" in table.c else []
    rows = [tuple(row) for row in conn.execute(sa.select(*key, *sums, sa.func.count()).group_by(*key))]
    conn.execute(sa.delete(table))
    return rows


def _draw_years(conn: sa.Connection, plan_ids: set[str]) -> dict[str, int]:
    """The year (China time) each of these plans was drawn in, for those drawn."""
    dr = t.draws
    return {plan_id: as_utc(at).astimezone(CHINA).year for plan_id, at in conn.execute(
        sa.select(dr.c.plan_id, dr.c.drawn_at).where(dr.c.plan_id.in_(sorted(plan_ids))))}


def _merge(conn: sa.Connection, table: sa.Table, keys: Sequence[str], values: Sequence[str],
           changes: dict[tuple[Any, ...], list[int]]) -> None:
    """Add ``changes`` (key → value deltas) to ``table``'s counts: rows found are updated,
    missing ones inserted, and rows whose counts reach 0 deleted (a count is never kept at 0,
    so the tables hold only what the rows say). Keys may hold NULL (a record without a plan or
    an industry): matched as equal, as GROUP BY does."""
    changes = {k: v for k, v in changes.items() if any(v)}
    if not changes:
        return
    key_cols = [table.c[k] for k in keys]
    has_id = "id" in table.c
    found: dict[tuple[Any, ...], tuple[Any, list[int]]] = {}
    plain = [k for k in changes if None not in k]
    selected = [table.c.id if has_id else sa.literal(None), *key_cols, *(table.c[v] for v in values)]
    queries = [sa.select(*selected).where(sa.tuple_(*key_cols).in_(chunk))
               for chunk in in_chunks(plain, _CHUNK)]
    if len(plain) < len(changes):
        queries.append(sa.select(*selected).where(sa.or_(*(c.is_(None) for c in key_cols))))
    for query in queries:
        for row in conn.execute(query):
            found[tuple(row[1:1 + len(keys)])] = (row[0], list(row[1 + len(keys):]))
    updates: list[dict[str, Any]] = []
    inserts: list[dict[str, Any]] = []
    deletes: list[dict[str, Any]] = []
    for key, delta in changes.items():
        if key in found:
            row_id, now = found[key]
            total = [a + b for a, b in zip(now, delta, strict=True)]
            ident = {"b_id": row_id} if has_id else {f"b_{k}": v for k, v in zip(keys, key, strict=True)}
            (deletes if not any(total) else updates).append(
                {**ident, **{f"b_{v}": x for v, x in zip(values, total, strict=True)}})
        else:
            inserts.append({**dict(zip(keys, key, strict=True)), **dict(zip(values, delta, strict=True))})
    where = ([table.c.id == sa.bindparam("b_id")] if has_id
             else [c == sa.bindparam(f"b_{c.key}") for c in key_cols])
    if updates:
        conn.execute(table.update().where(*where).values({v: sa.bindparam(f"b_{v}") for v in values}),
                     updates)
    if deletes:
        conn.execute(table.delete().where(*where), deletes)
    if inserts:
        conn.execute(table.insert(), inserts)


# --- rebuilding ------------------------------------------------------------------------------


def rebuild(conn: sa.Connection) -> dict[str, int]:
    """Every count recomputed from the rows, set-based, and every delta dropped (the rows already
    say what they said): for ``aggregates rebuild``, a bulk load that bypassed the triggers, or a
    doubt. Rows written per table. Like ``fold``, alone and in one snapshot (``rebuild_now``)."""
    for table in (t.aggregate_deltas, t.task_deltas, t.draw_deltas, t.dashboard_groups, t.dashboard_days,
                  t.plan_states, t.plan_task_counts, t.yearly_visits):
        conn.execute(sa.delete(table))
    r, tk, written = t.records, t.tasks, {}
    for dimension in DIMENSIONS:
        value = r.c[_DIMENSION_COLUMNS[dimension]]
        conn.execute(t.dashboard_groups.insert().from_select(
            ["plan_id", "inspected_on", "dimension", "key", "n", "problems"],
            sa.select(r.c.plan_id, r.c.inspected_on, sa.literal(dimension), value, sa.func.count(),
                      sa.func.sum(_problem(r.c.outcome)))
            .where(*_counted()).group_by(r.c.plan_id, r.c.inspected_on, value)))
    conn.execute(t.dashboard_days.insert().from_select(
        ["plan_id", "inspected_on", "published_on", "state", "n"],
        sa.select(r.c.plan_id, r.c.inspected_on, r.c.published_on, r.c.state, sa.func.count())
        .where(*_counted()).group_by(r.c.plan_id, r.c.inspected_on, r.c.published_on, r.c.state)))
    conn.execute(t.plan_states.insert().from_select(
        ["plan_id", "state", "n"],
        sa.select(r.c.plan_id, r.c.state, sa.func.count()).where(*_counted()).group_by(r.c.plan_id, r.c.state)))
    conn.execute(t.plan_task_counts.insert().from_select(
        ["plan_id", "n"], sa.select(tk.c.plan_id, sa.func.count()).group_by(tk.c.plan_id)))
    by_year: dict[int, list[str]] = defaultdict(list)
    for plan_id, at in conn.execute(sa.select(t.draws.c.plan_id, t.draws.c.drawn_at)):
        by_year[as_utc(at).astimezone(CHINA).year].append(plan_id)
    for year, plan_ids in sorted(by_year.items()):
        conn.execute(t.yearly_visits.insert().from_select(
            ["year", "credit_code", "n"],
            sa.select(sa.literal(year), tk.c.credit_code, sa.func.count())
            .where(tk.c.plan_id.in_(plan_ids)).group_by(tk.c.credit_code)))
    for table in (t.dashboard_groups, t.dashboard_days, t.plan_states, t.plan_task_counts, t.yearly_visits):
        written[table.name] = int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())
    return written


# --- reading ---------------------------------------------------------------------------------


def _scope(table: sa.Table | sa.TableClause, plan_ids: Sequence[str], start: dt.date | None,
           end: dt.date | None) -> list[sa.ColumnElement[bool]]:
    where: list[sa.ColumnElement[bool]] = [table.c.plan_id.in_(plan_ids)]
    if start is not None:
        where.append(table.c.inspected_on >= start)
    if end is not None:
        where.append(table.c.inspected_on <= end)
    return where


def group_counts(conn: sa.Connection, plan_ids: Sequence[str], start: dt.date | None,
                 end: dt.date | None) -> list[tuple[str, str | None, int, int]]:
    """(dimension, key, results, with problems) over these plans and inspection days."""
    g, d = t.dashboard_groups, t.aggregate_deltas
    parts: list[sa.Select[Any]] = [
        sa.select(g.c.dimension, g.c.key, g.c.n, g.c.problems).where(*_scope(g, plan_ids, start, end))]
    for dimension in DIMENSIONS:
        parts.append(sa.select(sa.literal(dimension), d.c[_DIMENSION_COLUMNS[dimension]], d.c.n,
                               d.c.n * d.c.problem).where(*_scope(d, plan_ids, start, end)))
    union = sa.union_all(*parts).subquery()
    dim, key, n, problems = union.c
    return [(a, b, int(c), int(e)) for a, b, c, e in conn.execute(
        sa.select(dim, key, sa.func.sum(n), sa.func.sum(problems)).group_by(dim, key)
        .having(sa.func.sum(n) != 0))]


def _days(plan_ids: Sequence[str], start: dt.date | None, end: dt.date | None) -> sa.Subquery:
    dd, d = t.dashboard_days, t.aggregate_deltas
    return sa.union_all(
        sa.select(dd.c.plan_id, dd.c.inspected_on, dd.c.published_on, dd.c.state, dd.c.n)
        .where(*_scope(dd, plan_ids, start, end)),
        sa.select(d.c.plan_id, d.c.inspected_on, d.c.published_on, d.c.state, d.c.n)
        .where(*_scope(d, plan_ids, start, end))).subquery()


def publication_days(conn: sa.Connection, plan_ids: Sequence[str], start: dt.date | None,
                     end: dt.date | None) -> dict[tuple[dt.date, dt.date | None], int]:
    """Results by (inspection day, publication day or None) over these plans and days: grouped
    in the database (a few thousand pairs from a few hundred thousand counts)."""
    days = _days(plan_ids, start, end)
    total = sa.func.sum(days.c.n)
    return {(a, b): int(n) for a, b, n in conn.execute(
        sa.select(days.c.inspected_on, days.c.published_on, total)
        .group_by(days.c.inspected_on, days.c.published_on).having(total != 0))}


def plan_state_counts(conn: sa.Connection, plan_ids: Sequence[str], start: dt.date | None = None,
                      end: dt.date | None = None) -> dict[tuple[str | None, str], int]:
    """Results by (plan, state) over these plans and days: from the few rows of ``plan_states`` without a period, else grouped from the days."""
    if start is None and end is None:
        ps, d = t.plan_states, t.aggregate_deltas
        union = sa.union_all(
            sa.select(ps.c.plan_id, ps.c.state, ps.c.n).where(ps.c.plan_id.in_(plan_ids)),
            sa.select(d.c.plan_id, d.c.state, d.c.n).where(d.c.plan_id.in_(plan_ids))).subquery()
    else:
        union = _days(plan_ids, start, end)
    total = sa.func.sum(union.c.n)
    return {(a, b): int(n) for a, b, n in conn.execute(
        sa.select(union.c.plan_id, union.c.state, total).group_by(union.c.plan_id, union.c.state)
        .having(total != 0))}


def task_counts(conn: sa.Connection, plan_ids: Sequence[str]) -> dict[str, int]:
    """Tasks per plan."""
    p, d = t.plan_task_counts, t.task_deltas
    union = sa.union_all(sa.select(p.c.plan_id, p.c.n).where(p.c.plan_id.in_(plan_ids)),
                         sa.select(d.c.plan_id, d.c.n).where(d.c.plan_id.in_(plan_ids))).subquery()
    return {plan_id: int(n) for plan_id, n in conn.execute(
        sa.select(union.c.plan_id, sa.func.sum(union.c.n)).group_by(union.c.plan_id))}


def frequent(conn: sa.Connection, year: int, drawn: Sequence[str], after: int,
             limit: int) -> list[tuple[str, int]]:
    """The enterprises with more than ``after`` tasks in the plans drawn in ``year`` (``drawn``),
    most first, then by credit code: at most ``limit``. Read from the top of an index while no
    delta of those plans waits; else, in one statement, the counts, the waiting task deltas, and
    the tasks of a plan whose draw waits (its tasks' deltas are then among them)."""
    v, td, dd, tk = t.yearly_visits, t.task_deltas, t.draw_deltas, t.tasks
    waiting = any(conn.execute(sa.select(sa.literal(1)).where(d.c.plan_id.in_(drawn)).limit(1)).first()
                  for d in (td, dd))
    if not waiting:
        return [(code, int(n)) for code, n in conn.execute(
            sa.select(v.c.credit_code, v.c.n).where(v.c.year == year, v.c.n > after)
            .order_by(v.c.n.desc(), v.c.credit_code).limit(limit))]
    new_draws = sa.select(dd.c.plan_id).where(dd.c.plan_id.in_(drawn))
    union = sa.union_all(
        sa.select(v.c.credit_code, v.c.n).where(v.c.year == year),
        sa.select(td.c.credit_code, td.c.n).where(td.c.plan_id.in_(drawn), td.c.plan_id.not_in(new_draws)),
        sa.select(tk.c.credit_code, sa.literal(1)).where(tk.c.plan_id.in_(new_draws))).subquery()
    code, n = union.c
    total = sa.func.sum(n)
    return [(c, int(x)) for c, x in conn.execute(
        sa.select(code, total).group_by(code).having(total > after)
        .order_by(total.desc(), code).limit(limit))]


def published_per_plan(conn: sa.Connection) -> dict[str | None, int]:
    """Current published results per plan (counted or waiting as a delta), every plan's."""
    ps, d = t.plan_states, t.aggregate_deltas
    union = sa.union_all(sa.select(ps.c.plan_id, ps.c.n).where(ps.c.state == "published"),
                         sa.select(d.c.plan_id, d.c.n).where(d.c.state == "published")).subquery()
    return {plan_id: int(n) for plan_id, n in conn.execute(
        sa.select(union.c.plan_id, sa.func.sum(union.c.n)).group_by(union.c.plan_id))}


def published_total(conn: sa.Connection) -> int:
    """Current published results, every plan's: what /results lists before a withdrawn one is
    taken away."""
    return sum(published_per_plan(conn).values())
