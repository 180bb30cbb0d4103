"""Trigram indexes for the searches by a part of a name or credit code, on PostgreSQL (issue 29
point 4).

The public 查询 page and the inspector's 信息查询 look for names that contain what was typed
(``LIKE '%…%'``), which no B-tree helps: at a province's size (1 M entities) each such search read
every name, 0.3 s on PostgreSQL. ``pg_trgm``'s GIN indexes answer it from the index.

Both are optional, and a database without them is still right, only slower: the extension ships
with PostgreSQL (``contrib``) but a server may lack it, or the platform's role may not be
allowed to create it; and a database whose character type does not count Chinese characters as
letters (``LC_CTYPE`` C, say) makes no trigrams of a Chinese name, so the name's index would
never be used and is not built (the credit code's, ASCII, still is). SQLite has none of this.

Revision ID: 0027
Revises: 0023
"""

import logging

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0023"

log = logging.getLogger(__name__)

# (index, column); the names end in _trgm: tests/server_stub/test_migrations.py leaves them out
# of its comparison with tables.py, which cannot describe an index that may be absent.
NAME_INDEX = ("ix_entities_name_trgm", "name")
CODE_INDEX = ("ix_entities_credit_code_trgm", "credit_code")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    try:
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError as e:
        log.warning("pg_trgm 不可用，按名称片段查询将逐行比对（较慢）：%s", e.orig)
        return
    indexes = [CODE_INDEX]
    if bind.execute(sa.text("SELECT coalesce(array_length(show_trgm('检查'), 1), 0)")).scalar_one():
        indexes.append(NAME_INDEX)
    else:
        log.warning("数据库的字符类型（LC_CTYPE）不把汉字视为文字：不建企业名称的三元组索引")
    for index, column in indexes:
        op.execute(f"CREATE INDEX IF NOT EXISTS {index} ON entities USING gin ({column} gin_trgm_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for index, _ in (NAME_INDEX, CODE_INDEX):
        op.execute(f"DROP INDEX IF EXISTS {index}")
