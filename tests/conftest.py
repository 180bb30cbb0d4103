"""Fixtures shared by every test directory."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import sqlalchemy as sa

from tests.utils.launcher import PROJECT_ROOT as ROOT
from tests.utils.launcher import free_port, spawn_server
from tests.utils.workload import drawn_long_ago

PG_URL = os.environ.get("ZSC_TEST_PG_URL")

# Hypothesis fails an example that takes over 200 ms, and then calls the test flaky when the
# same example is quick on its retry: on CI's two loaded cores that is the load, not the code.
# What a property test checks is the property; time is measured in bench/.
hypothesis.settings.register_profile("zsc", deadline=None)
hypothesis.settings.load_profile("zsc")

DEMO_ENTITIES = 1000
"""The demo directory of a test server: enough food businesses for the demo plan to give the
busiest inspector several tasks."""
DEMO_SEED = 2026
"""``seed-demo --seed``: the directory, and the demo draw's dice, secret and salts, so every run
of the suite tests the same data (with this seed the busiest inspector has 5 tasks of 17)."""
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


DATABASE_FIXTURES = frozenset({"make_database_url", "database_url", "engine", "server",
                               "shared_server", "app_server", "shared_app_server"})
"""The fixtures through which a test reaches the database under test."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On the PostgreSQL run, keep only the tests that reach a database: the others (pure domain
    logic, files, HTML) would only repeat the SQLite run. A module that makes its own databases
    (it names ``Databases`` or ``PG_URL``) is kept whole."""
    if PG_URL is None:
        return
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        source = item.path.read_text(encoding="utf-8")
        own = "Databases(" in source or "PG_URL" in source
        (kept if own or DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())) else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


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


class DemoTemplate:
    """The demo directory, seeded once per test session by ``seed-demo`` (a real process, as
    before) and copied for each server: a SQLite file copied, a PostgreSQL database created from
    it as a template. Every server still starts on a database of its own."""

    def __init__(self) -> None:
        self.directory: Path | None = None
        self.seeded: dict[str, tuple[str, str]] = {}
        """Per backend (``sqlite`` or the PostgreSQL URL): the template's URL and seed-demo's output."""
        self.databases: Databases | None = None

    def seed(self, data: Path, db: str) -> str:
        """Put a copy of the demo directory into the empty database ``db``; returns what
        ``seed-demo`` printed (its last line names an inspector with tasks)."""
        backend = "sqlite" if db.startswith("sqlite") else str(PG_URL)
        if backend not in self.seeded:
            self.seeded[backend] = self._make(data, db)
        template, output = self.seeded[backend]
        # The platform's key signed the audit trail's tree heads while seeding: the copy keeps it,
        # as a server keeps its data directory with its database.
        data.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not (data / "server_key").exists():
            shutil.copy2(self.seed_data / "server_key", data / "server_key")
        if backend == "sqlite":
            target = Path(sa.engine.make_url(db).database or "")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(sa.engine.make_url(template).database or "", target)  # mode bits too
        else:
            admin = sa.create_engine(PG_URL or "", isolation_level="AUTOCOMMIT")
            name = sa.engine.make_url(db).database
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE '
                                     f'"{sa.engine.make_url(template).database}"'))
            admin.dispose()
        return output

    @property
    def seed_data(self) -> Path:
        """The data directory ``seed-demo`` ran with (its platform key)."""
        assert self.directory is not None
        return self.directory / "seed-data"

    def _make(self, data: Path, db: str) -> tuple[str, str]:
        if self.directory is None:
            self.directory = Path(tempfile.mkdtemp(prefix="zsc-demo-template-"))
        if self.databases is None:
            self.databases = Databases(self.directory)
        template = self.databases.make()
        # Without the demo's earlier results (issue 24 point 8) nor its year (issue 26): the tests
        # count their own, and the demo plan's busiest inspector holds only its tasks.
        seeded = run_cli("seed-demo", "--entities", str(DEMO_ENTITIES), "--seed", str(DEMO_SEED),
                         "--no-history", "--no-year", data=self.seed_data, db=template)
        drawn_long_ago(template)  # before the fixed times the tests' visits are signed at
        return template, seeded.stdout

    def drop(self) -> None:
        if self.databases is not None:
            self.databases.drop_all()
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)
        self.directory, self.databases, self.seeded = None, None, {}


DEMO = DemoTemplate()


@pytest.fixture(scope="session", autouse=True)
def _demo_template() -> Iterator[None]:
    """Drops the session's demo template at its end (it is made on first use only)."""
    yield
    DEMO.drop()


@dataclass
class Server:
    """A platform server seeded with the demo directory: where it answers, its data directory
    and its database."""

    url: str
    data: Path
    db: str


@dataclass
class ServerProcess(Server):
    """The server as a real process (``python -m server_stub serve``)."""

    process: subprocess.Popen[bytes]


@contextlib.contextmanager
def running_server(data: Path, db: str, env: dict[str, str] | None = None,
                   fake_now: str | None = None, workers: int = 1) -> Iterator[ServerProcess]:
    """The platform server as a real process on 127.0.0.1, seeded with the demo directory;
    with ``fake_now`` (ISO 8601), its clock pinned there (``tests/utils/clocked.py``)."""
    DEMO.seed(data, db)
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


@contextlib.contextmanager
def serving_in_process(data: Path, db: str, fake_now: str | None = None,
                       **settings: Any) -> Iterator[Server]:
    """The platform app in this process, served by uvicorn in a thread on 127.0.0.1 over a real
    database seeded with the demo directory: real HTTP, without a process to start. ``settings``
    replace fields of the ``Settings`` the environment gives (``followup_due_days=45``); with
    ``fake_now`` (ISO 8601), the clock is pinned there while it serves (``core.clock.pin``).

    For the tests a process adds nothing to; those about processes (sync, faults, kills, scale-out,
    crowds, file modes) use ``running_server``.
    """
    import uvicorn

    from server_stub.core import clock
    from server_stub.core.config import Settings
    from server_stub.main import create_app

    DEMO.seed(data, db)
    clock.pin(dt.datetime.fromisoformat(fake_now) if fake_now else None)
    try:
        app = create_app(Settings.from_env(data, db, **settings))
        port = free_port()
        # no forwarding header is trusted, as ``serve`` without --forwarded-allow-ips
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                               lifespan="off", proxy_headers=False))
        thread = threading.Thread(target=server.run, name=f"platform:{port}", daemon=True)
        thread.start()
        try:
            deadline = time.monotonic() + 30
            while not server.started:
                if not thread.is_alive() or time.monotonic() > deadline:
                    raise RuntimeError("the in-process server did not start")
                time.sleep(0.01)
            yield Server(f"http://127.0.0.1:{port}", data, db)
        finally:
            server.should_exit = True
            thread.join(timeout=10)
            app.state.engine.dispose()
    finally:
        clock.pin(None)


@pytest.fixture
def server(tmp_path: Path, database_url: str) -> Iterator[ServerProcess]:
    """A fresh server for one test (use it when the test changes what others would see)."""
    with running_server(tmp_path / "server-data", database_url) as process:
        yield process


@contextlib.contextmanager
def shared(tmp_path_factory: pytest.TempPathFactory, name: str,
           serve: Callable[[Path, str], contextlib.AbstractContextManager[Any]]) -> Iterator[Any]:
    """``serve(data, db)`` on a database of its own for a whole module, dropped after it."""
    directory = tmp_path_factory.mktemp(name)
    databases = Databases(directory)
    try:
        with serve(directory / "server-data", databases.make()) as served:
            yield served
    finally:
        databases.drop_all()


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One server for a whole test module whose tests do not disturb each other."""
    with shared(tmp_path_factory, "shared-server", running_server) as process:
        yield process


@pytest.fixture
def app_server(tmp_path: Path, database_url: str) -> Iterator[Server]:
    """A fresh server for one test, in this process (``serving_in_process``)."""
    with serving_in_process(tmp_path / "server-data", database_url) as served:
        yield served


@pytest.fixture(scope="module")
def shared_app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server in this process for a whole test module whose tests do not disturb each other."""
    with shared(tmp_path_factory, "shared-app-server", serving_in_process) as served:
        yield served
