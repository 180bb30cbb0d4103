"""A photo's write to a disk that is full or slow: a clear 507, nothing half-stored, and the phone
keeps everything and retries (the ENOSPC is the kernel's own: the photo store writes to
/dev/full); and the write comes before the request takes a pooled connection, so a slow disk
holds none."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlite_utils import Database

from app.store import LocalStore
from server_stub.core import tables as t
from server_stub.core.config import Settings
from server_stub.core.db import migrate
from server_stub.directory import queries
from server_stub.directory.demo import generate
from server_stub.field.devices import Device, enroll
from server_stub.field.enrollment import issue_code
from server_stub.main import create_app
from server_stub.records.photo_store import DirectoryPhotoStore
from sync import (
    RetryPolicy,
    SyncEngine,
    TransportError,
    generate_key,
    public_key_b64,
    record_hash,
    sign_record,
)
from tests.sync.factories import make_record
from tests.utils.actors import TESTER
from tests.utils.phone import jpeg

pytestmark = pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")


class DevFullStore(DirectoryPhotoStore):
    """A photo store on a disk with no space left: every write fails with ENOSPC."""

    def put(self, sha256: str, data: bytes) -> bool:
        with open("/dev/full", "wb") as disk:
            disk.write(data)
            disk.flush()
        return True


class WatchedStore(DirectoryPhotoStore):
    """A photo store that notes how many of the platform's pooled connections are out while it
    writes."""

    def __init__(self, root: Path, engine: sa.Engine) -> None:
        super().__init__(root)
        self.engine = engine
        self.checked_out: list[int] = []

    def put(self, sha256: str, data: bytes) -> bool:
        self.checked_out.append(self.engine.pool.checkedout())  # type: ignore[attr-defined]
        return super().put(sha256, data)


def platform_and_phone(tmp_path: Path, database_url: str) -> tuple[FastAPI, Device, str, Ed25519PrivateKey]:
    app = create_app(Settings.from_env(tmp_path / "data", database_url))
    migrate(app.state.engine)  # as serve does before the app starts
    demo = generate(entities=50, seed=1)
    now = dt.datetime.now(dt.UTC)
    key = generate_key()
    with app.state.engine.begin() as conn:
        queries.save_inspectors(conn, inspectors=demo.inspectors, actor=TESTER)
        code = issue_code(conn, demo.inspectors[0].id, now=now, actor=TESTER)
        device, token = enroll(conn, code=code, public_key=public_key_b64(key), device_name="x", now=now)
    return app, device, token, key


def test_a_photo_is_written_before_a_connection_is_taken(tmp_path: Path, database_url: str) -> None:
    """A slow disk or object store holds none of the platform's pooled connections."""
    app, _, token, _ = platform_and_phone(tmp_path, database_url)
    app.state.photo_store = store = WatchedStore(tmp_path / "photos", app.state.engine)
    photo = jpeg(2)
    client = TestClient(app, base_url="http://platform", headers={"Authorization": f"Bearer {token}"})
    assert client.put(f"/api/v1/photos/{hashlib.sha256(photo).hexdigest()}", content=photo,
                      headers={"Content-Type": "image/jpeg"}).status_code == 201
    assert store.checked_out == [0]
    app.state.engine.dispose()


def test_full_disk_is_a_507_and_the_phone_keeps_its_record(tmp_path: Path, database_url: str) -> None:
    app, device, token, key = platform_and_phone(tmp_path, database_url)
    app.state.photo_store = DevFullStore(tmp_path / "photos")
    photo = jpeg(1)
    name = hashlib.sha256(photo).hexdigest()
    client = TestClient(app, base_url="http://platform", headers={"Authorization": f"Bearer {token}"})
    answer = client.put(f"/api/v1/photos/{name}", content=photo)
    assert answer.status_code == 507
    assert answer.json()["error"]["code"] == "storage_full" and "稍后重试" in answer.json()["error"]["message"]
    with app.state.engine.begin() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.photos)).scalar_one() == 0

    # The phone's side: the engine treats 507 like any passing server failure.
    store = LocalStore(Database(memory=True))
    record = make_record(device_id=device.id, outcome="未发现问题",
                         items=[{"code": "SP-01", "result": "合格", "note": "", "photos": [name]}])
    store.add_photo(name, photo, b"thumb", record["task_id"], "t")
    store.add_signed_record(sign_record(record, key, device.id), record_hash(record), "t")
    engine = SyncEngine(client, store, retry=RetryPolicy(attempts=2), sleep=lambda _: None)
    with pytest.raises(TransportError):
        engine.push()
    assert [p.id for p in store.pending_records()] == [record["id"]], "nothing lost on the phone"
    assert not store.is_photo_uploaded(name)
