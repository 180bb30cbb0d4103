"""The administrator's tool: ``python -m server_stub COMMAND``.

Every command takes ``--data DIR`` (default ``./data`` or ``$ZSC_DATA_DIR``) and ``--db URL``
(default: SQLite in the data directory, or ``$ZSC_DATABASE_URL``); the other settings are
``ZSC_`` environment variables (``core.config``).

``migrate`` brings the database's schema up to this code's; ``serve`` does it itself on the
embedded SQLite default and, on a server database, refuses to start on a schema that is not this
code's. The administrator's other commands, run one at a time, bring the schema up as ``migrate``
does.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import random
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import click
import qrcode
import sqlalchemy as sa
from qrcode.constants import ERROR_CORRECT_M

from server_stub import backup
from server_stub.core import audit_trail
from server_stub.core import merkle_log as ml
from server_stub.core.admin_token import admin_token, rotate
from server_stub.core.audit_trail import Actor
from server_stub.core.clock import now
from server_stub.core.config import DEFAULT_HOST, DEFAULT_PORT, Settings
from server_stub.core.db import make_engine, migrate, newest_revision, schema_revision
from server_stub.core.errors import DomainError, Unavailable
from server_stub.core.server_key import load_or_create_server_key
from server_stub.demo_history import add_demo_history
from server_stub.demo_year import YEAR_MIN_ENTITIES, add_demo_year
from server_stub.directory import queries
from server_stub.directory.csv_files import (
    KINDS,
    CsvImportError,
    decode_csv_bytes,
    read_csv,
    write_csv,
)
from server_stub.directory.demo import SAMR, generate
from server_stub.draws import partners, planning, sandbox, triggers
from server_stub.draws.audit import compare_with_publication, verify_export
from server_stub.draws.ceremony import MIN_DICE_DIGITS, CeremonyError, EntropySpec, PublicValueSpec
from server_stub.draws.export_file import write_export
from server_stub.draws.population import EXEMPTABLE_KINDS, INSPECTION_KINDS, RANDOM_KIND, YearlyCap
from server_stub.field import devices
from server_stub.field.enrollment import enroll_uri, issue_code
from server_stub.publication import province, ratio_advice, year_overview
from server_stub.publication.workdays import parse_holiday_csv
from server_stub.records import ingest
from server_stub.records.photo_store import S3PhotoStore, open_photo_store
from sync import Plan, PlanLevel, RiskGrade, Role, describe_seqs, role_label

_SAVERS: dict[str, Callable[..., int]] = {
    "items": lambda conn, objs, actor: queries.save_items(conn, items=objs, actor=actor),
    "entities": lambda conn, objs, actor: queries.save_entities(conn, entities=objs, actor=actor),
    "inspectors": lambda conn, objs, actor: queries.save_inspectors(conn, inspectors=objs,
                                                                    actor=actor),
    "departments": lambda conn, objs, actor: queries.save_departments(conn, departments=objs,
                                                                      actor=actor),
}
_LOADERS: dict[str, Callable[[sa.Connection], list[Any]]] = {
    "items": lambda conn: queries.load_items(conn),
    "entities": queries.load_entities,
    "inspectors": queries.load_inspectors,
    "departments": queries.load_departments,
}


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
    _check_photo_store(settings)
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


def _check_photo_store(settings: Settings) -> None:
    """An object store that cannot be used (no such bucket, wrong credentials, not running)
    stops ``serve`` with a message, instead of every upload answering 503."""
    store = open_photo_store(settings)
    if isinstance(store, S3PhotoStore):
        try:
            store.check()
        except Unavailable:
            fail(f"无法使用照片存储 {store.location}：请检查它是否在运行、存储桶是否存在，以及 "
                 "ZSC_S3_ENDPOINT_URL / ZSC_S3_ACCESS_KEY_ID / ZSC_S3_SECRET_ACCESS_KEY（或 AWS_*）")


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


@cli.command("seed-demo")
@data_options
@click.option("--entities", default=2000, show_default=True, help="检查对象户数")
@click.option("--seed", default=2026, show_default=True,
              help="随机种子：同一种子生成相同的名录和相同的演示抽取结果（演示用骰子点数、计划密钥均由它得出）")
@click.option("--if-empty", is_flag=True, help="名录库已有数据时不再生成")
@click.option("--history/--no-history", default=True, show_default=True,
              help="为演示检查人员的部分检查对象生成往年检查结果（显示各类风险预警）")
@click.option("--year/--no-year", default=True, show_default=True,
              help="生成本年度的部门名录、县级人员、专业技术人员、联合抽查、市抽县查、沙盒和触发式抽查")
def seed_demo(data_dir: Path | None, database_url: str | None, entities: int, seed: int,
              if_empty: bool, history: bool, year: bool) -> None:
    """生成威海市演示数据（事项清单、两库），并创建、抽取一个演示计划。

    打印一名可做审核人的同部门人员编号，最后一行打印一名有任务的执法检查人员编号。
    """
    settings, engine = open_engine(data_dir, database_url)
    busiest: str | None = None
    with acting(settings, engine) as (conn, actor):
        if if_empty and queries.directory_counts(conn)["entities"] > 0:
            click.echo("名录库已有数据，未生成演示数据。")
        else:
            demo = generate(entities=entities, seed=seed)
            queries.save_items(conn, items=demo.items, actor=actor)
            queries.save_entities(conn, entities=demo.entities, actor=actor)
            queries.save_inspectors(conn, inspectors=demo.inspectors, actor=actor)
            click.echo(
                f"已生成演示数据：抽查事项 {len(demo.items)} 项，检查对象 {len(demo.entities)} 户，"
                f"执法检查人员 {len(demo.inspectors)} 人。"
            )
            # Demo dice, and the plan's secret and salts, from the seed: the same seed gives the
            # same draw (tests rely on it). Witnessed by nobody, and said to be so.
            rolls = random.Random(f"seed-demo draw {seed}")
            planning.create_plan(conn, demo_plan(now().date()), now=now(), actor=actor,
                                 random_hex=lambda n: rolls.randbytes(n).hex())
            planning.freeze_population(conn, DEMO_PLAN_ID, now=now(), actor=actor,
                                       random_hex=lambda n: rolls.randbytes(n).hex())
            dice = "".join(rolls.choice("0123456789") for _ in range(MIN_DICE_DIGITS))
            print_draw(planning.run_draw(conn, DEMO_PLAN_ID, now=now(), actor=actor, dice=dice,
                                         witnesses=("演示数据：程序模拟掷骰，无现场见证",)))
            # Last year's results for some of the demo inspector's enterprises: every 风险预警.
            busiest = queries.busiest_inspector(conn)
            if year and entities < YEAR_MIN_ENTITIES:
                click.echo(f"检查对象少于{YEAR_MIN_ENTITIES}户，联合抽查等计划抽不到对象，未生成本年度演示计划。")
            elif year:  # after the demo plan, whose draw stays what the seed gives
                drawn = add_demo_year(conn, seed=seed, now=now(), actor=actor)
                click.echo(f"已生成本年度演示计划并抽取：{'、'.join(drawn)}")
            if history and busiest is not None:
                add_demo_history(conn, inspector=busiest, plan_id=DEMO_PLAN_ID, seed=seed,
                                 today=now().date(),
                                 key=load_or_create_server_key(settings.data_dir))
        # the demo plan's busiest, whom the history was written for (the year adds tasks)
        inspector = busiest or queries.busiest_inspector(conn)
        supervisor = queries.colleague_without_tasks(conn, inspector) if inspector else None
    if inspector is None:
        fail("没有分派到任务的执法检查人员。")
    if supervisor is not None:
        click.echo(f"可注册为审核人的同部门人员编号：{supervisor}")
    click.echo("有任务的执法检查人员编号：")
    click.echo(inspector)


@cli.command("import")
@data_options
@click.argument("kind", type=click.Choice(sorted(KINDS)))
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_(data_dir: Path | None, database_url: str | None, kind: str, path: Path) -> None:
    """从 CSV 导入（新增或更新）抽查事项清单或名录库；有任何错误则全部不导入。"""
    try:
        objects = read_csv(KINDS[kind], path)
    except CsvImportError as e:
        click.echo(str(e), err=True)
        sys.exit(1)
    except UnicodeDecodeError:
        click.echo("文件编码无法识别，请另存为“CSV UTF-8（逗号分隔）”后重试。", err=True)
        sys.exit(1)
    settings, engine = open_engine(data_dir, database_url)
    with acting(settings, engine) as (conn, actor):
        count = _SAVERS[kind](conn, objects, actor)
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
    write_csv(KINDS[kind], objects, path)
    click.echo(f"已导出{KINDS[kind].name} {len(objects)} 条到 {path}。")


def fail(message: str) -> None:
    """Print a Chinese error message and exit with status 1."""
    click.echo(message, err=True)
    sys.exit(1)


DEMO_PLAN_ID = "WH-2026-SP-01"


def demo_plan(today: dt.date) -> Plan:
    """The demo's plan: food sellers and caterers (its items apply to them alone), ratios by risk
    grade above one district's minimums (1/3/10/20 %), this year's window."""
    return Plan(
        id=DEMO_PLAN_ID,
        name=f"{today.year}年威海市食品经营者“双随机”抽查",
        departments=(SAMR,),
        items=("SC-SP-01", "SC-SP-02"),
        ratios={RiskGrade.A: Decimal(3), RiskGrade.B: Decimal(5), RiskGrade.C: Decimal(15),
                RiskGrade.D: Decimal(30)},
        team_size=2,
        window_start=today,
        window_end=today + dt.timedelta(days=60),
        workload_cap=8,
    )


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


@cli.group()
def plan() -> None:
    """抽查计划。"""


@plan.command("create")
@data_options
@click.option("--id", "plan_id", required=True, help="计划编号")
@click.option("--name", required=True, help="计划名称")
@click.option("--department", "departments", multiple=True, required=True,
              help="部门，可重复；第一个为发起部门，其余为配合部门（联合抽查）")
@click.option("--item", "items", multiple=True, required=True, help="抽查事项编码，可重复")
@click.option("--ratio", "ratios", multiple=True, required=True, metavar="等级=百分比",
              help="某风险等级的抽查比例，如 A=1 B=3 C=10 D=20（可重复）")
@click.option("--team-size", default=2, show_default=True, type=int, help="检查组人数（≥2）")
@click.option("--start", required=True, help="开始日期 YYYY-MM-DD")
@click.option("--end", required=True, help="结束日期 YYYY-MM-DD")
@click.option("--region", "regions", multiple=True, help="限定区域，可重复")
@click.option("--industry", "industries", multiple=True, help="限定行业，可重复")
@click.option("--status", "statuses", multiple=True, help="限定登记状态，可重复（默认在业、存续）")
@click.option("--exclude-days", type=int, default=None, help="排除近N天内已被抽中的对象")
@click.option("--workload-cap", type=int, default=None, help="每名检查人员本计划任务上限")
@click.option("--dice-digits", type=int, default=MIN_DICE_DIGITS, show_default=True,
              help=f"抽取时由见证人现场掷十面骰的位数（至少 {MIN_DICE_DIGITS}）")
@click.option("--no-dice", is_flag=True, help="不掷骰，只用公开未来数值")
@click.option("--public-value-source", default=None,
              help="抽取时采用的公开未来数值的来源，如“中国福利彩票双色球开奖号码”")
@click.option("--public-value-date", default=None, help="该数值公布的日期 YYYY-MM-DD（抽取不早于此日）")
@click.option("--kind", type=click.Choice(INSPECTION_KINDS), default=RANDOM_KIND, show_default=True,
              help="检查类型（部门可规定某些类型不计入每年抽查次数上限）")
@click.option("--scheme-content", default=None, help="检查方案：检查内容（与时间安排、检查方式同时给出）")
@click.option("--scheme-schedule", default=None, help="检查方案：时间安排")
@click.option("--scheme-method", default=None, help="检查方案：检查方式")
@click.option("--trigger-list", "trigger_list", default=None,
              help="触发式抽查：采用的风险触发预警清单编号（trigger-list 命令编制）")
@click.option("--level", type=click.Choice([level.value for level in PlanLevel]), default=None,
              help="抽查层级（不填：由本计划的部门抽取和检查）")
@click.option("--batch", "batches", multiple=True, metavar="YYYY-MM-DD",
              help="分批派发：每批的派发日期，可重复，从早到晚")
@click.option("--replaces-county", is_flag=True, help="市级计划：县级不再另行制定相同的抽查计划")
@click.option("--witnesses", "witnesses_required", type=click.IntRange(0, 20), default=0,
              help="检查结果须经几个见证人共同签名树头后方计为已公示（平台设置更高时从平台）")
def plan_create(data_dir: Path | None, database_url: str | None, plan_id: str, name: str,
                departments: tuple[str, ...], items: tuple[str, ...], ratios: tuple[str, ...],
                team_size: int, start: str, end: str, regions: tuple[str, ...],
                industries: tuple[str, ...], statuses: tuple[str, ...], exclude_days: int | None,
                workload_cap: int | None, dice_digits: int, no_dice: bool,
                public_value_source: str | None, public_value_date: str | None, kind: str,
                scheme_content: str | None, scheme_schedule: str | None,
                scheme_method: str | None, trigger_list: str | None = None, level: str | None = None,
                batches: tuple[str, ...] = (), replaces_county: bool = False,
                witnesses_required: int = 0) -> None:
    """创建抽查计划，公布平台密钥的承诺值和抽取时采用的公开随机数。"""
    parsed: dict[str, str] = {}
    for pair in ratios:
        grade, sep, value = pair.partition("=")
        if not sep:
            fail(f"比例「{pair}」格式应为 等级=百分比，如 B=3")
        parsed[grade.strip().upper()] = value
    spec = {"id": plan_id, "name": name, "departments": list(departments), "items": list(items),
            "ratios": parsed, "team_size": team_size, "window_start": start, "window_end": end,
            "regions": list(regions), "industries": list(industries), "statuses": list(statuses),
            "exclude_inspected_within_days": exclude_days, "workload_cap": workload_cap,
            "level": level, "batches": list(batches), "replaces_county": replaces_county,
            "witnesses_required": witnesses_required}
    scheme = (scheme_content, scheme_schedule, scheme_method)
    if any(part is not None for part in scheme):
        if any(part is None for part in scheme):
            fail("计划未创建：检查方案须同时给出 --scheme-content、--scheme-schedule 和 --scheme-method")
        spec["scheme"] = dict(zip(("content", "schedule", "method"), scheme, strict=True))
    if (public_value_source is None) != (public_value_date is None):
        fail("计划未创建：--public-value-source 和 --public-value-date 须同时给出")
    try:
        public_value = None if public_value_source is None else PublicValueSpec(
            public_value_source, dt.date.fromisoformat(str(public_value_date)))
        entropy = EntropySpec(None if no_dice else dice_digits, public_value)
    except (ValueError, CeremonyError) as e:
        fail(f"计划未创建：{e}")
    settings, engine = open_engine(data_dir, database_url)
    try:
        triggers.require_list(kind, trigger_list)
        new_plan = planning.validated_plan(spec)
        with acting(settings, engine) as (conn, actor):
            digest = planning.create_plan(conn, new_plan, now=now(), actor=actor, entropy=entropy,
                                          kind=kind)
            if trigger_list is not None:
                triggers.attach(conn, plan_id, trigger_list, kind=kind, actor=actor, now=now())
            preview = planning.population_preview(conn, plan_id, now=now())
            if trigger_list is not None:
                triggers.refuse_if_empty(preview)
            advice = plan_ratio_advice(conn, new_plan)
    except DomainError as e:
        fail(f"计划未创建：{e.message}")
    click.echo(f"已创建抽查计划「{name}」（{plan_id}）。")
    click.echo("按目前名录，事项适用的检查对象（内部，含风险等级）："
               + "；".join(f"{s['grade']}类 {s['population']} 户抽 {s['k']} 户"
                          + (f"（{s['excluded_at_cap']} 户已达本年抽查次数上限，不参与）"
                             if s["excluded_at_cap"] else "")
                          + (f"（{s['excluded_sandbox']} 户在沙盒监管期内，不参与）"
                             if s["excluded_sandbox"] else "") for s in preview))
    click.echo(f"平台密钥承诺值（SHA-256）：{digest}")
    click.echo(f"抽取时采用的公开随机数：{describe_entropy(entropy)}")
    echo_ratio_advice(advice, entered=True)


@cli.command("confirm-partner")
@data_options
@click.argument("plan_id")
@click.argument("department")
@click.option("--staff", "staff", multiple=True,
              help="本部门派出参加检查的人员编号，可重复（不给出：本部门在岗人员均可抽取）")
@click.option("--qualification", "qualifications", multiple=True, help="资格要求，可重复")
def confirm_partner(data_dir: Path | None, database_url: str | None, plan_id: str,
                    department: str, staff: tuple[str, ...],
                    qualifications: tuple[str, ...]) -> None:
    """配合部门确认参加联合抽查计划（含检查方案），写明派出人员和资格要求；名录冻结前可重新答复。"""
    _answer_partner(data_dir, database_url, plan_id, department,
                    partners.Answer(True, staff=staff, qualifications=qualifications))


@cli.command("decline-partner")
@data_options
@click.argument("plan_id")
@click.argument("department")
@click.option("--reason", required=True, help="不同意的原因（将公开）")
def decline_partner(data_dir: Path | None, database_url: str | None, plan_id: str,
                    department: str, reason: str) -> None:
    """配合部门不同意参加联合抽查计划，须写明原因；在其确认之前，计划不能冻结名录。"""
    _answer_partner(data_dir, database_url, plan_id, department,
                    partners.Answer(False, reason=reason))


def _answer_partner(data_dir: Path | None, database_url: str | None, plan_id: str,
                    department: str, given: partners.Answer) -> None:
    settings, engine = open_engine(data_dir, database_url)
    try:
        with acting(settings, engine) as (conn, actor):
            stored = partners.answer(conn, plan_id, department, given, now=now(), actor=actor)
            waiting = [p for p in partners.partners_of(conn, plan_id)
                       if p["state"] != partners.CONFIRMED]
    except DomainError as e:
        fail(f"未答复：{e.message}")
    if stored["state"] == partners.CONFIRMED:
        click.echo(f"{department} 已确认参加计划 {plan_id}；派出人员："
                   f"{'、'.join(stored['staff']) or '本部门在岗人员均可'}；资格要求："
                   f"{'、'.join(stored['qualifications']) or '无'}")
    else:
        click.echo(f"{department} 不同意参加计划 {plan_id}（原因已公开）：{stored['reason']}")
    if waiting:
        click.echo("尚未确认的配合部门：" + "、".join(
            f"{p['department']}（{partners.STATE_LABELS[p['state']]}）" for p in waiting))
    else:
        click.echo(f"全部配合部门均已确认，可以冻结名录：freeze {plan_id}")


def describe_entropy(spec: EntropySpec) -> str:
    parts = []
    if spec.dice_digits is not None:
        parts.append(f"见证人现场掷十面骰 {spec.dice_digits} 位")
    if spec.public_value is not None:
        parts.append(f"{spec.public_value.source}（{spec.public_value.date.isoformat()} 公布）")
    return "；".join(parts)


@plan.command("list")
@data_options
def plan_list(data_dir: Path | None, database_url: str | None) -> None:
    """列出抽查计划及其种子承诺值。"""
    _, engine = open_engine(data_dir, database_url)
    with engine.begin() as conn:
        for p in planning.list_public_plans(conn):
            state = "已抽取" if p["drawn"] else "待抽取"
            click.echo(f"{p['id']}\t{state}\t{p['name']}\t{p['commitment']}")


def print_draw(summary: planning.DrawSummary) -> None:
    click.echo(f"计划 {summary.plan_id} 抽取完成，随机种子：{summary.seed}")
    for s in summary.strata:
        click.echo(f"  第{s['stratum']}层：名录 {s['population']} 户，比例 {s['ratio']}%，抽取 {s['k']} 户")
    click.echo(f"共抽中 {summary.drawn} 户，已组成检查组 {summary.assigned} 个。")
    for u in summary.unassigned:
        click.echo(f"  未能组队：{u['credit_code']}（{u['reason']}）")


def print_freeze(frozen: planning.Freeze) -> None:
    click.echo(f"② 名录冻结（{frozen.frozen_at.isoformat()}）：")
    for s in frozen.strata:
        click.echo(f"  第{s['stratum']}层：名录 {s['population']} 户，比例 {s['ratio']}%，将抽取 {s['k']} 户，"
                   f"名录承诺值 {s['population_commitment']}")
    click.echo(f"  名录总承诺值：{frozen.population_commitment}")


@cli.command("department-cap")
@data_options
@click.argument("department")
@click.option("--cap", "yearly_cap", type=int, required=True, help="本部门对同一企业每年最多抽查次数")
@click.option("--exempt", "exempt", multiple=True, type=click.Choice(EXEMPTABLE_KINDS),
              help="不计入上限的检查类型，可重复（不给出则三类都不计入）")
@click.option("--count-all", is_flag=True, help="所有检查类型都计入上限")
def department_cap(data_dir: Path | None, database_url: str | None, department: str,
                   yearly_cap: int, exempt: tuple[str, ...], count_all: bool) -> None:
    """设置部门对同一企业每年“双随机”抽查次数的上限（默认每年1次）。"""
    try:
        cap = YearlyCap(yearly_cap, () if count_all else (exempt or EXEMPTABLE_KINDS))
    except ValueError as e:
        fail(str(e))
    settings, engine = open_engine(data_dir, database_url)
    with acting(settings, engine) as (conn, actor):
        if department not in planning.known_departments(conn):
            fail(f"部门「{department}」在执法检查人员名录库中没有人员")
        planning.set_yearly_cap(conn, department, cap, actor=actor)
    click.echo(f"{department}：同一企业每年最多抽查 {cap.cap} 次；不计入的检查类型："
               f"{'、'.join(cap.exempt) or '无'}")


@cli.command()
@data_options
@click.argument("plan_id")
def freeze(data_dir: Path | None, database_url: str | None, plan_id: str) -> None:
    """抽取第一步：冻结并公布计划的名录（各层户数和承诺值），此后才能掷骰、录入公开随机数。"""
    settings, engine = open_engine(data_dir, database_url)
    try:
        with acting(settings, engine) as (conn, actor):
            public = planning.get_public_plan(conn, plan_id)
            frozen = planning.freeze_population(conn, plan_id, now=now(), actor=actor)
    except DomainError as e:
        fail(f"未冻结：{e.message}")
    click.echo(f"① 计划「{public['name']}」（{plan_id}）创建于 {public['created_at']}，"
               f"平台密钥承诺值 {public['commitment']}")
    print_freeze(frozen)
    click.echo(f"下一步：请见证人掷骰，然后运行 draw {plan_id} --dice 点数 --witness 见证人 …")


@cli.command("abandon-draw")
@data_options
@click.argument("plan_id")
@click.option("--reason", required=True, help="放弃原因（将公开）")
def abandon_draw(data_dir: Path | None, database_url: str | None, plan_id: str, reason: str) -> None:
    """放弃已冻结、尚未录入随机数的一次抽取；记录公开，可重新冻结。"""
    settings, engine = open_engine(data_dir, database_url)
    try:
        with acting(settings, engine) as (conn, actor):
            planning.abandon_draw(conn, plan_id, reason=reason, now=now(), actor=actor)
    except DomainError as e:
        fail(e.message)
    click.echo(f"已放弃计划 {plan_id} 本次抽取（原因已公开）。")


@cli.command()
@data_options
@click.argument("plan_id")
@click.option("--dice", default=None, help="见证人现场掷出的十面骰点数（只能是数字，位数按计划规定）")
@click.option("--witness", "witnesses", multiple=True, help="见证人：姓名及单位或证件号，可重复")
@click.option("--public-value", default=None, help="计划指定的公开未来数值（如开奖号码）")
@click.option("--export", "export_path", type=click.Path(dir_okay=False, path_type=Path),
              help="同时把审计导出文件写到此路径")
def draw(data_dir: Path | None, database_url: str | None, plan_id: str, dice: str | None,
         witnesses: tuple[str, ...], public_value: str | None, export_path: Path | None) -> None:
    """抽取第二步：录入公开随机数，推导随机种子并抽取（每个计划只能抽取一次）。"""
    settings, engine = open_engine(data_dir, database_url)
    try:
        with engine.begin() as conn:
            public = planning.get_public_plan(conn, plan_id)
    except DomainError as e:
        fail(f"未抽取：{e.message}")
    frozen = next((c for c in public["ceremonies"] if c["state"] == "frozen"), None)
    click.echo(f"① 计划「{public['name']}」创建于 {public['created_at']}，平台密钥承诺值 {public['commitment']}")
    if frozen is not None:
        click.echo(f"② 名录冻结于 {frozen['frozen_at']}，名录总承诺值 {frozen['population_commitment']}")
    # A province-sized plan takes a while (one ticket per eligible inspector per drawn entity).
    click.echo(f"③ 录入公开随机数，推导种子，正在抽取计划 {plan_id}……", err=True)
    try:
        with acting(settings, engine) as (conn, actor):
            summary = planning.run_draw(conn, plan_id, now=now(), actor=actor, dice=dice,
                                        public_value=public_value, witnesses=witnesses,
                                        progress=lambda text: click.echo(f"④ {text}", err=True))
    except DomainError as e:
        fail(f"未抽取：{e.message}")
    audit = summary.audit
    c = audit["ceremony"]
    entered = c["entropy"]
    if entered["dice"]:
        click.echo(f"③ 骰子点数 {entered['dice']}，见证人：{'、'.join(entered['witnesses'])}（{c['entered_at']}）")
    if entered["public_value"]:
        click.echo(f"③ 公开数值：{entered['public_value']}")
    click.echo(f"④ 随机种子 = SHA-256(规范JSON{{平台密钥 {c['secret']}，名录总承诺值，公开随机数}})")
    print_draw(summary)
    if export_path:  # after the draw's commit: listing the directory changes holds no lock
        with engine.begin() as conn:
            write_export(export_path, planning.full_audit(conn, audit))
        click.echo(f"审计导出文件：{export_path}")


@cli.command("draw-export")
@data_options
@click.argument("plan_id")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def draw_export(data_dir: Path | None, database_url: str | None, plan_id: str, path: Path) -> None:
    """导出抽取的审计文件（含复核所需的全部输入；内部使用，含风险分层名录）。"""
    _, engine = open_engine(data_dir, database_url)
    try:
        with engine.begin() as conn:
            audit = planning.load_draw(conn, plan_id, "audit")
    except DomainError as e:
        fail(e.message)
    write_export(path, audit)
    click.echo(f"已导出到 {path}")


@cli.command("verify-draw")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--published", "published_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="公示的抽取结果（/api/v1/draws/计划编号 的 JSON），与审计文件逐项核对")
@click.option("--quiet", is_flag=True, help="只列出不一致之处")
def verify_draw(path: Path, published_path: Path | None, quiet: bool) -> None:
    """根据审计导出文件重新抽取，逐一核对每个抽中对象和检查组；用各层盐值核对名录承诺值。"""
    try:
        export = json.loads(path.read_text(encoding="utf-8"))
        checks = list(verify_export(export).checks)
        if published_path is not None:
            published = json.loads(published_path.read_text(encoding="utf-8"))
            checks += compare_with_publication(export, published).checks
    except (ValueError, UnicodeDecodeError) as e:
        fail(f"无法复核：{e}")
    for check in checks:
        if not (quiet and check.ok):
            click.echo(("✓ " if check.ok else "✗ ") + check.message)
    bad = sum(not c.ok for c in checks)
    if bad:
        fail(f"复核不通过：{bad} 处不一致。")
    click.echo(f"复核通过：{len(checks)} 项全部一致。")


@cli.command("enroll-code")
@data_options
@click.option("--inspector", "inspector_id", required=True, help="执法检查人员名录库中的人员编号")
@click.option("--role", type=click.Choice(sorted(r.value for r in Role)), default="inspector",
              show_default=True, help="设备的角色：执法检查人员或审核人")
@click.option("--valid-hours", default=24, show_default=True, type=click.IntRange(1, 24 * 14),
              help="有效小时数")
@click.option("--server-url", default=f"http://{DEFAULT_HOST}:{DEFAULT_PORT}", show_default=True,
              help="手机访问平台服务器的地址（写入注册二维码）")
def enroll_code(data_dir: Path | None, database_url: str | None, inspector_id: str, role: str,
                valid_hours: int, server_url: str) -> None:
    """生成一次性设备注册码及其二维码（最后一行只有注册码本身）。"""
    settings, engine = open_engine(data_dir, database_url)
    try:
        with acting(settings, engine) as (conn, actor):
            code = issue_code(conn, inspector_id, now=now(), actor=actor, role=role,
                              valid_for=dt.timedelta(hours=valid_hours))
    except DomainError as e:
        fail(e.message)
    click.echo(f"{inspector_id} 的{role_label(role)}设备一次性注册码"
               f"（{valid_hours} 小时内有效，只能使用一次）：")
    print_qr(enroll_uri(server_url, code))
    click.echo(f"用掌上查扫描上方二维码注册（服务器 {server_url}），或手动输入注册码：")
    click.echo(code)


def print_qr(text: str) -> None:
    """``text`` as a QR code of half-block characters with the standard quiet zone. The light
    modules are the ones drawn, so it reads on a dark screen; on a terminal it sets its own
    white on black, whatever the screen's colours."""
    qr = qrcode.QRCode(border=4, error_correction=ERROR_CORRECT_M)
    qr.add_data(text)
    if sys.stdout.isatty():
        qr.print_ascii(out=sys.stdout, tty=True)
        return
    drawn = io.StringIO()
    qr.print_ascii(out=drawn, invert=True)
    click.echo(drawn.getvalue(), nl=False)


@cli.command("revoke-device")
@data_options
@click.argument("device_id")
def revoke_device(data_dir: Path | None, database_url: str | None, device_id: str) -> None:
    """停用设备（如手机丢失）：此后它的调用一律拒绝，停用前提交的记录仍然有效。"""
    settings, engine = open_engine(data_dir, database_url)
    try:
        with acting(settings, engine) as (conn, actor):
            devices.revoke(conn, device_id, now=now(), actor=actor)
    except DomainError as e:
        fail(e.message)
    click.echo(f"已停用设备 {device_id}：此后它的调用一律拒绝；停用前提交的记录仍然有效。")


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


def _china_date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("日期格式应为 YYYY-MM-DD", param_hint=option) from None


def _inert(text: str) -> str:
    """``text`` with control characters escaped as JSON escapes them: a value someone imported
    must not drive the administrator's terminal (or fake a line of the listing)."""
    return json.dumps(text, ensure_ascii=False)[1:-1]


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
                              person, _china_date(since, "--since"), _china_date(until, "--until"),
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
        shown = (_inert(e["object"]), _inert(e["actor"]["person"]), _inert(e["origin"]))
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


# --- backups (issue 30) -------------------------------------------------------------------------


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


# 沙盒监管, 触发式抽查 and 动态调整 (issue 26 points 6 and 7)


def plan_ratio_advice(conn: sa.Connection, new_plan: Plan) -> list[ratio_advice.Suggestion]:
    """The suggestion from last year's published results beside the plan's entered ratios."""
    year = new_plan.window_start.year - 1
    return ratio_advice.suggest(ratio_advice.year_results(conn, year), year, dict(new_plan.ratios))


def echo_ratio_advice(advice: list[ratio_advice.Suggestion], *, entered: bool) -> None:
    """The suggestion per grade, with its reasons (internal: it names grades)."""
    click.echo("抽查比例动态调整建议（内部，含风险等级；不低于最低比例 A 1%、B 3%、C 10%、D 20%）：")
    for s in advice:
        mine = "" if not entered else (
            "；本计划未抽查该等级" if s.entered is None else f"；本计划录入 {ratio_advice.percent(s.entered)}%")
        click.echo(f"  {s.grade.value}类：建议 {ratio_advice.percent(s.suggested)}%{mine}。{s.reason}")
    for s in advice:
        if s.warning:
            click.echo(f"注意：{s.warning}", err=True)


@cli.command("suggest-ratios")
@data_options
@click.option("--year", type=click.IntRange(2000, 2100), required=True, help="据以建议的结果年份")
def suggest_ratios(data_dir: Path | None, database_url: str | None, year: int) -> None:
    """按某年已公示的检查结果（各风险等级的问题发现率）建议下一年的抽查比例（内部，含风险等级）。"""
    _, engine = open_engine(data_dir, database_url)
    with engine.begin() as conn:
        advice = ratio_advice.suggest(ratio_advice.year_results(conn, year), year)
    echo_ratio_advice(advice, entered=False)


def _day(value: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"{option} 应为日期 YYYY-MM-DD（收到「{value}」）")
        raise


@cli.command("sandbox-add")
@data_options
@click.argument("credit_code")
@click.option("--from", "starts", required=True, help="沙盒监管开始日期 YYYY-MM-DD")
@click.option("--to", "ends", required=True, help="沙盒监管结束日期 YYYY-MM-DD（含）")
@click.option("--reason", required=True, help="理由（信用好、风险低的依据）")
def sandbox_add(data_dir: Path | None, database_url: str | None, credit_code: str, starts: str,
                ends: str, reason: str) -> None:
    """把检查对象加入沙盒监管名单：期限内不进入“双随机抽查”计划的名录（触发式抽查不受影响）。"""
    starts_on, ends_on = _day(starts, "--from"), _day(ends, "--to")
    settings, engine = open_engine(data_dir, database_url)
    try:
        with acting(settings, engine) as (conn, actor):
            entry = sandbox.add(conn, credit_code, starts_on=starts_on, ends_on=ends_on,
                                reason=reason, actor=actor, now=now())
    except DomainError as e:
        fail(f"未加入：{e.message}")
    click.echo(f"已加入沙盒监管名单（第{entry['id']}条）：{credit_code}，"
               f"{entry['starts_on']} 至 {entry['ends_on']}。")


@cli.command("sandbox-remove")
@data_options
@click.argument("entry_id", type=int)
@click.option("--reason", required=True, help="移出的理由")
def sandbox_remove(data_dir: Path | None, database_url: str | None, entry_id: int,
                   reason: str) -> None:
    """把沙盒监管名单的一条提前结束（该条保留，注明移出时间和理由）。"""
    settings, engine = open_engine(data_dir, database_url)
    try:
        with acting(settings, engine) as (conn, actor):
            entry = sandbox.remove(conn, entry_id, reason=reason, actor=actor, now=now())
    except DomainError as e:
        fail(f"未移出：{e.message}")
    click.echo(f"已移出沙盒监管名单：第{entry_id}条（{entry['credit_code']}）。")


@cli.command("sandbox-list")
@data_options
def sandbox_list(data_dir: Path | None, database_url: str | None) -> None:
    """列出沙盒监管名单（内部）。"""
    _, engine = open_engine(data_dir, database_url)
    with engine.begin() as conn:
        entries = sandbox.entries(conn)
    for e in entries:
        state = "已移出" if e["removed_at"] else "有效"
        click.echo(f"{e['id']}\t{e['credit_code']}\t{e['starts_on']} 至 {e['ends_on']}\t{state}\t"
                   f"{_inert(e['reason'])}")
    click.echo(f"共 {len(entries)} 条。")


def _read_codes(path: Path) -> list[str]:
    """Credit codes from a file: one a line, or the first column of a CSV; a header, blank
    lines and lines beginning with # are skipped."""
    codes = []
    for line in decode_csv_bytes(path.read_bytes()).splitlines():
        cell = line.split(",", 1)[0].strip().strip('"').strip()
        if cell and not cell.startswith("#") and cell not in ("统一社会信用代码", "credit_code"):
            codes.append(cell.upper())
    return codes


@cli.command("trigger-list")
@data_options
@click.argument("list_id")
@click.option("--name", required=True, help="清单名称")
@click.option("--rule", type=click.Choice([r.value for r in triggers.Rule]), required=True,
              help="red-warning：红色预警的行业和区域；overdue-followup：后续处置超期；imported：导入")
@click.option("--file", "path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="imported：统一社会信用代码文件（每行一个，或 CSV 第一列）")
@click.option("--rule-text", default=None, help="imported：触发规则（将公开），如“12个月内被投诉举报3次以上”")
def trigger_list(data_dir: Path | None, database_url: str | None, list_id: str, name: str,
                 rule: str, path: Path | None, rule_text: str | None) -> None:
    """编制风险触发预警清单（编制后不再变动），供“触发式抽查”计划采用。"""
    chosen = triggers.Rule(rule)
    if (chosen is triggers.Rule.IMPORTED) != (path is not None):
        fail("未编制：--file 只用于 imported，且 imported 必须给出 --file")
    codes = [] if path is None else _read_codes(path)
    settings, engine = open_engine(data_dir, database_url)
    try:
        with acting(settings, engine) as (conn, actor):
            built = triggers.build(conn, list_id, name, chosen, actor=actor, now=now(),
                                   thresholds=settings.warning_thresholds,
                                   due_days=settings.followup_due_days, text=rule_text,
                                   imported=codes)
    except DomainError as e:
        fail(f"未编制：{e.message}")
    click.echo(f"已编制风险触发预警清单「{built['name']}」（{list_id}）：{built['count']} 户。")
    click.echo(f"触发规则：{built['rule_text']}")
    click.echo(f"清单承诺值：{built['commitment']}")


def _percent(rate: float | None) -> str:
    """0.6 → "60%"; "—" for a rate of nothing."""
    if rate is None:
        return "—"
    value = round(rate * 100, 1)
    return f"{value:.0f}%" if value == int(value) else f"{value:.1f}%"


YEAR_COLUMNS = ("范围", "名称", "层级", "计划", "已确认", "已抽取", "已完成", "已公示", "联合计划",
                "联合占比", "风险分类应用率", "联合抽查应用率", "联合减少入企", "上限排除", "避免重复检查")


@cli.command("year-overview")
@data_options
@click.option("--year", type=click.IntRange(2000, 2100), required=True,
              help="年份（计划起始日期所在年份，北京时间）")
def year_overview_command(data_dir: Path | None, database_url: str | None, year: int) -> None:
    """年度计划执行情况：各部门（发起或配合）和各层级的计划数、确认、抽取、完成、公示，
    信用风险分类结果应用率（目标不低于60%）、联合抽查占比和避免的重复检查。"""
    _, engine = open_engine(data_dir, database_url)
    with engine.begin() as conn:
        answer = year_overview.build(conn, year)
    scopes = {"department": "部门", "level": "部门层级", "plan_level": "抽查层级", "total": "全部"}
    click.echo(f"{year}年度计划执行情况（内部资料，含风险分类应用情况，不得公开）")
    click.echo("\t".join(YEAR_COLUMNS))
    for r in answer["rows"]:
        use = f"{_percent(r['risk_grade_use'])}（{r['graded_plans']}/{r['random_plans']}）" \
              + ("" if r["meets_target"] or not r["random_plans"] else "未达标")
        joint_use = f"{_percent(r['joint_risk_grade_use'])}（{r['joint_graded_plans']}/" \
                    f"{r['joint_random_plans']}）"
        click.echo("\t".join(str(v) for v in (
            scopes[r["scope"]], _inert(r["name"]), r["level"] or "—", r["planned"], r["confirmed"],
            r["drawn"], r["done"], r["published"], f"{r['joint']}（已确认{r['joint_confirmed']}）",
            _percent(r["joint_share"]), use, joint_use, r["joint_visits_saved"], r["capped_out"],
            r["repeats_avoided"])))
    click.echo("说明：计划按起始日期所在年份计；已确认含无需确认的单部门计划；已完成指每项任务都有"
               "已提交、已审核或已公示的结果；已公示指全部结果已公示；应用率为按风险等级设定不同"
               "抽查比例的“双随机抽查”计划所占比例（目标不低于60%）；避免重复检查＝联合抽查每户少入企"
               "（参与部门数−1）次＋因年度抽查次数上限未纳入名录的户次。联合计划计入每个参与部门。")

# --- the provincial platform (issue 27 point 5) --------------------------------------------------


@cli.command("province-push")
@data_options
@click.option("--once", is_flag=True, help="推送一轮到期的条目后退出（可由定时任务调用）")
def province_push(data_dir: Path | None, database_url: str | None, once: bool) -> None:
    """把公示、更正、撤回的结果推送到省级平台（ZSC_PROVINCE_ENDPOINT）；服务器进程已在设置该变量时自动推送。"""
    import httpx

    settings, engine = open_engine(data_dir, database_url)
    pushing = province.push_settings(settings)
    if pushing is None:
        fail("未设置 ZSC_PROVINCE_ENDPOINT（省级平台接收地址），无法推送；待推送的结果保留在推送队列中")
        return
    worker = province.worker_name()
    with httpx.Client() as client:
        while True:
            done = province.push_once(engine, pushing, client, worker)
            if once:
                click.echo(f"已送达 {done[province.State.DELIVERED]} 条，待重试 "
                           f"{done[province.State.PENDING]} 条，失败 {done[province.State.FAILED]} 条")
                return
            time.sleep(pushing.poll)


@cli.command("province-outbox")
@data_options
@click.option("--state", type=click.Choice([s.value for s in province.State]), default=None,
              help="只列此状态的条目（默认：未送达的）")
def province_outbox(data_dir: Path | None, database_url: str | None, state: str | None) -> None:
    """省级平台推送队列：各状态条数，及未送达（或指定状态）的条目和接收方的答复。"""
    _, engine = open_engine(data_dir, database_url)
    with engine.connect() as conn:
        found = province.outbox(conn, state=province.State(state) if state else None)
    click.echo("，".join(f"{province.STATE_LABELS[province.State(k)]} {n} 条"
                        for k, n in found["counts"].items()))
    for e in found["entries"]:
        click.echo("\t".join(str(v) for v in (
            e["leaf"], e["kind"], e["record_id"], province.STATE_LABELS[province.State(e["state"])],
            f"尝试{e['attempts']}次", e["last_status"] or "—",
            _inert((e["last_answer"] or "")[:200]))))


@cli.command("province-retry")
@data_options
@click.argument("leaves", nargs=-1, type=int)
def province_retry(data_dir: Path | None, database_url: str | None, leaves: tuple[int, ...]) -> None:
    """把推送失败的条目（给出日志序号；不给则全部）重新放回队列，立即推送。"""
    _, engine = open_engine(data_dir, database_url)
    with engine.begin() as conn:
        n = province.retry(conn, list(leaves) if leaves else None)
    click.echo(f"已重新排队 {n} 条")


@cli.command("province-export")
@data_options
@click.option("--since", required=True, help="起始日期 YYYY-MM-DD（北京时间，含）")
@click.option("--until", required=True, help="截止日期 YYYY-MM-DD（北京时间，含）")
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
def province_export(data_dir: Path | None, database_url: str | None, since: str, until: str,
                    out_dir: Path) -> None:
    """把期间内公示、更正、撤回的结果导出为按日期命名的 JSON Lines 批量文件，附平台签名的清单（供只收文件的平台）。"""
    start, end = _day(since, "--since"), _day(until, "--until")
    if end < start:
        fail("--until 不能早于 --since")
    settings, engine = open_engine(data_dir, database_url)
    with engine.connect() as conn:
        data, manifest, count = province.export_batch(
            conn, start, end, out_dir, load_or_create_server_key(settings.data_dir), now())
    click.echo(f"已导出 {count} 条：{data}")
    click.echo(f"签名清单：{manifest}")


@cli.group("report")
def report() -> None:
    """上报材料：每月工作简报（次月15日前报送）和年度自查报告（11月5日前报送），Word（.docx）或 PDF。"""


def _write_report(data_dir: Path | None, database_url: str | None, department: str, kind: str,
                  year: int, month: int | None, out: Path) -> None:
    # imported here: the report writers load python-docx and fpdf2, which no other command needs
    from server_stub.core.clock import china_today
    from server_stub.core.paths import FONTS_DIR
    from server_stub.publication import reports
    from server_stub.review.report_figures import gather

    settings, engine = open_engine(data_dir, database_url)
    with engine.connect() as conn:
        figures = gather(conn, department, "monthly" if kind == "monthly" else "yearly", year, month,
                         today=china_today(), thresholds=settings.warning_thresholds,
                         due_days=settings.followup_due_days)
    document = reports.build(figures)
    suffix = out.suffix.lower()
    if suffix not in (".docx", ".pdf"):
        fail("输出文件名应以 .docx 或 .pdf 结尾")
    data = reports.to_docx(document) if suffix == ".docx" else reports.to_pdf(document, FONTS_DIR)
    out.write_bytes(data)
    click.echo(f"{document.number}　{document.title}")
    click.echo(f"已写入 {out}（{len(data)} 字节）")


_DEPARTMENT = click.option("--department", required=True, help="部门名称（如 威海市市场监督管理局）")
_OUT = click.argument("out", type=click.Path(dir_okay=False, path_type=Path))


@report.command("monthly")
@data_options
@click.option("--year", type=click.IntRange(2000, 2100), required=True, help="年份")
@click.option("--month", type=click.IntRange(1, 12), required=True, help="月份")
@_DEPARTMENT
@_OUT
def report_monthly(data_dir: Path | None, database_url: str | None, year: int, month: int,
                   department: str, out: Path) -> None:
    """某月的工作简报：计划执行、检查完成与公示、发现问题、后续处置、部门联合抽查（OUT 以 .docx 或 .pdf 结尾）。"""
    _write_report(data_dir, database_url, department, "monthly", year, month, out)


@report.command("yearly")
@data_options
@click.option("--year", type=click.IntRange(2000, 2100), required=True, help="年份")
@_DEPARTMENT
@_OUT
def report_yearly(data_dir: Path | None, database_url: str | None, year: int, department: str,
                  out: Path) -> None:
    """某年度的自查报告（OUT 以 .docx 或 .pdf 结尾）。"""
    _write_report(data_dir, database_url, department, "yearly", year, None, out)
