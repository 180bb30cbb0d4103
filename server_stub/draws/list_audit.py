"""The trigger list and the sandbox in a draw's auditor export, and their re-check. Pure: no I/O.

A draw of a routine plan (双随机抽查) exports ``sandbox``: the moment of the freeze, every sandbox
entry in effect then (entity, period, reason, who added it and when, and its removal if it came
later) and the sandbox's audit-trail acts from :data:`audit.DIRECTORY_LOOKBACK` before the plan's
creation to the freeze. A draw of a triggered plan (触发式抽查) exports ``trigger``: the list it
drew from (its id, name, rule and rule text, members, when and by whom it was built, the salt and
the commitment published on the plan's public page) and the audit-trail acts that built it and
named it for the plan. Exports of draws made before issue 26 have
neither key, and are verified as before.

:func:`check_lists` re-checks what the export says the lists did, from the export alone: the
sandbox was taken at the freeze, each entry exported was in effect then, and no entity of the
frozen population is in one; the trigger list matches its published commitment, was built before
the freeze, and holds every entity of the frozen population (the population is the list ∩ the
plan's scope).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from server_stub.core.clock import CHINA

TRIGGER_LIST_PREFIX = "zsc-trigger-list:"
COMMITTED_FIELDS = ("id", "name", "rule", "rule_text", "built_at", "members", "salt")
"""What a trigger list's commitment covers."""


def list_commitment(data: Mapping[str, Any]) -> str:
    """Hex SHA-256 of the prefix and the canonical JSON (sorted keys, no spaces, UTF-8) of the
    list's :data:`COMMITTED_FIELDS`. The salt (128 random bits, only in the export) makes the
    published value useless for testing a guess of who is on the list."""
    canonical = json.dumps({k: data[k] for k in COMMITTED_FIELDS}, sort_keys=True,
                           ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((TRIGGER_LIST_PREFIX + canonical).encode("utf-8")).hexdigest()


def _moment(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


def _population(export: Mapping[str, Any]) -> set[str]:
    return {code for s in export["strata"] for code in s["ids"]}


def check_lists(export: Mapping[str, Any]) -> list[tuple[bool, str]]:
    """(ok, message) per check of the export's ``sandbox`` and ``trigger`` sections (none when
    it has neither)."""
    checks: list[tuple[bool, str]] = []
    if "ceremony" not in export:  # no freeze before issue 13, so no lists taken at one
        return checks
    if "sandbox" in export:
        checks += _check_sandbox(export)
    if "trigger" in export:
        checks += _check_trigger(export)
    return checks


def _check_sandbox(export: Mapping[str, Any]) -> list[tuple[bool, str]]:
    box = export["sandbox"]
    at = _moment(box["at"])
    frozen_at = _moment(export["ceremony"]["frozen_at"])
    checks = [(at == frozen_at, "沙盒监管名单取自名录冻结之时" if at == frozen_at
               else "沙盒监管名单的时间与名录冻结的时间不符")]
    day = at.astimezone(CHINA).date()
    lapsed = []
    for n, entry in enumerate(box["entries"], 1):
        removed = entry["removed_at"]
        ok = (dt.date.fromisoformat(entry["starts_on"]) <= day <= dt.date.fromisoformat(entry["ends_on"])
              and _moment(entry["added_at"]) <= at and (removed is None or _moment(removed) > at))
        if not ok:
            lapsed.append((False, f"沙盒监管名单第{n}条（{entry['credit_code']}）在名录冻结时并不有效"))
    checks += lapsed or [(True, f"沙盒监管名单 {len(box['entries'])} 条在名录冻结时均有效")]
    boxed = {entry["credit_code"] for entry in box["entries"]}
    inside = sorted(_population(export) & boxed)
    checks.append((not inside, f"名录中没有沙盒监管期内的对象（沙盒监管名单 {len(boxed)} 户）" if not inside
                   else f"名录中有沙盒监管期内的对象：{'、'.join(inside[:10])}"))
    return checks


def _check_trigger(export: Mapping[str, Any]) -> list[tuple[bool, str]]:
    trigger = export["trigger"]
    members = set(trigger["members"])
    checks = []
    ok = list_commitment(trigger) == trigger["commitment"] and trigger["count"] == len(trigger["members"])
    checks.append((ok, f"触发清单（{trigger['count']} 户）与计划公布的清单承诺值一致" if ok
                   else "触发清单的规则、成员或户数与计划公布的清单承诺值不一致"))
    before = _moment(trigger["built_at"]) <= _moment(export["ceremony"]["frozen_at"])
    checks.append((before, "触发清单在名录冻结前编制" if before
                   else "触发清单的编制时间晚于名录冻结"))
    outside = sorted(_population(export) - members)
    checks.append((not outside, "名录中的对象均在触发清单内" if not outside
                   else f"名录中有不在触发清单内的对象：{'、'.join(outside[:10])}"))
    return checks


PUBLISHED_TRIGGER_FIELDS = ("name", "rule_text", "count", "built_at", "commitment")


def published_lists(export: Mapping[str, Any]) -> dict[str, Any]:
    """What the public draw carries of the export's lists: a triggered plan's rule, count, build
    time and commitment (never a member or the salt); nothing of the sandbox."""
    if "trigger" not in export:
        return {}
    return {"trigger": {k: export["trigger"][k] for k in PUBLISHED_TRIGGER_FIELDS}}


def compare_lists(export: Mapping[str, Any], publication: Mapping[str, Any]) -> list[tuple[bool, str]]:
    """(ok, message): the export's trigger list is the one the public draw shows."""
    if "trigger" not in export:
        return []
    ours = published_lists(export)["trigger"]
    theirs = publication.get("trigger")
    ok = ours == theirs
    return [(ok, "触发清单（规则、户数、编制时间、承诺值）与公示一致" if ok
             else f"触发清单与公示不一致：审计文件为 {ours}，公示为 {theirs}")]
