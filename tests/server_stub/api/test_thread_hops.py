"""Hand-offs to the thread pool per request on the routes a crowd of phones calls (issue 29
point 3): each costs the event loop's CPU on every call, so their number is kept, not just
their time. A phone's upload makes one: the token's look-up and its transaction in the same
thread (``as_device``); a dependency that does no I/O makes none (FastAPI runs a plain function
dependency in a thread)."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import anyio.to_thread
import httpx
import pytest
from fastapi.testclient import TestClient

from server_stub.core.admin_token import admin_token
from tests.server_stub.api.test_full_disk import platform_and_phone
from tests.utils.phone import jpeg


@pytest.fixture
def hops(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The names of the functions handed to the thread pool, in order."""
    handed: list[str] = []
    run_sync = anyio.to_thread.run_sync

    async def counted(func: Any, *args: Any, **kwargs: Any) -> Any:
        named = func
        while isinstance(named, functools.partial):  # as Starlette hands it
            named = named.func
        handed.append(getattr(named, "__qualname__", repr(named)))
        return await run_sync(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    yield handed


def test_a_phones_uploads_take_one_hop_each(tmp_path: Path, database_url: str, hops: list[str]) -> None:
    app, _, token, _ = platform_and_phone(tmp_path, database_url)
    photo = jpeg(3)
    name = hashlib.sha256(photo).hexdigest()
    with TestClient(app, base_url="http://platform", headers={"Authorization": f"Bearer {token}"}) as client:
        hops.clear()  # the app's start
        calls: list[Callable[[], httpx.Response]] = [
            lambda: client.post("/api/v1/photos/missing", json={"sha256": [name]}),
            lambda: client.put(f"/api/v1/photos/{name}", content=photo, headers={"Content-Type": "image/jpeg"}),
            lambda: client.post("/api/v1/records/batch", content=json.dumps({"records": []})),
        ]
        for call in calls:
            before = len(hops)
            answer = call()
            assert answer.status_code in (200, 201), answer.text
            assert hops[before:] == ["_device_transaction"]
    app.state.engine.dispose()


def test_the_administrators_token_is_checked_without_a_hop(tmp_path: Path, database_url: str,
                                                           hops: list[str]) -> None:
    """Nor does reading the engine or the settings: only the connection's own steps hop."""
    app, _, _, _ = platform_and_phone(tmp_path, database_url)
    headers = {"Authorization": f"Bearer {admin_token(tmp_path / 'data')}"}
    with TestClient(app, base_url="http://platform", headers=headers) as client:
        hops.clear()
        assert client.get("/api/v1/chain-gaps").status_code == 200
        assert "require_admin" not in hops and "get_engine" not in hops, hops
        assert client.get("/api/v1/chain-gaps", headers={"Authorization": "Bearer nope"}).status_code == 401
    app.state.engine.dispose()
