"""Enrolling this device with the platform (DESIGN §5 ``POST /api/v1/enroll``)."""

from __future__ import annotations

import datetime as dt
import platform
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import httpx

from sync import generate_key, platform_refusal, private_key_bytes, public_key_b64

from .. import strings as s
from ..store import Enrolment, LocalStore
from .http import tls
from .keys import KeyVault

ENROL_SCHEME = "zsc"


class EnrolError(Exception):
    """Enrolment failed; ``str(error)`` is a Chinese message that says what to do."""


@dataclass(frozen=True)
class EnrolInput:
    server_url: str
    code: str


def parse_enrol_input(server_text: str, code_text: str) -> EnrolInput:
    """The server and the one-time code from what the inspector typed or pasted.

    The code field also takes the supervisor's enrolment link (``zsc://enroll?server=…&code=…``,
    what the enrolment QR code holds); the link's server then wins over the address field.
    """
    code_text = code_text.strip()
    server = server_text.strip().rstrip("/")
    if code_text.lower().startswith(f"{ENROL_SCHEME}:"):
        parts = urlsplit(code_text)
        query = parse_qs(parts.query)
        if parts.netloc != "enroll" or not query.get("code") or not query.get("server"):
            raise EnrolError(s.ENROL_BAD_LINK)
        server, code_text = query["server"][0].strip().rstrip("/"), query["code"][0].strip()
    if not code_text:
        raise EnrolError(s.ENROL_NEED_CODE)
    if not server.startswith(("http://", "https://")):
        raise EnrolError(s.ENROL_NEED_SERVER)
    return EnrolInput(server, code_text)


def device_name() -> str:
    return f"掌上查 · {platform.node() or platform.system()}"


async def enrol(given: EnrolInput, *, store: LocalStore, vault: KeyVault, timeout: float) -> Enrolment:
    """Make the key pair here, enrol its public half, keep the private half in ``vault``.

    The enrolment is written to the store only once the key is safely kept, so a device never
    believes it is enrolled without being able to sign.
    """
    key = generate_key()
    try:
        async with httpx.AsyncClient(base_url=given.server_url, timeout=timeout, verify=tls()) as client:
            answer = await client.post("/api/v1/enroll", json={
                "code": given.code, "public_key": public_key_b64(key), "device_name": device_name()})
    except httpx.HTTPError:
        raise EnrolError(s.ENROL_OFFLINE) from None
    if answer.status_code != 201:
        raise EnrolError(s.ENROL_FAILED.format(message=platform_refusal(answer).message))
    body = answer.json()
    try:
        await vault.save(private_key_bytes(key))
    except Exception as e:
        raise EnrolError(s.ENROL_KEY_FAILED.format(reason=type(e).__name__)) from e
    enrolment = Enrolment(
        server_url=given.server_url, device_id=body["device_id"], token=body["token"],
        role=body["role"], inspector=body["inspector"],
        enrolled_at=dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        public_key=public_key_b64(key), key_storage=vault.description,
    )
    store.save_enrolment(enrolment)
    return enrolment
