"""Drafts and signing: the only code that turns a draft into a signed record in the outbox."""

from __future__ import annotations

from typing import Any

from sync import load_private_key, new_record_id, public_key_b64, record_hash, sign_record

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

    def save_draft(self, draft: Draft) -> None:
        self.store.save_draft(draft.task_id, draft.to_json(), now_rfc3339())

    def discard_draft(self, task_id: str) -> None:
        self.store.delete_draft(task_id)

    async def sign(self, draft: Draft, task: dict[str, Any]) -> dict[str, Any]:
        """Sign ``draft`` as this device's next record and put it in the outbox; the record JSON.

        ``seq``/``prev`` continue the device's chain (``store.chain_head``); the draft is dropped
        in the same transaction as the record enters the outbox.
        """
        problems = draft.missing(task)
        if problems:
            raise SigningError("；".join(problems))
        raw = await self.vault.load()
        if raw is None:
            raise SigningError(s.DEVICE_KEY_MISSING)
        key = load_private_key(raw)
        if self.enrolment.public_key and public_key_b64(key) != self.enrolment.public_key:
            raise SigningError(s.DEVICE_KEY_MISSING)
        seq, prev = self.store.chain_head()
        record = draft.to_record(task, record_id=new_record_id(), device_id=self.enrolment.device_id,
                                 seq=seq + 1, prev=prev, finished_at=now_rfc3339()).to_json()
        envelope = sign_record(record, key, self.enrolment.device_id)
        try:
            self.store.add_signed_record(dict(envelope), record_hash(record), now_rfc3339())
        except StorageFullError as e:
            raise SigningError(str(e)) from e
        return record
