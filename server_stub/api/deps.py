"""Dependencies shared by the routes: the settings, and a connection inside one transaction per
request.

Nothing here or in a route blocks the event loop: the routes are plain functions that FastAPI
runs in its thread pool, and the dependencies below hand their database work to it. Those that do
no I/O at all are ``async``: FastAPI runs a plain function dependency in the thread pool too, a
hand-off there and back for reading an attribute (issue 29 point 3).

A request holds its connection from before its route runs until after it commits, across several
hops through the thread pool. Were a thread ever to wait for a pooled connection, the requests
holding them could wait for a thread in turn, and the server would stall until the pool's timeout
(it did, under a crowd). So a request takes one of ``DB_SLOTS`` slots on the event loop before it
takes a connection, and the pool has a connection for every slot: no thread ever waits for one.
The body of an upload is read without a slot, so a slow phone holds neither a connection nor
SQLite's write lock.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

import anyio
import sqlalchemy as sa
from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from server_stub.access import scope
from server_stub.core import audit_trail
from server_stub.core.audit_trail import Actor
from server_stub.core.config import Settings
from server_stub.core.db import READ_ONLY
from server_stub.core.errors import TooLarge, Unauthenticated
from server_stub.field.devices import Device, authenticate, require_token


def get_settings(request: Request) -> Settings:
    """The server's settings (``core.config``), as ``create_app`` was given them."""
    settings: Settings = request.app.state.settings
    return settings


async def _settings(request: Request) -> Settings:
    return get_settings(request)


SettingsDep = Annotated[Settings, Depends(_settings)]


async def get_engine(request: Request) -> sa.Engine:
    engine: sa.Engine = request.app.state.engine
    return engine


def _slots(request: Request) -> anyio.Semaphore:
    slots: anyio.Semaphore = request.app.state.db_slots
    return slots


def _connect(engine: sa.Engine, read_only: bool) -> sa.Connection:
    conn = engine.connect()
    return conn.execution_options(**READ_ONLY) if read_only else conn


async def get_conn(request: Request,
                   engine: Annotated[sa.Engine, Depends(get_engine)]) -> AsyncIterator[sa.Connection]:
    """The request's connection. Its transaction begins at the first statement (after the checks
    a route makes without the database, such as a signature's) and commits once the route has
    answered; an error rolls it back. A GET or HEAD only reads: on SQLite it neither takes nor
    waits for the write lock, and a write inside it is refused (a bug, answered 500).

    The commit here comes a hop through the event loop after the route, and SQLite's write lock
    is held, idle, in between: the routes a crowd calls (the sync uploads) take
    ``as_device`` instead, one hop for all of it."""
    async with _connection(request, engine, read_only=request.method in ("GET", "HEAD")) as conn:
        yield conn


@asynccontextmanager
async def _connection(request: Request, engine: sa.Engine, *,
                      read_only: bool) -> AsyncIterator[sa.Connection]:
    async with _slots(request):
        conn = await run_in_threadpool(_connect, engine, read_only)
        try:
            yield conn
            await run_in_threadpool(conn.commit)
        finally:
            with anyio.CancelScope(shield=True):  # the connection goes back to the pool, always
                await run_in_threadpool(conn.close)


# "function": the transaction commits before the answer leaves, so a client that has seen an
# answer finds its write in place (FastAPI's default would commit after sending).
ConnDep = Annotated[sa.Connection, Depends(get_conn, scope="function")]


T = TypeVar("T")


async def as_device(request: Request, token: str, work: Callable[[sa.Connection, Device], T], *,
                    read_only: bool = False, first: Callable[[Device], object] | None = None) -> T:
    """A phone's call in one hop through the thread pool: its token looked up (401 when it
    names no enrolled, unrevoked device), then ``first(device)``, then ``work(conn, device)``
    inside one transaction that commits when it returns (an error rolls it back).

    For the routes a crowd of phones calls (issue 29 point 3), where each hand-off between the
    event loop and a thread costs the loop's CPU on every call: ``DeviceDep`` and ``ConnDep``
    cost such a route five (the look-up, connect, the route, commit, close). The look-up reads
    in a short transaction of its own, as ``get_device``'s, before the request's: SQLite's
    write lock is neither taken nor waited for to learn who is calling. By then the body has
    been read (``BodyLimits`` reads every body, within its route's limit, before any route or
    dependency runs), so looking the token up first in the route saves no reading. A
    ``read_only`` one serves a POST that is a question with a body (which photos the platform
    lacks, which records it holds): on SQLite it neither takes nor waits for the write lock,
    which a crowd's uploads keep busy. ``first``, run before the transaction's connection is
    taken, does the work that needs no database (a photo's write to its store), so a slow disk
    or object store holds no pooled connection; it runs only for a known device."""
    async with _slots(request):
        return await run_in_threadpool(_device_transaction, request.app.state.engine,
                                       token, work, read_only, first)


def _device_transaction(engine: sa.Engine, token: str, work: Callable[[sa.Connection, Device], T],
                        read_only: bool, first: Callable[[Device], object] | None) -> T:
    device = _authenticate(engine, token)
    if first is not None:
        first(device)
    with _connect(engine, read_only) as conn:
        result = work(conn, device)
        conn.commit()
        return result


# The two kinds of bearer token, named in the published schema; the checks below give the
# contract's 401 answers themselves.
admin_bearer = HTTPBearer(scheme_name="admin", auto_error=False,
                          description="管理员令牌（python -m server_stub admin-token）")
device_bearer = HTTPBearer(scheme_name="device", auto_error=False,
                           description="设备令牌（注册设备时获得）")
Credentials = HTTPAuthorizationCredentials | None


async def require_admin(request: Request,
                        credentials: Annotated[Credentials, Depends(admin_bearer)]) -> None:
    """Refuse the call unless it carries the administrator's bearer token."""
    expected: str = request.app.state.admin_token
    # As bytes: compare_digest refuses str with characters beyond ASCII, which a header may carry.
    if credentials is None or not secrets.compare_digest(credentials.credentials.encode(),
                                                         expected.encode()):
        raise Unauthenticated("unauthorized", "需要管理员令牌（Authorization: Bearer …）")


AdminDep = Depends(require_admin)


def _address(request: Request) -> str | None:
    return request.client.host if request.client else None


def _sealed(request: Request, conn: sa.Connection, actor: Actor) -> Iterator[Actor]:
    """Hands the route its actor, then signs the audit trail's head over what the route
    appended: after the route, before ``get_conn`` commits (FastAPI closes this dependency
    first, since it depends on the connection), and not at all when the route failed."""
    yield actor
    audit_trail.seal(conn, request.app.state.server_key)


def get_admin_actor(request: Request, credentials: Annotated[Credentials, Depends(admin_bearer)],
                    _checked: Annotated[None, AdminDep], conn: ConnDep) -> Iterator[Actor]:
    """The administrator (:func:`require_admin` checked first, so that a call without the
    token takes no database slot) as the audit trail names them."""
    token = credentials.credentials if credentials else ""
    yield from _sealed(request, conn, Actor.administrator(token, _address(request)))


AdminActorDep = Annotated[Actor, Depends(get_admin_actor, scope="function")]
"""For a route whose act the audit trail records: the administrator's token checked, the actor
to record, and the trail's head signed once the route is done."""


def _authenticate(engine: sa.Engine, token: str) -> Device:
    with _connect(engine, read_only=True) as conn:
        return authenticate(conn, token)


async def _device_token(credentials: Annotated[Credentials, Depends(device_bearer)]) -> str:
    return require_token(credentials.credentials if credentials else None)


DeviceToken = Annotated[str, Depends(_device_token)]
"""A device's bearer token, not yet looked up: ``DeviceDep`` looks it up, a route that hands it
to ``as_device`` does so in its own hop. A call without one is answered 401 at once, before its
body or path is checked and without a hop."""


async def get_device(request: Request, engine: Annotated[sa.Engine, Depends(get_engine)],
                     token: DeviceToken) -> Device:
    """The enrolled, unrevoked device whose bearer token the request carries (401 otherwise).

    Read in a short transaction of its own, before the request's transaction: SQLite's write
    lock is not taken, nor waited for, to learn who is calling.
    """
    async with _slots(request):
        return await run_in_threadpool(_authenticate, engine, token)


DeviceDep = Annotated[Device, Depends(get_device)]


@dataclass(frozen=True)
class Supervisor:
    """A supervisor's device and the department whose records they review."""

    device: Device
    department: str

    @property
    def person(self) -> str:
        """The supervisor's own id in the staff directory (what 回避 compares with teams)."""
        return self.device.inspector_id


def get_supervisor(conn: ConnDep, device: DeviceDep) -> Supervisor:
    """The calling supervisor: the one place a supervisor's call checks the role (403 for an
    inspector's device) and finds the department."""
    return Supervisor(device, scope.require_supervisor(conn, device))


SupervisorDep = Annotated[Supervisor, Depends(get_supervisor)]


def get_supervisor_actor(request: Request, supervisor: SupervisorDep,
                         conn: ConnDep) -> Iterator[Actor]:
    """The calling supervisor (as ``SupervisorDep`` checks them) as the audit trail names them."""
    yield from _sealed(request, conn, Actor.supervisor(supervisor.person, supervisor.device.id,
                                                       _address(request)))


SupervisorActorDep = Annotated[Actor, Depends(get_supervisor_actor, scope="function")]
"""For a supervisor's route whose act the audit trail records (see ``AdminActorDep``)."""


@dataclass(frozen=True)
class AdminOrSupervisor:
    """A call the administrator or a supervisor may make: the actor to record, and the
    supervisor's department (None: the administrator, who acts for any department)."""

    actor: Actor
    department: str | None


def get_admin_or_supervisor(request: Request,
                            admin: Annotated[Credentials, Depends(admin_bearer)],
                            _device: Annotated[Credentials, Depends(device_bearer)],
                            conn: ConnDep) -> Iterator[AdminOrSupervisor]:
    """The administrator's token, or else an enrolled supervisor's device (401 for neither, 403
    ``supervisors_only`` for an inspector's device); the audit trail's head is signed once the
    route is done, as for ``AdminActorDep``. Both schemes read the one Authorization header."""
    token = admin.credentials if admin else None
    expected: str = request.app.state.admin_token
    if token is not None and secrets.compare_digest(token.encode(), expected.encode()):
        caller = AdminOrSupervisor(Actor.administrator(token, _address(request)), None)
    else:
        device = authenticate(conn, token)
        department = scope.require_supervisor(conn, device)
        caller = AdminOrSupervisor(
            Actor.supervisor(device.inspector_id, device.id, _address(request)), department)
    yield caller
    audit_trail.seal(conn, request.app.state.server_key)


AdminOrSupervisorDep = Annotated[AdminOrSupervisor, Depends(get_admin_or_supervisor,
                                                            scope="function")]


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
        raise TooLarge("too_large", f"内容过大（上限 {limit // 1024} KB）")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge("too_large", f"内容过大（上限 {limit // 1024} KB）")
        chunks.append(chunk)
    return b"".join(chunks)
