"""Every request body is bounded before anything parses it (ASGI middleware).

FastAPI parses a JSON body in full before a route sees it, so a size check inside a route comes
too late for a 50 MB body to ``/enroll``, and a body nested 5,000 levels deep exhausts the JSON
parser's recursion. This middleware reads at most the route's limit (413 beyond it, from the
declared ``Content-Length`` or while streaming), refuses JSON nested too deeply or with
absurdly long numbers (400, ``sync.check_json_shape``), then hands the buffered body on.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server_stub.api.errors import error_body
from sync import ValidationError, check_json_shape

DEFAULT_BODY_LIMIT = 64 * 1024
MAX_RECORD_BYTES = 1024 * 1024
MAX_BATCH_RECORDS = 100
"""Records one ``POST /api/v1/records/batch`` takes: a phone sends more in several calls."""
MAX_BATCH_BYTES = 4 * 1024 * 1024
MISSING_BODY_BYTES = 128 * 1024
"""``POST /api/v1/photos/missing``: a thousand names of 64 characters, quoted, and no more."""
"""The largest batch body: a hundred records of a few KB each fit many times over, and one
record still may be up to ``MAX_RECORD_BYTES``."""


def body_limit(method: str, path: str, max_photo_bytes: int) -> int:
    """The largest body a request to ``path`` may carry."""
    if method == "PUT" and path.startswith("/api/v1/photos/"):
        return max_photo_bytes
    if method == "POST" and path == "/api/v1/records":
        return MAX_RECORD_BYTES
    if method == "POST" and path == "/api/v1/records/batch":
        return MAX_BATCH_BYTES
    if method == "POST" and path == "/api/v1/photos/missing":
        return MISSING_BODY_BYTES
    return DEFAULT_BODY_LIMIT


def _is_json(content_type: str) -> bool:
    """Whether FastAPI would parse the body as JSON (it does so when no type is given, too)."""
    media = content_type.split(";", 1)[0].strip().lower()
    return not media or media == "application/json" or media.endswith("+json")


def _too_large(limit: int) -> JSONResponse:
    return JSONResponse(error_body("too_large", f"内容过大（上限 {limit // 1024} KB）"), status_code=413)


class BodyLimits:
    """Reads each request's body up to its limit, checks JSON's shape, then replays it."""

    def __init__(self, app: ASGIApp, limit_for: Callable[[str, str], int]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["method"], scope["path"])
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        declared = headers.get("content-length", "")
        if declared and (not declared.isdigit() or int(declared) > limit):
            await _too_large(limit)(scope, receive, send)
            return
        chunks: list[bytes] = []
        size, more = 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await _too_large(limit)(scope, receive, send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if body and _is_json(headers.get("content-type", "")):
            try:
                check_json_shape(body)
            except ValidationError as e:
                answer = JSONResponse(error_body("bad_request", f"请求格式错误：{e.problems[0].message}"),
                                      status_code=400)
                await answer(scope, receive, send)
                return
        await self.app(scope, _replay(body, receive), send)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that yields ``body`` once, then whatever the connection says next."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
