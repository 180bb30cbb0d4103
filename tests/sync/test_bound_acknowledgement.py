"""Record format 3 (issue 24 point 2): an acknowledgement names the content it was given on, so a
revision that keeps the visit's signature over changed findings says so itself."""

from __future__ import annotations

from typing import Any

import pytest

from sync import (
    BOUND_VERSION,
    ValidationError,
    acknowledges_content,
    bind_acknowledgement,
    content_hash,
    validate_record,
)
from tests.sync.factories import photo
from tests.sync.test_acknowledgement import NOTICE, REFUSED, SIGNED, make_v2, problems_of

REVISED_AT = "2024-05-03T10:00:00+08:00"


def make_v3(**changes: Any) -> dict[str, Any]:
    """A valid format 3 record: ``make_v2``'s, its acknowledgement bound to its content."""
    data = make_v2(**changes)
    return bind_acknowledgement(validate_record(data)).to_json()


def test_binding_names_the_content_and_round_trips() -> None:
    data = make_v3()
    assert data["v"] == BOUND_VERSION == 3
    assert data["acknowledgement"]["covers"] == content_hash(data)
    record = validate_record(data)
    assert record.to_json() == data and acknowledges_content(record) is True


@pytest.mark.parametrize("ack", [SIGNED, REFUSED])
def test_a_first_record_must_cover_its_own_content(ack: dict[str, Any]) -> None:
    data = make_v3(acknowledgement=ack)
    data["items"][0]["note"] = "签字后改写的说明"
    assert problems_of(data) == [("acknowledgement.covers",
                                  "企业确认应针对本记录的内容（covers应为本记录内容的SHA-256）")]


@pytest.mark.parametrize("key, value", [
    ("outcome", "发现问题待后续处理"), ("note", "改写"), ("started_at", "2024-05-01T09:00:00+08:00"),
    ("location", {"lat": 37.5, "lon": 122.1, "accuracy_m": None, "source": "typed"}),
    ("notice", NOTICE | {"shown_at": "2024-05-01T09:20:00+08:00"}),
])
def test_the_content_hash_covers_findings_place_times_and_notice(key: str, value: Any) -> None:
    data = make_v3()
    assert content_hash(data | {key: value}) != content_hash(data)


@pytest.mark.parametrize("key, value", [
    ("id", "3f2b8c1e-9d4a-4b7e-8c2d-1a2b3c4d5e6f"), ("seq", 9), ("prev", photo("p")),
    ("device_id", "other-device"), ("revised_at", REVISED_AT), ("supersedes", photo("old")),
])
def test_the_content_hash_leaves_out_what_is_not_the_enterprises(key: str, value: Any) -> None:
    data = make_v3()
    assert content_hash(data | {key: value}) == content_hash(data)


def revision(original: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return original | {"supersedes": photo("old"), "revised_at": REVISED_AT} | changes


def test_a_revision_keeping_the_visits_acknowledgement_over_new_findings_is_unconfirmed() -> None:
    original = make_v3()
    changed = revision(original, outcome="发现问题待后续处理",
                       items=[{"code": "SP-01", "result": "不合格", "note": "冷藏柜温度超标",
                               "photos": []}] + original["items"][1:])
    record = validate_record(changed)
    assert acknowledges_content(record) is False


def test_a_revision_with_the_same_content_or_a_new_acknowledgement_is_confirmed() -> None:
    original = make_v3()
    assert acknowledges_content(validate_record(revision(original))) is True
    moved = revision(original, location={"lat": 37.51, "lon": 122.12, "accuracy_m": None,
                                         "source": "typed"})
    assert acknowledges_content(validate_record(moved)) is False
    resigned = bind_acknowledgement(validate_record(moved))
    assert acknowledges_content(resigned) is True


def test_format_2_records_tell_what_they_can() -> None:
    assert acknowledges_content(validate_record(make_v2())) is True
    assert acknowledges_content(validate_record(
        make_v2(supersedes=photo("old"), revised_at=REVISED_AT))) is None
    nobody = make_v2(notice=None, acknowledgement={"kind": "absent"},
                     outcome="通过登记的住所（经营场所）无法联系",
                     items=[{"code": "SP-01", "result": "不涉及", "note": "", "photos": []},
                            {"code": "SP-02", "result": "不涉及", "note": "", "photos": []}])
    record = validate_record(nobody)
    assert acknowledges_content(record) is None and bind_acknowledgement(record) is record


@pytest.mark.parametrize("changes, field, words", [
    ({"acknowledgement": SIGNED}, "acknowledgement.covers", "缺少此字段"),
    ({"acknowledgement": SIGNED | {"covers": "ABC"}}, "acknowledgement.covers", "SHA-256"),
    ({"acknowledgement": {"kind": "absent"}, "notice": None}, "acknowledgement", "格式3的记录须有企业签字或拒签"),
])
def test_format_3_rules(changes: dict[str, Any], field: str, words: str) -> None:
    data = make_v3() | changes
    problems = problems_of(data)
    assert field in [f for f, _ in problems], problems
    assert any(words in message for f, message in problems if f == field), problems


def test_format_2_has_no_covers() -> None:
    data = make_v2(acknowledgement=SIGNED | {"covers": photo("x")})
    with pytest.raises(ValidationError) as e:
        validate_record(data)
    assert [p.field for p in e.value.problems] == ["acknowledgement.covers"]
