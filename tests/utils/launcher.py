"""Starting the platform server as a child process and waiting until it answers.

Used by the integration tests, the benchmarks and anything else that needs a real server
process rather than an app object in the same process.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float = 90) -> None:
    """Return once ``url`` answers its health check; kill the process and raise if it never does.
    A process that exits is seen at once; the ceiling is for one that hangs, and is generous
    because a start on two busy cores (imports, migrations) took over 30 s."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"the server at {url} did not start")
        time.sleep(0.1)


def spawn_server(data: Path, db: str, port: int, env: dict[str, str] | None = None,
                 module: str = "server_stub", module_args: tuple[str, ...] = (),
                 workers: int = 1) -> subprocess.Popen[bytes]:
    """``python -m MODULE [MODULE_ARGS] serve [--workers N]`` on 127.0.0.1:PORT, returned once it
    answers.

    ``module`` is the server's CLI unless a test runs it through a wrapper of its own (one that
    pins the clock, say), which gets ``module_args`` before the command.
    """
    process = subprocess.Popen(
        [sys.executable, "-m", module, *module_args, "serve", "--data", str(data), "--db", db,
         "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
        cwd=PROJECT_ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
    )
    wait_until_up(f"http://127.0.0.1:{port}", process)
    return process
