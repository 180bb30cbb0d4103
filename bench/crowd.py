"""A crowd of phones syncing at once, through a real server process over loopback, beside the
raw limit of this machine (issue 12).

D phones (default 200), each with its own key and enrolment, are released together; each sends R
records (default 5) with a photo each as the app's sync engine does (issue 29 point 3): one call
asking which photos the platform lacks, the photos, then the records in one batch
(``--one-by-one``: each photo, then its record, as before batches), retrying a 503 after its
Retry-After. Meanwhile a separate process asks for ``/health`` every 50 ms. Printed per database
and worker count: records per second, p50/p95/p99 of one call (until answered; a batch is one call), errors (must be
0), 503s retried, /health latency under load, the server's CPU time per record (what bounds it
when the cores are the limit), and the raw limit measured in the same run: per record one Ed25519
verification and one insert in its own transaction into the same kind of database, no HTTP, one
process per core. Beside it, the ceiling no server can beat: that work plus the photo's check and
durable write, in CPU per record, on the cores the server's workers can use (docs/decisions.md,
"Half the raw limit cannot be reached").

Run from the repository root: ``python -m bench.crowd [--phones 200] [--records 5]
[--workers 1 --workers 2] [--db postgresql+psycopg://USER@HOST/DB]``. ``--db`` names a PostgreSQL
server whose user may create databases: each run gets a fresh one, dropped afterwards. SQLite in a
temporary directory is always measured.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import multiprocessing
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
import httpx
import psycopg
import sqlalchemy as sa
from fastapi import FastAPI, Request, Response

import sync
from bench.sync import cli, enrol, photo_bytes, recent_visit
from server_stub.core import tables as t
from server_stub.core.db import make_engine
from server_stub.records import ingest
from server_stub.records.photo_store import DirectoryPhotoStore
from sync import (
    ItemResult,
    Record,
    RecordItem,
    StaffKind,
    generate_key,
    new_record_id,
    public_key_b64,
    record_hash,
    sign_record,
    verify_envelope,
)
from tests.utils.launcher import free_port, spawn_server, wait_until_up
from tests.utils.workload import add_tasks


@dataclass
class Phone:
    token: str
    public_key: str
    uploads: list[tuple[str, bytes, bytes]] = field(default_factory=list)
    """(photo name, photo, record envelope as sent), in chain order."""


def make_phones(url: str, db: str, admin_token: str, inspectors: list[str], count: int,
                records: int, first: int = 0) -> list[Phone]:
    """``count`` phones of ``inspectors`` in turn, each with ``records`` signed records of tasks of
    its own: a task takes one record (issue 23), so the tasks are added first (``add_tasks``).
    Their photos are new to a platform that has those of phones numbered below ``first``."""
    owners = [inspectors[n % len(inspectors)] for n in range(count)]
    added = add_tasks(db, owners, records)
    phones = []
    for n, inspector in enumerate(owners):
        key = generate_key()
        device = enrol(url, inspector, admin_token, key)
        pulled = httpx.get(f"{url}/api/v1/tasks", headers={"Authorization": f"Bearer {device['token']}"},
                           timeout=60).json()["tasks"]
        by_id = {task["id"]: task for task in pulled}
        turn = n // len(inspectors)
        tasks = [by_id[task_id] for task_id in added[inspector][turn * records:(turn + 1) * records]]
        phone = Phone(device["token"], public_key_b64(key))
        prev = None
        started, finished = recent_visit()
        for seq in range(1, records + 1):
            task = tasks[seq - 1]
            photo = photo_bytes((first + n) * 1000 + seq, side=200)  # about 40 KB
            name = hashlib.sha256(photo).hexdigest()
            items = tuple(RecordItem(code=i["code"], result=ItemResult.PASS, photos=(name,) if k == 0 else ())
                          for k, i in enumerate(task["items"]))
            record = Record(
                id=new_record_id(), task_id=task["id"], credit_code=task["credit_code"],
                inspectors=tuple(m["id"] for m in task["team"]), items=items, outcome=sync.Outcome.NO_PROBLEM,
                location=None, started_at=started,
                finished_at=finished, device_id=device["device_id"], seq=seq, prev=prev,
            ).to_json()
            prev = record_hash(record)
            envelope = json.dumps(sign_record(record, key, device["device_id"]), ensure_ascii=False).encode()
            phone.uploads.append((name, photo, envelope))
        phones.append(phone)
    return phones


@dataclass
class Outcome:
    by_kind: dict[str, list[float]] = field(default_factory=dict)
    """Each call's latency, by the kind of call (``PUT /photos``, …)."""
    errors: list[str] = field(default_factory=list)
    busy: int = 0


class Connection:
    """One phone's keep-alive HTTP/1.1 connection, by hand: httpx's client costs the load
    generator more CPU per call than the server spends, and they share this machine's cores."""

    def __init__(self, port: int, token: str) -> None:
        self.port, self.token = port, token
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        self.last_statuses: list[int] = []
        """The statuses of the records of the last batch answered."""

    async def request(self, method: str, path: str, body: bytes, content_type: str) -> tuple[int, dict[str, str], bytes]:
        if self.streams is None:
            self.streams = await asyncio.open_connection("127.0.0.1", self.port)
        reader, writer = self.streams
        writer.write(f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {self.token}\r\n"
                     f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body)
        await writer.drain()
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        headers = dict(line.lower().split(": ", 1) for line in head[1:] if line)
        content = await reader.readexactly(int(headers.get("content-length", "0")))
        if path == "/api/v1/records/batch" and head[0].split()[1] == "200":
            self.last_statuses = [r["status"] for r in json.loads(content)["results"]]
        return int(head[0].split()[1]), headers, content

    def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()


def kind_of_call(method: str, path: str) -> str:
    """``PUT /photos`` for ``PUT /api/v1/photos/<name>``, and the path alone for the others."""
    path = path.removeprefix("/api/v1")
    return f"{method} {path.rsplit('/', 1)[0] if method == 'PUT' else path}"


async def call(conn: Connection, outcome: Outcome, expected: int, method: str, path: str,
               body: bytes, content_type: str) -> bool:
    """One call until answered (a 503 repeated after its Retry-After); False on an error."""
    start = time.perf_counter()
    for _ in range(30):
        try:
            status, headers, content = await asyncio.wait_for(conn.request(method, path, body, content_type), 120)
        except (OSError, asyncio.IncompleteReadError, TimeoutError) as e:
            outcome.errors.append(f"{method} {path}: {type(e).__name__}")
            return False
        if status != 503:
            break
        outcome.busy += 1
        await asyncio.sleep(float(headers.get("retry-after", "1")))
    outcome.by_kind.setdefault(kind_of_call(method, path), []).append(time.perf_counter() - start)
    if status != expected:
        outcome.errors.append(f"{method} {path}: {status} {content[:200]!r}")
        return False
    return True


async def sync_phone(port: int, phone: Phone, outcome: Outcome, start: asyncio.Event) -> None:
    """One by one, as the app did before batches: each photo, then its record."""
    conn = Connection(port, phone.token)
    await start.wait()
    try:
        for name, photo, envelope in phone.uploads:
            if not await call(conn, outcome, 201, "PUT", f"/api/v1/photos/{name}", photo, "image/jpeg"):
                return
            if not await call(conn, outcome, 201, "POST", "/api/v1/records", envelope, "application/json"):
                return
    finally:
        conn.close()


async def sync_phone_in_batches(port: int, phone: Phone, outcome: Outcome, start: asyncio.Event) -> None:
    """As the app's engine does now: which photos the platform lacks (one call), those photos,
    then every record in one batch (each answer must be 201)."""
    conn = Connection(port, phone.token)
    await start.wait()
    try:
        names = json.dumps({"sha256": [name for name, _, _ in phone.uploads]}).encode()
        if not await call(conn, outcome, 200, "POST", "/api/v1/photos/missing", names, "application/json"):
            return
        for name, photo, _ in phone.uploads:
            if not await call(conn, outcome, 201, "PUT", f"/api/v1/photos/{name}", photo, "image/jpeg"):
                return
        body = b'{"records":[' + b",".join(envelope for _, _, envelope in phone.uploads) + b"]}"
        answer = await call(conn, outcome, 200, "POST", "/api/v1/records/batch", body, "application/json")
        if answer and conn.last_statuses != [201] * len(phone.uploads):
            outcome.errors.append(f"batch: {conn.last_statuses}")
    finally:
        conn.close()


async def crowd(port: int, phones: list[Phone], batches: bool) -> tuple[Outcome, float]:
    outcome, start = Outcome(), asyncio.Event()
    push = sync_phone_in_batches if batches else sync_phone
    tasks = [asyncio.create_task(push(port, phone, outcome, start)) for phone in phones]
    await asyncio.sleep(0.5)  # every client made
    began = time.perf_counter()
    start.set()
    await asyncio.gather(*tasks)
    return outcome, time.perf_counter() - began


async def per_call_cpu(port: int, pid: int, phones: list[Phone]) -> dict[str, float]:
    """The server's CPU seconds per call of each kind, the calls made one after another by
    ``phones`` (each call on a connection of its own): where a record's cost goes, call by call."""
    async def each(kind: str, calls: list[tuple[Phone, str, str, bytes, str]]) -> None:
        before = cpu_seconds(pid)
        for phone, method, path, body, content_type in calls:
            conn = Connection(port, phone.token)
            try:
                status, _, answer = await conn.request(method, path, body, content_type)
            finally:
                conn.close()
            if status not in (200, 201) or (path.endswith("/batch") and set(conn.last_statuses) != {201}):
                raise click.ClickException(f"{method} {path}: {status} {answer[:200]!r}")
        spent[kind] = (cpu_seconds(pid) - before) / len(calls)

    spent: dict[str, float] = {}
    json_type = "application/json"
    await each("GET /health", [(phone, "GET", "/api/v1/health", b"", json_type) for phone in phones])
    await each("POST /photos/missing", [
        (phone, "POST", "/api/v1/photos/missing",
         json.dumps({"sha256": [name for name, _, _ in phone.uploads]}).encode(), json_type) for phone in phones])
    await each("PUT /photos", [(phone, "PUT", f"/api/v1/photos/{name}", photo, "image/jpeg")
                               for phone in phones for name, photo, _ in phone.uploads])
    await each(f"POST /records/batch ({len(phones[0].uploads)} records)", [
        (phone, "POST", "/api/v1/records/batch",
         b'{"records":[' + b",".join(envelope for _, _, envelope in phone.uploads) + b"]}", json_type)
        for phone in phones])
    return spent


def watch_health(url: str, stop: Any, results: Any) -> None:
    """In its own process: /health every 50 ms until ``stop`` is set (at least once); sends the
    latencies."""
    latencies: list[float] = []
    failures = 0
    with httpx.Client(base_url=url, timeout=120) as client:
        while not (latencies and stop.is_set()):
            start = time.perf_counter()
            try:
                ok = client.get("/api/v1/health").status_code == 200
            except httpx.HTTPError:
                ok = False
            latencies.append(time.perf_counter() - start)
            failures += not ok
            time.sleep(0.05)
    results.send((latencies, failures))


@contextmanager
def health_watch(url: str) -> Iterator[dict[str, Any]]:
    context = multiprocessing.get_context("spawn")
    stop = context.Event()
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=watch_health, args=(url, stop, send))
    process.start()
    found: dict[str, Any] = {}
    try:
        yield found
    finally:
        stop.set()
        found["latencies"], found["failures"] = receive.recv()
        process.join()


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of process ``pid`` and every process below it (Linux /proc)."""
    children: dict[int, list[int]] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry.name))
            times[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        total += times.get(current, 0.0)
        todo += children.get(current, [])
    return total


def machine_cpu_seconds() -> tuple[float, float]:
    """(CPU seconds spent, CPU seconds idle) by all of this machine's cores since boot: the
    first line of /proc/stat (Linux), idle counting the time waiting for the disk."""
    fields = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    idle = fields[3] + fields[4]
    return (sum(fields) - idle) / os.sysconf("SC_CLK_TCK"), idle / os.sysconf("SC_CLK_TCK")


def database_server_pid(url: str) -> int | None:
    """The PostgreSQL server's own process (its postmaster) when it runs on this machine and this
    user may read its data directory's ``postmaster.pid``; None otherwise (SQLite runs inside the
    platform's workers)."""
    if not url.startswith("postgresql"):
        return None
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            data_directory = conn.execute(sa.text("SHOW data_directory")).scalar_one()
        pid = int((Path(data_directory) / "postmaster.pid").read_text().split("\n", 1)[0])
    except (sa.exc.SQLAlchemyError, OSError, ValueError):
        return None
    finally:
        engine.dispose()
    return pid if Path(f"/proc/{pid}").is_dir() else None


@dataclass(frozen=True)
class Machine:
    """Where every core's time went while the crowd ran (CPU seconds)."""

    server: float
    load: float
    """This process: the phones' side of every call."""
    database: float | None
    """The PostgreSQL server's processes, when they run here (``database_server_pid``)."""
    busy: float
    """Every process of the machine, the two above included."""
    idle: float


def percentile(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1] if len(values) > 1 else values[0]


# --- the raw limit ---------------------------------------------------------------------------


Work = list[tuple[bytes, str, bytes | None]]
"""Per record: its envelope as sent, its device's public key, and its photo (None: the record alone)."""


def raw_insert(target: str, work: Work, photos: str | None) -> float:
    """Verify and insert each record in its own transaction (one process's share); with
    ``photos`` (a directory), first check its photo and write it durably as the platform does
    (``ingest.store_photo``: hash, header, a decode at reduced scale, an fsync'd file). Returns
    the CPU seconds this process spent on it."""
    cpu = time.process_time()
    store = DirectoryPhotoStore(Path(photos)) if photos else None
    if target.startswith("sqlite:"):
        conn: Any = sqlite3.connect(target.removeprefix("sqlite:"), isolation_level=None, timeout=60)
        conn.execute("PRAGMA synchronous=NORMAL")
        begin, mark = "BEGIN IMMEDIATE", "?"
    else:
        conn = psycopg.connect(target, autocommit=True)
        begin, mark = "BEGIN", "%s"
    for body, public_key, photo in work:
        if store is not None and photo is not None:
            ingest.store_photo(store, hashlib.sha256(photo).hexdigest(), photo)
        record = verify_envelope(json.loads(body), public_key)
        conn.execute(begin)
        conn.execute(f"INSERT INTO raw_records VALUES ({mark}, {mark}, {mark})",
                     (record["id"], record_hash(record), body.decode()))
        conn.execute("COMMIT")
    conn.close()
    return time.process_time() - cpu


@dataclass(frozen=True)
class Raw:
    """The raw limit: records per second on every core, and the CPU seconds one record cost its
    process (the database server's own share, PostgreSQL's, not counted)."""

    rate: float
    cpu_per_record: float


def _ready(_: int) -> None:
    """Nothing, in a pool's process: the first task naming a function of this module imports it
    there (FastAPI, SQLAlchemy, the platform: a second or two a process). Run with
    ``python -m bench.crowd`` a spawned process imports it as it starts; called from elsewhere
    (``bench.crowd.run`` from a script) it did so inside the timed work, and the raw limit on
    PostgreSQL came out at 540-600 records/s where it is 1,800-2,900."""


def raw_limit(target: str, work: Work, photos: str | None = None) -> Raw:
    """Verify + one insert per record (with ``photos``, a directory: and the check and durable
    write of its photo), one process per core."""
    create = "CREATE TABLE raw_records (id TEXT PRIMARY KEY, hash TEXT UNIQUE, envelope TEXT)"
    if target.startswith("sqlite:"):
        with sqlite3.connect(target.removeprefix("sqlite:")) as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("DROP TABLE IF EXISTS raw_records")
            conn.execute(create)
    else:
        with psycopg.connect(target, autocommit=True) as conn:
            conn.execute("DROP TABLE IF EXISTS raw_records")
            conn.execute(create)
    cores = os.cpu_count() or 1
    context = multiprocessing.get_context("spawn")
    with context.Pool(cores) as pool:
        pool.map(_ready, range(cores))  # started, and this module imported, before the clock
        start = time.perf_counter()
        spent = pool.starmap(raw_insert, [(target, work[n::cores], photos) for n in range(cores)])
        return Raw(len(work) / (time.perf_counter() - start), sum(spent) / len(work))


# --- the HTTP floor --------------------------------------------------------------------------


def bare_app() -> FastAPI:
    """The crowd's three calls answered by a bare FastAPI app that reads each body and does
    nothing with it: what one uvicorn worker costs per call on this machine, before any work."""
    app = FastAPI()

    @app.get("/api/v1/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/api/v1/photos/missing")
    async def missing(request: Request) -> Response:
        return Response(json.dumps({"missing": json.loads(await request.body())["sha256"]}),
                        media_type="application/json")

    @app.put("/api/v1/photos/{name}", status_code=201)
    async def photo(name: str, request: Request) -> Response:
        return Response(json.dumps({"sha256": name, "size": len(await request.body())}), status_code=201,
                        media_type="application/json")

    @app.post("/api/v1/records/batch")
    async def batch(request: Request) -> Response:
        records = json.loads(await request.body())["records"]
        return Response(json.dumps({"results": [{"status": 201} for _ in records]}), media_type="application/json")

    return app


def http_floor(phones: list[Phone]) -> float:
    """Records per second the same crowd reaches against ``bare_app`` in one uvicorn worker."""
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory", "bench.crowd:bare_app",
                               "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
                              cwd=Path(__file__).resolve().parents[1])
    try:
        wait_until_up(f"http://127.0.0.1:{port}", server)
        outcome, elapsed = asyncio.run(crowd(port, phones, batches=True))
        if outcome.errors:
            raise click.ClickException(f"the bare app failed: {outcome.errors[:3]}")
        return sum(len(phone.uploads) for phone in phones) / elapsed
    finally:
        server.terminate()
        server.wait()


# --- one run ---------------------------------------------------------------------------------


@contextmanager
def fresh_database(server_url: str | None, work: Path) -> Iterator[tuple[str, str]]:
    """(SQLAlchemy URL for the server, target for the raw limit): SQLite in ``work``, or a new
    PostgreSQL database on ``server_url``, dropped afterwards."""
    if server_url is None:
        yield f"sqlite:///{work / 'server.db'}", f"sqlite:{work / 'raw.db'}"
        return
    name = f"zsc_crowd_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(server_url).set(database=name)
    try:
        yield url.render_as_string(hide_password=False), url.set(drivername="postgresql").render_as_string(
            hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def inspectors_with_tasks(db: str) -> list[str]:
    engine = make_engine(db)
    with engine.connect() as conn:
        # 执法人员 only: a 专业技术人员 signs no record (403 expert_cannot_sign, issue 26)
        i = t.inspectors
        found = list(conn.execute(sa.select(t.task_members.c.inspector_id).distinct()
                                  .join(i, i.c.id == t.task_members.c.inspector_id)
                                  .where(i.c.kind == StaffKind.OFFICER.value)
                                  .order_by(t.task_members.c.inspector_id)).scalars())
    engine.dispose()
    return found


def run(server_url: str | None, workers: int, phones_count: int, records: int, entities: int = 2000,
        batches: bool = True) -> None:
    with tempfile.TemporaryDirectory() as tmp, fresh_database(server_url, Path(tmp)) as (db, raw_target):
        data = Path(tmp) / "data"
        cli("seed-demo", "--entities", str(entities), data=data, db=db)
        token = cli("admin-token", data=data, db=db).split()[-1]
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        server = spawn_server(data, db, port, workers=workers)
        try:
            inspectors = inspectors_with_tasks(db)
            few = max(1, min(20, phones_count // 10))
            calls = asyncio.run(per_call_cpu(port, server.pid, make_phones(url, db, token, inspectors, few, records)))
            phones = make_phones(url, db, token, inspectors, phones_count, records, first=few)
            database_pid = database_server_pid(db)
            database_before = cpu_seconds(database_pid) if database_pid else 0.0
            cpu_before, load_before, machine_before = cpu_seconds(server.pid), time.process_time(), machine_cpu_seconds()
            with health_watch(url) as health:
                outcome, elapsed = asyncio.run(crowd(port, phones, batches))
            machine_after = machine_cpu_seconds()
            server_cpu = cpu_seconds(server.pid) - cpu_before
            machine = Machine(server_cpu, time.process_time() - load_before,
                              cpu_seconds(database_pid) - database_before if database_pid else None,
                              machine_after[0] - machine_before[0], machine_after[1] - machine_before[1])
        finally:
            server.terminate()
            server.wait()
        work: Work = [(envelope, phone.public_key, photo) for phone in phones for _, photo, envelope in phone.uploads]
        raw = raw_limit(raw_target, [(envelope, key, None) for envelope, key, _ in work])
        raw_photos = raw_limit(raw_target, work, photos=str(Path(tmp) / "raw-photos"))
        bare = http_floor(phones)
    rate = phones_count * records / elapsed
    label = (f"{'SQLite' if server_url is None else 'PostgreSQL'}, {workers} worker{'s' if workers > 1 else ''}"
             + ("" if batches else ", one by one"))
    lat = [latency for latencies in outcome.by_kind.values() for latency in latencies]
    per_record = server_cpu / (phones_count * records)
    click.echo(f"[{label}] {rate:,.0f} records/s ({phones_count * records} records with a photo each in "
               f"{elapsed:.1f} s); raw limit {raw.rate:,.0f}/s, ratio {rate / raw.rate:.2f}")
    click.echo(f"[{label}] floors in the same run: the raw limit with each record's photo checked and "
               f"written {raw_photos.rate:,.0f}/s (ratio {rate / raw_photos.rate:.2f}); the same calls to a bare "
               f"FastAPI app, one worker, {bare:,.0f}/s (ratio {rate / bare:.2f})")
    # What no server can beat: the raw limit's work plus its photo's, with no HTTP and none of the
    # platform's own rules, on the cores its workers can use (the database server's CPU aside).
    cores = os.cpu_count() or 1
    ceiling = min(workers, cores) / raw_photos.cpu_per_record
    click.echo(f"[{label}] ceiling: a record with its photo costs at least "
               f"{raw_photos.cpu_per_record * 1000:.2f} ms of CPU with no HTTP and no rule of the platform "
               f"(verify, insert, the photo's check and fsync'd write; {raw.cpu_per_record * 1000:.2f} ms "
               f"without the photo), so {workers} worker{'s reach' if workers > 1 else ' reaches'} on {cores} cores "
               f"at most {ceiling:,.0f} records/s: {ceiling / raw.rate:.2f} of the raw limit")
    click.echo(f"[{label}] server CPU {per_record * 1000:.1f} ms per record with its photo: at most "
               f"{cores / per_record:,.0f} records/s on {cores} idle cores")
    everything = machine.busy + machine.idle
    database = "" if machine.database is None else f"PostgreSQL {machine.database / everything:.0%}, "
    rest = machine.busy - machine.server - machine.load - (machine.database or 0.0)
    click.echo(f"[{label}] the machine's {cores} cores while the crowd ran: {everything:.1f} CPU s, of which the "
               f"server {machine.server / everything:.0%}, the phones' side (this process) "
               f"{machine.load / everything:.0%}, {database}the rest (/health's watcher, the system"
               f"{'' if machine.database is not None or server_url is None else ', the database server'}) "
               f"{max(0.0, rest) / everything:.0%}, idle {machine.idle / everything:.0%}")
    click.echo(f"[{label}] one call: p50 {percentile(lat, 50) * 1000:,.0f} ms, p95 "
               f"{percentile(lat, 95) * 1000:,.0f} ms, p99 {percentile(lat, 99) * 1000:,.0f} ms, "
               f"max {max(lat) * 1000:,.0f} ms; errors {len(outcome.errors)}; 503 retried {outcome.busy}")
    click.echo(f"[{label}] p99 by call: " + "; ".join(
        f"{kind} {percentile(values, 99) * 1000:,.0f} ms ({len(values)})" for kind, values in outcome.by_kind.items()))
    click.echo(f"[{label}] server CPU per call, one call at a time: "
               + "; ".join(f"{kind} {seconds * 1000:.2f} ms" for kind, seconds in calls.items()))
    hl = health["latencies"]
    click.echo(f"[{label}] /health under load: {len(hl)} asked, p50 {percentile(hl, 50) * 1000:.1f} ms, "
               f"p99 {percentile(hl, 99) * 1000:.1f} ms, max {max(hl) * 1000:.1f} ms, failed {health['failures']}")
    for error in outcome.errors[:5]:
        click.echo(f"  {error}")


@click.command()
@click.option("--phones", default=200, show_default=True, help="phones syncing at once")
@click.option("--records", default=5, show_default=True, help="records (each with one photo) per phone")
@click.option("--workers", "worker_counts", multiple=True, type=int, default=[1, 2], show_default=True,
              help="server worker processes (repeatable)")
@click.option("--db", "dbs", multiple=True, help="also measure on this PostgreSQL server (repeatable)")
@click.option("--one-by-one", is_flag=True,
              help="each photo and record in its own call, as apps from before batches sync")
@click.option("--smoke", is_flag=True, help="A tiny run in seconds, as CI runs it (tests/test_benches.py).")
def main(phones: int, records: int, worker_counts: tuple[int, ...], dbs: tuple[str, ...], one_by_one: bool,
         smoke: bool) -> None:
    entities = 2000
    if smoke:
        phones, records, worker_counts, entities = 3, 1, (1,), 300
    click.echo(f"{phones} phones × {records} records, {os.cpu_count()} cores")
    for db in (None, *dbs):
        for workers in worker_counts:
            run(db, workers, phones, records, entities, batches=not one_by_one)


if __name__ == "__main__":
    main()
