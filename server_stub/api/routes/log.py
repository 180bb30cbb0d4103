"""The public publication log (DESIGN §10): signed tree heads, leaves, inclusion and consistency
proofs, each answerable to anyone without a token and checkable with ``python -m sync.verify``.

``log_router`` builds the routes of one ``merkle_log.Log`` under ``/api/v1/log/<name>``: the
publication log's in full, the audit trail's heads and consistency proofs only, never its entries
(issue 28 point 3). Each log takes outside witnesses' co-signatures of its heads
(``POST …/cosignatures``, ``core/witnesses.py``) and serves them. A size or index the log does not (yet) hold is a 404 that says
so, one out of range at all a 400: never a 500.
"""

from __future__ import annotations

from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from server_stub.api.deps import ConnDep, SettingsDep
from server_stub.api.errors import error_responses
from server_stub.core import clock, merkle_log
from server_stub.core import witnesses as witness_store
from server_stub.core.errors import Malformed, NotFound
from server_stub.core.merkle_log import Log
from sync import hex_hashes

MAX_SIZE = 2**31 - 1
"""The largest index or size a log can ever reach (its column is a 32-bit integer)."""
MAX_HEADS = 1000

Index = Annotated[int, Path(ge=0, le=MAX_SIZE, description="条目编号，从0开始")]
Size = Annotated[int, Path(ge=0, le=MAX_SIZE, description="树的大小（条目数）")]
SizeQuery = Annotated[int | None, Query(ge=1, le=MAX_SIZE,
                                        description="签名树头的大小；省略时为最新树头")]


class TreeHead(BaseModel):
    type: str
    log: str
    size: int
    root: str = Field(description="RFC 9162 树根，SHA-256 十六进制")
    timestamp: str
    signature: str = Field(description="平台 Ed25519 签名（base64url），公钥见 /api/v1/keys")


class Heads(BaseModel):
    heads: list[TreeHead]


class LeafOut(BaseModel):
    index: int
    entry: dict[str, Any]
    leaf_hash: str


class Receipt(BaseModel):
    index: int
    entry: dict[str, Any]
    tree_head: TreeHead
    proof: list[str] = Field(description="RFC 9162 包含证明（审计路径），离叶最近者在前")


class Consistency(BaseModel):
    log: str
    from_size: int = Field(alias="from")
    to_size: int = Field(alias="to")
    proof: list[str] = Field(description="RFC 9162 一致性证明")


class CosignatureIn(BaseModel):
    """A witness's co-signature as ``python -m sync.witness`` posts it."""

    type: str
    log: str
    size: int
    root: str
    timestamp: str
    witnessed_at: str
    witness_key: str
    signature: str


class Cosignature(CosignatureIn):
    name: str = Field(description="平台登记的见证人名称（ZSC_WITNESSES）")


class Accepted(BaseModel):
    name: str
    log: str
    size: int
    witnessed_at: str


class WitnessedHead(BaseModel):
    head: TreeHead
    cosignatures: list[Cosignature] = Field(
        description="见证人对该树头的共同签名（仅列出平台登记、且对现存树头仍有效者）")


class CosignedHead(BaseModel):
    head: TreeHead
    cosignature: CosignatureIn


class WitnessOut(BaseModel):
    name: str
    public_key: str


class WitnessList(BaseModel):
    witnesses: list[WitnessOut]
    required: int = Field(description="公示结果须经几位见证人共同签名才计为已公示（0：不要求）")


def _current_size(conn: sa.Connection, log: Log, size: int, what: str) -> None:
    held = merkle_log.size_of(conn, log)
    if size > held:
        raise NotFound("beyond_log", f"{what}超出了日志：日志目前只有{held}条")


def receipt(conn: sa.Connection, log: Log, index: int, size: int | None) -> dict[str, Any]:
    """Everything needed to check leaf ``index`` of ``log`` offline: the entry, the signed tree
    head of ``size`` leaves (the latest when None) and the inclusion proof against it. What
    ``python -m sync.verify result`` reads."""
    head = (merkle_log.latest_head(conn, log) if size is None
            else merkle_log.head_at(conn, log, size))
    if head is None:
        raise NotFound("no_tree_head", f"日志没有大小为{size}的签名树头" if size is not None
                       else "日志尚无签名树头")
    if index >= head["size"]:
        raise NotFound("leaf_not_in_tree",
                       f"第{index}条不在大小为{head['size']}的树中（条目编号从0开始）")
    stored = merkle_log.leaf(conn, log, index)
    assert stored is not None, "a signed head covers only stored leaves"
    return {"index": index, "entry": stored.entry, "tree_head": head,
            "proof": hex_hashes(merkle_log.inclusion(conn, log, index, head["size"]))}


def log_router(log: Log, *, entries: bool = True) -> APIRouter:
    """The public routes of ``log``: without ``entries``, its heads, consistency proofs and
    co-signatures alone (the audit trail's)."""
    router = APIRouter(prefix=f"/api/v1/log/{log.value}", tags=["public"],
                       responses=error_responses(400, 404))

    @router.post("/cosignatures", status_code=201, responses=error_responses(403, 422))
    def cosign(body: CosignatureIn, conn: ConnDep, settings: SettingsDep) -> Accepted:
        """A witness's co-signature of one of this log's signed heads: kept when the witness is
        configured (``ZSC_WITNESSES``; 403 otherwise), its signature verifies and the head is one
        the platform signed (422 otherwise). No token: the signature is the credential."""
        return Accepted(**witness_store.accept(conn, settings, log, body.model_dump(), clock.now()))

    @router.get("/witnessed")
    def witnessed(conn: ConnDep, settings: SettingsDep) -> WitnessedHead:
        """The newest signed tree head and the witnesses' co-signatures of it (empty when none
        co-signed it yet, or a rewrite made theirs no longer hold)."""
        head = merkle_log.latest_head(conn, log)
        if head is None:
            raise NotFound("no_tree_head", "日志尚无签名树头")
        return WitnessedHead(head=TreeHead(**head), cosignatures=[
            Cosignature(**c) for c in witness_store.cosignatures_of(conn, settings, log, head["size"])])

    @router.get("/heads/{size}/cosignatures")
    def head_cosignatures(size: Size, conn: ConnDep, settings: SettingsDep) -> WitnessedHead:
        """The signed tree head of ``size`` leaves and the witnesses' co-signatures of it."""
        head = merkle_log.head_at(conn, log, size)
        if head is None:
            raise NotFound("no_tree_head", f"没有大小为{size}的签名树头")
        return WitnessedHead(head=TreeHead(**head), cosignatures=[
            Cosignature(**c) for c in witness_store.cosignatures_of(conn, settings, log, size)])

    @router.get("/cosigned")
    def cosigned(conn: ConnDep, settings: SettingsDep,
                 witness: Annotated[str, Query(max_length=64, description="见证人公钥（base64url）")]) -> CosignedHead:
        """The newest head that the witness of public key ``witness`` co-signed and that still
        holds, with that co-signature: what ``python -m sync.verify result --witness`` checks."""
        found = witness_store.newest_cosigned(conn, settings, log, witness)
        if found is None:
            raise NotFound("not_witnessed", "该见证人没有共同签名过本日志现存的任何树头")
        return CosignedHead(head=TreeHead(**found[0]), cosignature=CosignatureIn(**found[1]))

    @router.get("/head")
    def latest_head(conn: ConnDep) -> TreeHead:
        """The newest signed tree head."""
        head = merkle_log.latest_head(conn, log)
        if head is None:
            raise NotFound("no_tree_head", "日志尚无签名树头")
        return TreeHead(**head)

    @router.get("/heads")
    def all_heads(conn: ConnDep,
                  from_size: Annotated[int, Query(alias="from", ge=0, le=MAX_SIZE)] = 0,
                  limit: Annotated[int, Query(ge=1, le=MAX_HEADS)] = MAX_HEADS) -> Heads:
        """Signed tree heads, oldest first, from size ``from`` on (at most ``limit``)."""
        return Heads(heads=[TreeHead(**h) for h in merkle_log.heads(conn, log, from_size=from_size,
                                                                      limit=limit)])

    @router.get("/heads/{size}")
    def head_at(size: Size, conn: ConnDep) -> TreeHead:
        """The signed tree head of ``size`` leaves."""
        head = merkle_log.head_at(conn, log, size)
        if head is None:
            raise NotFound("no_tree_head", f"没有大小为{size}的签名树头")
        return TreeHead(**head)

    @router.get("/consistency")
    def consistency(conn: ConnDep,
                    first: Annotated[int, Query(alias="from", ge=0, le=MAX_SIZE)],
                    second: Annotated[int, Query(alias="to", ge=0, le=MAX_SIZE)]) -> Consistency:
        """The RFC 9162 proof that the tree of ``from`` leaves is a prefix of that of ``to``."""
        if first > second:
            raise Malformed("sizes_reversed", "from 不能大于 to：日志只会增长")
        _current_size(conn, log, second, f"大小{second}")
        proof = hex_hashes(merkle_log.consistency(conn, log, first, second))
        return Consistency.model_validate({"log": log.value, "from": first, "to": second,
                                           "proof": proof})

    if not entries:
        return router

    @router.get("/leaves/{index}")
    def leaf(index: Index, conn: ConnDep) -> LeafOut:
        """One leaf: its entry as logged and its RFC 9162 leaf hash."""
        found = merkle_log.leaf(conn, log, index)
        if found is None:
            raise NotFound("no_leaf", f"日志中没有第{index}条（条目编号从0开始）")
        return LeafOut(index=index, entry=found.entry, leaf_hash=found.leaf_hash.hex())

    @router.get("/leaves/{index}/proof")
    def leaf_proof(index: Index, conn: ConnDep, size: SizeQuery = None) -> Receipt:
        """The leaf, a signed tree head (the latest, or that of ``size``) and the inclusion proof
        of the one in the other: what ``python -m sync.verify result`` checks."""
        return Receipt(**receipt(conn, log, index, size))

    return router


router = APIRouter()
router.include_router(log_router(Log.PUBLICATION))
router.include_router(log_router(Log.AUDIT, entries=False))


@router.get("/api/v1/witnesses", tags=["public"])
def witness_list(settings: SettingsDep) -> WitnessList:
    """The outside witnesses the platform takes co-signatures from (ZSC_WITNESSES), and how many
    must co-sign a head covering a result before it counts as published."""
    return WitnessList(witnesses=[WitnessOut(name=n, public_key=k) for n, k in settings.witnesses],
                       required=settings.witnesses_required)

