"""What the platform writes is readable by its owner only (issue 11 point 10b): checked on disk
after a real server process has stored a photo."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

import sqlalchemy as sa

from tests.conftest import ServerProcess
from tests.utils.phone import Phone, busiest_inspector, jpeg


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_data_database_photos_and_keys_are_the_owners_only(server: ServerProcess) -> None:
    phone = Phone(server, busiest_inspector(server)).enroll()
    photo = jpeg(5)
    stored = phone.client.put(f"/api/v1/photos/{hashlib.sha256(photo).hexdigest()}", content=photo)
    assert stored.status_code == 201, stored.text

    found = {p.relative_to(server.data).as_posix(): p for p in server.data.rglob("*")}
    assert {"admin_token", "server_key"} <= set(found)
    assert any(name.endswith(".jpg") for name in found), "the photo is in the data directory"
    assert mode(server.data) == 0o700
    for name, path in found.items():
        assert mode(path) == (0o700 if path.is_dir() else 0o600), name

    url = sa.engine.make_url(server.db)
    if url.get_backend_name() == "sqlite" and url.database:  # PostgreSQL keeps its own files
        database = Path(url.database)
        files = [database, Path(f"{database}-wal"), Path(f"{database}-shm")]
        assert all(f.exists() for f in files), "WAL mode: the server has all three open"
        assert [oct(mode(f)) for f in files] == [oct(0o600)] * 3

