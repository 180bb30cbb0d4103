"""How long the demo generator takes for a benchmark-sized directory (goal: 1,000,000 in < 60 s)."""

from __future__ import annotations

import time

import click

from server_stub.directory.demo import generate


@click.command()
@click.option("--entities", default=1_000_000, show_default=True)
@click.option("--seed", default=2026, show_default=True)
@click.option("--smoke", is_flag=True, help="A tiny run in seconds, as CI runs it (tests/test_benches.py).")
def main(entities: int, seed: int, smoke: bool) -> None:
    if smoke:
        entities = 200
    start = time.perf_counter()
    demo = generate(entities=entities, seed=seed)
    elapsed = time.perf_counter() - start
    click.echo(
        f"demo directory: {len(demo.entities):,} entities, {len(demo.inspectors):,} inspectors, "
        f"{len(demo.items)} items in {elapsed:.1f} s ({len(demo.entities) / elapsed:,.0f} entities/s)"
    )


if __name__ == "__main__":
    main()
