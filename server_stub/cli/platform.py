"""Running the platform: ``serve``, ``migrate``, the administrator's token, the audit trail,
holidays, chain gaps, ``backup`` and ``restore``."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from server_stub import backup
from server_stub.cli.base import (
    acting,
    check_photo_store,
    cli,
    data_options,
    fail,
    inert_cell,
    load_settings,
    open_engine,
    parse_china_date,
    photos_option,
)
from server_stub.core import audit_trail
from server_stub.core import merkle_log as ml
from server_stub.core.admin_token import admin_token, rotate
from server_stub.core.config import DEFAULT_HOST, DEFAULT_PORT
from server_stub.core.db import make_engine, migrate, newest_revision, schema_revision
from server_stub.core.server_key import load_or_create_server_key
from server_stub.directory import queries
from server_stub.directory.csv_files import (
    decode_csv_bytes,
)
from server_stub.publication.workdays import parse_holiday_csv
from server_stub.records import ingest
from sync import describe_seqs


@cli.command()
@data_options
@photos_option
@click.option("--host", default=DEFAULT_HOST, show_default=True)
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="工作进程数（多核机器上同时同步的手机很多时使用）")
@click.option("--forwarded-allow-ips", "forwarded", default=None,
              help="信任其 X-Forwarded-For 等转发头的反向代理地址（逗号分隔；默认取环境变量 "
                   "ZSC_FORWARDED_ALLOW_IPS，未设置则不信任任何地址）。"
                   "只填本平台前面的反向代理，否则任何人都能自称任意来源地址，绕过频率限制")
def serve(data_dir: Path | None, database_url: str | None, photos: str | None, host: str,
          port: int, workers: int, forwarded: str | None) -> None:
    """启动平台服务器（默认的 SQLite 数据库先自动升级结构；其他数据库请先运行 migrate）。"""
    import uvicorn

    from server_stub.main import create_app

    settings = load_settings(data_dir, database_url, photos=photos)
    check_photo_store(settings)
    engine = make_engine(settings.database_url)
    # Migrated (or found migrated), and the server key and admin token made, once here, before
    # any worker starts: the workers only build the app.
    if settings.embedded_database:
        migrate(engine)
    else:
        current, newest = schema_revision(engine), newest_revision()
        if current != newest:
            engine.dispose()
            fail(f"数据库结构版本为 {current or '空（未建表）'}，本程序需要 {newest}："
                 "请先运行 python -m server_stub migrate（使用同样的 --db 或 ZSC_DATABASE_URL）")
    app = create_app(settings, engine)
    click.echo(f"掌上查平台：http://{host}:{port}/  （数据目录 {settings.data_dir}，{workers} 个工作进程）")
    # uvicorn trusts forwarding headers from 127.0.0.1 unless told otherwise, so a local process
    # could choose the address that rate limits and the audit trail see: trust only named proxies.
    trusted = (settings.forwarded_allow_ips if forwarded is None else forwarded).strip()
    if workers == 1:
        uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=bool(trusted),
                    forwarded_allow_ips=trusted)
        return
    engine.dispose()
    # Each worker process builds its own app with create_app(), reading these settings back
    # from the environment it inherits (--data and --db included).
    os.environ.update(settings.environment())
    uvicorn.run("server_stub.main:create_app", factory=True, workers=workers, host=host, port=port,
                log_level="warning", proxy_headers=bool(trusted), forwarded_allow_ips=trusted)


@cli.command("migrate")
@data_options
def migrate_command(data_dir: Path | None, database_url: str | None) -> None:
    """把数据库结构升级到本程序的版本（部署新版本后、启动服务器前运行；默认的 SQLite 数据库由 serve 自动升级）。"""
    settings = load_settings(data_dir, database_url)
    engine = make_engine(settings.database_url)
    try:
        before = schema_revision(engine)
        migrate(engine)
        after = schema_revision(engine)
    finally:
        engine.dispose()
    if before == after:
        click.echo(f"数据库结构已是最新版本（{after}），无需升级。")
    else:
        click.echo(f"数据库结构已从 {before or '空数据库'} 升级到 {after}。")


@cli.command("admin-token")
@data_options
@click.option("--new", "new", is_flag=True,
              help="生成新的随机管理员令牌，替换数据目录中保存的令牌并打印它（轮换令牌：旧令牌作废，"
                   "运行中的服务器重启后才使用新令牌）")
def admin_token_command(data_dir: Path | None, database_url: str | None, new: bool) -> None:
    """打印管理员令牌（调用创建计划、抽取等管理接口时使用）。"""
    if not new:
        settings = load_settings(data_dir, database_url)
        click.echo(admin_token(settings.data_dir, settings.admin_token_value))
        return
    # Not refused for a bad ZSC_ADMIN_TOKEN: this is what its message tells the administrator to run.
    settings = load_settings(data_dir, database_url, check_admin_token=False)
    click.echo(rotate(settings.data_dir))
    click.echo(f"新的管理员令牌已存入 {settings.data_dir / 'admin_token'}（仅所有者可读）；"
               "运行中的服务器须重启后才使用它", err=True)
    if settings.admin_token is not None:
        click.echo("注意：已设置 ZSC_ADMIN_TOKEN，平台使用该变量而不是数据目录中的令牌："
                   "请把它改为上面的新令牌，或取消该变量", err=True)


@cli.command("chain-gaps")
@data_options
def chain_gaps(data_dir: Path | None, database_url: str | None) -> None:
    """列出记录链有缺号的设备（缺号的记录可能在手机上被删除，或尚未上传）。"""
    _, engine = open_engine(data_dir, database_url)
    with engine.begin() as conn:
        gaps = ingest.chain_gaps(conn)
    if not gaps:
        click.echo("所有设备的记录链都连续，没有缺号。")
        return
    click.echo("设备编号\t执法检查人员\t缺号")
    for device in gaps:
        missing = "、".join(describe_seqs(range(first, last + 1)) for first, last in device["gaps"])
        click.echo(f"{device['device_id']}\t{device['inspector_id']}\t{missing}")


@cli.command("load-holidays")
@data_options
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def load_holidays(data_dir: Path | None, database_url: str | None, path: Path) -> None:
    """导入国务院办公厅节假日安排（CSV：日期,类型[,名称]；类型为“放假”或“上班”），
    用于 chinese-calendar 尚未收录年份的公示期限计算。"""
    try:
        days = parse_holiday_csv(decode_csv_bytes(path.read_bytes()))
    except ValueError as e:
        fail(f"节假日文件有误，未导入：{e}")
    settings, engine = open_engine(data_dir, database_url)
    with acting(settings, engine) as (conn, actor):
        queries.save_holidays(conn, days=days, actor=actor)
    years = "、".join(str(y) for y in sorted({d.year for d in days}))
    click.echo(f"已导入 {len(days)} 天的节假日安排（{years}年）。")


@cli.group()
def audit() -> None:
    """全过程留痕：每项管理操作的不可改写的记录。"""


@audit.command("list")
@data_options
@click.option("--kind", type=click.Choice([k.value for k in audit_trail.ActKind]), default=None,
              help="操作类型")
@click.option("--object", "object_id", default=None, help="操作对象（统一社会信用代码、计划编号、记录编号等）")
@click.option("--person", default=None, help="操作人（admin:令牌指纹、审核人的人员编号，或 用户@主机）")
@click.option("--since", default=None, help="起始日期 YYYY-MM-DD（北京时间，含当日）")
@click.option("--until", default=None, help="截止日期 YYYY-MM-DD（北京时间，含当日）")
@click.option("--limit", default=1000, show_default=True, type=click.IntRange(1, 1_000_000))
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="导出为 CSV（UTF-8 带 BOM；单元格不会被表格软件当作公式）")
def audit_list(data_dir: Path | None, database_url: str | None, kind: str | None,
               object_id: str | None, person: str | None, since: str | None, until: str | None,
               limit: int, csv_path: Path | None) -> None:
    """列出（或导出）全过程留痕记录，按操作类型、对象、操作人和日期筛选，先后为序。"""
    query = audit_trail.Query(None if kind is None else audit_trail.ActKind(kind), object_id,
                              person, parse_china_date(since, "--since"), parse_china_date(until, "--until"),
                              limit=limit)
    _, engine = open_engine(data_dir, database_url)
    with engine.begin() as conn:
        entries = audit_trail.search(conn, query)
    if csv_path is not None:
        csv_path.write_text("\ufeff" + audit_trail.csv_export(entries), encoding="utf-8",
                            newline="")
        click.echo(f"已导出 {len(entries)} 条到 {csv_path}。")
        return
    for e in entries:
        changes = json.dumps({"before": e["before"], "after": e["after"]}, ensure_ascii=False,
                             sort_keys=True)
        label = audit_trail.KIND_LABELS[audit_trail.ActKind(e["kind"])]
        shown = (inert_cell(e["object"]), inert_cell(e["actor"]["person"]), inert_cell(e["origin"]))
        click.echo("\t".join((str(e["index"]), e["at"], label, *shown, changes)))
    click.echo(f"共 {len(entries)} 条。")


@audit.command("verify")
@data_options
def audit_verify(data_dir: Path | None, database_url: str | None) -> None:
    """从全部条目重新核对全过程留痕：每条的哈希、编号连续、每个签名树头、索引。"""
    settings, engine = open_engine(data_dir, database_url)
    key = load_or_create_server_key(settings.data_dir)
    with engine.begin() as conn:
        problems = audit_trail.verify(conn, key)
        size = ml.size_of(conn, ml.Log.AUDIT)
        head = ml.latest_head(conn, ml.Log.AUDIT)
    for problem in problems:
        click.echo(f"✗ {problem}")
    if problems:
        fail(f"核对不通过：{len(problems)} 处问题。")
    signed = f"，最新签名树头 {head['size']} 条，树根 {head['root']}" if head else ""
    click.echo(f"核对通过：共 {size} 条{signed}。")


@cli.command("backup")
@data_options
@photos_option
@click.argument("dest", type=click.Path(path_type=Path))
@click.option("--keys", "keys_dest", default=None, type=click.Path(path_type=Path),
              help="把服务器密钥和管理员令牌写到这个（新的）目录，与数据分开保存（默认：DEST/keys）")
@click.option("--no-keys", is_flag=True, help="不备份服务器密钥和管理员令牌")
def backup_command(data_dir: Path | None, database_url: str | None, photos: str | None,
                   dest: Path, keys_dest: Path | None, no_keys: bool) -> None:
    """平台运行中做一致的备份：数据库（SQLite 在线备份，PostgreSQL 用 pg_dump）、照片（数据目录或对象存储中的）、密钥和清单。"""
    settings = load_settings(data_dir, database_url, photos=photos)
    try:
        done = backup.backup(settings, dest, keys_dest=keys_dest, with_keys=not no_keys)
    except backup.BackupError as e:
        fail(f"备份失败：{e}")
        return
    for skipped in done.skipped:
        click.echo(f"⚠ 未备份 {skipped}")
    for log, state in done.logs.items():
        click.echo(f"{backup.LOG_NAMES[log]}：{state['size']} 条，树根 {state['root']}")
    if done.keys_at is not None:
        click.echo(f"服务器密钥和管理员令牌在 {done.keys_at}：请与数据分开保存（见 README「Backups」）。")
    else:
        click.echo("本备份不含服务器密钥：恢复时请另行提供（restore --keys DIR）。")
    click.echo(f"备份完成：{done.dest}（{done.files} 个文件，{done.bytes} 字节）")


@cli.command("restore")
@data_options
@photos_option
@click.argument("src", type=click.Path(path_type=Path))
@click.option("--keys", "keys_src", default=None, type=click.Path(path_type=Path),
              help="另行保存的密钥目录（backup --keys 写出的）")
@click.option("--known-head", "known_heads", multiple=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="公众或见证人已持有的签名树头（JSON，如 /api/v1/log/publication/head 所给），可多次给出")
def restore_command(data_dir: Path | None, database_url: str | None, photos: str | None,
                    src: Path, keys_src: Path | None, known_heads: tuple[Path, ...]) -> None:
    """核对备份与清单后恢复到空的数据目录（和空数据库；照片放回数据目录或对象存储），再核对两份日志并报告其大小和树根。"""
    settings = load_settings(data_dir, database_url, photos=photos)
    try:
        done = backup.restore(settings, src, keys_src=keys_src, known_heads=known_heads)
    except backup.BackupError as e:
        fail(f"恢复失败：{e}")
        return
    click.echo(f"已恢复 {done.manifest['made_at']} 的备份到 {settings.data_dir}。")
    if not done.key_restored:
        click.echo("⚠ 备份中没有服务器密钥：已按备份清单中的公钥核对。请把另行保存的密钥放回 "
                   f"{settings.data_dir / 'server_key'} 后再启动平台；否则平台会生成新密钥，"
                   "此前签发的亮码和树头都不再能用新公钥核验。")
    for log in done.logs:
        mark = "✗" if log.problems else "✓"
        click.echo(f"{mark} {backup.LOG_NAMES[log.log]}：{log.size} 条，树根 {log.root}")
        for problem in log.problems:
            click.echo(f"  ✗ {problem}")
        for warning in log.warnings:
            click.echo(f"  ⚠ {warning}")
    for problem in done.problems:
        click.echo(f"✗ {problem}")
    if not done.sound:
        fail("恢复后的核对不通过。")
    click.echo("核对通过。")
