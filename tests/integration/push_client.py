"""The phone's sync, as its own process, so a test can SIGKILL it at any moment.

``python -m tests.integration.push_client STORE_PATH BASE_URL`` opens the app's offline store,
pushes its outbox through the sync engine to BASE_URL with the enrolled token, and exits 0 when
nothing is left to send (1 when the network gave up: the next run resumes).
"""

from __future__ import annotations

import sys
from pathlib import Path

import httpx

from app.store import LocalStore
from sync import RetryPolicy, SyncEngine, TransportError


def main(store_path: str, base_url: str) -> int:
    store = LocalStore.open(Path(store_path))
    enrolment = store.enrolment()
    assert enrolment is not None
    headers = {"Authorization": f"Bearer {enrolment.token}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=10) as client:
        engine = SyncEngine(client, store, retry=RetryPolicy(attempts=8, base_seconds=0.05,
                                                             cap_seconds=0.5))
        try:
            engine.push()
        except TransportError:
            return 1
    return 0 if not store.pending_records() else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
