"""Dependencies shared by the routes: a connection inside one transaction per request."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Annotated

import sqlalchemy as sa
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ..devices import Device, authenticate
from ..errors import ApiError


def get_engine(request: Request) -> sa.Engine:
    engine: sa.Engine = request.app.state.engine
    return engine


def get_conn(engine: Annotated[sa.Engine, Depends(get_engine)]) -> Iterator[sa.Connection]:
    with engine.begin() as conn:
        yield conn


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


def get_device(conn: ConnDep, credentials: Annotated[Credentials, Depends(device_bearer)]) -> Device:
    """The enrolled, unrevoked device whose bearer token the request carries (401 otherwise)."""
    return authenticate(conn, credentials.credentials if credentials else None)


DeviceDep = Annotated[Device, Depends(get_device)]


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
