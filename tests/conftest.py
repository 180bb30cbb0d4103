"""Fixtures shared by every test directory."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_cli(*args: str, data: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run ``python -m server_stub ARGS --data DATA`` as a real process."""
    return subprocess.run(
        [sys.executable, "-m", "server_stub", *args, "--data", str(data)],
        cwd=ROOT, capture_output=True, text=True, check=check, timeout=300,
    )


@dataclass
class ServerProcess:
    url: str
    data: Path
    process: subprocess.Popen[bytes]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    """The platform server as a real process on 127.0.0.1, seeded with the demo directory."""
    data = tmp_path / "server-data"
    run_cli("seed-demo", "--entities", "300", data=data)
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "server_stub", "serve", "--data", str(data),
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
    yield ServerProcess(url, data, process)
    process.terminate()
    process.wait(timeout=10)
