"""A revision on the phone (issue 24 point 2): the visit's acknowledgement covers what the
enterprise read; a revision that changes it is either answered again by the enterprise or signed
as 修订内容未经企业确认; the place may be corrected; drafts from before keep working."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from app.domain.inspection import Draft
from app.services.inspections import InspectionService
from app.services.photo_service import PhotoService
from app.store import LocalStore
from app.viewmodels.inspection import InspectionModel
from sync import (
    ItemResult,
    Location,
    Outcome,
    acknowledges_content,
    content_hash,
    record_hash,
    validate_record,
)
from tests.app.factories import make_task
from tests.app.test_viewmodels import acknowledged, answer_all, begin, model_parts, store

__all__ = ["model_parts", "store"]  # the fixtures, used by name

PLACE = Location(lat=37.49121, lon=122.11573, accuracy_m=None, source="typed")


def signed_original(store: LocalStore, parts: tuple[InspectionService, PhotoService]
                    ) -> tuple[dict[str, Any], InspectionModel]:
    """A first record the representative signed, then returned; and the revision's form."""
    task = make_task()
    store.save_tasks([task], "t")
    model = begin(task, parts)
    answer_all(model)
    model.set_outcome(Outcome.NO_PROBLEM)
    acknowledged(model)
    original = asyncio.run(model.sign())
    returned = make_task(record={"id": original["id"], "hash": record_hash(original),
                                 "state": "returned"})
    revision = InspectionModel(returned, *parts, supersedes=record_hash(original), revising=original)
    return original, revision


def test_an_unchanged_revision_keeps_a_confirmation_that_still_covers_it(
        store: LocalStore, model_parts: tuple[InspectionService, PhotoService]) -> None:
    original, revision = signed_original(store, model_parts)
    assert original["v"] == 4 and not revision.unconfirmed
    revision.set_note("补充：冷藏柜温度记录齐全")
    assert revision.unconfirmed, "the note is part of what the enterprise read"
    revision.set_note(original["note"])
    record = asyncio.run(revision.sign())
    assert record["acknowledgement"] == original["acknowledgement"]
    assert acknowledges_content(validate_record(record)) is True


def test_changed_findings_signed_without_the_enterprise_say_so(
        store: LocalStore, model_parts: tuple[InspectionService, PhotoService]) -> None:
    original, revision = signed_original(store, model_parts)
    code = revision.task["items"][0]["code"]
    revision.set_result(code, ItemResult.FAIL)
    revision.set_item_note(code, "冷藏柜温度超标")
    revision.set_outcome(Outcome.PROBLEM_PENDING)
    assert revision.unconfirmed and revision.ack_missing == []
    record = asyncio.run(revision.sign())
    assert record["acknowledgement"] == original["acknowledgement"], "the visit's, as it was"
    assert acknowledges_content(validate_record(record)) is False


def test_the_enterprise_answers_the_revision_again(
        store: LocalStore, model_parts: tuple[InspectionService, PhotoService]) -> None:
    original, revision = signed_original(store, model_parts)
    revision.set_location(PLACE)
    assert revision.unconfirmed
    revision.ask_enterprise_again(True)
    assert not revision.unconfirmed and revision.ack_missing, "a new answer is needed first"
    acknowledged(revision)
    revision.set_ack_text("statement", "地点更正无误")
    record = asyncio.run(revision.sign())
    assert record["location"]["lat"] == PLACE.lat, "a mistyped place can be corrected"
    assert record["started_at"] == original["started_at"] and record["notice"] == original["notice"]
    ack = record["acknowledgement"]
    assert ack["statement"] == "地点更正无误" and ack["covers"] == content_hash(record)
    assert acknowledges_content(validate_record(record)) is True
    restored = Draft.from_json(revision.draft.to_json())
    assert restored.reconfirm is True


def test_a_revision_of_a_format_2_record_binds_the_visits_confirmation_to_what_was_read() -> None:
    task = make_task()
    original = {
        "v": 2, "id": "3f2b8c1e-9d4a-4b7e-8c2d-1a2b3c4d5e6f", "task_id": task["id"],
        "credit_code": task["credit_code"], "inspectors": ["WH001", "WH002"],
        "items": [{"code": i["code"], "result": "合格", "note": "", "photos": []} for i in task["items"]],
        "outcome": "未发现问题", "note": "", "location": None,
        "started_at": "2026-03-02T09:00:00+08:00", "finished_at": "2026-03-02T09:40:00+08:00",
        "device_id": "D-0001", "seq": 1, "prev": None, "supersedes": None, "revised_at": None,
        "notice": {"shown_at": "2026-03-02T08:58:00+08:00", "inspectors": [
            {"id": m["id"], "name": m["name"], "badge_no": m["badge_no"]} for m in task["team"]]},
        "acknowledgement": {"kind": "signed", "name": "张三", "role": "店长", "statement": "",
                            "signature": "a" * 64}}
    validate_record(original)
    draft = Draft.revise(task, original, "2026-03-05T10:00:00+08:00", record_hash(original))
    assert draft.visit is not None
    assert draft.visit["acknowledgement"]["covers"] == content_hash(original)
    assert not draft.unconfirmed(task)
    record = draft.to_record(task, record_id="0b7c1e52-5f1e-4c8a-9d2e-3a4b5c6d7e8f",
                             device_id="D-0001", seq=2, prev=record_hash(original),
                             finished_at="2026-03-05T10:05:00+08:00")
    assert record.v == 3 and acknowledges_content(record) is True


@pytest.mark.parametrize("ack", [None, {"kind": "absent"}])
def test_a_revision_without_an_answer_to_cover_is_never_unconfirmed(ack: dict[str, Any] | None) -> None:
    task = make_task()
    draft = Draft(task_id=task["id"], started_at="2026-03-02T09:00:00+08:00", supersedes="b" * 64,
                  visit={"started_at": "2026-03-02T09:00:00+08:00",
                         "finished_at": "2026-03-02T09:40:00+08:00", "notice": None,
                         "acknowledgement": ack})
    assert not draft.unconfirmed(task)
