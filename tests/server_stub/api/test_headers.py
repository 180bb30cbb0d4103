"""Security headers, a 405's Allow, through the real server (issue 11 point 10c, 10d)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from server_stub.api.headers import CONTENT_SECURITY_POLICY
from server_stub.cli import DEMO_PLAN_ID
from server_stub.core.config import Settings
from server_stub.main import create_app
from tests.conftest import Server
from tests.utils.phone import Phone, busiest_inspector


@pytest.fixture(scope="module")
def code_token(shared_app_server: Server) -> str:
    token: str = Phone(shared_app_server, busiest_inspector(shared_app_server)).enroll().tasks()[0]["code_token"]
    return token


def directives(policy: str) -> dict[str, str]:
    return {d.strip().split(" ", 1)[0]: d.strip().partition(" ")[2] for d in policy.split(";")}


PAGES = ["/", "/plans", f"/draws/{DEMO_PLAN_ID}", "/results", "/results?q=%3Cscript%3E", "/v/{code}",
         "/v/not-a-code"]
OTHER = ["/api/v1/plans", "/api/v1/health", "/api/v1/nope", "/api/v1/tasks", "/openapi.json",
         "/nope", f"/api/v1/draws/{DEMO_PLAN_ID}"]


@pytest.mark.parametrize("path", PAGES + OTHER)
def test_every_answer_has_the_policy_and_nosniff(shared_app_server: Server, code_token: str,
                                                 path: str) -> None:
    answer = httpx.get(shared_app_server.url + path.replace("{code}", code_token))
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["X-Frame-Options"] == "DENY"
    policy = directives(answer.headers["Content-Security-Policy"])
    assert policy["default-src"] == "'none'" and "script-src" not in policy, "no script runs"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["style-src"] == "'self' 'unsafe-inline'" and policy["font-src"] == "'self'"
    if path in PAGES:
        assert answer.headers["content-type"].startswith("text/html")
        body = answer.text.lower()
        assert "<script" not in body and " onload=" not in body and " onclick=" not in body


def test_the_api_documentation_can_run_its_scripts_but_not_be_framed(shared_app_server: Server) -> None:
    answer = httpx.get(shared_app_server.url + "/docs")
    assert answer.status_code == 200
    assert answer.headers["Content-Security-Policy"] == "frame-ancestors 'none'"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(("method", "path", "allowed"), [
    ("POST", f"/api/v1/plans/{DEMO_PLAN_ID}", {"GET"}),
    ("DELETE", "/api/v1/plans", {"GET", "POST"}),
    ("PUT", "/results", {"GET"}),
    ("GET", f"/api/v1/plans/{DEMO_PLAN_ID}/draw", {"POST"}),
])
def test_405_says_what_is_allowed(shared_app_server: Server, method: str, path: str,
                                  allowed: set[str]) -> None:
    answer = httpx.request(method, shared_app_server.url + path)
    assert answer.status_code == 405
    if path.startswith("/api/"):
        assert answer.json()["error"]["code"] == "method_not_allowed"
    else:  # a page's error is a page
        assert "不支持该请求方法" in answer.text
    assert allowed <= {m.strip() for m in answer.headers["Allow"].split(",")}
    assert answer.headers["X-Content-Type-Options"] == "nosniff"


def test_even_an_unhandled_error_carries_the_headers(tmp_path: Path, database_url: str) -> None:
    """No route of the real server fails on purpose, so the 500 path is tried on the app object:
    the headers wrap Starlette's outermost error layer, not only the routes."""
    app = create_app(Settings.from_env(tmp_path / "data", database_url))

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("a bug")

    answer = TestClient(app, raise_server_exceptions=False).get("/boom")
    assert answer.status_code == 500
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
