"""Moving a test database between schema revisions with Alembic, one transaction a step (the
migration tests take a database to an old revision, put rows in, and go on from there)."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from server_stub.core.db import MIGRATIONS


def migrate_to(engine: sa.Engine, revision: str,
            step: Callable[[Config, str], None] = command.upgrade) -> None:
    """``step`` (``command.upgrade`` or ``command.downgrade``) to ``revision`` on ``engine``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        step(config, revision)
