"""Fixtures shared by every test directory."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


PG_URL = os.environ.get("ZSC_TEST_PG_URL")
"""A PostgreSQL server URL (its maintenance database); set, the server tests run on it."""


@pytest.fixture
def make_database_url(tmp_path: Path) -> Iterator[Callable[[], str]]:
    """Makes URLs of fresh, empty databases: SQLite files, or PostgreSQL databases with
    ``ZSC_TEST_PG_URL`` set (created here, dropped after the test)."""
    created: list[str] = []
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT") if PG_URL else None

    def make() -> str:
        name = f"zsc_{uuid.uuid4().hex[:12]}"
        if admin is None:
            return f"sqlite:///{tmp_path / (name + '.db')}"
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        created.append(name)
        url = sa.engine.make_url(PG_URL).set(database=name)  # type: ignore[arg-type]
        return url.render_as_string(hide_password=False)

    yield make
    if admin is not None:
        with admin.connect() as conn:
            for name in created:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


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


@pytest.fixture
def server(tmp_path: Path, database_url: str) -> Iterator[ServerProcess]:
    """The platform server as a real process on 127.0.0.1, seeded with the demo directory."""
    data = tmp_path / "server-data"
    run_cli("seed-demo", "--entities", "300", data=data, db=database_url)
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "server_stub", "serve", "--data", str(data), "--db", database_url,
         "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("server did not start")
        time.sleep(0.1)
    yield ServerProcess(url, data, database_url, process)
    process.terminate()
    process.wait(timeout=10)
