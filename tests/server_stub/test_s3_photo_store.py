"""The photo store on a real S3-compatible object store (SeaweedFS, ``scripts/objectstore.sh``):
what ``DirectoryPhotoStore`` promises, over the S3 API, and a store that fails answers 503."""

from __future__ import annotations

import base64
import hashlib
import threading
import time
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from botocore.exceptions import ClientError

from server_stub.core import tables as t
from server_stub.core.config import Settings
from server_stub.core.db import make_engine
from server_stub.core.errors import Damaged, Unavailable
from server_stub.records.photo_store import S3Location, S3PhotoStore, open_photo_store
from tests.conftest import serving_in_process
from tests.utils.launcher import free_port
from tests.utils.objectstore import S3_KEY, S3_SECRET, S3_URL, client, new_bucket, store_settings
from tests.utils.phone import Phone, busiest_inspector, jpeg

pytestmark = pytest.mark.skipif(S3_URL is None, reason="needs ZSC_TEST_S3_URL (scripts/objectstore.sh)")

DATA = jpeg(7)
NAME = hashlib.sha256(DATA).hexdigest()


@pytest.fixture
def bucket() -> str:
    assert S3_URL is not None
    return new_bucket(S3_URL, S3_KEY, S3_SECRET)


def s3_store(tmp_path: Path, bucket: str, endpoint: str | None = None, secret: str | None = None,
             prefix: str = "") -> S3PhotoStore:
    fields = store_settings(endpoint or S3_URL or "", S3_KEY, secret or S3_SECRET,
                            bucket + (f"/{prefix}" if prefix else ""))
    store = open_photo_store(Settings.from_env(tmp_path, s3_connect_timeout=1, **fields))
    assert isinstance(store, S3PhotoStore)
    return store


def test_put_get_has_and_idempotent_put(tmp_path: Path, bucket: str) -> None:
    store = s3_store(tmp_path, bucket)
    assert not store.has(NAME)
    assert store.put(NAME, DATA) is True
    assert store.put(NAME, DATA) is False
    assert store.has(NAME) and store.get(NAME) == DATA
    assert list(store.names()) == [NAME]
    keys = [o["Key"] for o in client(S3_URL or "", S3_KEY, S3_SECRET)
            .list_objects_v2(Bucket=bucket)["Contents"]]
    assert keys == [f"photos/{NAME}"], "content-addressed, under the default prefix"
    assert not list(tmp_path.rglob("*.jpg")), "nothing on the local disk"


def test_prefix_keeps_the_photos_apart(tmp_path: Path, bucket: str) -> None:
    store = s3_store(tmp_path, bucket, prefix="city/zsc")
    assert store.location == S3Location(bucket, "city/zsc/")
    store.put(NAME, DATA)
    assert s3_store(tmp_path, bucket).has(NAME) is False
    assert list(store.names()) == [NAME]


def test_wrong_hash_is_refused_and_leaves_nothing(tmp_path: Path, bucket: str) -> None:
    store = s3_store(tmp_path, bucket)
    with pytest.raises(ValueError):
        store.put("0" * 64, DATA)
    assert list(store.names()) == []


def test_the_store_itself_refuses_bytes_that_do_not_match_their_checksum(bucket: str) -> None:
    """What a PUT relies on when bytes are damaged between the platform and the store: the
    store checks ``x-amz-checksum-sha256`` and keeps nothing."""
    s3 = client(S3_URL or "", S3_KEY, S3_SECRET)
    other = base64.b64encode(hashlib.sha256(b"other bytes").digest()).decode()
    with pytest.raises(ClientError) as refused:
        s3.put_object(Bucket=bucket, Key=f"photos/{NAME}", Body=DATA, ChecksumSHA256=other)
    assert refused.value.response["Error"]["Code"] == "BadDigest"
    assert s3.list_objects_v2(Bucket=bucket).get("KeyCount") == 0


@pytest.mark.parametrize("name", ["../../etc/passwd", "ABC", "g" * 64, NAME.upper()])
def test_missing_and_malformed_names_are_unknown(tmp_path: Path, bucket: str, name: str) -> None:
    store = s3_store(tmp_path, bucket)
    assert not store.has(name)
    with pytest.raises(KeyError):
        store.get(name)
    with pytest.raises(KeyError):
        store.get(NAME)


def test_damaged_object_is_never_served(tmp_path: Path, bucket: str) -> None:
    client(S3_URL or "", S3_KEY, S3_SECRET).put_object(Bucket=bucket, Key=f"photos/{NAME}",
                                                       Body=DATA[:-10])
    with pytest.raises(Damaged):
        s3_store(tmp_path, bucket).get(NAME)


def test_concurrent_puts_of_one_photo(tmp_path: Path, bucket: str) -> None:
    store = s3_store(tmp_path, bucket)
    results: list[bool] = []
    threads = [threading.Thread(target=lambda: results.append(store.put(NAME, DATA))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert store.get(NAME) == DATA and len(results) == 8 and any(results)
    assert list(store.names()) == [NAME]


def test_store_down_or_refusing_is_unavailable_in_seconds(tmp_path: Path, bucket: str) -> None:
    down = s3_store(tmp_path, bucket, endpoint=f"http://127.0.0.1:{free_port()}")
    wrong = s3_store(tmp_path, bucket, secret="not-the-secret")
    for store in (down, wrong):
        started = time.monotonic()
        for call in (lambda s=store: s.put(NAME, DATA), lambda s=store: s.get(NAME),
                     lambda s=store: s.has(NAME), lambda s=store: list(s.names()), store.check):
            with pytest.raises(Unavailable) as e:
                call()
            assert e.value.code == "photo_store_unavailable" and e.value.retry_after > 0
        assert time.monotonic() - started < 30
    with pytest.raises(Unavailable):
        s3_store(tmp_path, "zsc-no-such-bucket").check()


def test_the_api_through_the_object_store(tmp_path: Path, bucket: str, database_url: str) -> None:
    """Upload, serve and thumbnail through the platform, nothing on its disk."""
    settings = store_settings(S3_URL or "", S3_KEY, S3_SECRET, bucket)
    with serving_in_process(tmp_path / "data", database_url, **settings) as server:
        phone = Phone(server, busiest_inspector(server)).enroll()
        assert phone.client.put(f"/api/v1/photos/{NAME}", content=DATA).status_code == 201
        assert phone.client.put(f"/api/v1/photos/{NAME}", content=DATA).status_code == 200
        got = phone.client.get(f"/api/v1/photos/{NAME}")
        assert got.status_code == 200 and got.content == DATA
        assert phone.client.get(f"/api/v1/photos/{NAME}/thumbnail").status_code == 200
        assert httpx.get(f"{server.url}/api/v1/photos/{NAME}").status_code == 401
    assert list(s3_store(tmp_path, bucket).names()) == [NAME]
    assert not (tmp_path / "data" / "photos").exists(), "no photo on the server's disk"


def test_store_down_answers_503_and_stores_nothing(tmp_path: Path, database_url: str) -> None:
    """Never a 500, nor the store's address in the answer; the photo is not counted as stored,
    so the phone sends it again."""
    down = store_settings(f"http://127.0.0.1:{free_port()}", S3_KEY, S3_SECRET, "zsc-photos")
    with serving_in_process(tmp_path / "data", database_url, s3_connect_timeout=1, **down) as server:
        phone = Phone(server, busiest_inspector(server)).enroll()
        answer = phone.client.put(f"/api/v1/photos/{NAME}", content=DATA)
        assert answer.status_code == 503, answer.text
        assert answer.json()["error"]["code"] == "photo_store_unavailable"
        assert int(answer.headers["Retry-After"]) > 0
        assert "127.0.0.1" not in answer.text and "zsc-photos" not in answer.text
    engine = make_engine(database_url)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.photos)).scalar_one() == 0
    engine.dispose()
