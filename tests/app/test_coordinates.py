"""A typed position (decimal or 度分秒), the distance from the registered address, and how the
review shows it."""

from __future__ import annotations

import re
from typing import Any

import pytest

from app.domain.coordinates import distance_m, distance_text, geo_uri, parse_coordinates
from app.domain.review import DISTANCE_THRESHOLD_M, place_check
from sync import LocationSource

DMS = (36 + 4 / 60 + 12.5 / 3600, 120 + 22 / 60 + 58 / 3600)


@pytest.mark.parametrize(("text", "expected"), [
    ("36.0701, 120.3826", (36.0701, 120.3826)),
    ("36.0701,120.3826", (36.0701, 120.3826)),
    ("36.0701 120.3826", (36.0701, 120.3826)),
    ("  36.0701   120.3826  ", (36.0701, 120.3826)),
    ("36.0701，120.3826", (36.0701, 120.3826)),
    ("36.0701、120.3826", (36.0701, 120.3826)),
    ("36.0701; 120.3826", (36.0701, 120.3826)),
    ("３６．０７０１，１２０．３８２６", (36.0701, 120.3826)),
    ("北纬36.0701 东经120.3826", (36.0701, 120.3826)),
    ("北纬 36.0701，东经 120.3826", (36.0701, 120.3826)),
    ("纬度：36.0701，经度：120.3826", (36.0701, 120.3826)),
    ("N36.0701 E120.3826", (36.0701, 120.3826)),
    ("n 36.0701 e 120.3826", (36.0701, 120.3826)),
    ("36.0701N 120.3826E", (36.0701, 120.3826)),
    ("36.0701 N, 120.3826 E", (36.0701, 120.3826)),
    ("120.3826E 36.0701N", (36.0701, 120.3826)),
    ("-33.8688 151.2093", (-33.8688, 151.2093)),
    ("−33.8688, 151.2093", (-33.8688, 151.2093)),
    ("33.8688S 151.2093E", (-33.8688, 151.2093)),
    ("南纬33.8688 西经70.5", (-33.8688, -70.5)),
    ("纬度 -33.8688 经度 151.2093", (-33.8688, 151.2093)),
    ("+36 +120", (36.0, 120.0)),
    ("90 180", (90.0, 180.0)),
    ("-90 -180", (-90.0, -180.0)),
    ("36°4'12.5\"N 120°22'58\"E", DMS),
    ("36°4′12.5″N 120°22′58″E", DMS),
    ("36°04′12.5″ 120°22′58″", DMS),
    ("36°04’12.5” 120°22’58”", DMS),
    ("36° 4' 12.5\" N, 120° 22' 58\" E", DMS),
    ("36°4'12.5'' 120°22'58''", DMS),
    ("36º4'12.5\" 120º22'58\"", DMS),
    ("北纬36度4分12.5秒 东经120度22分58秒", DMS),
    ("北纬36度4分12.5秒，东经120度22分58秒", DMS),
    ("36度4分12.5秒 120度22分58秒", DMS),
    ("36°4.2083333' 120°22.9666667'", DMS),
    ("36°4.21' 120°22.97'", (36 + 4.21 / 60, 120 + 22.97 / 60)),
    ("36° 120°", (36.0, 120.0)),
    ("36°N 120°E", (36.0, 120.0)),
    ("33°52′7.7″S 151°12′33.5″E", (-(33 + 52 / 60 + 7.7 / 3600), 151 + 12 / 60 + 33.5 / 3600)),
    ("-33°52′7.7″ 151°12′33.5″", (-(33 + 52 / 60 + 7.7 / 3600), 151 + 12 / 60 + 33.5 / 3600)),
])
def test_accepted_forms(text: str, expected: tuple[float, float]) -> None:
    location = parse_coordinates(text)
    assert location.lat == pytest.approx(expected[0], abs=1e-7)
    assert location.lon == pytest.approx(expected[1], abs=1e-7)
    assert location.source is LocationSource.TYPED
    assert location.accuracy_m is None


def test_the_record_keeps_seven_places() -> None:
    """12.5″ as a float has fifteen digits; the signed record gets a centimetre's worth."""
    location = parse_coordinates("36°4′12.5″N 120°22′58″E")
    assert (location.lat, location.lon) == (36.0701389, 120.3827778)
    assert location.to_json() == {"lat": 36.0701389, "lon": 120.3827778, "accuracy_m": None,
                                  "source": "typed"}


@pytest.mark.parametrize(("text", "says"), [
    ("", "请输入经纬度"),
    ("   ", "请输入经纬度"),
    ("36.0701", "只有一个数值"),
    ("北纬36度4分12.5秒", "只有一个数值"),
    ("abc", "无法识别的经纬度"),
    ("36.07 120.38 5", "无法识别的经纬度"),
    ("36 4 12.5 120 22 58", "无法识别的经纬度"),
    ("1e5 120", "无法识别的经纬度"),
    ("N36N 120", "无法识别的经纬度"),
    ("91 120", "纬度「91」超出范围"),
    ("-90.5 120", "纬度「-90.5」超出范围"),
    ("北纬91度 东经120度", "纬度「北纬91度」超出范围"),
    ("36 181", "经度「181」超出范围"),
    ("36 -180.01", "经度「-180.01」超出范围"),
    ("36°60' 120", "「36°60′」：分应小于 60"),
    ("36°4'60\" 120", "「36°4′60″」：秒应小于 60"),
    ("36 120°22′75″", "「120°22′75″」：秒应小于 60"),
    ("36.5°4' 120", "有分时度应为整数"),
    ("36°4.5'12\" 120", "有秒时分应为整数"),
    ("N36 S37", "两个数值都标为纬度"),
    ("东经120 西经36", "两个数值都标为经度"),
    ("-36N 120E", "既有负号又有方向"),
    ("北纬-36 东经120", "既有负号又有方向"),
])
def test_refused_with_a_reason(text: str, says: str) -> None:
    with pytest.raises(ValueError, match=says.replace("(", r"\(")) as caught:
        parse_coordinates(text)
    assert "\n" not in str(caught.value)


def test_the_examples_shown_are_accepted() -> None:
    """The examples under the field and in the errors must themselves parse."""
    from app import strings as s
    examples = s.LOCATION_TYPED_HELP.removeprefix("如 ").split(" 或 ")
    examples += re.findall(r"如 ([^）]+)）", s.COORD_EXAMPLES)
    assert len(examples) == 4
    for example in examples:
        parse_coordinates(example)


def test_distance() -> None:
    assert distance_m(36.0, 120.0, 36.0, 120.0) == 0
    # One degree of latitude on the mean sphere.
    assert distance_m(36.0, 120.0, 37.0, 120.0) == pytest.approx(111_195, abs=1)
    # Qingdao's 栈桥 to 五四广场, as the crow flies.
    assert distance_m(36.0602, 120.3153, 36.0620, 120.3843) / 1000 == pytest.approx(6.2, abs=0.1)
    # Across the antimeridian and to the pole, no domain error.
    assert distance_m(0, 179.9, 0, -179.9) == pytest.approx(22_239, abs=1)
    assert distance_m(90, 0, -90, 0) == pytest.approx(20_015_115, abs=1)
    assert distance_m(10, 20, 11, 21) == distance_m(11, 21, 10, 20)


@pytest.mark.parametrize(("metres", "text"), [
    (0, "0 米"), (12.4, "12 米"), (499.6, "500 米"), (999.4, "999 米"), (999.5, "1.0 公里"),
    (1000, "1.0 公里"), (2349, "2.3 公里"), (2351, "2.4 公里"), (123_456, "123.5 公里"),
])
def test_distance_text(metres: float, text: str) -> None:
    assert distance_text(metres) == text


def test_geo_uri() -> None:
    assert geo_uri(36.0701389, 120.3827778, "检查地点：青岛某超市 (A)") == (
        "geo:36.0701389,120.3827778?q=36.0701389,120.3827778"
        "(%E6%A3%80%E6%9F%A5%E5%9C%B0%E7%82%B9%EF%BC%9A%E9%9D%92%E5%B2%9B%E6%9F%90%E8%B6%85%E5%B8%82%20%28A%29)")
    assert geo_uri(-33.9, -70.5, "x").startswith("geo:-33.9000000,-70.5000000?q=")


def _detail(location: dict[str, Any] | None, entity: dict[str, Any]) -> dict[str, Any]:
    return {"record": {"location": location},
            "entity": {"name": "青岛某超市", "address": "市南区", "credit_code": "x", **entity}}


DEVICE = {"lat": 36.0701, "lon": 120.3826, "accuracy_m": 12, "source": "device"}


def test_place_within_the_threshold() -> None:
    check = place_check(_detail(DEVICE, {"lat": 36.0712, "lon": 120.3826}))
    assert check.text == "距登记地址 122 米"
    assert not check.flagged
    assert check.map_uri is not None
    assert check.map_uri.startswith("geo:36.0701000,120.3826000?q=36.0701000,120.3826000(")


def test_place_beyond_the_threshold_says_so() -> None:
    assert DISTANCE_THRESHOLD_M == 500
    check = place_check(_detail(DEVICE, {"lat": 36.0908, "lon": 120.3826}))
    assert check.text == "距登记地址 2.3 公里，超出 500 米"
    assert check.flagged
    just_beyond = place_check(_detail(DEVICE, {"lat": 36.0701 + 501 / 111_195, "lon": 120.3826}))
    assert just_beyond.flagged and just_beyond.text == "距登记地址 501 米，超出 500 米"
    at = place_check(_detail(DEVICE, {"lat": 36.0701 + 499.9 / 111_195, "lon": 120.3826}))
    assert not at.flagged


def test_place_without_a_position_or_registered_coordinates() -> None:
    none = place_check(_detail(None, {"lat": 36.07, "lon": 120.38}))
    assert (none.text, none.flagged, none.map_uri) == ("未记录位置，无法与登记地址比对", False, None)
    bare = place_check(_detail(DEVICE, {}))
    assert bare.text == "登记地址无坐标，无法计算距离" and not bare.flagged
    assert bare.map_uri is not None  # the place itself can still be looked at
    nulls = place_check(_detail(DEVICE, {"lat": None, "lon": None}))
    assert nulls.text == bare.text

