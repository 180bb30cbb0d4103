"""Who may be drawn for a plan: the entities its items apply to (检查对象与抽查检查事项相统一),
and not those its departments have already inspected as often this year as they allow. Pure: no
I/O.

An entity belongs to a plan's population when the plan's scope admits it (``draws.in_scope``)
and the plan's items apply to it: at least one item, and in a joint plan at least one item of
every department, since a joint visit is one inspection by all of them. Items that do not apply
to a drawn entity stay on its task, to be answered 不涉及.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple, TypeVar

from sync import Entity, InspectionItem, Plan, RiskGrade


class Member(NamedTuple):
    """An entity as a plan's population reads it: what the draw and the plan's items look at.

    A plain tuple read straight from the directory, which validated every entity once when it
    was imported: building and validating whole ``Entity`` objects (credit-code check and all)
    at every read cost a city's plan seconds per step (issue 29 point 5)."""

    credit_code: str
    risk_grade: RiskGrade
    industry_code: str
    tags: tuple[str, ...]


E = TypeVar("E", Entity, Member)


def items_fit(plan: Plan, items: Sequence[InspectionItem], entity: Entity | Member) -> bool:
    """Whether ``items`` (the plan's) give every department of the plan something to inspect at
    ``entity``."""
    return all(any(i.department == department and i.applies_to(entity) for i in items)
               for department in plan.departments)


def fitting(plan: Plan, items: Sequence[InspectionItem], entities: Iterable[E]) -> list[E]:
    """The entities of ``entities`` that the plan's items fit (``items_fit``), in their order.

    Whether the items fit depends only on an entity's industry code and tags, which a directory
    repeats across thousands of entities: each pair is judged once."""
    fits: dict[tuple[str, tuple[str, ...]], bool] = {}
    found: list[E] = []
    for entity in entities:
        key = (entity.industry_code, entity.tags)
        fit = fits.get(key)
        if fit is None:
            fit = fits[key] = items_fit(plan, items, entity)
        if fit:
            found.append(entity)
    return found


RANDOM_KIND = "双随机抽查"
TRIGGERED_KIND = "触发式抽查"
"""A plan drawn from a trigger list ∩ its scope (``draws.triggers``). Not held to the yearly cap
(a risk signal, like a complaint, cannot wait for next year), but its visits count against the
cap for routine plans of its departments (``inspections_in_year`` counts every kind a department
does not exempt), so an entity just inspected on a trigger is spared a routine visit that year."""
EXEMPTABLE_KINDS = ("投诉举报", "案件线索", "转办交办")
"""Inspection kinds a department may leave out of its yearly cap: they follow a complaint, a
case or a referral, not the draw, and must happen whatever the count."""
INSPECTION_KINDS = (RANDOM_KIND, TRIGGERED_KIND, *EXEMPTABLE_KINDS)
DEFAULT_YEARLY_CAP = 1


@dataclass(frozen=True)
class YearlyCap:
    """A department's rule: at most ``cap`` counted inspections of one enterprise a year."""

    cap: int = DEFAULT_YEARLY_CAP
    exempt: tuple[str, ...] = EXEMPTABLE_KINDS

    def __post_init__(self) -> None:
        if not 1 <= self.cap <= 100:
            raise ValueError("每户每年抽查次数上限应为 1 到 100 之间的整数")
        unknown = [k for k in self.exempt if k not in EXEMPTABLE_KINDS]
        if unknown:
            raise ValueError(f"不计入上限的检查类型只能是：{'、'.join(EXEMPTABLE_KINDS)}（不认识「{'、'.join(unknown)}」）")

    def counts(self, kind: str) -> bool:
        """Whether a plan of ``kind`` is held to the cap (a triggered plan never is; see
        :data:`TRIGGERED_KIND`), and, but for a triggered plan, whether it counts against it."""
        return kind not in self.exempt and kind != TRIGGERED_KIND


def at_cap(inspections: int, cap: YearlyCap) -> bool:
    """Whether one more inspection would pass the cap: the cap-th is allowed, the next is not."""
    return inspections >= cap.cap
