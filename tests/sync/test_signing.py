from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync import (
    SignatureError,
    ValidationError,
    ZscError,
    b64url_decode,
    b64url_encode,
    canonical_bytes,
    generate_key,
    load_private_key,
    load_public_key,
    make_token,
    parse_json,
    private_key_bytes,
    public_key_b64,
    read_token,
    record_hash,
    sign_record,
    token_is_current,
    validate_record,
    verify_envelope,
    verify_envelope_hashed,
)
from tests.sync.factories import make_record

KEY = generate_key()
PUBLIC = public_key_b64(KEY)
OTHER_PUBLIC = public_key_b64(generate_key())
ENVELOPE = sign_record(make_record(), KEY, "D-0001")
WIRE = json.dumps(ENVELOPE, ensure_ascii=False, separators=(",", ":")).encode()

PAYLOAD = {
    "task_id": "T-2024-0001",
    "credit_code": "91440300708461136T",
    "team": [{"name": "张三", "badge_no": "37100012345"}, {"name": "李四", "badge_no": "37100012346"}],
    "valid_from": "2024-05-01T00:00:00+08:00",
    "valid_until": "2024-05-08T00:00:00+08:00",
}
TOKEN = make_token(PAYLOAD, KEY)


def receive(wire: bytes, public: str = PUBLIC) -> dict[str, Any]:
    """What the server does with a body: parse strictly, then verify."""
    return verify_envelope(parse_json(wire), public)


def test_rfc8032_test_1_key_derivation() -> None:
    seed = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
    public = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
    assert public_key_b64(load_private_key(seed)) == b64url_encode(public)


def test_private_key_survives_storage() -> None:
    raw = private_key_bytes(KEY)
    assert len(raw) == 32
    restored = load_private_key(raw)
    assert public_key_b64(restored) == PUBLIC == public_key_b64(KEY.public_key())
    assert sign_record(make_record(), restored, "D-0001") == ENVELOPE


@pytest.mark.parametrize("raw", [b"", bytes(31), bytes(33), "0" * 32])
def test_load_private_key_refuses_other_sizes(raw: Any) -> None:
    with pytest.raises(ValidationError, match="私钥应为32字节"):
        load_private_key(raw)


def test_public_key_is_43_chars_of_base64url() -> None:
    assert len(PUBLIC) == 43 and b64url_decode(PUBLIC, size=32)
    assert load_public_key(PUBLIC).public_bytes_raw() == KEY.public_key().public_bytes_raw()


@pytest.mark.parametrize("text", ["", PUBLIC + "A", PUBLIC[:-1], PUBLIC + "=", 42],
                         ids=["empty", "a_char_more", "a_char_less", "padded", "not_text"])
def test_load_public_key_refuses_what_is_not_32_bytes(text: Any) -> None:
    with pytest.raises(ValidationError) as info:
        load_public_key(text)
    assert info.value.problems[0].field == "public_key"


def test_envelope_format() -> None:
    assert list(ENVELOPE) == ["record", "sig", "key_id"]
    assert ENVELOPE["key_id"] == "D-0001"
    assert ENVELOPE["record"] == make_record()
    assert len(b64url_decode(ENVELOPE["sig"], size=64)) == 64
    KEY.public_key().verify(b64url_decode(ENVELOPE["sig"]), canonical_bytes(make_record()))


def test_round_trip_over_the_wire() -> None:
    assert receive(WIRE) == make_record()


@given(
    st.floats(-90, 90),
    st.floats(-180, 180),
    st.none() | st.floats(0, 20_000_000),
)
def test_any_location_survives_the_wire_with_its_hash(
    lat: float, lon: float, accuracy: float | None
) -> None:
    source = "typed" if accuracy is None else "device"
    location = {"lat": lat, "lon": lon, "accuracy_m": accuracy, "source": source}
    record = make_record(location=location)
    wire = json.dumps(sign_record(record, KEY, "D-0001")).encode()
    received = receive(wire)
    assert received["location"] == location
    assert validate_record(received) == validate_record(record)
    assert record_hash(received) == record_hash(record)


def test_signing_is_deterministic_so_a_resent_record_is_the_same_bytes() -> None:
    assert sign_record(make_record(), KEY, "D-0001") == ENVELOPE


def test_the_signature_covers_the_canonical_form_not_the_spelling() -> None:
    record = make_record()
    reordered = dict(reversed(list(record.items())))
    reordered["location"] = {"source": "device", "accuracy_m": 12.5, "lon": 122.1204, "lat": 37.5131}
    envelope = {"key_id": "D-0001", "sig": ENVELOPE["sig"], "record": reordered}
    assert verify_envelope(envelope, PUBLIC) == record
    spaced = json.dumps(envelope, ensure_ascii=True, indent=2).encode()
    assert receive(spaced) == record
    assert verify_envelope_hashed(envelope, PUBLIC) == (record, record_hash(record))


def test_the_hashed_verification_refuses_what_verification_refuses() -> None:
    """The platform's one-pass check (record and hash together) is the same gate."""
    with pytest.raises(SignatureError):
        verify_envelope_hashed(ENVELOPE, OTHER_PUBLIC)
    with pytest.raises(SignatureError):
        verify_envelope_hashed({**ENVELOPE, "record": {**ENVELOPE["record"], "seq": 2}}, PUBLIC)
    with pytest.raises(ValidationError):
        verify_envelope_hashed({"record": ENVELOPE["record"]}, PUBLIC)


def test_sign_record_refuses_an_invalid_record() -> None:
    with pytest.raises(ValidationError) as info:
        sign_record(make_record(seq=0), KEY, "D-0001")
    assert [p.field for p in info.value.problems] == ["seq"]


def test_sign_record_refuses_a_key_id_other_than_the_device() -> None:
    with pytest.raises(ValidationError, match="签名密钥编号应为记录的设备编号"):
        sign_record(make_record(), KEY, "D-0002")


def test_wrong_key_is_refused() -> None:
    with pytest.raises(SignatureError, match="签名无效"):
        receive(WIRE, OTHER_PUBLIC)


def test_another_device_signing_under_its_own_id_is_refused() -> None:
    # A device may not sign a record that names another device: the key id must be the record's.
    other = generate_key()
    forged = {**ENVELOPE, "key_id": "D-0002", "sig": b64url_encode(other.sign(b"x"))}
    with pytest.raises(SignatureError, match="与记录中的设备编号「D-0001」不一致"):
        verify_envelope(forged, public_key_b64(other))


@given(st.data())
def test_any_changed_byte_on_the_wire_is_refused(data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(WIRE) - 1), label="index")
    new = data.draw(st.integers(0, 255).filter(lambda b: b != WIRE[index]), label="byte")
    altered = WIRE[:index] + bytes([new]) + WIRE[index + 1 :]
    with pytest.raises(ZscError):
        receive(altered)


@given(st.data())
def test_any_changed_byte_of_the_signed_record_is_refused(data: st.DataObject) -> None:
    signed = canonical_bytes(ENVELOPE["record"])
    index = data.draw(st.integers(0, len(signed) - 1), label="index")
    new = data.draw(st.integers(0, 255).filter(lambda b: b != signed[index]), label="byte")
    altered = signed[:index] + bytes([new]) + signed[index + 1 :]
    wire = b'{"key_id":"D-0001","record":' + altered + b',"sig":"' + ENVELOPE["sig"].encode() + b'"}'
    with pytest.raises(ZscError):
        receive(wire)


@given(st.data())
def test_any_changed_character_of_the_signature_is_refused(data: st.DataObject) -> None:
    sig = ENVELOPE["sig"]
    index = data.draw(st.integers(0, len(sig) - 1), label="index")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/ ."
    new = data.draw(st.sampled_from(alphabet).filter(lambda c: c != sig[index]), label="char")
    altered = {**ENVELOPE, "sig": sig[:index] + new + sig[index + 1 :]}
    with pytest.raises(ZscError):
        verify_envelope(altered, PUBLIC)


@given(st.text(min_size=1).filter(lambda k: k != "D-0001"))
def test_any_other_key_id_is_refused(key_id: str) -> None:
    with pytest.raises(SignatureError):
        verify_envelope({**ENVELOPE, "key_id": key_id}, PUBLIC)


@pytest.mark.parametrize(
    ("envelope", "fields"),
    [
        ({"record": make_record(), "sig": ENVELOPE["sig"]}, ["key_id"]),
        ({**ENVELOPE, "signature": ENVELOPE["sig"]}, ["signature"]),
        ({**ENVELOPE, "record": "{}"}, ["record"]),
        ({**ENVELOPE, "record": None}, ["record"]),
        ({**ENVELOPE, "key_id": ""}, ["key_id"]),
        ({**ENVELOPE, "key_id": 1}, ["key_id"]),
        ({**ENVELOPE, "sig": ENVELOPE["sig"] + "=="}, ["sig"]),
        ({**ENVELOPE, "sig": ENVELOPE["sig"][:-2]}, ["sig"]),
        ({**ENVELOPE, "sig": None}, ["sig"]),
        ({"sig": None, "extra": 1}, ["record", "key_id", "extra", "sig"]),
    ],
)
def test_malformed_envelopes(envelope: dict[str, Any], fields: list[str]) -> None:
    with pytest.raises(ValidationError) as info:
        verify_envelope(envelope, PUBLIC)
    assert [p.field for p in info.value.problems] == fields


def test_an_envelope_must_be_an_object() -> None:
    with pytest.raises(ValidationError, match="应为JSON对象"):
        verify_envelope([ENVELOPE], PUBLIC)


def test_verify_does_not_judge_content_and_returns_a_plain_copy() -> None:
    # A validly signed record with invalid content verifies; validate_record refuses it after.
    bad = make_record(seq=0)
    sig = b64url_encode(KEY.sign(canonical_bytes(bad)))
    record = verify_envelope({"record": bad, "sig": sig, "key_id": "D-0001"}, PUBLIC)
    assert record == bad and record is not bad


def test_token_format() -> None:
    body, sig = TOKEN.split(".")
    assert b64url_decode(body) == canonical_bytes(PAYLOAD)
    assert len(b64url_decode(sig, size=64)) == 64
    assert set(TOKEN) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")


def test_token_round_trip() -> None:
    assert read_token(TOKEN, PUBLIC) == PAYLOAD


def test_token_with_another_key_is_refused() -> None:
    with pytest.raises(SignatureError, match="检查码无效"):
        read_token(TOKEN, OTHER_PUBLIC)


@given(st.data())
def test_any_changed_character_of_a_token_is_refused(data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(TOKEN) - 1), label="index")
    new = data.draw(st.characters().filter(lambda c: c != TOKEN[index]), label="char")
    with pytest.raises(SignatureError, match="检查码无效"):
        read_token(TOKEN[:index] + new + TOKEN[index + 1 :], PUBLIC)


@pytest.mark.parametrize(
    "token",
    ["", ".", TOKEN.replace(".", ""), TOKEN + ".x", TOKEN.split(".")[0], TOKEN[:-1], None, b"x.y"],
)
def test_malformed_tokens_are_refused(token: Any) -> None:
    with pytest.raises(SignatureError, match="检查码无效"):
        read_token(token, PUBLIC)


def test_payload_signed_with_another_payloads_signature_is_refused() -> None:
    other = make_token({**PAYLOAD, "valid_until": "2099-01-01T00:00:00+08:00"}, generate_key())
    spliced = other.split(".")[0] + "." + TOKEN.split(".")[1]
    with pytest.raises(SignatureError):
        read_token(spliced, PUBLIC)


CST = dt.timezone(dt.timedelta(hours=8))


@pytest.mark.parametrize(
    ("now", "current"),
    [
        (dt.datetime(2024, 4, 30, 23, 59, 59, tzinfo=CST), False),
        (dt.datetime(2024, 5, 1, 0, 0, 0, tzinfo=CST), True),
        (dt.datetime(2024, 4, 30, 16, 0, 0, tzinfo=dt.UTC), True),
        (dt.datetime(2024, 5, 4, 12, 0, 0, tzinfo=CST), True),
        (dt.datetime(2024, 5, 7, 23, 59, 59, tzinfo=CST), True),
        (dt.datetime(2024, 5, 8, 0, 0, 0, tzinfo=CST), False),
        (dt.datetime(2025, 1, 1, tzinfo=dt.UTC), False),
    ],
)
def test_token_is_current(now: dt.datetime, current: bool) -> None:
    assert token_is_current(read_token(TOKEN, PUBLIC), now) is current


def test_token_is_current_needs_an_aware_now() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        token_is_current(PAYLOAD, dt.datetime(2024, 5, 2))


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({**PAYLOAD, "valid_until": None}, "valid_until"),
        ({k: v for k, v in PAYLOAD.items() if k != "valid_from"}, "valid_from"),
        ({**PAYLOAD, "valid_from": "2024-05-01"}, "valid_from"),
    ],
)
def test_token_is_current_needs_both_bounds(payload: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        token_is_current(payload, dt.datetime(2024, 5, 2, tzinfo=CST))
    assert info.value.problems[0].field == field
