"""Plans and draws: ``plan create``/``list``, partners' answers, ``freeze``, ``draw``, the
auditor's export and its check, ratio advice, the sandbox and triggered lists."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click
import sqlalchemy as sa

from server_stub.cli.base import acting, cli, data_options, fail, inert_cell, open_engine, parse_day
from server_stub.core.clock import now
from server_stub.core.errors import DomainError
from server_stub.directory.csv_files import (
    decode_csv_bytes,
)
from server_stub.draws import partners, planning, sandbox, triggers
from server_stub.draws.audit import compare_with_publication, verify_export
from server_stub.draws.ceremony import MIN_DICE_DIGITS, CeremonyError, EntropySpec, PublicValueSpec
from server_stub.draws.export_file import write_export
from server_stub.draws.population import INSPECTION_KINDS, RANDOM_KIND
from server_stub.publication import ratio_advice
from sync import Plan, PlanLevel


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


@cli.command("sandbox-add")
@data_options
@click.argument("credit_code")
@click.option("--from", "starts", required=True, help="沙盒监管开始日期 YYYY-MM-DD")
@click.option("--to", "ends", required=True, help="沙盒监管结束日期 YYYY-MM-DD（含）")
@click.option("--reason", required=True, help="理由（信用好、风险低的依据）")
def sandbox_add(data_dir: Path | None, database_url: str | None, credit_code: str, starts: str,
                ends: str, reason: str) -> None:
    """把检查对象加入沙盒监管名单：期限内不进入“双随机抽查”计划的名录（触发式抽查不受影响）。"""
    starts_on, ends_on = parse_day(starts, "--from"), parse_day(ends, "--to")
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
                   f"{inert_cell(e['reason'])}")
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
