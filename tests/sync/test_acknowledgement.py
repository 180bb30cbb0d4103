"""Record format 2 (issue 14): the notice, the enterprise's acknowledgement of each kind, failed
items that state their facts, revision times; and format 1 records still valid without them."""

from __future__ import annotations

import io
import struct
import zlib
from typing import Any

import pytest
from PIL import Image

from sync import (
    MAX_SIGNATURE_BYTES,
    AcknowledgementKind,
    ValidationError,
    photo_hashes,
    signature_png_problem,
    validate_record,
)
from tests.sync.factories import make_record, photo

SIGNATURE = photo("signature.png")
NOTICE = {"shown_at": "2024-05-01T09:25:00+08:00", "inspectors": [
    {"id": "WH001", "name": "王海", "badge_no": "37100001"},
    {"id": "WH002", "name": "李青", "badge_no": "37100002"}]}
SIGNED = {"kind": "signed", "name": "张三", "role": "店长", "statement": "无异议",
          "signature": SIGNATURE}
REFUSED = {"kind": "refused", "note": "负责人拒绝在笔录上签字", "witness": {"name": "赵六",
           "unit": "某某社区居委会"}, "photos": [photo("refusal.jpg")]}


def make_v2(**changes: Any) -> dict[str, Any]:
    """A valid format 2 record, signed by the enterprise, with ``changes`` applied."""
    return make_record(v=2, revised_at=None, notice=NOTICE, acknowledgement=SIGNED) | changes


def problems_of(data: dict[str, Any]) -> list[tuple[str, str]]:
    try:
        validate_record(data)
    except ValidationError as e:
        return [(p.field, p.message) for p in e.problems]
    return []


@pytest.mark.parametrize("ack", [SIGNED, REFUSED])
def test_each_kind_with_a_notice_round_trips(ack: dict[str, Any]) -> None:
    data = make_v2(acknowledgement=ack)
    record = validate_record(data)
    assert record.v == 2 and record.to_json() == data
    assert record.acknowledgement is not None
    assert record.acknowledgement.kind == AcknowledgementKind(ack["kind"])
    assert record.notice is not None and [m.badge_no for m in record.notice.inspectors] == [
        "37100001", "37100002"]


def test_nobody_present_round_trips_with_an_unreachable_outcome() -> None:
    data = make_v2(notice=None, acknowledgement={"kind": "absent"},
                   outcome="通过登记的住所（经营场所）无法联系",
                   items=[{"code": "SP-01", "result": "不涉及", "note": "", "photos": []}])
    assert validate_record(data).to_json() == data


def test_a_record_without_acknowledgement_from_an_older_app_stays_valid() -> None:
    data = make_record()
    record = validate_record(data)
    assert record.v == 1 and record.acknowledgement is None and record.to_json() == data
    assert "acknowledgement" not in record.to_json()


def test_the_signature_and_refusal_photos_are_covered_like_photos() -> None:
    assert SIGNATURE in photo_hashes(validate_record(make_v2()))
    refused = validate_record(make_v2(acknowledgement=REFUSED))
    assert photo("refusal.jpg") in photo_hashes(refused)


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"acknowledgement": None}, "acknowledgement", "须有企业确认"),
    ({"acknowledgement": {"kind": "maybe"}}, "acknowledgement.kind", "无效"),
    ({"acknowledgement": SIGNED | {"name": ""}}, "acknowledgement.name", "姓名不能为空"),
    ({"acknowledgement": SIGNED | {"role": " 店长"}}, "acknowledgement.role", "首尾不能有空白"),
    ({"acknowledgement": SIGNED | {"signature": "abc"}}, "acknowledgement.signature", "SHA-256"),
    ({"acknowledgement": SIGNED | {"statement": "x" * 2001}}, "acknowledgement.statement",
     "不能超过"),
    ({"acknowledgement": {k: v for k, v in SIGNED.items() if k != "role"}},
     "acknowledgement.role", "缺少此字段"),
    ({"acknowledgement": SIGNED | {"witness": None}}, "acknowledgement.witness",
     "不是记录格式中的字段"),
    ({"acknowledgement": REFUSED | {"witness": None}}, "acknowledgement.witness", "须有见证人"),
    ({"acknowledgement": REFUSED | {"witness": {"name": "赵六", "unit": ""}}},
     "acknowledgement.witness.unit", "单位或身份证号不能为空"),
    ({"acknowledgement": REFUSED | {"photos": []}}, "acknowledgement.photos", "至少一张照片"),
    ({"acknowledgement": REFUSED | {"photos": ["x"]}}, "acknowledgement.photos[0]", "SHA-256"),
    ({"notice": None}, "notice", "须先向其告知"),
    ({"notice": NOTICE | {"inspectors": NOTICE["inspectors"][::-1]}}, "notice.inspectors",
     "顺序相同"),
    ({"notice": NOTICE | {"inspectors": []}}, "notice.inspectors", "出示执法证件"),
    ({"notice": NOTICE | {"inspectors": [NOTICE["inspectors"][0] | {"id": "X9"}]}}, "notice.inspectors",
     "应为记录的检查人员"),
    ({"notice": NOTICE | {"inspectors": [NOTICE["inspectors"][0] | {"badge_no": ""}, NOTICE[
        "inspectors"][1]]}}, "notice.inspectors[0].badge_no", "执法证号不能为空"),
    ({"notice": NOTICE | {"shown_at": "2024-05-01T11:00:00+08:00"}}, "notice.shown_at",
     "不能晚于检查结束时间"),
    ({"notice": NOTICE | {"shown_at": "今天"}}, "notice.shown_at", "格式无效"),
    ({"acknowledgement": {"kind": "absent"}, "outcome": "通过登记的住所（经营场所）无法联系",
      "items": [{"code": "SP-01", "result": "不涉及", "note": "", "photos": []}]},
     "notice", "无人在场时不能有检查告知"),
    ({"acknowledgement": {"kind": "absent"}, "notice": None}, "outcome", "无人在场时"),
    ({"items": [{"code": "SP-02", "result": "不合格", "note": " ", "photos": []}]},
     "items[0].note", "须填写情况说明"),
    ({"revised_at": "2024-05-03T10:00:00+08:00"}, "revised_at", "只有修订记录"),
    ({"supersedes": photo("old")}, "revised_at", "须给出修订时间"),
    ({"supersedes": photo("old"), "revised_at": "2024-05-01T10:00:00+08:00"}, "revised_at",
     "不能早于原检查的结束时间"),
    ({"revised_at": None, "notice": None, "acknowledgement": None, "supersedes": None},
     "acknowledgement", "须有企业确认"),
])
def test_each_rule(changes: dict[str, Any], field: str, words: str) -> None:
    problems = problems_of(make_v2(**changes))
    assert [f for f, _ in problems] == [field], problems
    assert words in problems[0][1], problems


def test_a_failed_item_without_a_note_is_still_valid_in_format_1() -> None:
    data = make_record(items=[{"code": "SP-02", "result": "不合格", "note": "", "photos": []}])
    assert problems_of(data) == []


def test_a_revision_of_an_older_record_may_lack_the_acknowledgement() -> None:
    data = make_v2(supersedes=photo("old"), revised_at="2024-05-03T10:00:00+08:00",
                   notice=None, acknowledgement=None)
    record = validate_record(data)
    assert record.v == 2 and record.revised_at == "2024-05-03T10:00:00+08:00"
    assert record.started_at == "2024-05-01T09:30:00+08:00", "the visit's own time stays"


def png(size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("LA", size).save(out, "PNG")
    return out.getvalue()


def test_signature_png_checks_read_the_header_only() -> None:
    assert signature_png_problem(png((600, 240))) is None
    assert "PNG" in (signature_png_problem(b"GIF89a" + bytes(40)) or "")
    assert "过大" in (signature_png_problem(png((600, 240)) + bytes(MAX_SIGNATURE_BYTES)) or "")
    # a header declaring 100000 × 1 pixels, whatever follows it
    header = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + struct.pack(
        ">IIBBBBB", 100_000, 1, 8, 0, 0, 0, 0)
    header += struct.pack(">I", zlib.crc32(header[12:]))
    assert "尺寸" in (signature_png_problem(header) or "")


def test_a_notice_may_leave_out_who_shows_no_card() -> None:
    """A 专业技术人员 (issue 26) shows no 执法证: the notice may list the record's inspectors with
    some left out, in the same order; the platform knows who is which and holds every 执法人员
    to having shown theirs (tests/server_stub/api/test_experts.py)."""
    assert problems_of(make_v2(notice=NOTICE | {"inspectors": NOTICE["inspectors"][1:]})) == []
