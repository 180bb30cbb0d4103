"""全过程留痕: the trail of every administrative act (issue 19), kept in the ``audit`` Merkle log.

Each act (a directory row changed, a plan created, a draw frozen, made or abandoned, an enrolment
code issued, a device revoked, a review decision, a follow-up closed, a holiday file loaded, a
department's cap set) writes exactly one entry, in the act's own transaction: the entry and the
act commit together or not at all, so an act whose entry cannot be written does not happen.

An entry says who (:class:`Actor`: the administrator's token, a supervisor's device and staff id,
or the user of the host who ran the command), what (:class:`ActKind`, the object's id, and for a
change its fields before and after), when (UTC) and from where (the client's address, or
``cli@host``). Entries are leaves of ``merkle_log``'s ``audit`` log: append-only (the database
refuses an update or a delete) and chained by RFC 9162 tree heads the platform signs (:func:`seal`,
once per transaction). ``audit_acts`` indexes each leaf by the fields the trail is searched by;
:func:`verify` re-checks the leaves, the heads and that index from the entries alone.

No secret goes into an entry: a plan's secret, an enrolment code and a token stay out (the code's
hash and a token's fingerprint are enough to tell them apart), and supervisors read the entries of
their departments' plans, so nothing here names a risk grade except a directory row's own change,
which only the administrator reads.
"""

from __future__ import annotations

import datetime as dt
import enum
import getpass
import hashlib
import json
import os
import socket
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from server_stub.core import clock
from server_stub.core import merkle_log as ml
from server_stub.core import tables as t
from server_stub.core.spreadsheet import Cell, csv_text
from sync import parse_json

ENTRY_VERSION = 1
_MAX_SAFE_INTEGER = 2**53 - 1
"""The largest integer a JSON number (a double) holds exactly; larger literals stand for doubles."""


class ActKind(enum.StrEnum):
    """Every kind of administrative act the trail records."""

    ITEM_SAVED = "directory.item"
    ENTITY_SAVED = "directory.entity"
    INSPECTOR_SAVED = "directory.inspector"
    DEPARTMENT_SAVED = "directory.department"
    HOLIDAYS_LOADED = "settings.holidays"
    YEARLY_CAP_SET = "settings.yearly_cap"
    PLAN_CREATED = "plan.created"
    POPULATION_FROZEN = "draw.frozen"
    DRAW_MADE = "draw.made"
    DRAW_ABANDONED = "draw.abandoned"
    ENROLMENT_CODE_ISSUED = "device.enrolment_code"
    DEVICE_REVOKED = "device.revoked"
    RECORD_APPROVED = "review.approved"
    RECORD_PUBLISHED = "review.published"
    RECORD_RETURNED = "review.returned"
    LAB_REPORT_ATTACHED = "review.lab_report"
    FOLLOWUP_CLOSED = "followup.closed"
    RESULT_CORRECTED = "review.corrected"
    RESULT_WITHDRAWN = "review.withdrawn"
    SANDBOX_ADDED = "sandbox.added"
    SANDBOX_REMOVED = "sandbox.removed"
    TRIGGER_LIST_BUILT = "trigger_list.built"
    PLAN_TRIGGER_LIST = "plan.trigger_list"
    PARTNER_CONFIRMED = "plan.partner_confirmed"
    PARTNER_DECLINED = "plan.partner_declined"


DIRECTORY_KINDS = (ActKind.ENTITY_SAVED, ActKind.INSPECTOR_SAVED, ActKind.ITEM_SAVED)
"""The acts that change the two directories and the item list: what can steer a draw."""

DIRECTORY_NAMES = {ActKind.ENTITY_SAVED: "entities", ActKind.INSPECTOR_SAVED: "inspectors",
                   ActKind.ITEM_SAVED: "items"}

KIND_LABELS = {
    ActKind.ITEM_SAVED: "抽查事项清单变更", ActKind.ENTITY_SAVED: "检查对象名录变更",
    ActKind.INSPECTOR_SAVED: "执法检查人员名录变更", ActKind.DEPARTMENT_SAVED: "部门名录变更",
    ActKind.HOLIDAYS_LOADED: "导入节假日安排",
    ActKind.YEARLY_CAP_SET: "设置年度抽查次数上限", ActKind.PLAN_CREATED: "创建抽查计划",
    ActKind.POPULATION_FROZEN: "冻结名录", ActKind.DRAW_MADE: "抽取",
    ActKind.DRAW_ABANDONED: "放弃抽取", ActKind.ENROLMENT_CODE_ISSUED: "签发设备注册码",
    ActKind.DEVICE_REVOKED: "停用设备", ActKind.RECORD_APPROVED: "审核通过",
    ActKind.RECORD_PUBLISHED: "公示", ActKind.RECORD_RETURNED: "退回",
    ActKind.LAB_REPORT_ATTACHED: "附检验检测报告",
    ActKind.FOLLOWUP_CLOSED: "后续处置登记", ActKind.RESULT_CORRECTED: "更正公示结果",
    ActKind.RESULT_WITHDRAWN: "撤回公示结果",
    ActKind.PARTNER_CONFIRMED: "配合部门确认联合抽查", ActKind.PARTNER_DECLINED: "配合部门不同意联合抽查",
    ActKind.SANDBOX_ADDED: "加入沙盒监管名单", ActKind.SANDBOX_REMOVED: "移出沙盒监管名单",
    ActKind.TRIGGER_LIST_BUILT: "编制风险触发预警清单", ActKind.PLAN_TRIGGER_LIST: "触发式抽查计划采用清单",
}


class ActorRole(enum.StrEnum):
    ADMINISTRATOR = "admin"
    SUPERVISOR = "supervisor"
    HOST = "cli"


@dataclass(frozen=True)
class Actor:
    """Who acts and from where. ``person`` is what the trail is searched by: ``admin:`` and a
    fingerprint of the administrator's token (a changed token shows as another fingerprint), a
    supervisor's staff id, or ``host user@host`` for a command run on the platform's host."""

    role: ActorRole
    person: str
    origin: str
    device: str | None = None

    @classmethod
    def on_host(cls) -> Actor:
        """The user running a command on the host, as the operating system names them."""
        host = socket.gethostname()
        try:
            user = getpass.getuser()
        except (KeyError, OSError):  # no login name and no passwd entry: a container's bare uid
            user = f"uid{os.getuid()}"
        return cls(ActorRole.HOST, f"{user}@{host}", f"cli@{host}")

    @classmethod
    def administrator(cls, token: str, address: str | None) -> Actor:
        fingerprint = hashlib.sha256(token.encode()).hexdigest()[:12]
        return cls(ActorRole.ADMINISTRATOR, f"admin:{fingerprint}", address or "unknown")

    @classmethod
    def supervisor(cls, person: str, device: str, address: str | None) -> Actor:
        return cls(ActorRole.SUPERVISOR, person, address or "unknown", device)

    def to_json(self) -> dict[str, Any]:
        return {"role": self.role.value, "person": self.person, "device": self.device}


@dataclass(frozen=True)
class Act:
    """One act to record: its kind, the id of what it acted on, and what changed."""

    kind: ActKind
    object_id: str
    before: Mapping[str, Any] | None = None
    after: Mapping[str, Any] | None = None
    plan_id: str | None = None


def _entry(actor: Actor, act: Act, at: dt.datetime) -> dict[str, Any]:
    return {"v": ENTRY_VERSION, "kind": act.kind.value, "object": act.object_id,
            "plan": act.plan_id, "actor": actor.to_json(), "origin": actor.origin, "at": clock.log_stamp(at),
            "before": None if act.before is None else dict(act.before),
            "after": None if act.after is None else dict(act.after)}


def lock_trail(conn: sa.Connection) -> None:
    """Takes the trail's lock now rather than at the first entry, for an act that must read
    what it changes under that lock (on SQLite, writers are serial already)."""
    conn.execute(sa.select(t.merkle_logs.c.size).where(t.merkle_logs.c.name == ml.Log.AUDIT.value)
                 .with_for_update())


def record_acts(conn: sa.Connection, actor: Actor, acts: Sequence[Act],
                at: dt.datetime | None = None) -> None:
    """Writes one entry per act of ``actor``, in this order, in the caller's transaction (which
    must be the acts' own). A failure raises, and the caller's transaction with the acts in it
    must roll back: that is how an act without its entry cannot happen."""
    if not acts:
        return
    moment = clock.as_utc(at or clock.now())
    first = ml.append_many(conn, ml.Log.AUDIT, [_entry(actor, a, moment) for a in acts])
    conn.execute(t.audit_acts.insert(), [
        {"idx": first + n, "kind": a.kind.value, "object_id": a.object_id, "person": actor.person,
         "at": moment, "plan_id": a.plan_id} for n, a in enumerate(acts)])


def record_act(conn: sa.Connection, actor: Actor, kind: ActKind, object_id: str, *,
               before: Mapping[str, Any] | None = None, after: Mapping[str, Any] | None = None,
               plan_id: str | None = None, at: dt.datetime | None = None) -> None:
    """One act's entry (see :func:`record_acts`)."""
    record_acts(conn, actor, [Act(kind, object_id, before, after, plan_id)], at)


def changed_fields(before: Mapping[str, Any], after: Mapping[str, Any]
                   ) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The fields of ``after`` whose value differs from ``before``'s, as (before, after) maps;
    None when nothing changed."""
    names = [name for name, value in after.items() if before.get(name) != value]
    if not names:
        return None
    return {n: before.get(n) for n in names}, {n: after[n] for n in names}


def plan_of_record(conn: sa.Connection, record_id: str) -> str | None:
    """The plan of a record's task: what a supervisor's view of the trail filters on."""
    r, k = t.records, t.tasks
    return conn.execute(sa.select(k.c.plan_id).join(r, r.c.task_id == k.c.id)
                        .where(r.c.id == record_id)).scalar()


def seal(conn: sa.Connection, key: Ed25519PrivateKey, at: dt.datetime | None = None) -> None:
    """Signs the trail's tree head as it stands: once per transaction that acts, after its acts,
    so that each commit leaves a signed head over everything before it. A transaction that
    appended nothing finds the head of its size already signed and signs nothing."""
    ml.sign_head(conn, ml.Log.AUDIT, key, clock.as_utc(at or clock.now()))


@dataclass(frozen=True)
class Query:
    """A filter of the trail; every field left None matches everything. ``since`` and ``until``
    are China dates, both included. ``department`` keeps the acts on that department's plans
    (and their records) only: a supervisor's view."""

    kind: ActKind | None = None
    object_id: str | None = None
    person: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    department: str | None = None
    limit: int = 500
    offset: int = 0


def _china_midnight(day: dt.date) -> dt.datetime | None:
    """Midnight beginning ``day`` in China, in UTC; None beyond what a datetime holds (the first
    day of year 1 begins in year 0 in UTC, and 9999-12-31 has no next day): no bound there."""
    try:
        return dt.datetime.combine(day, dt.time(), clock.CHINA).astimezone(dt.UTC)
    except OverflowError:
        return None


def _day_after(day: dt.date) -> dt.date | None:
    return None if day == dt.date.max else day + dt.timedelta(days=1)


def search(conn: sa.Connection, query: Query) -> list[dict[str, Any]]:
    """The entries matching ``query``, oldest first, each with its ``index`` in the log."""
    a, e = t.audit_acts, t.log_entries
    select = (sa.select(a.c.idx, e.c.entry)
              .join(e, sa.and_(e.c.log == ml.Log.AUDIT.value, e.c.idx == a.c.idx))
              .order_by(a.c.idx).limit(query.limit).offset(query.offset))
    if query.kind is not None:
        select = select.where(a.c.kind == query.kind.value)
    if query.object_id is not None:
        select = select.where(a.c.object_id == query.object_id)
    if query.person is not None:
        select = select.where(a.c.person == query.person)
    since = None if query.since is None else _china_midnight(query.since)
    if since is not None:
        select = select.where(a.c.at >= since)
    after = None if query.until is None else _day_after(query.until)
    until = None if after is None else _china_midnight(after)
    if until is not None:
        select = select.where(a.c.at < until)
    if query.department is not None:
        d = t.plan_departments
        select = select.where(a.c.plan_id.in_(
            sa.select(d.c.plan_id).where(d.c.department == query.department)))
    return [{"index": row.idx, **cast(dict[str, Any], parse_json(row.entry))}
            for row in conn.execute(select)]


def _stored_entry(text: str) -> dict[str, Any]:
    """An entry as the trail stored it: canonical JSON this module wrote (``canonical_bytes``
    checked every value before ``merkle_log`` hashed it, and :func:`verify` re-checks each
    stored entry against its leaf hash), read with the plain parser.

    ``parse_json``'s checks guard text that others send; over a province's directory import
    (one entry per entity) re-running them cost a draw's export most of a minute per 100,000
    entries (issue 29 point 5). The one value they change, an integer literal beyond 2^53
    that canonical text writes for a large double, is read as that double here too."""
    return cast(dict[str, Any], _ENTRY_DECODER.decode(text))


def _canonical_int(literal: str) -> int | float:
    value = int(literal)
    return value if abs(value) <= _MAX_SAFE_INTEGER else float(value)


_ENTRY_DECODER = json.JSONDecoder(parse_int=_canonical_int)
"""One decoder for every entry (``json.loads`` with a hook builds a new one per call)."""


def _directory_query(select: sa.Select[Any], since: dt.datetime, until: dt.datetime,
                     below: int | None) -> sa.Select[Any]:
    a = t.audit_acts
    select = select.where(a.c.kind.in_([k.value for k in DIRECTORY_KINDS]),
                          a.c.at >= clock.as_utc(since), a.c.at < clock.as_utc(until))
    return select if below is None else select.where(a.c.idx < below)


def trail_size(conn: sa.Connection) -> int:
    """How many entries the trail holds now: an entry below it never changes (append-only)."""
    return ml.size_of(conn, ml.Log.AUDIT)


def directory_change_count(conn: sa.Connection, since: dt.datetime, until: dt.datetime,
                           below: int | None = None) -> int:
    """How many changes :func:`directory_changes` lists, counted by the index alone."""
    a = t.audit_acts
    return int(conn.execute(_directory_query(sa.select(sa.func.count()).select_from(a),
                                             since, until, below)).scalar_one())


def directory_changes(conn: sa.Connection, since: dt.datetime, until: dt.datetime,
                      below: int | None = None) -> dict[str, Any]:
    """Every change to the directories and the item list in [``since``, ``until``) among the
    trail's first ``below`` entries (all when None), grouped by directory and then object
    (entity by entity, in the order each was first changed), each change with its time, who
    made it and its fields before and after. What a draw's auditor reads to see whether the
    population was shaped before it was frozen. The same arguments give the same answer for
    ever once ``below`` is at most the trail's size: the trail is append-only."""
    a, e = t.audit_acts, t.log_entries
    rows = conn.execute(_directory_query(
        sa.select(e.c.entry).join(a, sa.and_(e.c.log == ml.Log.AUDIT.value, e.c.idx == a.c.idx)),
        since, until, below).order_by(a.c.idx)).all()
    grouped: dict[str, dict[str, list[dict[str, Any]]]] = {k.value: {} for k in DIRECTORY_KINDS}
    for row in rows:
        entry = _stored_entry(row.entry)
        grouped[entry["kind"]].setdefault(entry["object"], []).append(
            {"at": entry["at"], "by": entry["actor"]["person"], "before": entry["before"],
             "after": entry["after"]})
    return {"since": clock.log_stamp(since), "until": clock.log_stamp(until),
            "count": sum(len(changes) for objects in grouped.values()
                         for changes in objects.values()),
            **{DIRECTORY_NAMES[ActKind(kind)]:
               [{"id": obj, "changes": changes} for obj, changes in objects.items()]
               for kind, objects in grouped.items()}}


def verify(conn: sa.Connection, key: Ed25519PrivateKey | Ed25519PublicKey) -> list[str]:
    """Re-checks the whole trail from its entries: the Merkle log (each leaf against its hash,
    no gap, the frontier, every signed head) and the index against the entries it indexes.
    Returns what is wrong, in Chinese; empty when the trail is sound."""
    problems = ml.verify_stored(conn, ml.Log.AUDIT, key)
    a, e = t.audit_acts, t.log_entries
    indexed = {row.idx: row for row in conn.execute(sa.select(a))}
    for row in conn.execute(sa.select(e.c.idx, e.c.entry).where(e.c.log == ml.Log.AUDIT.value)
                            .order_by(e.c.idx)):
        entry = cast(dict[str, Any], parse_json(row.entry))
        index = indexed.pop(row.idx, None)
        if index is None:
            problems.append(f"第{row.idx}条没有索引")
        elif (index.kind, index.object_id, index.person, clock.log_stamp(index.at), index.plan_id) != (
                entry["kind"], entry["object"], entry["actor"]["person"], entry["at"],
                entry["plan"]):
            problems.append(f"第{row.idx}条的索引与条目不符")
    problems += [f"索引第{idx}条没有对应的条目" for idx in sorted(indexed)]
    return problems


CSV_HEADER = ("序号", "时间（UTC）", "类型", "对象", "计划", "人员", "角色", "设备", "来源",
              "变更前", "变更后")


def _json_cell(value: Any) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def csv_export(entries: Iterable[Mapping[str, Any]]) -> str:
    """The entries as CSV text, every text cell inert (no cell is a formula: an entity's name
    or a plan's comes from anyone's file)."""
    rows: list[list[Cell]] = [list(CSV_HEADER)]
    for entry in entries:
        actor = entry["actor"]
        rows.append([entry["index"], entry["at"],
                     KIND_LABELS.get(ActKind(entry["kind"]), entry["kind"]), entry["object"],
                     entry["plan"] or "", actor["person"], actor["role"], actor["device"] or "",
                     entry["origin"], _json_cell(entry["before"]), _json_cell(entry["after"])])
    return csv_text(rows)


def acts_of(conn: sa.Connection, kinds: Sequence[ActKind], *, objects: Sequence[str] | None = None,
            since: dt.datetime | None = None, until: dt.datetime | None = None
            ) -> list[dict[str, Any]]:
    """The entries of ``kinds`` (of ``objects`` when given) in [``since``, ``until``] (both
    included; None: no bound), oldest first, each with its index in the log, kind, object, time,
    who made it and its fields before and after: what a draw's auditor export shows of an act."""
    a, e = t.audit_acts, t.log_entries
    query = (sa.select(a.c.idx, e.c.entry)
             .join(e, sa.and_(e.c.log == ml.Log.AUDIT.value, e.c.idx == a.c.idx))
             .where(a.c.kind.in_([k.value for k in kinds])).order_by(a.c.idx))
    if objects is not None:
        query = query.where(a.c.object_id.in_(list(objects)))
    if since is not None:
        query = query.where(a.c.at >= clock.as_utc(since))
    if until is not None:
        query = query.where(a.c.at <= clock.as_utc(until))
    found = []
    for row in conn.execute(query).all():
        entry = _stored_entry(row.entry)
        found.append({"index": row.idx, "kind": entry["kind"], "object": entry["object"],
                      "at": entry["at"], "by": entry["actor"]["person"],
                      "before": entry["before"], "after": entry["after"]})
    return found
