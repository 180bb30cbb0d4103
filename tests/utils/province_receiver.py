"""A stand-in for the provincial platform's receiver, run as its own process:

    python -m tests.utils.province_receiver PORT RECORD_FILE [SCRIPT]

Every POST whose ``Idempotency-Key`` it has not accepted before is accepted as new; one it has is
answered "already have it" (200, or 409 with ``dup409`` in the script). What it accepted is
appended to RECORD_FILE (one JSON line per request: key, index, kind, ``new``) and flushed before
it answers, and read back when it starts, so a receiver killed and started again still knows
every key it accepted.

SCRIPT says what the first requests meet, comma-separated, one word per request, then normal:
``fail`` (500, nothing accepted), ``hang`` (no answer for 60 s, nothing accepted), ``drop``
(accepted, then the connection closed unanswered), ``twice`` (accepted, the answer written twice
on the wire), ``bad`` (422, nothing accepted), ``ok``.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


class Receiver:
    def __init__(self, record: Path, script: list[str]) -> None:
        self.record = record
        self.script = script
        self.dup409 = "dup409" in script
        self.script = [s for s in script if s != "dup409"]
        self.lock = threading.Lock()
        self.keys: set[str] = set()
        if record.exists():
            for line in record.read_text(encoding="utf-8").splitlines():
                try:
                    self.keys.add(json.loads(line)["key"])
                except (ValueError, KeyError):
                    pass  # a line cut by a kill: its request was never answered

    def next_step(self) -> str:
        with self.lock:
            return self.script.pop(0) if self.script else "ok"

    def accept(self, key: str, body: dict[str, Any]) -> bool:
        """Records the request; True when the key is new."""
        with self.lock:
            new = key not in self.keys
            self.keys.add(key)
            line = {"key": key, "index": body.get("receipt", {}).get("index"),
                    "kind": body.get("kind"), "body_key": body.get("idempotency_key"), "new": new}
            with self.record.open("a", encoding="utf-8") as f:
                f.write(json.dumps(line) + "\n")
                f.flush()
            return new


def handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _answer(self, status: int, payload: dict[str, Any], times: int = 1) -> None:
            data = json.dumps(payload, ensure_ascii=False).encode()
            for _ in range(times):
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            self.wfile.flush()

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            key = self.headers.get("Idempotency-Key", "")
            step = receiver.next_step()
            if step == "fail":
                return self._answer(500, {"error": "scripted failure"})
            if step == "bad":
                return self._answer(422, {"error": "字段不符合省级平台要求"})
            if step == "hang":
                time.sleep(60)
                return None
            body = json.loads(raw)
            if not key or body.get("idempotency_key") != key:
                return self._answer(400, {"error": "idempotency key missing or not the body's"})
            new = receiver.accept(key, body)
            if step == "drop":
                self.close_connection = True
                self.connection.close()
                return None
            if new:
                return self._answer(201, {"status": "accepted"}, times=2 if step == "twice" else 1)
            return self._answer(409 if receiver.dup409 else 200, {"status": "already have it"},
                                times=2 if step == "twice" else 1)

    return Handler


def main() -> None:
    port, record = int(sys.argv[1]), Path(sys.argv[2])
    script = [s for s in (sys.argv[3] if len(sys.argv) > 3 else "").split(",") if s]
    server = ThreadingHTTPServer(("127.0.0.1", port), handler(Receiver(record, script)))
    server.daemon_threads = True
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
