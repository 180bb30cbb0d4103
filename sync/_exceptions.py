"""The errors of the contract shared by the app and the server.

The tree (later issues add the sync branch under ``SyncError``)::

    ZscError                      every error raised by sync/
    ├── ValidationError           a value breaks a rule of the domain model (field + Chinese message)
    └── SyncError                 talking to the platform failed
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
    """Talking to the platform failed; subclasses say how."""
