"""The SELECTs a piece of code runs, caught as the driver gets them, so that a test can ask the
database for each one's plan (tests/server_stub/test_public_plans.py, test_name_trigrams.py)."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa


def selects_run(engine: sa.Engine, call: Callable[[sa.Connection], object],
                table: str) -> list[tuple[str, object]]:
    """(statement, parameters) of every SELECT naming ``table`` that ``call`` runs, in order."""
    seen: list[tuple[str, object]] = []

    def catch(_conn: object, _cursor: object, statement: str, parameters: object, *_: object) -> None:
        if statement.lstrip().upper().startswith("SELECT") and table in statement:
            seen.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", catch)
    try:
        with engine.connect() as conn:
            call(conn)
    finally:
        sa.event.remove(engine, "before_cursor_execute", catch)
    return seen
