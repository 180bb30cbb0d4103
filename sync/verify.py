"""核验公示日志 — check what the platform published, with nothing but ``sync`` (DESIGN §10).

    python -m sync.verify result RECEIPT.json --key KEY [--head HEAD.json] [--witness WKEY …]
    python -m sync.verify result --url URL --record ID [--key KEY] [--witness WKEY …] [--save RECEIPT.json]
    python -m sync.verify consistency OLD.json NEW.json --proof PROOF.json --key KEY
    python -m sync.verify consistency OLD.json --url URL [--key KEY] [--save NEW.json]

``result`` checks a saved result: its receipt (``GET /api/v1/public/results/{id}/proof``: the leaf's
entry, a signed tree head and the inclusion proof) against the platform's public key, and, given
``--head``, against a tree head saved earlier. ``consistency`` checks that the log of a newer tree
head only grew from an older one (RFC 9162 consistency proof); two validly signed heads of one size
with different roots are a fork: the platform has shown two different logs.

``--witness WKEY`` (repeatable; an outside witness's public key, ``python -m sync.witness key``)
also requires the result to be included under a tree head that witness co-signed (issue 28): with
``--url`` the newest head it co-signed is fetched with its co-signature, and the receipt at that
head's size; a saved receipt carries them in ``cosignatures`` (``--save`` writes them). No such
head, or one that does not cover the result, fails plainly: the platform's key holder alone could
have rewritten what the receipt shows.

``KEY`` is the platform's Ed25519 public key (base64url, ``GET /api/v1/keys``), or a file holding
it or that answer. Take it from somewhere you trust, not from the platform you are checking: with
``--url`` and no ``--key`` the key is fetched too, which proves the log hangs together, not who
signed it.

Exit status: 0 verified; 1 not verified (altered, missing or reordered leaf, bad signature, fork,
a log that did not only grow); 2 unreadable or malformed input; 3 the platform could not be
reached.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import quote

from ._cli import keys_joined
from ._exceptions import SignatureError, ZscError
from ._merkle import (
    TreeHead,
    entry_leaf_hash,
    parse_hashes,
    read_tree_head,
    verify_consistency,
    verify_inclusion,
)

VERIFIED, NOT_VERIFIED, BAD_INPUT, UNREACHABLE = 0, 1, 2, 3
RECEIPT_KEYS = ("index", "entry", "tree_head", "proof")


class Failed(Exception):
    """The check failed: the message says why, in Chinese; ``status`` is the exit status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _load(path: str) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as e:
        raise Failed(BAD_INPUT, f"无法读取文件 {path}：{e.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise Failed(BAD_INPUT, f"文件 {path} 不是JSON") from None


def _key(text: str | None, fetch: Callable[[str], Any] | None) -> str:
    """The public key: given as text, or in a file (bare or as ``/api/v1/keys`` answers it), or
    fetched from the platform when none is given."""
    if text is None:
        if fetch is None:
            raise Failed(BAD_INPUT, "请用 --key 给出平台公钥（或用 --url 从平台获取）")
        text = str(fetch("/api/v1/keys").get("public_key", ""))
    elif Path(text).is_file():
        content = Path(text).read_text(encoding="utf-8").strip()
        try:
            loaded = json.loads(content)
        except json.JSONDecodeError:
            loaded = content
        text = str(loaded.get("public_key", "")) if isinstance(loaded, dict) else str(loaded)
    return text


def _head(signed: object, key: str, what: str) -> TreeHead:
    try:
        return read_tree_head(signed, key)
    except SignatureError as e:
        raise Failed(NOT_VERIFIED, f"{what}：{e}") from None
    except ZscError as e:
        raise Failed(BAD_INPUT, f"{what}格式不正确：{e}") from None


def _fetcher(url: str) -> Callable[[str], Any]:
    """GETs JSON from the platform at ``url``."""
    import httpx

    def fetch(path: str) -> Any:
        try:
            answer = httpx.get(url.rstrip("/") + path, timeout=30)
        except httpx.HTTPError as e:
            raise Failed(UNREACHABLE, f"无法连接平台 {url}：{e}") from None
        try:
            body = answer.json()
        except ValueError:
            body = None
        if answer.status_code != 200:
            message = body.get("error", {}).get("message") if isinstance(body, dict) else None
            raise Failed(UNREACHABLE if answer.status_code >= 500 else BAD_INPUT,
                         f"平台答复 {answer.status_code}：{message or answer.text[:200]}")
        return body

    return fetch


def _save(path: str | None, value: object) -> None:
    if path:
        text = json.dumps(value, ensure_ascii=False, indent=2)
        Path(path).write_text(text + "\n", encoding="utf-8")


def check_result(receipt: object, key: str, saved_head: object | None) -> str:
    """Checks a receipt (and against ``saved_head`` when given); returns what it shows."""
    if not isinstance(receipt, dict) or not all(k in receipt for k in RECEIPT_KEYS):
        raise Failed(BAD_INPUT, "回执应为包含 index、entry、tree_head、proof 的JSON对象")
    index, entry = receipt["index"], receipt["entry"]
    if isinstance(index, bool) or not isinstance(index, int) or index < 0 \
            or not isinstance(entry, dict):
        raise Failed(BAD_INPUT, "回执的 index 应为非负整数，entry 应为JSON对象")
    head = _head(receipt["tree_head"], key, "回执中的树头")
    if saved_head is not None:
        saved = _head(saved_head, key, "所给树头")
        if saved.log != head.log:
            raise Failed(BAD_INPUT, f"所给树头属于「{saved.log}」日志，回执属于「{head.log}」日志")
        if saved.size == head.size and saved.root != head.root:
            raise Failed(NOT_VERIFIED, _fork(saved.size))
        if saved.size != head.size:
            raise Failed(BAD_INPUT, f"回执对应大小为{head.size}的树头，所给树头大小为{saved.size}："
                                    f"请按该大小取回执（?size={saved.size}），或先核验两个树头的一致性")
    try:
        proof = parse_hashes(receipt["proof"], "proof")
        leaf = entry_leaf_hash(entry)
    except ZscError as e:
        raise Failed(BAD_INPUT, f"回执格式不正确：{e}") from None
    if not verify_inclusion(index, head.size, leaf, proof, head.root):
        raise Failed(NOT_VERIFIED, f"核验未通过：该条目不是已签名日志（大小{head.size}）的第{index}条——"
                                   "条目内容被改动过，或编号、证明与树头不符")
    return (f"核验通过：该条目是平台签名的「{head.log}」日志（大小{head.size}，{head.timestamp}）"
            f"的第{index}条。\n{_describe(entry)}")


def check_witnesses(receipt: object, key: str, witnesses: Sequence[str]) -> str:
    """Checks that the receipt's head is co-signed by each of ``witnesses`` (its
    ``cosignatures``); the receipt itself is checked by ``check_result``."""
    from .witness import cosigns, read_cosignature

    if not isinstance(receipt, dict):
        raise Failed(BAD_INPUT, "回执应为JSON对象")
    head = _head(receipt.get("tree_head"), key, "回执中的树头")
    given = receipt.get("cosignatures") or []
    if not isinstance(given, list):
        raise Failed(BAD_INPUT, "回执的 cosignatures 应为数组")
    lines = []
    for witness in witnesses:
        found = None
        for value in given:
            try:
                cosignature = read_cosignature(value, witness)
            except ZscError:
                continue
            if cosigns(cosignature, head):
                found = cosignature
                break
        if found is None:
            raise Failed(NOT_VERIFIED, f"核验未通过：见证人 {witness} 没有共同签名过包含该结果的树头——"
                                       "无法排除平台密钥持有人改写过日志")
        lines.append(f"见证：见证人 {witness} 于 {found.witnessed_at} 共同签名了该树头（大小{head.size}）。")
    return "\n".join(lines)


def _witnessed_receipt(fetch: Callable[[str], Any], record: str, index: int, witness: str) -> Any:
    """The receipt of the result under the newest head ``witness`` co-signed, with that
    co-signature; ``Failed`` when there is none covering the result."""
    try:
        cosigned = fetch(f"/api/v1/log/publication/cosigned?witness={quote(witness, safe='')}")
    except Failed as e:
        if e.status == UNREACHABLE:
            raise
        raise Failed(NOT_VERIFIED, f"核验未通过：见证人 {witness} 没有共同签名过公示日志的任何现存树头"
                                   f"（{e}）") from None
    head = cosigned.get("head") if isinstance(cosigned, dict) else None
    size = head.get("size") if isinstance(head, dict) else None
    if not isinstance(size, int):
        raise Failed(BAD_INPUT, "平台给出的见证树头格式不正确")
    if size <= index:
        raise Failed(NOT_VERIFIED, f"核验未通过：见证人 {witness} 共同签名的最新树头（大小{size}）不包含该结果"
                                   f"（公示日志第{index}条）——该结果尚未经该见证人见证")
    receipt = fetch(f"/api/v1/public/results/{quote(record, safe='')}/proof?size={size}")
    if isinstance(receipt, dict):
        receipt["cosignatures"] = [cosigned.get("cosignature")]
    return receipt


def _describe(entry: dict[str, Any]) -> str:
    kind = str(entry.get("kind"))
    kind = {"publish": "公示", "correct": "更正", "follow_up": "后续处置",
            "withdraw": "撤回"}.get(kind, kind)
    lines = [f"  类型：{kind}", f"  记录：{entry.get('record_id')}", f"  时间：{entry.get('at')}"]
    result = entry.get("result")
    if isinstance(result, dict):
        lines.append(f"  市场主体：{result.get('entity_name')}（{result.get('credit_code')}）")
        lines.append(f"  检查结果：{result.get('result')}")
        if result.get("remarks"):
            lines.append(f"  备注：{result['remarks']}")
    if "reason" in entry:
        lines.append(f"  原因：{entry['reason']}（更正/撤回第{entry.get('amends')}条）")
    return "\n".join(lines)


def _fork(size: int) -> str:
    return (f"发现分叉：两个有效签名的树头大小都是{size}，树根却不同——"
            "平台出示过两份不同的日志（日志被改写过）")


def check_consistency(old_signed: object, new_signed: object, proof_body: object | None,
                      key: str) -> str:
    """Checks that the log of one signed head only grew into that of the other."""
    old, new = _head(old_signed, key, "旧树头"), _head(new_signed, key, "新树头")
    if old.log != new.log:
        raise Failed(BAD_INPUT, f"两个树头属于不同的日志（「{old.log}」与「{new.log}」）")
    if old.size > new.size:
        old, new = new, old
    if old.size == new.size:
        if old.root != new.root:
            raise Failed(NOT_VERIFIED, _fork(old.size))
        return f"核验通过：两个树头相同（大小{old.size}）。"
    if not isinstance(proof_body, dict) or "proof" not in proof_body:
        raise Failed(BAD_INPUT, "请用 --proof 给出一致性证明"
                                "（GET /api/v1/log/<日志>/consistency?from=…&to=…）")
    if proof_body.get("from") not in (None, old.size) or proof_body.get("to") not in (None, new.size):
        raise Failed(BAD_INPUT, f"一致性证明是从{proof_body.get('from')}到{proof_body.get('to')}的，"
                                f"两个树头的大小是{old.size}和{new.size}")
    try:
        proof = parse_hashes(proof_body["proof"], "proof")
    except ZscError as e:
        raise Failed(BAD_INPUT, f"一致性证明格式不正确：{e}") from None
    if not verify_consistency(old.size, new.size, old.root, new.root, proof):
        raise Failed(NOT_VERIFIED, f"核验未通过：大小{new.size}的日志不是由大小{old.size}的日志追加而来——"
                                   "已有条目被改动、删除或重排过，或证明不符")
    return f"核验通过：「{new.log}」日志从{old.size}条只增长到了{new.size}条，已有条目未被改动。"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(BAD_INPUT, f"参数错误：{message}\n")


KEY_OPTIONS = {"--key", "--witness"}
"""The options whose value is a public key (``keys_joined``)."""


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m sync.verify", description="核验平台公示日志（RFC 9162 Merkle 日志）",
                     epilog="退出码：0 核验通过；1 核验未通过；2 输入有误；3 无法连接平台")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    result = commands.add_parser("result", help="核验一条公示结果的回执（包含证明）")
    result.add_argument("receipt", nargs="?", help="保存的回执JSON（/api/v1/public/results/ID/proof）")
    result.add_argument("--head", help="早先保存的签名树头JSON：回执须与其一致")
    result.add_argument("--url", help="平台地址：从平台取回执")
    result.add_argument("--record", help="与 --url 同用：公示结果（记录）编号")
    result.add_argument("--save", help="把取到的回执另存为此文件")
    result.add_argument("--witness", action="append", default=[],
                        help="见证人公钥（可重复）：该结果须在此见证人共同签名的树头之下")
    consistency = commands.add_parser("consistency", help="核验两个签名树头：日志只增长、未被改写")
    consistency.add_argument("old", help="较早的签名树头JSON")
    consistency.add_argument("new", nargs="?", help="较新的签名树头JSON（用 --url 时省略：取平台最新树头）")
    consistency.add_argument("--proof", help="一致性证明JSON（/api/v1/log/<日志>/consistency?from=…&to=…）")
    consistency.add_argument("--url", help="平台地址：取最新树头及一致性证明")
    consistency.add_argument("--save", help="把取到的最新树头另存为此文件")
    for command in (result, consistency):
        command.add_argument("--key", help="平台公钥（base64url），或存有公钥的文件")
    return parser


def _run(args: argparse.Namespace) -> str:
    fetch = _fetcher(args.url) if args.url else None
    if args.command == "result":
        if fetch is not None:
            if not args.record:
                raise Failed(BAD_INPUT, "用 --url 时请用 --record 给出公示结果编号")
            receipt = fetch(f"/api/v1/public/results/{quote(args.record, safe='')}/proof")
            if not args.witness:
                _save(args.save, receipt)
        elif args.receipt:
            receipt = _load(args.receipt)
        else:
            raise Failed(BAD_INPUT, "请给出回执文件，或用 --url 和 --record 从平台取")
        key = _key(args.key, fetch)
        said = check_result(receipt, key, _load(args.head) if args.head else None)
        if not args.witness:
            return said + "\n注意：未要求见证人（--witness）：只证明平台签过该树头，平台密钥持有人仍可能改写日志。"
        if fetch is None:
            return said + "\n" + check_witnesses(receipt, key, args.witness)
        index = receipt["index"]
        for witness in args.witness:
            witnessed = _witnessed_receipt(fetch, args.record, index, witness)
            said = check_result(witnessed, key, None)
            said += "\n" + check_witnesses(witnessed, key, [witness])
            _save(args.save, witnessed)
        return said
    old = _load(args.old)
    key = _key(args.key, fetch)
    if fetch is not None:
        if not isinstance(old, dict) or not isinstance(old.get("log"), str) \
                or not isinstance(old.get("size"), int):
            raise Failed(BAD_INPUT, "旧树头应为包含 log 和 size 的JSON对象")
        log = quote(old["log"], safe="")
        new = fetch(f"/api/v1/log/{log}/head")
        _save(args.save, new)
        newest = new.get("size") if isinstance(new, dict) else None
        if not isinstance(newest, int):
            raise Failed(BAD_INPUT, "平台给出的树头格式不正确")
        low, high = sorted((old["size"], newest))
        proof = fetch(f"/api/v1/log/{log}/consistency?from={low}&to={high}")
    elif args.new:
        new = _load(args.new)
        proof = _load(args.proof) if args.proof else None
    else:
        raise Failed(BAD_INPUT, "请给出较新的树头文件，或用 --url 从平台取")
    return check_consistency(old, new, proof, key)


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the verifier; returns the exit status."""
    args = _parser().parse_args(keys_joined(sys.argv[1:] if argv is None else argv, KEY_OPTIONS))
    try:
        print(_run(args))
    except Failed as e:
        print(str(e), file=sys.stderr)
        return e.status
    return VERIFIED


if __name__ == "__main__":
    sys.exit(main())
