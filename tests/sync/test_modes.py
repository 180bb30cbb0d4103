"""Record format 4 (issue 27 points 1 and 2): each item says how it was checked; lab testing."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from sync import (
    RECORD_VERSION,
    ItemResult,
    ValidationError,
    bind_acknowledgement,
    content_hash,
    is_off_site,
    photo_hashes,
    url_problem,
    validate_record,
)
from tests.sync.factories import make_record, photo
from tests.sync.test_bound_acknowledgement import make_v3

LAB = {"sample": "散装大米 5 kg（批号 20240501）", "lab": "青岛市产品质量检验研究院",
       "accreditation_no": "CMA 201515001234"}
ONLINE = {"url": "https://shop.example.cn/item?id=42", "checked_at": "2024-05-01T10:00:00+08:00",
          "screenshots": [photo("shot.png")]}


def on_site(**changes: Any) -> dict[str, Any]:
    """A format 4 item of mode 实地核查."""
    return {"mode": "实地核查", "materials": [], "online": None, "lab": None} | changes


def make_v4(**changes: Any) -> dict[str, Any]:
    """A valid format 4 record with a signed acknowledgement: item SP-01 实地核查, SP-02
    书面检查 (a PDF and a photo of a page), SP-03 网络监测."""
    data = make_v3()
    items = data["items"]
    items[0] |= on_site()
    items[1] |= on_site(mode="书面检查", materials=[photo("licence.pdf"), photo("page.jpg")])
    items[2] |= on_site(mode="网络监测", result="合格", online=copy.deepcopy(ONLINE))
    data["v"] = RECORD_VERSION
    data.update(changes)
    if data["acknowledgement"] is not None:
        data["acknowledgement"]["covers"] = content_hash(data)
    return data


def off_site(**changes: Any) -> dict[str, Any]:
    """A format 4 record of 书面检查 and 网络监测 items alone: no notice, no acknowledgement, no place."""
    data = make_v4(notice=None, acknowledgement=None, location=None)
    data["items"][0] |= {"mode": "书面检查", "materials": [photo("rules.pdf")]}
    data.update(changes)
    return data


def problems_of(data: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as info:
        validate_record(data)
    return [(p.field, p.message) for p in info.value.problems]


def test_format_4_round_trips_and_hashes_its_files() -> None:
    data = make_v4()
    record = validate_record(data)
    assert record.v == 4 and record.to_json() == data
    assert {photo("licence.pdf"), photo("page.jpg"), photo("shot.png")} <= photo_hashes(record)


def test_older_formats_stay_valid_and_unchanged() -> None:
    for data in (make_record(), make_v3()):
        record = validate_record(data)
        assert record.to_json() == data and record.v == data["v"] < 4
        assert "mode" not in record.to_json()["items"][0]


def test_binding_keeps_format_4() -> None:
    data = make_v4()
    del data["acknowledgement"]["covers"]
    data["v"] = 2
    data["items"] = [{k: v for k, v in item.items() if k in ("code", "result", "note", "photos")}
                     for item in data["items"]]
    assert bind_acknowledgement(validate_record(data)).v == 3
    assert bind_acknowledgement(validate_record(make_v4())).v == 4


def test_an_office_record_has_no_notice_acknowledgement_or_place() -> None:
    data = off_site()
    assert is_off_site(data["items"]) and validate_record(data).to_json() == data
    signed = make_v4()
    assert problems_of(off_site(notice=signed["notice"], acknowledgement={"kind": "无人在场"})) == [
        ("acknowledgement", "非现场检查（书面检查、网络监测）没有企业的现场确认，应为null"),
        ("notice", "非现场检查（书面检查、网络监测）不向企业现场告知，应为null")]


def test_an_on_site_item_still_needs_the_acknowledgement() -> None:
    data = make_v4(notice=None, acknowledgement=None)
    assert ("acknowledgement", "记录须有企业确认（签字、拒签或无人在场）") in problems_of(data)


@pytest.mark.parametrize("change, field, words", [
    ({"mode": "电话检查"}, "items[0].mode", "检查方式「电话检查」无效"),
    ({"mode": "书面检查"}, "items[0].materials", "书面检查的事项须附企业提交的材料"),
    ({"materials": [photo("x")]}, "items[0].materials", "只有书面检查的事项才附企业提交的材料"),
    ({"materials": ["nothex"]}, "items[0].materials[0]", "SHA-256"),
    ({"online": ONLINE}, "items[0].online", "只有网络监测的事项才记录检测网址"),
    ({"mode": "网络监测"}, "items[0].online", "网络监测的事项须记录检测网址、检测时间和截图"),
    ({"mode": "网络监测", "online": ONLINE | {"url": "ftp://x.cn/a"}}, "items[0].online.url", "无效"),
    ({"mode": "网络监测", "online": ONLINE | {"url": "javascript:alert(1)"}}, "items[0].online.url", "无效"),
    ({"mode": "网络监测", "online": ONLINE | {"url": "https://a.cn/ b"}}, "items[0].online.url", "空格"),
    ({"mode": "网络监测", "online": ONLINE | {"screenshots": []}}, "items[0].online.screenshots", "至少须有一张"),
    ({"mode": "网络监测", "online": ONLINE | {"checked_at": "2024-05-02T10:00:00+08:00"}},
     "items[0].online.checked_at", "不能晚于检查结束时间"),
    ({"mode": "网络监测", "online": ONLINE | {"checked_at": "昨天"}}, "items[0].online.checked_at", "检测时间"),
    ({"mode": "网络监测", "online": {"url": ONLINE["url"]}}, "items[0].online.checked_at", "缺少此字段"),
    ({"result": "待检测"}, "items[0].result", "只有送检的事项才能是「待检测」"),
    ({"lab": LAB | {"accreditation_no": ""}}, "items[0].lab.accreditation_no", "资质认定证书编号不能为空"),
    ({"lab": LAB | {"lab": "x" * 201}}, "items[0].lab.lab", "不能超过200个字符"),
    ({"lab": "青岛所"}, "items[0].lab", "送检信息应为JSON对象或null"),
])
def test_each_mode_rule(change: dict[str, Any], field: str, words: str) -> None:
    data = make_v4()
    data["items"][0] |= change
    data["acknowledgement"]["covers"] = content_hash(data)
    assert any(f == field and words in m for f, m in problems_of(data)), problems_of(data)


def test_a_format_4_item_names_all_its_keys() -> None:
    data = make_v4()
    del data["items"][0]["lab"]
    assert problems_of(data)[0] == ("items[0].lab", "缺少此字段")


def test_awaiting_lab_only_in_format_4() -> None:
    data = make_record()
    data["items"][0]["result"] = "待检测"
    assert problems_of(data) == [("items[0].result", "「待检测」只见于格式4的记录")]


def test_an_item_sent_for_testing_awaits_its_report() -> None:
    data = make_v4()
    data["items"][0] |= {"result": "待检测", "lab": LAB}
    data["acknowledgement"]["covers"] = content_hash(data)
    record = validate_record(data)
    assert record.items[0].result == ItemResult.AWAITING_LAB and record.items[0].lab is not None
    assert record.to_json() == data


@pytest.mark.parametrize("url", ["https://a.cn", "http://1.2.3.4:8080/x?y=z#f", "https://店铺.中国/商品"])
def test_good_urls(url: str) -> None:
    assert url_problem(url) is None


@pytest.mark.parametrize("url", ["", "a.cn", "https://", "https://a.cn:99999/", "file:///etc/passwd",
                                 "https://a.cn/\n", "x" * 2001, 42])
def test_bad_urls(url: object) -> None:
    assert url_problem(url) is not None
