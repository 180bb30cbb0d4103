"""The errors of the contract shared by the app and the server.

The tree::

    ZscError                   every error raised by sync/
    ├── ValidationError        a value breaks a rule of the contract (field + Chinese message):
    │                          a domain object, a record, malformed JSON, base64url, an envelope
    └── SyncError              an exchange between the app and the platform failed or is not trusted
        ├── SignatureError     a signature does not verify: a record envelope or an inspection code
        ├── TransportError     the platform could not be reached (network, timeout, 5xx) after
        │                      the engine's retries: nothing is lost, the next push resumes
        └── AuthError          the platform does not know this device, or has revoked it (401)

httpx's own exceptions are mapped to these in ``_engine.py`` only. A record the platform refuses for
good (400, 403, 409, 413, 422) is not an exception: the engine marks it rejected in the outbox, with
the platform's message, and goes on.

Malformed input is a ``ValidationError`` (HTTP 400 or 422 with the problems listed); a well-formed
envelope whose signature fails is a ``SignatureError`` (HTTP 422, DESIGN §5). A token is either
genuine or not, so everything wrong with one, malformed included, is a ``SignatureError``.
"""

from __future__ import annotations

from dataclasses import dataclass


class ZscError(Exception):
    """Base of every error raised by ``sync``."""


@dataclass(frozen=True)
class Problem:
    """One broken rule: which field, and what is wrong with it, in Chinese."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class ValidationError(ZscError, ValueError):
    """A domain object was built from values that break its rules.

    Carries every problem found, not only the first, so that a form or an import report can show
    them all at once.
    """

    def __init__(self, problems: list[Problem]) -> None:
        if not problems:
            raise ValueError("ValidationError needs at least one problem")
        self.problems = list(problems)
        super().__init__("；".join(str(p) for p in self.problems))

    @classmethod
    def single(cls, field: str, message: str) -> ValidationError:
        return cls([Problem(field, message)])


class SyncError(ZscError):
    """An exchange between the app and the platform failed or is not trusted; subclasses say how."""


class SignatureError(SyncError):
    """A signature does not verify, or names another signer; the message is in Chinese."""


class TransportError(SyncError):
    """The platform could not be reached after the engine's retries; try again later."""


class AuthError(SyncError):
    """The platform refuses this device's token (unknown or revoked device): enrol again."""
