from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import math
import struct
import types

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync import (
    MAX_JSON_DEPTH,
    ValidationError,
    b64url_decode,
    b64url_encode,
    canonical_bytes,
    check_json_shape,
    is_sha256_hex,
    parse_json,
    parse_rfc3339,
    record_hash,
)

# RFC 8785 Appendix B: IEEE 754 bit patterns and their canonical text.
NUMBER_VECTORS = [
    ("0000000000000000", "0"),
    ("8000000000000000", "0"),
    ("0000000000000001", "5e-324"),
    ("8000000000000001", "-5e-324"),
    ("7fefffffffffffff", "1.7976931348623157e+308"),
    ("ffefffffffffffff", "-1.7976931348623157e+308"),
    ("4340000000000000", "9007199254740992"),
    ("c340000000000000", "-9007199254740992"),
    ("4430000000000000", "295147905179352830000"),
    ("44b52d02c7e14af5", "9.999999999999997e+22"),
    ("44b52d02c7e14af6", "1e+23"),
    ("44b52d02c7e14af7", "1.0000000000000001e+23"),
    ("444b1ae4d6e2ef4e", "999999999999999700000"),
    ("444b1ae4d6e2ef4f", "999999999999999900000"),
    ("444b1ae4d6e2ef50", "1e+21"),
    ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"),
    ("3eb0c6f7a0b5ed8d", "0.000001"),
    ("41b3de4355555553", "333333333.3333332"),
    ("41b3de4355555554", "333333333.33333325"),
    ("41b3de4355555555", "333333333.3333333"),
    ("41b3de4355555556", "333333333.3333334"),
    ("41b3de4355555557", "333333333.33333343"),
    ("becbf647612f3696", "-0.0000033333333333333333"),
    ("43143ff3c1cb0959", "1424953923781206.2"),
]


@pytest.mark.parametrize(("bits", "text"), NUMBER_VECTORS)
def test_rfc8785_number_vectors(bits: str, text: str) -> None:
    value = struct.unpack(">d", bytes.fromhex(bits))[0]
    assert canonical_bytes(value) == text.encode()


def test_rfc8785_example_of_section_3_2_4() -> None:
    source = r"""{
      "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
      "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
      "literals": [null, true, false]
    }"""
    expected = (
        r'{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
        r'"string":"€$\u000f\nA'
        "'"
        r'B\"\\\\\"/"}'
    )
    assert canonical_bytes(json.loads(source)) == expected.encode("utf-8")


def test_keys_sort_by_utf16_code_units_rfc8785_section_3_2_3() -> None:
    source = r"""{
      "\u20ac": "Euro Sign", "\r": "Carriage Return", "\ufb33": "Hebrew Letter Dalet With Dagesh",
      "1": "One", "\ud83d\ude00": "Emoji: Grinning Face", "\u0080": "Control",
      "\u00f6": "Latin Small Letter O With Diaeresis"
    }"""
    values = list(json.loads(canonical_bytes(json.loads(source))).values())
    # 😀 is the surrogate pair D83D DE00, which sorts before U+FB33 though its code point is higher.
    assert values == [
        "Carriage Return", "One", "Control", "Latin Small Letter O With Diaeresis", "Euro Sign",
        "Emoji: Grinning Face", "Hebrew Letter Dalet With Dagesh",
    ]


def test_chinese_text_is_raw_utf8_and_whitespace_goes() -> None:
    value = {"结果": "合格", "b": [1, 2], "a": {"z": None, "y": True}}
    assert canonical_bytes(value) == '{"a":{"y":true,"z":null},"b":[1,2],"结果":"合格"}'.encode()


def test_integers_and_floats_of_equal_value_share_bytes() -> None:
    assert canonical_bytes({"lat": 37}) == canonical_bytes({"lat": 37.0}) == b'{"lat":37}'
    assert canonical_bytes(json.loads('{"lat": 3.7e1}')) == b'{"lat":37}'


def test_any_mapping_and_tuples_are_accepted() -> None:
    value = types.MappingProxyType({"b": (1, 2), "a": "x"})
    assert canonical_bytes(value) == b'{"a":"x","b":[1,2]}'


@pytest.mark.parametrize(
    ("value", "field", "words"),
    [
        ({"lat": math.nan}, "lat", "不是有限数"),
        ({"lat": math.inf}, "lat", "不是有限数"),
        ({"items": [{"n": 2**53 + 1}]}, "items[0].n", "无法用JSON数值"),
        ({"n": -(2**53) - 1}, "n", "无法用JSON数值"),
        ({"n": 10**400}, "n", "无法用JSON数值"),
        ({"note": "\ud800"}, "note", "UTF-8"),
        ({"photo": b"\x00"}, "photo", "bytes类型"),
        ({1: "x"}, "$", "不是有效的文本"),
        (dt.date(2024, 5, 1), "$", "date类型"),
    ],
)
def test_values_jcs_cannot_express_are_named_by_path(value: object, field: str, words: str) -> None:
    with pytest.raises(ValidationError) as info:
        canonical_bytes(value)
    [problem] = info.value.problems
    assert problem.field == field and words in problem.message


def test_every_inexpressible_value_is_reported_at_once() -> None:
    with pytest.raises(ValidationError) as info:
        canonical_bytes({"a": math.nan, "b": [2**60 + 1, "ok"], "c": object()})
    assert [p.field for p in info.value.problems] == ["a", "b[0]", "c"]


def test_integers_are_written_as_the_doubles_they_are() -> None:
    assert canonical_bytes(2**53 - 1) == b"9007199254740991"
    assert canonical_bytes(-(2**53 - 1)) == b"-9007199254740991"
    # Beyond 2^53 an integer is fine when a double holds it exactly, as JCS reads every number.
    assert canonical_bytes(2**53) == canonical_bytes(2.0**53) == b"9007199254740992"
    assert canonical_bytes(2**70) == canonical_bytes(2.0**70) == b"1.1805916207174113e+21"
    assert canonical_bytes(10**21) == b"1e+21"
    # The canonical text of this double is not its exact value; read back as an int, it still
    # stands for the same double.
    assert canonical_bytes(3.478382445552671e16) == b"34783824455526710"
    assert canonical_bytes(34783824455526710) == b"34783824455526710"


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_every_finite_float_round_trips_through_its_canonical_text(value: float) -> None:
    text = canonical_bytes(value)
    assert float(json.loads(text)) == value  # as a reader taking every number for a double
    assert canonical_bytes(json.loads(text)) == text


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53 - 1), 2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(json_values)
def test_canonical_form_is_a_fixed_point_of_parsing(value: object) -> None:
    text = canonical_bytes(value)
    assert canonical_bytes(json.loads(text)) == text
    assert canonical_bytes(parse_json(text)) == text


@given(st.dictionaries(st.text(max_size=5), st.integers(0, 9), min_size=2, max_size=6))
def test_key_order_of_the_input_does_not_matter(value: dict[str, int]) -> None:
    reordered = dict(reversed(list(value.items())))
    assert canonical_bytes(reordered) == canonical_bytes(value)


def test_record_hash_is_sha256_of_the_canonical_bytes() -> None:
    record = {"seq": 1, "note": "现场检查", "prev": None}
    expected = hashlib.sha256('{"note":"现场检查","prev":null,"seq":1}'.encode()).hexdigest()
    assert record_hash(record) == expected
    assert record_hash({"prev": None, "seq": 1.0, "note": "现场检查"}) == expected
    assert record_hash(dict(record, seq=2)) != expected


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("0" * 64, True),
        (hashlib.sha256(b"x").hexdigest(), True),
        (hashlib.sha256(b"x").hexdigest().upper(), False),
        ("0" * 63, False),
        ("0" * 65, False),
        ("g" * 64, False),
        ("0" * 64 + "\n", False),
        (None, False),
        (0, False),
    ],
)
def test_is_sha256_hex(value: object, ok: bool) -> None:
    assert is_sha256_hex(value) is ok


@given(st.binary(max_size=100))
def test_base64url_round_trip_without_padding(data: bytes) -> None:
    text = b64url_encode(data)
    assert "=" not in text and "+" not in text and "/" not in text
    assert text == base64.urlsafe_b64encode(data).decode().rstrip("=")
    assert b64url_decode(text) == data


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("AAE=", "base64url以外的字符"),
        ("AA+/", "base64url以外的字符"),
        ("AA E", "base64url以外的字符"),
        ("AAE\n", "base64url以外的字符"),
        ("ＡＡＥ", "base64url以外的字符"),
        ("AAAAA", "不是有效的base64url长度"),
        ("AB", "不是规范编码"),
        ("AAF", "不是规范编码"),
        (12, "应为base64url文本"),
    ],
)
def test_base64url_decode_refuses_other_spellings(text: object, words: str) -> None:
    with pytest.raises(ValidationError, match=words) as info:
        b64url_decode(text, field="sig")
    assert info.value.problems[0].field == "sig"


def test_base64url_decode_checks_the_size() -> None:
    assert b64url_decode(b64url_encode(bytes(32)), size=32) == bytes(32)
    with pytest.raises(ValidationError, match="应为32字节，实为31字节"):
        b64url_decode(b64url_encode(bytes(31)), size=32)


def test_parse_json_accepts_plain_json() -> None:
    assert parse_json('{"a": [1, 2.5, "合格", null, true]}'.encode()) == {
        "a": [1, 2.5, "合格", None, True]
    }


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b'{"a": 1, "a": 2}', "键「a」重复出现"),
        (b'{"x": {"a": 1, "a": 1}}', "键「a」重复出现"),
        (b'{"lat": NaN}', "不允许出现NaN"),
        (b'{"lat": -Infinity}', "不允许出现-Infinity"),
        (b'{"lat": 1e400}', "不是有限数"),
        (b'{"seq": 12345678901234567891}', "无法用JSON数值"),
        (b'{"note": "\\ud800"}', "UTF-8"),
        (b'{"note": "\xff"}', "不是UTF-8编码的文本"),
        (b'{"a": 1', "不是有效的JSON"),
        (b"", "不是有效的JSON"),
    ],
)
def test_parse_json_refuses_what_could_be_read_two_ways(data: bytes, words: str) -> None:
    with pytest.raises(ValidationError, match=words):
        parse_json(data)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-01T09:30:00+08:00", dt.datetime(2024, 5, 1, 1, 30, tzinfo=dt.UTC)),
        ("2024-05-01T01:30:00Z", dt.datetime(2024, 5, 1, 1, 30, tzinfo=dt.UTC)),
        ("2024-05-01T01:30:00.5Z", dt.datetime(2024, 5, 1, 1, 30, 0, 500000, tzinfo=dt.UTC)),
        ("2024-05-01T01:30:00.123456789Z", dt.datetime(2024, 5, 1, 1, 30, 0, 123456, tzinfo=dt.UTC)),
        ("2024-05-01T00:00:00-05:30", dt.datetime(2024, 5, 1, 5, 30, tzinfo=dt.UTC)),
        ("2024-02-29T23:59:59+08:00", dt.datetime(2024, 2, 29, 15, 59, 59, tzinfo=dt.UTC)),
    ],
)
def test_parse_rfc3339(text: str, expected: dt.datetime) -> None:
    parsed = parse_rfc3339(text)
    assert parsed == expected and parsed.utcoffset() is not None


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("2024-05-01T09:30:00", "格式无效"),
        ("2024-05-01 09:30:00+08:00", "格式无效"),
        ("2024-05-01t09:30:00z", "格式无效"),
        ("2024-05-01T09:30+08:00", "格式无效"),
        ("20240501T093000+0800", "格式无效"),
        ("2024-05-01", "格式无效"),
        ("２０２４-05-01T09:30:00+08:00", "格式无效"),
        (None, "格式无效"),
        (1714527000, "格式无效"),
        ("2024-05-01T09:30:00-00:00", "时区未知"),
        ("2023-02-29T09:30:00+08:00", "不是真实存在的时刻"),
        ("2024-05-01T24:00:00+08:00", "不是真实存在的时刻"),
        ("2024-05-01T23:59:60Z", "不是真实存在的时刻"),
        ("2024-05-01T09:30:00+24:00", "不是真实存在的时刻"),
        ("2024-05-01T09:30:00+08:60", "不是真实存在的时刻"),
    ],
)
def test_parse_rfc3339_refuses(text: object, words: str) -> None:
    with pytest.raises(ValidationError, match=words) as info:
        parse_rfc3339(text, field="started_at", label="开始时间")
    [problem] = info.value.problems
    assert problem.field == "started_at" and problem.message.startswith("开始时间")


# --- the shape of a body before it is parsed ------------------------------------------------


@pytest.mark.parametrize("text", [
    b"[" * 32 + b"]" * 32,
    b'{"a": "' + b"[" * 100 + b'", "b": "\\"[[[[[[["}',
    b'{"n": -1.2345678901234567e-300, "m": 12345678901234567890}',
])
def test_honest_shapes_pass(text: bytes) -> None:
    """Brackets inside strings (escaped quotes included) do not count; long numbers do not either
    until they pass 40 characters."""
    check_json_shape(text)


@pytest.mark.parametrize(("text", "words"), [
    (b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1), "嵌套超过32层"),
    (b'{"a": ' * 40 + b"1" + b"}" * 40, "嵌套"),
    (b"[" + b"9" * 41 + b"]", "超过40位"),
    (b'{"seq": ' + b"9" * 5000 + b"}", "超过40位"),
])
def test_deep_nesting_and_huge_numbers_are_refused_before_parsing(text: bytes, words: str) -> None:
    with pytest.raises(ValidationError, match=words):
        check_json_shape(text)
    with pytest.raises(ValidationError, match=words):
        parse_json(text)


def test_a_thousand_levels_is_a_clear_error_not_a_recursion_error() -> None:
    with pytest.raises(ValidationError):
        parse_json(b"[" * 100_000 + b"]" * 100_000)
