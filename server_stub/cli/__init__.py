"""The administrator's tool: ``python -m server_stub COMMAND``.

Every command takes ``--data DIR`` (default ``./data`` or ``$ZSC_DATA_DIR``) and ``--db URL``
(default: SQLite in the data directory, or ``$ZSC_DATABASE_URL``); the other settings are
``ZSC_`` environment variables (``core.config``).

``migrate`` brings the database's schema up to this code's; ``serve`` does it itself on the
embedded SQLite default and, on a server database, refuses to start on a schema that is not this
code's. The administrator's other commands, run one at a time, bring the schema up as ``migrate``
does.

One module a domain: ``base``, ``platform``, ``directory``, ``demo``, ``draws``, ``publication``.
"""

from __future__ import annotations

# each module registers its commands on the group when imported
from server_stub.cli import (
    demo,  # noqa: F401
    directory,  # noqa: F401
    draws,  # noqa: F401
    platform,  # noqa: F401
    publication,  # noqa: F401
)
from server_stub.cli.base import cli, main
from server_stub.cli.demo import DEMO_PLAN_ID

__all__ = ["DEMO_PLAN_ID", "cli", "main"]
