"""The states and roles of the contract, one name each (DESIGN §2: no state is a bare string).

``RecordState`` is a record's state on the platform (DESIGN §5 ``GET /api/v1/records/{id}``);
``Role`` an enrolled device's; ``OutboxState`` a signed record's on the phone, until the platform
has answered for it.
"""

from __future__ import annotations

import enum


class RecordState(enum.StrEnum):
    """A record on the platform: ``incomplete`` (photos still missing) → ``awaiting_report``
    (an item sent for testing, the laboratory's report not yet attached) → ``submitted`` →
    ``returned`` (to be revised) or ``approved`` → ``published``."""

    INCOMPLETE = "incomplete"
    AWAITING_REPORT = "awaiting_report"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    APPROVED = "approved"
    PUBLISHED = "published"

    @property
    def is_result(self) -> bool:
        """Whether the record stands as the inspection's result (what the dashboard and the
        ledger count): submitted, approved or published."""
        return self in RESULT_STATES


RESULT_STATES = frozenset({RecordState.SUBMITTED, RecordState.APPROVED, RecordState.PUBLISHED})


class Role(enum.StrEnum):
    """What an enrolled device's person does with the app."""

    INSPECTOR = "inspector"
    SUPERVISOR = "supervisor"


class OutboxState(enum.StrEnum):
    """A signed record on the phone: waiting to be sent, held by the platform, or refused by it
    for good (it stays, with the reason, for the inspector to redo)."""

    PENDING = "pending"
    ACKED = "acked"
    REJECTED = "rejected"
