from __future__ import annotations

import hashlib
import math
import re
import uuid
from typing import Any

import pytest

from sync import (
    MAX_NOTE_LENGTH,
    ItemResult,
    Location,
    LocationSource,
    Outcome,
    Record,
    RecordItem,
    ValidationError,
    canonical_bytes,
    check_items_answered,
    new_record_id,
    photo_hashes,
    record_hash,
    validate_record,
)
from tests.sync.factories import make_record, photo

KEYS = [
    "v", "id", "task_id", "credit_code", "inspectors", "items", "outcome", "note", "location",
    "started_at", "finished_at", "device_id", "seq", "prev", "supersedes",
]  # fmt: skip
HASH = photo("previous record")


def problems_of(data: Any) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as info:
        validate_record(data)
    problems = [(p.field, p.message) for p in info.value.problems]
    for _, message in problems:
        assert re.search(r"[\u4e00-\u9fff]", message), message  # every message is in Chinese
    return problems


def test_valid_record_round_trips() -> None:
    data = make_record()
    record = validate_record(data)
    assert record.to_json() == data
    assert canonical_bytes(record.to_json()) == canonical_bytes(data)
    assert record.items[1].result is ItemResult.FAIL
    assert record.outcome is Outcome.PROBLEM_CORRECTED
    assert record.location == Location(37.5131, 122.1204, 12.5, LocationSource.DEVICE)


def test_canonical_form_of_a_known_record() -> None:
    # The canonical form is the contract: keys sorted, no white space, UTF-8, numbers as JCS writes
    # them. A change here breaks every stored signature, prev and supersedes.
    a, b, c = photo("a.jpg"), photo("b.jpg"), photo("c.jpg")
    expected = (
        '{"credit_code":"91440300708461136T","device_id":"D-0001",'
        '"finished_at":"2024-05-01T10:45:30+08:00","id":"3f2b8c1e-9d4a-4b7e-8c2d-1a2b3c4d5e6f",'
        '"inspectors":["WH001","WH002"],"items":['
        f'{{"code":"SP-01","note":"","photos":["{a}"],"result":"合格"}},'
        f'{{"code":"SP-02","note":"冷藏柜温度8℃，超出规定","photos":["{b}","{c}"],"result":"不合格"}},'
        '{"code":"SP-03","note":"","photos":[],"result":"不涉及"}],'
        '"location":{"accuracy_m":12.5,"lat":37.5131,"lon":122.1204,"source":"device"},'
        '"note":"当场责令整改，企业负责人已签字确认。","outcome":"发现问题已责令改正",'
        '"prev":null,"seq":1,"started_at":"2024-05-01T09:30:00+08:00","supersedes":null,'
        '"task_id":"T-2024-0001","v":1}'
    ).encode()
    assert canonical_bytes(make_record()) == expected
    assert record_hash(make_record()) == hashlib.sha256(expected).hexdigest()


def _item(index: int, **changes: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = make_record()["items"]
    items[index] = {**items[index], **changes}
    return items


def _without(mapping: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in mapping.items() if k != key}


LOCATION = make_record()["location"]


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"v": 5}, "v", "不支持的记录格式版本「5」"),
        ({"v": True}, "v", "不支持的记录格式版本"),
        ({"v": "1"}, "v", "不支持的记录格式版本"),
        ({"v": 1.5}, "v", "不支持的记录格式版本"),
        ({"id": "not-a-uuid"}, "id", "第4版UUID"),
        ({"id": "3F2B8C1E-9D4A-4B7E-8C2D-1A2B3C4D5E6F"}, "id", "小写"),
        ({"id": str(uuid.uuid1())}, "id", "第4版UUID"),
        ({"id": "3f2b8c1e-9d4a-4b7e-7c2d-1a2b3c4d5e6f"}, "id", "第4版UUID"),
        ({"id": "{3f2b8c1e-9d4a-4b7e-8c2d-1a2b3c4d5e6f}"}, "id", "第4版UUID"),
        ({"id": 7}, "id", "第4版UUID"),
        ({"task_id": ""}, "task_id", "任务编号不能为空"),
        ({"task_id": "   "}, "task_id", "任务编号不能为空"),
        ({"task_id": " T-1"}, "task_id", "首尾不能有空白字符"),
        ({"task_id": "T" * 81}, "task_id", "不能超过80个字符"),
        ({"task_id": None}, "task_id", "任务编号不能为空"),
        ({"credit_code": "91440300708461136U"}, "credit_code", "校验码"),
        ({"credit_code": "91440300708461136t"}, "credit_code", "不是统一社会信用代码允许的字符"),
        ({"credit_code": 914403}, "credit_code", "应为文本"),
        ({"inspectors": ["WH001"]}, "inspectors", "不得少于2人"),
        ({"inspectors": ["WH001", "WH001"]}, "inspectors", "不能重复"),
        ({"inspectors": "WH001,WH002"}, "inspectors", "列表"),
        ({"inspectors": ["WH001", ""]}, "inspectors[1]", "检查人员编号不能为空"),
        ({"inspectors": ["WH001", 2]}, "inspectors[1]", "检查人员编号不能为空"),
        ({"items": []}, "items", "至少需要一个"),
        ({"items": {"SP-01": "合格"}}, "items", "应为列表"),
        ({"items": ["SP-01"]}, "items[0]", "应为JSON对象"),
        ({"items": _item(0, code="SP-02")}, "items[1].code", "「SP-02」重复填写"),
        ({"items": _item(0, code="")}, "items[0].code", "事项编码不能为空"),
        ({"items": _item(0, result="通过")}, "items[0].result", "检查结论「通过」无效，应为：合格、不合格、不涉及"),
        ({"items": _item(0, result="PASS")}, "items[0].result", "无效"),
        ({"items": _item(0, note=None)}, "items[0].note", "应为文本"),
        ({"items": _item(0, note="长" * 2001)}, "items[0].note", "不能超过2000个字符，实为2001个"),
        ({"items": _item(0, photos="a.jpg")}, "items[0].photos", "列表"),
        ({"items": _item(0, photos=[photo("a").upper()])}, "items[0].photos[0]", "小写十六进制"),
        ({"items": _item(0, photos=["a.jpg"])}, "items[0].photos[0]", "SHA-256"),
        ({"items": _item(0, photos=[photo("a"), photo("a")])}, "items[0].photos", "不能重复"),
        ({"items": _item(0, extra=1)}, "items[0].extra", "不是记录格式中的字段"),
        ({"items": [_without(make_record()["items"][0], "note")]}, "items[0].note", "缺少此字段"),
        ({"outcome": "正常"}, "outcome", "检查结果「正常」无效"),
        ({"outcome": "未发现问题"}, "outcome", "有事项检查结论为「不合格」"),
        ({"note": "备" * 2001}, "note", "不能超过2000个字符"),
        ({"note": None}, "note", "应为文本"),
        ({"location": "威海"}, "location", "应为JSON对象或null"),
        ({"location": {**LOCATION, "lat": 90.0001}}, "location.lat", "纬度应为-90到90之间"),
        ({"location": {**LOCATION, "lat": -91}}, "location.lat", "纬度"),
        ({"location": {**LOCATION, "lat": math.nan}}, "location.lat", "纬度"),
        ({"location": {**LOCATION, "lat": True}}, "location.lat", "纬度"),
        ({"location": {**LOCATION, "lat": "37.5"}}, "location.lat", "纬度"),
        ({"location": {**LOCATION, "lon": 180.5}}, "location.lon", "经度应为-180到180之间"),
        ({"location": {**LOCATION, "accuracy_m": -1}}, "location.accuracy_m", "0到20000000之间"),
        ({"location": {**LOCATION, "accuracy_m": 20_000_001}}, "location.accuracy_m", "定位精度"),
        ({"location": {**LOCATION, "accuracy_m": math.inf}}, "location.accuracy_m", "定位精度"),
        ({"location": {**LOCATION, "accuracy_m": None}}, "location.accuracy_m", "定位精度"),
        (
            {"location": {**LOCATION, "source": "typed"}},
            "location.accuracy_m",
            "手工输入的位置没有定位精度",
        ),
        ({"location": {**LOCATION, "source": "gps"}}, "location.source", "位置来源「gps」无效"),
        ({"location": {**LOCATION, "alt": 5}}, "location.alt", "不是记录格式中的字段"),
        ({"location": _without(LOCATION, "source")}, "location.source", "缺少此字段"),
        ({"started_at": "2024-05-01 09:30"}, "started_at", "开始时间「2024-05-01 09:30」格式无效"),
        ({"finished_at": "2024-05-01T10:45:30"}, "finished_at", "结束时间"),
        ({"finished_at": "2024-05-01T09:29:59+08:00"}, "finished_at", "不能早于开始时间"),
        ({"finished_at": "2024-05-01T02:00:00+01:00"}, "finished_at", "不能早于开始时间"),
        ({"device_id": ""}, "device_id", "设备编号不能为空"),
        ({"device_id": "D-0001\n"}, "device_id", "首尾不能有空白字符"),
        ({"seq": 0}, "seq", "不小于1的整数"),
        ({"seq": -3}, "seq", "不小于1的整数"),
        ({"seq": True}, "seq", "不小于1的整数"),
        ({"seq": 1.0}, "seq", "不小于1的整数"),
        ({"seq": "1"}, "seq", "不小于1的整数"),
        ({"seq": 2**53, "prev": HASH}, "seq", "不小于1的整数"),
        ({"prev": HASH}, "prev", "第1条记录的前一条记录哈希应为null"),
        ({"seq": 2}, "prev", "须给出本设备前一条记录的哈希"),
        ({"seq": 2, "prev": HASH.upper()}, "prev", "SHA-256"),
        ({"seq": 2, "prev": HASH[:-1]}, "prev", "SHA-256"),
        ({"supersedes": "abc"}, "supersedes", "SHA-256"),
        ({"signature": "x"}, "signature", "不是记录格式中的字段"),
    ],
)
def test_each_rule(changes: dict[str, Any], field: str, words: str) -> None:
    problems = problems_of(make_record(**changes))
    assert [f for f, _ in problems] == [field], problems
    assert words in problems[0][1]


@pytest.mark.parametrize("key", KEYS)
def test_every_key_is_required(key: str) -> None:
    data = _without(make_record(), key)
    assert (key, "缺少此字段") in problems_of(data)


@pytest.mark.parametrize(
    "changes",
    [
        {"location": None},
        {"location": {"lat": 37.5, "lon": 122.1, "accuracy_m": None, "source": "typed"}},
        {"location": {"lat": 37, "lon": 122, "accuracy_m": 0, "source": "device"}},
        {"location": {"lat": -90, "lon": -180, "accuracy_m": 20_000_000, "source": "device"}},
        {"location": {"lat": 90.0, "lon": 180.0, "accuracy_m": 1, "source": "device"}},
        {"finished_at": "2024-05-01T09:30:00+08:00"},
        {"started_at": "2024-05-01T01:30:00Z", "finished_at": "2024-05-01T09:30:00.5+08:00"},
        {"note": "", "items": _item(0, note="注" * MAX_NOTE_LENGTH)},
        {"seq": 2, "prev": HASH, "supersedes": photo("the record corrected")},
        {"seq": 2**53 - 1, "prev": HASH},
        {"items": _item(2, photos=[photo("a.jpg")])},  # one photo may serve several items
        {"outcome": "未发现问题", "items": _item(1, result="合格")},
        {"inspectors": ["WH001", "WH002", "ZB003"]},
        {"id": new_record_id()},
    ],
)
def test_valid_variants(changes: dict[str, Any]) -> None:
    data = make_record(**changes)
    assert validate_record(data).to_json() == data


def test_every_problem_is_reported_at_once() -> None:
    data = make_record(v=5, id="x", seq=0, note=None, items=[], outcome="?")
    del data["location"]
    fields = [f for f, _ in problems_of(data)]
    assert fields == ["location", "v", "id", "items", "outcome", "note", "seq"]


def test_a_record_must_be_an_object() -> None:
    assert problems_of(["not", "a", "record"]) == [("$", "记录应为JSON对象")]


def test_record_built_in_code_validates_itself() -> None:
    record = Record(
        id=new_record_id(),
        task_id="T-2024-0001",
        credit_code="91440300708461136T",
        inspectors=("WH001", "WH002"),
        items=(RecordItem("SP-01", ItemResult.PASS), RecordItem("SP-02", ItemResult("不涉及"))),
        outcome=Outcome.NO_PROBLEM,
        location=Location(37.5, 122.1, None, LocationSource.TYPED),
        started_at="2024-05-01T09:30:00+08:00",
        finished_at="2024-05-01T10:00:00+08:00",
        device_id="D-0001",
        seq=1,
        prev=None,
    )
    assert record.v == 1 and record.note == "" and record.supersedes is None
    assert validate_record(record.to_json()) == record
    with pytest.raises(ValidationError) as info:
        Record(**{**record.__dict__, "inspectors": ("WH001",), "seq": 2})
    assert [p.field for p in info.value.problems] == ["inspectors", "prev"]


def test_records_are_frozen() -> None:
    record = validate_record(make_record())
    with pytest.raises(AttributeError):
        record.note = "改过"  # type: ignore[misc]


def test_check_items_answered() -> None:
    record = validate_record(make_record())
    assert check_items_answered(record, ["SP-01", "SP-02", "SP-03"]) == []
    assert check_items_answered(record, ["SP-03", "SP-01", "SP-02", "SP-01"]) == []
    problems = check_items_answered(record, ["SP-01", "SP-02", "SP-04", "SP-05"])
    assert [str(p) for p in problems] == [
        "items: 抽查事项「SP-04」未填写检查结论",
        "items: 抽查事项「SP-05」未填写检查结论",
        "items: 抽查事项「SP-03」不属于本任务",
    ]


def test_photo_hashes() -> None:
    record = validate_record(make_record(items=_item(2, photos=[photo("a.jpg")])))
    assert photo_hashes(record) == {photo("a.jpg"), photo("b.jpg"), photo("c.jpg")}
    assert photo_hashes(validate_record(make_record(items=_item(0, photos=[])))) == {
        photo("b.jpg"), photo("c.jpg"),
    }


def test_new_record_ids_are_fresh_uuid4() -> None:
    ids = {new_record_id() for _ in range(100)}
    assert len(ids) == 100
    assert all(uuid.UUID(i).version == 4 and str(uuid.UUID(i)) == i for i in ids)


def test_labels_given_as_plain_strings_become_members() -> None:
    data = make_record()
    built = Record(
        **{
            **validate_record(data).__dict__,
            "outcome": "发现问题已责令改正",
            "items": (RecordItem("SP-01", "不涉及"),),  # type: ignore[arg-type]
            "location": Location(37.5, 122.1, None, "typed"),  # type: ignore[arg-type]
        }
    )
    assert built.outcome is Outcome.PROBLEM_CORRECTED and built.outcome.problem_found
    assert built.items[0].result is ItemResult.NOT_APPLICABLE
    assert built.location is not None and built.location.source is LocationSource.TYPED
    with pytest.raises(ValidationError, match="检查结果「正常」无效"):
        Record(**{**built.__dict__, "outcome": "正常"})
