"""The shapes of the sync contract's answers (DESIGN §5), typed once for both sides.

The platform builds its ``GET /api/v1/tasks`` answer as these ``TypedDict``s and the app reads
them as the same types, so a field renamed here fails the type check of whichever side still
uses the old name, not a phone in the field. ``read_tasks`` is the app's door: an answer that
is not this shape (a proxy's page, an older or newer platform) is refused whole with every
problem named, before anything is stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NotRequired, cast

# typing_extensions' TypedDict: pydantic reads these as the platform's answer models, and on
# Python < 3.12 it accepts only this one.
from typing_extensions import TypedDict

from ._exceptions import Problem, ValidationError


class TaskEntity(TypedDict):
    """检查对象 as the team needs it at the door (never a risk grade); ``lat``/``lon``: WGS 84
    position of the registered address, null when the directory has none."""

    name: str
    address: str
    region: str
    industry: str
    lat: NotRequired[float | None]
    lon: NotRequired[float | None]


class TaskItem(TypedDict):
    """One 抽查事项 of the task."""

    code: str
    name: str
    category: str
    basis: str
    method: str
    department: str
    checkpoints: list[str]
    specialty: NotRequired[str]
    """The specialty a 专业技术人员 on the team brings for this item ("" or absent: none)."""


class TeamMemberJson(TypedDict):
    """A member of the team, as shown to the enterprise (亮证)."""

    id: str
    name: str
    badge_no: str
    kind: NotRequired[str]
    """执法人员 (absent: a platform before issue 26) or 专业技术人员, who shows no 执法证 and
    does not sign."""


class TaskRecord(TypedDict):
    """The task's current record on the platform, whoever of the team sent it; ``comment``: the
    reviewer's (why it was returned)."""

    id: str
    hash: str
    state: str
    comment: str | None


class FollowUp(TypedDict):
    """A 发现问题待后续处理's ledger entry, for the department that keeps it; ``due_on``: the
    disposal deadline, ZSC_FOLLOWUP_DUE_DAYS calendar days after the inspection."""

    open: bool
    due_on: str
    disposal: str | None
    disposal_date: str | None


class HistoryEntry(TypedDict):
    """An earlier inspection of the same enterprise the caller's department may see; ``followup``
    only where it may read the ledger; ``withdrawn``: the published result was withdrawn."""

    record_id: str
    inspected_on: str
    departments: list[str]
    plan_name: str
    outcome: str
    published: bool
    followup: FollowUp | None
    withdrawn: bool


class SchemeJson(TypedDict):
    """检查方案 of the task's plan (issue 26): what is checked, when and how, as the lead and
    partner departments agreed it."""

    content: str
    schedule: str
    method: str


class TaskJson(TypedDict):
    """抽查任务 as ``GET /api/v1/tasks`` gives it to the team's phones."""

    id: str
    plan_id: str
    plan_name: str
    credit_code: str
    entity: TaskEntity
    items: list[TaskItem]
    team: list[TeamMemberJson]
    due: str
    code_token: str
    record: TaskRecord | None
    history: NotRequired[list[HistoryEntry]]
    scheme: NotRequired[SchemeJson | None]
    """The plan's 检查方案; absent or null: the plan has none (and a platform before issue 26)."""


class QueueEntry(TypedDict):
    """One record in a supervisor's review queue (``GET /api/v1/review/queue``); ``own``: the
    supervisor was on the task's team, so another reviewer must review it (回避)."""

    id: str
    task_id: str
    credit_code: str
    entity_name: str
    inspector_id: str
    inspector_name: str
    outcome: str
    finished_at: str | None
    state: str
    revision: bool
    own: bool


class SignatureCheck(TypedDict):
    """The device signature checked again by the platform when the detail was asked for."""

    valid: bool
    message: str


class ReviewEntity(TypedDict):
    name: str
    address: str
    credit_code: str
    lat: float | None
    lon: float | None


class ReviewState(TypedDict):
    reviewer_id: str | None
    reviewed_at: str | None
    comment: str | None
    published_at: str | None


class RevisionLine(TypedDict):
    """One record of the task in the order received (修订记录)."""

    id: str
    hash: str
    state: str
    supersedes: str | None
    outcome: str
    received_at: str | None
    review_comment: str | None
    superseded: bool


class ReturnedRecord(TypedDict):
    """The record a revision corrects, as signed, with why it was returned."""

    id: str
    record: dict[str, Any]
    review_comment: str | None
    reviewed_at: str | None


class FeedbackLine(TypedDict):
    message: str
    contact: str
    created_at: str


class ContentConfirmation(TypedDict):
    """Whether the enterprise's answer covers this record's content (None: there is none), and
    the version it was given on when another (修订内容未经企业确认)."""

    confirmed: bool | None
    signed_version: str | None


class LabReport(TypedDict):
    """A laboratory's report attached to an item sent for testing (issue 27 point 2)."""

    sha256: str
    number: str
    conclusion: str
    """合格 or 不合格: the item's result from now on."""
    attached_by: str
    attached_at: str | None


class LabReportLine(TypedDict):
    """An item of the record sent for testing, with its report (None while awaited)."""

    item: str
    report: LabReport | None


class ReviewDetail(TypedDict):
    """``GET /api/v1/review/records/{id}``: everything a reviewer needs of one record.
    ``record`` is the signed record's JSON (``sync.validate_record`` reads it)."""

    id: str
    hash: str
    state: str
    task_id: str
    plan_id: str
    superseded: bool
    entity: ReviewEntity
    record: dict[str, Any]
    item_names: dict[str, str]
    inspector_names: dict[str, str]
    signature: SignatureCheck
    chain_gaps: list[list[int]]
    review: ReviewState
    history: list[RevisionLine]
    previous: ReturnedRecord | None
    confirmation: ContentConfirmation
    feedback: list[FeedbackLine]
    own: bool
    lab_reports: list[LabReportLine]


class YearRow(TypedDict):
    """One line of the year on one screen (issue 26 point 8): the plans of a department (led or
    joined), of a level (市级 / 县级 / 未登记层级: plans with a department of it), of a 抽查层级,
    or all of them.
    Every figure is of that set of plans; the definitions are in docs/decisions.md ("Issue 26:
    the year on one screen"). Rates are shares from 0 to 1, null when there is nothing to share.
    Internal: for supervisors and the administrator, never the public."""

    scope: str
    """department | level (市级 / 县级 / 未登记层级) | plan_level (抽查层级: 市抽县查 … 本级自抽自查)
    | total"""
    name: str
    level: str
    planned: int
    confirmed: int
    drawn: int
    done: int
    published: int
    joint: int
    joint_confirmed: int
    joint_share: float | None
    random_plans: int
    graded_plans: int
    risk_grade_use: float | None
    meets_target: bool
    joint_random_plans: int
    joint_graded_plans: int
    joint_risk_grade_use: float | None
    joint_meets_target: bool
    joint_visits_saved: int
    capped_out: int
    repeats_avoided: int


class YearOverview(TypedDict):
    """``GET /api/v1/stats/year?year=YYYY``: the year's plans per department and level; a
    supervisor's answer has their own department's row only."""

    year: int
    target: float
    """The risk-grade use rate to reach (0.6)."""
    rows: list[YearRow]


class PartnerRequestItem(TypedDict):
    code: str
    name: str
    department: str


class PartnerRequest(TypedDict):
    """A joint plan that asks the supervisor's department to confirm its part (配合部门确认):
    its terms, the department's answer so far, and ``open`` until the population is frozen."""

    plan_id: str
    name: str
    lead: str
    departments: list[str]
    window_start: str
    window_end: str
    items: list[PartnerRequestItem]
    scheme: SchemeJson | None
    state: str
    """pending | confirmed | declined"""
    state_label: str
    staff: list[str]
    qualifications: list[str]
    reason: str | None
    answered_at: str | None
    open: bool


class StaffMember(TypedDict):
    id: str
    name: str
    kind: str


class PartnerRequests(TypedDict):
    """``GET /api/v1/partner-requests``: the supervisor's department, its joint plans waiting for
    (or holding) its answer, and its active staff it may offer for the teams."""

    department: str
    requests: list[PartnerRequest]
    staff: list[StaffMember]


_REQUIRED: dict[str, dict[str, type | tuple[type, ...]]] = {
    "task": {"id": str, "plan_id": str, "plan_name": str, "credit_code": str, "entity": dict,
             "items": list, "team": list, "due": str, "code_token": str,
             "record": (dict, type(None))},
    "entity": {"name": str, "address": str, "region": str, "industry": str},
    "item": {"code": str, "name": str, "category": str, "basis": str, "method": str,
             "department": str, "checkpoints": list},
    "member": {"id": str, "name": str, "badge_no": str},
    "scheme": {"content": str, "schedule": str, "method": str},
    "record": {"id": str, "hash": str, "state": str},
    "detail": {"id": str, "hash": str, "state": str, "task_id": str, "plan_id": str,
               "superseded": bool, "entity": dict, "record": dict, "item_names": dict,
               "inspector_names": dict, "signature": dict, "chain_gaps": list, "review": dict,
               "history": list, "previous": (dict, type(None)), "confirmation": dict,
               "feedback": list, "own": bool, "lab_reports": list},
    "year_row": {"scope": str, "name": str, "level": str, "planned": int, "confirmed": int,
                 "drawn": int, "done": int, "published": int, "joint": int,
                 "joint_confirmed": int, "joint_share": (float, int, type(None)),
                 "random_plans": int, "graded_plans": int,
                 "risk_grade_use": (float, int, type(None)), "meets_target": bool,
                 "joint_random_plans": int, "joint_graded_plans": int,
                 "joint_risk_grade_use": (float, int, type(None)), "joint_meets_target": bool,
                 "joint_visits_saved": int, "capped_out": int, "repeats_avoided": int},
    "partner_request": {"plan_id": str, "name": str, "lead": str, "departments": list,
                        "window_start": str, "window_end": str, "items": list,
                        "scheme": (dict, type(None)), "state": str, "state_label": str,
                        "staff": list, "qualifications": list, "reason": (str, type(None)),
                        "answered_at": (str, type(None)), "open": bool},
    "request_item": {"code": str, "name": str, "department": str},
    "staff_member": {"id": str, "name": str, "kind": str},
    "queue": {"id": str, "task_id": str, "credit_code": str, "entity_name": str,
              "inspector_id": str, "inspector_name": str, "outcome": str,
              "finished_at": (str, type(None)), "state": str, "revision": bool, "own": bool},
}


def _check(value: object, kind: str, path: str, problems: list[Problem]) -> bool:
    if not isinstance(value, Mapping):
        problems.append(Problem(path, "应为JSON对象"))
        return False
    for key, types in _REQUIRED[kind].items():
        if key not in value:
            problems.append(Problem(f"{path}.{key}", "缺少此字段"))
        elif not isinstance(value[key], types):
            problems.append(Problem(f"{path}.{key}", "类型不符"))
    return True


def read_tasks(body: object) -> list[TaskJson]:
    """The tasks of a ``GET /api/v1/tasks`` answer; ``ValidationError`` naming every place the
    answer departs from ``TaskJson`` (extra fields are allowed: a newer platform may add some)."""
    problems: list[Problem] = []
    tasks = body.get("tasks") if isinstance(body, Mapping) else None
    if not isinstance(tasks, list):
        raise ValidationError([Problem("tasks", "平台的任务列表应为JSON数组")])
    for n, task in enumerate(tasks):
        path = f"tasks[{n}]"
        if not _check(task, "task", path, problems):
            continue
        if isinstance(task.get("entity"), Mapping):
            _check(task["entity"], "entity", f"{path}.entity", problems)
        for kind, key in (("item", "items"), ("member", "team")):
            for m, part in enumerate(task.get(key) or []):
                _check(part, kind, f"{path}.{key}[{m}]", problems)
        if isinstance(task.get("record"), Mapping):
            _check(task["record"], "record", f"{path}.record", problems)
        if not isinstance(task.get("history", []), list):
            problems.append(Problem(f"{path}.history", "类型不符"))
        if task.get("scheme") is not None:
            _check(task["scheme"], "scheme", f"{path}.scheme", problems)
    if problems:
        raise ValidationError(problems)
    return cast(list[TaskJson], tasks)


def read_queue(body: object) -> list[QueueEntry]:
    """The entries of a ``GET /api/v1/review/queue`` answer; ``ValidationError`` as ``read_tasks``."""
    records = body.get("records") if isinstance(body, Mapping) else None
    if not isinstance(records, list):
        raise ValidationError([Problem("records", "平台的审核队列应为JSON数组")])
    problems: list[Problem] = []
    for n, entry in enumerate(records):
        _check(entry, "queue", f"records[{n}]", problems)
    if problems:
        raise ValidationError(problems)
    return cast(list[QueueEntry], records)


def read_review_detail(body: object) -> ReviewDetail:
    """A ``GET /api/v1/review/records/{id}`` answer; ``ValidationError`` as ``read_tasks``."""
    problems: list[Problem] = []
    # The signed record is read whole by validate_record where it is used; here only what the
    # screen needs at once.
    if (_check(body, "detail", "detail", problems) and isinstance(body, Mapping)
            and isinstance(body.get("record"), Mapping)):
        for key in ("items", "outcome", "started_at", "finished_at"):
            if key not in body["record"]:
                problems.append(Problem(f"detail.record.{key}", "缺少此字段"))
    if problems:
        raise ValidationError(problems)
    return cast(ReviewDetail, body)


def read_year_overview(body: object) -> YearOverview:
    """A ``GET /api/v1/stats/year`` answer; ``ValidationError`` as ``read_tasks``."""
    rows = body.get("rows") if isinstance(body, Mapping) else None
    if not isinstance(rows, list) or not isinstance(body, Mapping) \
            or not isinstance(body.get("year"), int):
        raise ValidationError([Problem("rows", "平台的年度计划执行情况应为JSON对象（year、rows）")])
    problems: list[Problem] = []
    for n, row in enumerate(rows):
        _check(row, "year_row", f"rows[{n}]", problems)
    if problems:
        raise ValidationError(problems)
    return cast(YearOverview, body)


def read_partner_requests(body: object) -> PartnerRequests:
    """A ``GET /api/v1/partner-requests`` answer; ``ValidationError`` as ``read_tasks``."""
    if not isinstance(body, Mapping) or not isinstance(body.get("department"), str) \
            or not isinstance(body.get("requests"), list) or not isinstance(body.get("staff"), list):
        raise ValidationError([Problem("requests",
                                       "平台的联合抽查确认列表应为JSON对象（department、requests、staff）")])
    problems: list[Problem] = []
    for n, request in enumerate(body["requests"]):
        path = f"requests[{n}]"
        if _check(request, "partner_request", path, problems) and isinstance(request.get("items"), list):
            for k, item in enumerate(request["items"]):
                _check(item, "request_item", f"{path}.items[{k}]", problems)
            if isinstance(request.get("scheme"), Mapping):
                _check(request["scheme"], "scheme", f"{path}.scheme", problems)
    for n, member in enumerate(body["staff"]):
        _check(member, "staff_member", f"staff[{n}]", problems)
    if problems:
        raise ValidationError(problems)
    return cast(PartnerRequests, body)
