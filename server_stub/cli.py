"""The administrator's tool: ``python -m server_stub COMMAND``.

Every command takes ``--data DIR`` (default ``./data`` or ``$ZSC_DATA_DIR``) and ``--db URL``
(default: SQLite in the data directory, or ``$ZSC_DATABASE_URL``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa

from . import queries
from .config import DEFAULT_HOST, DEFAULT_PORT, Settings
from .db import make_engine, migrate
from .demo_data import generate
from .directory_csv import KINDS, CsvImportError, read_csv, write_csv

_SAVERS: dict[str, Callable[..., int]] = {
    "items": lambda conn, objs: queries.save_items(conn, items=objs),
    "entities": lambda conn, objs: queries.save_entities(conn, entities=objs),
    "inspectors": lambda conn, objs: queries.save_inspectors(conn, inspectors=objs),
}
_LOADERS: dict[str, Callable[[sa.Connection], list[Any]]] = {
    "items": lambda conn: queries.load_items(conn),
    "entities": queries.load_entities,
    "inspectors": queries.load_inspectors,
}


def data_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The ``--data`` and ``--db`` options every command shares."""
    func = click.option("--db", "database_url", default=None, metavar="URL",
                        help="数据库地址（默认：数据目录中的 SQLite 文件）")(func)
    return click.option("--data", "data_dir", default=None, type=click.Path(path_type=Path),
                        help="数据目录（默认 ./data）")(func)


def open_engine(data_dir: Path | None, database_url: str | None) -> tuple[Settings, sa.Engine]:
    settings = Settings.from_env(data_dir, database_url)
    engine = make_engine(settings.database_url)
    migrate(engine)
    return settings, engine


@click.group()
def cli() -> None:
    """掌上查平台（双随机、一公开监管平台的替身）管理工具。"""


@cli.command()
@data_options
@click.option("--host", default=DEFAULT_HOST, show_default=True)
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=int)
def serve(data_dir: Path | None, database_url: str | None, host: str, port: int) -> None:
    """启动平台服务器。"""
    import uvicorn

    from .main import create_app

    settings = Settings.from_env(data_dir, database_url)
    click.echo(f"掌上查平台：http://{host}:{port}/  （数据目录 {settings.data_dir}）")
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")


@cli.command("seed-demo")
@data_options
@click.option("--entities", default=2000, show_default=True, help="检查对象户数")
@click.option("--seed", default=2026, show_default=True, help="随机种子（同一种子生成相同数据）")
@click.option("--if-empty", is_flag=True, help="名录库已有数据时什么也不做")
def seed_demo(data_dir: Path | None, database_url: str | None, entities: int, seed: int,
              if_empty: bool) -> None:
    """生成威海市演示数据（抽查事项清单、检查对象名录库、执法检查人员名录库）。"""
    _, engine = open_engine(data_dir, database_url)
    with engine.begin() as conn:
        if if_empty and queries.directory_counts(conn)["entities"] > 0:
            click.echo("名录库已有数据，未生成演示数据。")
            return
        demo = generate(entities=entities, seed=seed)
        queries.save_items(conn, items=demo.items)
        queries.save_entities(conn, entities=demo.entities)
        queries.save_inspectors(conn, inspectors=demo.inspectors)
    click.echo(
        f"已生成演示数据：抽查事项 {len(demo.items)} 项，检查对象 {len(demo.entities)} 户，"
        f"执法检查人员 {len(demo.inspectors)} 人。"
    )


@cli.command("import")
@data_options
@click.argument("kind", type=click.Choice(sorted(KINDS)))
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_(data_dir: Path | None, database_url: str | None, kind: str, path: Path) -> None:
    """从 CSV 导入（新增或更新）抽查事项清单或名录库；有任何错误则全部不导入。"""
    try:
        objects = read_csv(KINDS[kind], path)  # type: ignore[arg-type]
    except CsvImportError as e:
        click.echo(str(e), err=True)
        sys.exit(1)
    except UnicodeDecodeError:
        click.echo("文件编码无法识别，请另存为“CSV UTF-8（逗号分隔）”后重试。", err=True)
        sys.exit(1)
    _, engine = open_engine(data_dir, database_url)
    with engine.begin() as conn:
        count = _SAVERS[kind](conn, objects)
    click.echo(f"已导入{KINDS[kind].name} {count} 条。")


@cli.command("export")
@data_options
@click.argument("kind", type=click.Choice(sorted(KINDS)))
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def export(data_dir: Path | None, database_url: str | None, kind: str, path: Path) -> None:
    """把抽查事项清单或名录库导出为 CSV（UTF-8 带 BOM，可直接用 Excel 打开）。"""
    _, engine = open_engine(data_dir, database_url)
    with engine.begin() as conn:
        objects = _LOADERS[kind](conn)
    write_csv(KINDS[kind], objects, path)  # type: ignore[arg-type]
    click.echo(f"已导出{KINDS[kind].name} {len(objects)} 条到 {path}。")
