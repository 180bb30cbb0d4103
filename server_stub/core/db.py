"""The database: one engine per process, its schema migrated with Alembic by ``migrate`` (the
``migrate`` command, and ``serve`` on the embedded SQLite default) before any worker starts.

SQLite (the zero-set-up default) gets WAL and foreign keys on every connection, so several
readers and one writer work together; PostgreSQL needs only a lock timeout.

SQLite transactions are begun by us, not by the driver (SQLAlchemy's documented pysqlite recipe):
a transaction that may write begins ``IMMEDIATE``, taking the write lock at once, so two writers
never both hold a read snapshot and then deadlock upgrading it (SQLite fails one of them at once,
without waiting). A transaction that only reads (``READ_ONLY``) begins deferred, never waits for
the writer under WAL, and may not write. A writer waits at most ``BUSY_TIMEOUT_MS`` for the lock;
then SQLite says "database is locked", which the API answers 503 with ``Retry-After``.
"""

from __future__ import annotations

import functools
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"

BUSY_TIMEOUT_MS = 5000
"""How long a writer waits for a lock (SQLite's write lock, a PostgreSQL row or table lock)
before the request is answered 503."""

IN_CHUNK = 5000
"""Values bound in one ``IN (…)``: a province's lists and draws run to tens of thousands of
codes, more than one statement may bind (SQLite allows 32,766 parameters)."""

T = TypeVar("T")


def in_chunks(values: Sequence[T], size: int = IN_CHUNK) -> Iterator[list[T]]:
    """``values`` in lists of at most ``size``, each for one ``IN (…)`` of its own."""
    for start in range(0, len(values), size):
        yield list(values[start:start + size])


DB_SLOTS = 16
"""Requests of one server process that hold a database connection at once (``api/deps.py``);
the pool keeps a connection for each."""

READ_ONLY = {"zsc_read_only": True}
"""Execution options of a connection whose transactions only read: on SQLite they begin deferred."""


class _SQLiteConnection(sqlite3.Connection):
    """A connection whose write transactions first take their engine's ``writer_lock``.

    SQLite makes a writer that finds the write lock taken sleep and try again (for up to 100 ms
    a time), so under a crowd the lock sits idle while the waiters sleep; a Python lock hands it
    to the next writer of this process at once. Writers of other processes still meet at
    SQLite's lock and its busy timeout.
    """

    writer_lock: threading.Lock
    holds_writer_lock = False

    def take_writer_lock(self) -> None:
        if not self.writer_lock.acquire(timeout=BUSY_TIMEOUT_MS / 1000):
            busy = sqlite3.OperationalError("database is locked")
            busy.sqlite_errorcode = sqlite3.SQLITE_BUSY  # as SQLite's own (errors.py answers 503)
            raise sa.exc.OperationalError("BEGIN IMMEDIATE", None, busy)
        self.holds_writer_lock = True

    def release_writer_lock(self) -> None:
        if self.holds_writer_lock:
            self.holds_writer_lock = False
            self.writer_lock.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.release_writer_lock()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.release_writer_lock()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.release_writer_lock()


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # No implicit BEGIN from the driver: _sqlite_begin emits our own.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()


def _sqlite_begin(conn: sa.Connection) -> None:
    read_only = bool(conn.get_execution_options().get("zsc_read_only", False))
    # A write in a read-only transaction would have to upgrade its lock, the deadlock IMMEDIATE
    # avoids: SQLite refuses it instead (query_only), so such a bug shows in the tests. The flag
    # stays on the pooled connection, so it is set only when it changes.
    info = conn.connection.info
    if info.get("query_only", False) != read_only:
        conn.exec_driver_sql(f"PRAGMA query_only={int(read_only)}")
        info["query_only"] = read_only
    if read_only:
        conn.exec_driver_sql("BEGIN DEFERRED")
        return
    dbapi_connection: _SQLiteConnection = conn.connection.dbapi_connection  # type: ignore[assignment]
    dbapi_connection.take_writer_lock()
    try:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        dbapi_connection.release_writer_lock()
        raise


def make_engine(url: str) -> sa.Engine:
    """An engine for ``url``; for a SQLite file, its directory is created if missing."""
    if url.startswith("sqlite"):
        database = sa.engine.make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        factory = type("SQLiteConnection", (_SQLiteConnection,), {"writer_lock": threading.Lock()})
        engine = sa.create_engine(url, pool_size=DB_SLOTS, connect_args={"factory": factory})
        sa.event.listen(engine, "connect", _sqlite_connect)
        sa.event.listen(engine, "begin", _sqlite_begin)
        return engine
    # The same bound on PostgreSQL: a lock held longer than that is a 503, not a hang.
    return sa.create_engine(url, pool_size=DB_SLOTS, pool_pre_ping=True,
                            connect_args={"options": f"-c lock_timeout={BUSY_TIMEOUT_MS}"})


_INDEXED_BY = "zsc_sqlite_indexed_by"


@functools.cache  # one copy per index: a statement's cache key holds its tables
def indexed_by(table: sa.Table, index: str) -> sa.Table:
    """``table`` under its own name, that SQLite reads only through ``index`` (``INDEXED BY``);
    PostgreSQL sees the plain table. Columns of the copy, not of ``table``, go in the statement.

    For a query whose right plan SQLite's planner does not find by itself: /results newest
    first reads ``records`` along its publication times, but without statistics (a database
    nobody ran ``ANALYZE`` on: every one, as nothing runs it) the planner prefers the equality
    on ``ix_records_state`` and sorts every published record (8.8 s at 1 M records, issue 29
    point 4), and sampled statistics (``analysis_limit``) misled it the same way. With the
    hint the plan does not hang on statistics, and SQLite refuses to prepare the statement
    rather than fall back to another plan, should the index go.
    SQLAlchemy renders no hints for SQLite (``with_hint`` is ignored there), hence the copy.
    """
    copy = sa.Table(table.name, sa.MetaData(), *(sa.Column(c.name, c.type, key=c.key) for c in table.c))
    copy.info[_INDEXED_BY] = index
    return copy


@compiles(sa.Table, "sqlite")
def _sqlite_table(table: sa.Table, compiler: SQLCompiler, **kw: Any) -> str:
    text: str = compiler.visit_table(table, **kw)  # type: ignore[no-untyped-call]
    index = table.info.get(_INDEXED_BY)
    return f"{text} INDEXED BY {index}" if index and kw.get("asfrom") else text


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def newest_revision() -> str:
    """The revision this code's schema is at (the migrations' head)."""
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


def schema_revision(engine: sa.Engine) -> str | None:
    """The revision the database's schema is at; None for an empty database."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def migrate(engine: sa.Engine) -> None:
    """Bring the schema up to the newest revision (a no-op when it is already there)."""
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
