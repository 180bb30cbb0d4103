"""The public pages' plans on SQLite (issue 29 point 4): /results newest first walks
``ix_records_published_order`` and sorts nothing, after a cursor two ranges of it, the searches and
the announcements list read records by key, with no statistics (a new database: nothing runs
ANALYZE) and with those of a large one. Without statistics the planner, left alone, preferred
``ix_records_state`` and sorted every published record (8.8 s at 1 M records in the bench).

The statements are the ones the functions run (caught as they execute), asked for their plan
with their own parameters."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from bench.aggregate import fill
from server_stub.core.db import make_engine, migrate
from server_stub.publication.announcements import enterprise_results, list_announcements
from server_stub.publication.results import BY_PUBLICATION, published_results
from tests.utils.statements import selects_run

STATS = [
    # ANALYZE of the bench's 200,000 records (python -m bench.aggregate --records 200000
    # --entities 20000); publications as if 120,000 results were published, a few withdrawn.
    ("entities", "sqlite_autoindex_entities_1", "20000 1"),
    ("records", "ix_records_credit_code", "200000 10"),
    ("records", "ix_records_dash_days", "200000 200000 556 14 2 2"),
    ("records", "ix_records_dash_groups", "200000 200000 18182 2273 582 47 16 8 1"),
    ("records", "ix_records_dash_tasks", "200000 200000 10000 1 1 1"),
    ("records", "ix_records_published_order", "200000 500 1 1"),
    ("records", "ix_records_state", "200000 66667"),
    ("records", "ix_records_task_id", "200000 1"),
    ("records", "sqlite_autoindex_records_1", "200000 1"),
    ("records", "sqlite_autoindex_records_2", "200000 200000 1"),
    ("records", "sqlite_autoindex_records_3", "200000 1"),
    ("tasks", "ix_tasks_credit_code", "200000 10"),
    ("tasks", "ix_tasks_plan_id", "200000 10000"),
    ("tasks", "sqlite_autoindex_tasks_1", "200000 1"),
    ("publications", "sqlite_autoindex_publications_1", "120000 1"),
    ("publications", "ix_publications_status", "120000 40000 1"),
]


def _engine(directory: Path, statistics: bool) -> sa.Engine:
    engine = make_engine(f"sqlite:///{directory / 'plans.db'}")
    migrate(engine)
    fill(engine, 300, 100, random.Random(5), drawn=True)
    if statistics:
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")  # makes sqlite_stat1; its rows are then a large database's
            conn.exec_driver_sql("DELETE FROM sqlite_stat1")
            conn.execute(sa.text("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (:t, :i, :s)"),
                         [{"t": t, "i": i, "s": s} for t, i, s in STATS])
            conn.exec_driver_sql("ANALYZE sqlite_schema")  # read the statistics again
    return engine


@pytest.fixture(params=["no statistics", "a large database's"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    engine = _engine(tmp_path, statistics=request.param != "no statistics")
    yield engine
    engine.dispose()


def plans(engine: sa.Engine, call: Callable[[sa.Connection], object]) -> dict[str, str]:
    """Every statement ``call`` runs that reads ``records``, with its plan (one line a step)."""
    seen = selects_run(engine, call, "records")
    with engine.connect() as conn:
        return {statement: "\n".join(row[3] for row in conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN " + statement, parameters)) for statement, parameters in seen}  # type: ignore[arg-type]


def _cursor(engine: sa.Engine) -> str:
    with engine.connect() as conn:
        following = published_results(conn).next
    assert following is not None
    return following


@pytest.mark.parametrize("how", ["page 1", "page 3", "after a cursor"])
def test_the_list_reads_its_order_off_one_index(engine: sa.Engine, how: str) -> None:
    before = _cursor(engine) if how == "after a cursor" else None
    page = 3 if how == "page 3" else 1
    found = plans(engine, lambda c: published_results(c, page=page, before=before))
    [plan] = [p for s, p in found.items() if f"INDEXED BY {BY_PUBLICATION}" in s]
    reads = [line for line in plan.splitlines() if line.startswith(("SEARCH records", "SCAN records"))]
    if before is None:
        assert reads == [f"SEARCH records USING INDEX {BY_PUBLICATION} (published_at>?)"], plan
        assert "TEMP B-TREE" not in plan, plan
    else:  # the rest of the cursor's publication, then the older ones: two ranges, nothing sorted
        assert reads == [
            f"SEARCH records USING INDEX {BY_PUBLICATION} (published_at=? AND (draw_order,id)>(?,?))",
            f"SEARCH records USING INDEX {BY_PUBLICATION} (published_at>? AND published_at<?)"], plan
        lines = plan.splitlines()  # only the two ranges' at most 2 × 51 rows are put in order
        assert all(lines[n - 1].startswith("SCAN anon_") for n, line in enumerate(lines)
                   if "TEMP B-TREE" in line), plan
    for statement, plan in found.items():
        assert "SCAN records" not in plan and "ix_records_state" not in plan, (statement, plan)


@pytest.mark.parametrize("batch", [False, True], ids=["publications of a few", "one large publication"])
def test_a_page_after_a_cursor_is_the_next_page(engine: sa.Engine, batch: bool) -> None:
    """The two ranges give what the numbered pages give, across publications and inside one."""
    if batch:  # most results published at one instant: pages begin and end inside it
        with engine.begin() as conn:
            conn.exec_driver_sql("UPDATE records SET published_at = '2027-01-05 02:00:00.000000' "
                                 "WHERE state = 'published' AND seq % 4 <> 0")
    with engine.connect() as conn:
        numbered = [r["id"] for n in range(1, 4) for r in published_results(conn, page=n).rows]
        followed: list[str] = []
        before = None
        for _ in range(3):
            listing = published_results(conn, before=before)
            followed += [r["id"] for r in listing.rows]
            before = listing.next
            assert before is not None
    assert followed == numbered and len(set(followed)) == len(followed) == 150


def test_left_alone_the_planner_sorts_every_published_record(tmp_path: Path) -> None:
    """Why the hint is there: the same statement without it, on a database without statistics
    (every new one: nothing runs ANALYZE), as the bench's was."""
    engine = _engine(tmp_path, statistics=False)
    found = plans(engine, lambda c: published_results(c))
    [keys] = [s for s in found if f"INDEXED BY {BY_PUBLICATION}" in s]
    with engine.connect() as conn:
        plan = "\n".join(row[3] for row in conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN " + keys.replace(f" INDEXED BY {BY_PUBLICATION}", ""),
            ("published", "withdrawn", 51, 0)))
    engine.dispose()
    assert "ix_records_state" in plan and "USE TEMP B-TREE FOR ORDER BY" in plan, plan


@pytest.mark.parametrize("call", [
    lambda c: published_results(c, query="91"),  # a credit code's beginning or a name's part: every entity
    lambda c: published_results(c, query="有限公司", before="1800000000000000.5.x"),
    lambda c: enterprise_results(c, "有限公司"),
    list_announcements,
], ids=["search", "search after a cursor", "per enterprise", "announcements"])
def test_searches_and_the_announcements_read_records_by_key(engine: sa.Engine,
                                                            call: Callable[[sa.Connection], object]) -> None:
    for statement, plan in plans(engine, call).items():
        assert "SCAN records" not in plan and "ix_records_state" not in plan, (statement, plan)
        assert "ix_records_dash" not in plan, (statement, plan)


def test_a_whole_credit_code_is_looked_up_by_key(engine: sa.Engine) -> None:
    """No name holds a credit code: the search reads no entity's name (one pass over a million)."""
    with engine.connect() as conn:
        code = conn.execute(sa.text("SELECT credit_code FROM records WHERE state = 'published' LIMIT 1")).scalar_one()
    for call in (lambda c: published_results(c, query=code), lambda c: published_results(c, query=code.lower()),
                 lambda c: enterprise_results(c, code)):
        found = plans(engine, call)
        assert found
        for statement, plan in found.items():
            assert "SCAN entities" not in plan, (statement, plan)
    with engine.connect() as conn:
        assert published_results(conn, query=code).rows
        assert [e["credit_code"] for e in enterprise_results(conn, code.lower())] == [code]
