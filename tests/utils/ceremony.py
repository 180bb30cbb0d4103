"""The draw ceremony as tests run it: freeze, then the same witnessed dice every time."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import sqlalchemy as sa

from server_stub.draws import planning
from tests.utils.actors import TESTER

DICE = "31415926535897932384"
WITNESSES = ("测试见证人（自动化测试，非真实掷骰）",)
ENTROPY = {"dice": DICE, "witnesses": list(WITNESSES)}
"""The body of ``POST /api/v1/plans/{id}/draw``."""


def freeze_and_draw(conn: sa.Connection, plan_id: str, *, now: dt.datetime) -> planning.DrawSummary:
    """Freeze the plan's population, then draw it with the test dice."""
    planning.freeze_population(conn, plan_id, now=now, actor=TESTER)
    return planning.run_draw(conn, plan_id, now=now, actor=TESTER, dice=DICE, witnesses=WITNESSES)


def draw_over_api(admin: httpx.Client, plan_id: str) -> httpx.Response:
    """Freeze (when not frozen yet) and draw over the admin API; the draw's answer."""
    frozen: Any = admin.post(f"/api/v1/plans/{plan_id}/freeze")
    assert frozen.status_code in (201, 409), frozen.text
    return admin.post(f"/api/v1/plans/{plan_id}/draw", json=ENTROPY)
