"""The ``cli`` group and what every command shares: ``--data``/``--db``, settings, the acting
transaction, the process entry point, small parsers and printers."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa

from server_stub.core import audit_trail
from server_stub.core.audit_trail import Actor
from server_stub.core.config import Settings
from server_stub.core.db import make_engine, migrate
from server_stub.core.errors import Unavailable
from server_stub.core.server_key import load_or_create_server_key
from server_stub.records.photo_store import S3PhotoStore, open_photo_store


def data_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The ``--data`` and ``--db`` options every command shares."""
    func = click.option("--db", "database_url", default=None, metavar="URL",
                        help="数据库地址（默认：数据目录中的 SQLite 文件）")(func)
    return click.option("--data", "data_dir", default=None, type=click.Path(path_type=Path),
                        help="数据目录（默认 ./data）")(func)


def photos_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--photos``: where the photos are, for the commands that read or write them."""
    return click.option("--photos", "photos", default=None, metavar="s3://BUCKET[/PREFIX]",
                        help="照片存储：S3 兼容对象存储的存储桶（默认取环境变量 ZSC_PHOTOS，"
                             "未设置则存于数据目录的 photos/；地址和凭据见 README「Running at scale」）")(func)


def load_settings(data_dir: Path | None, database_url: str | None, *,
                  check_admin_token: bool = True, photos: str | None = None) -> Settings:
    """The settings, or a one-line error (not a traceback) naming the malformed variable."""
    try:
        return Settings.from_env(data_dir, database_url, check_admin_token=check_admin_token,
                                 photos=photos)
    except ValueError as e:
        raise click.ClickException(str(e)) from None


def open_engine(data_dir: Path | None, database_url: str | None) -> tuple[Settings, sa.Engine]:
    settings = load_settings(data_dir, database_url)
    engine = make_engine(settings.database_url)
    migrate(engine)
    return settings, engine


@contextmanager
def acting(settings: Settings, engine: sa.Engine) -> Iterator[tuple[sa.Connection, Actor]]:
    """The transaction of a command that acts: its acts are recorded in the audit trail in the
    name of the host's user, and the trail's head is signed before it commits."""
    with engine.begin() as conn:
        yield conn, Actor.on_host()
        audit_trail.seal(conn, load_or_create_server_key(settings.data_dir))


PRIVATE_UMASK = 0o077


"""What the platform's process creates is its owner's only: files 0600, directories 0700."""


def main(prog_name: str | None = None) -> None:
    """The process entry point (``python -m server_stub``, ``zhangshangcha-server``).

    The umask is set here, once for everything the server and the commands write: the data
    directory, the SQLite file and its -wal and -shm, photos and their directories, exports
    (they hold the directories or risk grades). Keys and tokens are also created 0600 explicitly.
    Not in ``cli`` itself: tests invoke that in their own process, whose umask is not ours to set.
    """
    os.umask(PRIVATE_UMASK)
    cli(prog_name=prog_name)


@click.group()
def cli() -> None:
    """掌上查平台（双随机、一公开监管平台的替身）管理工具。"""


def check_photo_store(settings: Settings) -> None:
    """An object store that cannot be used (no such bucket, wrong credentials, not running)
    stops ``serve`` with a message, instead of every upload answering 503."""
    store = open_photo_store(settings)
    if isinstance(store, S3PhotoStore):
        try:
            store.check()
        except Unavailable:
            fail(f"无法使用照片存储 {store.location}：请检查它是否在运行、存储桶是否存在，以及 "
                 "ZSC_S3_ENDPOINT_URL / ZSC_S3_ACCESS_KEY_ID / ZSC_S3_SECRET_ACCESS_KEY（或 AWS_*）")


def fail(message: str) -> None:
    """Print a Chinese error message and exit with status 1."""
    click.echo(message, err=True)
    sys.exit(1)


def parse_china_date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("日期格式应为 YYYY-MM-DD", param_hint=option) from None


def inert_cell(text: str) -> str:
    """``text`` with control characters escaped as JSON escapes them: a value someone imported
    must not drive the administrator's terminal (or fake a line of the listing)."""
    return json.dumps(text, ensure_ascii=False)[1:-1]


def parse_day(value: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"{option} 应为日期 YYYY-MM-DD（收到「{value}」）")
        raise


def percent_text(rate: float | None) -> str:
    """0.6 → "60%"; "—" for a rate of nothing."""
    if rate is None:
        return "—"
    value = round(rate * 100, 1)
    return f"{value:.0f}%" if value == int(value) else f"{value:.1f}%"
