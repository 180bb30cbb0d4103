"""Fixtures of the platform's tests that run in this process, on a fresh database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from server_stub.core.db import make_engine, migrate
from server_stub.directory import queries
from server_stub.directory.demo import generate
from tests.utils.actors import TESTER


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    """A migrated database holding a 1,500-entity demo directory (the same one every time)."""
    engine = make_engine(database_url)
    migrate(engine)
    demo = generate(entities=1500, seed=5)
    with engine.begin() as conn:
        queries.save_items(conn, items=demo.items, actor=TESTER)
        queries.save_entities(conn, entities=demo.entities, actor=TESTER)
        queries.save_inspectors(conn, inspectors=demo.inspectors, actor=TESTER)
    yield engine
    engine.dispose()
