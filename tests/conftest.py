"""Fixtures shared by every test directory."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from server_stub.core.launcher import PROJECT_ROOT as ROOT
from server_stub.core.launcher import free_port, spawn_server

PG_URL = os.environ.get("ZSC_TEST_PG_URL")

DEMO_ENTITIES = 1000
"""The demo directory of a test server: enough food businesses for the demo plan to give the
busiest inspector several tasks."""
"""A PostgreSQL server URL (its maintenance database); set, the server tests run on it."""


class Databases:
    """Makes fresh, empty databases: SQLite files under ``directory``, or PostgreSQL databases
    when ``ZSC_TEST_PG_URL`` is set (dropped again by ``drop_all``)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.created: list[str] = []
        self.admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT") if PG_URL else None

    def make(self) -> str:
        name = f"zsc_{uuid.uuid4().hex[:12]}"
        if self.admin is None or PG_URL is None:
            return f"sqlite:///{self.directory / (name + '.db')}"
        with self.admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        self.created.append(name)
        return sa.engine.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        if self.admin is not None:
            with self.admin.connect() as conn:
                for name in self.created:
                    conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            self.admin.dispose()


@pytest.fixture
def make_database_url(tmp_path: Path) -> Iterator[Callable[[], str]]:
    """Makes URLs of fresh, empty databases for this test."""
    databases = Databases(tmp_path)
    yield databases.make
    databases.drop_all()


@pytest.fixture
def database_url(make_database_url: Callable[[], str]) -> str:
    """The URL of one fresh database for this test."""
    return make_database_url()


def run_cli(*args: str, data: Path, db: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run ``python -m server_stub ARGS --data DATA --db DB`` as a real process."""
    return subprocess.run(
        [sys.executable, "-m", "server_stub", *args, "--data", str(data), "--db", db],
        cwd=ROOT, capture_output=True, text=True, check=check, timeout=300,
    )


@dataclass
class ServerProcess:
    url: str
    data: Path
    db: str
    process: subprocess.Popen[bytes]


@contextlib.contextmanager
def running_server(data: Path, db: str, env: dict[str, str] | None = None,
                   fake_now: str | None = None, workers: int = 1) -> Iterator[ServerProcess]:
    """The platform server as a real process on 127.0.0.1, seeded with the demo directory;
    with ``fake_now`` (ISO 8601), its clock pinned there (``tests/utils/clocked.py``)."""
    run_cli("seed-demo", "--entities", str(DEMO_ENTITIES), data=data, db=db)
    port = free_port()
    clocked = {"module": "tests.utils.clocked", "module_args": (fake_now,)} if fake_now else {}
    server = ServerProcess(f"http://127.0.0.1:{port}", data, db,
                           spawn_server(data, db, port, env, workers=workers, **clocked))
    try:
        yield server
    finally:
        # server.process, not the first one: a test may have killed it and started another.
        server.process.terminate()
        server.process.wait(timeout=10)


@pytest.fixture
def server(tmp_path: Path, database_url: str) -> Iterator[ServerProcess]:
    """A fresh server for one test (use it when the test changes what others would see)."""
    with running_server(tmp_path / "server-data", database_url) as process:
        yield process


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One server for a whole test module whose tests do not disturb each other."""
    directory = tmp_path_factory.mktemp("shared-server")
    databases = Databases(directory)
    try:
        with running_server(directory / "server-data", databases.make()) as process:
            yield process
    finally:
        databases.drop_all()
