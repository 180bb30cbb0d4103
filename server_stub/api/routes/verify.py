"""The page an enterprise opens by scanning an inspector's code (亮码, DESIGN §7).

It says plainly whether the inspection is genuine, who may come and for what, and takes the
enterprise's feedback. A token that does not verify, or is outside its window, says so.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import parse_qs

import sqlalchemy as sa
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from server_stub.api.deps import ConnDep, request_body
from server_stub.api.errors import headers_of, status_of
from server_stub.api.templates import render
from server_stub.core import tables as t
from server_stub.core import throttle
from server_stub.core.clock import now
from server_stub.core.errors import TooMany
from sync import SignatureError, ValidationError, public_key_b64, read_token, token_is_current

router = APIRouter(tags=["verify"])

MAX_FEEDBACK_BYTES = 16 * 1024


class PublicKey(BaseModel):
    algorithm: str
    public_key: str


@router.get("/api/v1/keys")
def keys(request: Request) -> PublicKey:
    """The platform's public key: inspection codes verify with it alone."""
    return PublicKey(algorithm="Ed25519", public_key=public_key_b64(request.app.state.server_key))


def _read(request: Request, token: str) -> tuple[dict[str, Any] | None, str]:
    """The token's payload and "" when genuine and current; otherwise None or the payload, and why."""
    try:
        payload = read_token(token, public_key_b64(request.app.state.server_key))
    except SignatureError:
        return None, "此检查码无效：内容被改动过，或不是由本平台签发的。请勿接受检查，并可拨打12315举报。"
    try:
        current = token_is_current(payload, now())
    except ValidationError:
        return None, "此检查码格式不正确，无法核验。"
    if not current:
        return payload, "此检查码不在有效期内（已过期或尚未生效）。请向检查人员核实。"
    return payload, ""


def _verdict_page(conn: sa.Connection, token: str, payload: dict[str, Any] | None, problem: str,
                  notice: str = "") -> HTMLResponse:
    """The page for a code: 200 when it is genuine and current, 400 with the reason otherwise."""
    if payload is None:
        return render("verify.html", status=400, payload=None, problem=problem)
    # ``c["items"]``: ``c.items`` is the column collection's own method, not the column.
    codes = conn.execute(sa.select(t.tasks.c["items"])
                         .where(t.tasks.c.id == payload["task_id"])).scalar() or []
    found = {row.code: row for row in conn.execute(
        sa.select(t.items.c.code, t.items.c.name, t.items.c.basis).where(t.items.c.code.in_(codes)))}
    until = dt.datetime.fromisoformat(payload["valid_until"]) - dt.timedelta(seconds=1)
    out_of_post = _out_of_post(conn, payload)
    if out_of_post and not problem:
        names = "、".join(m["name"] for m in payload["team"] if m["badge_no"] in out_of_post)
        problem = (f"检查组中的{names}已不在岗，不能再以执法检查人员身份实施检查：您可以拒绝其检查，"
                   "并可拨打12315核实。")
    return render("verify.html", status=400 if problem else 200, payload=payload, problem=problem,
                  notice=notice, token=token, until=until.date().isoformat(), out_of_post=out_of_post,
                  items=[found[code] for code in codes if code in found])


def _out_of_post(conn: sa.Connection, payload: dict[str, Any]) -> set[str]:
    """Badge numbers of the code's team who are no longer in post (不在岗) in the staff directory:
    the code still verifies (the platform signed it), but vouches only for staff in post."""
    team = conn.execute(sa.select(t.tasks.c.team).where(t.tasks.c.id == payload["task_id"])).scalar()
    if not team:
        return set()
    i = t.inspectors
    inactive = set(conn.execute(sa.select(i.c.badge_no)
                                .where(i.c.id.in_(list(team)), i.c.active.is_(False))).scalars())
    return {str(m["badge_no"]) for m in payload["team"] if m["badge_no"] in inactive}


@router.get("/v/{token}", response_class=HTMLResponse, include_in_schema=False)
def verify_page(token: str, request: Request, conn: ConnDep) -> HTMLResponse:
    payload, problem = _read(request, token)
    return _verdict_page(conn, token, payload, problem)


@router.post("/v/{token}/feedback", response_class=HTMLResponse, include_in_schema=False)
def feedback(token: str, request: Request,
             body: Annotated[bytes, request_body(lambda request: MAX_FEEDBACK_BYTES)],
             conn: ConnDep) -> HTMLResponse:
    """Store the enterprise's feedback (a genuine code, current or lapsed: see docs/decisions.md),
    at most ``FEEDBACK_PER_CODE`` an hour per task and ``FEEDBACK_PER_ADDRESS`` per client."""
    payload, problem = _read(request, token)
    if payload is None:
        return _verdict_page(conn, token, None, problem)
    form = parse_qs(body.decode("utf-8", "replace"))
    message = (form.get("message") or [""])[0].strip()[:1000]
    contact = (form.get("contact") or [""])[0].strip()[:100]
    if not message:
        return _verdict_page(conn, token, payload, problem, "请填写反馈内容后再提交。")
    at = now()
    keys = ((throttle.FEEDBACK_PER_CODE, str(payload["task_id"])),
            (throttle.FEEDBACK_PER_ADDRESS, throttle.address_key(request.client.host if request.client
                                                                 else None)))
    try:
        for limit, key in keys:
            throttle.refuse_if_over(conn, limit, key, now=at)
    except TooMany as refused:
        page = _verdict_page(conn, token, payload, problem, refused.message)
        page.status_code = status_of(refused)
        page.headers.update(headers_of(refused) or {})
        return page
    conn.execute(t.feedback.insert().values(task_id=payload["task_id"], message=message,
                                            contact=contact, created_at=at))
    for limit, key in keys:
        throttle.note(conn, limit, key, now=at)
    page = _verdict_page(conn, token, payload, problem, "反馈已收到，谢谢。")
    page.status_code = 200  # received, even when the code has lapsed since the visit
    return page
