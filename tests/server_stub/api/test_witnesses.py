"""Witnesses' co-signatures on the platform (issue 28 points 2 and 3): two configured witnesses
co-sign the publication log's and the audit trail's heads through the public routes; an unknown
witness is 403, a co-signature of a head the platform never signed 422; the public pages and
results say who witnessed a result and when, and 待见证 until the required number did; the audit
trail serves heads and consistency proofs, never entries.

In the server's own process (``TestClient``); the witness is ``sync.witness`` itself, its HTTP
client the test client.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from server_stub.access.scope import department_plans
from server_stub.core import tables as t
from server_stub.core.config import Settings
from server_stub.directory.demo import SAMR
from server_stub.main import create_app
from sync import TreeHead, generate_key, public_key_b64
from sync.witness import Platform as WitnessView
from sync.witness import State, cosign, run_once
from tests.conftest import run_cli
from tests.server_stub.api.test_publication_log import ENTITIES, People, Platform, public_result
from tests.utils.workload import drawn_long_ago

NOW = dt.datetime(2026, 12, 6, 2, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def states(tmp_path_factory: pytest.TempPathFactory) -> list[State]:
    root = tmp_path_factory.mktemp("witnesses")
    return [State(root / name) for name in ("公证处", "市纪委监委")]


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory, states: list[State]) -> Iterator[Platform]:
    from tests.conftest import Databases

    directory = tmp_path_factory.mktemp("witnessed")
    databases = Databases(directory)
    data, db = directory / "data", databases.make()
    run_cli("seed-demo", "--entities", str(ENTITIES), data=data, db=db)
    drawn_long_ago(db)
    keys = []
    for state in states:  # the witnesses make their keys first; the platform is told them
        state.path.mkdir(parents=True)
        key = generate_key()
        (state.path / "witness.key").write_bytes(key.private_bytes_raw())
        keys.append(public_key_b64(key))
    witnesses = ",".join(f"{s.path.name}={k}" for s, k in zip(states, keys, strict=True))
    app = create_app(Settings.from_env(data, db, witnesses=witnesses, witnesses_required=2))
    try:
        with TestClient(app, base_url="http://platform") as client:
            server_key = public_key_b64(app.state.server_key)
            for state in states:
                state.init("http://platform", server_key, state.path.name)
            yield Platform(client, data, db, app.state.engine)
    finally:
        app.state.engine.dispose()
        databases.drop_all()


_people: dict[int, People] = {}


def samr_people(platform: Platform) -> People:
    """``People`` with the tasks of plans SAMR runs only (its supervisor decides them), one for
    the module's platform."""
    if id(platform) in _people:
        return _people[id(platform)]
    people = _people[id(platform)] = People(platform)
    with platform.engine.connect() as conn:
        ours = set(conn.execute(sa.select(t.tasks.c.id).where(
            t.tasks.c.plan_id.in_(department_plans(SAMR)))).scalars())
    people.tasks = [x for x in people.tasks if x[0] in ours]
    return people


def witness(platform: Platform, state: State) -> list[tuple[bool, str]]:
    status, lines = run_once(state, WitnessView("http://platform", platform.client), NOW)
    assert status == 0, lines
    return lines


def page(platform: Platform, path: str) -> str:
    answer = platform.client.get(path)
    assert answer.status_code == 200, answer.text
    return answer.text


def test_results_are_witnessed_by_whom_and_when(platform: Platform, states: list[State]) -> None:
    people = samr_people(platform)
    record_id = people.published()
    shown = public_result(platform, record_id)
    assert shown is not None and shown["witness"]["witnessed"] is False and shown["witness"]["pending"]
    assert "未经见证" in page(platform, f"/r/{record_id}") and "待见证" in page(platform, "/results")

    lines = witness(platform, states[0])
    assert "已共同签名" in lines[0][1] and "已共同签名" in lines[1][1], lines  # both logs
    shown = public_result(platform, record_id)
    assert shown is not None
    assert [w["name"] for w in shown["witness"]["witnesses"]] == ["公证处"]
    assert shown["witness"]["pending"], "two witnesses are required"
    assert "待见证" in page(platform, f"/r/{record_id}")

    witness(platform, states[1])
    shown = public_result(platform, record_id)
    assert shown is not None and not shown["witness"]["pending"]
    assert {w["name"] for w in shown["witness"]["witnesses"]} == {"公证处", "市纪委监委"}
    assert shown["published_on"], "the publication date is the act's"
    checked = page(platform, f"/r/{record_id}")
    assert "已见证" in checked and "公证处" in checked and "北京时间" in checked and "待见证" not in checked
    assert "市纪委监委" in page(platform, f"/results/{record_id}/proof")
    assert "市纪委监委" in page(platform, "/log/publication")

    head = platform.client.get("/api/v1/log/publication/witnessed").json()
    assert {c["name"] for c in head["cosignatures"]} == {"公证处", "市纪委监委"}
    key = public_key_b64(states[0].key())
    cosigned = platform.client.get("/api/v1/log/publication/cosigned", params={"witness": key}).json()
    assert cosigned["head"] == head["head"] and cosigned["cosignature"]["witness_key"] == key
    assert platform.client.get(f"/api/v1/log/publication/heads/{head['head']['size']}/cosignatures"
                               ).json()["cosignatures"]
    assert [w["name"] for w in platform.client.get("/api/v1/witnesses").json()["witnesses"]] == \
        ["公证处", "市纪委监委"]

    # a newer publication is not witnessed until the witnesses come round again; the older one is
    newer = people.published()
    shown = public_result(platform, newer)
    assert shown is not None and not shown["witness"]["witnessed"]
    older = public_result(platform, record_id)
    assert older is not None and older["witness"]["witnessed"]
    assert older["witness"]["newest_head_witnessed_by"] == []
    for state in states:
        witness(platform, state)
    shown = public_result(platform, newer)
    assert shown is not None and len(shown["witness"]["witnesses"]) == 2


def test_who_may_cosign_what(platform: Platform, states: list[State]) -> None:
    latest = platform.client.get("/api/v1/log/publication/head").json()
    head = TreeHead(log="publication", size=latest["size"], root=bytes.fromhex(latest["root"]),
                    timestamp=latest["timestamp"])
    stranger = platform.client.post("/api/v1/log/publication/cosignatures",
                                    json=cosign(head, generate_key(), NOW))
    assert stranger.status_code == 403 and "未在平台登记" in stranger.json()["error"]["message"]
    forged = TreeHead(log="publication", size=latest["size"], root=b"\x01" * 32,
                      timestamp=latest["timestamp"])
    never = platform.client.post("/api/v1/log/publication/cosignatures",
                                 json=cosign(forged, states[0].key(), NOW))
    assert never.status_code == 422 and "从未签发" in never.json()["error"]["message"]
    altered = {**cosign(head, states[0].key(), NOW), "witnessed_at": "2026-12-06T03:00:00Z"}
    bad = platform.client.post("/api/v1/log/publication/cosignatures", json=altered)
    assert bad.status_code == 422
    wrong_log = platform.client.post("/api/v1/log/audit/cosignatures", json=cosign(head, states[0].key(), NOW))
    assert wrong_log.status_code == 422


def test_the_audit_trail_shows_heads_never_entries(platform: Platform, states: list[State]) -> None:
    head = platform.client.get("/api/v1/log/audit/head").json()
    assert head["log"] == "audit" and head["size"] > 0
    assert platform.client.get("/api/v1/log/audit/heads").json()["heads"]
    proof = platform.client.get("/api/v1/log/audit/consistency", params={"from": 1, "to": head["size"]})
    assert proof.status_code == 200 and proof.json()["log"] == "audit"
    for path in ("/api/v1/log/audit/leaves/0", "/api/v1/log/audit/leaves/0/proof"):
        assert platform.client.get(path).status_code == 404
    for state in states:
        witness(platform, state)
    witnessed = platform.client.get("/api/v1/log/audit/witnessed").json()
    assert witnessed["head"]["size"] >= head["size"]
    assert {c["name"] for c in witnessed["cosignatures"]} == {"公证处", "市纪委监委"}


def test_witnesses_are_configured_plainly(tmp_path: Path) -> None:
    key = public_key_b64(generate_key())
    assert Settings.from_env(tmp_path, witnesses=f"甲={key}").witnesses == (("甲", key),)
    for wrong, said in ((f"甲{key}", "名称=公钥"), ("甲=abc", "不是 base64url"), (f"甲={key},甲={key}", "重复")):
        with pytest.raises(ValueError, match=said):
            Settings.from_env(tmp_path, witnesses=wrong)


def test_the_verifier_checks_witnesses(platform: Platform, states: list[State], tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    """``python -m sync.verify result --witness`` (issue 28 point 4), its fetches answered by the
    in-process platform: a witnessed result passes, a newer one not yet witnessed and a stranger
    witness fail plainly, and a saved witnessed receipt checks offline."""
    from sync import verify

    def fetcher(url: str) -> Callable[[str], Any]:
        def fetch(path: str) -> Any:
            answer = platform.client.get(path)
            if answer.status_code != 200:
                raise verify.Failed(verify.BAD_INPUT, f"平台答复 {answer.status_code}")
            return answer.json()
        return fetch

    monkeypatch.setattr(verify, "_fetcher", fetcher)
    people = samr_people(platform)
    record_id = people.published()
    for state in states:
        witness(platform, state)
    server_key = platform.client.get("/api/v1/keys").json()["public_key"]
    keys = [public_key_b64(s.key()) for s in states]
    saved = tmp_path / "witnessed.json"
    args = ["result", "--url", "http://platform", "--record", record_id, "--key", server_key]
    assert verify.main([*args, "--witness", keys[0], "--witness", keys[1], "--save", str(saved)]) == 0
    assert "见证" in capsys.readouterr().out
    assert verify.main(["result", str(saved), "--key", server_key, "--witness", keys[1]]) == 0
    capsys.readouterr()
    assert verify.main(["result", str(saved), "--key", server_key,
                        "--witness", public_key_b64(generate_key())]) == 1
    assert "没有共同签名" in capsys.readouterr().err

    newer = people.published()
    assert verify.main(["result", "--url", "http://platform", "--record", newer, "--key", server_key,
                        "--witness", keys[0]]) == 1
    assert "不包含该结果" in capsys.readouterr().err
    assert verify.main(["result", "--url", "http://platform", "--record", newer, "--key", server_key]) == 0
    assert "未要求见证人" in capsys.readouterr().out


def test_a_plan_may_require_more_witnesses_than_the_platform(platform: Platform, states: list[State]) -> None:
    """``Plan.witnesses_required`` above ``ZSC_WITNESSES_REQUIRED`` (2 here) holds its results at
    待见证 until that many co-signed; the platform's own number stays the floor."""
    people = samr_people(platform)
    record_id = people.published()
    for state in states:
        witness(platform, state)
    shown = public_result(platform, record_id)
    assert shown is not None and not shown["witness"]["pending"] and shown["witness"]["required"] == 2
    p = t.plans
    with platform.engine.begin() as conn:
        plan_id = conn.execute(sa.select(t.records.c.plan_id).where(t.records.c.id == record_id)).scalar_one()
        spec = conn.execute(sa.select(p.c.spec).where(p.c.id == plan_id)).scalar_one()
        conn.execute(p.update().where(p.c.id == plan_id).values(spec={**spec, "witnesses_required": 3}))
    try:
        shown = public_result(platform, record_id)
        assert shown is not None and shown["witness"]["pending"] and shown["witness"]["required"] == 3
        assert "待见证" in page(platform, f"/r/{record_id}")
        assert "须经3个独立见证人共同签名" in page(platform, f"/draws/{plan_id}")
    finally:
        with platform.engine.begin() as conn:
            conn.execute(p.update().where(p.c.id == plan_id).values(spec=spec))
