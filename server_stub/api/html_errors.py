"""Errors on the public pages are pages: Chinese HTML with the same status, not the API's JSON.

Anyone may type an address, follow an old link or change an id in one; a browser showing
``{"error": …}`` tells them nothing. Every error handler the app has (``api.errors``) keeps
deciding the status, headers and Chinese message; this only re-dresses its JSON answer as the
error page when the path is not the API's (``/api/…``), the schema or the API documentation.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from starlette.responses import Response

from server_stub.api.templates import render

API_PREFIX = "/api/"
NOT_PAGES = frozenset({"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"})

HEADINGS = {400: "请求有误", 401: "需要登录", 403: "无权访问", 404: "页面不存在", 405: "不支持该操作",
            413: "内容过大", 429: "请求过于频繁", 500: "平台内部错误", 503: "平台繁忙", 507: "平台存储空间不足"}
NOT_FOUND = "您访问的页面不存在，或该计划、结果编号有误。"
"""A 404 page says this rather than the API's message, whatever the route: an unknown plan id,
an unknown address and an announcement not yet published look alike to a reader."""

Handler = Callable[[Request, Any], Response | Awaitable[Response]]


def is_page(path: str) -> bool:
    """Whether ``path`` is a public page's (anything but the API, its schema and documentation)."""
    return not path.startswith(API_PREFIX) and path not in NOT_PAGES


def as_page(response: Response) -> Response:
    """The error page for an API error answer: same status and headers (Retry-After, Allow),
    the answer's Chinese message. An answer without the error body is returned as it is."""
    try:
        message = json.loads(bytes(response.body))["error"]["message"]
    except (ValueError, KeyError, TypeError):
        return response
    status = response.status_code
    headers = {k: v for k, v in response.headers.items()
               if k.lower() not in ("content-type", "content-length")}
    return render("error.html", status=status, headers=headers, code=status,
                  heading=HEADINGS.get(status, "请求失败"),
                  message=NOT_FOUND if status == 404 else message)


def _for_pages(handler: Handler) -> Handler:
    async def handle(request: Request, exc: Any) -> Response:
        answer = handler(request, exc)
        response = await answer if inspect.isawaitable(answer) else answer
        return as_page(response) if is_page(request.url.path) else response

    return handle


def install_html_errors(app: FastAPI) -> None:
    """Wrap every exception handler installed so far; call after ``install_error_handlers``."""
    for key, handler in list(app.exception_handlers.items()):
        app.exception_handlers[key] = _for_pages(handler)
