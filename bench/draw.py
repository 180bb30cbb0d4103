"""Benchmark of the entity draw against the reference ``consistent_sampler``, in the same run.

Builds a synthetic directory of valid credit codes split into four risk strata, draws each stratum
with the plan ratios A 1 %, B 3 %, C 10 %, D 20 % using :func:`server_stub.draws.consistent_sample`,
then with ``consistent_sampler.sampler`` on the same input, and prints both times, their ratio and
whether the selections (order included) are identical.

Run from the repository root: ``python -m bench.draw [--size 1000000]``.
"""

from __future__ import annotations

import importlib.metadata
import random
import time
from collections.abc import Callable
from decimal import Decimal

import click
import consistent_sampler  # type: ignore[import-untyped]

from server_stub.draws.sampling import consistent_sample, stratum_size
from sync import RiskGrade, make_credit_code

RATIOS = {
    RiskGrade.A: Decimal(1),
    RiskGrade.B: Decimal(3),
    RiskGrade.C: Decimal(10),
    RiskGrade.D: Decimal(20),
}
# Share of the directory in each grade: most market entities are low risk.
SHARES = {RiskGrade.A: 0.60, RiskGrade.B: 0.25, RiskGrade.C: 0.10, RiskGrade.D: 0.05}
REGIONS = ("370602", "370611", "370612", "370613", "370634", "370681", "370683", "370687")

Strata = dict[RiskGrade, list[str]]
Draws = dict[RiskGrade, list[str]]


def build_directory(size: int, rng: random.Random) -> Strata:
    """``size`` distinct valid credit codes, each given a risk grade by ``SHARES``."""
    strata: Strata = {grade: [] for grade in RiskGrade}
    grades = rng.choices(list(SHARES), weights=list(SHARES.values()), k=size)
    for serial, grade in enumerate(grades):
        code = make_credit_code("9", "1", rng.choice(REGIONS), f"{serial:08d}")
        strata[grade].append(code)
    return strata


def timed_draws(
    strata: Strata, seed: str, draw: Callable[[list[str], str, int], list[str]], label: str
) -> tuple[float, Draws]:
    """Run ``draw`` on every stratum; total seconds and the selections. Prints progress.

    Each run gets new string objects, so neither side profits from hashes the other computed
    (``str`` caches its hash, and both sides build a set of the ids to refuse duplicates).
    """
    draws: Draws = {}
    total = 0.0
    for grade, codes in strata.items():
        ids = [code.encode().decode() for code in codes]
        k = stratum_size(len(ids), RATIOS[grade])
        start = time.perf_counter()
        draws[grade] = draw(ids, seed, k)
        elapsed = time.perf_counter() - start
        total += elapsed
        click.echo(f"  {label:9} {grade}: N={len(ids):>9,} k={k:>7,}  {elapsed:8.3f} s", err=True)
    click.echo(f"  {label:9} total            {total:19.3f} s", err=True)
    return total, draws


def reference_draw(ids: list[str], seed: str, k: int) -> list[str]:
    return list(consistent_sampler.sampler(ids, seed=seed, take=k, output="id"))


@click.command()
@click.option("--size", default=1_000_000, show_default=True, help="Entities in the directory.")
@click.option("--seed", default="20260315-0912-88317", show_default=True, help="Draw seed.")
@click.option(
    "--repeat", default=3, show_default=True, help="Runs of each side; the fastest one counts."
)
@click.option("--smoke", is_flag=True, help="A tiny run in seconds, as CI runs it (tests/test_benches.py).")
def main(size: int, seed: str, repeat: int, smoke: bool) -> None:
    if smoke:
        size, repeat = 2000, 1
    """Time our stratified draw against consistent_sampler on one synthetic directory."""
    click.echo(f"building a directory of {size:,} credit codes…", err=True)
    strata = build_directory(size, random.Random(size))
    ours, reference = float("inf"), float("inf")
    identical = True
    for run in range(1, repeat + 1):
        click.echo(f"run {run}/{repeat}", err=True)
        our_time, our_draws = timed_draws(strata, seed, consistent_sample, "ours")
        ref_time, ref_draws = timed_draws(strata, seed, reference_draw, "reference")
        ours, reference = min(ours, our_time), min(reference, ref_time)
        identical = identical and our_draws == ref_draws
    drawn = sum(len(d) for d in our_draws.values())
    click.echo(f"entities:  {size:,} in 4 strata (A 1 %, B 3 %, C 10 %, D 20 %), drawn {drawn:,}")
    click.echo(f"ours:      {ours:.3f} s (best of {repeat})")
    click.echo(f"reference: {reference:.3f} s (best of {repeat}, consistent_sampler {_version()})")
    click.echo(f"speed-up:  {reference / ours:.1f}x")
    click.echo(f"identical: {'yes' if identical else 'NO'}")


def _version() -> str:
    return importlib.metadata.version("consistent-sampler")


if __name__ == "__main__":
    main()
