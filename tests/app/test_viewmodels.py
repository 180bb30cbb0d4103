"""The view-models and services behind the screens, with an in-memory store and no UI."""

from __future__ import annotations

import asyncio
import io
import json
import os
import sqlite3
import stat
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlite_utils import Database

from app import strings as s
from app.config import load_config
from app.domain.inspection import Draft
from app.domain.tasks import TaskState
from app.photos import PhotoSettings
from app.services.files import PickedFile
from app.services.inspections import InspectionService, SigningError
from app.services.photo_service import PhotoService
from app.services.sync_service import SyncService
from app.services.tasks import TaskService
from app.store import LocalStore
from app.viewmodels.inspection import InspectionModel
from app.viewmodels.tasks import TaskListModel
from sync import (
    MAX_NOTE_LENGTH,
    AcknowledgementKind,
    ItemResult,
    Location,
    Outcome,
    content_hash,
    record_hash,
    verify_envelope,
)
from tests.app.factories import enrolled, make_task


@pytest.fixture
def store() -> LocalStore:
    # Usable from worker threads, as the app's own store is (photos are stored from one).
    return LocalStore(Database(sqlite3.connect(":memory:", check_same_thread=False)))


@pytest.fixture
def model_parts(store: LocalStore, tmp_path: Path) -> tuple[InspectionService, PhotoService]:
    enrolment, vault = asyncio.run(enrolled(store, tmp_path))
    photos = PhotoService(store, PhotoSettings.from_config(load_config()))
    return InspectionService(store, vault, enrolment), photos


def jpeg(color: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), color).save(out, "JPEG")
    return out.getvalue()


def begin(task: dict[str, Any], parts: tuple[InspectionService, PhotoService], *,
          present: bool = True) -> InspectionModel:
    """The form of ``task``, its draft begun by the notice (or nobody present) if not yet."""
    if parts[0].load_draft(task["id"]) is None:
        parts[0].start(task, notice_shown=present)
    return InspectionModel(task, *parts)


def acknowledged(model: InspectionModel) -> None:
    """The representative signs with a stroke across the pad."""
    model.set_ack_kind(AcknowledgementKind.SIGNED)
    model.set_ack_text("name", "张三")
    model.set_ack_text("role", "店长")
    model.set_signature([[(10, 10), (120, 60), (200, 20)]], 300, 170)


def answer_all(model: InspectionModel, result: ItemResult = ItemResult.PASS) -> None:
    for item in model.task["items"]:
        model.set_result(item["code"], result)


def test_every_change_is_a_saved_draft_that_a_new_model_restores(
        store: LocalStore, model_parts: tuple[InspectionService, PhotoService]) -> None:
    task = make_task()
    store.save_tasks([task], "t")
    model = begin(task, model_parts)
    model.set_result("SP-01", ItemResult.FAIL)
    model.set_item_note("SP-01", "冷藏柜温度8℃")
    model.set_outcome(Outcome.PROBLEM_PENDING)
    model.set_location(Location(lat=36.06, lon=120.38, accuracy_m=None, source="typed"))
    # The app is killed here: a new model (a new session) finds everything as it was.
    again = begin(task, model_parts)
    assert again.draft == model.draft
    assert again.draft.answer("SP-01").note == "冷藏柜温度8℃"
    assert TaskService(store).state(task) == TaskState.IN_PROGRESS


def test_signing_is_refused_with_what_is_missing(
        model_parts: tuple[InspectionService, PhotoService]) -> None:
    task = make_task(items=3)
    model = begin(task, model_parts)
    model.set_result("SP-02", ItemResult.PASS)
    assert model.missing == [s.MISSING_ITEMS.format(count=2, names="事项1、事项3"), s.MISSING_OUTCOME]
    with pytest.raises(SigningError, match="事项1、事项3"):
        asyncio.run(model.sign())
    model.set_result("SP-01", ItemResult.FAIL)
    model.all_remaining_pass()
    model.set_outcome(Outcome.NO_PROBLEM)
    assert model.missing == [s.MISSING_FAIL_NOTE.format(names="事项1"), s.OUTCOME_CONTRADICTS_ITEMS]
    model.set_item_note("SP-01", "冷藏柜温度8℃")
    model.set_outcome(Outcome.PROBLEM_CORRECTED)
    assert model.missing == []
    assert model.ack_missing == [s.ACK_MISSING_KIND]
    with pytest.raises(SigningError, match=s.ACK_MISSING_KIND):
        asyncio.run(model.sign())


@pytest.mark.parametrize(("fill", "missing"), [
    ({"kind": "signed"}, [s.ACK_MISSING_NAME, s.ACK_MISSING_ROLE, s.ACK_MISSING_SIGNATURE]),
    ({"kind": "signed", "name": "张三", "role": "店长"}, [s.ACK_MISSING_SIGNATURE]),
    ({"kind": "refused"}, [s.ACK_MISSING_WITNESS, s.ACK_MISSING_PHOTO]),
    ({"kind": "refused", "witness_name": "赵六"}, [s.ACK_MISSING_WITNESS, s.ACK_MISSING_PHOTO]),
    ({"kind": "refused", "witness_name": "赵六", "witness_unit": "居委会"}, [s.ACK_MISSING_PHOTO]),
])
def test_each_acknowledgement_says_what_it_lacks(
        model_parts: tuple[InspectionService, PhotoService], fill: dict[str, str],
        missing: list[str]) -> None:
    model = begin(make_task(), model_parts)
    model.set_ack_kind(AcknowledgementKind(fill["kind"]))
    for name, value in fill.items():
        if name != "kind":
            model.set_ack_text(name, value)
    assert model.ack_missing == missing


@pytest.mark.parametrize("kind", ["signed", "refused", "absent"])
def test_each_acknowledgement_is_signed_into_the_record(
        store: LocalStore, model_parts: tuple[InspectionService, PhotoService], kind: str) -> None:
    task = make_task()
    store.save_tasks([task], "t")
    model = begin(task, model_parts, present=kind != "absent")
    model.all_remaining_pass()
    if kind == "absent":
        model.set_outcome(Outcome.NO_PROBLEM)
        assert model.missing == [s.MISSING_ABSENT_OUTCOME.format(
            outcomes="未发现开展本次抽查涉及的经营活动、通过登记的住所（经营场所）无法联系")]
        model.set_outcome(Outcome.UNREACHABLE_AT_ADDRESS)
    else:
        model.set_outcome(Outcome.NO_PROBLEM)
    if kind == "signed":
        acknowledged(model)
        model.set_ack_text("statement", "无异议")
    elif kind == "refused":
        model.set_ack_kind(AcknowledgementKind.REFUSED)
        model.set_ack_text("witness_name", "赵六")
        model.set_ack_text("witness_unit", "某某社区居委会")
        asyncio.run(model.add_refusal_photos([PickedFile("拒签.jpg", jpeg())]))
    record = asyncio.run(model.sign())
    assert record["v"] == 4 and record["acknowledgement"]["kind"] == kind  # each item names its mode
    if kind != "absent":
        assert record["acknowledgement"]["covers"] == content_hash(record), "bound to what was read"
    assert (record["notice"] is None) == (kind == "absent")
    if kind != "absent":
        assert [m["badge_no"] for m in record["notice"]["inspectors"]] == ["37020001", "37020002"]
    pending = store.pending_records()[0]
    files = set(record["acknowledgement"].get("photos", [])) | {record["acknowledgement"].get("signature")}
    assert files - {None} <= set(pending.photos), "the signature or refusal photos go with it"
    if kind == "signed":
        png = store.photo(record["acknowledgement"]["signature"])
        assert png.startswith(b"\x89PNG") and Image.open(io.BytesIO(png)).mode == "L"


def test_signing_chains_records_into_the_outbox(
        store: LocalStore, model_parts: tuple[InspectionService, PhotoService]) -> None:
    first, second = make_task("T-1"), make_task("T-2")
    store.save_tasks([first, second], "t")
    hashes = []
    for n, task in enumerate((first, second), start=1):
        model = begin(task, model_parts)
        answer_all(model)
        model.set_outcome(Outcome.NO_PROBLEM)
        acknowledged(model)
        record = asyncio.run(model.sign())
        assert record["seq"] == n
        assert record["prev"] == (hashes[-1] if hashes else None)
        assert record["inspectors"] == ["WH001", "WH002"] and record["location"] is None
        hashes.append(record_hash(record))
        assert store.draft(task["id"]) is None, "the draft leaves as the record enters the outbox"
        assert TaskService(store).state(task) == TaskState.TO_SYNC
    assert store.chain_head() == (2, hashes[1])
    pending = store.pending_records()
    assert [p.seq for p in pending] == [1, 2]
    enrolment = store.enrolment()
    assert enrolment is not None
    assert verify_envelope(json.loads(pending[0].envelope), enrolment.public_key)["seq"] == 1


def test_a_returned_record_is_revised_as_a_new_one_that_supersedes_it(
        store: LocalStore, model_parts: tuple[InspectionService, PhotoService]) -> None:
    task = make_task()
    store.save_tasks([task], "t")
    model = begin(task, model_parts)
    answer_all(model)
    model.set_outcome(Outcome.NO_PROBLEM)
    acknowledged(model)
    original = asyncio.run(model.sign())
    store.acknowledged(original["id"], "submitted")
    tasks = TaskService(store)
    assert tasks.state(task) == TaskState.SUBMITTED
    # The supervisor returns it; the next pull says so.
    returned = make_task(record={"id": original["id"], "hash": record_hash(original), "state": "returned"})
    store.save_tasks([returned], "t2")
    store.update_server_state(original["id"], "returned")
    assert tasks.state(returned) == TaskState.RETURNED
    supersedes = tasks.supersedes(returned)
    assert supersedes == record_hash(original)
    revision = InspectionModel(returned, *model_parts, supersedes=supersedes, revising=original)
    answer_all(revision)
    revision.set_outcome(Outcome.PROBLEM_CORRECTED)
    record = asyncio.run(revision.sign())
    assert record["supersedes"] == record_hash(original)
    assert record["seq"] == 2 and record["prev"] == record_hash(original)
    assert record["id"] != original["id"]
    assert tasks.state(returned) == TaskState.TO_SYNC


@pytest.mark.parametrize(("outbox", "server_state", "draft", "server_record", "expected"), [
    (None, None, False, None, TaskState.TODO),
    (None, None, True, None, TaskState.IN_PROGRESS),
    ("pending", None, False, None, TaskState.TO_SYNC),
    ("pending", None, True, None, TaskState.TO_SYNC),
    ("acked", "submitted", False, None, TaskState.SUBMITTED),
    ("acked", None, False, None, TaskState.SUBMITTED),  # uploaded, the platform's word not read yet
    ("acked", "incomplete", False, None, TaskState.INCOMPLETE),
    ("acked", "submitted", False, "returned", TaskState.RETURNED),
    ("acked", "returned", True, None, TaskState.IN_PROGRESS),
    ("acked", "submitted", False, "approved", TaskState.APPROVED),
    ("acked", "submitted", False, "published", TaskState.PUBLISHED),
    ("rejected", None, False, None, TaskState.RETURNED),
    (None, None, False, "submitted", TaskState.SUBMITTED),  # a teammate's record
])
def test_task_states(store: LocalStore, outbox: str | None, server_state: str | None, draft: bool,
                     server_record: str | None, expected: TaskState) -> None:
    from app.domain.tasks import LocalRecord, task_state
    local = None if outbox is None else LocalRecord("R1", "h" * 64, outbox, server_state)
    record = None if server_record is None else {"id": "R1", "hash": "h" * 64, "state": server_record}
    assert task_state(make_task(record=record), local, draft) == expected


def test_task_list_searches_and_filters(store: LocalStore, tmp_path: Path) -> None:
    store.save_tasks([make_task("T-1", name="青岛海鲜食品有限公司", due="2026-05-02"),
                      make_task("T-2", name="崂山矿泉水厂", due="2026-05-01")], "t")
    store.save_draft("T-2", Draft.start(make_task("T-2"), "2026-03-01T09:00:00+08:00").to_json(), "t")
    model = TaskListModel(TaskService(store))
    seen = []
    model.subscribe(lambda: seen.append(len(model.rows)))
    model.load()
    assert [r.id for r in model.rows] == ["T-2", "T-1"], "earliest due first"
    model.search("海鲜")
    assert [r.id for r in model.rows] == ["T-1"]
    model.search("")
    model.filter(TaskState.IN_PROGRESS)
    assert [r.id for r in model.rows] == ["T-2"]
    assert model.counts[TaskState.TODO] == 1 and model.counts[TaskState.IN_PROGRESS] == 1
    assert seen == [2, 1, 2, 1]


def test_photos_are_processed_kept_and_a_bad_one_explains_itself(
        store: LocalStore, model_parts: tuple[InspectionService, PhotoService]) -> None:
    task = make_task()
    model = begin(task, model_parts)
    asyncio.run(model.add_photos("SP-01", [PickedFile("a.jpg", jpeg()),
                                           PickedFile("坏.jpg", b"not a photo"),
                                           PickedFile("b.jpg", jpeg((10, 200, 10)))]))
    photos = list(model.draft.answer("SP-01").photos)
    assert len(photos) == 2
    assert all(model.thumbnail(p) for p in photos)
    assert model.photo_errors["SP-01"] == f"坏.jpg：{s.PHOTO_NOT_AN_IMAGE}"
    assert begin(task, model_parts).draft.answer("SP-01").photos == photos
    model.remove_photo("SP-01", photos[0])
    assert model.draft.answer("SP-01").photos == photos[1:]


def test_the_key_file_is_private_and_outside_the_data(tmp_path: Path) -> None:
    from app.services.keys import FileKeyVault
    vault = FileKeyVault(tmp_path / "data", tmp_path / "keys")
    asyncio.run(vault.save(b"k" * 32))
    assert asyncio.run(vault.load()) == b"k" * 32
    assert stat.S_IMODE(os.stat(vault.path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(vault.path.parent).st_mode) == 0o700
    with pytest.raises(ValueError):
        FileKeyVault(tmp_path / "data", tmp_path / "data" / "keys")


def test_a_full_phone_keeps_the_last_saved_draft_and_says_so(
        store: LocalStore, model_parts: tuple[InspectionService, PhotoService]) -> None:
    task = make_task()
    store.save_tasks([task], "t")
    model = begin(task, model_parts)
    model.set_result("SP-01", ItemResult.PASS)
    saved = store.draft(task["id"])
    pages = store.db.execute("PRAGMA page_count").fetchone()[0]
    store.db.execute(f"PRAGMA max_page_count = {pages}")
    model.set_note("很长的备注" * 40_000)
    assert model.save_error is not None and "手机存储空间已满" in model.save_error
    assert store.draft(task["id"]) == saved, "the last saved draft is intact"
    store.db.execute("PRAGMA max_page_count = 1073741823")
    model.set_note("清理空间后")
    assert model.save_error is None and store.draft(task["id"])["note"] == "清理空间后"


def test_signing_on_a_full_phone_is_refused_and_the_chain_stays_whole(
        store: LocalStore, model_parts: tuple[InspectionService, PhotoService]) -> None:
    task = make_task()
    store.save_tasks([task], "t")
    model = begin(task, model_parts)
    model.all_remaining_pass()
    model.set_outcome(Outcome.NO_PROBLEM)
    acknowledged(model)
    model.set_note("现场情况" * (MAX_NOTE_LENGTH // 4))  # the signed record needs new pages for it
    saved = store.draft(task["id"])
    pages = store.db.execute("PRAGMA page_count").fetchone()[0]
    store.db.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(SigningError, match="手机存储空间已满"):
        asyncio.run(model.sign())
    assert store.chain_head() == (0, None) and not store.pending_records(), "nothing half-signed"
    assert store.draft(task["id"]) == saved, "the draft waits to be signed again"
    store.db.execute("PRAGMA max_page_count = 1073741823")
    record = asyncio.run(begin(task, model_parts).sign())
    assert record["seq"] == 1 and record["prev"] is None, "no sequence number was used up"
    assert store.draft(task["id"]) is None


def test_a_recusal_is_kept_until_sent_and_ends_the_draft(
        store: LocalStore, model_parts: tuple[InspectionService, PhotoService]) -> None:
    task = make_task()
    store.save_tasks([task], "t")
    inspections = model_parts[0]
    begin(task, model_parts)
    with pytest.raises(ValueError, match=s.RECUSAL_NEED_WHO):
        inspections.request_recusal(task, "", "亲属关系")
    with pytest.raises(ValueError, match=s.RECUSAL_NEED_REASON):
        inspections.request_recusal(task, "WH002", "  ")
    inspections.request_recusal(task, "WH002", "该检查人员系企业负责人亲属")
    [pending] = store.recusals(pending=True)
    assert pending["inspector_name"] == "李四" and pending["reason"] == "该检查人员系企业负责人亲属"
    assert store.draft(task["id"]) is None, "the inspection does not go ahead"
    assert TaskService(store).recusals(task["id"]) == [pending]
    store.request_done(pending["id"], None)
    assert store.recusals(pending=True) == [] and store.recusals()[0]["sent"] == 1


def test_sign_out_waits_for_an_unsent_recusal_as_for_a_signed_record(
        store: LocalStore, model_parts: tuple[InspectionService, PhotoService]) -> None:
    """退出登记 forgets everything: a 回避申请 the platform does not have yet would be lost (or,
    kept, sent by the next enrolment under the next person), so it waits as a record does."""
    task = make_task()
    store.save_tasks([task], "t")
    enrolment = store.enrolment()
    assert enrolment is not None
    sync = SyncService(store, enrolment, timeout=1.0)
    assert sync.sign_out_refusal() is None
    model_parts[0].request_recusal(task, "WH002", "该检查人员系企业负责人亲属")
    assert sync.sign_out_refusal() == s.SIGN_OUT_BLOCKED_RECUSALS.format(count=1)
    assert "回避申请" in s.SIGN_OUT_BLOCKED_RECUSALS
    store.request_done(store.recusals()[0]["id"], None)
    assert sync.sign_out_refusal() is None
    model_parts[0].request_recusal(task, "WH001", "另一理由")
    store.request_done(store.recusals(pending=True)[0]["id"], "任务已重新安排")
    assert sync.sign_out_refusal() is None, "one the platform refused for good is not waited for"
    model = begin(make_task("T-2"), model_parts)
    answer_all(model)
    model.set_outcome(Outcome.NO_PROBLEM)
    acknowledged(model)
    asyncio.run(model.sign())
    assert sync.sign_out_refusal() == s.SIGN_OUT_BLOCKED.format(count=1)


def test_a_draft_from_before_the_notice_screen_gets_the_notice_first(
        store: LocalStore, model_parts: tuple[InspectionService, PhotoService]) -> None:
    task = make_task()
    old = {k: v for k, v in Draft.start(task, "2026-03-02T09:00:00+08:00",
                                        notice_shown_at="x").to_json().items()
           if k not in ("notice", "ack", "visit")}
    old["answers"]["SP-01"] = {"result": "合格", "note": "", "photos": []}
    store.save_draft(task["id"], old, "t")
    draft = model_parts[0].load_draft(task["id"])
    assert draft is not None and draft.needs_notice and not draft.nobody_present
    given = model_parts[0].start(task, notice_shown=True)
    assert not given.needs_notice and given.notice is not None
    assert given.answer("SP-01").result == ItemResult.PASS, "what was filled in stays"
    absent = model_parts[0].start(task, notice_shown=False)
    assert absent.nobody_present and absent.notice is None


def test_a_photo_already_attached_is_refused_saying_so(
        store: LocalStore, model_parts: tuple[InspectionService, PhotoService]) -> None:
    """The same file again, even a minute later (a new watermark, so a new stored photo), to
    this item or another, is said and not added; once removed it may be added again."""
    task = make_task()
    model_parts[0].start(task, notice_shown=True)
    model = InspectionModel(task, *model_parts, begun=True)
    assert model.started, "begun by the notice just now: the form asks for the position"
    assert not InspectionModel(task, *model_parts).started, "reopened later: it does not"
    model.picking_photos("SP-01")
    assert "SP-01" in model.busy_items  # 正在处理照片… while the picker is open
    asyncio.run(model.add_photos("SP-01", [PickedFile("a.jpg", jpeg())]))
    assert "SP-01" not in model.busy_items
    asyncio.run(model.add_photos("SP-02", [PickedFile("a 副本.jpg", jpeg())]))
    assert model.photo_errors["SP-02"] == s.ITEM_PHOTO_DUPLICATE.format(name="a 副本.jpg")
    assert model.draft.photo_count() == 1
    model.remove_photo("SP-01", model.draft.answer("SP-01").photos[0])
    asyncio.run(model.add_photos("SP-02", [PickedFile("a.jpg", jpeg())]))
    assert model.draft.photo_count() == 1 and "SP-02" not in model.photo_errors
    model.picking_photos("SP-01")
    asyncio.run(model.add_photos("SP-01", []))  # the picker cancelled
    assert not model.busy_items


@pytest.mark.parametrize(("theirs", "expected"), [
    ("submitted", TaskState.SUBMITTED),  # a teammate's record holds the task (issue 23)
    ("published", TaskState.PUBLISHED),
    ("returned", TaskState.RETURNED),  # theirs returned: this phone's is still to be redone
])
def test_a_refused_record_beside_a_teammates_shows_the_teammates_state(theirs: str,
                                                                      expected: TaskState) -> None:
    """The platform refused this phone's record because a teammate's holds the task: the task
    shows that record's state, not 已退回 (nothing here is to be redone)."""
    from app.domain.tasks import LocalRecord, task_state
    local = LocalRecord("MINE", "m" * 64, "rejected", None, "该任务已由 张三 提交记录")
    record = {"id": "THEIRS", "hash": "t" * 64, "state": theirs}
    assert task_state(make_task(record=record), local, False) == expected
    assert task_state(make_task(record={**record, "id": "MINE"}), local, False) == TaskState.RETURNED
