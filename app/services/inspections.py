"""Drafts and signing: the only code that turns a draft into a signed record in the outbox."""

from __future__ import annotations

from typing import Any

from sync import (
    MAX_NOTE_LENGTH,
    TaskJson,
    load_private_key,
    new_record_id,
    public_key_b64,
    record_hash,
    sign_record,
)

from .. import strings as s
from ..domain.inspection import Draft, now_rfc3339
from ..store import Enrolment, LocalStore, StorageFullError
from .keys import KeyVault


class SigningError(Exception):
    """The record cannot be signed; ``str(error)`` says why, in Chinese."""


class InspectionService:
    def __init__(self, store: LocalStore, vault: KeyVault, enrolment: Enrolment) -> None:
        self.store = store
        self.vault = vault
        self.enrolment = enrolment

    def load_draft(self, task_id: str) -> Draft | None:
        data = self.store.draft(task_id)
        return None if data is None else Draft.from_json(data)

    def start(self, task: TaskJson, *, notice_shown: bool) -> Draft:
        """The draft of a first inspection, begun once the notice was shown (or, nobody of the
        enterprise being there, could not be); a draft begun before this step gets it now."""
        now = now_rfc3339()
        shown_at = now if notice_shown else None
        draft = self.load_draft(task["id"])
        if draft is None:
            draft = Draft.start(task, now, notice_shown_at=shown_at)
        else:
            draft.give_notice(task, shown_at)
        self.save_draft(draft)
        return draft

    def request_recusal(self, task: TaskJson, inspector_id: str, reason: str) -> None:
        """The enterprise asked that ``inspector_id`` withdraw: the inspection does not go ahead;
        the request waits in the store until the sync hands it to the platform (the task goes
        back to its supervisors). ``ValueError`` (Chinese) for an empty reason or no one chosen."""
        member = next((m for m in task["team"] if m["id"] == inspector_id), None)
        if member is None:
            raise ValueError(s.RECUSAL_NEED_WHO)
        if not reason.strip():
            raise ValueError(s.RECUSAL_NEED_REASON)
        self.store.add_recusal({"id": new_record_id(), "task_id": task["id"],
                                "inspector_id": inspector_id, "inspector_name": member["name"],
                                "reason": reason.strip()[:MAX_NOTE_LENGTH],
                                "requested_at": now_rfc3339()})

    def save_draft(self, draft: Draft) -> None:
        self.store.save_draft(draft.task_id, draft.to_json(), now_rfc3339())

    def discard_draft(self, task_id: str) -> None:
        self.store.delete_draft(task_id)

    async def sign(self, draft: Draft, task: TaskJson) -> dict[str, Any]:
        """Sign ``draft`` as this device's next record and put it in the outbox; the record JSON.

        ``seq``/``prev`` continue the device's chain, read in the same transaction that puts the
        record in the outbox and drops the draft (``store.add_next_record``).
        """
        problems = draft.missing(task) + draft.ack_missing()
        if problems:
            raise SigningError("；".join(problems))
        raw = await self.vault.load()
        if raw is None:
            raise SigningError(s.DEVICE_KEY_MISSING)
        key = load_private_key(raw)
        if self.enrolment.public_key and public_key_b64(key) != self.enrolment.public_key:
            raise SigningError(s.DEVICE_KEY_MISSING)
        finished_at = now_rfc3339()

        def sign(seq: int, prev: str | None) -> tuple[dict[str, Any], str]:
            record = draft.to_record(task, record_id=new_record_id(), device_id=self.enrolment.device_id,
                                     seq=seq, prev=prev, finished_at=finished_at).to_json()
            return dict(sign_record(record, key, self.enrolment.device_id)), record_hash(record)

        try:
            envelope = self.store.add_next_record(sign, finished_at)
        except StorageFullError as e:
            raise SigningError(str(e)) from e
        record: dict[str, Any] = envelope["record"]
        return record
