"""The two directories and the item list: ``import``/``export``, yearly caps, and devices
(enrolment codes, revocation)."""

from __future__ import annotations

import datetime as dt
import io
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import qrcode
import sqlalchemy as sa
from qrcode.constants import ERROR_CORRECT_M

from server_stub.cli.base import acting, cli, data_options, fail, open_engine
from server_stub.core.clock import now
from server_stub.core.config import DEFAULT_HOST, DEFAULT_PORT
from server_stub.core.errors import DomainError
from server_stub.directory import queries
from server_stub.directory.csv_files import (
    KINDS,
    CsvImportError,
    read_csv,
    write_csv,
)
from server_stub.draws import planning
from server_stub.draws.population import EXEMPTABLE_KINDS, YearlyCap
from server_stub.field import devices
from server_stub.field.enrollment import enroll_uri, issue_code
from sync import Role, role_label

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
