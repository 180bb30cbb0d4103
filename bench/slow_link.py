"""The app's own sync engine over a phone's link, beside what the bandwidth alone allows (issue 29
point 2).

A real ``python -m server_stub serve`` process sits behind a TCP proxy in this process
(``tests/utils/slow_link.py``) that adds 150 ms each way and lets the upload through at 10 Mbit/s.
Two phones, each with its own key and the same workload (R records with two photos of ~380 KB
each, in the app's offline store), push their outboxes through it with ``sync.SyncEngine``:

* ours: records in batches, one question for the photos a batch lacks, photos four at a time;
* the one-by-one engine (``batch=False``, what every app did before and still does against a
  platform from before batches): each photo, then each record, one round trip each.

The floor is the bytes the phone must send (photos and signed envelopes) at the link's rate,
with no round trip at all; each engine's time is printed beside it, and the ratio.

Run from the repository root: ``python -m bench.slow_link [--records 200] [--delay-ms 150]
[--mbit 10]``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
import time
from pathlib import Path
from typing import Any

import click
import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.store import Enrolment, LocalStore
from bench.sync import cli, enrol, photo_bytes, recent_visit
from sync import (
    ItemResult,
    Outcome,
    Record,
    RecordItem,
    SyncEngine,
    generate_key,
    new_record_id,
    record_hash,
    sign_record,
)
from tests.utils.launcher import free_port, spawn_server
from tests.utils.slow_link import SlowLink
from tests.utils.workload import add_tasks

PHOTO_SIDE = 700
"""A noise JPEG this many pixels square is about 380 KB (``bench.sync.photo_bytes``)."""


def fill_phone(path: Path, url: str, device: dict[str, str], key: Ed25519PrivateKey,
               tasks: list[dict[str, Any]], photos: list[bytes]) -> int:
    """The phone's offline store with one signed record per task, two photos each; the bytes the
    phone must send."""
    store = LocalStore.open(path)
    store.save_enrolment(Enrolment(url, device["device_id"], device["token"], "inspector", {}, ""))
    started, finished = recent_visit()
    at = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    prev, size = None, 0
    for seq, task in enumerate(tasks, start=1):
        pair = photos[2 * (seq - 1):2 * seq]
        names = tuple(hashlib.sha256(p).hexdigest() for p in pair)
        for name, data in zip(names, pair, strict=True):
            store.add_photo(name, data, b"thumb", str(task["id"]), at)
            size += len(data)
        items = tuple(RecordItem(code=i["code"], result=ItemResult.PASS, photos=names if k == 0 else ())
                      for k, i in enumerate(task["items"]))
        record = Record(
            id=new_record_id(), task_id=str(task["id"]), credit_code=str(task["credit_code"]),
            inspectors=tuple(m["id"] for m in task["team"]),
            items=items, outcome=Outcome.NO_PROBLEM, location=None, started_at=started,
            finished_at=finished, device_id=device["device_id"], seq=seq, prev=prev,
        ).to_json()
        prev = record_hash(record)
        envelope = sign_record(record, key, device["device_id"])
        store.add_signed_record(dict(envelope), prev, at)
    size += sum(len(r.envelope) for r in store.pending_records())
    return size


def push(link: SlowLink, store_path: Path, token: str, *, batch: bool) -> tuple[float, int]:
    """Seconds for the engine to empty the outbox through the link, and the bytes it sent up."""
    store = LocalStore.open(store_path)
    before = link.uploaded
    with httpx.Client(base_url=f"http://127.0.0.1:{link.port}", timeout=120,
                      headers={"Authorization": f"Bearer {token}"}) as client:
        start = time.perf_counter()
        result = SyncEngine(client, store, refill=False, batch=batch).push()
        elapsed = time.perf_counter() - start
    assert not result.rejected and not store.pending_records(), result.rejected[:3]
    return elapsed, link.uploaded - before


@click.command()
@click.option("--records", default=200, show_default=True, help="records per phone, two photos each")
@click.option("--delay-ms", default=150, show_default=True, help="added each way")
@click.option("--mbit", default=10.0, show_default=True, help="upload rate, Mbit/s")
@click.option("--smoke", is_flag=True, help="A tiny run in seconds, as CI runs it (tests/test_benches.py).")
def main(records: int, delay_ms: int, mbit: float, smoke: bool) -> None:
    side, entities = PHOTO_SIDE, str(max(2000, 2 * records + 1000))
    if smoke:
        records, side, entities = 3, 120, "300"
    photos = [photo_bytes(n, side=side) for n in range(2 * records)]
    mean = sum(map(len, photos)) / len(photos)
    click.echo(f"{records} records with {2 * records} photos of {mean / 1000:.0f} KB; link +{delay_ms} ms "
               f"each way, upload {mbit:g} Mbit/s")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        data, db = work / "server", f"sqlite:///{work / 'server.db'}"
        inspector = cli("seed-demo", "--entities", entities, data=data, db=db).split()[-1]
        added = add_tasks(db, [inspector], 2 * records)[inspector]
        token = cli("admin-token", data=data, db=db).split()[-1]
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        server = spawn_server(data, db, port)
        try:
            phones = []
            for n, label in enumerate(("ours", "one by one")):
                key = generate_key()
                device = enrol(url, inspector, token, key)
                by_id = {task["id"]: task for task in httpx.get(
                    f"{url}/api/v1/tasks", headers={"Authorization": f"Bearer {device['token']}"},
                    timeout=60).json()["tasks"]}
                tasks = [by_id[i] for i in added[n * records:(n + 1) * records]]
                path = work / f"phone-{n}.db"
                size = fill_phone(path, url, device, key, tasks, photos)
                phones.append((label, path, device["token"], size))
            rate = mbit * 1e6
            with SlowLink(port, delay=delay_ms / 1000, upload_bits_per_second=rate) as link:
                floor = phones[0][3] * 8 / rate
                click.echo(f"floor (the bytes at {mbit:g} Mbit/s, no round trip): {floor:7.1f} s "
                           f"({phones[0][3] / 1e6:.1f} MB)")
                for label, path, phone_token, _ in phones:
                    elapsed, sent = push(link, path, phone_token, batch=label == "ours")
                    click.echo(f"{label + ':':11} {elapsed:7.1f} s  ratio {elapsed / floor:5.2f}  "
                               f"({sent / 1e6:.1f} MB up with the HTTP around it)")
        finally:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
