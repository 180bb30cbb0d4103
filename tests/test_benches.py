"""Benches that do not rot (issue 29 point 6): every bench in ``bench/`` runs at a tiny size
(``python -m bench.X --smoke``) as a real process, exits 0 and prints its figures.

Nothing here times anything: the figures mean nothing at this size, only that the bench still
runs against today's code (bench/sync.py once failed for months unnoticed). The benches are
started together when the first of them is asked for, so that the whole file costs about as long
as the slowest bench (the browser's) rather than their sum.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"

FIGURES: dict[str, list[str]] = {
    "aggregate": [r"dashboard, one plan, from June: aggregates \d+\.\d+ s, full recount \d+\.\d+ s",
                  r"figures equal", r"by industry, region and grade +\d+\.\d+ s +\d+\.\d+ s",
                  r"public page /search\?q=<name fragment> +\d+\.\d+ ms"],
    "app_start": [r"floor \(read \+ parse every task\): +\d", r"ours \(store, states, view-model, controls\): +\d"],
    "audit": [r"import of 200 new rows +with trail +\d", r"the trail's cost per act: \d+\.\d+ ms"],
    "crowd": [r"\[SQLite, 1 worker\] \d[\d,]* records/s .* raw limit \d", r"errors 0;",
              r"/health under load: .* failed 0", r"ceiling: .* of the raw limit",
              (r"p99 by call: POST /photos/missing \d[\d,]* ms \(3\); PUT /photos \d[\d,]* ms \(3\); "
               r"POST /records/batch \d[\d,]* ms \(3\)"),
              r"cores while the crowd ran: .* the server \d+%, .* idle \d+%"],
    "demo_data": [r"demo directory: 200 entities"],
    "draw": [r"ours: +\d+\.\d+ s", r"identical: yes"],
    "photo_pick": [r"run 1: 1 photos \(\d+\.\d MB\) stored in \d+\.\d s; longest frame gap \d+ ms"],
    "photo_store": [r"\[directory\] upload +\d+\.\d MB/s through HTTP \(store alone",
                    r"\[S3\] upload +\d+\.\d MB/s through HTTP .* serve +\d+\.\d MB/s"],
    "province_draw": [r"entities: 1,200; .*复核通过", r"draw: +\d+\.\d+ s wall",
                      r"floor: consistent_sampler: +\d+\.\d+ s wall"],
    "photos": [r"ratio: +\d+\.\d+", r"heic ours: +\d"],
    "slow_link": [r"floor \(the bytes at 10 Mbit/s, no round trip\): +\d+\.\d s",
                  r"ours: +\d+\.\d s  ratio +\d+\.\d+", r"one by one: +\d+\.\d s  ratio +\d+\.\d+"],
    "sync": [r"\[SQLite\] records: \d[\d,]*/s through HTTP, raw limit \d",
             r"\[SQLite\] photos: +\d+\.\d MB/s through HTTP"],
    "task_history": [r"history adds \d+\.\d KB raw"],
    "teams": [r"ours: +\d+\.\d+ s", r"identical: yes"],
}
"""Per bench, what its output must show: the figures it exists to print."""

BROWSER = {"photo_pick"}


def test_every_bench_is_here() -> None:
    assert set(FIGURES) == {p.stem for p in (ROOT / "bench").glob("*.py") if p.stem != "__init__"}


@dataclass
class Run:
    process: subprocess.Popen[bytes]
    output: Path

    def result(self, timeout: float) -> tuple[int, str]:
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise
        return code, self.output.read_text(encoding="utf-8", errors="replace")


def _browser_ok() -> bool:
    return Path(CHROMIUM).exists() or bool(os.environ.get("ZSC_REQUIRE_BROWSER"))


@pytest.fixture(scope="module")
def runs(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Run]]:
    """Every selected bench's ``--smoke``, all started at once."""
    wanted = {item.callspec.params["bench"] for item in request.session.items
              if item.path == Path(__file__) and hasattr(item, "callspec")}
    if not _browser_ok():
        wanted -= BROWSER
    directory = tmp_path_factory.mktemp("benches")
    started: dict[str, Run] = {}
    for name in sorted(wanted, key=lambda n: n not in BROWSER):  # the longest first
        output = directory / f"{name}.txt"
        with output.open("wb") as sink:
            process = subprocess.Popen([sys.executable, "-m", f"bench.{name}", "--smoke"], cwd=ROOT,
                                       stdout=sink, stderr=subprocess.STDOUT,
                                       env={**os.environ, "PYTHONUNBUFFERED": "1"})
        started[name] = Run(process, output)
    yield started
    for run in started.values():
        if run.process.poll() is None:
            run.process.kill()
            run.process.wait()


@pytest.mark.parametrize("bench", sorted(FIGURES))
def test_smoke(bench: str, runs: dict[str, Run]) -> None:
    if bench in BROWSER and not _browser_ok():
        pytest.skip(f"{CHROMIUM} 不存在：浏览器基准需要 Debian 的 chromium 软件包")
    code, output = runs[bench].result(timeout=600)
    assert code == 0, f"python -m bench.{bench} --smoke exited {code}:\n{output[-4000:]}"
    for figure in FIGURES[bench]:
        assert re.search(figure, output), f"bench.{bench} --smoke printed no {figure!r}:\n{output[-4000:]}"
