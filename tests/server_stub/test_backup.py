"""``backup DEST`` and ``restore SRC --data DIR`` (issue 30), in this process, on SQLite and, with
``ZSC_TEST_PG_URL``, on PostgreSQL (``pg_dump``/``pg_restore``): every ``--data DIR`` gets a fresh
database of its own (``fresh_databases``)."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from server_stub import backup
from server_stub.cli import cli
from server_stub.core import merkle_log as ml
from server_stub.core import tables as t
from server_stub.core.config import Settings
from server_stub.core.db import make_engine
from server_stub.core.server_key import load_or_create_server_key
from server_stub.publication import aggregates
from server_stub.records.photo_store import DirectoryPhotoStore, open_photo_store
from sync import TreeHead
from tests.conftest import PG_URL
from tests.server_stub.test_cli import fresh_databases  # noqa: F401  (autouse fixture)
from tests.utils.launcher import free_port
from tests.utils.objectstore import S3_KEY, S3_SECRET, S3_URL, client, new_bucket, store_env
from tests.utils.phone import jpeg

if PG_URL and shutil.which("pg_dump") is None:
    pytest.skip("pg_dump/pg_restore are not installed: the PostgreSQL backup recipe cannot run",
                allow_module_level=True)


def invoke(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.output


def settings_of(data: Path) -> Settings:
    return Settings.from_env(data)


def logs_of(data: Path) -> dict[str, dict[str, Any]]:
    engine = make_engine(settings_of(data).database_url)
    try:
        with engine.connect() as conn:
            return backup.log_states(conn)
    finally:
        engine.dispose()


@pytest.fixture
def platform(tmp_path: Path) -> Path:
    """A seeded data directory (demo directory, its earlier published results) with photos."""
    data = tmp_path / "data"
    invoke("seed-demo", "--data", str(data), "--entities", "60", "--no-year")
    store = DirectoryPhotoStore(settings_of(data).photos_dir)
    for seed in range(3):
        photo = jpeg(seed)
        store.put(hashlib.sha256(photo).hexdigest(), photo)
    invoke("admin-token", "--data", str(data))  # made once, kept in the data directory
    return data


def test_round_trip(platform: Path, tmp_path: Path) -> None:
    before = logs_of(platform)
    assert before["publication"]["size"] > 0 and before["audit"]["size"] > 0
    out = invoke("backup", str(tmp_path / "b"), "--data", str(platform))
    assert "备份完成" in out and "keys" in out
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text(encoding="utf-8"))
    assert {log: (s["size"], s["root"]) for log, s in manifest["logs"].items()} == \
        {log: (s["size"], s["root"]) for log, s in before.items()}
    assert len([f for f in manifest["files"] if f["path"].startswith("photos/")]) == 3
    assert {f["path"] for f in manifest["keys"]["files"]} == {"server_key", "admin_token"}
    assert not (tmp_path / "b.partial").exists()

    restored = tmp_path / "restored"
    out = invoke("restore", str(tmp_path / "b"), "--data", str(restored))
    assert "核对通过" in out
    for state in before.values():
        assert f"{state['size']} 条，树根 {state['root']}" in out
    assert logs_of(restored) == before
    for name in ("server_key", "admin_token"):
        assert (restored / name).read_bytes() == (platform / name).read_bytes()
    photos = sorted(p.relative_to(restored).as_posix() for p in (restored / "photos").rglob("*.jpg"))
    assert len(photos) == 3
    assert "核对通过" in invoke("audit", "verify", "--data", str(restored))


def test_refuses_a_backup_unlike_its_manifest(platform: Path, tmp_path: Path) -> None:
    invoke("backup", str(tmp_path / "b"), "--data", str(platform))
    photo = min((tmp_path / "b" / "photos").rglob("*.jpg"))
    name = photo.relative_to(tmp_path / "b").as_posix()
    photo.write_bytes(photo.read_bytes()[:-1] + b"\x00")
    out = invoke("restore", str(tmp_path / "b"), "--data", str(tmp_path / "r"), code=1)
    assert f"{name} 的 SHA-256 与清单记载的不同" in out
    photo.unlink()
    out = invoke("restore", str(tmp_path / "b"), "--data", str(tmp_path / "r"), code=1)
    assert f"缺少文件 {name}" in out
    assert not (tmp_path / "r").exists()


def test_refuses_an_unlisted_file_and_one_without_manifest(platform: Path, tmp_path: Path) -> None:
    invoke("backup", str(tmp_path / "b"), "--data", str(platform))
    (tmp_path / "b" / "extra.txt").write_text("x")
    out = invoke("restore", str(tmp_path / "b"), "--data", str(tmp_path / "r"), code=1)
    assert "清单中没有 extra.txt" in out
    (tmp_path / "b" / "extra.txt").unlink()
    (tmp_path / "b" / "manifest.json").unlink()
    out = invoke("restore", str(tmp_path / "b"), "--data", str(tmp_path / "r"), code=1)
    assert "不是完整的备份" in out


def test_restores_into_an_empty_directory_only(platform: Path, tmp_path: Path) -> None:
    invoke("backup", str(tmp_path / "b"), "--data", str(platform))
    target = tmp_path / "r"
    target.mkdir()
    (target / "something").write_text("x")
    assert "不是空的" in invoke("restore", str(tmp_path / "b"), "--data", str(target), code=1)
    (target / "something").unlink()
    assert "核对通过" in invoke("restore", str(tmp_path / "b"), "--data", str(target))


def test_refuses_an_existing_destination_and_replaces_a_partial_one(platform: Path,
                                                                     tmp_path: Path) -> None:
    # what a backup killed halfway leaves: never a backup, removed by the next run
    (tmp_path / "b.partial" / "photos").mkdir(parents=True)
    (tmp_path / "b.partial" / "zsc.db").write_bytes(b"half")
    assert "不是完整的备份" in invoke("restore", str(tmp_path / "b.partial"), "--data",
                                     str(tmp_path / "r"), code=1)
    invoke("backup", str(tmp_path / "b"), "--data", str(platform))
    assert not (tmp_path / "b.partial").exists()
    # killed after its manifest but before the rename: whole, yet still not a backup
    shutil.copytree(tmp_path / "b", tmp_path / "c.partial")
    assert "中断的备份" in invoke("restore", str(tmp_path / "c.partial"), "--data",
                                str(tmp_path / "r"), code=1)
    assert "已存在" in invoke("backup", str(tmp_path / "b"), "--data", str(platform), code=1)


def test_without_the_key_the_data_still_restore(platform: Path, tmp_path: Path) -> None:
    out = invoke("backup", str(tmp_path / "b"), "--data", str(platform), "--no-keys")
    assert "不含服务器密钥" in out
    assert not (tmp_path / "b" / "keys").exists()
    out = invoke("restore", str(tmp_path / "b"), "--data", str(tmp_path / "r"))
    assert "备份中没有服务器密钥" in out and "核对通过" in out
    assert logs_of(tmp_path / "r") == logs_of(platform)
    assert not (tmp_path / "r" / "server_key").exists()


def test_keys_kept_apart(platform: Path, tmp_path: Path) -> None:
    keys = tmp_path / "usb" / "zsc-keys"
    out = invoke("backup", str(tmp_path / "b"), "--data", str(platform), "--keys", str(keys))
    assert str(keys) in out
    assert not (tmp_path / "b" / "keys").exists()
    assert (keys / "server_key").read_bytes() == (platform / "server_key").read_bytes()
    out = invoke("restore", str(tmp_path / "b"), "--data", str(tmp_path / "r"), "--keys", str(keys))
    assert "核对通过" in out and "没有服务器密钥" not in out
    assert (tmp_path / "r" / "server_key").read_bytes() == (platform / "server_key").read_bytes()
    # a key that is not the backup's own is refused by its hash
    (keys / "server_key").write_bytes(b"\x01" * 32)
    out = invoke("restore", str(tmp_path / "b"), "--data", str(tmp_path / "r2"), "--keys",
                 str(keys), code=1)
    assert "密钥与清单不符：server_key" in out


def test_a_corrupt_photo_is_left_out_and_named(platform: Path, tmp_path: Path) -> None:
    photo = min(settings_of(platform).photos_dir.rglob("*.jpg"))
    photo.write_bytes(b"not the photo")
    out = invoke("backup", str(tmp_path / "b"), "--data", str(platform))
    assert "照片已损坏" in out and photo.name in out
    assert "核对通过" in invoke("restore", str(tmp_path / "b"), "--data", str(tmp_path / "r"))


def _head_file(path: Path, head: dict[str, Any]) -> Path:
    path.write_text(json.dumps(head), encoding="utf-8")
    return path


def _sign(data: Path, log: str, size: int, root: bytes) -> dict[str, Any]:
    key = load_or_create_server_key(data)
    return TreeHead(log=log, size=size, root=root, timestamp="2026-12-01T00:00:00Z").sign(key)


def test_a_restore_older_than_a_published_head_is_said_plainly(platform: Path,
                                                                tmp_path: Path) -> None:
    invoke("backup", str(tmp_path / "b"), "--data", str(platform))
    # The platform goes on: an act later, the public holds the audit trail's newer head ...
    invoke("enroll-code", "--inspector", "WH00002", "--data", str(platform))
    engine = make_engine(settings_of(platform).database_url)
    with engine.connect() as conn:
        audit_head = ml.latest_head(conn, ml.Log.AUDIT)
    engine.dispose()
    assert audit_head is not None
    # ... and a head of the publication log 3 results on
    size = logs_of(platform)["publication"]["size"]
    published = _sign(platform, "publication", size + 3, b"\x07" * 32)
    out = invoke("restore", str(tmp_path / "b"), "--data", str(tmp_path / "r"),
                 "--known-head", str(_head_file(tmp_path / "audit.json", audit_head)),
                 "--known-head", str(_head_file(tmp_path / "pub.json", {"tree_head": published})))
    assert f"比已公开（或见证人持有）的大小为 {size + 3} 的树头" in out
    assert "备份之后公示的结果已经缺失，须由手机重新同步补回" in out
    assert f"大小为 {audit_head['size']} 的树头" in out


def test_a_head_the_restored_log_contradicts_fails(platform: Path, tmp_path: Path) -> None:
    invoke("backup", str(tmp_path / "b"), "--data", str(platform))
    state = logs_of(platform)["publication"]
    same = _sign(platform, "publication", state["size"], bytes.fromhex(state["root"]))
    fork = _sign(platform, "publication", state["size"] - 1, b"\x05" * 32)
    out = invoke("restore", str(tmp_path / "b"), "--data", str(tmp_path / "r"),
                 "--known-head", str(_head_file(tmp_path / "same.json", same)))
    assert f"与已公开的大小为 {state['size']} 的树头一致" in out
    out = invoke("restore", str(tmp_path / "b"), "--data", str(tmp_path / "r2"),
                 "--known-head", str(_head_file(tmp_path / "fork.json", fork)), code=1)
    assert "两份不同的日志" in out


def test_a_head_signed_by_another_key_is_refused(platform: Path, tmp_path: Path) -> None:
    invoke("backup", str(tmp_path / "b"), "--data", str(platform))
    other = tmp_path / "other"
    other.mkdir()
    head = _sign(other, "publication", 1, b"\x01" * 32)
    out = invoke("restore", str(tmp_path / "b"), "--data", str(tmp_path / "r"),
                 "--known-head", str(_head_file(tmp_path / "h.json", head)), code=1)
    assert "不是本平台的密钥" in out


def test_help_documents_both(tmp_path: Path) -> None:
    assert "DEST" in invoke("backup", "--help")
    assert "--known-head" in invoke("restore", "--help")


@pytest.mark.skipif(S3_URL is None, reason="needs ZSC_TEST_S3_URL (scripts/objectstore.sh)")
def test_photos_in_an_object_store_back_up_and_restore(platform: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A backup reads the photos through the object store into the same layout as from a
    directory; a restore puts them back into the store the target names. Directory → bucket →
    backup → directory is also how an agency moves its photos into an object store."""
    assert S3_URL is not None
    bucket = new_bucket(S3_URL, S3_KEY, S3_SECRET)
    for name, value in store_env(S3_URL, S3_KEY, S3_SECRET, bucket).items():
        if name != "ZSC_PHOTOS":
            monkeypatch.setenv(name, value)
    photos = f"s3://{bucket}"
    invoke("backup", str(tmp_path / "from-disk"), "--data", str(platform))
    moved = tmp_path / "moved"
    assert "核对通过" in invoke("restore", str(tmp_path / "from-disk"), "--data", str(moved),
                              "--photos", photos)
    assert not (moved / "photos").exists(), "the photos went into the bucket"
    in_bucket = open_photo_store(Settings.from_env(moved, photos=photos))
    originals = DirectoryPhotoStore(settings_of(platform).photos_dir)
    assert list(in_bucket.names()) == list(originals.names())

    out = invoke("backup", str(tmp_path / "from-bucket"), "--data", str(moved), "--photos", photos)
    assert "备份完成" in out
    manifest = json.loads((tmp_path / "from-bucket" / "manifest.json").read_text(encoding="utf-8"))
    first = json.loads((tmp_path / "from-disk" / "manifest.json").read_text(encoding="utf-8"))
    assert [f for f in manifest["files"] if f["path"].startswith("photos/")] == \
        [f for f in first["files"] if f["path"].startswith("photos/")], "the same photos, named alike"
    back = tmp_path / "back-on-disk"
    assert "核对通过" in invoke("restore", str(tmp_path / "from-bucket"), "--data", str(back))
    for name in originals.names():
        assert DirectoryPhotoStore(back / "photos").get(name) == originals.get(name)

    damaged = min(originals.names())
    client(S3_URL, S3_KEY, S3_SECRET).put_object(Bucket=bucket, Key=f"photos/{damaged}", Body=b"x")
    out = invoke("backup", str(tmp_path / "with-damage"), "--data", str(moved), "--photos", photos)
    assert "照片已损坏" in out and damaged in out

    monkeypatch.setenv("ZSC_S3_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("ZSC_S3_CONNECT_TIMEOUT", "1")
    out = invoke("backup", str(tmp_path / "store-down"), "--data", str(moved), "--photos", photos,
                 code=1)
    assert "无法读取照片存储" in out and not (tmp_path / "store-down").exists()


def _counts(engine: sa.Engine) -> list[list[tuple[object, ...]]]:
    with engine.connect() as conn:
        return [sorted((tuple(row) for row in conn.execute(sa.select(*(c for c in table.c if c.key != "id")))),
                       key=repr)
                for table in (t.dashboard_groups, t.dashboard_days, t.plan_states, t.plan_task_counts,
                              t.yearly_visits)]


def test_the_dashboards_aggregates_come_back_consistent_and_maintained(platform: Path, tmp_path: Path) -> None:
    """Issue 29 point 4: a restored database has counts (and waiting deltas) that fold into what a
    rebuild from its rows counts, and its triggers still keep them as rows change."""
    invoke("backup", str(tmp_path / "b"), "--data", str(platform))
    restored = tmp_path / "restored"
    invoke("restore", str(tmp_path / "b"), "--data", str(restored))
    engine = make_engine(settings_of(restored).database_url)
    try:
        aggregates.fold_now(engine, wait=True)
        folded = _counts(engine)
        assert folded[0] and folded[3], "the demo's results and drawn tasks are counted"
        aggregates.rebuild_now(engine)
        assert _counts(engine) == folded
        with engine.begin() as conn:
            r = t.records
            one = conn.execute(sa.select(r.c.id).where(r.c.state == "published").limit(1)).scalar_one()
            conn.execute(r.update().where(r.c.id == one).values(superseded=True))
        with engine.connect() as conn:
            assert aggregates.pending(conn)
        aggregates.fold_now(engine, wait=True)
        after = _counts(engine)
        aggregates.rebuild_now(engine)
        assert _counts(engine) == after != folded
    finally:
        engine.dispose()
