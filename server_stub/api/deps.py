"""Dependencies shared by the routes: a connection inside one transaction per request."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

import sqlalchemy as sa
from fastapi import Depends, Request


def get_engine(request: Request) -> sa.Engine:
    engine: sa.Engine = request.app.state.engine
    return engine


def get_conn(engine: Annotated[sa.Engine, Depends(get_engine)]) -> Iterator[sa.Connection]:
    with engine.begin() as conn:
        yield conn


ConnDep = Annotated[sa.Connection, Depends(get_conn)]
