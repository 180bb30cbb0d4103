"""The publication log (DESIGN §10): every publication, correction and withdrawal of a result,
and every follow-up closed after its publication, is a leaf of the platform's append-only Merkle
log ``publication``, appended in the transaction of the act, and the platform signs the tree head
that includes it.

A leaf is the canonical JSON of::

    {"type": "zsc-publication/1", "kind": "publish" | "correct" | "follow_up" | "withdraw",
     "record_id": …, "record_hash": …, "at": "<UTC, RFC 3339>",
     "result": {…},          # all but withdraw: the public result exactly as shown from then on
     "amends": <index>,      # all but publish: the result's leaf before this one
     "reason": "…"}          # correct and withdraw: why

``result`` is the one public form of a result (``announcements.public_results``), nothing more:
never a risk grade, an inspector's name or a note (DESIGN §11). ``record_hash`` ties the leaf to
the signed record the inspector's phone made, which the platform keeps; ``amends`` chains a
result's leaves so that no change of what the public sees can pass for a silent edit.
``publications`` keeps each record's latest leaf, and every public view shows that leaf's result.

What anyone can ask of the log (``api/routes/log.py``), and check with ``python -m sync.verify``
and nothing but ``sync``: a result's leaf and its inclusion proof against a signed tree head, and
a consistency proof between any two tree heads.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from server_stub.core import merkle_log
from server_stub.core import tables as t
from server_stub.core.clock import china_date, log_stamp
from server_stub.core.errors import Conflict, Invalid
from server_stub.core.merkle_log import Log
from server_stub.publication import province
from server_stub.publication.announcements import live_result, remarks, result_wording
from sync import Outcome

ENTRY_TYPE = "zsc-publication/1"


class Kind(enum.StrEnum):
    """What a leaf of the publication log records."""

    PUBLISH = "publish"
    CORRECT = "correct"
    FOLLOW_UP = "follow_up"
    WITHDRAW = "withdraw"


class Status(enum.StrEnum):
    """Where a published result stands: ``publications.status``."""

    PUBLISHED = "published"
    CORRECTED = "corrected"
    WITHDRAWN = "withdrawn"


def _append(conn: sa.Connection, entry: dict[str, Any], key: Ed25519PrivateKey,
            now: dt.datetime) -> int:
    index = merkle_log.append(conn, Log.PUBLICATION, entry)
    merkle_log.sign_head(conn, Log.PUBLICATION, key, now)
    province.enqueue(conn, index, entry, now)  # pushed to the provincial platform (issue 27)
    return index


def _record_hash(conn: sa.Connection, record_id: str) -> str:
    found: str = conn.execute(sa.select(t.records.c.hash)
                              .where(t.records.c.id == record_id)).scalar_one()
    return found


def record_publication(conn: sa.Connection, record_id: str, *, key: Ed25519PrivateKey,
                       now: dt.datetime) -> int:
    """Logs the publication of ``record_id``, which the caller has just marked published in this
    transaction, and returns its leaf's index. A second publication of one record is refused by
    the database (``publications``' key), so it can never stand on two publish leaves."""
    entry = {"type": ENTRY_TYPE, "kind": Kind.PUBLISH.value, "record_id": record_id,
             "record_hash": _record_hash(conn, record_id), "at": log_stamp(now),
             "result": live_result(conn, record_id)}
    index = _append(conn, entry, key, now)
    conn.execute(t.publications.insert().values(record_id=record_id, leaf=index,
                                                status=Status.PUBLISHED))
    return index


def standing(conn: sa.Connection, record_id: str) -> tuple[int, Status] | None:
    """The record's latest leaf and its status, or None when it was never logged as published."""
    p = t.publications
    row = conn.execute(sa.select(p.c.leaf, p.c.status).where(p.c.record_id == record_id)).first()
    return None if row is None else (int(row.leaf), Status(row.status))


def _amendable(conn: sa.Connection, record_id: str) -> tuple[int, dict[str, Any]]:
    """The latest leaf of a result that may still be corrected or withdrawn, and its entry."""
    found = standing(conn, record_id)
    if found is None:
        raise Conflict("not_published", "该记录尚未公示，无需更正或撤回")
    index, status = found
    if status == Status.WITHDRAWN:
        raise Conflict("withdrawn", "该公示结果已撤回，不能再更正或撤回")
    stored = merkle_log.leaf(conn, Log.PUBLICATION, index)
    assert stored is not None, "publications names only leaves that exist"
    return index, stored.entry


def _move(conn: sa.Connection, record_id: str, was: int, now_at: int, status: Status) -> None:
    """Moves the record to its new leaf, unless another amendment moved it first: then 409, and
    the transaction (this leaf with it) rolls back."""
    p = t.publications
    moved = conn.execute(p.update().where(p.c.record_id == record_id, p.c.leaf == was)
                         .values(leaf=now_at, status=status)).rowcount
    if moved != 1:
        raise Conflict("amended_meanwhile", "该公示结果刚被他人更正或撤回，请刷新后再试")


def _reason(reason: str) -> str:
    if not reason.strip():
        raise Invalid("reason_required", "请写明更正或撤回的原因（将一并公示）")
    return reason.strip()


def correct(conn: sa.Connection, record_id: str, *, outcome: Outcome, reason: str,
            key: Ed25519PrivateKey, now: dt.datetime) -> int:
    """Publishes a corrected result: the result as it stands with ``outcome`` in place of its
    检查结果 and the correction's reason and date shown with it; returns the new leaf's index."""
    why = _reason(reason)
    index, entry = _amendable(conn, record_id)
    shown = entry["result"]
    if shown["outcome"] == outcome:
        raise Invalid("unchanged", f"公示的检查结果已是「{outcome}」，无需更正")
    if outcome == Outcome.NO_PROBLEM and any(i["result"] == "不合格" for i in shown["items"]):
        raise Invalid("contradicts_items",
                      "有事项检查结论为「不合格」，检查结果不能更正为「未发现问题」")
    result = _corrected(shown, outcome.value, {"outcome": shown["outcome"], "reason": why,
                                               "corrected_on": china_date(now).isoformat()})
    new = _append(conn, {"type": ENTRY_TYPE, "kind": Kind.CORRECT.value, "record_id": record_id,
                         "record_hash": entry["record_hash"], "at": log_stamp(now), "result": result,
                         "amends": index, "reason": why}, key, now)
    _move(conn, record_id, index, new, Status.CORRECTED)
    return new


def _corrected(result: dict[str, Any], outcome: str,
               correction: dict[str, str]) -> dict[str, Any]:
    """``result`` with ``outcome`` in place of the recorded one: 检查结果 and the follow-up's
    wording follow it, and 备注 says when it was corrected, from what, and why."""
    follow_up = result.get("follow_up")
    disposal = follow_up["disposal"] if follow_up else None
    closed_on = (dt.date.fromisoformat(follow_up["date"])
                 if follow_up and follow_up.get("date") else None)
    note = (f"{correction['corrected_on']}更正（原检查结果：{correction['outcome']}）："
            f"{correction['reason']}")
    return {**result, "outcome": outcome, "result": result_wording(outcome, disposal),
            "remarks": "；".join(x for x in (remarks(outcome, closed_on,
                                                     unconfirmed=bool(result.get("unconfirmed"))),
                                             note) if x),
            "follow_up": follow_up and {**follow_up, "result": result_wording(outcome, disposal)},
            "correction": correction}


def record_follow_up(conn: sa.Connection, record_id: str, *, key: Ed25519PrivateKey,
                     now: dt.datetime) -> int | None:
    """Logs what a result says once its follow-up is closed (the disposal in the national
    wording), if it was published and stands; returns the leaf's index, None when there is
    nothing public to change (not published yet: its publication will carry the disposal)."""
    found = standing(conn, record_id)
    if found is None or found[1] == Status.WITHDRAWN:
        return None
    index, entry = _amendable(conn, record_id)
    result = live_result(conn, record_id)
    correction = entry["result"].get("correction")
    if correction is not None:  # the correction stands: shown with the disposal
        result = _corrected(result, entry["result"]["outcome"], correction)
    new = _append(conn, {"type": ENTRY_TYPE, "kind": Kind.FOLLOW_UP.value, "record_id": record_id,
                         "record_hash": entry["record_hash"], "at": log_stamp(now), "result": result,
                         "amends": index}, key, now)
    _move(conn, record_id, index, new, found[1])
    return new


def withdraw(conn: sa.Connection, record_id: str, *, reason: str, key: Ed25519PrivateKey,
             now: dt.datetime) -> int:
    """Withdraws a published result from the public list; the withdrawal, with its reason, is
    itself published as a leaf. Returns its index."""
    why = _reason(reason)
    index, entry = _amendable(conn, record_id)
    new = _append(conn, {"type": ENTRY_TYPE, "kind": Kind.WITHDRAW.value, "record_id": record_id,
                         "record_hash": entry["record_hash"], "at": log_stamp(now),
                         "amends": index, "reason": why}, key, now)
    _move(conn, record_id, index, new, Status.WITHDRAWN)
    return new

