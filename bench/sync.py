"""Ingest throughput through the real server over loopback, beside the raw limit.

Pushes 5,000 signed records (with the app's sync engine, from the app's offline store) and,
separately, 500 photos of ~250 KB, to a real ``python -m server_stub serve`` process. The raw limit,
measured in the same run, is what ingest cannot beat: per record one Ed25519 verification and one
SQLite insert in its own transaction, no HTTP; per photo one SHA-256 and one fsynced file write.

Run from the repository root: ``python -m bench.sync [--records 5000] [--photos 500]
[--db postgresql+psycopg://…]`` (``--db`` may be repeated; SQLite in a temporary directory is
always measured).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import click
import httpx
from PIL import Image

from app.store import Enrolment, LocalStore
from server_stub.records.photo_store import DirectoryPhotoStore
from sync import (
    Envelope,
    ItemResult,
    Outcome,
    Record,
    RecordItem,
    SyncEngine,
    generate_key,
    new_record_id,
    public_key_b64,
    record_hash,
    sign_record,
    verify_envelope,
)
from tests.utils.launcher import PROJECT_ROOT, free_port, spawn_server
from tests.utils.workload import add_tasks


def cli(*args: str, data: Path, db: str) -> str:
    done = subprocess.run([sys.executable, "-m", "server_stub", *args, "--data", str(data), "--db", db],
                          cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    return done.stdout


def enrol(url: str, inspector: str, admin_token: str, key: Any) -> dict[str, Any]:
    admin = {"Authorization": f"Bearer {admin_token}"}
    code = httpx.post(f"{url}/api/v1/enrollment-codes", json={"inspector_id": inspector},
                      headers=admin).json()["code"]
    answer = httpx.post(f"{url}/api/v1/enroll",
                        json={"code": code, "public_key": public_key_b64(key), "device_name": "bench"})
    answer.raise_for_status()
    result: dict[str, Any] = answer.json()
    return result


def recent_visit() -> tuple[str, str]:
    """A visit's start and end a few minutes ago, China time: after the draw the bench's server
    made at its start (a visit before its task's draw is refused) and not after its now."""
    finished = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).replace(microsecond=0)
    finished -= dt.timedelta(minutes=1)
    return (finished - dt.timedelta(minutes=4)).isoformat(), finished.isoformat()


def signed_records(tasks: list[dict[str, Any]], device_id: str, key: Any, count: int) -> list[Envelope]:
    envelopes: list[Envelope] = []
    prev = None
    started, finished = recent_visit()
    for seq in range(1, count + 1):
        task = tasks[seq - 1]  # a task takes one record
        record = Record(
            id=new_record_id(), task_id=task["id"], credit_code=task["credit_code"],
            inspectors=tuple(m["id"] for m in task["team"]),
            items=tuple(RecordItem(code=i["code"], result=ItemResult.PASS) for i in task["items"]),
            outcome=Outcome.NO_PROBLEM, location=None, started_at=started,
            finished_at=finished, device_id=device_id, seq=seq, prev=prev,
        ).to_json()
        prev = record_hash(record)
        envelopes.append(sign_record(record, key, device_id))
    return envelopes


def photo_bytes(seed: int, side: int = 570) -> bytes:
    """A JPEG of noise ``side`` pixels square (it compresses poorly, like a detailed photo): about
    250 KB at the default, 40 KB at 200."""
    rng = random.Random(seed)
    image = Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def raw_record_limit(envelopes: list[dict[str, Any]], public_key: str, directory: Path) -> float:
    """Records per second for verify + one SQLite insert per record (own transaction), no HTTP."""
    conn = sqlite3.connect(directory / "raw.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE records (id TEXT PRIMARY KEY, hash TEXT UNIQUE, envelope TEXT)")
    bodies = [json.dumps(e, ensure_ascii=False).encode() for e in envelopes]
    start = time.perf_counter()
    for body in bodies:
        record = verify_envelope(json.loads(body), public_key)
        conn.execute("BEGIN")
        conn.execute("INSERT INTO records VALUES (?, ?, ?)", (record["id"], record_hash(record), body))
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return len(envelopes) / elapsed


def raw_photo_limit(photos: list[bytes], directory: Path) -> float:
    store = DirectoryPhotoStore(directory / "raw-photos")
    start = time.perf_counter()
    for data in photos:
        store.put(hashlib.sha256(data).hexdigest(), data)
    return sum(map(len, photos)) / (time.perf_counter() - start) / 1e6


def measure(db: str | None, records: int, photos: list[bytes], work: Path,
            entities: int | None = None) -> tuple[float, float, Any]:
    data = work / "server"
    db = db or f"sqlite:///{work / 'server.db'}"
    # a task takes one record (issue 23): as many entities as records, plus the demo's own
    seeded = str(entities or max(2000, records + 1000))
    inspector = cli("seed-demo", "--entities", seeded, data=data, db=db).split()[-1]
    add_tasks(db, [inspector], records)
    token = cli("admin-token", data=data, db=db).split()[-1]
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = spawn_server(data, db, port)
    try:
        key = generate_key()
        device = enrol(url, inspector, token, key)
        headers = {"Authorization": f"Bearer {device['token']}"}
        tasks = httpx.get(f"{url}/api/v1/tasks", headers=headers, timeout=60).json()["tasks"]
        envelopes = signed_records(tasks, device["device_id"], key, records)
        store = LocalStore.open(work / "phone.db")
        store.save_enrolment(Enrolment(url, device["device_id"], device["token"], "inspector", {}, ""))
        for envelope in envelopes:
            store.add_signed_record(dict(envelope), record_hash(envelope["record"]), "")
        with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
            start = time.perf_counter()
            result = SyncEngine(client, store).push()
            record_rate = records / (time.perf_counter() - start)
            assert len(result.accepted) == records, result.rejected[:3]
            start = time.perf_counter()
            for data_ in photos:
                answer = client.put(f"/api/v1/photos/{hashlib.sha256(data_).hexdigest()}", content=data_,
                                    headers={"Content-Type": "image/jpeg"})
                assert answer.status_code == 201, answer.text
            photo_rate = sum(map(len, photos)) / (time.perf_counter() - start) / 1e6
        return record_rate, photo_rate, (envelopes, public_key_b64(key))
    finally:
        server.terminate()
        server.wait()


@click.command()
@click.option("--records", default=5000, show_default=True)
@click.option("--photos", "photo_count", default=500, show_default=True)
@click.option("--db", "dbs", multiple=True, help="also measure the server on this database URL")
@click.option("--smoke", is_flag=True, help="A tiny run in seconds, as CI runs it (tests/test_benches.py).")
def main(records: int, photo_count: int, dbs: tuple[str, ...], smoke: bool) -> None:
    entities = None
    if smoke:
        records, photo_count, entities = 3, 2, 300
    photos = [photo_bytes(n) for n in range(photo_count)]
    click.echo(f"{records} records; {photo_count} photos of {sum(map(len, photos)) / photo_count / 1000:.0f} KB")
    for db in (None, *dbs):
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            record_rate, photo_rate, (envelopes, public_key) = measure(db, records, photos, work, entities)
            raw_records = raw_record_limit(envelopes, public_key, work)
            raw_photos = raw_photo_limit(photos, work)
        label = "SQLite" if db is None else db.split("://")[0].split("+")[0]
        click.echo(f"[{label}] records: {record_rate:,.0f}/s through HTTP, raw limit {raw_records:,.0f}/s "
                   f"(ratio {record_rate / raw_records:.2f})")
        click.echo(f"[{label}] photos:  {photo_rate:,.1f} MB/s through HTTP, raw limit {raw_photos:,.1f} MB/s "
                   f"(ratio {photo_rate / raw_photos:.2f})")


if __name__ == "__main__":
    main()
