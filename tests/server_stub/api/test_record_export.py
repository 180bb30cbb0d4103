"""逐条记录导出 (issue 16, point 8): every record of a plan or period as .xlsx, through the real
server. Numbers are numbers, dates are dates, text is never a formula, no risk grade; and each
"no" of the supervisors' rules."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import httpx
import openpyxl
import pytest

from sync import RecordItem
from tests.conftest import Server
from tests.server_stub.api.test_review import enrol_people, other_inspector, submit
from tests.utils.phone import Phone

EXPORT = "/api/v1/review/export"
EVIL = '=HYPERLINK("http://x","y")'


@pytest.fixture(scope="module")
def exported(shared_app_server: Server) -> dict[str, Any]:
    """On one server for the module: a returned record and its revision on one task, a failed
    item whose note looks like a formula on another; the supervisor's phone."""
    inspector, supervisor = enrol_people(shared_app_server)
    first, second = inspector.tasks()[:2]
    returned = submit(inspector, first)["record"]
    answer = supervisor.client.post(f"/api/v1/review/records/{returned['id']}/return",
                                    json={"comment": "请补充照片"})
    assert answer.status_code == 204
    mine = next(x for x in inspector.tasks() if x["id"] == first["id"])["record"]
    revision = submit(inspector, first, supersedes=mine["hash"])["record"]
    items = tuple(RecordItem(code=i["code"], result="不合格" if n == 0 else "合格",
                             note=EVIL if n == 0 else "") for n, i in enumerate(second["items"]))
    failed = submit(inspector, second, outcome="发现问题待后续处理", items=items,
                    started_at="2026-03-05T09:00:00+08:00", finished_at="2026-03-05T10:15:00+08:00")["record"]
    return {"server": shared_app_server, "inspector": inspector, "supervisor": supervisor,
            "plan": first["plan_id"], "returned": returned, "revision": revision, "failed": failed,
            "tasks": (first, second)}


def workbook(answer: httpx.Response) -> openpyxl.Workbook:
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/vnd.openxmlformats")
    return openpyxl.load_workbook(io.BytesIO(answer.content))


def by_id(sheet: Any) -> dict[str, dict[str, Any]]:
    """The rows of a sheet as {record id: {header: cell}} (the last row of an id wins)."""
    header = [c.value for c in sheet[1]]
    return {row[0].value: dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2)}


def test_one_row_per_record_with_numbers_dates_and_states(exported: dict[str, Any]) -> None:
    book = workbook(exported["supervisor"].client.get(EXPORT, params={"plan_id": exported["plan"]}))
    assert book.sheetnames == ["检查记录", "检查事项"]
    rows = by_id(book["检查记录"])
    returned, revision, failed = (exported[k]["id"] for k in ("returned", "revision", "failed"))
    assert set(rows) == {returned, revision, failed}, "every record, the replaced one included"
    assert rows[returned]["状态"].value == "已修订" and rows[returned]["是否当前结果"].value == "否"
    assert rows[revision]["状态"].value == "待审核" and rows[revision]["是否当前结果"].value == "是"
    assert rows[returned]["审核意见"].value == "请补充照片"

    row = rows[failed]
    second = exported["tasks"][1]
    assert row["市场主体名称"].value == second["entity"]["name"]
    assert row["统一社会信用代码"].value == second["credit_code"]
    assert row["检查结果"].value == "发现问题待后续处理"
    count = len(second["items"])
    for header, value in (("事项数", count), ("不合格", 1), ("合格", count - 1), ("不涉及", 0)):
        assert (row[header].value, row[header].data_type) == (value, "n"), header
    start, end = row["检查开始时间"], row["检查结束时间"]
    assert start.is_date and end.is_date, "real Excel dates, not text"
    assert (start.value, end.value) == (dt.datetime(2026, 3, 5, 9, 0), dt.datetime(2026, 3, 5, 10, 15)), \
        "China wall-clock time"
    assert row["提交时间"].is_date
    assert row["不合格事项"].value == second["items"][0]["name"]
    names = {m["name"] for m in second["team"]}
    assert set(row["检查人员"].value.split("、")) == names


def test_a_cell_beginning_with_equals_stays_text_and_items_have_their_own_rows(
        exported: dict[str, Any]) -> None:
    book = workbook(exported["supervisor"].client.get(EXPORT))
    items = [r for r in book["检查事项"].iter_rows(min_row=2) if r[0].value == exported["failed"]["id"]]
    header = [c.value for c in book["检查事项"][1]]
    assert len(items) == len(exported["tasks"][1]["items"]), "one row per record and item"
    note = items[0][header.index("说明")]
    assert (note.value, note.data_type) == (EVIL, "s"), "a formula-like note is a string cell"
    assert items[0][header.index("检查结果")].value == "不合格"
    assert items[0][header.index("照片数")].data_type == "n"


def test_never_a_risk_grade(exported: dict[str, Any]) -> None:
    book = workbook(exported["supervisor"].client.get(EXPORT))
    for sheet in book.worksheets:
        headers = [str(c.value) for c in sheet[1]]
        assert not any("风险" in h or "等级" in h for h in headers), headers


def test_a_period_is_of_inspection_dates_china_time_both_ends_included(exported: dict[str, Any]) -> None:
    client = exported["supervisor"].client
    day = by_id(workbook(client.get(EXPORT, params={"start": "2026-03-05", "end": "2026-03-05"}))["检查记录"])
    assert set(day) == {exported["failed"]["id"]}
    before = by_id(workbook(client.get(EXPORT, params={"end": "2026-03-04"}))["检查记录"])
    assert exported["failed"]["id"] not in before and exported["revision"]["id"] in before
    reversed_ = workbook(client.get(EXPORT, params={"start": "2026-03-06", "end": "2026-03-01"}))
    assert reversed_["检查记录"].max_row == 1, "an empty period: the header alone"


@pytest.mark.parametrize("params", [
    {"start": "2026-02-30"}, {"start": "0"}, {"end": "86400"}, {"start": "2026-03-01T00:00:00"},
    {"end": "明天"}, {"plan_id": "x" * 61},
])
def test_bad_queries_are_400_never_500(exported: dict[str, Any], params: dict[str, str]) -> None:
    answer = exported["supervisor"].client.get(EXPORT, params=params)
    assert answer.status_code in (400, 422) and "error" in answer.json(), answer.text


def test_who_may_not_export(exported: dict[str, Any]) -> None:
    server: Server = exported["server"]
    assert httpx.get(f"{server.url}{EXPORT}").status_code == 401, "no token"
    assert httpx.get(f"{server.url}{EXPORT}", headers={"Authorization": "Bearer made-up"}).status_code == 401
    refused = exported["inspector"].client.get(EXPORT)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "supervisors_only"
    made_up = exported["supervisor"].client.get(EXPORT, params={"plan_id": "NO-SUCH-PLAN"})
    assert made_up.status_code == 404 and made_up.json()["error"]["code"] == "plan_not_found"
    stranger = Phone(server, other_inspector(server, "威海市生态环境局", set())).enroll("supervisor")
    theirs = stranger.client.get(EXPORT, params={"plan_id": exported["plan"]})
    assert theirs.status_code == 404 and theirs.json()["error"]["code"] == "plan_not_found", \
        "another department's plan is answered like one that does not exist"
    everything = workbook(stranger.client.get(EXPORT))
    assert everything["检查记录"].max_row == 1, "another department's records are not in its export"
