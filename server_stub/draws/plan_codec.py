"""Plans to and from JSON: stored in the database, sent by the API, carried by audit exports.

Ratios travel as decimal strings (``"2.5"``), never as JSON numbers, so no float ever touches them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sync import Plan, PlanLevel, Problem, Scheme, ValidationError


def plan_to_json(plan: Plan) -> dict[str, Any]:
    """The plan as JSON. The terms added by issues 26 and 28 (level, scheme, batches, replacing
    county plans, witnesses required) appear only when set, so a plan made before them encodes exactly as it did: its
    audit exports and the commitments over them still match."""
    return {
        "id": plan.id,
        "name": plan.name,
        "departments": list(plan.departments),
        "items": list(plan.items),
        "ratios": {grade.value: str(ratio) for grade, ratio in plan.ratios.items()},
        "team_size": plan.team_size,
        "window_start": plan.window_start.isoformat(),
        "window_end": plan.window_end.isoformat(),
        "regions": list(plan.regions),
        "industries": list(plan.industries),
        "statuses": [s.value for s in plan.statuses],
        "exclude_inspected_within_days": plan.exclude_inspected_within_days,
        "workload_cap": plan.workload_cap,
        **({"level": plan.level.value} if plan.level else {}),
        **({"scheme": {"content": plan.scheme.content, "schedule": plan.scheme.schedule,
                       "method": plan.scheme.method}} if plan.scheme else {}),
        **({"batches": [d.isoformat() for d in plan.batches]} if plan.batches else {}),
        **({"replaces_county": True} if plan.replaces_county else {}),
        **({"witnesses_required": plan.witnesses_required} if plan.witnesses_required else {}),
    }


def _date(value: object, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError.single(field, f"日期「{value}」格式应为YYYY-MM-DD") from None


def plan_from_json(data: Mapping[str, Any]) -> Plan:
    """The Plan ``data`` describes; ``ValidationError`` (with every problem) when it is not valid."""
    required = ("id", "name", "departments", "items", "ratios", "team_size", "window_start",
                "window_end")
    missing = [Problem(k, "缺少此项") for k in required if k not in data]
    if missing:
        raise ValidationError(missing)
    statuses = data.get("statuses")
    scheme = data.get("scheme")
    batches = data.get("batches") or ()
    if not isinstance(batches, list | tuple):
        raise ValidationError.single("batches", "批次派发日期应为日期列表")
    return Plan(
        id=data["id"],
        name=data["name"],
        departments=tuple(data["departments"]),
        items=tuple(data["items"]),
        ratios=dict(data["ratios"]),
        team_size=data["team_size"],
        window_start=_date(data["window_start"], "window_start"),
        window_end=_date(data["window_end"], "window_end"),
        regions=tuple(data.get("regions") or ()),
        industries=tuple(data.get("industries") or ()),
        **({"statuses": tuple(statuses)} if statuses else {}),
        exclude_inspected_within_days=data.get("exclude_inspected_within_days"),
        workload_cap=data.get("workload_cap"),
        level=_level(data.get("level")),
        scheme=None if scheme is None else _scheme(scheme),
        batches=tuple(_date(d, "batches") for d in batches),
        replaces_county=data.get("replaces_county", False),
        witnesses_required=data.get("witnesses_required", 0),
    )


def _level(value: object) -> PlanLevel | None:
    if value is None or value == "":
        return None
    try:
        return PlanLevel(str(value))
    except ValueError:
        allowed = "、".join(level.value for level in PlanLevel)
        raise ValidationError.single("level", f"抽查层级「{value}」无效，应为：{allowed}") from None


def _scheme(value: object) -> Scheme:
    if not isinstance(value, Mapping):
        raise ValidationError.single("scheme", "检查方案应写明检查内容、时间安排和检查方式")
    return Scheme(content=value.get("content"), schedule=value.get("schedule"),  # type: ignore[arg-type]
                  method=value.get("method"))  # type: ignore[arg-type]
