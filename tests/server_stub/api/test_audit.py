"""全过程留痕 (issue 19) through the real server: the acts of the administrator and of supervisors
over the API each write one entry naming who, from where, and what changed; the administrator
reads and exports the whole trail, a supervisor the acts on their departments' plans only; the
trail verifies from its entries with the platform's key."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx

from server_stub.cli import DEMO_PLAN_ID
from server_stub.directory.demo import SAMR
from server_stub.draws.audit import verify_export
from sync import RecordItem
from tests.conftest import ServerProcess, run_cli
from tests.server_stub.api.test_review import enrol_people, other_inspector, submit
from tests.utils.phone import Phone, admin_client

SUPERVISOR_KINDS = {"plan.created", "draw.frozen", "draw.made", "draw.abandoned",
                    "review.approved", "review.published", "review.returned", "followup.closed"}


def trail(client: httpx.Client, path: str = "/api/v1/audit", **params: Any) -> dict[str, Any]:
    """Every entry the filter matches, page by page (1,000 at most a page), and the head."""
    found: dict[str, Any] = {"entries": []}
    while True:
        answer = client.get(path, params={"limit": 1000, "offset": len(found["entries"]), **params})
        assert answer.status_code == 200, answer.text
        page = answer.json()
        found = {"entries": found["entries"] + page["entries"], "head": page["head"]}
        if len(page["entries"]) < 1000:
            return found


def test_acts_over_the_api_are_recorded_and_read_by_who_may(server: ServerProcess) -> None:
    inspector, supervisor = enrol_people(server)
    tasks = inspector.tasks()
    returned, approved, pending = (
        submit(inspector, tasks[0])["record"]["id"],
        submit(inspector, tasks[1])["record"]["id"],
        submit(inspector, tasks[2], outcome="发现问题待后续处理", items=tuple(
            RecordItem(code=i["code"], result="不合格" if n == 0 else "合格")
            for n, i in enumerate(tasks[2]["items"])))["record"]["id"])
    review = supervisor.client
    assert review.post(f"/api/v1/review/records/{returned}/return",
                       json={"comment": "请补充照片"}).status_code == 204
    assert review.post(f"/api/v1/review/records/{approved}/approve",
                       json={"comment": "", "publish": False}).status_code == 204
    assert review.post(f"/api/v1/review/records/{approved}/publish").status_code == 204
    assert review.post(f"/api/v1/followups/{pending}/close", json={
        "disposal": "责令改正", "disposal_date": "2026-03-10", "note": "已整改"}).status_code == 204
    refused = review.post(f"/api/v1/review/records/{approved}/publish")
    assert refused.status_code == 409, "a refused act writes nothing (checked below)"
    admin = admin_client(server)
    assert admin.post(f"/api/v1/devices/{inspector.device_id}/revoke").status_code == 204

    everything = trail(admin)
    entries = everything["entries"]
    assert [e["index"] for e in entries] == list(range(len(entries)))
    assert everything["head"]["size"] == len(entries), "the last act's transaction signed a head"
    decisions = [(e["kind"], e["object"], e["before"], e["after"]) for e in entries
                 if e["kind"].startswith(("review.", "followup."))]
    assert decisions == [
        ("review.returned", returned, {"state": "submitted"},
         {"state": "returned", "comment": "请补充照片"}),
        ("review.approved", approved, {"state": "submitted"}, {"state": "approved", "comment": ""}),
        ("review.published", approved, {"state": "approved"}, {"state": "published"}),
        ("followup.closed", pending, {"open": True},
         {"open": False, "disposal": "责令改正", "disposal_date": "2026-03-10", "note": "已整改"}),
    ]
    for e in entries:
        if e["kind"].startswith(("review.", "followup.")):
            assert e["actor"] == {"role": "supervisor", "person": supervisor.inspector_id,
                                  "device": supervisor.device_id}
            assert e["origin"] == "127.0.0.1" and e["plan"] == DEMO_PLAN_ID
    codes = [e for e in entries if e["kind"] == "device.enrolment_code"]
    assert [c["object"] for c in codes] == [inspector.inspector_id, supervisor.inspector_id]
    revoked = [e for e in entries if e["kind"] == "device.revoked"]
    assert [r["object"] for r in revoked] == [inspector.device_id]
    assert revoked[0]["actor"]["role"] == "admin" and revoked[0]["actor"]["person"].startswith("admin:")
    assert revoked[0]["origin"] == "127.0.0.1"
    assert {e["kind"] for e in entries[:3]} <= {"directory.item", "directory.entity",
                                                 "directory.inspector"}, "seed-demo's directory"
    assert entries[0]["actor"]["role"] == "cli" and entries[0]["origin"].startswith("cli@")

    only = trail(admin, kind="review.published")["entries"]
    assert [e["object"] for e in only] == [approved]
    assert [e["kind"] for e in trail(admin, object=approved)["entries"]] == [
        "review.approved", "review.published"]
    assert len(trail(admin, person=supervisor.inspector_id)["entries"]) == 4
    assert trail(admin, start="2000-01-01", end="2000-12-31")["entries"] == []
    for bad in ({"kind": "nonsense"}, {"start": "yesterday"}, {"limit": 0}, {"offset": -1}):
        assert admin.get("/api/v1/audit", params=bad).status_code == 400, bad
    sheet = admin.get("/api/v1/audit", params={"format": "csv", "object": approved})
    assert sheet.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(sheet.text.lstrip("\ufeff"))))
    assert rows[0][0] == "序号" and len(rows) == 3

    mine = trail(review, "/api/v1/department/audit")
    assert mine["head"] is None
    kinds = {e["kind"] for e in mine["entries"]}
    assert kinds <= SUPERVISOR_KINDS and {"plan.created", "draw.made", "review.returned"} <= kinds
    assert all(e["plan"] == DEMO_PLAN_ID for e in mine["entries"])
    assert trail(review, "/api/v1/department/audit", kind="device.revoked")["entries"] == []
    elsewhere = Phone(server, other_inspector(server, "威海市应急管理局", set())).enroll("supervisor")
    assert trail(elsewhere.client, "/api/v1/department/audit")["entries"] == [], \
        "another department's supervisor sees nothing of SAMR's plan"
    assert SAMR != "威海市应急管理局"

    export = admin.get(f"/api/v1/draws/{DEMO_PLAN_ID}/audit").json()
    assert export["format"] == "zsc-draw-audit/6" and verify_export(export).ok
    published = httpx.get(f"{server.url}/api/v1/draws/{DEMO_PLAN_ID}").json()
    assert published["directory_changes"] == export["directory_changes"]["count"] > 0, \
        "seed-demo filled the directory just before it froze the demo plan"
    page = httpx.get(f"{server.url}/draws/{DEMO_PLAN_ID}").text
    assert f"共变更 {published['directory_changes']} 条" in page

    checked = run_cli("audit", "verify", data=server.data, db=server.db)
    assert "核对通过" in checked.stdout
