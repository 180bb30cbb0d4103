"""The public check of a 现场检查笔录 (``/r/{id}``, the QR code on the paper): genuine or not."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from server_stub.api.deps import ConnDep, SettingsDep
from server_stub.api.templates import render
from server_stub.core import witnesses
from server_stub.publication import log as publication_log
from server_stub.publication.record_check import check_record
from sync import is_sha256_hex

router = APIRouter(tags=["verify"])


@router.get("/r/{record_id}", response_class=HTMLResponse, include_in_schema=False)
def record_check(record_id: str, conn: ConnDep, settings: SettingsDep,
                 h: str | None = None) -> HTMLResponse:
    """Whether the platform holds the record, its signature verifies and the paper's hash ``h``
    is the record's; what it is about only once published (DESIGN §11). 404 for an unknown id.
    A malformed ``h`` cannot be the record's hash, so it is answered as a mismatch."""
    paper_hash = None if h is None else (h if is_sha256_hex(h) else "")
    result = check_record(conn, record_id[:80], paper_hash)
    leaf = publication_log.standing(conn, record_id[:80]) if result.published else None
    witness = witnesses.leaf_status(conn, settings, [leaf[0]]).get(leaf[0]) if leaf else None
    return render("record_check.html", status=200 if result.found else 404, result=result,
                  record_id=record_id[:80], witness=witness)
