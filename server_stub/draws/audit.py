"""The auditor's export of a draw, and its re-run (``python -m server_stub verify-draw``).

An export holds everything needed to re-run a draw with no access to the platform: the plan,
the ceremony (the revealed secret and its commitment, the frozen population's commitment, the
entropy entered and by whom, the times of each step) and the seed derived from it, each
stratum's grade, full population and the salt of its published ``population_commitment``, the
inspectors and items the team draw saw, and the results.
It is internal (it carries risk grades through the strata); :func:`public_strata` is all of the
strata the public sees, and :func:`compare_with_publication` lets anyone holding an export check
it against the public page.

Format 6 (issue 26) carries what the year's office half adds to a team draw: each inspector's
staff kind (执法人员 or 专业技术人员) and each item's specialty, the departments by level and
region and the drawn entities' regions where the plan draws county staff (市抽县查, 市县联查), and
each task's batch release date; the re-run checks teams, experts and batches. Format 5 draws the teams in credit-code order over the whole draw (:func:`team_order`) and
numbers the tasks in that order, so that neither a task's number nor the workload cap follows the
strata (DESIGN §11); the re-run checks both. Earlier formats drew teams in draw order.
Format 4 adds ``directory_changes``: every change to the directories and the item list from
:data:`DIRECTORY_LOOKBACK` before the plan was created until the population was frozen, object by
object, from the audit trail (issue 19): a change of status, region or industry that took an entity
out of the population before the freeze is there to see. Format 3 (issue 13 to 19) has everything
else; format 1 (draws made before issue 11) published an unsalted ``ids_hash`` per stratum instead
of a salted commitment; format 2 (before issue 13) used the platform's secret itself as the seed.
All are still verified as they were made. Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from server_stub.core.clock import china_date
from server_stub.draws.ceremony import (
    DERIVATION,
    CeremonyError,
    Entropy,
    EntropySpec,
    check_entropy,
    derive_seed,
    population_set_commitment,
)
from server_stub.draws.list_audit import check_lists, compare_lists
from server_stub.draws.plan_codec import plan_from_json, plan_to_json
from server_stub.draws.sampling import (
    ALGORITHM,
    ALGORITHM_VERSION,
    SALT_HEX_DIGITS,
    EntityDraw,
    Staffing,
    TeamDraw,
    batch_release,
    commitment,
    consistent_sample,
    draw_teams,
    population_commitment,
    stratum_size,
    task_ids,
    team_order,
)
from sync import (
    Department,
    InspectionItem,
    InspectionMethod,
    Inspector,
    Plan,
    RiskGrade,
    StaffKind,
)

FORMAT = "zsc-draw-audit/6"
STRATA_FREE_FORMAT = "zsc-draw-audit/5"
"""Exports made before the year's office half (issue 24 to 26): no levels, experts or batches."""
DIRECTORY_FORMAT = "zsc-draw-audit/4"
"""Exports whose teams were drawn in draw order, stratum by stratum (issue 19 to 23)."""
CEREMONY_FORMAT = "zsc-draw-audit/3"
"""Exports with the ceremony but without the directory changes before the freeze (issue 13 to 19)."""
CEREMONY_FORMATS = (FORMAT, STRATA_FREE_FORMAT, DIRECTORY_FORMAT, CEREMONY_FORMAT)
DIRECTORY_FORMATS = (FORMAT, STRATA_FREE_FORMAT, DIRECTORY_FORMAT)
STRATA_FREE_FORMATS = (FORMAT, STRATA_FREE_FORMAT)
SECRET_AS_SEED_FORMAT = "zsc-draw-audit/2"
"""Exports of draws whose seed was the platform's secret itself (issue 11 to issue 13)."""
LEGACY_FORMAT = "zsc-draw-audit/1"
"""Exports of draws made with an unsalted ``ids_hash`` per stratum (before issue 11)."""
FORMATS = (FORMAT, STRATA_FREE_FORMAT, DIRECTORY_FORMAT, CEREMONY_FORMAT, SECRET_AS_SEED_FORMAT,
           LEGACY_FORMAT)

DIRECTORY_LOOKBACK = dt.timedelta(days=30)
"""How long before a plan's creation the export's directory changes begin: a directory shaped
in the weeks before a plan was announced steers its draw just as well as one shaped after."""

_SALT = re.compile(f"[0-9a-f]{{{SALT_HEX_DIGITS}}}")


def build_export(
    *,
    plan: Plan,
    draw: EntityDraw,
    frozen: Sequence[Mapping[str, Any]],
    commitment: str,
    ceremony: Mapping[str, Any],
    inspectors: Iterable[Inspector],
    catalogue: Iterable[InspectionItem],
    teams: TeamDraw,
    task_ids: Mapping[str, str],
    drawn_at: str,
    directory_changes: Mapping[str, Any],
    staffing: Staffing | None = None,
    release: Mapping[str, dt.date] | None = None,
) -> dict[str, Any]:
    """The auditor export for a draw that has just been made from the ``frozen`` strata (each
    with its grade, sorted ids, salt and commitment); ``ceremony`` holds the secret, the times
    and the entropy that derived ``draw.seed``; ``directory_changes`` the audit trail's
    directory changes before the freeze (``audit_trail.directory_changes``, or the reference a
    draw stores in their place, ``planning.directory_changes_ref``); ``staffing`` where
    the teams came from and ``release`` each task's batch release date."""
    drawn = {s.grade.value: s for s in draw.strata}
    staffing = staffing or Staffing()
    release = release or {}
    pool = staffing.pool_departments(plan)
    return {
        "format": FORMAT,
        "plan": plan_to_json(plan),
        "algorithm": draw.algorithm,
        "algorithm_version": draw.algorithm_version,
        "seed": draw.seed,
        "commitment": commitment,
        "ceremony": dict(ceremony),
        "drawn_at": drawn_at,
        "strata": [
            {
                "grade": f["grade"],
                "population": drawn[f["grade"]].population,
                "ratio": str(drawn[f["grade"]].ratio),
                "k": drawn[f["grade"]].k,
                "salt": f["salt"],
                "population_commitment": f["population_commitment"],
                "ids": list(f["ids"]),
                "drawn": list(drawn[f["grade"]].drawn),
                # left out of the population: their departments' yearly cap was reached
                "excluded_at_cap": list(f.get("excluded_at_cap", [])),
            }
            for f in frozen
        ],
        "items": [
            {"code": i.code, "department": i.department, "qualification": i.qualification,
             "specialty": i.specialty}
            for i in catalogue if i.code in plan.items
        ],
        "inspectors": [
            {"id": i.id, "department": i.department, "qualifications": list(i.qualifications),
             "active": i.active, "conflicts": list(i.conflicts), "kind": i.kind.value}
            for i in inspectors if i.department in pool
        ],
        # where a plan draws county staff: the departments and the drawn entities' regions
        "departments": [
            {"name": d.name, "level": d.level.value, "region": d.region, "parent": d.parent}
            for d in sorted(staffing.departments.values(), key=lambda d: d.name)
        ],
        "regions": {code: staffing.regions[code] for code in sorted(staffing.regions)},
        "tasks": [
            {"id": task_ids[a.credit_code], "credit_code": a.credit_code, "team": list(a.team),
             "experts": list(a.experts), "items": list(a.items),
             "release_on": None if a.credit_code not in release
             else release[a.credit_code].isoformat()}
            for a in teams.assignments
        ],
        "unassigned": [{"credit_code": u.credit_code, "reason": u.reason} for u in teams.unassigned],
        "directory_changes": dict(directory_changes),
    }


def public_strata(export: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The strata as the public sees them: size, ratio, k and the salted commitment, numbered
    第1层, 第2层 … in the order of their commitments.

    Salted commitments are random, so that order names no grade (grade order would, wherever
    two grades share a ratio). A format-1 export's strata, which have no salted commitment, are
    ordered by their unsalted hashes, never published, and show ``population_commitment`` null.
    """
    ordered = sorted(export["strata"],
                     key=lambda s: s.get("population_commitment") or s["ids_hash"])
    return [{"stratum": n, "population": s["population"], "ratio": s["ratio"], "k": s["k"],
             "population_commitment": s.get("population_commitment")}
            for n, s in enumerate(ordered, 1)]


@dataclass(frozen=True)
class Check:
    ok: bool
    message: str


@dataclass(frozen=True)
class Verification:
    checks: tuple[Check, ...]

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)


def _check(checks: list[Check], ok: bool, good: str, bad: str) -> None:
    checks.append(Check(ok, good if ok else bad))


def _compare_sequences(checks: list[Check], label: str, expected: Sequence[str],
                       published: Sequence[str]) -> None:
    for n in range(max(len(expected), len(published))):
        want = expected[n] if n < len(expected) else "（无）"
        got = published[n] if n < len(published) else "（无）"
        _check(checks, want == got, f"{label}第{n + 1}个：{got} 一致",
               f"{label}第{n + 1}个：公布为 {got}，重新抽取应为 {want}")


def _placeholder_item(data: Mapping[str, Any]) -> InspectionItem:
    """An item as the team draw sees it: only department, qualification and specialty matter."""
    return InspectionItem(code=data["code"], category="-", name="-", basis="-",
                          method=InspectionMethod.ON_SITE, department=data["department"],
                          checkpoints=("-",), qualification=data.get("qualification", ""),
                          specialty=data.get("specialty", ""))


def _staffing(export: Mapping[str, Any], plan: Plan) -> Staffing:
    """Where the export says the teams came from (exports before format 6: the plan's own
    departments)."""
    departments = {d["name"]: Department(**d) for d in export.get("departments", [])}
    return Staffing(plan.level, departments, dict(export.get("regions", {})))


def _check_format(export: object) -> None:
    if not isinstance(export, Mapping) or export.get("format") not in FORMATS:
        raise ValueError(f"不是可识别的抽取审计文件（format 应为 {FORMAT}）")


def verify_export(export: Mapping[str, Any]) -> Verification:
    """Re-run the draw an export describes and say, entity by entity, whether it matches.

    Raises ``ValueError`` (with a Chinese message) when the export is not a readable export.
    """
    _check_format(export)
    try:
        return _verify(export)
    except (KeyError, TypeError, ValueError) as e:
        raise ValueError(f"抽取审计文件内容不完整或格式错误：{e}") from e


def _matches_published(stratum: Mapping[str, Any], ids: Sequence[str], legacy: bool) -> bool:
    """Whether ``ids`` are the population the stratum's published value commits to."""
    if legacy:  # format 1: the unsalted hash it published
        unsalted = hashlib.sha256("\n".join(sorted(ids)).encode("utf-8")).hexdigest()
        return bool(unsalted == stratum["ids_hash"])
    salt = stratum["salt"]
    return (isinstance(salt, str) and _SALT.fullmatch(salt) is not None
            and population_commitment(ids, salt) == stratum["population_commitment"])


def _verify(export: Mapping[str, Any]) -> Verification:
    checks: list[Check] = []
    legacy = export["format"] == LEGACY_FORMAT
    seed = str(export["seed"])
    plan = plan_from_json(export["plan"])
    _check(checks, export["algorithm"] == ALGORITHM and export["algorithm_version"] == ALGORITHM_VERSION,
           f"算法 {ALGORITHM} {ALGORITHM_VERSION}",
           f"算法为 {export['algorithm']} {export['algorithm_version']}，本工具复核的是 "
           f"{ALGORITHM} {ALGORITHM_VERSION}")
    if export["format"] in CEREMONY_FORMATS:
        _check_ceremony(checks, export, plan)
    else:
        _check(checks, commitment(seed) == export["commitment"], "随机种子与事先公布的承诺值一致",
               "随机种子与事先公布的承诺值不一致：种子可能在抽取后被更换")
    if export["format"] in DIRECTORY_FORMATS:
        _check_directory_changes(checks, export)
    checks += [Check(ok, message) for ok, message in check_lists(export)]  # sandbox, trigger list
    drawn: list[str] = []
    grades_seen = []
    for stratum in export["strata"]:
        grade = RiskGrade(stratum["grade"])
        grades_seen.append(grade)
        ids = list(stratum["ids"])
        label = f"{grade.value}类"
        ratio = Decimal(stratum["ratio"])
        _check(checks, plan.ratios.get(grade) == ratio, f"{label}比例 {ratio}% 与计划一致",
               f"{label}比例 {ratio}% 与计划（{plan.ratios.get(grade)}%）不一致")
        _check(checks, _matches_published(stratum, ids, legacy) and len(ids) == stratum["population"],
               f"{label}名录 {len(ids)} 户，与公布的名录承诺值一致",
               f"{label}名录、盐值与公布的名录承诺值或户数（{stratum['population']}）不一致")
        k = stratum_size(len(ids), ratio)
        _check(checks, k == stratum["k"], f"{label}抽取数 {k} 正确",
               f"{label}抽取数公布为 {stratum['k']}，按比例应为 {k}")
        expected = consistent_sample(ids, seed, k)
        _compare_sequences(checks, f"{label}抽中对象", expected, stratum["drawn"])
        drawn += expected
    _check(checks, grades_seen == list(plan.ratios), "分层与计划的风险等级一致",
           "分层与计划的风险等级不一致")
    inspectors = [Inspector(id=i["id"], name="-", department=i["department"], badge_no="-",
                            qualifications=tuple(i["qualifications"]), active=i["active"],
                            conflicts=tuple(i["conflicts"]), kind=i.get("kind", StaffKind.OFFICER))
                  for i in export["inspectors"]]
    items = [_placeholder_item(i) for i in export["items"]]
    strata_free = export["format"] in STRATA_FREE_FORMATS
    teams = draw_teams(plan, seed, team_order(drawn) if strata_free else drawn, inspectors, items,
                       _staffing(export, plan))
    if export["format"] == FORMAT:
        _check_batches(checks, plan, seed, teams, export["tasks"])
    published_tasks = {t["credit_code"]: t for t in export["tasks"]}
    published_unassigned = {u["credit_code"] for u in export["unassigned"]}
    expected_ids = task_ids(plan.id, teams) if strata_free else {}
    for n, assignment in enumerate(teams.assignments, start=1):
        task = published_tasks.pop(assignment.credit_code, None)
        got = "、".join(task["team"]) if task else "（未派）"
        want = "、".join(assignment.team)
        _check(checks, task is not None and tuple(task["team"]) == assignment.team,
               f"检查组{n}：{assignment.credit_code} → {got} 一致",
               f"检查组{n}：{assignment.credit_code} 公布为 {got}，重新选派应为 {want}")
        if strata_free and task is not None:
            want_id = expected_ids[assignment.credit_code]
            _check(checks, task["id"] == want_id, f"任务编号 {want_id} 按统一社会信用代码顺序编排",
                   f"{assignment.credit_code} 的任务编号公布为 {task['id']}，"
                   f"按统一社会信用代码顺序应为 {want_id}")
    for u in teams.unassigned:
        _check(checks, u.credit_code in published_unassigned, f"{u.credit_code} 未能组队，一致",
               f"{u.credit_code} 应为未能组队（{u.reason}），公布结果不同")
        published_unassigned.discard(u.credit_code)
    drawn_set = set(drawn)
    for code in list(published_tasks) + sorted(published_unassigned):
        if code not in drawn_set:
            checks.append(Check(False, f"{code} 出现在公布结果中，但重新抽取时没有抽中"))
    return Verification(tuple(checks))


def _check_batches(checks: list[Check], plan: Plan, seed: str, teams: TeamDraw,
                   tasks: Sequence[Mapping[str, Any]]) -> None:
    """Each task's release date is its batch's in the drawn split (``sampling.batch_release``)."""
    if not plan.batches:
        _check(checks, all(t.get("release_on") is None for t in tasks), "不分批次，抽取后即派发",
               "计划不分批次，但有任务写有派发日期")
        return
    expected = batch_release(plan, seed, [a.credit_code for a in teams.assignments])
    published = {t["credit_code"]: t.get("release_on") for t in tasks}
    wrong = sorted(code for code, day in expected.items() if published.get(code) != day.isoformat())
    counts = "、".join(f"{d.isoformat()} {list(expected.values()).count(d)}户" for d in plan.batches)
    _check(checks, not wrong, f"分{len(plan.batches)}批派发（{counts}），各任务的批次与重新划分一致",
           f"{len(wrong)}个任务的派发批次与重新划分不一致（如 {'、'.join(wrong[:3])}）")


def _check_ceremony(checks: list[Check], export: Mapping[str, Any], plan: Plan) -> None:
    """The seed of a format-3 export, re-derived: the secret against its commitment published
    with the plan, the population commitment against the strata, the entropy against the plan's
    spec, the steps in order, and the seed from the three."""
    c = export["ceremony"]
    secret = str(c["secret"])
    _check(checks, c["derivation"] == DERIVATION, f"种子推导方法 {DERIVATION}",
           f"种子推导方法为 {c['derivation']}，本工具复核的是 {DERIVATION}")
    _check(checks, commitment(secret) == export["commitment"], "平台密钥与计划创建时公布的承诺值一致",
           "平台密钥与计划创建时公布的承诺值不一致：密钥可能在抽取时被更换")
    strata = public_strata(export)
    _check(checks, population_set_commitment(strata) == c["population_commitment"],
           "各层名录与冻结时公布的名录总承诺值一致",
           "各层名录与冻结时公布的名录总承诺值不一致：名录可能在冻结后被改动")
    entropy = Entropy(c["entropy"]["dice"], c["entropy"]["public_value"],
                      tuple(c["entropy"]["witnesses"]))
    try:
        entered = dt.datetime.fromisoformat(c["entered_at"])
        check_entropy(EntropySpec.from_json(c["entropy_spec"]), dice=entropy.dice,
                      public_value=entropy.public_value, witnesses=entropy.witnesses,
                      today=china_date(entered))
        fits = ""
    except CeremonyError as e:
        fits = str(e)
    _check(checks, not fits, "公开随机数符合计划创建时的规定", f"公开随机数不符合计划的规定：{fits}")
    times = [dt.datetime.fromisoformat(c[key]) for key in ("created_at", "frozen_at", "entered_at")]
    _check(checks, times == sorted(times), "计划创建、名录冻结、录入随机数依次进行",
           "计划创建、名录冻结、录入随机数的时间顺序不对：随机数可能在名录冻结前已知")
    _check(checks, derive_seed(secret, c["population_commitment"], entropy) == export["seed"],
           "随机种子由平台密钥、名录总承诺值和公开随机数推导得出，一致",
           "随机种子与平台密钥、名录总承诺值和公开随机数推导的结果不一致")


def _check_directory_changes(checks: list[Check], export: Mapping[str, Any]) -> None:
    """The directory changes listed end at the freeze, begin :data:`DIRECTORY_LOOKBACK` before
    the plan was created, each lies between, and their count is the one published."""
    listed = export["directory_changes"]
    c = export["ceremony"]
    since, until = (dt.datetime.fromisoformat(listed[key]) for key in ("since", "until"))
    _check(checks, until == dt.datetime.fromisoformat(c["frozen_at"])
           and since == dt.datetime.fromisoformat(c["created_at"]) - DIRECTORY_LOOKBACK,
           "名录变更的起止时间为计划创建前30天至名录冻结",
           "名录变更的起止时间与计划创建、名录冻结的时间不符")
    changes = [change for name in ("entities", "inspectors", "items")
               for obj in listed[name] for change in obj["changes"]]
    inside = all(since <= dt.datetime.fromisoformat(ch["at"]) < until for ch in changes)
    _check(checks, inside and len(changes) == listed["count"],
           f"名录冻结前的名录变更 {len(changes)} 条，均在起止时间内",
           "名录变更的条数或时间与所述不符")


def compare_with_publication(export: Mapping[str, Any], publication: Mapping[str, Any]) -> Verification:
    """Whether an auditor's export is the draw the public page shows: same plan, seed and seed
    commitment, the same strata (size, ratio, k and salted commitment, in the public order) and
    the same drawn entities. Together with :func:`verify_export` this ties the public page to a
    re-run of the draw, without the page ever naming a grade.

    Raises ``ValueError`` (with a Chinese message) when either file is not readable as such.
    """
    _check_format(export)
    try:
        return _compare(export, publication)
    except (KeyError, TypeError, ValueError) as e:
        raise ValueError(f"抽取审计文件或公示文件内容不完整或格式错误：{e}") from e


def _compare(export: Mapping[str, Any], publication: Mapping[str, Any]) -> Verification:
    checks: list[Check] = []
    checks += [Check(ok, message) for ok, message in compare_lists(export, publication)]
    if export["format"] in DIRECTORY_FORMATS:
        count = export["directory_changes"]["count"]
        _check(checks, count == publication["directory_changes"],
               f"名录冻结前的名录变更条数（{count}）与公示一致",
               f"名录冻结前的名录变更条数与公示不一致：审计文件为 {count}，"
               f"公示为 {publication['directory_changes']}")
    if export["format"] in CEREMONY_FORMATS:
        _check(checks, export["ceremony"] == publication["ceremony"],
               "抽取过程（平台密钥、名录冻结、公开随机数及见证人、时间）与公示一致",
               "抽取过程（平台密钥、名录冻结、公开随机数及见证人、时间）与公示不一致")
    for key, label in (("seed", "随机种子"), ("commitment", "种子承诺值")):
        _check(checks, export[key] == publication[key], f"{label}与公示一致",
               f"{label}与公示不一致：审计文件为 {export[key]}，公示为 {publication[key]}")
    _check(checks, export["plan"]["id"] == publication["plan"]["id"], "计划编号与公示一致",
           f"计划编号与公示不一致：审计文件为 {export['plan']['id']}，公示为 {publication['plan']['id']}")
    ours, theirs = public_strata(export), list(publication["strata"])
    for n in range(max(len(ours), len(theirs))):
        mine = ours[n] if n < len(ours) else None
        shown = theirs[n] if n < len(theirs) else None
        _check(checks, mine == shown, f"第{n + 1}层（户数、比例、抽取数、名录承诺值）与公示一致",
               f"第{n + 1}层与公示不一致：审计文件为 {mine}，公示为 {shown}")
    drawn = sorted(code for s in export["strata"] for code in s["drawn"])
    shown_codes = [e["credit_code"] for e in publication["entities"]]
    _compare_sequences(checks, "公示的抽中对象", drawn, shown_codes)
    return Verification(tuple(checks))
