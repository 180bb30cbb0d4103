"""Dependencies shared by the routes: a connection inside one transaction per request."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Annotated

import sqlalchemy as sa
from fastapi import Depends, Request

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


def require_admin(request: Request) -> None:
    """Refuse the call unless it carries the administrator's bearer token."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    expected: str = request.app.state.admin_token
    # As bytes: compare_digest refuses str with characters beyond ASCII, which a header may carry.
    if scheme.lower() != "bearer" or not token or not secrets.compare_digest(token.encode(),
                                                                             expected.encode()):
        raise ApiError(401, "unauthorized", "需要管理员令牌（Authorization: Bearer …）")


AdminDep = Depends(require_admin)


def get_device(request: Request, conn: ConnDep) -> Device:
    """The enrolled, unrevoked device whose bearer token the request carries (401 otherwise)."""
    return authenticate(conn, request.headers.get("authorization"))


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
