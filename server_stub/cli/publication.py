"""What leaves the office: the year overview, the provincial push and batch files, and the
reports sent up; and the dashboard's maintained counts behind them."""

from __future__ import annotations

import time
from pathlib import Path

import click

from server_stub.cli.base import (
    cli,
    data_options,
    fail,
    inert_cell,
    open_engine,
    parse_day,
    percent_text,
)
from server_stub.core.clock import now
from server_stub.core.server_key import load_or_create_server_key
from server_stub.publication import aggregates, province, year_overview

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
        use = f"{percent_text(r['risk_grade_use'])}（{r['graded_plans']}/{r['random_plans']}）" \
              + ("" if r["meets_target"] or not r["random_plans"] else "未达标")
        joint_use = f"{percent_text(r['joint_risk_grade_use'])}（{r['joint_graded_plans']}/" \
                    f"{r['joint_random_plans']}）"
        click.echo("\t".join(str(v) for v in (
            scopes[r["scope"]], inert_cell(r["name"]), r["level"] or "—", r["planned"], r["confirmed"],
            r["drawn"], r["done"], r["published"], f"{r['joint']}（已确认{r['joint_confirmed']}）",
            percent_text(r["joint_share"]), use, joint_use, r["joint_visits_saved"], r["capped_out"],
            r["repeats_avoided"])))
    click.echo("说明：计划按起始日期所在年份计；已确认含无需确认的单部门计划；已完成指每项任务都有"
               "已提交、已审核或已公示的结果；已公示指全部结果已公示；应用率为按风险等级设定不同"
               "抽查比例的“双随机抽查”计划所占比例（目标不低于60%）；避免重复检查＝联合抽查每户少入企"
               "（参与部门数−1）次＋因年度抽查次数上限未纳入名录的户次。联合计划计入每个参与部门。")


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
            inert_cell((e["last_answer"] or "")[:200]))))


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
    start, end = parse_day(since, "--since"), parse_day(until, "--until")
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


@cli.group("aggregates")
def aggregates_group() -> None:
    """统计看板的汇总计数（随记录和任务的每次变化在同一事务中维护）。"""


@aggregates_group.command("rebuild")
@data_options
def aggregates_rebuild(data_dir: Path | None, database_url: str | None) -> None:
    """从全部记录和任务重新计算统计看板的汇总计数（批量导入绕过触发器后，或有疑问时）。"""
    _settings, engine = open_engine(data_dir, database_url)
    written = aggregates.rebuild_now(engine)
    click.echo("已重建统计汇总：" + "，".join(f"{table} {n} 行" for table, n in written.items()))


@aggregates_group.command("fold")
@data_options
def aggregates_fold(data_dir: Path | None, database_url: str | None) -> None:
    """把尚未并入的变化并入统计汇总（看板每次打开时也会这样做）。"""
    _settings, engine = open_engine(data_dir, database_url)
    click.echo(f"已并入 {aggregates.fold_now(engine, wait=True)} 条变化。")
