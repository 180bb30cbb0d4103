"""A real platform server and the real Flet web app, each its own process, for browser tests."""

from __future__ import annotations

import contextlib
import inspect
import os
import subprocess
import sys
import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx
import pytest

from tests.browser.driver import CHROMIUM
from tests.conftest import DEMO, run_cli
from tests.utils.launcher import PROJECT_ROOT, free_port, spawn_server


@dataclass
class Platform:
    """The server process, restartable on the same port and data (to go offline and back)."""

    data: Path
    db: str
    port: int
    inspector: str
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = spawn_server(self.data, self.db, self.port)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def enrolment_code(self, inspector: str | None = None, role: str = "inspector") -> str:
        out = run_cli("enroll-code", "--inspector", inspector or self.inspector, "--role", role,
                      data=self.data, db=self.db)
        return out.stdout.strip().splitlines()[-1]


@contextlib.contextmanager
def started_platform(directory: Path) -> Iterator[Platform]:
    """A server process on a copy of the session's demo directory (``tests/conftest.py``)."""
    data, db = directory / "server-data", f"sqlite:///{directory / 'server.db'}"
    seeded = DEMO.seed(data, db)
    server = Platform(data, db, free_port(), seeded.strip().splitlines()[-1])
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[Platform]:
    with started_platform(tmp_path) as server:
        yield server


@dataclass
class AppProcess:
    url: str
    data_dir: Path
    process: subprocess.Popen[bytes]
    log: IO[bytes]


def start_app(platform: Platform, directory: Path, **extra_env: str) -> AppProcess:
    """``python -m app`` serving the web client from its own data and key directories, syncing
    with ``platform`` every 3 s (``extra_env`` on top, e.g. ``TZ``); returned once it answers."""
    port = free_port()
    data_dir = directory / "app-data"
    env = {**os.environ, "ZSC_SERVER_URL": platform.url, "ZSC_WEB_PORT": str(port),
           "ZSC_APP_DATA_DIR": str(data_dir), "ZSC_KEY_DIR": str(directory / "keys"),
           "ZSC_SYNC_INTERVAL_SECONDS": "3", "PYTHONUNBUFFERED": "1", **extra_env}
    directory.mkdir(parents=True, exist_ok=True)
    log = open(directory / "app.log", "wb")  # noqa: SIM115 - closed by stop_app
    process = subprocess.Popen([sys.executable, "-m", "app"], cwd=PROJECT_ROOT, env=env,
                               stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            log.close()
            raise RuntimeError(f"the app did not start: {(directory / 'app.log').read_text()}")
        time.sleep(0.2)
    return AppProcess(url, data_dir, process, log)


def stop_app(app: AppProcess) -> None:
    """Stop the app and print the end of its log: pytest shows it only when the test failed,
    which is when the app's side of the story is wanted (CI keeps nothing else)."""
    app.process.terminate()
    app.process.wait(timeout=10)
    app.log.close()
    lines = (app.data_dir.parent / "app.log").read_text(errors="replace").splitlines()
    print("--- the end of the app's log ---", *lines[-60:], sep="\n")


@pytest.fixture
def app_process(platform: Platform, tmp_path: Path) -> Iterator[AppProcess]:
    """The app as an inspector's phone would run it (see ``start_app``)."""
    app = start_app(platform, tmp_path)
    yield app
    stop_app(app)


@pytest.fixture
def utc_app(platform: Platform, tmp_path: Path) -> Iterator[AppProcess]:
    """The inspector's app on a host whose clock is set to UTC (a typical server)."""
    app = start_app(platform, tmp_path, TZ="UTC")
    yield app
    stop_app(app)


@pytest.fixture
def supervisor_app(platform: Platform, tmp_path: Path) -> Iterator[AppProcess]:
    """A second app process, with data and key directories of its own: the supervisor's phone."""
    app = start_app(platform, tmp_path / "supervisor")
    yield app
    stop_app(app)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without Debian's Chromium the browser tests are skipped, saying why, where a developer
    runs them; where ``ZSC_REQUIRE_BROWSER`` is set (.ci/run sets it) they run, and fail."""
    if Path(CHROMIUM).exists() or os.environ.get("ZSC_REQUIRE_BROWSER"):
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} 不存在：浏览器测试需要 Debian 的 chromium 软件包"
                                   "（apt-get install chromium；scripts/test.sh 以 root 运行时会自动安装）")
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(skip)


_STEPS = pytest.StashKey[dict[str, str]]()
"""On a module marked ``steps``: each step's outcome so far (passed, failed, skipped)."""


def _steps_before(item: pytest.Item) -> list[str]:
    """The names of the steps written above ``item`` in its module, in order (selected or not)."""
    here = item.reportinfo()[1] or 0
    module = getattr(item, "module", None)
    steps = [(value.__code__.co_firstlineno, name) for name, value in vars(module).items()
             if name.startswith("test") and inspect.isfunction(value)]
    return [name for line, name in sorted(steps) if line < here]


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A step of a ``steps`` module runs only after every step above it has passed; otherwise it
    is skipped, naming the first step that did not pass (so a failure shows once, at its step,
    and a step selected alone says that it needs those above it)."""
    if item.get_closest_marker("steps") is None or item.parent is None:
        return
    outcomes = item.parent.stash.setdefault(_STEPS, {})
    for earlier in _steps_before(item):
        outcome = outcomes.get(earlier, "not run: select the whole module")
        if outcome != "passed":
            pytest.skip(f"an earlier step did not pass: {earlier} ({outcome})")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item,
                              call: pytest.CallInfo[None]) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.failed and report.when == "call":
        report.sections.append(("the machine when it failed", _machine()))
    if item.get_closest_marker("steps") is not None and item.parent is not None:
        outcomes = item.parent.stash.setdefault(_STEPS, {})
        if report.failed or report.skipped:
            outcomes.setdefault(item.name, report.outcome)
        elif report.when == "call":
            outcomes.setdefault(item.name, "passed")
    return report


def _machine() -> str:
    """The load and the busiest processes: whether a browser test failed on a starved machine
    (CI keeps nothing but its log)."""
    busiest = subprocess.run(["ps", "-eo", "pcpu,etime,args", "--sort=-pcpu"], capture_output=True,
                             text=True, check=False).stdout.splitlines()[:8]
    return "\n".join([f"load average {os.getloadavg()}", *(line[:160] for line in busiest)])
