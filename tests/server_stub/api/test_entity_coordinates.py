"""The registered address's coordinates reach the inspector's tasks and the reviewer's detail,
or say plainly that there are none; never a risk grade beside them."""

from __future__ import annotations

import sqlalchemy as sa

from server_stub.core import tables as t
from server_stub.core.db import make_engine
from tests.conftest import Server
from tests.server_stub.api.test_review import enrol_people, submit


def stored(server: Server, credit_code: str) -> tuple[float | None, float | None]:
    engine = make_engine(server.db)
    with engine.begin() as conn:
        row = conn.execute(sa.select(t.entities.c.lat, t.entities.c.lon)
                           .where(t.entities.c.credit_code == credit_code)).one()
    engine.dispose()
    return row.lat, row.lon


def forget_coordinates(server: Server, credit_code: str) -> None:
    engine = make_engine(server.db)
    with engine.begin() as conn:
        conn.execute(t.entities.update().where(t.entities.c.credit_code == credit_code)
                     .values(lat=None, lon=None))
    engine.dispose()


def test_tasks_and_review_carry_the_registered_coordinates(app_server: Server) -> None:
    inspector, supervisor = enrol_people(app_server)
    tasks = inspector.tasks()
    first, second = tasks[0], tasks[1]
    lat, lon = stored(app_server, first["credit_code"])
    assert lat is not None and lon is not None, "the demo directory has coordinates"
    assert (first["entity"]["lat"], first["entity"]["lon"]) == (lat, lon)
    assert 36.5 < lat < 37.8 and 121.2 < lon < 122.8, "around 威海"
    for task in tasks:
        assert "risk_grade" not in task["entity"]

    envelope = submit(inspector, first)
    detail = supervisor.client.get(f"/api/v1/review/records/{envelope['record']['id']}").json()
    assert (detail["entity"]["lat"], detail["entity"]["lon"]) == (lat, lon)
    assert detail["record"]["location"]["lat"] == 37.5
    assert set(detail["entity"]) == {"name", "address", "credit_code", "lat", "lon"}

    forget_coordinates(app_server, second["credit_code"])
    bare = next(x for x in inspector.tasks() if x["id"] == second["id"])
    assert (bare["entity"]["lat"], bare["entity"]["lon"]) == (None, None)
    envelope = submit(inspector, bare)
    detail = supervisor.client.get(f"/api/v1/review/records/{envelope['record']['id']}").json()
    assert (detail["entity"]["lat"], detail["entity"]["lon"]) == (None, None)
