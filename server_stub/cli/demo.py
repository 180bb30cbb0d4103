"""``seed-demo``: the 威海 demo directory, its drawn plan, history and year."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from pathlib import Path

import click

from server_stub.cli.base import acting, cli, data_options, fail, open_engine
from server_stub.cli.draws import print_draw
from server_stub.core.clock import now
from server_stub.core.server_key import load_or_create_server_key
from server_stub.demo_history import add_demo_history
from server_stub.demo_year import YEAR_MIN_ENTITIES, add_demo_year
from server_stub.directory import queries
from server_stub.directory.demo import SAMR, generate
from server_stub.draws import planning
from server_stub.draws.ceremony import MIN_DICE_DIGITS
from sync import Plan, RiskGrade


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
