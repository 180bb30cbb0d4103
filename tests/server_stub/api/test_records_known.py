"""``POST /api/v1/records/known`` (issue 30 point 3): which of a phone's acknowledged records the
platform holds; a device learns nothing of another's."""

from __future__ import annotations

import httpx
import pytest

from sync import new_record_id
from tests.conftest import Server
from tests.utils.phone import Phone, busiest_inspector
from tests.utils.workload import add_tasks


def test_known_answers_held_and_unknown_for_the_device_alone(app_server: Server) -> None:
    inspector = busiest_inspector(app_server)
    tasks = add_tasks(app_server.db, [inspector, inspector], 1)[inspector]
    mine = Phone(app_server, inspector, task_ids=tuple(tasks[:1])).enroll()
    other = Phone(app_server, inspector, task_ids=tuple(tasks[1:])).enroll()
    sent = []
    for phone in (mine, other):
        envelope = phone.record(phone.tasks()[0])
        with phone.client as client:
            assert client.post("/api/v1/records", json=envelope).status_code == 201
        sent.append(envelope["record"]["id"])
    lost = new_record_id()
    with mine.client as client:
        assert client.post("/api/v1/records/known", json={"ids": []}).json() == \
            {"held": 1, "unknown": []}
        answer = client.post("/api/v1/records/known", json={"ids": [sent[0], sent[1], lost]})
        assert answer.status_code == 200
        # the other phone's record is answered as one the platform does not have
        assert answer.json() == {"held": 1, "unknown": [sent[1], lost]}
        too_many = client.post("/api/v1/records/known", json={"ids": [lost] * 1001})
        assert too_many.status_code == 400
    assert httpx.post(f"{app_server.url}/api/v1/records/known", json={"ids": []}).status_code == 401


@pytest.mark.parametrize("body", [{"ids": "x"}, {"ids": ["x" * 37]}])
def test_malformed_questions_are_400(app_server: Server, body: dict[str, object]) -> None:
    phone = Phone(app_server, busiest_inspector(app_server)).enroll()
    with phone.client as client:
        assert client.post("/api/v1/records/known", json=body).status_code == 400
