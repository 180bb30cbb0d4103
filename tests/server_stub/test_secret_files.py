"""Secrets made once per data directory: the first process's value is everyone's."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from server_stub.core.admin_token import admin_token
from server_stub.core.secret_files import create_once
from tests.utils.launcher import PROJECT_ROOT


def test_a_value_made_meanwhile_by_another_process_wins(tmp_path: Path) -> None:
    path = tmp_path / "data" / "admin_token"

    def slow_make() -> bytes:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"first")  # another process finishes while this one is still making
        return b"second"

    assert create_once(path, slow_make) == b"first"
    assert path.read_bytes() == b"first" and [p.name for p in path.parent.iterdir()] == ["admin_token"]


def test_the_made_file_is_its_owners_only(tmp_path: Path) -> None:
    assert create_once(tmp_path / "k", lambda: b"secret") == b"secret"
    assert (tmp_path / "k").stat().st_mode & 0o777 == 0o600
    assert create_once(tmp_path / "k", lambda: b"other") == b"secret"


def test_servers_starting_together_on_a_fresh_directory_share_one_admin_token(tmp_path: Path) -> None:
    script = "import sys; from pathlib import Path; from server_stub.core.admin_token import admin_token; " \
             "print(admin_token(Path(sys.argv[1])))"
    processes = [subprocess.Popen([sys.executable, "-c", script, str(tmp_path / "data")], cwd=PROJECT_ROOT,
                                  stdout=subprocess.PIPE, text=True) for _ in range(8)]
    tokens = {p.communicate(timeout=60)[0].strip() for p in processes}
    assert tokens == {admin_token(tmp_path / "data")} and len(tokens.pop()) >= 32
