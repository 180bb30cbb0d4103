"""Dependencies shared by the routes: a connection inside one transaction per request.

Nothing here or in a route blocks the event loop: the routes are plain functions that FastAPI
runs in its thread pool, and the only ``async`` dependency reads the request body, before the
request's transaction begins (so a slow upload never holds SQLite's write lock).
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Iterator
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ..db import READ_ONLY
from ..devices import Device, authenticate
from ..errors import ApiError


def get_engine(request: Request) -> sa.Engine:
    engine: sa.Engine = request.app.state.engine
    return engine


def get_conn(request: Request,
             engine: Annotated[sa.Engine, Depends(get_engine)]) -> Iterator[sa.Connection]:
    """The request's connection. Its transaction begins at the first statement (after the checks
    a route makes without the database, such as a signature's) and commits once the route has
    answered; an error rolls it back. A GET or HEAD only reads: on SQLite it neither takes nor
    waits for the write lock, and a write inside it is refused (a bug, answered 500)."""
    with engine.connect() as conn:
        if request.method in ("GET", "HEAD"):
            conn.execution_options(**READ_ONLY)
        yield conn
        conn.commit()


# "function": the transaction commits before the answer leaves, so a client that has seen an
# answer finds its write in place (FastAPI's default would commit after sending).
ConnDep = Annotated[sa.Connection, Depends(get_conn, scope="function")]


# The two kinds of bearer token, named in the published schema; the checks below give the
# contract's 401 answers themselves.
admin_bearer = HTTPBearer(scheme_name="admin", auto_error=False,
                          description="管理员令牌（python -m server_stub admin-token）")
device_bearer = HTTPBearer(scheme_name="device", auto_error=False,
                           description="设备令牌（注册设备时获得）")
Credentials = HTTPAuthorizationCredentials | None


def require_admin(request: Request,
                  credentials: Annotated[Credentials, Depends(admin_bearer)]) -> None:
    """Refuse the call unless it carries the administrator's bearer token."""
    expected: str = request.app.state.admin_token
    # As bytes: compare_digest refuses str with characters beyond ASCII, which a header may carry.
    if credentials is None or not secrets.compare_digest(credentials.credentials.encode(),
                                                         expected.encode()):
        raise ApiError(401, "unauthorized", "需要管理员令牌（Authorization: Bearer …）")


AdminDep = Depends(require_admin)


def get_device(engine: Annotated[sa.Engine, Depends(get_engine)],
               credentials: Annotated[Credentials, Depends(device_bearer)]) -> Device:
    """The enrolled, unrevoked device whose bearer token the request carries (401 otherwise).

    Read in a short transaction of its own, before the request's body and its transaction: a
    stranger's upload is refused unread, and the write lock is not taken for who is calling.
    """
    with engine.connect().execution_options(**READ_ONLY) as conn:
        return authenticate(conn, credentials.credentials if credentials else None)


DeviceDep = Annotated[Device, Depends(get_device)]


def request_body(limit: Callable[[Request], int]) -> Any:
    """A dependency on the request body, at most ``limit(request)`` bytes (413 beyond), read on
    the event loop so that the route itself can run in the thread pool. Declare it after
    ``DeviceDep`` and before ``ConnDep``."""

    async def body(request: Request) -> bytes:
        return await read_body(request, limit(request))

    dependency: Callable[[Request], Awaitable[bytes]] = body
    return Depends(dependency)


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it exceeds ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise ApiError(413, "too_large", f"内容过大（上限 {limit // 1024} KB）")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(413, "too_large", f"内容过大（上限 {limit // 1024} KB）")
        chunks.append(chunk)
    return b"".join(chunks)
