"""检查历史 and 风险预警: an enterprise's earlier inspections and the warnings they raise (issue 18).

Pure rules over the history the platform sends with each task (and with a 信息查询 answer), so
that they hold offline: a follow-up deadline passes while the phone has no network, and the
warning must appear that day. No grade is involved anywhere: warnings come from what inspections
found, never from the agency's internal risk grade.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sync import Outcome, credit_code_problem

CODE_LENGTH = 18
_CODE_CHARACTERS = frozenset("0123456789ABCDEFGHJKLMNPQRTUWXY")


@dataclass(frozen=True)
class Followup:
    """The follow-up of a 发现问题待后续处理, where the inspector's department keeps its ledger."""

    open: bool
    due_on: dt.date
    disposal: str | None
    disposal_date: str | None


@dataclass(frozen=True)
class HistoryEntry:
    """One earlier inspection of the enterprise."""

    record_id: str
    inspected_on: dt.date
    departments: tuple[str, ...]
    plan_name: str
    outcome: str
    published: bool
    followup: Followup | None
    withdrawn: bool


def parse_history(entries: Iterable[Mapping[str, Any]]) -> list[HistoryEntry]:
    """The wire's entries (``GET /api/v1/tasks``' ``history``), newest first as sent."""
    parsed = []
    for e in entries:
        f = e.get("followup")
        parsed.append(HistoryEntry(
            record_id=str(e["record_id"]), inspected_on=dt.date.fromisoformat(e["inspected_on"]),
            departments=tuple(e.get("departments", ())), plan_name=str(e.get("plan_name", "")),
            outcome=str(e["outcome"]), published=bool(e.get("published")),
            followup=Followup(bool(f["open"]), dt.date.fromisoformat(f["due_on"]), f.get("disposal"),
                              f.get("disposal_date")) if f else None,
            withdrawn=bool(e.get("withdrawn"))))
    return parsed


class WarningKind(enum.StrEnum):
    """Why an enterprise is flagged, in the order the banner lists them."""

    OVERDUE_FOLLOWUP = "overdue_followup"
    REFUSED_INSPECTION = "refused_inspection"
    FALSIFIED_INFORMATION = "falsified_information"
    WITHDRAWN_RESULT = "withdrawn_result"


_FLAGGED_OUTCOMES = {
    Outcome.REFUSED_INSPECTION.value: WarningKind.REFUSED_INSPECTION,
    Outcome.INFO_FALSIFIED.value: WarningKind.FALSIFIED_INFORMATION,
}


@dataclass(frozen=True)
class RiskWarning:
    """One 风险预警: its kind and the history entry it comes from (the banner links to it)."""

    kind: WarningKind
    entry: HistoryEntry


def warnings(history: Sequence[HistoryEntry], today: dt.date) -> list[RiskWarning]:
    """Every warning the history raises, by kind, newest entry first within a kind:

    - an open follow-up whose deadline is past (the deadline day itself is not past: the ledger
      flags an entry overdue from the day after, and so does this);
    - an earlier 不配合检查情节严重 or 公示信息隐瞒真实情况、弄虚作假;
    - a result that was withdrawn.
    """
    found = []
    for entry in history:
        f = entry.followup
        if f is not None and f.open and today > f.due_on:
            found.append(RiskWarning(WarningKind.OVERDUE_FOLLOWUP, entry))
        if entry.outcome in _FLAGGED_OUTCOMES:
            found.append(RiskWarning(_FLAGGED_OUTCOMES[entry.outcome], entry))
        if entry.withdrawn:
            found.append(RiskWarning(WarningKind.WITHDRAWN_RESULT, entry))
    order = list(WarningKind)
    return sorted(found, key=lambda w: order.index(w.kind))


@dataclass(frozen=True)
class CodeCheck:
    """What the search field says about a credit code while it is typed."""

    is_code: bool
    """The text so far could be a credit code (the code's characters, a digit among them)."""
    problem: str | None
    """Why a whole (18-character) code cannot be right, naming the character; else None."""
    complete: bool


def check_code_as_typed(text: str) -> CodeCheck:
    """The live check of the 信息查询 field: nothing to say about a name; the count of a partial
    code; GB 32100's verdict on a whole one (a wrong check character is named at once, before
    anything is sent)."""
    query = text.strip().upper()
    if not query or not set(query) <= _CODE_CHARACTERS or not any(c.isdigit() for c in query):
        return CodeCheck(is_code=False, problem=None, complete=False)
    if len(query) < CODE_LENGTH:
        return CodeCheck(is_code=True, problem=None, complete=False)
    return CodeCheck(is_code=True, problem=credit_code_problem(query), complete=True)
