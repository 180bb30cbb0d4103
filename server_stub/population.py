"""Who may be drawn for a plan: the entities its items apply to (检查对象与抽查检查事项相统一).
Pure: no I/O.

An entity belongs to a plan's population when the plan's scope admits it (``draws.in_scope``)
and the plan's items apply to it: at least one item, and in a joint plan at least one item of
every department, since a joint visit is one inspection by all of them. Items that do not apply
to a drawn entity stay on its task, to be answered 不涉及.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sync import Entity, InspectionItem, Plan


def items_fit(plan: Plan, items: Sequence[InspectionItem], entity: Entity) -> bool:
    """Whether ``items`` (the plan's) give every department of the plan something to inspect at
    ``entity``."""
    return all(any(i.department == department and i.applies_to(entity) for i in items)
               for department in plan.departments)


def fitting(plan: Plan, items: Sequence[InspectionItem], entities: Iterable[Entity]) -> list[Entity]:
    """The entities of ``entities`` that the plan's items fit (``items_fit``), in their order."""
    return [e for e in entities if items_fit(plan, items, e)]
