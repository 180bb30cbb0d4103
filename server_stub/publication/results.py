"""Published results (公示), newest first and searchable: the ``/results`` list.

Built on ``announcements.public_results``, the one public form of a result; the total of an
unfiltered list comes from the maintained aggregates (issue 29 point 4).

A page is found in two steps: the keys of its rows (publication time, draw order, id), read
along an index in that order that SQLite is told to use (``core.db.indexed_by``), then the
page's few rows with everything the public sees. Numbered pages go to :data:`MAX_PAGE`, each
skipping the rows before it; past that, and cheaply at any depth, a page follows the one before
it: ``before`` is the :class:`Cursor` of that page's last row (``next`` of its answer), so the
database starts where that page ended instead of counting its way there.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, NamedTuple

import sqlalchemy as sa

from server_stub.core import tables as t
from server_stub.core.clock import as_utc
from server_stub.core.db import indexed_by
from server_stub.core.errors import Malformed
from server_stub.publication.announcements import (
    BY_CREDIT_CODE,
    RECORDS_KEY,
    count_results,
    matching,
    public_now,
    public_results,
    published_counts,
)

PAGE_SIZE = 50
MAX_PAGE = 50
"""The last numbered page: the first 2,500 results (as the inspectors' directory search stops at
page 50). Page n skips the (n − 1) × 50 rows before it, an index step and two lookups each
(page 100 took 0.24 s on SQLite at 1 M records and on PostgreSQL at 10 M); further on, a page
follows a cursor, which costs the same at any depth."""

BY_PUBLICATION = "ix_records_published_order"

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MAX_MICROS = int((dt.datetime(9999, 12, 31, tzinfo=dt.UTC) - _EPOCH) / dt.timedelta(microseconds=1))
_CURSOR = re.compile(r"([0-9]{1,16})\.([0-9]{1,10})\.([\x21-\x7e]{1,36})")
BAD_CURSOR = "翻页位置无效（before 参数有误或已损坏）：请回到第一页重新浏览"


class Cursor(NamedTuple):
    """Where a page of ``/results`` ended: its last row's keys in the list's order (publication
    time newest first, then draw order, then id). Written ``<µs since 1970>.<draw order>.<id>``."""

    published_at: dt.datetime
    draw_order: int
    record_id: str

    def text(self) -> str:
        micros = (as_utc(self.published_at) - _EPOCH) // dt.timedelta(microseconds=1)
        return f"{micros}.{self.draw_order}.{self.record_id}"

    @classmethod
    def parse(cls, text: str) -> Cursor:
        """The cursor ``text`` writes; 400 (``bad_cursor``) for anything else, so a made-up or
        cut-off link is a clear answer, never a database error."""
        found = _CURSOR.fullmatch(text)
        if found is None or int(found[1]) > _MAX_MICROS or int(found[2]) > 2**31 - 1:
            raise Malformed("bad_cursor", BAD_CURSOR)
        return cls(_EPOCH + dt.timedelta(microseconds=int(found[1])), int(found[2]), found[3])


class Listing(NamedTuple):
    """One page of ``/results``: its rows, how many the whole list (or search) has, and the
    cursor of the page after it (None on the last)."""

    rows: list[dict[str, Any]]
    total: int
    next: str | None


def published_results(conn: sa.Connection, *, page: int = 1, query: str = "",
                      before: str | None = None) -> Listing:
    """One page of published results, newest first: page ``page``, or with ``before`` the page
    after the one that cursor ended; ``query`` matches the entity's name or credit code."""
    if page > MAX_PAGE:
        raise Malformed("page_too_deep", f"页码最多为 {MAX_PAGE}（即前 {MAX_PAGE * PAGE_SIZE} 条）：请输入企业名称或"
                                         f"统一社会信用代码缩小范围，或在第 {MAX_PAGE} 页点“下一页”继续往后看")
    after = Cursor.parse(before) if before is not None else None
    if after is not None and page > 1:
        raise Malformed("page_and_cursor", "page 与 before 不能同时使用：before 已指明从哪一条之后继续")
    keys = _serially(conn, page_keys(query, after, limit=PAGE_SIZE + 1,
                                           offset=(max(page, 1) - 1) * PAGE_SIZE))
    shown = keys[:PAGE_SIZE]
    keyed = indexed_by(t.records, RECORDS_KEY)  # the page's rows by id, whatever SQLite's statistics say
    rows = public_results(conn, keyed.c.id.in_([k.id for k in shown]), newest_first=True, r=keyed) if shown else []
    following = Cursor(shown[-1].published_at, shown[-1].draw_order, shown[-1].id).text() \
        if len(keys) > PAGE_SIZE else None
    if query:
        searched = indexed_by(t.records, BY_CREDIT_CODE)
        total = count_results(conn, matching(query, searched), r=searched)
    else:
        total = all_results(conn)
    return Listing(rows, total, following)


def _serially(conn: sa.Connection, statement: sa.Select[Any]) -> list[sa.Row[Any]]:
    """``statement``'s rows, on PostgreSQL without parallel workers: for the first rows of an
    index walk it planned a Gather Merge whose workers took 50 ms to start on a busy machine,
    five times the walk (page 1 57 → 9 ms, page 50 131 → 42 ms at 10 M records). The setting
    is this transaction's and is put back at once (an error rolls it back with the rest)."""
    if conn.dialect.name != "postgresql":
        return list(conn.execute(statement).all())
    conn.execute(sa.text("SET LOCAL max_parallel_workers_per_gather = 0"))
    rows = list(conn.execute(statement).all())
    conn.execute(sa.text("SET LOCAL max_parallel_workers_per_gather TO DEFAULT"))
    return rows


def page_keys(query: str, after: Cursor | None, *, limit: int, offset: int = 0) -> sa.Select[Any]:
    """The keys (id, publication time, draw order) of ``limit`` rows of the list in its order,
    from ``offset`` or from after ``after``: a search reads its entities' records by credit code,
    the whole list reads ``ix_records_published_order`` (the unpublished, whose time is NULL,
    never met). After a cursor the whole list reads two ranges of that index, the rest of the
    cursor's publication and the older ones, and sorts the at most 2 × ``limit`` rows they give:
    no range of one index holds "this time, later draw orders; or an earlier time" at once, and
    one condition saying so made the database read and sort every row of that publication
    (15,000 at 10 M records, 0.32 s)."""
    r = indexed_by(t.records, BY_CREDIT_CODE if query else BY_PUBLICATION)
    where = [*public_now(r), r.c.published_at.is_not(None), *([matching(query, r)] if query else [])]

    def keys(*condition: sa.ColumnElement[bool]) -> sa.Select[Any]:
        return (sa.select(r.c.id, r.c.published_at, r.c.draw_order).where(*where, *condition)
                .order_by(r.c.published_at.desc(), r.c.draw_order, r.c.id).limit(limit))

    if after is None:
        return keys().offset(offset)
    at = after.published_at
    later_in_batch = sa.and_(r.c.published_at == at, sa.tuple_(r.c.draw_order, r.c.id)
                             > sa.tuple_(sa.literal(after.draw_order), sa.literal(after.record_id)))
    if query:  # a search's few rows: one pass
        return keys(r.c.published_at <= at, sa.or_(r.c.published_at < at, later_in_batch))
    both = sa.union_all(sa.select(keys(later_in_batch).subquery()),
                        sa.select(keys(r.c.published_at < at).subquery())).subquery()
    return (sa.select(both.c.id, both.c.published_at, both.c.draw_order)
            .order_by(both.c.published_at.desc(), both.c.draw_order, both.c.id).limit(limit))


def all_results(conn: sa.Connection) -> int:
    """How many results ``/results`` lists without a search (``announcements.published_counts``):
    what ``count_results()`` counts row by row, without reading every published result."""
    return sum(published_counts(conn).values())
