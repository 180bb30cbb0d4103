"""Benchmark of the team draw against the reference ``consistent_sampler``, in the same run.

For every drawn entity the eligible inspectors are put in ticket order with the seed
``SEED + "/team/" + credit_code`` (DESIGN §6) and the first ``team_size`` form the team, so the
cost is one SHA-256 ticket per eligible inspector per entity. This times
:func:`server_stub.draws.draw_teams` (eligibility, workload counting and all) on a synthetic
department, then ``consistent_sampler.sampler`` for each entity over the same inspectors, and
prints both times, their ratio and whether the teams are identical.

Run from the repository root: ``python -m bench.teams [--entities 5000] [--inspectors 1000]``.
"""

from __future__ import annotations

import datetime as dt
import time

import click
import consistent_sampler  # type: ignore[import-untyped]

from server_stub.draws import TEAM_SEED_INFIX, draw_teams
from sync import InspectionItem, InspectionMethod, Inspector, Plan, make_credit_code

DEPARTMENT = "威海市市场监督管理局"
ITEM = InspectionItem("SC-SP-01", "食品安全", "食品销售者经营活动的检查", "《中华人民共和国食品安全法》",
                      InspectionMethod.ON_SITE, DEPARTMENT, ("进货查验记录",))


def bench_plan(team_size: int) -> Plan:
    return Plan(id="BENCH", name="团队抽取基准", departments=(DEPARTMENT,), items=(ITEM.code,),
                ratios={"A": "1", "B": "3", "C": "10", "D": "20"}, team_size=team_size,
                window_start=dt.date(2026, 3, 1), window_end=dt.date(2026, 6, 30))


def reference_teams(codes: list[str], inspector_ids: list[str], seed: str, team_size: int
                    ) -> list[tuple[str, ...]]:
    return [tuple(consistent_sampler.sampler(inspector_ids, seed=seed + TEAM_SEED_INFIX + code,
                                             take=team_size, output="id"))
            for code in codes]


@click.command()
@click.option("--entities", default=5000, show_default=True, help="Drawn entities to staff.")
@click.option("--inspectors", default=1000, show_default=True, help="Eligible inspectors.")
@click.option("--team-size", default=2, show_default=True)
@click.option("--seed", default="20260315-0912-88317", show_default=True)
def main(entities: int, inspectors: int, team_size: int, seed: str) -> None:
    """Time our team draw against consistent_sampler, entity by entity."""
    codes = [make_credit_code("9", "1", "371002", f"{n:08d}") for n in range(entities)]
    staff = [Inspector(f"WH{n:05d}", "张伟", DEPARTMENT, f"37{n:09d}") for n in range(inspectors)]
    start = time.perf_counter()
    ours = draw_teams(bench_plan(team_size), seed, codes, staff, [ITEM])
    our_time = time.perf_counter() - start
    start = time.perf_counter()
    reference = reference_teams(codes, [i.id for i in staff], seed, team_size)
    reference_time = time.perf_counter() - start
    identical = [a.team for a in ours.assignments] == reference and not ours.unassigned
    pairs = entities * inspectors
    click.echo(f"teams:     {entities:,} entities × {inspectors:,} eligible inspectors, team of {team_size}")
    click.echo(f"ours:      {our_time:.3f} s ({our_time / pairs * 1e9:.0f} ns per inspector and entity)")
    click.echo(f"reference: {reference_time:.3f} s (consistent_sampler, the same tickets)")
    click.echo(f"speed-up:  {reference_time / our_time:.1f}x")
    click.echo(f"identical: {'yes' if identical else 'NO'}")


if __name__ == "__main__":
    main()
