"""The server as a real process: start, answer, error shape, no risk grade in public answers."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from server_stub.core.config import Settings
from server_stub.main import create_app
from tests.conftest import DEMO_ENTITIES, ServerProcess


@pytest.fixture
def server(shared_server: ServerProcess) -> ServerProcess:
    """The tests here do not disturb each other: one server serves the whole module."""
    return shared_server


def test_health_and_directory_summary(server: ServerProcess) -> None:
    assert httpx.get(f"{server.url}/api/v1/health").json()["status"] == "ok"
    summary = httpx.get(f"{server.url}/api/v1/directory/summary").json()
    assert summary["entities"] == DEMO_ENTITIES and summary["items"] >= 10 and summary["inspectors"] >= 40


def test_item_list_is_public(server: ServerProcess) -> None:
    items = httpx.get(f"{server.url}/api/v1/items").json()["items"]
    assert {"企业公示信息", "食品生产经营"} <= {i["category"] for i in items}
    assert all(i["checkpoints"] for i in items)


def test_home_page_is_chinese_and_grade_free(server: ServerProcess) -> None:
    page = httpx.get(f"{server.url}/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "抽查事项清单" in page.text and "viewport" in page.text
    for leak in ("risk_grade", "风险等级", "低风险", "高风险"):
        assert leak not in page.text


def test_errors_have_the_contract_shape(server: ServerProcess) -> None:
    answer = httpx.get(f"{server.url}/api/v1/nothing-here")
    assert answer.status_code == 404
    assert answer.json() == {"error": {"code": "not_found", "message": "请求的资源不存在"}}


def test_an_unexpected_failure_is_a_500_with_the_error_shape(tmp_path: Path) -> None:
    """A bug is still a 500, but never a plain-text one: the client can show its message."""
    app = create_app(Settings.from_env(tmp_path, f"sqlite:///{tmp_path / 'zsc.db'}"))

    @app.get("/api/v1/broken")
    def broken() -> None:
        raise RuntimeError("a bug")

    with TestClient(app, raise_server_exceptions=False) as client:
        answer = client.get("/api/v1/broken")
    assert answer.status_code == 500
    assert answer.json() == {"error": {"code": "internal_error",
                                       "message": "平台内部错误，请稍后重试或联系管理员"}}
