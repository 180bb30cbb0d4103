"""Photo upload and serving through the platform, with the photos in the data directory and in
an S3-compatible object store (SeaweedFS, started here), in the same run (issue 29 point 1).

One database (SQLite, seeded with a small demo directory) and two ``python -m server_stub serve``
processes on two data directories: one keeps its photos in its directory (the embedded default),
the other in a bucket (``ZSC_PHOTOS=s3://…``). One enrolled phone sends ``--photos`` JPEGs of
~380 KB to each (a set of its own for each, ``--clients`` at once), then fetches each back. The
floor of each is its store alone, in this process, no HTTP: ``put`` then ``get`` of the same
photos (for the directory, an fsynced file write and a read; for S3, the PUT with its SHA-256 and
the GET with its hash check).

Run from the repository root: ``python -m bench.photo_store [--photos 300] [--clients 4]``.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
import httpx

from bench.sync import cli, enrol, photo_bytes
from server_stub.core.config import Settings
from server_stub.records.photo_store import DirectoryPhotoStore, PhotoStore, open_photo_store
from sync import generate_key
from tests.utils.launcher import free_port, spawn_server
from tests.utils.objectstore import Weed, new_bucket, store_env


def rate(photos: list[bytes], seconds: float) -> float:
    return sum(map(len, photos)) / seconds / 1e6


def timed(photos: list[bytes], clients: int, call: Callable[[bytes], None]) -> float:
    """MB/s of ``call`` over every photo but the first (done first, untimed), ``clients`` at once."""
    call(photos[0])
    photos = photos[1:]
    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(call, photos))
    return rate(photos, time.perf_counter() - start)


def store_alone(store: PhotoStore, photos: list[bytes], clients: int) -> tuple[float, float]:
    """(put, get) MB/s of the store itself: the floor under the platform's figures."""
    def put(data: bytes) -> None:
        assert store.put(hashlib.sha256(data).hexdigest(), data)

    def get(data: bytes) -> None:
        assert store.get(hashlib.sha256(data).hexdigest()) == data

    return timed(photos, clients, put), timed(photos, clients, get)


def through_platform(url: str, token: str, photos: list[bytes], clients: int) -> tuple[float, float]:
    """(upload, serve) MB/s through the server at ``url``."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "image/jpeg"}
    with httpx.Client(base_url=url, headers=headers, timeout=60,
                      limits=httpx.Limits(max_connections=clients)) as client:
        def upload(data: bytes) -> None:
            answer = client.put(f"/api/v1/photos/{hashlib.sha256(data).hexdigest()}", content=data)
            assert answer.status_code == 201, answer.text

        def serve(data: bytes) -> None:
            answer = client.get(f"/api/v1/photos/{hashlib.sha256(data).hexdigest()}")
            assert answer.status_code == 200 and answer.content == data, answer.text

        return timed(photos, clients, upload), timed(photos, clients, serve)


@contextmanager
def server(data: Path, db: str, env: dict[str, str] | None = None) -> Iterator[str]:
    port = free_port()
    process: subprocess.Popen[bytes] = spawn_server(data, db, port, env)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait()


@click.command()
@click.option("--photos", "count", default=300, show_default=True)
@click.option("--clients", default=4, show_default=True, help="requests at once")
@click.option("--smoke", is_flag=True, help="A tiny run in seconds, as CI runs it (tests/test_benches.py).")
def main(count: int, clients: int, smoke: bool) -> None:
    side, entities = 700, 300
    if smoke:
        count, clients, side = 4, 2, 200
    # a set of its own per run, and a first photo of each run left out of the timing: SeaweedFS
    # makes its volumes on the first write, and each client its connections
    sets = [[photo_bytes(n + offset, side) for n in range(count + 1)]
            for offset in (0, 100_000, 200_000, 300_000)]
    size = sum(map(len, sets[0][1:])) / count / 1000
    click.echo(f"{count} photos of {size:.0f} KB per run, {clients} at once")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        weed = Weed(work / "weed").start()
        try:
            env = store_env(weed.url, weed.key, weed.secret, new_bucket(weed.url, weed.key, weed.secret))
            db = f"sqlite:///{work / 'zsc.db'}"
            inspector = cli("seed-demo", "--entities", str(entities), "--no-year", "--no-history",
                            data=work / "disk", db=db).split()[-1]
            admin = cli("admin-token", data=work / "disk", db=db).split()[-1]
            (work / "bucket").mkdir(mode=0o700)
            for key in ("server_key", "admin_token"):
                shutil.copy2(work / "disk" / key, work / "bucket" / key)
            fields: dict[str, Any] = {k.removeprefix("ZSC_").lower(): v for k, v in env.items()}
            bucket_settings = Settings.from_env(work / "floor", db, **fields)
            floors = {"directory": store_alone(DirectoryPhotoStore(work / "floor-photos"), sets[2], clients),
                      "S3": store_alone(open_photo_store(bucket_settings), sets[3], clients)}
            figures = {}
            with server(work / "disk", db) as disk_url, server(work / "bucket", db, env) as bucket_url:
                token = enrol(disk_url, inspector, admin, generate_key())["token"]
                figures["directory"] = through_platform(disk_url, token, sets[0], clients)
                figures["S3"] = through_platform(bucket_url, token, sets[1], clients)
        finally:
            weed.stop()
    for name in ("directory", "S3"):
        (up, down), (put, get) = figures[name], floors[name]
        click.echo(f"[{name}] upload {up:6.1f} MB/s through HTTP (store alone {put:6.1f} MB/s, ratio "
                   f"{up / put:.2f}); serve {down:6.1f} MB/s (store alone {get:6.1f} MB/s, ratio {down / get:.2f})")
    (up_d, down_d), (up_s, down_s) = figures["directory"], figures["S3"]
    click.echo(f"S3 beside directory through the platform: upload {up_s / up_d:.2f}×, serve {down_s / down_d:.2f}×")


if __name__ == "__main__":
    main()
