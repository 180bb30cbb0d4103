"""What a person reads on the public pages counts once and from 1 (issue 24, point 7): the
publication log's entries are numbered from 1 on /results (0-based in the API and the proofs),
and the draw page's steps carry one numbering (①②③④), not a list's 1. 2. besides."""

from __future__ import annotations

import re
from typing import Any

from server_stub.api.templates import render


def _row(index: int) -> dict[str, Any]:
    return {"id": "R-1", "entity_name": "威海某某超市有限公司", "credit_code": "91371000MA3C000000",
            "result": "未发现问题", "remarks": "", "authority": "威海市市场监督管理局", "plan_id": "P-1",
            "plan_name": "抽查", "completed_on": "2026-12-06", "published_on": "2026-12-07",
            "items": [], "log": {"index": index, "kind": "publish"}}


def test_results_count_log_entries_from_one() -> None:
    page = render("results.html", rows=[_row(0), _row(41)], total=2, page=1, pages=1, q="").body.decode()
    assert "公示日志第 1 条" in page and "公示日志第 42 条" in page
    assert "公示日志第 0 条" not in page and "公示日志第 41 条" not in page
    # the proof the link opens is still the record's own: the API keeps its 0-based index
    assert 'href="/results/R-1/proof"' in page


def test_the_draw_steps_are_numbered_once() -> None:
    ceremony = {"attempt": 1, "state": "drawn", "frozen_at": "2026-12-01T01:00:00+00:00",
                "closed_at": "2026-12-01T02:00:00+00:00", "population_commitment": "ab" * 32,
                "strata": [{"stratum": 1, "population": 10, "ratio": 10, "k": 1,
                            "population_commitment": "cd" * 32}],
                "entropy": {"dice": "123456", "witnesses": ["王五"], "public_value": "42"}, "reason": None}
    plan = {"created_at": "2026-11-30T01:00:00+00:00", "commitment": "ef" * 32,
            "entropy": {"dice_digits": 6, "public_value": None}, "ceremonies": [ceremony, ceremony]}
    page = render("ceremony.html", plan=plan).body.decode()
    assert "① 创建计划" in page and page.count("② 名录冻结") == 2
    assert "<ol" not in page, "an ordered list would number the steps a second time (1. ①)"
    lists = re.findall(r"<ul[^>]*>", page)
    assert lists and all("list-style:none" in tag for tag in lists)
