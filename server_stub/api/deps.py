"""Dependencies shared by the routes: a connection inside one transaction per request."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Annotated

import sqlalchemy as sa
from fastapi import Depends, Request

from ..errors import ApiError


def get_engine(request: Request) -> sa.Engine:
    engine: sa.Engine = request.app.state.engine
    return engine


def get_conn(engine: Annotated[sa.Engine, Depends(get_engine)]) -> Iterator[sa.Connection]:
    with engine.begin() as conn:
        yield conn


ConnDep = Annotated[sa.Connection, Depends(get_conn)]


def require_admin(request: Request) -> None:
    """Refuse the call unless it carries the administrator's bearer token."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    expected: str = request.app.state.admin_token
    if scheme.lower() != "bearer" or not token or not secrets.compare_digest(token, expected):
        raise ApiError(401, "unauthorized", "需要管理员令牌（Authorization: Bearer …）")


AdminDep = Depends(require_admin)
