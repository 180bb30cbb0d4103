"""Schemathesis against the real server process and the OpenAPI schema it publishes.

Every /api/v1 operation gets generated requests, valid and invalid ones, carrying the token its
schema names (admin or device), and again without it. Every answer must be no server error, carry a documented status
code and content type, and match the documented body. Generated requests seldom get past
validation, so a scenario of genuine calls checks the documented success answers as well.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import httpx
import hypothesis
import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from server_stub.cli import DEMO_PLAN_ID
from server_stub.core.admin_token import admin_token
from server_stub.directory.demo import SAMR
from sync import generate_key, public_key_b64
from tests.conftest import ServerProcess
from tests.server_stub.api.test_review import other_inspector
from tests.utils.ceremony import ENTROPY
from tests.utils.phone import Phone, busiest_inspector, jpeg
from tests.utils.workload import drawn_long_ago

pytestmark = pytest.mark.slow

Operation = schemathesis.APIOperation[Any, Any, Any, Any]

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]

schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture(scope="module")
def api_schema(shared_server: ServerProcess) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(f"{shared_server.url}/openapi.json").include(
        path_regex="^/api/v1/")


@pytest.fixture(scope="module")
def tokens(shared_server: ServerProcess) -> dict[str, str]:
    """A bearer token for each security scheme the schema names (the device: an inspector's)."""
    phone = Phone(shared_server, busiest_inspector(shared_server)).enroll()
    return {"admin": admin_token(shared_server.data), "device": phone.token}


@pytest.fixture(scope="module")
def supervisor_tokens(shared_server: ServerProcess, tokens: dict[str, str]) -> dict[str, str]:
    """The same, with a supervisor's device token."""
    supervisor = Phone(shared_server, other_inspector(shared_server, SAMR, set())).enroll("supervisor")
    return {**tokens, "device": supervisor.token}


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request: pytest.FixtureRequest) -> None:
    """schemathesis 4.32.5 reads and renames ``node._nodeid``, which pytest 9.2 no longer has."""
    request.node._nodeid = request.node.nodeid


def schemes(operation: Operation) -> list[str]:
    """The security schemes the operation names: none (public), admin, device, or both (an
    operation the administrator or a supervisor may call, ``AdminOrSupervisorDep``)."""
    return sorted(name for requirement in operation.definition.raw.get("security", [])
                  for name in requirement)


def scheme_of(operation: Operation) -> str | None:
    """The token an operation is called with: the one it names; the administrator's for one
    that names both. None for a public one."""
    names = schemes(operation)
    if names == ["admin", "device"]:
        return "admin"
    assert len(names) <= 1, f"{operation.label} names several schemes: {names}"
    return names[0] if names else None


def auth(tokens: dict[str, str], operation: Operation) -> dict[str, str]:
    scheme = scheme_of(operation)
    return {"Authorization": f"Bearer {tokens[scheme]}"} if scheme else {}


def test_admin_and_device_operations_name_their_token(api_schema: schemathesis.BaseSchema) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()
                  if isinstance(result, Ok)]
    schemes = {operation.label: scheme_of(operation) for operation in operations}
    assert schemes["GET /api/v1/health"] is None and schemes["POST /api/v1/enroll"] is None
    assert schemes["GET /api/v1/tasks"] == "device" and schemes["POST /api/v1/records"] == "device"
    assert schemes["POST /api/v1/plans"] == "admin" and schemes["GET /api/v1/chain-gaps"] == "admin"


def test_the_schema_documents_the_error_answers(shared_server: ServerProcess) -> None:
    """Validation errors are 400 with the error body (not FastAPI's 422); tokens can be 401."""
    published = httpx.get(f"{shared_server.url}/openapi.json").json()
    assert "HTTPValidationError" not in json.dumps(published)
    error_body = {"$ref": "#/components/schemas/ErrorBody"}
    for path, operations in published["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            if "parameters" in operation or "requestBody" in operation:
                assert responses["400"]["content"]["application/json"]["schema"] == error_body, \
                    f"{method} {path}"
            if "security" in operation:
                assert "401" in responses, f"{method} {path}"


BOUNDED = hypothesis.settings(max_examples=30, deadline=None, derandomize=True, database=None,
                              suppress_health_check=list(hypothesis.HealthCheck))


@schema.parametrize()
@BOUNDED
def test_generated_requests_get_documented_answers(case: schemathesis.Case[Operation],
                                                   tokens: dict[str, str]) -> None:
    case.call_and_validate(headers=auth(tokens, case.operation), checks=CHECKS)


# The variants below call only the operations where their token makes a difference: the others
# would get the same kind of request as in the test above (the CI's time, issue 29 point 6).
device_operations = schema.include(lambda ctx: "device" in schemes(ctx.operation))
protected_operations = schema.include(lambda ctx: bool(schemes(ctx.operation)))


@device_operations.parametrize()
@BOUNDED
def test_generated_requests_with_a_supervisors_token_get_documented_answers(
        case: schemathesis.Case[Operation], supervisor_tokens: dict[str, str]) -> None:
    """Every operation a device may call, with a supervisor's device token: those the
    administrator may call too (``AdminOrSupervisorDep``) included."""
    case.call_and_validate(headers={"Authorization": f"Bearer {supervisor_tokens['device']}"}, checks=CHECKS)


@protected_operations.parametrize()
@BOUNDED
def test_generated_requests_without_our_tokens_get_documented_answers(
        case: schemathesis.Case[Operation]) -> None:
    """No token, or whatever bearer token schemathesis makes up: 401 where one is needed (the
    public operations get no token in the test above already)."""
    case.call_and_validate(checks=CHECKS)


def test_genuine_calls_get_documented_answers(shared_server: ServerProcess,
                                              api_schema: schemathesis.BaseSchema,
                                              tokens: dict[str, str]) -> None:
    def call(method: str, path: str, status: int, token: str | None = None,
             **parts: Any) -> Any:
        operation = api_schema[path][method]
        headers = {"Authorization": f"Bearer {token}"} if token else auth(tokens, operation)
        answer = operation.Case(**parts).call_and_validate(headers=headers, checks=CHECKS)
        assert answer.status_code == status, answer.text
        return answer.json() if answer.content else None

    for path in ("/api/v1/health", "/api/v1/directory/summary", "/api/v1/items", "/api/v1/plans",
                 "/api/v1/keys", "/api/v1/chain-gaps"):
        call("GET", path, 200)
    for path in ("/api/v1/plans/{plan_id}", "/api/v1/draws/{plan_id}", "/api/v1/draws/{plan_id}/audit"):
        call("GET", path, 200, path_parameters={"plan_id": DEMO_PLAN_ID})
    new_plan = {"id": "OPENAPI-1", "name": "特种设备使用单位抽查", "departments": [SAMR],
                "items": ["SC-TSSB-01"], "ratios": {"A": "2", "B": "5", "C": "15", "D": "30"},
                "team_size": 2, "window_start": "2026-04-01", "window_end": "2026-09-30"}
    call("POST", "/api/v1/plans", 201, body=new_plan)
    call("POST", "/api/v1/plans/{plan_id}/freeze", 201, path_parameters={"plan_id": "OPENAPI-1"})
    call("GET", "/api/v1/plans/{plan_id}", 200, path_parameters={"plan_id": "OPENAPI-1"})
    call("POST", "/api/v1/plans/{plan_id}/draw", 201, path_parameters={"plan_id": "OPENAPI-1"},
         body=ENTROPY)
    drawn_long_ago(shared_server.db)  # before the visit Phone signs at a fixed time

    inspector = busiest_inspector(shared_server)
    issued = call("POST", "/api/v1/enrollment-codes", 201,
                  body={"inspector_id": inspector, "role": "inspector"})
    phone = Phone(shared_server, inspector, key=generate_key())
    enrolled = call("POST", "/api/v1/enroll", 201, body={
        "code": issued["code"], "public_key": public_key_b64(phone.key), "device_name": "接口测试"})
    phone.device_id, phone.token = enrolled["device_id"], enrolled["token"]
    task = call("GET", "/api/v1/tasks", 200, token=phone.token)["tasks"][0]

    photo = jpeg(7)
    sha = {"sha256": hashlib.sha256(photo).hexdigest()}
    envelope = phone.record(task, photos=[photo])
    call("POST", "/api/v1/records", 201, token=phone.token, body=envelope)
    call("POST", "/api/v1/records", 200, token=phone.token, body=envelope)
    for status in (201, 200):
        call("PUT", "/api/v1/photos/{sha256}", status, token=phone.token, path_parameters=sha,
             body=photo, media_type="image/jpeg")
    record = call("GET", "/api/v1/records/{record_id}", 200, token=phone.token,
                  path_parameters={"record_id": envelope["record"]["id"]})
    assert record["state"] == "submitted"
    call("POST", "/api/v1/devices/{device_id}/revoke", 204,
         path_parameters={"device_id": phone.device_id})
    call("GET", "/api/v1/tasks", 401, token=phone.token)
