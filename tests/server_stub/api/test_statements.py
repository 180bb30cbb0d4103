"""What one upload costs the database (issue 12, point 6): a budget of SQL statements per photo
and per record, so that a change adding round trips to the hottest path shows here.

Counted in the server's own process (the app under ``TestClient``), every statement but the
transactions' own BEGIN and the connections' PRAGMAs: the device lookup included.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from fastapi.testclient import TestClient

from server_stub.cli import cli
from server_stub.core.admin_token import admin_token
from server_stub.core.config import Settings
from server_stub.directory.queries import busiest_inspector
from server_stub.main import create_app
from sync import public_key_b64
from tests.conftest import Server
from tests.utils.phone import Phone, jpeg
from tests.utils.workload import drawn_long_ago

COUNTED = re.compile(r"\s*(SELECT|INSERT|UPDATE|DELETE|SAVEPOINT|RELEASE|ROLLBACK TO)", re.IGNORECASE)


@dataclass
class Platform:
    client: TestClient
    phone: Phone
    statements: list[str]


@pytest.fixture
def platform(tmp_path: Path, database_url: str) -> Iterator[Platform]:
    data = tmp_path / "data"
    CliRunner().invoke(cli, ["seed-demo", "--entities", "300", "--data", str(data), "--db", database_url],
                       catch_exceptions=False)
    drawn_long_ago(database_url)  # before the visit Phone signs at a fixed time
    app = create_app(Settings.from_env(data, database_url))
    with app.state.engine.connect() as conn:
        inspector = busiest_inspector(conn)
    assert inspector is not None
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if COUNTED.match(statement):
            statements.append(statement)

    sa.event.listen(app.state.engine, "before_cursor_execute", count)
    with TestClient(app, base_url="http://platform") as client:
        phone = Phone(Server("http://platform", data, database_url), inspector)
        code = client.post("/api/v1/enrollment-codes", json={"inspector_id": inspector},
                           headers={"Authorization": f"Bearer {admin_token(data)}"}).json()["code"]
        enrolled = client.post("/api/v1/enroll", json={"code": code, "public_key": public_key_b64(phone.key),
                                                       "device_name": "测试手机"}).json()
        phone.device_id, phone.token = enrolled["device_id"], enrolled["token"]
        client.headers["Authorization"] = f"Bearer {phone.token}"
        yield Platform(client, phone, statements)
    app.state.engine.dispose()


def test_statements_per_photo_and_record(platform: Platform) -> None:
    client, phone, statements = platform.client, platform.phone, platform.statements
    task = client.get("/api/v1/tasks").json()["tasks"][0]
    photo = jpeg(3)
    name = hashlib.sha256(photo).hexdigest()
    envelope = phone.record(task, photos=[photo])

    statements.clear()
    assert client.put(f"/api/v1/photos/{name}", content=photo).status_code == 201
    # The device, the photo, who sent it, records waiting for it.
    assert len(statements) <= 4, statements

    statements.clear()
    assert client.post("/api/v1/records", json=envelope).status_code == 201
    # The device, a repeat?, the task (locked), the chain's head, the task's current record
    # (issue 23), the photos sent, the record, its photos; on PostgreSQL the device's row is
    # locked first, so that two calls of one device read the chain's head in turn.
    locks = client.app.state.engine.dialect.name == "postgresql"
    assert len(statements) <= 8 + locks, statements

    statements.clear()
    assert client.post("/api/v1/records", json=envelope).status_code == 200
    assert len(statements) <= 6, statements


def test_statements_per_batch(platform: Platform) -> None:
    """A batch reads what its records need once for all of them (issue 29 point 3): the device,
    the ids held, the tasks (locked), the items' 检查方式, the chain's head, the tasks' current
    records and the photos sent, seven statements (and, on PostgreSQL, the device's row
    locked); then per record the record and its photos. Before, each record made its own six
    reads and a savepoint."""
    client, phone, statements = platform.client, platform.phone, platform.statements
    tasks = client.get("/api/v1/tasks").json()["tasks"]
    assert len(tasks) >= 3
    envelopes = []
    for n, task in enumerate(tasks):
        photo = jpeg(10 + n)
        assert client.put(f"/api/v1/photos/{hashlib.sha256(photo).hexdigest()}", content=photo).status_code == 201
        envelopes.append(phone.record(task, photos=[photo]))

    statements.clear()
    answer = client.post("/api/v1/records/batch", json={"records": envelopes})
    assert [r["status"] for r in answer.json()["results"]] == [201] * len(tasks)
    locks = client.app.state.engine.dialect.name == "postgresql"
    assert len(statements) <= 7 + locks + 2 * len(tasks), statements
