"""Security headers on every answer of the server: pages, API, errors, including a 500.

The pages (/, /plans, /draws/…, /results, /v/…) are server-rendered HTML with no script at all:
the policy allows none, styles only from the page itself (its ``<style>`` and ``style=``
attributes) or the server, fonts and images from the server, forms posting back to the server,
and no framing (``frame-ancestors 'none'``, and ``X-Frame-Options: DENY`` for older browsers):
an enterprise's 亮码 page inside someone else's frame could be dressed up to say anything. The
API's JSON gets the same policy, which costs nothing there. ``X-Content-Type-Options: nosniff``
stops a browser from running, say, an uploaded photo's bytes as HTML.

The interactive API documentation (``/docs``, ``/redoc``) is FastAPI's: an inline script and
scripts from a CDN. It gets only the framing and sniffing headers; a policy strict enough for
the pages would leave it blank.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
DOCS_POLICY = "frame-ancestors 'none'"
DOCS_PATHS = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc"})


class SecurityHeaders:
    """ASGI middleware adding the headers above to every response start."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = DOCS_POLICY if scope["path"] in DOCS_PATHS else CONTENT_SECURITY_POLICY

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Content-Security-Policy"] = policy
                headers["X-Content-Type-Options"] = "nosniff"
                headers["X-Frame-Options"] = "DENY"
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install_security_headers(app: FastAPI) -> None:
    """Wrap ``app``'s whole middleware stack, outside Starlette's ``ServerErrorMiddleware``.

    ``app.add_middleware`` would place the headers inside it, so the answer to an unhandled
    exception (a 500, from that outermost layer) would go without them.
    """
    build = app.build_middleware_stack

    def build_with_headers() -> ASGIApp:
        return SecurityHeaders(build())

    app.build_middleware_stack = build_with_headers  # type: ignore[method-assign]
