"""The supervisor's dashboard export through the real server: no formula, numbers as numbers."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from server_stub.directory.demo import SAMR
from tests.conftest import Server
from tests.server_stub.api.test_review import enrol_people
from tests.utils.phone import admin_client


@pytest.fixture
def server(app_server: Server) -> Server:
    """A fresh server for each test, in this process: the test is about the export, not the process."""
    return app_server


EVIL_NAME = '=HYPERLINK("http://x","y")'


def test_a_plan_name_is_inert_in_both_exports(server: Server) -> None:
    plan = {"id": "EVIL-1", "name": EVIL_NAME, "departments": [SAMR], "items": ["SC-TSSB-01"],
            "ratios": {"D": "1"}, "team_size": 2, "window_start": "2026-04-01",
            "window_end": "2026-09-30"}
    created = admin_client(server).post("/api/v1/plans", json=plan)
    assert created.status_code == 201, created.text
    _, supervisor = enrol_people(server)

    xlsx = supervisor.client.get("/api/v1/stats/export", params={"format": "xlsx"})
    assert xlsx.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content))["抽查计划"]
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    name, tasks = rows["EVIL-1"][1], rows["EVIL-1"][2]
    assert (name.value, name.data_type) == (EVIL_NAME, "s")
    assert (tasks.value, tasks.data_type) == (0, "n")
    demo_rates = next(row for key, row in rows.items() if key != "EVIL-1")
    assert isinstance(demo_rates[2].value, int) and demo_rates[2].value > 0

    text = supervisor.client.get("/api/v1/stats/export", params={"format": "csv"}).content
    cells = [row for row in csv.reader(io.StringIO(text.decode("utf-8-sig"), newline=""))]
    assert ["EVIL-1", "'" + EVIL_NAME, "0", "0", "0", "—", "—"] in cells
