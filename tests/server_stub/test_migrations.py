"""The migrations build exactly the schema ``tables.py`` describes."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from server_stub.core.db import make_engine, migrate
from server_stub.core.tables import metadata


def test_migrations_match_tables(database_url: str) -> None:
    engine = make_engine(database_url)
    migrate(engine)
    migrate(engine)  # a second run is a no-op
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
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
        "state IN ('incomplete', 'submitted', 'returned', 'approved', 'published')"), \
        "migration 0009 writes these values out: change both together"
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
