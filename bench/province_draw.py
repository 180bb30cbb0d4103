"""A province's draw, command by command (issue 29, point 5): ``plan create``, ``freeze``,
``draw``, ``draw-export`` and ``verify-draw`` on a demo directory of ``--entities`` entities, each run as
the command a supervisor types (in this process, through the CLI), beside floors in the same run.

The directory (the demo generator's, saved through the platform's own import with its audit
trail) is built once into ``--directory`` (a data directory kept between runs) and copied for each
run, so a second run at a million entities does not pay the hour of the import again. The plan is
the demo's (food sellers and caterers, ratios 3/5/15/30 %, teams of two, at most 8 tasks each).

Each step's CPU seconds count this process and the worker processes it ended (``RUSAGE_CHILDREN``):
a draw or verify-draw of millions of tickets hashes them in worker processes (issue 29, point
5), so its wall clock on a quiet machine is below its CPU time; the CPU in workers is shown apart.

Floors, timed in the same run on the same frozen strata:
- the entity draw by the reference ``consistent_sampler`` 1.0.10, stratum by stratum;
- one bare SHA-256 per ticket the draw must compute (every entity of the population, and every
  inspector eligible for every drawn entity, as counted by re-running the team draw), in a plain
  ``hashlib`` loop on one core: what hashing alone costs in Python on this machine.

Run from the repository root: ``python -m bench.province_draw --entities 1000000``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click
import consistent_sampler  # type: ignore[import-untyped]
from click.testing import CliRunner

from server_stub.cli import cli
from server_stub.core.audit_trail import Actor
from server_stub.core.config import Settings
from server_stub.core.db import make_engine, migrate
from server_stub.directory import queries
from server_stub.directory.demo import SAMR, generate

PLAN_ID = "BENCH-PROVINCE-01"
DICE = "31415926535897932384"
WITNESS = "基准测试见证人（程序模拟，非真实掷骰）"


def build_directory(data: Path, entities: int, seed: int) -> None:
    """The demo directory of ``entities`` entities in a fresh data directory, through the
    platform's import (every row audited, as a real import is)."""
    settings = Settings.from_env(data)
    engine = make_engine(settings.database_url)
    migrate(engine)
    demo = generate(entities=entities, seed=seed)
    actor = Actor.on_host()
    with engine.begin() as conn:
        queries.save_items(conn, items=demo.items, actor=actor)
        queries.save_inspectors(conn, inspectors=demo.inspectors, actor=actor)
        queries.save_entities(conn, entities=demo.entities, actor=actor)
    engine.dispose()


def cpu_seconds() -> tuple[float, float]:
    """CPU seconds (user and system) of this process, and of its ended child processes."""
    own, children = (resource.getrusage(who) for who in (resource.RUSAGE_SELF,
                                                            resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


@contextmanager
def timed(label: str, times: dict[str, tuple[float, float, float]]) -> Iterator[None]:
    """Wall-clock and CPU seconds of the block, and how much of the CPU its worker processes
    took: on a shared machine the wall clock also counts the other processes' turns, the CPU
    time only this work."""
    wall, (own, children) = time.perf_counter(), cpu_seconds()
    yield
    own_after, children_after = cpu_seconds()
    workers = children_after - children
    times[label] = (time.perf_counter() - wall, own_after - own + workers, workers)
    click.echo(f"  {label:<26} {describe(times[label])}", err=True)


def describe(figures: tuple[float, float, float]) -> str:
    wall, cpu, workers = figures
    line = f"{wall:8.2f} s wall {cpu:8.2f} s CPU"
    return line + (f" ({workers:.2f} s of it in worker processes)" if workers >= 0.005 else "")


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    if result.exit_code != 0:
        raise click.ClickException(f"{' '.join(args[:2])} failed:\n{result.output}")
    return result.output


def floors(export: dict[str, object], times: dict[str, tuple[float, float, float]]) -> None:
    """The reference entity draw and the bare hashing of every ticket, on the export's inputs."""
    strata = export["strata"]
    seed = str(export["seed"])
    assert isinstance(strata, list)
    with timed("floor: consistent_sampler", times):
        for s in strata:
            ids = [code.encode().decode() for code in s["ids"]]  # fresh strings, no cached hash
            drawn = list(consistent_sampler.sampler(ids, seed=seed, take=s["k"], output="id"))
            assert drawn == s["drawn"], "the reference draws otherwise"
    tickets = sum(len(s["ids"]) for s in strata) + team_tickets(export)
    seed_hash = hashlib.sha256(seed.encode()).hexdigest().encode()
    ids = [s["ids"][0].encode() for s in strata if s["ids"]] or [b"x"]
    with timed("floor: bare SHA-256", times):
        hasher = hashlib.sha256(seed_hash)
        for n in range(tickets):
            h = hasher.copy()
            h.update(ids[n % len(ids)])
            h.digest()
    click.echo(f"  (the draw computes {tickets:,} tickets)", err=True)


def team_tickets(export: dict[str, object]) -> int:
    """How many inspector tickets the team draw hashed: re-run it in this process (no worker
    processes) with a counting hasher."""
    from server_stub.draws import sampling, tickets

    count = 0
    original, parallel = tickets.ticket_prefixes, sampling.PARALLEL_TICKETS

    def counting(hasher: hashlib._Hash, encoded_ids: Iterable[bytes]) -> list[int]:
        nonlocal count
        prefixes = original(hasher, encoded_ids)
        count += len(prefixes)
        return prefixes

    tickets.ticket_prefixes = counting
    sampling.PARALLEL_TICKETS = sys.maxsize
    try:
        from server_stub.draws.audit import verify_export

        verify_export(export)
    finally:
        tickets.ticket_prefixes, sampling.PARALLEL_TICKETS = original, parallel
    strata = export["strata"]
    assert isinstance(strata, list)
    return count - sum(len(s["ids"]) for s in strata if 2 * s["k"] < len(s["ids"]))


@click.command()
@click.option("--entities", default=1_000_000, show_default=True, help="Entities in the directory.")
@click.option("--seed", default=2026, show_default=True, help="The demo generator's seed.")
@click.option("--directory", "kept", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Data directory holding the built directory, kept between runs (default: "
                   "a temporary one, built afresh).")
@click.option("--smoke", is_flag=True, help="A tiny run in seconds, as CI runs it (tests/test_benches.py).")
def main(entities: int, seed: int, kept: Path | None, smoke: bool) -> None:
    """Time plan create, freeze, draw and verify-draw at a province's size, beside floors."""
    if smoke:
        entities = 1200
    with tempfile.TemporaryDirectory(prefix="province-draw-") as tmp:
        work = Path(tmp) / "data"
        source = kept / f"demo-{entities}-{seed}" if kept else Path(tmp) / "source"
        if not (source / "zsc.db").exists():
            click.echo(f"building a demo directory of {entities:,} entities in {source}…", err=True)
            start = time.perf_counter()
            build_directory(source, entities, seed)
            click.echo(f"  built in {time.perf_counter() - start:.1f} s", err=True)
        shutil.copytree(source, work)
        data = ["--data", str(work)]
        today = dt.date.today()
        times: dict[str, tuple[float, float, float]] = {}
        export_path = Path(tmp) / "export.json"
        with timed("plan create", times):
            run("plan", "create", *data, "--id", PLAN_ID, "--name", "全省食品经营者抽查（基准）",
                "--department", SAMR, "--item", "SC-SP-01", "--item", "SC-SP-02",
                "--ratio", "A=3", "--ratio", "B=5", "--ratio", "C=15", "--ratio", "D=30",
                "--team-size", "2", "--workload-cap", "8",
                "--start", today.isoformat(), "--end", (today + dt.timedelta(days=60)).isoformat())
        with timed("freeze", times):
            run("freeze", PLAN_ID, *data)
        with timed("draw", times):
            drawn = run("draw", PLAN_ID, *data, "--dice", DICE, "--witness", WITNESS)
        with timed("draw-export", times):
            run("draw-export", PLAN_ID, str(export_path), *data)
        with timed("verify-draw", times):
            verified = run("verify-draw", str(export_path), "--quiet")
        size = export_path.stat().st_size
        export = json.loads(export_path.read_text(encoding="utf-8"))
        floors(export, times)
    tasks = len(export["tasks"])
    click.echo(f"entities: {entities:,}; drawn {sum(len(s['drawn']) for s in export['strata']):,}, "
               f"tasks {tasks:,}; export {size / 1e6:.1f} MB; {verified.strip().splitlines()[-1]}")
    click.echo(next(line for line in drawn.splitlines() if line.startswith("共抽中")))
    for label, figures in times.items():
        click.echo(f"{label + ':':<28}{describe(figures)}")


if __name__ == "__main__":
    main()
