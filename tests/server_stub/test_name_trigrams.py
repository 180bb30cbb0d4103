"""The searches by part of a name or credit code read PostgreSQL's trigram indexes (migration
0027, issue 29 point 4), not every entity: 0.3 s a search at 1 M entities before them."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa
from alembic import command

from bench.aggregate import fill
from server_stub.core import tables as t
from server_stub.core.db import make_engine, migrate
from server_stub.directory.search import entity_details, search_entities
from server_stub.publication.announcements import enterprise_results, named_or_coded
from server_stub.records import ingest
from tests.conftest import PG_URL
from tests.utils.migrations import migrate_to
from tests.utils.statements import selects_run

pytestmark = pytest.mark.skipif(PG_URL is None, reason="needs ZSC_TEST_PG_URL (PostgreSQL)")


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    engine = make_engine(database_url)
    migrate(engine)
    with engine.begin() as conn:
        conn.execute(t.entities.insert(), [
            {"credit_code": f"91370200MA{n:07d}X", "name": f"青岛{'市场检查' if n % 50 == 0 else '海滨'}第{n}号商贸有限公司",
             "address": "山东省青岛市", "region": "市南区", "industry": "批发业", "risk_grade": "B",
             "status": "存续"} for n in range(1000)])
        conn.exec_driver_sql("ANALYZE entities")
    yield engine
    engine.dispose()


def test_the_migration_builds_both_indexes(engine: sa.Engine) -> None:
    with engine.connect() as conn:
        found = set(conn.exec_driver_sql(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'entities' AND indexname LIKE %s", ("%\\_trgm",)).scalars())
    assert found == {"ix_entities_name_trgm", "ix_entities_credit_code_trgm"}


def test_the_codes_index_moves_onto_its_upper_case_and_back(engine: sa.Engine) -> None:
    """Migration 0029 rebuilds the code's index on the expression the searches compare, and its
    downgrade puts back 0027's."""
    def definition() -> str:
        with engine.connect() as conn:
            return str(conn.exec_driver_sql("SELECT indexdef FROM pg_indexes WHERE indexname = "
                                            "'ix_entities_credit_code_trgm'").scalar_one())

    assert "upper((credit_code)::text) gin_trgm_ops" in definition()
    migrate_to(engine, "0028", command.downgrade)
    assert "(credit_code gin_trgm_ops)" in definition()
    migrate(engine)
    assert "upper((credit_code)::text) gin_trgm_ops" in definition()


def plans(engine: sa.Engine, call: Callable[[sa.Connection], object]) -> list[str]:
    """The plan of every statement ``call`` runs on ``entities``, the sequential scan priced out
    (on a thousand rows it is the cheaper plan; at a million it is 0.3 s): whether the index
    can answer the statement at all."""
    seen = selects_run(engine, call, "entities")
    with engine.connect() as conn:
        conn.exec_driver_sql("SET enable_seqscan = off")
        return ["\n".join(conn.exec_driver_sql("EXPLAIN " + statement, parameters).scalars())  # type: ignore[arg-type]
                for statement, parameters in seen]


@pytest.mark.parametrize("call, index", [
    (lambda c: search_entities(c, "市场检查", 1), "ix_entities_name_trgm"),
    (lambda c: search_entities(c, "MA00001", 1), "ix_entities_credit_code_trgm"),
], ids=["directory search by a name's part", "directory search by a code's part"])
def test_searches_by_a_part_read_the_index(engine: sa.Engine, call: Callable[[sa.Connection], object],
                                           index: str) -> None:
    [plan, *_] = plans(engine, call)
    assert f"Bitmap Index Scan on {index}" in plan, plan


@pytest.mark.parametrize("call", [
    lambda c: c.execute(ingest._TASK_QUERY, {"task_ids": ["WH-2026-SP-01-00001", "WH-2026-SP-01-00002"]}).all(),
    lambda c: c.execute(sa.select(t.entities.c.credit_code).where(named_or_coded("91370200MA0000010X"))).all(),
    lambda c: entity_details(c, "91370200MA0000010X"),
], ids=["the tasks of a batch of records", "a public search by a whole code", "an enterprise's details"])
def test_a_whole_code_is_looked_up_by_its_key_not_its_trigrams(engine: sa.Engine,
                                                              call: Callable[[sa.Connection], object]) -> None:
    """A credit code compared whole reads the key. The trigram index answered ``=`` too (pg_trgm
    1.4), and the planner chose it: 2 ms a code instead of a few µs, 10 ms of PostgreSQL's CPU
    for each batch of five records a phone sent (``bench/crowd.py``)."""
    for plan in plans(engine, call):
        assert "_trgm" not in plan, plan


def test_the_public_search_by_a_names_part_reads_the_index(database_url: str) -> None:
    """With published results to look through (``bench.aggregate``'s rows), the public search
    starts from the names' index, not from the records."""
    engine = make_engine(database_url)
    migrate(engine)
    fill(engine, 6000, 2000, random.Random(5), drawn=True)
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
        name = conn.execute(sa.select(t.entities.c.name).order_by(t.entities.c.credit_code).limit(1)).scalar_one()
    [plan, *_] = plans(engine, lambda c: enterprise_results(c, name[2:5]))
    engine.dispose()
    assert "Bitmap Index Scan on ix_entities_name_trgm" in plan, plan


def test_what_the_index_finds_is_what_a_scan_finds(engine: sa.Engine) -> None:
    with engine.connect() as conn:
        found, more = search_entities(conn, "市场检查", 1)
        assert not more and len(found) == 20
        assert all("市场检查" in row["name"] for row in found)
        found, _ = search_entities(conn, "MA000010", 1)
        assert [row["credit_code"] for row in found] == [f"91370200MA{n:07d}X" for n in range(100, 110)]
