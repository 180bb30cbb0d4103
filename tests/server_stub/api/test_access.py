"""The access table of docs/decisions.md, cell by cell where it says no, against a real server.

Callers: nobody (no token), an inspector's device, a supervisor's device, the administrator.
The finer rules (whose record, which department, one's own inspection, inactive staff, whose
photo) have their own tests in test_integrity.py, test_review.py and test_sync_contract.py.
"""

from __future__ import annotations

import hashlib

import httpx
import pytest

from server_stub.cli import DEMO_PLAN_ID
from server_stub.core.admin_token import admin_token
from server_stub.directory.demo import SAMR
from tests.conftest import Server
from tests.server_stub.api.test_review import SUPERVISOR_CALLS, enrol_people
from tests.utils.phone import Phone, jpeg

PHOTO = jpeg(99)
SHA = hashlib.sha256(PHOTO).hexdigest()
RECORD = "00000000-0000-4000-8000-000000000001"

ADMIN_CALLS = [
    ("POST", "/api/v1/enrollment-codes", {"inspector_id": "x"}),
    ("POST", "/api/v1/devices/D0000000000000000/revoke", None),
    ("GET", "/api/v1/chain-gaps", None),
    ("POST", "/api/v1/plans", {"id": "ACCESS-1"}),
    ("POST", f"/api/v1/plans/{DEMO_PLAN_ID}/draw", None),
    ("GET", f"/api/v1/draws/{DEMO_PLAN_ID}/audit", None),
    ("GET", "/api/v1/audit", None),
    ("PUT", f"/api/v1/departments/{SAMR}/yearly-cap", {"yearly_cap": 2}),
    ("GET", "/api/v1/province/outbox", None),
    ("POST", "/api/v1/province/outbox/retry", {}),
]
DEVICE_CALLS = [
    ("GET", "/api/v1/tasks", None),
    ("POST", "/api/v1/records", {"record": {}, "sig": "", "key_id": ""}),
    ("POST", "/api/v1/records/batch", {"records": []}),
    ("POST", "/api/v1/photos/missing", {"sha256": [SHA]}),
    ("GET", f"/api/v1/records/{RECORD}", None),
    ("PUT", f"/api/v1/photos/{SHA}", PHOTO),
    ("GET", f"/api/v1/photos/{SHA}", None),
    ("GET", f"/api/v1/photos/{SHA}/thumbnail", None),
    ("GET", "/api/v1/enterprises?q=有限", None),
    ("GET", "/api/v1/enterprises/91371002000102971C", None),
]
ALL_SUPERVISOR_CALLS = [*SUPERVISOR_CALLS, ("GET", "/api/v1/feedback", None),
                        ("GET", "/api/v1/department/audit", None)]


@pytest.fixture(scope="module")
def tokens(shared_app_server: Server) -> dict[str, str | None]:
    inspector, supervisor = enrol_people(shared_app_server)
    return {"nobody": None, "inspector": inspector.token, "supervisor": supervisor.token,
            "admin": admin_token(shared_app_server.data), "made-up": "x" * 43}


def call(server: Server, token: str | None, method: str, path: str,
         body: object) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if isinstance(body, bytes):
        return httpx.request(method, server.url + path.format(id=RECORD), content=body, headers=headers)
    return httpx.request(method, server.url + path.format(id=RECORD), json=body, headers=headers)


@pytest.mark.parametrize("caller", ["nobody", "made-up", "inspector", "supervisor"])
@pytest.mark.parametrize(("method", "path", "body"), ADMIN_CALLS)
def test_only_the_administrator_sets_up(shared_app_server: Server, tokens: dict[str, str | None],
                                        caller: str, method: str, path: str, body: object) -> None:
    answer = call(shared_app_server, tokens[caller], method, path, body)
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("caller", ["nobody", "made-up", "admin"])
@pytest.mark.parametrize(("method", "path", "body"), DEVICE_CALLS + ALL_SUPERVISOR_CALLS)
def test_device_calls_need_an_enrolled_device(shared_app_server: Server,
                                              tokens: dict[str, str | None], caller: str,
                                              method: str, path: str, body: object) -> None:
    """The administrator's token is for set-up only: it is no device's token (DESIGN §11)."""
    answer = call(shared_app_server, tokens[caller], method, path, body)
    assert answer.status_code == 401 and answer.json()["error"]["message"]


@pytest.mark.parametrize(("method", "path", "body"), [
    ("POST", "/api/v1/photos/missing", {"sha256": ["not a name"]}),
    ("PUT", "/api/v1/photos/not-a-name", PHOTO),
    ("POST", "/api/v1/records/known", {"ids": 5}),
    ("POST", "/api/v1/records/batch", b"[1"),
    ("POST", "/api/v1/records", b"{"),
])
def test_a_call_without_a_token_is_refused_before_what_it_sends_is_read(
        shared_app_server: Server, method: str, path: str, body: object) -> None:
    """401 whatever the body or the path, on the upload routes too, which look the token up in
    the thread of their transaction (``as_device``): a caller without a token learns nothing of
    what the route would have said of its input."""
    answer = call(shared_app_server, None, method, path, body)
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize(("method", "path", "body"), ALL_SUPERVISOR_CALLS)
def test_inspectors_make_no_supervisor_call(shared_app_server: Server,
                                            tokens: dict[str, str | None],
                                            method: str, path: str, body: object) -> None:
    answer = call(shared_app_server, tokens["inspector"], method, path, body)
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "supervisors_only"


def test_the_public_reads_without_a_token(shared_app_server: Server) -> None:
    """The yes cells of the public column, so that the table's noes are not the only truth."""
    for path in ("/api/v1/health", "/api/v1/items", "/api/v1/plans", f"/api/v1/plans/{DEMO_PLAN_ID}",
                 f"/api/v1/draws/{DEMO_PLAN_ID}", "/api/v1/public/results", "/api/v1/keys"):
        assert httpx.get(shared_app_server.url + path).status_code == 200, path


def test_a_supervisor_of_another_department_sees_no_photo(app_server: Server) -> None:
    from tests.server_stub.api.test_review import other_inspector, submit

    server = app_server  # a fresh one: the photo must be the only one there
    inspector, supervisor = enrol_people(server)
    envelope = submit(inspector, inspector.tasks()[0])
    name = envelope["record"]["items"][0]["photos"][0]
    assert supervisor.client.get(f"/api/v1/photos/{name}").status_code == 200
    stranger = Phone(server, other_inspector(server, "威海市生态环境局", set())).enroll("supervisor")
    for path in (f"/api/v1/photos/{name}", f"/api/v1/photos/{name}/thumbnail"):
        answer = stranger.client.get(path)
        assert answer.status_code == 404 and answer.json()["error"]["code"] == "photo_not_found"
