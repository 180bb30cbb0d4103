"""The publication log through the API (issue 15, point 3): every publication, correction and
withdrawal a signed leaf; public results carrying their leaf and its inclusion proof; public tree
heads and consistency proofs that ``sync`` alone verifies; who may correct or withdraw; bad sizes
and indices answered in Chinese, never 500.

In the server's own process (``TestClient``), on SQLite or, in the suite's second run, PostgreSQL.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from httpx import Response

from server_stub.core import merkle_log
from server_stub.core import tables as t
from server_stub.core.admin_token import admin_token
from server_stub.core.config import Settings
from server_stub.core.merkle_log import Log
from server_stub.directory.demo import SAMR
from server_stub.main import create_app
from server_stub.publication.record_check import check_record
from sync import (
    RecordItem,
    TreeHead,
    consistency_proof,
    entry_leaf_hash,
    generate_key,
    hex_hashes,
    inclusion_proof,
    parse_hashes,
    public_key_b64,
    read_tree_head,
    tree_root,
    verify_consistency,
    verify_inclusion,
)
from tests.conftest import ROOT, ServerProcess, run_cli
from tests.utils.phone import Phone, jpeg
from tests.utils.workload import drawn_long_ago

ENTITIES = 3000
"""Enough for the demo plan to give about fifty tasks: one per record of the tests below."""


@dataclass
class Person:
    """Someone with an enrolled phone, calling the in-process platform."""

    client: TestClient
    phone: Phone

    def call(self, method: str, path: str, body: object = None) -> Response:
        return self.client.request(method, path, json=body,
                                   headers={"Authorization": f"Bearer {self.phone.token}"})


@dataclass
class Platform:
    client: TestClient
    data: Path
    db: str
    engine: sa.Engine

    def enrol(self, inspector_id: str, role: str = "inspector") -> Person:
        phone = Phone(ServerProcess("http://platform", self.data, self.db, None),  # type: ignore[arg-type]
                      inspector_id)
        code = self.client.post("/api/v1/enrollment-codes",
                                json={"inspector_id": inspector_id, "role": role},
                                headers={"Authorization": f"Bearer {admin_token(self.data)}"}).json()["code"]
        enrolled = self.client.post("/api/v1/enroll", json={
            "code": code, "public_key": public_key_b64(phone.key), "device_name": "测试手机"}).json()
        phone.device_id, phone.token = enrolled["device_id"], enrolled["token"]
        return Person(self.client, phone)

    def department_colleague(self, department: str, exclude: set[str]) -> str:
        with self.engine.connect() as conn:
            found: str = conn.execute(sa.select(t.inspectors.c.id).where(
                t.inspectors.c.department == department, t.inspectors.c.active.is_(True),
                t.inspectors.c.id.not_in(exclude)).order_by(t.inspectors.c.id).limit(1)).scalar_one()
        return found


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    from tests.conftest import Databases

    directory = tmp_path_factory.mktemp("publog")
    databases = Databases(directory)
    data, db = directory / "data", databases.make()
    # the demo plan alone (issue 26's year would put other departments' tasks first)
    run_cli("seed-demo", "--entities", str(ENTITIES), "--no-year", data=data, db=db)
    drawn_long_ago(db)  # before the visits Phone signs at fixed times
    app = create_app(Settings.from_env(data, db))
    try:
        with TestClient(app, base_url="http://platform") as client:
            yield Platform(client, data, db, app.state.engine)
    finally:
        app.state.engine.dispose()
        databases.drop_all()


class People:
    """The demo plan's tasks, handed out one per record so that the tests share one platform; each
    task's first team member submits it from an enrolled phone, and one supervisor of its
    department, on none of the plan's teams, reviews every record."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        with platform.engine.connect() as conn:
            self.tasks = [(row.id, row.inspector_id) for row in conn.execute(
                sa.select(t.tasks.c.id, sa.func.min(t.task_members.c.inspector_id).label("inspector_id"))
                .join(t.task_members, t.task_members.c.task_id == t.tasks.c.id)
                .group_by(t.tasks.c.id).order_by(t.tasks.c.id))]
            team = set(conn.execute(sa.select(t.task_members.c.inspector_id)).scalars())
        self.inspectors: dict[str, Person] = {}
        self.supervisor = platform.enrol(platform.department_colleague(SAMR, team), "supervisor")
        self.stranger = platform.enrol(platform.department_colleague("威海市生态环境局", set()),
                                       "supervisor")

    def inspector(self, inspector_id: str) -> Person:
        if inspector_id not in self.inspectors:
            self.inspectors[inspector_id] = self.platform.enrol(inspector_id)
        return self.inspectors[inspector_id]

    def submit(self, **changes: Any) -> tuple[str, Person]:
        """A new record of the next task, submitted by its inspector: its id, and who sent it."""
        task_id, inspector_id = self.tasks.pop(0)
        person = self.inspector(inspector_id)
        task = next(x for x in person.call("GET", "/api/v1/tasks").json()["tasks"] if x["id"] == task_id)
        if changes.pop("failing", False):
            changes.setdefault("outcome", "发现问题已责令改正")
            changes["items"] = tuple(RecordItem(code=i["code"], result="不合格") for i in task["items"])
        return submit(person, task, **changes), person

    def published(self, **changes: Any) -> str:
        record_id, _ = self.submit(**changes)
        answer = self.supervisor.call("POST", f"/api/v1/review/records/{record_id}/approve", {})
        assert answer.status_code == 204, answer.text
        return record_id


@pytest.fixture(scope="module")
def people(platform: Platform) -> People:
    return People(platform)


def submit(person: Person, task: dict[str, Any], **changes: Any) -> str:
    photo = jpeg(person.phone.seq + 311)
    envelope = person.phone.record(task, photos=[photo], **changes)
    name = hashlib.sha256(photo).hexdigest()
    answer = person.client.put(f"/api/v1/photos/{name}", content=photo,
                               headers={"Authorization": f"Bearer {person.phone.token}"})
    assert answer.status_code in (200, 201), answer.text
    answer = person.call("POST", "/api/v1/records", envelope)
    assert answer.status_code == 201, answer.text
    record_id: str = envelope["record"]["id"]
    return record_id


def public_result(platform: Platform, record_id: str) -> dict[str, Any] | None:
    for page in range(1, 10):
        results = platform.client.get("/api/v1/public/results", params={"page": page}).json()["results"]
        if not results:
            return None
        for result in results:
            if result["id"] == record_id:
                return result  # type: ignore[no-any-return]
    return None


def platform_key(platform: Platform) -> str:
    key: str = platform.client.get("/api/v1/keys").json()["public_key"]
    return key


def check_receipt(platform: Platform, receipt: dict[str, Any]) -> dict[str, Any]:
    """What a verifier does with a saved receipt: the head's signature, the leaf hash of the
    entry, and the inclusion proof. Returns the entry."""
    head = read_tree_head(receipt["tree_head"], platform_key(platform))
    assert verify_inclusion(receipt["index"], head.size, entry_leaf_hash(receipt["entry"]),
                            parse_hashes(receipt["proof"], "proof"), head.root)
    entry: dict[str, Any] = receipt["entry"]
    return entry


def test_each_publication_is_a_signed_leaf(platform: Platform, people: People) -> None:
    first = people.published(note="检查员张三的备注")
    second, inspector = people.submit()
    assert people.supervisor.call("POST", f"/api/v1/review/records/{second}/approve",
                                  {"publish": False}).status_code == 204
    assert public_result(platform, second) is None
    assert people.supervisor.call("POST", f"/api/v1/review/records/{second}/publish").status_code == 204
    for record_id in (first, second):
        result = public_result(platform, record_id)
        assert result is not None and result["log"]["kind"] == "publish"
        receipt = platform.client.get(f"/api/v1/public/results/{record_id}/proof").json()
        entry = check_receipt(platform, receipt)
        assert receipt["index"] == result["log"]["index"]
        assert entry["kind"] == "publish" and entry["record_id"] == record_id
        common = result.keys() & entry["result"].keys()
        assert {"result", "remarks", "entity_name", "credit_code", "items"} <= common
        assert {k: result[k] for k in common} == {k: entry["result"][k] for k in common}, \
            "the leaf holds the result exactly as it is shown"
        with platform.engine.connect() as conn:
            row = conn.execute(sa.select(t.records.c.hash, t.records.c.risk_grade)
                               .where(t.records.c.id == record_id)).one()
        assert entry["record_hash"] == row.hash
        text = json.dumps(entry, ensure_ascii=False)
        assert "备注" not in text and "risk" not in text and "grade" not in text
        names = [m["name"] for task in inspector.call("GET", "/api/v1/tasks").json()["tasks"]
                 for m in task["team"]]
        assert not any(name in text for name in names), "no inspector's name is logged"
    check_heads(platform)


def check_heads(platform: Platform) -> None:
    """Every head signed, one per size from 1 on, each consistent with every later one."""
    key = platform_key(platform)
    heads = [read_tree_head(h, key) for h in platform.client.get("/api/v1/log/publication/heads").json()["heads"]]
    assert [h.size for h in heads] == list(range(1, len(heads) + 1))
    latest = platform.client.get("/api/v1/log/publication/head").json()
    assert read_tree_head(latest, key) == heads[-1]
    for old in heads:
        assert platform.client.get(f"/api/v1/log/publication/heads/{old.size}").json()["root"] == old.root.hex()
        for new in heads[-2:]:
            if new.size < old.size:
                continue
            answer = platform.client.get("/api/v1/log/publication/consistency",
                                         params={"from": old.size, "to": new.size}).json()
            assert answer["from"] == old.size and answer["to"] == new.size
            assert verify_consistency(old.size, new.size, old.root, new.root,
                                      parse_hashes(answer["proof"], "proof"))
    with platform.engine.connect() as conn:
        assert merkle_log.verify_stored(conn, Log.PUBLICATION, platform.client.app.state.server_key) == []  # type: ignore[attr-defined]


def test_a_correction_is_published_not_edited(platform: Platform, people: People) -> None:
    record_id = people.published()
    before = public_result(platform, record_id)
    assert before is not None
    answer = people.supervisor.call("POST", f"/api/v1/review/records/{record_id}/correct",
                                    {"outcome": "通过登记的住所（经营场所）无法联系", "reason": "录入有误"})
    assert answer.status_code == 201, answer.text
    leaf = answer.json()["leaf"]
    after = public_result(platform, record_id)
    assert after is not None and after["outcome"] == "通过登记的住所（经营场所）无法联系"
    assert after["correction"]["reason"] == "录入有误" and after["log"] == {"index": leaf, "kind": "correct"}
    entry = check_receipt(platform, platform.client.get(f"/api/v1/public/results/{record_id}/proof").json())
    assert entry["kind"] == "correct" and entry["amends"] == before["log"]["index"]
    assert entry["reason"] == "录入有误"
    original = platform.client.get(f"/api/v1/log/publication/leaves/{before['log']['index']}").json()
    assert original["entry"]["result"]["outcome"] == before["outcome"], "the first leaf stays as it was"
    assert after["result"] == "通过登记的住所（经营场所）无法联系"
    assert f"更正（原检查结果：{before['outcome']}）：录入有误" in after["remarks"]
    with platform.engine.connect() as conn:
        checked = check_record(conn, record_id, None).published
    assert checked is not None and checked["outcome"] == after["outcome"], "the paper's check too"
    page = platform.client.get("/results").text
    assert after["remarks"] in page and f'href="/results/{record_id}/proof"' in page
    acts = platform.client.get("/api/v1/audit", params={"kind": "review.corrected"},
                               headers={"Authorization": f"Bearer {admin_token(platform.data)}"}).json()
    assert [(e["object"], e["after"]["leaf"]) for e in acts["entries"]
            if e["object"] == record_id] == [(record_id, leaf)], "the act is in the audit trail too"
    same = people.supervisor.call("POST", f"/api/v1/review/records/{record_id}/correct",
                                  {"outcome": "通过登记的住所（经营场所）无法联系", "reason": "再改"})
    assert same.status_code == 422 and "无需更正" in same.json()["error"]["message"]
    check_heads(platform)


def test_a_correction_cannot_contradict_the_items(platform: Platform, people: People) -> None:
    record_id = people.published(failing=True)
    answer = people.supervisor.call("POST", f"/api/v1/review/records/{record_id}/correct",
                                    {"outcome": "未发现问题", "reason": "录入有误"})
    assert answer.status_code == 422 and answer.json()["error"]["code"] == "contradicts_items"
    unknown = people.supervisor.call("POST", f"/api/v1/review/records/{record_id}/correct",
                                     {"outcome": "查无此结果", "reason": "录入有误"})
    assert unknown.status_code == 400 and "outcome" in unknown.json()["error"]["message"]


def test_a_follow_up_closed_after_publication_is_a_leaf(platform: Platform, people: People) -> None:
    """The disposal the public then sees (issue 15, point 2) is logged like any other change."""
    record_id = people.published(failing=True, outcome="发现问题待后续处理")
    before = public_result(platform, record_id)
    assert before is not None and before["result"] == "发现问题待后续处理"
    correction = people.supervisor.call("POST", f"/api/v1/review/records/{record_id}/correct",
                                        {"outcome": "不配合检查情节严重", "reason": "补录"})
    assert correction.status_code == 201
    closed = people.supervisor.call("POST", f"/api/v1/followups/{record_id}/close",
                                    {"disposal": "责令改正", "disposal_date": "2026-03-10"})
    assert closed.status_code == 204, closed.text
    after = public_result(platform, record_id)
    assert after is not None and after["log"]["kind"] == "follow_up"
    assert after["outcome"] == "不配合检查情节严重", "the correction still stands"
    assert after["follow_up"]["disposal"] == "责令改正" and "补录" in after["remarks"]
    entry = check_receipt(platform, platform.client.get(f"/api/v1/public/results/{record_id}/proof").json())
    assert entry["kind"] == "follow_up" and entry["amends"] == correction.json()["leaf"]
    assert "已整改" not in json.dumps(entry, ensure_ascii=False)


def test_a_withdrawal_leaves_the_list_and_stays_in_the_log(platform: Platform, people: People) -> None:
    record_id = people.published()
    total = platform.client.get("/api/v1/public/results").json()["total"]
    first = public_result(platform, record_id)
    assert first is not None
    other = people.stranger.call("GET", f"/api/v1/enterprises/{first['credit_code']}").json()
    assert record_id in {h["record_id"] for h in other["history"]}, "public: another department sees it"
    answer = people.supervisor.call("POST", f"/api/v1/review/records/{record_id}/withdraw",
                                    {"reason": "检查对象有误"})
    assert answer.status_code == 201, answer.text
    assert public_result(platform, record_id) is None
    assert platform.client.get("/api/v1/public/results").json()["total"] == total - 1
    assert record_id not in platform.client.get("/results").text
    notice = platform.client.get(f"/api/v1/public/announcements/{first['plan_id']}").json()
    assert record_id not in {r["id"] for r in notice["results"]}
    found = platform.client.get("/api/v1/public/enterprises", params={"q": first["credit_code"]}).json()
    assert record_id not in {r["id"] for e in found["enterprises"] for r in e["results"]}
    with platform.engine.connect() as conn:
        assert check_record(conn, record_id, None).published is None, "the paper's check too"
    own = people.supervisor.call("GET", f"/api/v1/enterprises/{first['credit_code']}").json()
    assert [h["withdrawn"] for h in own["history"] if h["record_id"] == record_id] == [True]
    other = people.stranger.call("GET", f"/api/v1/enterprises/{first['credit_code']}").json()
    assert record_id not in {h["record_id"] for h in other["history"]}, "no longer public"
    entry = check_receipt(platform, platform.client.get(f"/api/v1/public/results/{record_id}/proof").json())
    assert entry["kind"] == "withdraw" and entry["amends"] == first["log"]["index"]
    assert entry["reason"] == "检查对象有误" and "result" not in entry
    acts = platform.client.get("/api/v1/audit", params={"kind": "review.withdrawn"},
                               headers={"Authorization": f"Bearer {admin_token(platform.data)}"}).json()
    assert record_id in {e["object"] for e in acts["entries"]}, "the act is in the audit trail too"
    replay = people.supervisor.call("POST", f"/api/v1/review/records/{record_id}/withdraw",
                                    {"reason": "检查对象有误"})
    assert replay.status_code == 409 and replay.json()["error"]["message"] == "该公示结果已撤回，不能再更正或撤回"
    correct = people.supervisor.call("POST", f"/api/v1/review/records/{record_id}/correct",
                                     {"outcome": "未发现问题", "reason": "x"})
    assert correct.status_code == 409
    check_heads(platform)


AMENDMENTS = [("withdraw", {"reason": "检查对象有误"}),
              ("correct", {"outcome": "发现问题已责令改正", "reason": "录入有误"})]


@pytest.mark.parametrize(("act", "body"), AMENDMENTS)
def test_who_may_not_amend(platform: Platform, people: People, act: str, body: dict[str, str]) -> None:
    record_id = people.published()
    unpublished, inspector = people.submit()
    with platform.engine.connect() as conn:
        sender = conn.execute(sa.select(t.records.c.inspector_id)
                              .where(t.records.c.id == record_id)).scalar_one()
    own_supervisor = platform.enrol(sender, "supervisor")
    size = platform.client.get("/api/v1/log/publication/head").json()["size"]
    path = f"/api/v1/review/records/{record_id}/{act}"
    unknown = people.supervisor.call("POST", "/api/v1/review/records/00000000-0000-4000-8000-000000000000/" + act, body)
    assert unknown.status_code == 404 and unknown.json()["error"]["message"] == "记录不存在"
    stranger = people.stranger.call("POST", path, body)
    assert stranger.status_code == 404 and stranger.json() == unknown.json()
    refused = inspector.call("POST", path, body)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "supervisors_only"
    own = own_supervisor.call("POST", path, body)
    assert own.status_code == 403 and own.json()["error"]["code"] == "own_inspection"
    for token in (admin_token(platform.data), None, "x" * 43):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        assert platform.client.post(path, json=body, headers=headers).status_code == 401
    waiting = people.supervisor.call("POST", f"/api/v1/review/records/{unpublished}/{act}", body)
    assert waiting.status_code == 409 and waiting.json()["error"]["code"] == "not_published"
    blank = people.supervisor.call("POST", path, {**body, "reason": "   "})
    assert blank.status_code == 422 and "原因" in blank.json()["error"]["message"]
    assert platform.client.get("/api/v1/log/publication/head").json()["size"] == size, \
        "a refused amendment logs nothing"
    assert people.supervisor.call("POST", path, body).status_code == 201


@pytest.mark.parametrize(("path", "status"), [
    ("/api/v1/log/publication/leaves/100000", 404),
    ("/api/v1/log/publication/leaves/-1", 400),
    ("/api/v1/log/publication/leaves/99999999999999999999999999", 400),
    ("/api/v1/log/publication/leaves/abc", 400),
    ("/api/v1/log/publication/leaves/100000/proof", 404),
    ("/api/v1/log/publication/leaves/0/proof?size=0", 400),
    ("/api/v1/log/publication/leaves/0/proof?size=100000", 404),
    ("/api/v1/log/publication/leaves/0/proof?size=1e3", 400),
    ("/api/v1/log/publication/heads/0", 404),
    ("/api/v1/log/publication/heads/100000", 404),
    ("/api/v1/log/publication/heads/4294967296", 400),
    ("/api/v1/log/publication/heads?limit=100000", 400),
    ("/api/v1/log/publication/consistency?from=2&to=1", 400),
    ("/api/v1/log/publication/consistency?from=1&to=100000", 404),
    ("/api/v1/log/publication/consistency?from=1&to=99999999999999999999", 400),
    ("/api/v1/log/publication/consistency?from=1", 400),
    ("/api/v1/public/results/00000000-0000-4000-8000-000000000000/proof", 404),
    ("/api/v1/public/results/" + "x" * 200 + "/proof", 400),
])
def test_bad_sizes_and_indices(platform: Platform, people: People, path: str, status: int) -> None:
    if platform.client.get("/api/v1/log/publication/head").status_code == 404:
        people.published()
    answer = platform.client.get(path)
    assert answer.status_code == status, answer.text
    message = answer.json()["error"]["message"]
    assert any("\u4e00" <= c <= "\u9fff" for c in message), message


def test_a_leaf_out_of_an_older_head(platform: Platform, people: People) -> None:
    """A proof against a given (older) signed head, and a leaf newer than it refused."""
    first = people.published()
    size = platform.client.get("/api/v1/log/publication/head").json()["size"]
    people.published()
    old = platform.client.get(f"/api/v1/public/results/{first}/proof", params={"size": size}).json()
    assert old["tree_head"]["size"] == size
    check_receipt(platform, old)
    newest = platform.client.get("/api/v1/log/publication/head").json()["size"] - 1
    beyond = platform.client.get(f"/api/v1/log/publication/leaves/{newest}/proof", params={"size": size})
    assert beyond.status_code == 404 and "不在大小为" in beyond.json()["error"]["message"]


# The verifier, as the public runs it: a real process that imports nothing but ``sync``.

def verify(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sync.verify", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)


def save(path: Path, value: object) -> Path:
    path.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
    return path


def test_the_verifier_checks_a_saved_result(platform: Platform, people: People, tmp_path: Path) -> None:
    record_id = people.published()
    key = save(tmp_path / "key.json", platform.client.get("/api/v1/keys").json())
    receipt = platform.client.get(f"/api/v1/public/results/{record_id}/proof").json()
    head = save(tmp_path / "head.json", receipt["tree_head"])
    good = verify("result", save(tmp_path / "receipt.json", receipt), "--key", key, "--head", head)
    assert good.returncode == 0, good.stderr
    assert "核验通过" in good.stdout and receipt["entry"]["result"]["outcome"] in good.stdout
    bare_key = platform.client.get("/api/v1/keys").json()["public_key"]
    assert verify("result", tmp_path / "receipt.json", "--key", bare_key).returncode == 0

    altered = json.loads(json.dumps(receipt))
    altered["entry"]["result"]["outcome"] = "未发现问题" if receipt["entry"]["result"]["outcome"] != "未发现问题" else "发现问题已责令改正"
    bad = verify("result", save(tmp_path / "altered.json", altered), "--key", key)
    assert bad.returncode == 1 and "核验未通过" in bad.stderr
    moved = {**receipt, "index": receipt["index"] + 1}
    assert verify("result", save(tmp_path / "moved.json", moved), "--key", key).returncode == 1
    stranger = verify("result", tmp_path / "receipt.json", "--key", public_key_b64(generate_key()))
    assert stranger.returncode == 1 and "签名无效" in stranger.stderr
    (tmp_path / "junk.json").write_text("{", encoding="utf-8")
    for args in (("result", tmp_path / "junk.json", "--key", key),
                 ("result", tmp_path / "missing.json", "--key", key),
                 ("result", tmp_path / "receipt.json", "--key", "not-a-key"),
                 ("result", tmp_path / "receipt.json"),
                 ("nonsense",)):
        answer = verify(*args)
        assert answer.returncode == 2 and any("\u4e00" <= c <= "\u9fff" for c in answer.stderr), answer.stderr


def test_the_verifier_checks_that_the_log_only_grew(platform: Platform, people: People,
                                                    tmp_path: Path) -> None:
    people.published()
    old = save(tmp_path / "old.json", platform.client.get("/api/v1/log/publication/head").json())
    people.published()
    new_head = platform.client.get("/api/v1/log/publication/head").json()
    new = save(tmp_path / "new.json", new_head)
    sizes = {"from": json.loads(old.read_text())["size"], "to": new_head["size"]}
    proof = save(tmp_path / "proof.json",
                 platform.client.get("/api/v1/log/publication/consistency", params=sizes).json())
    key = platform.client.get("/api/v1/keys").json()["public_key"]
    for pair in ((old, new), (new, old)):
        answer = verify("consistency", *pair, "--proof", proof, "--key", key)
        assert answer.returncode == 0 and "只增长" in answer.stdout, answer.stderr
    same = verify("consistency", new, new, "--key", key)
    assert same.returncode == 0, same.stderr
    wrong = json.loads(proof.read_text())
    wrong["proof"][0] = "0" * 64
    assert verify("consistency", old, new, "--proof", save(tmp_path / "wrong.json", wrong),
                  "--key", key).returncode == 1


def rewritten(platform: Platform, tamper: str) -> tuple[list[dict[str, Any]], int]:
    """The log's entries as a platform rewriting its history would have them (one altered,
    removed, or two swapped) and then carrying on with two new ones, and the index of the first
    leaf the rewrite touches."""
    size = platform.client.get("/api/v1/log/publication/head").json()["size"]
    entries = [platform.client.get(f"/api/v1/log/publication/leaves/{i}").json()["entry"]
               for i in range(size)]
    k = size - 3
    if tamper == "alter":
        entries[k] = {**entries[k], "result": {**entries[k]["result"], "outcome": "篡改后的结果"}}
    elif tamper == "remove":
        del entries[k]
    else:
        entries[k], entries[k + 1] = entries[k + 1], entries[k]
    return entries + [{**entries[-1], "at": f"2026-11-26T10:0{n}:00Z"} for n in range(2)], k


def signed_head(platform: Platform, entries: list[dict[str, Any]]) -> dict[str, Any]:
    """A head of ``entries`` signed with the platform's own key: an insider's rewrite."""
    key = platform.client.app.state.server_key  # type: ignore[attr-defined]
    return TreeHead(log="publication", size=len(entries),
                    root=tree_root([entry_leaf_hash(e) for e in entries]),
                    timestamp="2026-11-26T10:00:00Z").sign(key)


@pytest.mark.parametrize("tamper", ["alter", "remove", "reorder"])
def test_the_verifier_catches_a_rewritten_log(platform: Platform, people: People, tmp_path: Path,
                                              tamper: str) -> None:
    """Even signed with the platform's own key, a log whose past leaf was altered, removed or
    reordered fails against what the public saved before: the receipt of that leaf, and the
    tree head of the time."""
    while platform.client.get("/api/v1/log/publication/head").json().get("size", 0) < 3:
        people.published()
    key = platform.client.get("/api/v1/keys").json()["public_key"]
    real_head = platform.client.get("/api/v1/log/publication/head").json()
    entries, k = rewritten(platform, tamper)
    fake_head = signed_head(platform, entries)
    fake_hashes = [entry_leaf_hash(e) for e in entries]

    # the public saved the real head and the real receipt of leaf k before the rewrite
    saved_head = save(tmp_path / "saved-head.json", real_head)
    saved_receipt = save(tmp_path / "receipt.json",
                         platform.client.get(f"/api/v1/log/publication/leaves/{k}/proof").json())
    assert verify("result", saved_receipt, "--key", key, "--head", saved_head).returncode == 0

    # the rewritten log shows a newer head, with a consistency proof made from its own leaves:
    # it does not extend the saved one
    assert fake_head["size"] > real_head["size"]
    proof = consistency_proof(real_head["size"], fake_hashes)
    answer = verify("consistency", saved_head, save(tmp_path / "fake-head.json", fake_head),
                    "--key", key, "--proof", save(tmp_path / "proof.json", {"proof": hex_hashes(proof)}))
    assert answer.returncode == 1 and "核验未通过" in answer.stderr, answer.stdout + answer.stderr

    # a receipt for leaf k made from the rewritten log at the saved head's size: it verifies
    # against its own head, and is caught against the head the public saved (a fork)
    size = real_head["size"]
    forged = save(tmp_path / "forged.json", {
        "index": k, "entry": entries[k], "tree_head": signed_head(platform, entries[:size]),
        "proof": hex_hashes(inclusion_proof(k, fake_hashes[:size]))})
    assert verify("result", forged, "--key", key).returncode == 0, \
        "alone, a receipt proves only what its own head says"
    against = verify("result", forged, "--key", key, "--head", saved_head)
    assert against.returncode == 1 and "分叉" in against.stderr, against.stdout + against.stderr


def test_two_heads_of_one_size_are_a_fork(platform: Platform, people: People, tmp_path: Path) -> None:
    people.published()
    key = platform.client.get("/api/v1/keys").json()["public_key"]
    real = platform.client.get("/api/v1/log/publication/head").json()
    entries, _ = rewritten(platform, "alter")
    answer = verify("consistency", save(tmp_path / "a.json", real),
                    save(tmp_path / "b.json", signed_head(platform, entries[:real["size"]])), "--key", key)
    assert answer.returncode == 1 and "发现分叉" in answer.stderr
