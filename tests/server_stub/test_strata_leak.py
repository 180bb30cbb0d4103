"""Nothing public follows the strata (DESIGN §11, issue 23 point 1).

The attack of the issue, run against a real draw: take anything public that puts the drawn
entities in an order (task numbers, the public list, the inspectors' task lists, which entities
got a team when the workload cap ran out), cut it into blocks of the public stratum sizes, try
every assignment of grades to blocks and keep the best score. A list that follows the strata
scores every entity; one that does not scores no more than the same list shuffled does.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections.abc import Callable, Mapping, Sequence

import pytest
import sqlalchemy as sa

from server_stub.core import tables as t
from server_stub.directory.demo import SAMR
from server_stub.draws import planning
from server_stub.draws.audit import _placeholder_item, verify_export
from server_stub.draws.plan_codec import plan_from_json
from server_stub.draws.sampling import draw_teams, task_ids
from sync import InspectionItem, Inspector, Plan
from tests.utils.actors import TESTER
from tests.utils.ceremony import freeze_and_draw

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
SHUFFLES = 200


def leaky_plan(**overrides: object) -> Plan:
    values: dict[str, object] = {
        "id": "P1", "name": "食品销售抽查", "departments": (SAMR,), "items": ("SC-SP-01",),
        "ratios": {"A": "4", "B": "10", "C": "25", "D": "60"}, "team_size": 2,
        "window_start": dt.date(2026, 3, 1), "window_end": dt.date(2026, 6, 30),
    }
    values.update(overrides)
    return Plan(**values)  # type: ignore[arg-type]


def best_guess(order: Sequence[str], sizes: Sequence[tuple[str, int]], grade_of: Mapping[str, str]) -> int:
    """How many entities of ``order`` the best reading of it as consecutive strata gets right:
    ``sizes`` are the public strata (grade, k); every order of the blocks is tried, each block
    guessed to be the grade it stands for."""
    best = 0
    for blocks in itertools.permutations(sizes):
        right, start = 0, 0
        for grade, k in blocks:
            right += sum(grade_of[code] == grade for code in order[start:start + k])
            start += k
        best = max(best, right)
    return best


def no_better_than_a_shuffle(order: Sequence[str], sizes: Sequence[tuple[str, int]],
                             grade_of: Mapping[str, str]) -> tuple[int, int]:
    rng = random.Random(23)
    shuffled = list(order)
    scores = []
    for _ in range(SHUFFLES):
        rng.shuffle(shuffled)
        scores.append(best_guess(shuffled, sizes, grade_of))
    return best_guess(order, sizes, grade_of), max(scores)


def drawn_plan(engine: sa.Engine, plan: Plan) -> dict[str, object]:
    with engine.begin() as conn:
        planning.create_plan(conn, plan, now=NOW, actor=TESTER)
        freeze_and_draw(conn, plan.id, now=NOW)
        export = planning.load_draw(conn, plan.id, "audit")
        publication = planning.load_draw(conn, plan.id, "publication")
        tasks = conn.execute(sa.select(t.tasks.c.id, t.tasks.c.credit_code, t.tasks.c.team)
                             .where(t.tasks.c.plan_id == plan.id)).mappings().all()
    return {"export": export, "publication": publication, "tasks": tasks}


def public_orders(draw: Mapping[str, object]) -> dict[str, list[str]]:
    """Every order of the drawn entities that leaves the office, by name."""
    publication: dict = draw["publication"]  # type: ignore[assignment]
    tasks: Sequence[Mapping] = draw["tasks"]  # type: ignore[assignment]
    listed = [e["credit_code"] for e in publication["entities"]]
    by_task_id = [row["credit_code"] for row in sorted(tasks, key=lambda r: r["id"])]
    by_task_number = [row["credit_code"] for row in sorted(
        tasks, key=lambda r: int(r["id"].rsplit("-", 1)[1]))]
    with_team = {row["credit_code"] for row in tasks}
    # who got a team first (the workload cap runs out at the end of the team draw), then the rest
    assigned_first = by_task_id + [c for c in listed if c not in with_team]
    assigned_last = [c for c in listed if c not in with_team] + by_task_id
    # an inspector's list is sorted as GET /api/v1/tasks sorts it; the lists one after another
    inspectors = sorted({i for row in tasks for i in row["team"]})
    per_inspector = [row["credit_code"] for i in inspectors
                     for row in sorted(tasks, key=lambda r: r["id"]) if i in row["team"]]
    return {"公示名单": listed, "任务编号": by_task_id, "任务序号": by_task_number,
            "已组队在前": assigned_first, "未组队在前": assigned_last,
            "各执法人员任务列表": list(dict.fromkeys(per_inspector))}


@pytest.mark.parametrize("cap", [None, 1], ids=["no-cap", "workload-cap"])
def test_no_public_order_tells_the_grades(engine: sa.Engine, cap: int | None) -> None:
    draw = drawn_plan(engine, leaky_plan(workload_cap=cap))
    export: dict = draw["export"]  # type: ignore[assignment]
    grade_of = {code: s["grade"] for s in export["strata"] for code in s["drawn"]}
    sizes = [(s["grade"], s["k"]) for s in export["strata"]]
    assert len(sizes) == 4 and min(k for _, k in sizes) >= 3, sizes
    if cap is not None:
        assert export["unassigned"], "the cap runs out: the order of the team draw shows"
    for name, order in public_orders(draw).items():
        # a list that leaves some out (the unassigned) is padded to the strata's total
        assert set(order) <= set(grade_of), name
        real, shuffled = no_better_than_a_shuffle(order, sizes, grade_of)
        assert real <= shuffled, f"{name}: {real} of {len(grade_of)} right, a shuffle at most {shuffled}"


def test_the_attack_reads_a_stratum_ordered_list() -> None:
    """The test above can fail: a list in draw order gives away every grade."""
    grades = {f"{g}{n}": g for g, size in (("A", 3), ("B", 5), ("C", 8), ("D", 13)) for n in range(size)}
    in_draw_order = list(grades)
    sizes = [("A", 3), ("B", 5), ("C", 8), ("D", 13)]
    real, shuffled = no_better_than_a_shuffle(in_draw_order, sizes, grades)
    assert real == len(grades) > shuffled


def test_task_numbers_follow_credit_codes(engine: sa.Engine) -> None:
    draw = drawn_plan(engine, leaky_plan())
    tasks: Sequence[Mapping] = draw["tasks"]  # type: ignore[assignment]
    numbered = sorted(tasks, key=lambda r: r["id"])
    assert [r["id"] for r in numbered][:2] == ["P1-00001", "P1-00002"]
    assert [r["credit_code"] for r in numbered] == sorted(r["credit_code"] for r in tasks)


def _export_in(fmt: str, export: dict, order: Callable[[list[str]], list[str]]) -> dict:
    """``export`` with its teams and task ids redone as a draw of format ``fmt`` would have made
    them: teams drawn in ``order`` of the drawn entities, tasks numbered in team-draw order."""
    plan = plan_from_json(export["plan"])
    inspectors, items = _inputs(export)
    drawn = [code for s in export["strata"] for code in s["drawn"]]
    teams = draw_teams(plan, export["seed"], order(drawn), inspectors, items)
    if fmt == "zsc-draw-audit/5":
        ids = task_ids(plan.id, teams)
    else:
        ids = {a.credit_code: f"{plan.id}-{n:05d}" for n, a in enumerate(teams.assignments, 1)}
    return {**export, "format": fmt,
            "tasks": [{"id": ids[a.credit_code], "credit_code": a.credit_code, "team": list(a.team),
                       "items": list(a.items)} for a in teams.assignments],
            "unassigned": [{"credit_code": u.credit_code, "reason": u.reason} for u in teams.unassigned]}


def _inputs(export: Mapping) -> tuple[list[Inspector], list[InspectionItem]]:
    """The inspectors and items the export says the team draw saw."""
    inspectors = [Inspector(id=i["id"], name="-", department=i["department"], badge_no="-",
                            qualifications=tuple(i["qualifications"]), active=i["active"],
                            conflicts=tuple(i["conflicts"])) for i in export["inspectors"]]
    return inspectors, [_placeholder_item(i) for i in export["items"]]


def test_earlier_formats_verify_as_they_were_made(engine: sa.Engine) -> None:
    """A format 4 draw (teams in draw order, tasks numbered so) still verifies; the same teams
    under format 5 do not, nor do format 5 tasks numbered in draw order."""
    export: dict = drawn_plan(engine, leaky_plan(workload_cap=1))["export"]  # type: ignore[assignment]
    assert export["format"] == "zsc-draw-audit/6" and verify_export(export).ok
    in_draw_order = _export_in("zsc-draw-audit/4", export, list)
    assert in_draw_order["tasks"] != export["tasks"], "with the cap binding, the order matters"
    assert verify_export(in_draw_order).ok
    assert not verify_export({**in_draw_order, "format": "zsc-draw-audit/5"}).ok
    renumbered = {**export, "tasks": [dict(task, id=f"P1-{n:05d}") for n, task in enumerate(
        sorted(export["tasks"], key=lambda task: task["credit_code"], reverse=True), 1)]}
    failed = [c.message for c in verify_export(renumbered).checks if not c.ok]
    assert failed and all("任务编号" in m for m in failed), failed
