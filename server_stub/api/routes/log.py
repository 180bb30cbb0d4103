"""The public publication log (DESIGN §10): signed tree heads, leaves, inclusion and consistency
proofs, each answerable to anyone without a token and checkable with ``python -m sync.verify``.

``log_router`` builds the routes of one ``merkle_log.Log`` under ``/api/v1/log/<name>``; only the
publication log is mounted here. A size or index the log does not (yet) hold is a 404 that says
so, one out of range at all a 400: never a 500.
"""

from __future__ import annotations

from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from server_stub.api.deps import ConnDep
from server_stub.api.errors import error_responses
from server_stub.core import merkle_log
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


def log_router(log: Log) -> APIRouter:
    """The public routes of ``log``."""
    router = APIRouter(prefix=f"/api/v1/log/{log.value}", tags=["public"],
                       responses=error_responses(400, 404))

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

    return router


router = log_router(Log.PUBLICATION)

