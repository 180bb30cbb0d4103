"""Expected failures of the platform's domain: a machine-readable code and a Chinese message,
and no HTTP. The kind of failure is the class; ``server_stub/api/errors.py`` maps each kind to
its status code (and headers) once, at the edge::

    DomainError(code, message)
     ├── Malformed         the request cannot be read as what it claims to be
     ├── Unauthenticated   nobody known is asking (no token, an unknown or revoked device)
     ├── NotAllowed        the caller is known but may not do this
     ├── NotFound          no such thing, or not one the caller may see
     │    └── RecordNotFound
     ├── Conflict          it clashes with what is already stored (exists, wrong state)
     ├── TooLarge          more than the platform takes
     ├── NotAnImage        content of a kind the platform does not take
     ├── Invalid           well-formed, but breaks a rule of the domain
     ├── TooMany           too many attempts lately: come back in ``retry_after`` seconds
     ├── Damaged           something stored on the platform is broken
     └── Unavailable       a service the platform relies on (the object store) cannot be
                           reached now: nothing was stored, try again in ``retry_after`` seconds
"""

from __future__ import annotations


class DomainError(Exception):
    """An expected failure: a machine-readable code and a Chinese message for the person."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class Malformed(DomainError):
    """The request cannot be read as what it claims to be (a key, a code, a name, a record)."""


class Unauthenticated(DomainError):
    """Nobody known is asking: no token, or one of no device (or of a revoked one)."""


class NotAllowed(DomainError):
    """The caller is known but may not do this."""


class NotFound(DomainError):
    """No such thing, or not one the caller may see."""


class RecordNotFound(NotFound):
    """No such record, or one the caller may not see: the answer is the same, so that nobody
    can probe which record ids are on the platform."""

    def __init__(self) -> None:
        super().__init__("record_not_found", "记录不存在")


class Conflict(DomainError):
    """It clashes with what is already stored: the thing exists, or is in another state."""


class TooLarge(DomainError):
    """More than the platform takes (bytes, pixels)."""


class NotAnImage(DomainError):
    """Content of a kind the platform does not take where an image belongs."""


class Invalid(DomainError):
    """Well-formed, but it breaks a rule of the domain."""


class TooMany(DomainError):
    """Too many attempts lately: the caller may try again after ``retry_after`` seconds."""

    def __init__(self, code: str, message: str, *, retry_after: int) -> None:
        super().__init__(code, message)
        self.retry_after = retry_after


class Damaged(DomainError):
    """Something stored on the platform is broken: not the caller's fault."""


class Unavailable(DomainError):
    """A service the platform relies on (the photos' object store) does not answer now: nothing
    was stored, and the same request will do after ``retry_after`` seconds. A passing condition
    of the platform, not the caller's fault (503)."""

    def __init__(self, code: str, message: str, *, retry_after: int) -> None:
        super().__init__(code, message)
        self.retry_after = retry_after
