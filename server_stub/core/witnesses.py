"""Outside witnesses' co-signatures of the logs' signed tree heads (DESIGN §10, issue 28).

A witness (``python -m sync.witness``) co-signs a head it found consistent with every head it saw
before, and POSTs the co-signature here. The platform accepts one only from a witness it was
configured with (``ZSC_WITNESSES``, by public key; 403 otherwise) and only of a head it signed
(same log, size, root and time; 422 otherwise), and keeps it beside the head.

What it shows is re-checked each time against the head *as stored now*: a co-signature counts only
while its signature verifies over the stored head's root. A key holder who rewrites the log and
re-signs its heads therefore loses every co-signature from the rewritten leaf on — the witnesses
refuse to co-sign the new heads, and the old co-signatures no longer match.

A result (a leaf) is witnessed by a witness when some head covering it (size > its index) carries
a valid co-signature of that witness; the earliest such head says when.
"""

from __future__ import annotations

import bisect
import datetime as dt
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from server_stub.core import merkle_log
from server_stub.core import tables as t
from server_stub.core.config import Settings
from server_stub.core.errors import Invalid, NotAllowed
from server_stub.core.merkle_log import Log
from sync import SignatureError, ZscError
from sync.witness import COSIGNATURE_TYPE, read_cosignature


@dataclass(frozen=True)
class Witnessed:
    """One witness's co-signature of one head, checked."""

    name: str
    witness_key: str
    size: int
    witnessed_at: str

    def public(self) -> dict[str, Any]:
        return {"name": self.name, "witness_key": self.witness_key, "size": self.size,
                "witnessed_at": self.witnessed_at}


def names(settings: Settings) -> dict[str, str]:
    """Public key → name of each configured witness."""
    return {key: name for name, key in settings.witnesses}


def accept(conn: sa.Connection, settings: Settings, log: Log, body: object,
           now: dt.datetime) -> dict[str, Any]:
    """Keeps a witness's co-signature of one of ``log``'s signed heads; returns it as kept."""
    try:
        cosignature = read_cosignature(body)
    except SignatureError:
        raise Invalid("bad_cosignature", "共同签名无效：与所附见证人公钥不符，或内容被改动过") from None
    except (ZscError, ValueError, TypeError) as e:
        raise Invalid("malformed_cosignature", f"共同签名格式不正确：{e}") from None
    if cosignature.witness_key not in names(settings):
        raise NotAllowed("unknown_witness", "该见证人未在平台登记（ZSC_WITNESSES），其共同签名不予接收")
    if cosignature.log != log.value:
        raise Invalid("wrong_log", f"该共同签名属于「{cosignature.log}」日志，不属于「{log.value}」日志")
    head = merkle_log.head_at(conn, log, cosignature.size)
    if head is None or head["root"] != cosignature.root.hex() \
            or head["timestamp"] != cosignature.timestamp:
        raise Invalid("not_our_head", f"平台从未签发大小为{cosignature.size}、树根与时间如共同签名所写的树头："
                                      "见证人看到的不是本平台的日志")
    c = t.cosignatures
    kept = conn.execute(sa.select(c.c.witnessed_at).where(
        c.c.log == log, c.c.size == cosignature.size, c.c.witness_key == cosignature.witness_key)).first()
    if kept is None:
        assert isinstance(body, Mapping)
        conn.execute(c.insert().values(log=log, size=cosignature.size, witness_key=cosignature.witness_key,
                                       root=cosignature.root.hex(), timestamp=cosignature.timestamp,
                                       witnessed_at=cosignature.witnessed_at,
                                       signature=str(body["signature"]), received_at=now))
    return {"name": names(settings)[cosignature.witness_key], "log": log.value,
            "size": cosignature.size, "witnessed_at": kept.witnessed_at if kept else cosignature.witnessed_at}


_checked: dict[tuple[str, ...], bool] = {}
_checked_lock = threading.Lock()


def _verifies(row: Any) -> bool:
    """Whether a stored co-signature verifies over the head as stored now (memoised: the same
    row and head always give the same answer)."""
    value = {"type": COSIGNATURE_TYPE, "log": row.log, "size": row.size, "root": row.head_root,
             "timestamp": row.head_timestamp, "witnessed_at": row.witnessed_at,
             "witness_key": row.witness_key, "signature": row.signature}
    memo = tuple(str(v) for v in value.values())
    with _checked_lock:
        if memo in _checked:
            return _checked[memo]
    try:
        read_cosignature(value)
        good = True
    except ZscError:
        good = False
    with _checked_lock:
        if len(_checked) > 100_000:
            _checked.clear()
        _checked[memo] = good
    return good


def valid(conn: sa.Connection, settings: Settings, log: Log,
          size: int | None = None) -> list[Witnessed]:
    """The co-signatures of ``log``'s heads (of the head of ``size`` only, when given) that come
    from configured witnesses and verify over the heads as stored now, by size then name."""
    known = names(settings)
    if not known:
        return []
    c, h = t.cosignatures, t.tree_heads
    query = (sa.select(c.c.log, c.c.size, c.c.witness_key, c.c.witnessed_at, c.c.signature,
                       h.c.root.label("head_root"), h.c.timestamp.label("head_timestamp"))
             .join(h, sa.and_(h.c.log == c.c.log, h.c.size == c.c.size))
             .where(c.c.log == log, c.c.witness_key.in_(list(known))))
    if size is not None:
        query = query.where(c.c.size == size)
    found = [Witnessed(name=known[row.witness_key], witness_key=row.witness_key, size=row.size,
                       witnessed_at=row.witnessed_at)
             for row in conn.execute(query) if _verifies(row)]
    return sorted(found, key=lambda w: (w.size, w.name))


def newest_cosigned(conn: sa.Connection, settings: Settings, log: Log,
                    witness_key: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The newest head of ``log`` that ``witness_key`` validly co-signed, and the co-signature as
    the witness sent it; None when it co-signed none that still holds."""
    mine = [w for w in valid(conn, settings, log) if w.witness_key == witness_key]
    if not mine:
        return None
    size = mine[-1].size
    head = merkle_log.head_at(conn, log, size)
    assert head is not None
    c = t.cosignatures
    row = conn.execute(sa.select(c).where(c.c.log == log, c.c.size == size,
                                          c.c.witness_key == witness_key)).one()
    return head, {"type": COSIGNATURE_TYPE, "log": log.value, "size": size, "root": head["root"],
                  "timestamp": head["timestamp"], "witnessed_at": row.witnessed_at,
                  "witness_key": witness_key, "signature": row.signature}


def cosignatures_of(conn: sa.Connection, settings: Settings, log: Log, size: int) -> list[dict[str, Any]]:
    """The valid co-signatures of one head, each as the witness sent it, with the witness's name."""
    head = merkle_log.head_at(conn, log, size)
    if head is None:
        return []
    c = t.cosignatures
    out = []
    for w in valid(conn, settings, log, size):
        signature = conn.execute(sa.select(c.c.signature).where(
            c.c.log == log, c.c.size == size, c.c.witness_key == w.witness_key)).scalar_one()
        out.append({"name": w.name, "type": COSIGNATURE_TYPE, "log": log.value, "size": size,
                    "root": head["root"], "timestamp": head["timestamp"], "witnessed_at": w.witnessed_at,
                    "witness_key": w.witness_key, "signature": signature})
    return out


def plans_required(conn: sa.Connection, leaves: list[int]) -> dict[int, int]:
    """For each publication-log leaf a result now stands on, how many witnesses its plan requires
    (``Plan.witnesses_required``; 0 for a plan that names none)."""
    p, r, pl = t.publications, t.records, t.plans
    rows = conn.execute(sa.select(p.c.leaf, pl.c.spec).join(r, r.c.id == p.c.record_id)
                        .join(pl, pl.c.id == r.c.plan_id).where(p.c.leaf.in_(leaves)))
    return {leaf: int(spec.get("witnesses_required", 0) or 0) for leaf, spec in rows}


def leaf_status(conn: sa.Connection, settings: Settings, indices: Iterable[int | None],
                log: Log = Log.PUBLICATION) -> dict[int, dict[str, Any]]:
    """For each leaf index: which witnesses co-signed a head covering it, and when (the earliest
    such head); whether the newest head is co-signed; and whether the result counts as published
    (``pending`` when fewer witnesses did than ``ZSC_WITNESSES_REQUIRED`` or, when higher, its
    plan's ``witnesses_required``)."""
    wanted = sorted({i for i in indices if i is not None})
    if not wanted:
        return {}
    by_plan = plans_required(conn, wanted) if log is Log.PUBLICATION else {}
    per_witness: dict[str, list[Witnessed]] = {}
    for w in valid(conn, settings, log):
        per_witness.setdefault(w.witness_key, []).append(w)
    newest = merkle_log.latest_head(conn, log)
    newest_by = {w.name for w in per_witness_at(per_witness, newest["size"] if newest else -1)}
    out: dict[int, dict[str, Any]] = {}
    for index in wanted:
        by = []
        for signed in per_witness.values():
            sizes = [w.size for w in signed]
            at = bisect.bisect_right(sizes, index)
            if at < len(signed):
                by.append(signed[at].public())
        by.sort(key=lambda w: (w["witnessed_at"], w["name"]))
        required = max(settings.witnesses_required, by_plan.get(index, 0))
        out[index] = {"witnessed": bool(by), "witnesses": by, "required": required,
                      "pending": len(by) < required,
                      "newest_head_witnessed_by": sorted(newest_by),
                      "configured": len(settings.witnesses)}
    return out


def per_witness_at(per_witness: Mapping[str, list[Witnessed]], size: int) -> list[Witnessed]:
    return [w for signed in per_witness.values() for w in signed if w.size == size]
