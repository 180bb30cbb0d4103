"""Every ending of a finding through the real server (issue 27 point 3): a published 发现问题待后续
处理 closed as a transfer to the discipline commission is published as 其他 / 发现问题已依法处理,
while the ledger and the audit trail keep what it was and to whom it went; 不予行政处罚 names its
首违不罚 list entry and is published so; a disposal without what it must name is refused."""

from __future__ import annotations

import datetime as dt
import json

import httpx
import sqlalchemy as sa

from server_stub.core import tables as t
from server_stub.core.db import make_engine
from sync import RecordItem
from tests.conftest import Server
from tests.server_stub.api.test_review import enrol_people, submit

TODAY = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date().isoformat()


def failing(inspector, task):  # type: ignore[no-untyped-def]
    """A record of ``task`` that found a problem left for later, approved (so published)."""
    envelope = submit(inspector, task, outcome="发现问题待后续处理", items=tuple(
        RecordItem(code=i["code"], result="不合格" if n == 0 else "合格") for n, i in enumerate(task["items"])))
    return envelope["record"]["id"]


def test_each_ending_is_kept_and_published_in_its_own_words(server: Server) -> None:
    inspector, supervisor = enrol_people(server)
    tasks = inspector.tasks()
    lead, first_offence = failing(inspector, tasks[0]), failing(inspector, tasks[1])
    for record_id in (lead, first_offence):
        assert supervisor.client.post(f"/api/v1/review/records/{record_id}/approve",
                                      json={}).status_code == 204

    missing = supervisor.client.post(f"/api/v1/followups/{lead}/close",
                                     json={"disposal": "移送纪检监察", "disposal_date": TODAY})
    assert missing.status_code == 422
    assert "须填写接收部门（机关）" in missing.json()["error"]["message"]
    stray = supervisor.client.post(f"/api/v1/followups/{lead}/close", json={
        "disposal": "责令改正", "disposal_date": TODAY, "case_no": "X-1"})
    assert stray.status_code == 422 and "不填写案件编号" in stray.json()["error"]["message"]

    assert supervisor.client.post(f"/api/v1/followups/{lead}/close", json={
        "disposal": "移送纪检监察", "disposal_date": TODAY, "counterpart": "威海市纪委监委",
        "note": "检查中发现公职人员参股线索"}).status_code == 204
    assert supervisor.client.post(f"/api/v1/followups/{first_offence}/close", json={
        "disposal": "不予行政处罚", "disposal_date": TODAY,
        "list_entry": "《威海市轻微违法行为不予行政处罚事项清单》第12项"}).status_code == 204

    ledger = {e["record_id"]: e for e in supervisor.client.get("/api/v1/followups").json()["entries"]}
    assert (ledger[lead]["disposal"], ledger[lead]["counterpart"]) == ("移送纪检监察", "威海市纪委监委")
    assert ledger[first_offence]["list_entry"].endswith("第12项")

    public = httpx.get(f"{server.url}/api/v1/public/results").json()
    text = json.dumps(public, ensure_ascii=False)
    assert "纪检" not in text and "纪委" not in text and "参股" not in text
    assert "发现问题已依法处理" in text and "发现问题依法不予行政处罚（首违不罚）" in text
    page = httpx.get(f"{server.url}/results").text
    assert "纪检" not in page and "发现问题依法不予行政处罚（首违不罚）" in page

    engine = make_engine(server.db)
    with engine.begin() as conn:
        acts = conn.execute(sa.select(t.log_entries.c.entry).join(
            t.audit_acts, sa.and_(t.audit_acts.c.idx == t.log_entries.c.idx, t.log_entries.c.log == "audit"))
            .where(t.audit_acts.c.kind == "followup.closed", t.audit_acts.c.object_id == lead)).scalars().all()
    engine.dispose()
    assert len(acts) == 1 and "威海市纪委监委" in acts[0], "the trail keeps whom it went to"
