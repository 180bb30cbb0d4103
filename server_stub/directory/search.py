"""信息查询: the directory searched by name or credit code from an inspector's phone (issue 18).

What an enterprise registered (name, code, address, region, industry, status), never its risk
grade. The query is bounded before it reaches the database: at most ``MAX_QUERY`` characters, its
``%`` and ``_`` taken literally, pages of ``PAGE_SIZE`` up to ``MAX_PAGE`` (nobody reads further
on a phone; a narrower query does better). A page beyond the end is empty, not an error.
"""

from __future__ import annotations

import unicodedata
from typing import Any

import sqlalchemy as sa

from server_stub.core import tables as t
from server_stub.core.errors import Invalid, Malformed, NotFound
from sync import credit_code_problem

PAGE_SIZE = 20
MAX_PAGE = 50
MAX_QUERY = 60
CODE_LENGTH = 18
_CODE_CHARACTERS = frozenset("0123456789ABCDEFGHJKLMNPQRTUWXY")


def normalise_query(text: str) -> str:
    """The query as searched: trimmed, inner runs of white space made one space; 400 when empty,
    longer than ``MAX_QUERY`` or holding a control character; 422 when it is a whole credit code whose check character is wrong
    (no enterprise can have it, and the phone says which character is wrong as it is typed)."""
    query = " ".join(text.split())
    if not query:
        raise Malformed("bad_query", "请输入企业名称或统一社会信用代码")
    if len(query) > MAX_QUERY:
        raise Malformed("bad_query", f"查询内容过长（最多{MAX_QUERY}个字符）")
    if any(unicodedata.category(c) == "Cc" for c in query):
        # A NUL ends SQLite's LIKE pattern early (it matched everything); PostgreSQL refuses it.
        raise Malformed("bad_query", "查询内容含有控制字符，请只输入企业名称或统一社会信用代码")
    if len(query) == CODE_LENGTH and looks_like_code(query):
        problem = credit_code_problem(query.upper())
        if problem is not None:
            raise Invalid("invalid_credit_code", problem)
    return query


def looks_like_code(query: str) -> bool:
    """Whether ``query`` could be (part of) a credit code: only the code's characters, a digit
    among them (a name made of Latin capitals alone is searched as a name)."""
    upper = query.upper()
    return set(upper) <= _CODE_CHARACTERS and any(c.isdigit() for c in upper)


def _like(text: str) -> str:
    """``text`` as a literal inside a LIKE pattern (escape character ``\\``)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_entities(conn: sa.Connection, text: str, page: int) -> tuple[list[dict[str, Any]], bool]:
    """One page of entities whose name contains the query or whose credit code contains it (a
    code-like query), prefix matches first; and whether there is a next page."""
    query = normalise_query(text)
    e = t.entities
    name_prefix = e.c.name.like(_like(query) + "%", escape="\\")
    matches = [e.c.name.like("%" + _like(query) + "%", escape="\\")]
    prefix: sa.ColumnElement[bool] = name_prefix
    if looks_like_code(query):
        code = query.upper()
        # upper(): the expression of the code's trigram index (migration 0029), the same text
        code_text = sa.func.upper(e.c.credit_code)
        matches.append(code_text.like("%" + _like(code) + "%", escape="\\"))
        prefix = sa.or_(name_prefix, code_text.like(_like(code) + "%", escape="\\"))
    rows = conn.execute(
        sa.select(e.c.credit_code, e.c.name, e.c.address, e.c.region, e.c.industry, e.c.status)
        .where(sa.or_(*matches))
        .order_by(sa.case((prefix, 0), else_=1), e.c.name, e.c.credit_code)
        .limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)
    ).mappings().all()
    return [dict(row) for row in rows[:PAGE_SIZE]], len(rows) > PAGE_SIZE


def entity_details(conn: sa.Connection, credit_code: str) -> dict[str, Any]:
    """The registered details of one entity; 404 for a code not in the directory (a malformed
    code is answered the same way: nothing is there)."""
    e = t.entities
    row = conn.execute(
        sa.select(e.c.credit_code, e.c.name, e.c.address, e.c.region, e.c.industry, e.c.status)
        .where(e.c.credit_code == credit_code.upper())
    ).mappings().first()
    if row is None:
        raise NotFound("entity_not_found", "名录库中没有该统一社会信用代码的企业")
    return dict(row)
