"""bench/aggregate.py's PostgreSQL load (``fill_on_server``: rows made by the database, the
secondary indexes dropped and made again) gives the same kind of rows as ``fill``: the
dashboard's aggregates equal a full recount on them, /results' total its rows, and the tables
keep every index they had."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa

from bench.aggregate import OUTCOMES, fill_on_server
from server_stub.core import tables as t
from server_stub.core.db import make_engine, migrate
from server_stub.directory.demo import SAMR
from server_stub.publication import dashboard
from server_stub.publication.aggregates import rebuild_now
from server_stub.publication.announcements import count_results
from server_stub.publication.results import all_results
from tests.conftest import PG_URL

INDEXES = ("SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ('records', 'tasks') "
           "ORDER BY indexname")


@pytest.mark.postgres
@pytest.mark.skipif(PG_URL is None, reason="needs ZSC_TEST_PG_URL (PostgreSQL)")
def test_rows_made_by_postgresql_count_as_the_dashboard_counts(database_url: str) -> None:
    engine = make_engine(database_url)
    migrate(engine)
    with engine.connect() as conn:
        indexes = conn.execute(sa.text(INDEXES)).all()
    fill_on_server(engine, 2500, 300, chunk=1000)
    rebuild_now(engine)
    r = t.records
    with engine.begin() as conn:
        assert conn.execute(sa.text(INDEXES)).all() == indexes
        assert conn.execute(sa.select(sa.func.count()).select_from(r)).scalar_one() == 2500
        assert conn.execute(sa.select(sa.func.count()).select_from(t.tasks)).scalar_one() == 2500
        states: dict[str, int] = dict(conn.execute(sa.select(r.c.state, sa.func.count()).group_by(r.c.state)).all())
        assert set(states) == {"submitted", "approved", "published"} and states["published"] > 1200
        assert set(conn.execute(sa.select(r.c.outcome).distinct()).scalars()) == set(OUTCOMES)
        assert conn.execute(sa.select(sa.func.count()).where(
            (r.c.state == "published") != r.c.published_at.is_not(None))).scalar_one() == 0
        for period, plan_id in ((dashboard.Period(), None),
                                (dashboard.Period(dt.date(2026, 3, 1), dt.date(2026, 8, 31)), "P03")):
            args: dict[str, Any] = {"today": dt.date(2026, 12, 31), "period": period, "plan_id": plan_id}
            assert dashboard.build(conn, SAMR, **args) == dashboard.recount(conn, SAMR, **args)
        assert all_results(conn) == count_results(conn) == states["published"]
    engine.dispose()
