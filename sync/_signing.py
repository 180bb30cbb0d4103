"""Ed25519 signatures over canonical JSON: record envelopes (DESIGN §4) and inspection codes (§7).

Envelope, as sent to ``POST /api/v1/records``::

    {"record": {...}, "sig": "<base64url of the 64-byte Ed25519 signature>", "key_id": "<device>"}

``sig`` signs ``canonical_bytes(record)``. ``key_id`` is not covered by the signature, so it is
bound another way: it must equal the record's own ``device_id``, which is signed. A changed
``key_id`` therefore either names a device the record does not claim, or a key that cannot verify.

Inspection-code token (DESIGN §7), a compact string that fits a URL path segment and a QR code::

    base64url(canonical_bytes(payload)) + "." + base64url(signature over those bytes)

The payload carries ``valid_from`` and ``valid_until`` (RFC 3339); ``token_is_current`` checks them
against a ``now`` the caller gives, so reading a token never depends on the clock.

The private key is 32 raw bytes (``private_key_bytes`` / ``load_private_key``) for the app's secure
storage; a public key travels as base64url of its 32 raw bytes.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import TypedDict, cast

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ._canonical import (
    ROOT,
    JsonValue,
    b64url_decode,
    b64url_encode,
    canonical_bytes,
    canonical_digest,
    parse_rfc3339,
)
from ._exceptions import Problem, SignatureError, ValidationError
from ._record import validate_record

ENVELOPE_KEYS = ("record", "sig", "key_id")


class Envelope(TypedDict):
    """A signed record as it travels (DESIGN §4)."""

    record: dict[str, JsonValue]
    sig: str
    key_id: str


KEY_SIZE = 32
SIGNATURE_SIZE = 64


def generate_key() -> Ed25519PrivateKey:
    """A new device (or server) key; made where it is used, and never sent anywhere."""
    return Ed25519PrivateKey.generate()


def private_key_bytes(key: Ed25519PrivateKey) -> bytes:
    """The 32 raw bytes of a private key, for secure storage on the device."""
    return key.private_bytes_raw()


def load_private_key(raw: bytes) -> Ed25519PrivateKey:
    """A private key back from its 32 raw bytes; ``ValidationError`` for any other length."""
    if not isinstance(raw, bytes) or len(raw) != KEY_SIZE:
        raise ValidationError.single("private_key", f"私钥应为{KEY_SIZE}字节")
    return Ed25519PrivateKey.from_private_bytes(raw)


def public_key_b64(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """The public half as the wire writes it: base64url of its 32 raw bytes."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return b64url_encode(public.public_bytes_raw())


def load_public_key(text: object) -> Ed25519PublicKey:
    """A public key from its base64url text (as enrolment sends it); ``ValidationError`` if bad."""
    return Ed25519PublicKey.from_public_bytes(
        b64url_decode(text, size=KEY_SIZE, field="public_key")
    )


def _parse(data: bytes) -> dict[str, JsonValue]:
    """A JSON object back from canonical bytes made from a mapping (so known to be valid)."""
    return cast(dict[str, JsonValue], json.loads(data))


def sign_record(record: Mapping[str, object], key: Ed25519PrivateKey, key_id: str) -> Envelope:
    """The envelope for ``record``, signed with the device's key.

    Refuses (``ValidationError``) to sign an invalid record, or under a ``key_id`` other than the
    record's ``device_id``. The envelope's ``record`` is a plain copy of exactly the signed JSON.
    """
    validate_record(record)
    if key_id != record["device_id"]:
        raise ValidationError.single("key_id", "签名密钥编号应为记录的设备编号")
    data = canonical_bytes(record)
    return {"record": _parse(data), "sig": b64url_encode(key.sign(data)), "key_id": key_id}


def verify_envelope(envelope: object, public_key_b64: str) -> dict[str, JsonValue]:
    """The record of a signed envelope, once its signature verifies with ``public_key_b64``.

    The caller looks the public key up by ``envelope["key_id"]``. Raises ``ValidationError`` when
    the envelope is malformed (not exactly ``record``, ``sig`` and ``key_id``, a ``sig`` that is not
    64 bytes of base64url, a record JCS cannot express) and ``SignatureError`` when the key id is
    not the record's device or the signature does not verify. The record's content is not checked
    here: that is ``validate_record``'s job.
    """
    return _parse(_verified_bytes(envelope, public_key_b64))


def verify_envelope_hashed(envelope: object, public_key_b64: str) -> tuple[dict[str, JsonValue], str]:
    """``verify_envelope``'s record and its ``record_hash``, from one canonical form: the
    platform needs both for every record it takes, and the canonical form is a third of what a
    record costs it to check (issue 29 point 3)."""
    data = _verified_bytes(envelope, public_key_b64)
    return _parse(data), canonical_digest(data)


def _verified_bytes(envelope: object, public_key_b64: str) -> bytes:
    """The canonical bytes of the envelope's record, once its signature verifies over them."""
    if not isinstance(envelope, Mapping):
        raise ValidationError.single(ROOT, "提交的内容应为JSON对象")
    problems = [Problem(key, "缺少此字段") for key in ENVELOPE_KEYS if key not in envelope]
    problems += [
        Problem(str(key), "不是信封中的字段") for key in envelope if key not in ENVELOPE_KEYS
    ]
    record, sig, key_id = (envelope.get(key) for key in ENVELOPE_KEYS)
    if "record" in envelope and not isinstance(record, Mapping):
        problems.append(Problem("record", "记录应为JSON对象"))
    if "key_id" in envelope and (not isinstance(key_id, str) or not key_id):
        problems.append(Problem("key_id", "签名密钥编号应为非空文本"))
    signature = b""
    if "sig" in envelope:
        try:
            signature = b64url_decode(sig, size=SIGNATURE_SIZE, field="sig")
        except ValidationError as e:
            problems += e.problems
    if problems:
        raise ValidationError(problems)
    record = cast(Mapping[str, object], record)
    public = load_public_key(public_key_b64)
    if key_id != record.get("device_id"):
        raise SignatureError(
            f"签名密钥编号「{key_id}」与记录中的设备编号「{record.get('device_id')}」不一致"
        )
    data = canonical_bytes(record)
    try:
        public.verify(signature, data)
    except InvalidSignature:
        raise SignatureError("签名无效：记录在签名后被改动过，或不是由该设备签名的") from None
    return data


def make_token(payload: Mapping[str, object], key: Ed25519PrivateKey) -> str:
    """A compact signed token for ``payload`` (the inspection code of a task, DESIGN §7)."""
    data = canonical_bytes(payload)
    return f"{b64url_encode(data)}.{b64url_encode(key.sign(data))}"


def read_token(token: str, public_key_b64: str) -> dict[str, JsonValue]:
    """The payload of a token made by ``make_token``, once it verifies with ``public_key_b64``.

    Raises ``SignatureError`` for any token that is not exactly as the key holder made it: altered,
    cut short, or signed by another key. Whether it is still valid is ``token_is_current``'s call.
    """
    public = load_public_key(public_key_b64)
    try:
        body, sig = token.split(".") if isinstance(token, str) else ("", "")
        data = b64url_decode(body, field="token")
        signature = b64url_decode(sig, size=SIGNATURE_SIZE, field="token")
        public.verify(signature, data)
    except (ValueError, InvalidSignature):
        raise SignatureError("检查码无效：内容被改动过，或不是由本平台签发的") from None
    return _parse(data)


def token_is_current(payload: Mapping[str, object], now: dt.datetime) -> bool:
    """Whether ``now`` (timezone-aware) lies in ``[valid_from, valid_until)`` of a token's payload.

    Raises ``ValidationError`` when either bound is missing or not RFC 3339 with an offset.
    """
    if now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    valid_from = parse_rfc3339(payload.get("valid_from"), field="valid_from", label="生效时间")
    valid_until = parse_rfc3339(payload.get("valid_until"), field="valid_until", label="失效时间")
    return valid_from <= now < valid_until
