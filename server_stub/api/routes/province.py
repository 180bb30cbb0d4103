"""The provincial platform's outbox (issue 27 point 5), for the administrator alone: what is
pending, delivered or failed (with the receiver's answer), and a retry of failed entries. The
public gets nothing here: what is pushed is public anyway, in the results and their proofs."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from server_stub.api.deps import AdminDep, ConnDep
from server_stub.api.errors import error_responses
from server_stub.publication import province

router = APIRouter(prefix="/api/v1/province", tags=["province"], dependencies=[AdminDep],
                   responses=error_responses(401))


class OutboxEntry(BaseModel):
    leaf: int = Field(description="the result's leaf index in the publication log")
    key: str = Field(description="the idempotency key sent (the leaf hash, hex)")
    kind: str
    record_id: str
    state: province.State
    attempts: int
    last_status: int | None = Field(description="the receiver's last HTTP status; null: no answer")
    last_answer: str | None
    next_try: str | None = Field(description="when a pending entry is due next (UTC)")
    delivered_at: str | None


class Outbox(BaseModel):
    counts: dict[str, int]
    entries: list[OutboxEntry]


class Retry(BaseModel):
    leaves: list[Annotated[int, Field(ge=0, le=2**31 - 1)]] | None = Field(
        default=None, max_length=10000,
        description="failed entries to push again (leaf indexes); null: every one")


class Retried(BaseModel):
    retried: int


@router.get("/outbox")
def read_outbox(conn: ConnDep,
                state: Annotated[province.State | None, Query()] = None) -> Outbox:
    """Counts per state, and the entries not delivered (or those of ``state``), oldest first."""
    found: dict[str, Any] = province.outbox(conn, state=state)
    return Outbox(**found)


@router.post("/outbox/retry", responses=error_responses(413))
def retry(body: Retry, conn: ConnDep) -> Retried:
    """Puts failed entries back to be pushed at once."""
    return Retried(retried=province.retry(conn, body.leaves))
