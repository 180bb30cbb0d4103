"""Time from app start to 我的任务 with 1,000 tasks on the phone and no network.

Makes an enrolled offline store holding ``--tasks`` tasks (each with three items and a team of
two; a tenth with a draft, a tenth with a signed record), then prints, best of ``--runs``:

- the floor: open the SQLite file and ``json.loads`` every task row (what any list must read);
- ours: open the store (migrations checked), work out every task's state, load the view-model
  and build the list's controls (``TaskListTab``) — all the Python the first screen costs;
- with ``--browser``: the real web client (``python -m app``, the platform unreachable) in
  headless Chromium, from navigation to the first task's name in the accessibility tree
  (includes loading the CJK font, which Flutter does before its first frame), ``--runs`` times
  in a new browser context and as many reloads of one page; best and median.

Run from the repository root: ``python -m bench.app_start [--tasks 1000] [--runs 5] [--browser]``.
"""

from __future__ import annotations

import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import cast

import click
import httpx

from app.domain.inspection import Draft
from app.services.tasks import TaskService
from app.state import STORE_FILE
from app.store import Enrolment, LocalStore
from app.viewmodels.tasks import TaskListModel
from app.views.task_list import TaskListTab
from sync import TaskJson, generate_key, public_key_b64, record_hash, sign_record

ROOT = Path(__file__).resolve().parent.parent
CREDIT_CODE = "91440300708461136T"


def make_task(n: int) -> TaskJson:
    return cast(TaskJson, {
        "id": f"T-{n:05d}", "plan_id": "P-1", "plan_name": "2026年食品经营者“双随机”抽查",
        "credit_code": CREDIT_CODE,
        "entity": {"name": f"威海市第{n}号食品经营有限公司", "address": f"山东省威海市环翠区新威路{n}号",
                   "region": "环翠区", "industry": "餐饮服务"},
        "items": [{"code": f"SP-0{i}", "name": f"抽查事项{i}", "category": "食品", "basis": "《食品安全法》第三十三条",
                   "method": "实地核查", "department": "市场监管局",
                   "checkpoints": ["经营许可证是否有效", "是否建立进货查验记录制度"]} for i in range(1, 4)],
        "team": [{"id": "WH001", "name": "张三", "badge_no": "37060200123"},
                 {"id": "WH002", "name": "李四", "badge_no": "37060200456"}],
        "due": f"2027-{1 + n % 12:02d}-{1 + n % 28:02d}", "code_token": "x" * 400, "record": None,
    })


def make_store(directory: Path, count: int) -> Path:
    store = LocalStore.open(directory / STORE_FILE)
    key = generate_key()
    store.save_enrolment(Enrolment("http://127.0.0.1:9", "D-0001", "token", "inspector",
                                   {"id": "WH001", "name": "张三", "department": "市场监管局",
                                    "badge_no": "37060200123"}, "2026-03-01T08:00:00+08:00",
                                   public_key_b64(key), "file:none"))
    tasks = [make_task(n) for n in range(count)]
    store.save_tasks(tasks, "2026-03-01T08:00:00+08:00")
    seq, prev = 0, None
    for n, task in enumerate(tasks):
        if n % 10 == 1:
            store.save_draft(task["id"], Draft.start(task, "2026-03-02T09:00:00+08:00").to_json(), "2026-03-02T09:00:00+08:00")
        elif n % 10 == 2:
            draft = Draft.start(task, "2026-03-02T09:00:00+08:00")
            for answer in draft.answers.values():
                answer.result = "合格"  # type: ignore[assignment]
            draft.outcome = "通过登记的住所（经营场所）无法联系"  # type: ignore[assignment]  # nobody there
            seq += 1
            record = draft.to_record(task, record_id=f"{n:08d}-0000-4000-8000-000000000000",
                                     device_id="D-0001", seq=seq, prev=prev,
                                     finished_at="2026-03-02T10:00:00+08:00").to_json()
            store.add_signed_record(dict(sign_record(record, key, "D-0001")), record_hash(record), "2026-03-02T10:00:00+08:00")
            prev = record_hash(record)
    return directory / STORE_FILE


def best(runs: int, step: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return min(times)


def floor(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        [json.loads(row[0]) for row in conn.execute("SELECT data FROM tasks")]


def ours(path: Path) -> None:
    model = TaskListModel(TaskService(LocalStore.open(path)))
    model.load()
    TaskListTab(model, lambda _: None)


def first_paint(directory: Path, runs: int) -> tuple[list[float], list[float]]:
    """Seconds from navigation to the first task's name in the accessibility tree: ``runs``
    times in a new browser context (nothing cached), and as many reloads of one page."""
    from tests.browser.driver import browser, open_app, phone_context
    from tests.utils.launcher import free_port

    port = free_port()
    env = {**os.environ, "ZSC_WEB_PORT": str(port), "ZSC_APP_DATA_DIR": str(directory),
           "ZSC_KEY_DIR": str(directory.parent / "keys"), "ZSC_SERVER_URL": "http://127.0.0.1:9"}
    process = subprocess.Popen([sys.executable, "-m", "app"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    first_task = make_task(0)["entity"]["name"]
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                if httpx.get(url, timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        fresh, reloads = [], []
        with browser() as instance:
            for _ in range(runs):
                context = phone_context(instance)
                page = context.new_page()
                start = time.perf_counter()
                open_app(page, url)
                page.get_by_text(first_task).first.wait_for(timeout=120_000)
                fresh.append(time.perf_counter() - start)
                context.close()
            page = phone_context(instance).new_page()
            open_app(page, url)
            for _ in range(runs):
                start = time.perf_counter()
                page.reload()
                page.wait_for_selector("flt-semantics-placeholder", state="attached", timeout=60_000)
                page.dispatch_event("flt-semantics-placeholder", "click")
                page.get_by_text(first_task).first.wait_for(timeout=120_000)
                reloads.append(time.perf_counter() - start)
        return fresh, reloads
    finally:
        process.terminate()
        process.wait(timeout=10)


@click.command()
@click.option("--tasks", "count", default=1000, show_default=True)
@click.option("--runs", default=5, show_default=True)
@click.option("--browser", "with_browser", is_flag=True, help="also time the web client's first paint")
@click.option("--smoke", is_flag=True, help="A tiny run in seconds, as CI runs it (tests/test_benches.py).")
def main(count: int, runs: int, with_browser: bool, smoke: bool) -> None:
    if smoke:
        count, runs = 20, 1
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp) / "app-data"
        path = make_store(directory, count)
        size = path.stat().st_size
        floor_s = best(runs, lambda: floor(path))
        ours_s = best(runs, lambda: ours(path))
        print(f"tasks: {count}, store file {size / 1e6:.1f} MB, best of {runs}")
        print(f"floor (read + parse every task):           {floor_s * 1000:7.1f} ms")
        print(f"ours (store, states, view-model, controls): {ours_s * 1000:7.1f} ms"
              f"  ({ours_s / floor_s:.1f}× the floor)")
        if with_browser:
            fresh, reloads = first_paint(directory, runs)
            print(f"web client, new context → task list shown:  best {min(fresh):5.2f} s,"
                  f" median {statistics.median(fresh):5.2f} s")
            print(f"web client, reload → task list shown:       best {min(reloads):5.2f} s,"
                  f" median {statistics.median(reloads):5.2f} s")


if __name__ == "__main__":
    main()
