"""检查历史, 风险预警 and 信息查询 on the phone (issue 18): each warning's rule at its boundary,
the credit code checked as typed, the history in the offline store, the search offline."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
from typing import Any

import pytest
from sqlite_utils import Database

from app.domain.lookup import (
    HistoryEntry,
    WarningKind,
    check_code_as_typed,
    parse_history,
    warnings,
)
from app.services.lookup import LookupService
from app.services.tasks import TaskService
from app.store import MIGRATIONS, LocalStore
from app.strings import STORAGE_FULL
from app.viewmodels.lookup import EnterpriseModel, LookupModel
from sync import Outcome, check_character
from tests.app.factories import make_task
from tests.conftest import ServerProcess
from tests.sync.factories import CREDIT_CODE
from tests.utils.phone import Phone, busiest_inspector

DUE = dt.date(2026, 3, 31)


def entry(record_id: str = "R1", *, outcome: str = Outcome.NO_PROBLEM.value, open_until: dt.date | None = None,
          closed: bool = False, withdrawn: bool = False, on: str = "2026-03-01") -> dict[str, Any]:
    """A history entry as the platform sends it."""
    followup = None
    if open_until is not None:
        followup = {"open": not closed, "due_on": open_until.isoformat(),
                    "disposal": "立案" if closed else None, "disposal_date": on if closed else None}
    return {"record_id": record_id, "inspected_on": on, "departments": ["市场监管局"],
            "plan_name": "往年抽查", "outcome": outcome, "published": True, "followup": followup,
            "withdrawn": withdrawn}


def kinds(entries: list[dict[str, Any]], today: dt.date) -> list[WarningKind]:
    return [w.kind for w in warnings(parse_history(entries), today)]


# --- the rules, each at its boundary -----------------------------------------------------------


@pytest.mark.parametrize(("today", "warned"), [
    (DUE - dt.timedelta(days=1), False),
    (DUE, False),  # the deadline day itself: still in time, as in the ledger
    (DUE + dt.timedelta(days=1), True),
])
def test_an_open_followup_warns_from_the_day_after_its_deadline(today: dt.date, warned: bool) -> None:
    found = kinds([entry(outcome=Outcome.PROBLEM_PENDING.value, open_until=DUE)], today)
    assert found == ([WarningKind.OVERDUE_FOLLOWUP] if warned else [])


def test_a_closed_followup_never_warns() -> None:
    closed = entry(outcome=Outcome.PROBLEM_PENDING.value, open_until=DUE, closed=True)
    assert kinds([closed], DUE + dt.timedelta(days=400)) == []


def test_another_departments_pending_result_without_its_ledger_does_not_warn_as_overdue() -> None:
    """No follow-up on the wire (another department's ledger): nothing to be overdue."""
    assert kinds([entry(outcome=Outcome.PROBLEM_PENDING.value)], DUE + dt.timedelta(days=400)) == []


@pytest.mark.parametrize(("outcome", "kind"), [
    (Outcome.REFUSED_INSPECTION, WarningKind.REFUSED_INSPECTION),
    (Outcome.INFO_FALSIFIED, WarningKind.FALSIFIED_INFORMATION),
])
def test_these_two_outcomes_warn(outcome: Outcome, kind: WarningKind) -> None:
    assert kinds([entry(outcome=outcome.value)], DUE) == [kind]


@pytest.mark.parametrize("outcome", [o for o in Outcome
                                     if o not in (Outcome.REFUSED_INSPECTION, Outcome.INFO_FALSIFIED)])
def test_no_other_outcome_warns_by_itself(outcome: Outcome) -> None:
    assert kinds([entry(outcome=outcome.value)], DUE) == []


def test_a_withdrawn_result_warns() -> None:
    assert kinds([entry(withdrawn=True)], DUE) == [WarningKind.WITHDRAWN_RESULT]
    assert kinds([entry(withdrawn=False)], DUE) == []


def test_every_warning_names_its_entry_in_a_fixed_order() -> None:
    history = [entry("new", withdrawn=True, on="2026-03-05"),
               entry("mid", outcome=Outcome.INFO_FALSIFIED.value, on="2026-02-01"),
               entry("old", outcome=Outcome.PROBLEM_PENDING.value, open_until=DUE, on="2026-01-01")]
    found = warnings(parse_history(history), DUE + dt.timedelta(days=1))
    assert [(w.kind, w.entry.record_id) for w in found] == [
        (WarningKind.OVERDUE_FOLLOWUP, "old"), (WarningKind.FALSIFIED_INFORMATION, "mid"),
        (WarningKind.WITHDRAWN_RESULT, "new")]


def test_warning_lines_say_why_with_the_date() -> None:
    from app.components.history import warning_reason

    found = warnings(parse_history([entry(outcome=Outcome.PROBLEM_PENDING.value, open_until=DUE)]),
                     DUE + dt.timedelta(days=1))
    assert warning_reason(found[0]) == "2026-03-01检查发现问题，后续处置已逾期（期限 2026-03-31）"


# --- the credit code as typed ----------------------------------------------------------------


def test_names_are_not_checked_as_codes() -> None:
    for text in ("", "青岛海鲜", "ABC", "海鲜91"):
        assert not check_code_as_typed(text).is_code, text


def test_a_partial_code_is_counted_and_a_whole_one_checked() -> None:
    assert check_code_as_typed(CREDIT_CODE[:10]) == check_code_as_typed(CREDIT_CODE[:10].lower())
    partial = check_code_as_typed(CREDIT_CODE[:10])
    assert partial.is_code and not partial.complete and partial.problem is None
    whole = check_code_as_typed(CREDIT_CODE)
    assert whole.complete and whole.problem is None
    wrong = CREDIT_CODE[:17] + ("0" if CREDIT_CODE[17] != "0" else "1")
    assert check_character(CREDIT_CODE[:17]) == CREDIT_CODE[17]
    problem = check_code_as_typed(wrong).problem
    assert problem is not None and "第18位校验码应为" in problem
    assert check_code_as_typed(CREDIT_CODE + "1").problem  # 19 characters: too long


# --- the store and the task list -------------------------------------------------------------


@pytest.fixture
def store() -> LocalStore:
    return LocalStore(Database(memory=True))


def test_history_is_stored_apart_and_dropped_with_its_task(store: LocalStore) -> None:
    task = make_task("T1") | {"history": [entry(outcome=Outcome.REFUSED_INSPECTION.value)]}
    store.save_tasks([task, make_task("T2")], "t")
    assert "history" not in store.task("T1")  # type: ignore[operator]
    assert store.task_history("T1")[0]["record_id"] == "R1"
    assert store.task_history("T2") == []
    store.save_tasks([make_task("T2")], "t2")
    assert store.task_history("T1") == [] and "T1" not in store.task_histories()


def test_a_store_of_the_previous_version_migrates(tmp_path: Any) -> None:
    path = tmp_path / "old.db"
    old = Database(sqlite3.connect(path))
    old.table("meta").create({"key": str, "value": str}, pk="key")
    for version, step in enumerate(MIGRATIONS[:-1], start=1):
        step(old)
        old.table("meta").upsert({"key": "schema_version", "value": str(version)}, pk="key")
    old.conn.close()
    store = LocalStore.open(path)
    assert store.schema_version == len(MIGRATIONS)
    assert store.task_history("T1") == []


def test_the_task_list_marks_warned_tasks_offline(store: LocalStore) -> None:
    pending = entry(outcome=Outcome.PROBLEM_PENDING.value, open_until=DUE)
    store.save_tasks([make_task("T1") | {"history": [pending]}, make_task("T2")], "t")
    tasks = TaskService(store)
    assert {r.id: r.warned for r in tasks.rows(DUE)} == {"T1": False, "T2": False}
    assert {r.id: r.warned for r in tasks.rows(DUE + dt.timedelta(days=1))} == {"T1": True, "T2": False}
    assert isinstance(tasks.history("T1")[0], HistoryEntry)


# --- 信息查询 without a platform ----------------------------------------------------------------


def test_the_search_says_it_is_offline_rather_than_finding_nothing(store: LocalStore) -> None:
    from app.store import Enrolment

    enrolment = Enrolment("http://127.0.0.1:1", "D-1", "token", "inspector", {}, "t")
    model = LookupModel(LookupService(enrolment, timeout=2))
    model.type("青岛海鲜")
    asyncio.run(model.search())
    assert model.offline and model.error and model.results == [] and not model.searched
    detail = EnterpriseModel(LookupService(enrolment, timeout=2), CREDIT_CODE)
    asyncio.run(detail.load())
    assert detail.enterprise is None and detail.error


def test_a_code_with_a_wrong_check_character_is_not_sent(store: LocalStore) -> None:
    from app.store import Enrolment

    enrolment = Enrolment("http://127.0.0.1:1", "D-1", "token", "inspector", {}, "t")
    model = LookupModel(LookupService(enrolment, timeout=2))
    model.type(CREDIT_CODE[:17] + ("0" if CREDIT_CODE[17] != "0" else "1"))
    assert not model.can_search
    asyncio.run(model.search())
    assert not model.offline and model.error is None  # nothing was sent


def test_a_full_phone_keeps_its_tasks_and_says_so(shared_server: ServerProcess) -> None:
    """The history makes the pulled tasks bigger: a store that cannot hold them reports it, and
    keeps the tasks (and history) it had."""
    from app.services.sync_service import SyncService
    from app.store import Enrolment

    phone = Phone(shared_server, busiest_inspector(shared_server)).enroll()
    store = LocalStore(Database(memory=True))
    store.save_tasks([make_task("T-OLD") | {"history": [entry()]}], "t")
    pages = store.db.execute("PRAGMA page_count").fetchone()[0]
    store.db.execute(f"PRAGMA max_page_count = {pages}")
    enrolment = Enrolment(shared_server.url, phone.device_id, phone.token, "inspector", {}, "t")
    report = SyncService(store, enrolment, timeout=10).run()
    assert not report.ok and report.message == STORAGE_FULL
    assert [t["id"] for t in store.tasks()] == ["T-OLD"] and store.task_history("T-OLD")


def test_the_last_page_asks_for_a_narrower_query() -> None:
    from app.store import Enrolment

    model = LookupModel(LookupService(Enrolment("http://127.0.0.1:1", "D-1", "t", "inspector", {}, "t"),
                                      timeout=2))
    model.more, model.page, model.last_page = True, 49, 50
    assert model.has_next and not model.too_many
    model.page = 50
    assert not model.has_next and model.too_many
    model.more = False
    assert not model.has_next and not model.too_many
