from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import pytest

from server_stub.records.photo_store import DirectoryPhotoStore

DATA = b"\xff\xd8\xff\xe0" + b"photo" * 100
NAME = hashlib.sha256(DATA).hexdigest()


def test_put_is_idempotent(tmp_path: Path) -> None:
    store = DirectoryPhotoStore(tmp_path)
    assert not store.has(NAME)
    assert store.put(NAME, DATA) is True
    assert store.put(NAME, DATA) is False
    assert store.has(NAME) and store.get(NAME) == DATA
    assert not list(tmp_path.rglob(".part-*"))


def test_wrong_hash_is_refused_and_leaves_nothing(tmp_path: Path) -> None:
    store = DirectoryPhotoStore(tmp_path)
    with pytest.raises(ValueError):
        store.put("0" * 64, DATA)
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


@pytest.mark.parametrize("name", ["../../etc/passwd", "ABC", "g" * 64, NAME.upper()])
def test_names_that_are_not_hashes_are_unknown(tmp_path: Path, name: str) -> None:
    store = DirectoryPhotoStore(tmp_path)
    assert not store.has(name)
    with pytest.raises(KeyError):
        store.get(name)


def test_concurrent_puts_of_one_photo(tmp_path: Path) -> None:
    store = DirectoryPhotoStore(tmp_path)
    results: list[bool] = []
    threads = [threading.Thread(target=lambda: results.append(store.put(NAME, DATA))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert store.get(NAME) == DATA and len(results) == 8 and any(results)
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [f"{NAME}.jpg"]
