"""A phone as the server sees it: a key pair, an enrolment, signed records in one chain."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from typing import Any

import httpx
from PIL import Image

from server_stub.core.admin_token import admin_token
from sync import (
    Location,
    Record,
    RecordItem,
    bind_acknowledgement,
    generate_key,
    new_record_id,
    public_key_b64,
    record_hash,
    sign_record,
)
from tests.conftest import Server

TIMEOUT = 60
"""Seconds a test phone waits for an answer: the tests check what is answered, not how fast, and
a PDF drawn on two loaded cores (the PostgreSQL run is two processes) can take longer than
httpx's 5 s default."""


def admin_client(server: Server) -> httpx.Client:
    return httpx.Client(base_url=server.url, timeout=TIMEOUT,
                        headers={"Authorization": f"Bearer {admin_token(server.data)}"})


def busiest_inspector(server: Server) -> str:
    """An inspector who has tasks: the one seed-demo names."""
    from server_stub.core.db import make_engine
    from server_stub.directory.queries import busiest_inspector as query

    engine = make_engine(server.db)
    with engine.begin() as conn:
        found = query(conn)
    engine.dispose()
    assert found
    return found


def jpeg(seed: int = 0, size: tuple[int, int] = (64, 48)) -> bytes:
    """A small JPEG whose bytes differ for every ``seed``."""
    image = Image.new("RGB", size, ((seed * 40) % 256, (seed * 90) % 256, (seed * 150) % 256))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80, comment=f"photo {seed}")
    return out.getvalue()


@dataclass
class Phone:
    server: Server
    inspector_id: str
    key: Any = field(default_factory=generate_key)
    device_id: str = ""
    token: str = ""
    seq: int = 0
    prev: str | None = None
    task_ids: tuple[str, ...] = ()
    """When given, the only tasks :meth:`tasks` answers (tasks a test added for this phone:
    ``tests/utils/workload.py``), in this order."""

    def enroll(self, role: str = "inspector") -> Phone:
        with admin_client(self.server) as admin:
            code = admin.post("/api/v1/enrollment-codes",
                              json={"inspector_id": self.inspector_id, "role": role}).json()["code"]
        answer = httpx.post(f"{self.server.url}/api/v1/enroll", json={
            "code": code, "public_key": public_key_b64(self.key), "device_name": "测试手机"})
        assert answer.status_code == 201, answer.text
        self.device_id = answer.json()["device_id"]
        self.token = answer.json()["token"]
        return self

    @property
    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.server.url, timeout=TIMEOUT,
                            headers={"Authorization": f"Bearer {self.token}"})

    def tasks(self) -> list[dict[str, Any]]:
        answer = self.client.get("/api/v1/tasks")
        assert answer.status_code == 200, answer.text
        tasks: list[dict[str, Any]] = answer.json()["tasks"]
        if self.task_ids:
            by_id = {task["id"]: task for task in tasks}
            return [by_id[task_id] for task_id in self.task_ids]
        return tasks

    def record(self, task: dict[str, Any], photos: list[bytes] = (), *,  # type: ignore[assignment]
               covers: str | bool = False, **changes: Any) -> dict[str, Any]:
        """The next record of this phone's chain for ``task``, signed: an envelope. ``covers``
        binds its acknowledgement (format 3) to its own content (True, as the app does) or to
        the content hash given (a revision keeping the visit's acknowledgement)."""
        names = [hashlib.sha256(p).hexdigest() for p in photos]
        items = [RecordItem(code=item["code"], result="合格", note="", photos=tuple(names) if n == 0 else ())
                 for n, item in enumerate(task["items"])]
        values: dict[str, Any] = {
            "id": new_record_id(), "task_id": task["id"], "credit_code": task["credit_code"],
            "inspectors": tuple(m["id"] for m in task["team"]), "items": tuple(items), "outcome": "未发现问题",
            "note": "", "location": Location(lat=37.5, lon=122.1, accuracy_m=12.0, source="device"),
            "started_at": "2026-03-02T09:00:00+08:00", "finished_at": "2026-03-02T09:40:00+08:00",
            "device_id": self.device_id, "seq": self.seq + 1, "prev": self.prev, "supersedes": None,
        }
        values.update(changes)
        made = Record(**values)
        if covers:
            made = bind_acknowledgement(made, None if covers is True else covers)
        record = made.to_json()
        self.seq, self.prev = record["seq"], record_hash(record)  # type: ignore[assignment]
        return sign_record(record, self.key, self.device_id)
