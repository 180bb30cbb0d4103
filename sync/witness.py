"""见证人 — an outside witness of the platform's logs (DESIGN §10, issue 28), needing only ``sync``.

    python -m sync.witness init  --state DIR --url URL --platform-key KEY [--name NAME]
    python -m sync.witness once  --state DIR
    python -m sync.witness watch --state DIR --every SECONDS
    python -m sync.witness key   --state DIR

A witness (a notary's office, the discipline commission, a journalist …) keeps, in its state
directory, its own Ed25519 key and, per log of the platform (``publication`` and ``audit``), the
last signed tree head it co-signed. Each round it fetches the platform's newest signed tree head,
checks the platform's signature with the key it was given at ``init`` (never one fetched from the
platform), and checks that the log only grew since the head it last co-signed (RFC 9162
consistency proof; a same-size head must have the same root). Only then does it co-sign the new
head and post the co-signature to the platform. Since each co-signed head extends the one before,
a co-signed head is consistent with every head the witness ever saw.

A fork or a rewrite (a shorter log, another root at the same size, a proof that fails) is refused:
nothing is co-signed, both heads and the proof are kept under ``evidence/`` in the state
directory, the witness stays on its last good head, and it exits 1 with a message in Chinese.

A co-signature is the witness's Ed25519 signature over the canonical JSON (RFC 8785) of::

    {"type": "zsc-cosignature/1", "log": …, "size": …, "root": "<64 hex>",
     "timestamp": "<the platform's head time>", "witnessed_at": "<the witness's time, UTC>"}

and travels as that object plus ``witness_key`` (base64url public key) and ``signature``.
``read_cosignature`` checks one; the platform and ``python -m sync.verify --witness`` use it.

Exit status: 0 every log checked (co-signed, or nothing new); 1 refused (fork, rewrite, bad
platform signature); 2 bad input or state; 3 the platform could not be reached or refused the
co-signature.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ._canonical import b64url_decode, b64url_encode, canonical_bytes, is_sha256_hex, parse_rfc3339
from ._cli import keys_joined
from ._exceptions import Problem, SignatureError, ValidationError, ZscError
from ._merkle import TreeHead, parse_hashes, read_tree_head, verify_consistency
from ._signing import SIGNATURE_SIZE, load_private_key, load_public_key, public_key_b64

COSIGNATURE_TYPE = "zsc-cosignature/1"
LOGS = ("publication", "audit")
OK, REFUSED, BAD_INPUT, UNREACHABLE = 0, 1, 2, 3
_COSIG_KEYS = ("type", "log", "size", "root", "timestamp", "witnessed_at", "witness_key", "signature")


def _stamp(now: dt.datetime) -> str:
    return now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def cosign(head: TreeHead, key: Ed25519PrivateKey, now: dt.datetime) -> dict[str, Any]:
    """The witness's co-signature of ``head``, as posted and published."""
    payload = {"type": COSIGNATURE_TYPE, "log": head.log, "size": head.size,
               "root": head.root.hex(), "timestamp": head.timestamp, "witnessed_at": _stamp(now)}
    return {**payload, "witness_key": public_key_b64(key),
            "signature": b64url_encode(key.sign(canonical_bytes(payload)))}


@dataclass(frozen=True)
class Cosignature:
    """A checked co-signature: who (``witness_key``) co-signed which head, and when."""

    witness_key: str
    log: str
    size: int
    root: bytes
    timestamp: str
    witnessed_at: str


def read_cosignature(value: object, witness_key: str | None = None) -> Cosignature:
    """A co-signature once its signature verifies with its ``witness_key`` (and that key is
    ``witness_key`` when one is given). ``ValidationError`` when malformed, ``SignatureError``
    when not signed by that key or altered since."""
    if not isinstance(value, Mapping):
        raise ValidationError.single("", "共同签名应为JSON对象")
    problems = [Problem(k, "缺少此字段") for k in _COSIG_KEYS if k not in value]
    problems += [Problem(str(k), "不是共同签名中的字段") for k in value if k not in _COSIG_KEYS]
    if value.get("type", COSIGNATURE_TYPE) != COSIGNATURE_TYPE:
        problems.append(Problem("type", f"应为{COSIGNATURE_TYPE}"))
    size = value.get("size", 0)
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        problems.append(Problem("size", "应为非负整数"))
    if "root" in value and not is_sha256_hex(value["root"]):
        problems.append(Problem("root", "应为64位小写十六进制的SHA-256"))
    if not isinstance(value.get("log", ""), str):
        problems.append(Problem("log", "应为文本"))
    if problems:
        raise ValidationError(problems)
    parse_rfc3339(value["timestamp"], field="timestamp", label="树头时间")
    parse_rfc3339(value["witnessed_at"], field="witnessed_at", label="见证时间")
    try:
        public = load_public_key(value["witness_key"])
    except ValueError:  # 32 bytes that are no Ed25519 point
        raise ValidationError.single("witness_key", "不是 Ed25519 公钥") from None
    if witness_key is not None and value["witness_key"] != witness_key:
        raise SignatureError("共同签名不是由所给见证人公钥签发的")
    signature = b64url_decode(value["signature"], size=SIGNATURE_SIZE, field="signature")
    payload = {k: value[k] for k in _COSIG_KEYS if k not in ("witness_key", "signature")}
    try:
        public.verify(signature, canonical_bytes(payload))
    except InvalidSignature:
        raise SignatureError("共同签名无效：内容被改动过，或不是由该见证人签发的") from None
    return Cosignature(witness_key=str(value["witness_key"]), log=str(value["log"]), size=int(size),
                       root=bytes.fromhex(str(value["root"])), timestamp=str(value["timestamp"]),
                       witnessed_at=str(value["witnessed_at"]))


def cosigns(cosignature: Cosignature, head: TreeHead) -> bool:
    """Whether ``cosignature`` is of exactly ``head``."""
    return (cosignature.log, cosignature.size, cosignature.root, cosignature.timestamp) == \
        (head.log, head.size, head.root, head.timestamp)


# --- the witness ------------------------------------------------------------------------------

class Stop(Exception):
    """A round ends: ``status`` is the exit status, the message says why in Chinese."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class State:
    """The witness's state directory: ``witness.key`` (32 raw bytes, private), ``witness.json``
    (its public key, name, the platform's URL and key: what may be published), ``<log>.json``
    (the last co-signed head) and ``evidence/``."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def init(self, url: str, platform_key: str, name: str) -> str:
        try:
            load_public_key(platform_key)
        except ZscError:
            raise Stop(BAD_INPUT, "平台公钥格式不正确（应为 base64url 编码的 Ed25519 公钥）") from None
        self.path.mkdir(parents=True, exist_ok=True)
        key_file = self.path / "witness.key"
        if key_file.exists():
            key = self.key()
            config = self._read("witness.json")
            if isinstance(config, dict) and config.get("platform_key") not in (None, platform_key):
                raise Stop(BAD_INPUT, "状态目录已绑定另一个平台公钥：见证人不会替平台换钥；请另建状态目录")
        else:
            key = Ed25519PrivateKey.generate()
            key_file.touch(mode=0o600)
            key_file.write_bytes(key.private_bytes_raw())
        self._write("witness.json", {"name": name, "public_key": public_key_b64(key),
                                     "platform": url.rstrip("/"), "platform_key": platform_key})
        return public_key_b64(key)

    def key(self) -> Ed25519PrivateKey:
        try:
            return load_private_key((self.path / "witness.key").read_bytes())
        except (OSError, ZscError):
            raise Stop(BAD_INPUT, f"状态目录 {self.path} 没有可用的见证人私钥：请先运行 init") from None

    def config(self) -> dict[str, Any]:
        found = self._read("witness.json")
        if not isinstance(found, dict) or not {"platform", "platform_key"} <= found.keys():
            raise Stop(BAD_INPUT, f"状态目录 {self.path} 未初始化：请先运行 init")
        return found

    def last(self, log: str) -> Any:
        return self._read(f"{log}.json")

    def keep(self, log: str, head: Mapping[str, Any]) -> None:
        self._write(f"{log}.json", head)

    def evidence(self, log: str, old: object, new: object, proof: object, why: str,
                 now: dt.datetime) -> Path:
        folder = self.path / "evidence" / f"{log}-{now.astimezone(dt.UTC):%Y%m%dT%H%M%S%fZ}"
        folder.mkdir(parents=True, exist_ok=True)
        for name, value in (("old-head.json", old), ("new-head.json", new), ("proof.json", proof)):
            if value is not None:
                (folder / name).write_text(json.dumps(value, ensure_ascii=False, indent=2) + "\n",
                                           encoding="utf-8")
        (folder / "reason.txt").write_text(why + "\n", encoding="utf-8")
        return folder

    def _read(self, name: str) -> Any:
        try:
            return json.loads((self.path / name).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            raise Stop(BAD_INPUT, f"状态文件 {self.path / name} 无法读取") from None

    def _write(self, name: str, value: object) -> None:
        temporary = self.path / f".{name}.tmp"
        temporary.write_text(json.dumps(value, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        temporary.replace(self.path / name)


class Platform:
    """The platform's public routes, over HTTP (``client`` any ``httpx.Client``-like object)."""

    def __init__(self, url: str, client: Any = None) -> None:
        import httpx

        self.url = url.rstrip("/")
        self.client = client if client is not None else httpx.Client(timeout=30)

    def call(self, method: str, path: str, body: object = None) -> tuple[int, Any]:
        import httpx

        try:
            answer = self.client.request(method, self.url + path, json=body)
        except httpx.HTTPError as e:
            raise Stop(UNREACHABLE, f"无法连接平台 {self.url}：{e}") from None
        try:
            return answer.status_code, answer.json()
        except ValueError:
            return answer.status_code, None

    def get(self, path: str) -> Any:
        status, body = self.call("GET", path)
        if status != 200:
            raise Stop(UNREACHABLE if status >= 500 or status == 404 else BAD_INPUT,
                       f"平台对 {path} 答复 {status}：{_message(body)}")
        return body


def _message(body: object) -> str:
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return str(body["error"].get("message"))
    return str(body)[:200]


def witness_log(state: State, platform: Platform, log: str, now: dt.datetime) -> str:
    """One round for one log: returns what happened; ``Stop`` when refused or unreachable."""
    config = state.config()
    platform_key = str(config["platform_key"])
    status, newest = platform.call("GET", f"/api/v1/log/{log}/head")
    if status == 404:
        return f"「{log}」日志：平台尚无签名树头，或未公开该日志"
    if status != 200:
        raise Stop(UNREACHABLE if status >= 500 else BAD_INPUT,
                   f"平台对「{log}」日志树头答复 {status}：{_message(newest)}")
    try:
        new = read_tree_head(newest, platform_key)
    except SignatureError:
        raise Stop(REFUSED, f"拒绝共同签名「{log}」日志：树头的签名与平台公钥不符") from None
    except ZscError as e:
        raise Stop(BAD_INPUT, f"平台给出的「{log}」日志树头格式不正确：{e}") from None
    if new.log != log:
        raise Stop(REFUSED, f"拒绝共同签名：平台把「{new.log}」日志的树头当作「{log}」日志的给出")
    saved = state.last(log)
    proof_body: object = None
    if saved is not None:
        old = read_tree_head(saved, platform_key)
        why = None
        if new.size < old.size:
            why = (f"日志变短了：曾共同签名大小为{old.size}的树头，平台现在的最新树头大小为{new.size}——"
                   "已有条目被删除，或日志被改写")
        elif new.size == old.size:
            if new.root != old.root:
                why = (f"发现分叉：两个有效签名的树头大小都是{new.size}，树根却不同——"
                       "平台出示过两份不同的日志（日志被改写过）")
            elif new.timestamp == old.timestamp:
                return f"「{log}」日志：没有新的树头（大小{new.size}，已共同签名）"
        else:
            proof_body = platform.get(f"/api/v1/log/{log}/consistency?from={old.size}&to={new.size}")
            try:
                proof = parse_hashes(proof_body.get("proof") if isinstance(proof_body, dict) else None,
                                     "proof")
            except ZscError:
                proof = None
            if proof is None or not verify_consistency(old.size, new.size, old.root, new.root, proof):
                why = (f"一致性核验未通过：大小{new.size}的日志不是由见证人已共同签名的大小{old.size}的日志"
                       "追加而来——已有条目被改动、删除或重排过（日志被改写）")
        if why is not None:
            folder = state.evidence(log, saved, newest, proof_body, why, now)
            raise Stop(REFUSED, f"拒绝共同签名「{log}」日志。{why}。证据已保存在 {folder}")
    cosignature = cosign(new, state.key(), now)
    state.keep(log, newest)
    status, body = platform.call("POST", f"/api/v1/log/{log}/cosignatures", cosignature)
    if status not in (200, 201):
        raise Stop(UNREACHABLE if status >= 500 else BAD_INPUT,
                   f"已共同签名「{log}」日志大小为{new.size}的树头，但平台未接收（{status}：{_message(body)}）")
    return f"「{log}」日志：已共同签名大小为{new.size}的树头（树根 {new.root.hex()[:16]}…）"


def run_once(state: State, platform: Platform | None = None,
             now: dt.datetime | None = None) -> tuple[int, list[tuple[bool, str]]]:
    """One round over every log: the exit status (a refusal outranks the rest) and, per log,
    whether it went well and what happened."""
    platform = platform or Platform(str(state.config()["platform"]))
    lines: list[tuple[bool, str]] = []
    worst = OK
    for log in LOGS:
        try:
            lines.append((True, witness_log(state, platform, log, now or dt.datetime.now(dt.UTC))))
        except Stop as e:
            lines.append((False, str(e)))
            worst = max(worst, e.status, key=lambda s: (s == REFUSED, s))
    return worst, lines


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(BAD_INPUT, f"参数错误：{message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m sync.witness", description="见证人：核验平台日志只增长，并共同签名其树头",
                     epilog="退出码：0 正常；1 拒绝共同签名（分叉、改写或签名无效）；2 输入或状态有误；3 无法连接平台")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    init = commands.add_parser("init", help="建立状态目录和见证人密钥，绑定平台地址与平台公钥")
    init.add_argument("--url", required=True, help="平台地址")
    init.add_argument("--platform-key", required=True, help="平台公钥（base64url），从可信渠道获取")
    init.add_argument("--name", default="", help="见证人名称（如 某某公证处）")
    commands.add_parser("once", help="核验并共同签名一次")
    watch = commands.add_parser("watch", help="每隔 --every 秒核验并共同签名")
    watch.add_argument("--every", type=float, required=True, help="间隔秒数")
    commands.add_parser("key", help="显示见证人公钥（首次运行时生成密钥），供平台配置、供公众核验")
    for command in commands.choices.values():
        command.add_argument("--state", required=True, help="状态目录")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(keys_joined(sys.argv[1:] if argv is None else argv, {"--platform-key"}))
    state = State(Path(args.state))
    try:
        if args.command == "init":
            print(f"见证人公钥：{state.init(args.url, args.platform_key, args.name)}")
            print(f"请把该公钥交给平台配置（ZSC_WITNESSES），并在自己的渠道公布；公开信息见 {state.path / 'witness.json'}")
            return OK
        if args.command == "key":  # made here at first: given to the platform before init
            if not (state.path / "witness.key").exists():
                state.path.mkdir(parents=True, exist_ok=True)
                made = Ed25519PrivateKey.generate()
                (state.path / "witness.key").touch(mode=0o600)
                (state.path / "witness.key").write_bytes(made.private_bytes_raw())
            print(public_key_b64(state.key()))
            return OK
        if args.command == "once":
            status, lines = run_once(state)
            for good, line in lines:
                print(line, file=sys.stdout if good else sys.stderr)
            return status
        worst = OK
        while True:  # watch: until stopped; a refusal is reported and the witness keeps its head
            status, lines = run_once(state)
            stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
            for good, line in lines:
                print(f"[{stamp}] {line}", file=sys.stdout if good else sys.stderr, flush=True)
            worst = max(worst, status)
            time.sleep(args.every)
    except Stop as e:
        print(str(e), file=sys.stderr)
        return e.status
    except KeyboardInterrupt:
        return worst


if __name__ == "__main__":
    sys.exit(main())
