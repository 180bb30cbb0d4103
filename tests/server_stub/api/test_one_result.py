"""One task, one current result (DESIGN §11, issue 23 point 2): a second record for a task that
already has one is refused, naming the record that holds it and who made it; a revision that
names the returned record in ``supersedes`` is the only way to replace it."""

from __future__ import annotations

import threading
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from server_stub.core import tables as t
from server_stub.core.db import make_engine
from tests.conftest import Server
from tests.server_stub.api.test_review import enrol_people, submit
from tests.utils.phone import Phone


@pytest.fixture
def server(app_server: Server) -> Server:
    return app_server


def records_of(server: Server, task_id: str) -> list[tuple[str, bool]]:
    engine = make_engine(server.db)
    with engine.begin() as conn:
        rows = conn.execute(sa.select(t.records.c.id, t.records.c.superseded)
                            .where(t.records.c.task_id == task_id)
                            .order_by(t.records.c.received_at)).all()
    engine.dispose()
    return [(r.id, r.superseded) for r in rows]


def teammate_of(phone: Phone, task: dict[str, Any]) -> Phone:
    other = next(m["id"] for m in task["team"] if m["id"] != phone.inspector_id)
    return Phone(phone.server, other).enroll()


def error(answer: httpx.Response) -> dict[str, str]:
    found: dict[str, str] = answer.json()["error"]
    return found


def test_a_teammates_second_record_is_refused_naming_the_first(server: Server) -> None:
    inspector, supervisor = enrol_people(server)
    task = inspector.tasks()[0]
    first = submit(inspector, task)["record"]["id"]
    teammate = teammate_of(inspector, task)
    second = teammate.record(task, outcome="不配合检查情节严重")
    answer = teammate.client.post("/api/v1/records", json=second)
    name = next(m["name"] for m in task["team"] if m["id"] == inspector.inspector_id)
    assert answer.status_code == 409 and error(answer)["code"] == "task_has_record"
    assert f"该任务已由 {name} 提交记录（记录编号 {first}）" in error(answer)["message"]
    assert "如需更正，请由其修订" in error(answer)["message"]
    assert records_of(server, task["id"]) == [(first, False)]
    assert teammate.client.post("/api/v1/records", json=second).status_code == 409, "and again"

    # The holder's revision of the returned record is the way to change the result.
    assert supervisor.client.post(f"/api/v1/review/records/{first}/return",
                                  json={"comment": "请补充"}).status_code == 204
    still = teammate.client.post("/api/v1/records", json=teammate.record(task))
    assert still.status_code == 409, "a returned record still holds its task until it is revised"
    mine = inspector.client.get(f"/api/v1/records/{first}").json()
    revision = submit(inspector, task, note="已补充", supersedes=mine["hash"])
    assert records_of(server, task["id"]) == [(first, True), (revision["record"]["id"], False)]


def test_the_same_inspector_on_a_new_device_is_told_so(server: Server) -> None:
    inspector, _ = enrol_people(server)
    task = inspector.tasks()[0]
    first = submit(inspector, task)["record"]["id"]
    new_phone = Phone(server, inspector.inspector_id).enroll()
    answer = new_phone.client.post("/api/v1/records", json=new_phone.record(task))
    assert answer.status_code == 409 and error(answer)["code"] == "task_has_record"
    assert f"该任务已由您在另一台设备上提交记录（记录编号 {first}）" in error(answer)["message"]
    assert records_of(server, task["id"]) == [(first, False)]


def test_two_records_at_once_leave_one(server: Server) -> None:
    inspector, _ = enrol_people(server)
    task = inspector.tasks()[1]
    teammate = teammate_of(inspector, task)
    envelopes = [(inspector, inspector.record(task)), (teammate, teammate.record(task))]
    answers: list[int] = []
    start = threading.Barrier(2)

    def send(phone: Phone, envelope: dict[str, Any]) -> None:
        start.wait()
        answers.append(phone.client.post("/api/v1/records", json=envelope).status_code)

    threads = [threading.Thread(target=send, args=pair) for pair in envelopes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [201, 409]
    assert len(records_of(server, task["id"])) == 1


def test_the_second_phone_keeps_the_refused_record_and_says_why(server: Server, tmp_path: Any) -> None:
    """On the teammate's phone: the record stays in the store, 平台拒收 with the platform's words
    (the sync tab shows them under the record)."""
    from app.services.sync_service import SyncService
    from app.store import Enrolment, LocalStore
    from app.viewmodels.sync import SyncModel
    from sync import record_hash

    inspector, _ = enrol_people(server)
    task = inspector.tasks()[0]
    submit(inspector, task)
    teammate = teammate_of(inspector, task)
    store = LocalStore.open(tmp_path / "phone.db")
    store.save_enrolment(Enrolment(server.url, teammate.device_id, teammate.token, "inspector",
                                   {"id": teammate.inspector_id}, "2026-03-01T08:00:00+08:00"))
    envelope = teammate.record(task)
    store.add_signed_record(envelope, record_hash(envelope["record"]), envelope["record"]["finished_at"])
    service = SyncService(store, store.enrolment(), timeout=10)  # type: ignore[arg-type]
    service.run()
    (kept,) = store.records(task["id"])
    assert kept["id"] == envelope["record"]["id"] and kept["outbox"] == "rejected"
    assert "该任务已由" in kept["error"] and "如需更正，请由其修订" in kept["error"]
    (line,) = SyncModel(service, interval_seconds=60).records()
    assert line.state == "rejected" and line.error == kept["error"]
