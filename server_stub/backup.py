"""Backups an agency can restore (issue 30): ``backup DEST`` and ``restore SRC --data DIR``.

A backup is a directory:

* ``zsc.db`` (SQLite, copied through SQLite's online backup API: one read transaction, so the
  copy is the database at one instant while the server goes on writing; never a file copy of a
  live WAL database) or ``zsc.pgdump`` (PostgreSQL: ``pg_dump --format=custom`` run on a
  snapshot this module exports, so that the logs' sizes and roots below are read in the very
  snapshot the dump holds);
* ``photos/``: the photo store's content-addressed files, each hashed while copied (a file whose
  bytes no longer hash to its name is left out and named). With an object store
  (``ZSC_PHOTOS=s3://…``), its objects are read through the store and written here in the same
  layout (``photos/ab/cd/<sha256>.jpg``), so a backup is the same whichever store it came from,
  and ``restore`` puts the photos into whichever store the target names (the data directory, or
  the bucket: every object put again, checked against its hash, an object already there kept);
* ``keys/``: the server's signing key and the administrator's token, kept apart from the data
  (``--keys DIR`` writes them elsewhere, ``--no-keys`` leaves them out); the data restore and
  verify without them, against the public key the manifest records;
* ``manifest.json``, written last: each file's SHA-256 and size, the key files' too, and the size,
  root and newest signed head of both logs (publication log and audit trail) as the copied
  database holds them.

Everything is written into ``DEST.partial`` and renamed to ``DEST`` once the manifest is in
place, so a backup killed at any moment leaves either a complete, verifiable backup at ``DEST`` or
none (a ``DEST.partial`` a later run removes). The photos are copied after the database: the
store only ever grows, so every photo the copied records name is there.

PDFs (现场检查笔录) are drawn from the records on demand; there is nothing else to copy.

``restore`` checks every file against the manifest first (the first mismatch is named), restores
into an empty data directory (and an empty database) only, then re-checks both logs from their
entries and signed heads, compares them with the manifest, and with tree heads the public or a
witness already holds (``known_heads``): a restored log shorter than such a head has lost what
was published after the backup, which the phones send again (``POST /api/v1/records/known``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from server_stub.core import audit_trail
from server_stub.core import merkle_log as ml
from server_stub.core import tables as t
from server_stub.core.admin_token import FILE_NAME as ADMIN_TOKEN_FILE
from server_stub.core.config import Settings
from server_stub.core.db import make_engine
from server_stub.core.errors import Damaged, Unavailable
from server_stub.core.server_key import FILE_NAME as SERVER_KEY_FILE
from server_stub.records.photo_store import S3PhotoStore, is_sha256, open_photo_store
from sync import (
    SignatureError,
    ZscError,
    frontier_root,
    load_private_key,
    load_public_key,
    public_key_b64,
    read_tree_head,
    verify_consistency,
)

FORMAT = "zsc-backup"
VERSION = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "zsc.db"
PG_FILE = "zsc.pgdump"
PHOTOS = "photos"
KEYS = "keys"
KEY_FILES = (SERVER_KEY_FILE, ADMIN_TOKEN_FILE)
PARTIAL = ".partial"
CHUNK = 1 << 20

LOG_NAMES = {ml.Log.PUBLICATION.value: "公示日志", ml.Log.AUDIT.value: "全过程留痕"}


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, in Chinese."""


# --- files ---------------------------------------------------------------------------------------


def _sha256_file(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _write(path: Path, data: bytes) -> None:
    """``data`` at ``path`` (owner-only), on disk before this returns."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(root: Path) -> None:
    for directory, _dirs, _files in os.walk(root):
        _fsync_dir(Path(directory))


def _entry(root: Path, relative: str) -> dict[str, Any]:
    sha256, size = _sha256_file(root / relative)
    return {"path": relative, "sha256": sha256, "size": size}


def _sqlite_path(url: str) -> Path:
    database = sa.engine.make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("内存中的 SQLite 数据库无法备份或恢复")
    return Path(database)


def _is_postgres(url: str) -> bool:
    return url.startswith("postgresql")


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A SQLAlchemy URL as libpq takes it (``pg_dump --dbname``), the password in the
    environment rather than on a command line others may read."""
    parsed = sa.engine.make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"找不到 {name}：PostgreSQL 数据库的备份与恢复需要 PostgreSQL 客户端工具"
                          f"（Debian：apt-get install postgresql-client），其版本不低于数据库服务器的")
    return found


# --- what the logs hold ---------------------------------------------------------------------------


def log_states(conn: sa.Connection) -> dict[str, dict[str, Any]]:
    """Per log: its size, its root (hex) and its newest signed head, as ``conn`` sees them."""
    states: dict[str, dict[str, Any]] = {}
    for log in ml.Log:
        row = conn.execute(sa.select(t.merkle_logs.c.size, t.merkle_logs.c.frontier)
                           .where(t.merkle_logs.c.name == log)).one()
        root = frontier_root([bytes.fromhex(h) for h in row.frontier])
        states[log.value] = {"size": int(row.size), "root": root.hex(),
                             "head": ml.latest_head(conn, log)}
    return states


def _schema_revision(conn: sa.Connection) -> str | None:
    try:
        return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    except sa.exc.DBAPIError:
        return None


# --- backup ----------------------------------------------------------------------------------------


@dataclass
class BackupReport:
    dest: Path
    keys_at: Path | None
    files: int
    bytes: int
    logs: dict[str, dict[str, Any]]
    skipped: list[str] = field(default_factory=list)


def _copy_sqlite(source: Path, target: Path) -> tuple[dict[str, dict[str, Any]], str | None]:
    """The online backup of ``source`` into ``target`` (one step: one read transaction, one
    instant), made a self-contained file (no WAL), checked, and what its logs hold."""
    if not source.is_file():
        raise BackupError(f"找不到数据库文件 {source}")
    src = sqlite3.connect(source, timeout=30)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)  # pages=-1: every page in one step, in one read transaction
            dst.execute("PRAGMA journal_mode=DELETE")
            if (check := dst.execute("PRAGMA quick_check").fetchone()[0]) != "ok":
                raise BackupError(f"备份出的数据库未通过 SQLite 的完整性检查：{check}")
        finally:
            dst.close()
    finally:
        src.close()
    os.chmod(target, 0o600)
    with open(target, "rb+") as f:
        os.fsync(f.fileno())
    engine = sa.create_engine(f"sqlite:///{target}", poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return log_states(conn), _schema_revision(conn)
    finally:
        engine.dispose()


def _dump_postgres(url: str, target: Path) -> tuple[dict[str, dict[str, Any]], str | None]:
    """``pg_dump --format=custom`` of the snapshot in which the logs' states are read."""
    pg_dump = _pg_tool("pg_dump")
    dbname, env = _libpq(url)
    engine = make_engine(url)
    try:
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn, \
                conn.begin():
            snapshot = conn.execute(sa.text("SELECT pg_export_snapshot()")).scalar_one()
            logs, revision = log_states(conn), _schema_revision(conn)
            done = subprocess.run([pg_dump, "--format=custom", "--no-owner", "--no-privileges",
                                   f"--snapshot={snapshot}", f"--file={target}", f"--dbname={dbname}"],
                                  check=False, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise BackupError(f"pg_dump 失败：{done.stderr.strip()}")
    finally:
        engine.dispose()
    os.chmod(target, 0o600)
    with open(target, "rb+") as f:
        os.fsync(f.fileno())
    return logs, revision


def _photo_files(root: Path) -> Iterator[tuple[str, Path]]:
    """(name relative to ``root``, path) of every file of a ``DirectoryPhotoStore``, in order;
    its half-written temporary files (``.part-…``) are not photos."""
    if not root.is_dir():
        return
    for directory, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            if name.startswith(".part-"):
                continue
            path = Path(directory) / name
            yield path.relative_to(root).as_posix(), path


def _photo_name_ok(relative: str) -> bool:
    parts = relative.split("/")
    if len(parts) != 3 or not parts[2].endswith(".jpg"):
        return False
    sha = parts[2][:-4]
    return is_sha256(sha) and parts[0] == sha[:2] and parts[1] == sha[2:4]


def _copy_photos(source: Path, partial: Path, files: list[dict[str, Any]], skipped: list[str]) -> None:
    for relative, path in _photo_files(source):
        if not _photo_name_ok(relative):
            skipped.append(f"{PHOTOS}/{relative}（不是照片库的文件名）")
            continue
        data = path.read_bytes()
        sha256 = hashlib.sha256(data).hexdigest()
        if sha256 != relative.rsplit("/", 1)[1][:-4]:
            skipped.append(f"{PHOTOS}/{relative}（内容与文件名的 SHA-256 不符，照片已损坏）")
            continue
        _write(partial / PHOTOS / relative, data)
        files.append({"path": f"{PHOTOS}/{relative}", "sha256": sha256, "size": len(data)})


def _copy_objects(store: S3PhotoStore, partial: Path, files: list[dict[str, Any]],
                  skipped: list[str]) -> None:
    """The object store's photos into the backup, each checked against its name as it arrives."""
    try:
        for sha256 in store.names():
            relative = f"{sha256[:2]}/{sha256[2:4]}/{sha256}.jpg"
            try:
                data = store.get(sha256)
            except Damaged:
                skipped.append(f"{store.location}{sha256}（内容与名称的 SHA-256 不符，照片已损坏）")
                continue
            except KeyError:  # gone since it was listed: the store never deletes, so not ours
                skipped.append(f"{store.location}{sha256}（列出后即不存在）")
                continue
            _write(partial / PHOTOS / relative, data)
            files.append({"path": f"{PHOTOS}/{relative}", "sha256": sha256, "size": len(data)})
    except Unavailable:
        raise BackupError(f"无法读取照片存储 {store.location}：请检查它是否在运行及其凭据；备份未完成") from None


def _copy_keys(data_dir: Path, target: Path) -> list[dict[str, Any]]:
    entries = []
    for name in KEY_FILES:
        if (data_dir / name).is_file():
            _write(target / name, (data_dir / name).read_bytes())
            entries.append(_entry(target, name))
    return entries


def _public_key(data_dir: Path) -> str | None:
    path = data_dir / SERVER_KEY_FILE
    return public_key_b64(load_private_key(path.read_bytes())) if path.is_file() else None


def _start(dest: Path) -> Path:
    if dest.exists():
        raise BackupError(f"{dest} 已存在：请指定一个新的备份目录")
    partial = dest.with_name(dest.name + PARTIAL)
    if partial.exists():  # a backup killed before it was complete: never a backup
        shutil.rmtree(partial)
    partial.mkdir(mode=0o700, parents=True)
    return partial


def backup(settings: Settings, dest: Path, *, keys_dest: Path | None = None,
           with_keys: bool = True, now: Callable[[], dt.datetime] | None = None) -> BackupReport:
    """A consistent backup of the platform at ``dest`` (see the module's docstring)."""
    dest = Path(dest).absolute()
    if keys_dest is not None:
        keys_dest = Path(keys_dest).absolute()
        if keys_dest.exists():
            raise BackupError(f"{keys_dest} 已存在：请为密钥指定一个新的目录")
    partial = _start(dest)
    files: list[dict[str, Any]] = []
    skipped: list[str] = []
    if _is_postgres(settings.database_url):
        logs, revision = _dump_postgres(settings.database_url, partial / PG_FILE)
        database = {"kind": "postgresql", "file": PG_FILE, "format": "custom"}
    elif settings.database_url.startswith("sqlite"):
        logs, revision = _copy_sqlite(_sqlite_path(settings.database_url), partial / SQLITE_FILE)
        database = {"kind": "sqlite", "file": SQLITE_FILE}
    else:
        raise BackupError(f"不支持备份此类数据库：{sa.engine.make_url(settings.database_url).drivername}")
    files.append(_entry(partial, database["file"]))
    store = open_photo_store(settings)
    if isinstance(store, S3PhotoStore):
        _copy_objects(store, partial, files, skipped)
    else:
        _copy_photos(settings.photos_dir, partial, files, skipped)

    keys: dict[str, Any] = {"where": None, "files": []}
    keys_at: Path | None = None
    if with_keys:
        if keys_dest is None:
            keys["files"] = _copy_keys(settings.data_dir, partial / KEYS)
            keys["where"] = KEYS
            keys_at = dest / KEYS
        else:
            keys_partial = _start(keys_dest)
            keys["files"] = _copy_keys(settings.data_dir, keys_partial)
            keys["where"] = "separate"
            _fsync_tree(keys_partial)
            os.replace(keys_partial, keys_dest)
            _fsync_dir(keys_dest.parent)
            keys_at = keys_dest

    made_at = (now or (lambda: dt.datetime.now(dt.UTC)))()
    manifest = {
        "format": FORMAT, "version": VERSION,
        "made_at": made_at.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "schema_revision": revision, "database": database,
        "public_key": _public_key(settings.data_dir),
        "logs": logs, "files": files, "keys": keys, "skipped": skipped,
    }
    _fsync_tree(partial)
    # Last: the manifest, then the rename that makes it a backup.
    tmp = partial / (MANIFEST + ".tmp")
    _write(tmp, (json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode())
    os.replace(tmp, partial / MANIFEST)
    _fsync_dir(partial)
    os.replace(partial, dest)
    _fsync_dir(dest.parent)
    return BackupReport(dest=dest, keys_at=keys_at, files=len(files),
                        bytes=sum(f["size"] for f in files), logs=logs, skipped=skipped)


# --- checking a backup -----------------------------------------------------------------------------


def _safe(relative: object) -> str:
    if not isinstance(relative, str) or not relative:
        raise BackupError("备份清单中有无效的文件名")
    path = PurePosixPath(relative)
    if path.is_absolute() or ".." in path.parts:
        raise BackupError(f"备份清单中的文件名 {relative} 指向备份目录之外")
    return relative


def read_manifest(src: Path) -> dict[str, Any]:
    path = Path(src) / MANIFEST
    if not Path(src).is_dir():
        raise BackupError(f"{src} 不是备份目录")
    if Path(src).name.endswith(PARTIAL):
        # a run killed between its manifest and its final rename leaves a whole manifest here:
        # still the working directory of a run that never said it was done
        raise BackupError(f"{src} 不是完整的备份：这是中断的备份留下的工作目录（下次备份时会被删除），不能用于恢复")
    if not path.is_file():
        raise BackupError(f"{src} 不是完整的备份：没有 {MANIFEST}（备份可能在写入时中断），不能用于恢复")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BackupError(f"{path} 不是有效的JSON") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path} 不是掌上查的备份清单")
    if manifest.get("version") != VERSION:
        raise BackupError(f"备份格式版本为 {manifest.get('version')}，本程序只能恢复版本 {VERSION}")
    return manifest


def _check(root: Path, entries: Sequence[Mapping[str, Any]], what: str) -> None:
    for entry in entries:
        relative = _safe(entry.get("path"))
        path = root / relative
        if not path.is_file():
            raise BackupError(f"{what}与清单不符：缺少文件 {relative}")
        sha256, size = _sha256_file(path)
        if size != entry.get("size"):
            raise BackupError(f"{what}与清单不符：{relative} 的大小为 {size} 字节，清单记载 {entry.get('size')} 字节")
        if sha256 != entry.get("sha256"):
            raise BackupError(f"{what}与清单不符：{relative} 的 SHA-256 与清单记载的不同（文件被改动或损坏）")


def keys_location(src: Path, manifest: Mapping[str, Any], keys_src: Path | None) -> Path | None:
    """Where this backup's key files are: ``keys_src`` when given, else ``SRC/keys`` if present."""
    if keys_src is not None:
        return Path(keys_src)
    inside = Path(src) / KEYS
    return inside if manifest.get("keys", {}).get("where") == KEYS and inside.is_dir() else None


def verify_backup(src: Path, keys_src: Path | None = None) -> dict[str, Any]:
    """The manifest once every file matches it; ``BackupError`` naming the first that does not
    (or a file the manifest does not name)."""
    src = Path(src)
    manifest = read_manifest(src)
    files = manifest.get("files")
    if not isinstance(files, list):
        raise BackupError("备份清单中没有文件列表")
    _check(src, files, "备份")
    listed = {_safe(f["path"]) for f in files} | {MANIFEST}
    for directory, dirs, names in os.walk(src):
        dirs.sort()
        here = Path(directory).relative_to(src)
        if here.parts[:1] == (KEYS,):
            continue
        for name in sorted(names):
            relative = (here / name).as_posix()
            if relative not in listed:
                raise BackupError(f"备份与清单不符：清单中没有 {relative}")
    keys_dir = keys_location(src, manifest, keys_src)
    if keys_dir is not None:
        key_entries = [{**e, "path": _safe(e.get("path"))} for e in manifest["keys"]["files"]]
        _check(keys_dir, key_entries, "密钥")
    return manifest


# --- restore ---------------------------------------------------------------------------------------


@dataclass
class LogReport:
    log: str
    size: int
    root: str
    problems: list[str]
    warnings: list[str]


@dataclass
class RestoreReport:
    manifest: dict[str, Any]
    logs: list[LogReport]
    key_restored: bool
    problems: list[str]

    @property
    def sound(self) -> bool:
        return not self.problems and not any(log.problems for log in self.logs)


def _empty_target(settings: Settings, kind: str) -> None:
    data_dir = settings.data_dir
    if data_dir.exists() and (not data_dir.is_dir() or any(data_dir.iterdir())):
        raise BackupError(f"数据目录 {data_dir} 不是空的：只能恢复到一个空的（或尚不存在的）数据目录")
    url = settings.database_url
    if _is_postgres(url) != (kind == "postgresql"):
        target = "PostgreSQL" if _is_postgres(url) else "SQLite"
        source = "PostgreSQL" if kind == "postgresql" else "SQLite"
        raise BackupError(f"这是 {source} 数据库的备份，目标数据库是 {target}：请恢复到同一种数据库")
    if kind == "postgresql":
        engine = make_engine(url)
        try:
            tables = sa.inspect(engine).get_table_names()
        finally:
            engine.dispose()
        if tables:
            raise BackupError(f"目标数据库不是空的（已有 {len(tables)} 张表）：只能恢复到一个新建的空数据库")
    else:
        path = _sqlite_path(url)
        if path.exists() and path.stat().st_size > 0:
            raise BackupError(f"数据库文件 {path} 已存在：只能恢复到一个空的数据目录和新的数据库")


def _copy_verified(source: Path, target: Path, entry: Mapping[str, Any]) -> None:
    data = source.read_bytes()
    if hashlib.sha256(data).hexdigest() != entry["sha256"]:  # changed since it was checked
        raise BackupError(f"{entry['path']} 在恢复过程中被改动")
    if target.exists():
        target.unlink()
    _write(target, data)


def _put_verified(store: S3PhotoStore, source: Path, entry: Mapping[str, Any]) -> None:
    """A backed-up photo into the object store (kept if there already: same name, same bytes)."""
    data = source.read_bytes()
    if hashlib.sha256(data).hexdigest() != entry["sha256"]:  # changed since it was checked
        raise BackupError(f"{entry['path']} 在恢复过程中被改动")
    name = PurePosixPath(entry["path"]).stem
    if not is_sha256(name) or name != entry["sha256"]:
        raise BackupError(f"{entry['path']} 不是照片库的文件名")
    try:
        store.put(name, data)
    except Unavailable:
        raise BackupError(f"无法写入照片存储 {store.location}：请检查它是否在运行及其凭据，然后重新恢复") from None


def _restore_postgres(url: str, dump: Path) -> None:
    pg_restore = _pg_tool("pg_restore")
    dbname, env = _libpq(url)
    done = subprocess.run([pg_restore, "--no-owner", "--no-privileges", "--exit-on-error",
                           "--single-transaction", f"--dbname={dbname}", str(dump)],
                          check=False, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"pg_restore 失败：{done.stderr.strip()}")


def _verifying_key(data_dir: Path, manifest: Mapping[str, Any]
                   ) -> Ed25519PrivateKey | Ed25519PublicKey | None:
    path = data_dir / SERVER_KEY_FILE
    if path.is_file():
        return load_private_key(path.read_bytes())
    recorded = manifest.get("public_key")
    return load_public_key(recorded) if isinstance(recorded, str) else None


def _known_head(path: Path) -> Any:
    try:
        loaded = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as e:
        raise BackupError(f"无法读取树头文件 {path}：{e.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BackupError(f"树头文件 {path} 不是JSON") from None
    # a head as /api/v1/log/<log>/head serves it, or a receipt holding one
    return loaded.get("tree_head", loaded) if isinstance(loaded, dict) else loaded


def _compare_known(conn: sa.Connection, signed: object, source: Path, public: str,
                   logs: dict[str, LogReport]) -> None:
    try:
        head = read_tree_head(signed, public)
    except SignatureError:
        raise BackupError(f"树头 {source} 的签名不是本平台的密钥（备份中记载的公钥）所签") from None
    except ZscError as e:
        raise BackupError(f"树头 {source} 格式不正确：{e}") from None
    report = logs.get(head.log)
    if report is None:
        raise BackupError(f"树头 {source} 属于未知的日志「{head.log}」")
    name = LOG_NAMES[head.log]
    if head.size > report.size:
        lost = ("备份之后公示的结果已经缺失，须由手机重新同步补回（手机仍保存着各自签名的记录，"
                "下次同步时会把平台没有的记录重新发送）") if head.log == ml.Log.PUBLICATION else \
               "备份之后的管理操作及其留痕已经缺失，须重新办理"
        report.warnings.append(
            f"恢复的{name}只有 {report.size} 条，比已公开（或见证人持有）的大小为 {head.size} 的树头"
            f"（{head.timestamp}）短：{lost}。")
        return
    proof = ml.consistency(conn, ml.Log(head.log), head.size, report.size) \
        if head.size < report.size else []
    if not verify_consistency(head.size, report.size, head.root, bytes.fromhex(report.root), proof):
        report.problems.append(
            f"恢复的{name}与已公开的大小为 {head.size} 的树头不一致：前 {head.size} 条的树根不同"
            "（这份备份与公众看到的日志是两份不同的日志）")
    else:
        report.warnings.append(f"与已公开的大小为 {head.size} 的树头一致（{source.name}）。")


def restore(settings: Settings, src: Path, *, keys_src: Path | None = None,
            known_heads: Sequence[Path] = ()) -> RestoreReport:
    """Restores the backup at ``src`` into the empty data directory (and empty database) of
    ``settings``, then verifies what was restored (see the module's docstring)."""
    src = Path(src)
    manifest = verify_backup(src, keys_src)
    database = manifest["database"]
    kind = database.get("kind")
    if kind not in ("sqlite", "postgresql"):
        raise BackupError(f"备份中的数据库类型「{kind}」未知")
    _empty_target(settings, kind)
    data_dir = settings.data_dir
    staging = data_dir.with_name(data_dir.name + ".restoring")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(mode=0o700, parents=True)
    entries = {f["path"]: f for f in manifest["files"]}
    store = open_photo_store(settings)
    for relative, entry in entries.items():
        if not relative.startswith(PHOTOS + "/"):
            continue
        if isinstance(store, S3PhotoStore):
            _put_verified(store, src / relative, entry)
        else:
            _copy_verified(src / relative, staging / relative, entry)
    keys_dir = keys_location(src, manifest, keys_src)
    key_restored = False
    if keys_dir is not None:
        for entry in manifest["keys"]["files"]:
            _copy_verified(keys_dir / entry["path"], staging / entry["path"], entry)
            key_restored |= entry["path"] == SERVER_KEY_FILE
    db_entry = entries[database["file"]]
    if kind == "sqlite":
        target = _sqlite_path(settings.database_url)
        inside = target.parent == data_dir
        _copy_verified(src / database["file"], staging / target.name if inside else target, db_entry)
    _fsync_tree(staging)
    if kind == "postgresql":  # one transaction: a failure leaves the database empty
        try:
            _restore_postgres(settings.database_url, src / database["file"])
        except BackupError:
            shutil.rmtree(staging)
            raise
    if data_dir.exists():
        data_dir.rmdir()  # empty, as checked
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    os.replace(staging, data_dir)
    _fsync_dir(data_dir.parent)
    return _verify_restored(settings, manifest, key_restored, known_heads)


def _verify_restored(settings: Settings, manifest: Mapping[str, Any], key_restored: bool,
                     known_heads: Sequence[Path]) -> RestoreReport:
    key = _verifying_key(settings.data_dir, manifest)
    problems: list[str] = []
    if key is None:
        problems.append("没有服务器密钥，备份清单中也没有公钥：无法核对签名树头")
    recorded = manifest.get("public_key")
    if key is not None and isinstance(recorded, str) and public_key_b64(key) != recorded:
        problems.append("所给的服务器密钥不是备份时平台使用的密钥（公钥不同）")
    engine = make_engine(settings.database_url)
    reports: dict[str, LogReport] = {}
    try:
        with engine.connect() as conn, conn.begin():
            states = log_states(conn)
            for log in ml.Log:
                state = states[log.value]
                found: list[str] = []
                if key is not None:
                    found = (audit_trail.verify(conn, key) if log == ml.Log.AUDIT
                             else ml.verify_stored(conn, log, key))
                expected = manifest["logs"].get(log.value, {})
                if (state["size"], state["root"]) != (expected.get("size"), expected.get("root")):
                    found.append(f"恢复后为 {state['size']} 条、树根 {state['root']}，备份清单记载 "
                                 f"{expected.get('size')} 条、树根 {expected.get('root')}")
                reports[log.value] = LogReport(log.value, state["size"], state["root"], found, [])
            public = recorded if isinstance(recorded, str) else (
                public_key_b64(key) if key is not None else None)
            for path in known_heads:
                if public is None:
                    raise BackupError("没有平台公钥，无法核对所给的树头")
                signed = _known_head(path)
                for one in signed if isinstance(signed, list) else [signed]:
                    _compare_known(conn, one, Path(path), public, reports)
    finally:
        engine.dispose()
    return RestoreReport(manifest=dict(manifest), logs=list(reports.values()),
                         key_restored=key_restored, problems=problems)
