"""What a revision changed from the returned record (app/domain/revision.py): pure, no server."""

from __future__ import annotations

import copy
from typing import Any

from app.domain.revision import NONE, ItemChange, revision_changes

A, B = "a" * 64, "b" * 64
NAMES = {"I1": "营业执照公示", "I2": "食品贮存", "I3": "从业人员健康证明", "I4": "进货查验"}


def record(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "items": [{"code": "I1", "result": "合格", "note": "", "photos": []},
                  {"code": "I2", "result": "不合格", "note": "冷藏柜温度 9℃", "photos": [A]},
                  {"code": "I3", "result": "合格", "note": "", "photos": []},
                  {"code": "I4", "result": "不涉及", "note": "", "photos": []}],
        "outcome": "发现问题待后续处理", "note": "",
        "location": {"lat": 37.5, "lon": 122.1, "accuracy_m": 12, "source": "device"},
    }
    base.update(changes)
    return base


def returned(rec: dict[str, Any], reason: str = "请补充冷藏柜照片") -> dict[str, Any]:
    return {"id": "r-1", "record": rec, "review_comment": reason, "reviewed_at": "2026-03-02T01:00:00+00:00"}


def test_an_unchanged_revision_lists_no_item_and_counts_them_all() -> None:
    changes = revision_changes(returned(record()), record(), NAMES)
    assert changes.nothing_changed and changes.items == () and changes.unchanged_items == 4
    assert changes.reason == "请补充冷藏柜照片" and changes.returned_id == "r-1"


def test_a_photo_added_to_one_item_is_that_item_alone() -> None:
    new = record()
    new["items"][1]["photos"] = [A, B]
    changes = revision_changes(returned(record()), new, NAMES)
    assert changes.items == (ItemChange("I2", "食品贮存", None, None, (B,), ()),)
    assert changes.unchanged_items == 3 and changes.outcome is None and changes.location is None


def test_result_note_and_outcome_changes_read_old_then_new() -> None:
    new = record(outcome="发现问题已责令改正", note="当场整改")
    new["items"][1].update(result="合格", note="已调至 4℃", photos=[B])
    new["items"][2]["note"] = "  "  # blanks only: no change
    changes = revision_changes(returned(record()), new, NAMES)
    [item] = changes.items
    assert item.result == ("不合格", "合格") and item.note == ("冷藏柜温度 9℃", "已调至 4℃")
    assert item.photos_added == (B,) and item.photos_removed == (A,)
    assert changes.outcome == ("发现问题待后续处理", "发现问题已责令改正")
    assert changes.note == (NONE, "当场整改") and changes.unchanged_items == 3


def test_a_note_cleared_reads_as_none() -> None:
    new = record()
    new["items"][1]["note"] = ""
    [item] = revision_changes(returned(record()), new, NAMES).items
    assert item.note == ("冷藏柜温度 9℃", NONE)


def test_the_place_changed_is_shown_as_the_reviewer_reads_places() -> None:
    new = record(location={"lat": 37.6, "lon": 122.2, "accuracy_m": None, "source": "typed"})
    changes = revision_changes(returned(record()), new)
    assert changes.location is not None
    assert "37.50000" in changes.location[0] and "手工输入" in changes.location[1]
    gone = revision_changes(returned(record()), record(location=None))
    assert gone.location is not None and gone.location[1] == "未记录位置"


def test_items_added_or_dropped_are_changes_and_unknown_names_fall_back_to_the_code() -> None:
    old = record()
    new = copy.deepcopy(old)
    new["items"] = new["items"][:3] + [{"code": "I9", "result": "合格", "note": "", "photos": []}]
    changes = revision_changes(returned(old), new, NAMES)
    assert [(c.code, c.name, c.result) for c in changes.items] == [
        ("I9", "I9", (NONE, "合格")), ("I4", "进货查验", ("不涉及", NONE))]
    assert changes.unchanged_items == 3


def test_no_reason_is_an_empty_reason() -> None:
    previous = returned(record())
    previous["review_comment"] = None
    assert revision_changes(previous, record()).reason == ""
