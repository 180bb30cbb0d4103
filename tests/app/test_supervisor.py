"""The supervisor's view-models (审核, 统计, 台账) and what they read, without any UI: the pure
parts on hand-built data, the rest against a real server process."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import io
import uuid
from typing import Any

import httpx
import openpyxl
import pytest
from PIL import Image
from sqlite_utils import Database

from app import strings as s
from app.domain.clock import CHINA
from app.domain.inspection import Draft
from app.domain.review import (
    allowed_decisions,
    check_disposal,
    custom_period,
    dashboard_filters,
    gaps_text,
    ledger_order,
    location_text,
    notice_text,
    percent,
    period_range,
    time_range,
)
from app.domain.tasks import LocalRecord, review_comment
from app.services.supervisor import PlatformError, SupervisorService
from app.services.sync_service import SyncService
from app.store import Enrolment, LocalStore
from app.viewmodels.dashboard import DashboardModel
from app.viewmodels.ledger import LedgerModel
from app.viewmodels.review import ReviewQueueModel, ReviewRecordModel
from sync import ItemResult, Outcome, RecordItem
from sync.file_name import record_pdf_name
from tests.app.factories import make_task
from tests.conftest import Server
from tests.server_stub.api.test_review import enrol_people
from tests.utils.phone import Phone, busiest_inspector


@pytest.fixture
def server(app_server: Server) -> Server:
    """A fresh server for each test, in this process: the tests are about the supervisor's service and models, not the platform's process."""
    return app_server

TODAY = dt.date(2026, 3, 20)

# --- the pure parts --------------------------------------------------------------------------


@pytest.mark.parametrize(("period", "expected"), [
    ("all", (None, None)),
    ("30d", (dt.date(2026, 2, 19), TODAY)),
    ("quarter", (dt.date(2026, 1, 1), TODAY)),
    ("year", (dt.date(2026, 1, 1), TODAY)),
])
def test_periods(period: str, expected: tuple[dt.date | None, dt.date | None]) -> None:
    assert period_range(period, TODAY) == expected


def test_the_quarter_starts_on_its_first_month_and_filters_drop_what_is_unset() -> None:
    assert period_range("quarter", dt.date(2026, 12, 31))[0] == dt.date(2026, 10, 1)
    assert dashboard_filters(None, *period_range("all", TODAY)) == {}
    assert dashboard_filters("P-1", *period_range("year", TODAY)) == {"plan_id": "P-1", "start": "2026-01-01",
                                                                      "end": "2026-03-20"}
    with pytest.raises(ValueError):
        period_range("decade", TODAY)


def test_a_custom_period_is_two_dates_in_order() -> None:
    assert custom_period(dt.date(2025, 10, 1), dt.date(2025, 12, 31)) == (dt.date(2025, 10, 1),
                                                                         dt.date(2025, 12, 31))
    assert custom_period(TODAY, TODAY) == (TODAY, TODAY), "one day"
    with pytest.raises(ValueError, match=s.STATS_CUSTOM_REVERSED):
        custom_period(dt.date(2026, 1, 2), dt.date(2026, 1, 1))


@pytest.mark.parametrize(("rate", "text"), [(None, "—"), (0.0, "0%"), (0.2727, "27.3%"), (0.5, "50%"),
                                            (1.0, "100%"), (0.99996, "100%")])
def test_percent(rate: float | None, text: str) -> None:
    assert percent(rate) == text


def test_the_notice_line_says_what_the_record_holds() -> None:
    """Shown, nobody there, or a record from before the notice existed: never 无企业确认, which
    is the acknowledgement's line (it said so twice on a format-1 record's screen)."""
    shown = {"notice": {"shown_at": "2026-03-02T09:00:00+08:00"}, "acknowledgement": None}
    assert notice_text(shown) == "已于 2026-03-02 09:00 出示执法证件并告知检查依据、事项及回避、陈述申辩权利"
    assert notice_text({"notice": None, "acknowledgement": {"kind": "absent"}}) == s.RECORD_NO_NOTICE
    assert notice_text({"v": 1}) == s.RECORD_NOTICE_NONE != s.RECORD_NO_ACK


def test_where_and_when_as_the_reviewer_reads_them() -> None:
    device = {"lat": 37.5, "lon": 122.1, "accuracy_m": 12, "source": "device"}
    assert location_text(device) == ("本机定位：37.50000, 122.10000（精度 ±12 米）", False)
    typed = {"lat": 37.5, "lon": 122.1, "accuracy_m": None, "source": "typed"}
    assert location_text(typed) == (s.RECORD_LOCATION_TYPED.format(lat=37.5, lon=122.1), True)
    assert location_text(None) == (s.RECORD_LOCATION_NONE, True)
    assert time_range("2026-03-02T09:00:00+08:00", "2026-03-02T09:40:00+08:00") == \
        "2026-03-02 09:00 至 09:40（40 分钟）"
    assert time_range("2026-03-02T23:50:00+08:00", "2026-03-02T16:20:00+00:00") == \
        "2026-03-02 23:50 至 2026-03-03 00:20（30 分钟）", "another clock's offset, the next day"


def test_chain_gaps_in_a_sentence() -> None:
    assert gaps_text([]) is None
    assert gaps_text([[3, 3], [5, 7]]) == s.RECORD_CHAIN_GAPS.format(gaps="3、5–7")


@pytest.mark.parametrize(("state", "superseded", "allowed"), [
    ("submitted", False, ("approve", "return")),
    ("approved", False, ("publish",)),
    ("returned", False, ()),
    ("published", False, ()),
    ("submitted", True, ()),
])
def test_what_a_reviewer_may_do(state: str, superseded: bool, allowed: tuple[str, ...]) -> None:
    assert allowed_decisions({"state": state, "superseded": superseded}) == allowed
    assert allowed_decisions({"state": state, "superseded": superseded, "own": True}) == (), "回避"


def test_the_ledger_puts_open_entries_first_and_overdue_ones_first_among_them() -> None:
    def entry(record_id: str, inspected: str, is_open: bool, overdue: bool,
              closed: str | None = None) -> dict[str, Any]:
        return {"record_id": record_id, "inspected_on": inspected, "open": is_open, "overdue": overdue,
                "disposal_date": closed}
    entries = [entry("closed-old", "2026-01-01", False, False, "2026-02-01"),
               entry("open-new", "2026-03-10", True, False),
               entry("closed-new", "2026-01-02", False, False, "2026-03-01"),
               entry("overdue", "2026-01-05", True, True),
               entry("open-old", "2026-03-01", True, False)]
    assert [e["record_id"] for e in ledger_order(entries)] == [
        "overdue", "open-old", "open-new", "closed-new", "closed-old"]


@pytest.mark.parametrize(("disposal", "date", "detail", "message"), [
    (None, dt.date(2026, 3, 10), "", s.LEDGER_NEED_DISPOSAL),
    ("罚款", dt.date(2026, 3, 10), "", s.LEDGER_NEED_DISPOSAL),
    ("立案", dt.date(2026, 3, 21), "威市监立〔2026〕18号", s.LEDGER_FUTURE_DATE),
    ("立案", dt.date(2026, 3, 10), " ", "“立案”须填写案件编号"),
    ("移送司法机关", dt.date(2026, 3, 10), "", "“移送司法机关”须填写接收部门（机关）"),
    ("不予行政处罚", dt.date(2026, 3, 10), "", "“不予行政处罚”须填写首违不罚清单事项"),
])
def test_a_disposal_is_checked_before_it_is_sent(disposal: str | None, date: dt.date, detail: str,
                                                 message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_disposal(disposal, date, TODAY, detail)
    assert check_disposal("移送其他部门", TODAY, TODAY, " 威海市商务局 ") == (
        "移送其他部门", TODAY, {"counterpart": "威海市商务局"})
    assert check_disposal("责令改正", TODAY, TODAY, "") == ("责令改正", TODAY, {})


def test_the_reviewers_comment_belongs_to_the_returned_record_only() -> None:
    returned = make_task(record={"id": "R1", "hash": "h" * 64, "state": "returned", "comment": "请补充照片"})
    assert review_comment(returned, LocalRecord("R1", "h" * 64, "acked", "returned")) == "请补充照片"
    assert review_comment(returned, None) == "请补充照片", "a teammate's record"
    assert review_comment(returned, LocalRecord("R2", "g" * 64, "pending", None)) is None, \
        "the revision is on its way"
    submitted = make_task(record={"id": "R1", "hash": "h" * 64, "state": "submitted", "comment": None})
    assert review_comment(submitted, None) is None


def test_a_revision_starts_from_the_returned_answers() -> None:
    task = make_task(items=3)
    returned = {"items": [{"code": "SP-01", "result": "不合格", "note": "冷藏柜8℃", "photos": ["a" * 64]},
                          {"code": "SP-02", "result": "合格", "note": "", "photos": []},
                          {"code": "GONE", "result": "合格", "note": "", "photos": []}],
                "outcome": "发现问题待后续处理", "note": "已告知",
                "location": {"lat": 36.1, "lon": 120.4, "accuracy_m": None, "source": "typed"},
                "started_at": "2026-03-02T09:00:00+08:00", "finished_at": "2026-03-02T09:40:00+08:00"}
    draft = Draft.revise(task, returned, "2026-03-05T10:00:00+08:00", "f" * 64)
    assert draft.supersedes == "f" * 64
    assert draft.started_at == "2026-03-02T09:00:00+08:00", "the visit's time, not the revision's"
    assert draft.visit is not None and draft.visit["finished_at"] == "2026-03-02T09:40:00+08:00"
    assert draft.visit["notice"] is None and draft.visit["acknowledgement"] is None
    assert draft.answer("SP-01").result == ItemResult.FAIL and draft.answer("SP-01").photos == ["a" * 64]
    assert draft.answer("SP-03").result is None, "an item the record lacked starts unanswered"
    assert "GONE" not in draft.answers
    assert draft.outcome == Outcome.PROBLEM_PENDING and draft.note == "已告知"
    assert draft.location is not None and draft.location.source == "typed"
    assert Draft.from_json(draft.to_json()) == draft


# --- against a real server ---------------------------------------------------------------------


def photo_bytes(seed: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), (seed * 50 % 256, 90, 160)).save(out, "JPEG", quality=85)
    return out.getvalue()


def send(phone: Phone, task: dict[str, Any], *, photo: bytes | None = None, **changes: Any) -> dict[str, Any]:
    """One signed record of ``task`` from ``phone`` to the platform (with its photo first)."""
    envelope = phone.record(task, photos=[photo] if photo else [], **changes)
    if photo:
        name = hashlib.sha256(photo).hexdigest()
        assert phone.client.put(f"/api/v1/photos/{name}", content=photo).status_code in (200, 201)
    answer = phone.client.post("/api/v1/records", json=envelope)
    assert answer.status_code == 201, answer.text
    return envelope


def app_enrolment(server: Server, phone: Phone, role: str) -> Enrolment:
    return Enrolment(server.url, phone.device_id, phone.token, role,
                     {"id": phone.inspector_id, "name": "审核人"}, "2026-03-01T08:00:00+08:00")


@pytest.fixture
def people(server: Server) -> tuple[Phone, SupervisorService]:
    inspector, supervisor = enrol_people(server)
    return inspector, SupervisorService(app_enrolment(server, supervisor, "supervisor"), timeout=10)


def test_review_return_then_approve_and_publish(server: Server,
                                                people: tuple[Phone, SupervisorService]) -> None:
    inspector, service = people
    task = inspector.tasks()[0]
    photo = photo_bytes(1)
    first = send(inspector, task, photo=photo, note="第一次")
    queue = ReviewQueueModel(service)
    asyncio.run(queue.load())
    assert [r["id"] for r in queue.records] == [first["record"]["id"]] and queue.error is None

    model = ReviewRecordModel(service, first["record"]["id"], on_decided=queue.load)
    heard: list[int] = []
    model.subscribe(lambda: heard.append(1))
    asyncio.run(model.load())
    assert model.signature_valid and model.gaps is None and model.decisions == ("approve", "return")
    sha = hashlib.sha256(photo).hexdigest()
    assert max(Image.open(io.BytesIO(model.thumbnails[sha])).size) == 240, "a thumbnail from the platform"
    assert model.photos == {}, "no full-size photo is fetched until one is opened"
    assert asyncio.run(model.photo(sha)) == photo, "the photo at full size, as the platform keeps it"
    names = {i["code"]: i["name"] for i in task["items"]}
    assert [i.name for i in model.items] == [names[i.code] for i in model.items]

    assert not asyncio.run(model.return_record("  ")), "no comment, nothing sent"
    assert model.error == s.RETURN_NEED_COMMENT and model.detail and model.detail["state"] == "submitted"
    assert asyncio.run(model.return_record("请补充冷藏柜照片"))
    assert model.done == s.DONE_RETURNED and model.detail["state"] == "returned" and model.decisions == ()
    assert queue.records == [], "the queue was read again"
    mine = next(t for t in inspector.tasks() if t["id"] == task["id"])
    assert review_comment(mine, None) == "请补充冷藏柜照片"

    revision = send(inspector, task, photo=photo, note="已补充", supersedes=mine["record"]["hash"])
    again = ReviewRecordModel(service, revision["record"]["id"])
    asyncio.run(again.load())
    assert again.detail is not None
    assert [h["review_comment"] for h in again.detail["history"]] == ["请补充冷藏柜照片", None]
    changes = again.changes
    assert changes is not None and changes.reason == "请补充冷藏柜照片" and changes.items == ()
    assert changes.note == ("第一次", "已补充") and changes.outcome is None and changes.location is None
    assert model.changes is None, "a first record changed nothing"
    reading = ReviewRecordModel(service, revision["record"]["id"], read_only=True)
    asyncio.run(reading.load())
    assert reading.decisions == () and again.decisions == ("approve", "return"), "the ledger only reads"
    assert asyncio.run(again.approve("同意", publish=False))
    assert again.detail["state"] == "approved" and again.decisions == ("publish",)
    assert asyncio.run(again.publish()) and again.done == s.DONE_PUBLISHED
    public = httpx.get(f"{server.url}/api/v1/public/results").json()
    assert [r["entity"]["name"] for r in public["results"]] == [task["entity"]["name"]]
    assert not asyncio.run(again.publish()), "published once only"
    assert again.error is not None and again.error.startswith("平台拒绝了此操作：")
    assert heard


def test_dashboard_figures_filters_and_export(server: Server,
                                              people: tuple[Phone, SupervisorService]) -> None:
    inspector, service = people
    tasks = inspector.tasks()
    now = dt.datetime.now(CHINA).replace(microsecond=0)
    today = now.date()
    times = {"started_at": (now - dt.timedelta(minutes=1)).isoformat(), "finished_at": now.isoformat()}
    send(inspector, tasks[0], **times)
    failing = tuple(RecordItem(code=i["code"], result="不合格") for i in tasks[1]["items"])
    send(inspector, tasks[1], outcome="发现问题待后续处理", items=failing, **times)
    model = DashboardModel(service, today=lambda: today)
    asyncio.run(model.load())
    assert model.error is None and model.figures is not None
    assert model.summary() == s.STATS_SUMMARY.format(inspected=2, problems=1)
    assert model.problem_rate() == s.STATS_PROBLEM_RATE.format(rate="50%")
    assert model.plans and model.plans[0][0] == tasks[0]["plan_id"]
    assert model.overdue_lines() == [], "inspected today: the deadline is weeks away"
    assert model.risk_use() == s.STATS_RISK_USE_LINE.format(using=1, plans=1, rate="100%")

    asyncio.run(model.choose_period("30d"))
    assert model.filters == {"start": (today - dt.timedelta(days=29)).isoformat(), "end": today.isoformat()}
    assert model.figures["inspected"] == 2, "inspected today, within the last 30 days"
    assert model.custom_label == s.STATS_CUSTOM
    assert asyncio.run(model.choose_dates(dt.date(2020, 1, 1), dt.date(2019, 12, 31))) == s.STATS_CUSTOM_REVERSED
    assert model.period == "30d" and model.figures["inspected"] == 2, "a refused period changes nothing"
    assert asyncio.run(model.choose_dates(dt.date(2020, 1, 1), dt.date(2020, 12, 31))) is None
    assert model.filters == {"start": "2020-01-01", "end": "2020-12-31"}
    assert model.empty and model.custom_label == "2020-01-01 至 2020-12-31"
    assert asyncio.run(model.choose_dates(today, today)) is None
    assert model.figures["inspected"] == 2, "a one-day period includes that day"
    asyncio.run(model.choose_period("all"))
    assert model.custom_label == s.STATS_CUSTOM
    asyncio.run(model.choose_plan("NO-SUCH-PLAN"))
    assert model.empty and model.figures["plans"] == []
    assert model.plans, "the plan filter still offers every plan"
    asyncio.run(model.choose_plan(None))
    xlsx = asyncio.run(model.export("xlsx"))
    assert xlsx.name == f"掌上查统计_{today.isoformat()}.xlsx" and xlsx.data[:2] == b"PK"
    csv = asyncio.run(model.export("csv"))
    assert csv.data.startswith(b"\xef\xbb\xbf") and "问题发现率" in csv.data.decode("utf-8-sig")
    records = asyncio.run(model.export_records())
    assert records.name == f"掌上查检查记录_{today.isoformat()}.xlsx" and records.data[:2] == b"PK"
    sheet = openpyxl.load_workbook(io.BytesIO(records.data))["检查记录"]
    assert sheet.max_row == 1 + 2, "one row per record of the period shown"


def test_overdue_publications_are_listed_with_their_deadline(
        server: Server, people: tuple[Phone, SupervisorService]) -> None:
    inspector, service = people
    task = inspector.tasks()[0]
    send(inspector, task, started_at="2025-01-02T09:00:00+08:00", finished_at="2025-01-02T09:30:00+08:00")
    model = DashboardModel(service)
    asyncio.run(model.load())
    lines = model.overdue_lines()
    assert len(lines) == 1
    heading, counts = lines[0]
    assert heading.startswith("2025-01-02 检查，期限 2025-") and counts == [s.STATS_OVERDUE_OPEN.format(count=1)]
    assert not model.provisional, "2025 is in the official calendar"


def test_the_ledger_closes_an_entry_only_with_a_valid_disposal(
        server: Server, people: tuple[Phone, SupervisorService]) -> None:
    inspector, service = people
    task = inspector.tasks()[0]
    failing = tuple(RecordItem(code=i["code"], result="不合格") for i in task["items"])
    envelope = send(inspector, task, outcome="发现问题待后续处理", items=failing)
    record_id = envelope["record"]["id"]
    model = LedgerModel(service, today=lambda: dt.date(2026, 3, 20))
    asyncio.run(model.load())
    assert [e["record_id"] for e in model.entries] == [record_id] and model.open_count == 1
    assert asyncio.run(model.close(record_id, None, dt.date(2026, 3, 10), "")) == s.LEDGER_NEED_DISPOSAL
    early = asyncio.run(model.close(record_id, "立案", dt.date(2026, 1, 1), "", "威市监立〔2026〕18号"))
    assert early is not None and "不能早于检查日期" in early, "the platform's own reason"
    assert asyncio.run(model.close(record_id, "责令改正", dt.date(2026, 3, 10), " 已整改 ")) is None
    assert model.open_count == 0 and model.entries[0]["disposal"] == "责令改正"
    assert model.entries[0]["note"] == "已整改"
    assert model.counts == "　".join((s.LEDGER_OPEN.format(count=0), s.LEDGER_CLOSED.format(count=1)))


def test_an_inspectors_device_is_refused_in_plain_chinese(server: Server) -> None:
    inspector = Phone(server, busiest_inspector(server)).enroll()
    service = SupervisorService(app_enrolment(server, inspector, "inspector"), timeout=10)
    queue = ReviewQueueModel(service)
    asyncio.run(queue.load())
    assert queue.error == s.PLATFORM_NOT_SUPERVISOR and queue.records == []
    with pytest.raises(PlatformError) as refused:
        asyncio.run(service.dashboard({}))
    assert refused.value.status == 403


def test_no_platform_means_a_message_not_a_crash() -> None:
    enrolment = Enrolment("http://127.0.0.1:9", "D", "t", "supervisor", {}, "2026-03-01T08:00:00+08:00")
    service = SupervisorService(enrolment, timeout=2)
    for model in (ReviewQueueModel(service), LedgerModel(service), DashboardModel(service)):
        asyncio.run(model.load())
        assert model.error == s.PLATFORM_UNREACHABLE and not model.loading
    record = ReviewRecordModel(service, "R1")
    assert not asyncio.run(record.approve("", publish=True))
    assert record.error == s.PLATFORM_UNREACHABLE and not record.busy


def test_provisional_deadlines_are_marked_and_explained() -> None:
    model = DashboardModel(SupervisorService(
        Enrolment("http://127.0.0.1:9", "D", "t", "supervisor", {}, ""), timeout=1))
    model.figures = {"overdue": [
        {"inspected": "2027-01-04", "deadline": "2027-02-01", "provisional": True,
         "published_late": 2, "unpublished_overdue": 1},
        {"inspected": "2026-03-02", "deadline": "2026-03-30", "provisional": False,
         "published_late": 0, "unpublished_overdue": 4}],
        "deadlines_provisional": True, "inspected": 7, "problems": 0}
    assert model.provisional and s.STATS_PROVISIONAL == "部分期限按周一至周五推算，待导入节假日安排后确定"
    assert model.overdue_lines() == [
        ("2027-01-04 检查，期限 2027-02-01（暂定）", ["逾期未公示 1 条", "逾期后公示 2 条"]),
        ("2026-03-02 检查，期限 2026-03-30", ["逾期未公示 4 条"])]


def test_own_inspections_wait_for_another_reviewer_and_feedback_is_listed(
        server: Server, people: tuple[Phone, SupervisorService]) -> None:
    inspector, colleague = people
    task = inspector.tasks()[0]
    record = send(inspector, task, photo=photo_bytes(3), note="")
    own_phone = Phone(server, inspector.inspector_id).enroll("supervisor")
    own = SupervisorService(app_enrolment(server, own_phone, "supervisor"), timeout=10)
    queue = ReviewQueueModel(own)
    asyncio.run(queue.load())
    assert [(r["id"], r["own"]) for r in queue.records] == [(record["record"]["id"], True)]
    model = ReviewRecordModel(own, record["record"]["id"])
    asyncio.run(model.load())
    assert model.detail is not None and model.detail["own"] and model.decisions == (), "回避"

    assert httpx.post(f"{server.url}/v/{task['code_token']}/feedback",
                      data={"message": "检查人员态度很好", "contact": ""}).status_code == 200
    for service in (colleague, own):
        feedback = ReviewQueueModel(service)
        asyncio.run(feedback.show("feedback"))
        assert [(f["message"], f["record_id"]) for f in feedback.records] == [
            ("检查人员态度很好", record["record"]["id"])]
    other = ReviewRecordModel(colleague, record["record"]["id"])
    asyncio.run(other.load())
    assert other.decisions == ("approve", "return")
    assert other.detail is not None and [f["message"] for f in other.detail["feedback"]] == ["检查人员态度很好"]

    # 回避 asked on site leaves the phone through its one outbox at the next sync and reaches the
    # department's supervisors, with its reason.
    store = LocalStore(Database(memory=True))
    store.add_recusal({"id": str(uuid.uuid4()), "task_id": task["id"], "inspector_id": task["team"][0]["id"],
                       "inspector_name": task["team"][0]["name"], "reason": "系企业负责人亲属",
                       "requested_at": "2026-03-02T09:05:00+08:00"})
    report = SyncService(store, app_enrolment(server, inspector, "inspector"), timeout=10).run()
    assert report.ok, report.message
    assert [(r["sent"], r["error"]) for r in store.recusals()] == [(1, None)]
    recusals = ReviewQueueModel(colleague)
    asyncio.run(recusals.show("recusals"))
    assert [(r["reason"], r["entity_name"]) for r in recusals.records] == [
        ("系企业负责人亲属", task["entity"]["name"])]


def test_the_reviewer_gets_the_signature_and_the_paper(server: Server,
                                                      people: tuple[Phone, SupervisorService]) -> None:
    from tests.server_stub.api.test_onsite_record import send_signed

    inspector, service = people
    task = inspector.tasks()[0]
    envelope, _ = send_signed(inspector, task)
    model = ReviewRecordModel(service, envelope["record"]["id"])
    asyncio.run(model.load())
    signature = envelope["record"]["acknowledgement"]["signature"]
    assert model.ack_files == (signature,) and signature in model.thumbnails
    assert Image.open(io.BytesIO(model.thumbnails[signature])).format == "JPEG"
    paper = asyncio.run(model.paper())
    assert paper.data.startswith(b"%PDF-") and paper.name.endswith(".pdf")
    # named after the enterprise and the day, as the platform and the inspector's phone name it
    assert paper.name == record_pdf_name(task["entity"]["name"], envelope["record"]["started_at"])
    assert paper.name.startswith(f"现场检查笔录_{task['entity']['name']}_")
