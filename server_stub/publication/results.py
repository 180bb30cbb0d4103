"""Published results (公示), newest first and searchable: the ``/results`` list.

Built on ``announcements.public_results``, the one public form of a result; the total of an
unfiltered list comes from the maintained aggregates (issue 29 point 4).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from server_stub.publication.announcements import (
    count_results,
    matching,
    public_results,
    published_counts,
)

PAGE_SIZE = 50


def published_results(conn: sa.Connection, *, page: int = 1, query: str = "") -> tuple[list[dict[str, Any]], int]:
    """One page of published results, newest first, and the total count; ``query`` matches the
    entity's name or credit code."""
    where = [matching(query)] if query else []
    rows = public_results(conn, *where, newest_first=True, limit=PAGE_SIZE,
                          offset=(max(page, 1) - 1) * PAGE_SIZE)
    return rows, count_results(conn, *where) if query else all_results(conn)


def all_results(conn: sa.Connection) -> int:
    """How many results ``/results`` lists without a search (``announcements.published_counts``):
    what ``count_results()`` counts row by row, without reading every published result."""
    return sum(published_counts(conn).values())
