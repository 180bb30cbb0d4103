"""Laboratory reports (issue 27 point 2): a supervisor attaches the report of an item sent for
testing to a record waiting for it (待检测结果).

The report is a PDF the supervisor's device first puts in the photo store (``PUT
/api/v1/photos/{sha256}``, checked as a PDF there), then names here with its number and
conclusion. Attaching is an administrative act of the audit trail; once every item sent for
testing has its report, the record goes to review (待审核), where the item's result is the
report's conclusion. Who may attach: a supervisor of the record's department who was not on its
team (the same 回避 as a review decision). The same report attached again is answered as done
(a replay changes nothing); another report for an item that has one is a conflict.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from server_stub.core import tables as t
from server_stub.core.audit_trail import ActKind, Actor, plan_of_record, record_act
from server_stub.core.errors import Conflict, Invalid
from server_stub.records.lab_tests import awaits_report
from server_stub.review.decisions import decidable_record
from sync import ItemResult, RecordState, state_label

CONCLUSIONS = (ItemResult.PASS, ItemResult.FAIL)
"""A report's conclusion, as the item's result it becomes."""
MAX_REPORT_NO = 60


def attach(conn: sa.Connection, department: str, record_id: str, *, item: str, sha256: str,
           number: str, conclusion: ItemResult, device_id: str, actor: Actor,
           now: dt.datetime) -> bool:
    """Attach the report; True when it was new, False when this very report was attached
    already. Raises 404 (not the department's record), 403 (the supervisor was on its team), 409
    (the record does not wait for a report, or the item has another one) or 422 (the item is not
    sent for testing, the PDF was not uploaded by this device, a bad number or conclusion)."""
    row = decidable_record(conn, department, actor.person, record_id)
    number = number.strip()
    if not number or len(number) > MAX_REPORT_NO:
        raise Invalid("bad_report_no", f"number：报告编号不能为空，且不能超过{MAX_REPORT_NO}个字符")
    if conclusion not in CONCLUSIONS:
        raise Invalid("bad_conclusion", "conclusion：检测结论应为「合格」或「不合格」")
    lab = t.lab_tests
    test = conn.execute(sa.select(lab).where(lab.c.record_id == record_id, lab.c.item_code == item)
                        ).mappings().first()
    if test is None:
        raise Invalid("not_sent_for_testing", f"item：本记录的抽查事项「{item}」没有送检")
    if test["report_sha256"] is not None:
        if (test["report_sha256"], test["report_no"], test["conclusion"]) == (sha256, number, conclusion):
            return False
        raise Conflict("report_attached", f"抽查事项「{item}」已附检验检测报告（编号{test['report_no']}），不能再附另一份")
    if row["state"] != RecordState.AWAITING_REPORT or row["superseded"]:
        raise Conflict("wrong_state", f"记录当前状态为「{state_label(row['state'])}」，不能附检验检测报告")
    u = t.photo_uploads
    uploaded = conn.execute(sa.select(u.c.sha256).where(u.c.sha256 == sha256, u.c.device_id == device_id)
                            ).first()
    if uploaded is None:
        raise Invalid("report_not_uploaded",
                      "sha256：平台上没有本设备上传的这份报告：请先上传报告的PDF文件（PUT /api/v1/photos/{sha256}）")
    changed = conn.execute(lab.update().where(lab.c.record_id == record_id, lab.c.item_code == item,
                                              lab.c.report_sha256.is_(None))
                           .values(report_sha256=sha256, report_no=number, conclusion=conclusion.value,
                                   attached_by=actor.person, attached_at=now)).rowcount
    if changed != 1:  # another supervisor's report went in a moment ago (read committed)
        raise Conflict("report_attached", f"抽查事项「{item}」已附检验检测报告，不能再附另一份")
    after = RecordState.AWAITING_REPORT if awaits_report(conn, record_id) else RecordState.SUBMITTED
    if after == RecordState.SUBMITTED:
        r = t.records
        conn.execute(r.update().where(r.c.id == record_id, r.c.state == RecordState.AWAITING_REPORT)
                     .values(state=after))
    record_act(conn, actor, ActKind.LAB_REPORT_ATTACHED, record_id, plan_id=plan_of_record(conn, record_id),
               before={"state": RecordState.AWAITING_REPORT.value},
               after={"state": after.value, "item": item, "report": sha256, "number": number,
                      "conclusion": conclusion.value}, at=now)
    return True
