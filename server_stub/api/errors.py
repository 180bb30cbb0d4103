"""The error shape of every API answer (DESIGN §5): ``{"error": {"code", "message"}}``, and the
one place where a kind of domain error (``server_stub/core/errors.py``) becomes a status code."""

from __future__ import annotations

import errno
from typing import Any

import sqlalchemy as sa
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute, Match

from server_stub.core.errors import (
    Conflict,
    Damaged,
    DomainError,
    Invalid,
    Malformed,
    NotAllowed,
    NotAnImage,
    NotFound,
    TooLarge,
    TooMany,
    Unauthenticated,
    Unavailable,
)

_DEFAULT_MESSAGES = {
    400: ("bad_request", "请求格式错误"),
    401: ("unauthorized", "未登录或令牌无效"),
    403: ("forbidden", "无权执行此操作"),
    404: ("not_found", "请求的资源不存在"),
    405: ("method_not_allowed", "不支持该请求方法"),
    409: ("conflict", "与已有数据冲突"),
    413: ("too_large", "内容过大"),
    415: ("unsupported_media_type", "不支持的内容类型"),
    422: ("invalid", "内容无效"),
    429: ("too_many_requests", "请求过于频繁，请稍后再试"),
    500: ("internal_error", "平台内部错误，请稍后重试或联系管理员"),
    503: ("busy", "平台繁忙：未保存任何内容，请稍后重试（手机上的记录和照片仍在）"),
    507: ("storage_full", "平台存储空间不足：未保存任何内容，请稍后重试（手机上的记录和照片仍在）"),
}


STATUSES: dict[type[DomainError], int] = {
    Malformed: 400,
    Unauthenticated: 401,
    NotAllowed: 403,
    NotFound: 404,
    Conflict: 409,
    TooLarge: 413,
    NotAnImage: 415,
    Invalid: 422,
    TooMany: 429,
    # Something stored is broken (a photo that does not decode): the request was fine, but its
    # answer cannot be made, and asking again will not change that. Not a 5xx, which says "the
    # platform failed, try again later" (the app's engine retries every 5xx) and is what a crash
    # answers: this is a clean refusal that says why.
    Damaged: 422,
    # The object store is down or refuses us: the platform's passing condition, nothing stored;
    # the app's engine retries every 5xx, after Retry-After.
    Unavailable: 503,
}
"""The status code of each kind of domain error; a subclass answers as its nearest listed base."""


def status_of(error: DomainError) -> int:
    """The status code of ``error``'s kind."""
    for kind in type(error).__mro__:
        if kind in STATUSES:
            return STATUSES[kind]
    raise TypeError(f"no status for {type(error).__name__}: add its kind to STATUSES")


def headers_of(error: DomainError) -> dict[str, str] | None:
    """The headers that go with ``error``'s answer: when to try again, for ``TooMany``."""
    if isinstance(error, TooMany | Unavailable):
        return {"Retry-After": str(error.retry_after)}
    return None


def error_body(code: str, message: str) -> dict[str, dict[str, str]]:
    return {"error": {"code": code, "message": message}}


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorBody(BaseModel):
    error: ErrorDetail


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses`` of a route that can answer ``statuses`` with the error body."""
    return {status: {"model": ErrorBody, "description": _DEFAULT_MESSAGES[status][1]}
            for status in statuses}


def _storage_full() -> JSONResponse:
    """A full disk is a passing server condition, not the client's fault: 507, and the client's
    engine retries later like any 5xx; the transaction was rolled back, so nothing is half-stored."""
    code, message = _DEFAULT_MESSAGES[507]
    return JSONResponse(error_body(code, message), status_code=507)


BUSY_RETRY_AFTER_SECONDS = 1

_SQLITE_BUSY = 5
# PostgreSQL: serialization failure, deadlock detected, lock not available.
_PG_BUSY = frozenset({"40001", "40P01", "55P03"})


def _is_busy(exc: sa.exc.OperationalError) -> bool:
    """The database could not take this transaction now (SQLite's write lock stayed taken past
    its busy timeout, or PostgreSQL gave up on a lock): trying again later will do."""
    sqlite_code = getattr(exc.orig, "sqlite_errorcode", 0)
    return sqlite_code & 0xFF == _SQLITE_BUSY or getattr(exc.orig, "sqlstate", None) in _PG_BUSY


def _busy() -> JSONResponse:
    """A crowd, not a fault: 503 with Retry-After, nothing stored (the transaction was rolled
    back), and the client's engine retries like any 5xx."""
    code, message = _DEFAULT_MESSAGES[503]
    return JSONResponse(error_body(code, message), status_code=503,
                        headers={"Retry-After": str(BUSY_RETRY_AFTER_SECONDS)})


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _allowed_methods(request: Request) -> str:
    """Every method some route answers at the request's path, for a 405's ``Allow``.

    Asked of the routes method by method: FastAPI keeps included routers as routes of their own,
    so the methods are not all listed on the app's routes.
    """
    routes = [route for route in request.app.router.routes if isinstance(route, BaseRoute)]
    return ", ".join(
        method for method in _METHODS
        if any(route.matches({**request.scope, "method": method})[0] == Match.FULL for route in routes)
    )


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain_error(_: Request, exc: DomainError) -> JSONResponse:
        return JSONResponse(error_body(exc.code, exc.message), status_code=status_of(exc),
                            headers=headers_of(exc))

    @app.exception_handler(OSError)
    async def _os_error(request: Request, exc: OSError) -> JSONResponse:
        if exc.errno != errno.ENOSPC:
            raise exc
        return _storage_full()

    @app.exception_handler(sa.exc.OperationalError)
    async def _database_error(request: Request, exc: sa.exc.OperationalError) -> JSONResponse:
        # SQLite says "database or disk is full"; PostgreSQL "No space left on device" (53100).
        text = str(exc.orig).lower()
        if "disk is full" in text or "no space left" in text:
            return _storage_full()
        if _is_busy(exc):
            return _busy()
        raise exc

    @app.exception_handler(sa.exc.DataError)
    async def _bad_value(request: Request, exc: sa.exc.DataError) -> JSONResponse:
        # A value the database cannot hold: PostgreSQL refuses a NUL (\0) in text and a string
        # longer than its column, where SQLite takes both. The request's, not ours: a 400.
        return JSONResponse(error_body("bad_value", "请求中有无法保存的值（含空字符 \\0 或超出长度），请检查后重试"),
                            status_code=400)

    @app.exception_handler(sa.exc.TimeoutError)
    async def _no_connection(request: Request, exc: sa.exc.TimeoutError) -> JSONResponse:
        return _busy()  # every pooled connection stayed in use past the pool's timeout

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        # A bug: Starlette logs the traceback after this answer; the client gets the error shape.
        code, message = _DEFAULT_MESSAGES[500]
        return JSONResponse(error_body(code, message), status_code=500)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code, message = _DEFAULT_MESSAGES.get(exc.status_code, ("error", "请求失败"))
        # The exception's headers are part of the answer (a 401's WWW-Authenticate); a 405's Allow
        # is rebuilt, since Starlette's names the methods of only the first route of the path.
        headers = exc.headers
        if exc.status_code == 405:
            headers = {**(headers or {}), "Allow": _allowed_methods(request)}
        return JSONResponse(error_body(code, message), status_code=exc.status_code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        message = f"请求格式错误：{where}" if where else "请求格式错误"
        return JSONResponse(error_body("bad_request", message), status_code=400)


def document_validation_errors(app: FastAPI) -> None:
    """Make the published schema say what the handler above does with a request that fails
    validation: 400 with the error body, where FastAPI would document 422 with its own body.

    Every operation with parameters or a request body documents 400, and FastAPI's
    validation-error models leave the schema. A 422 that a route declares itself (content that
    parses but is invalid) stays.
    """
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        fresh = app.openapi_schema is None
        schema = generate()
        if fresh:
            _validation_errors_as_400(schema)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


_ERROR_BODY_REF = "#/components/schemas/ErrorBody"
_VALIDATION_ERROR_REF = "#/components/schemas/HTTPValidationError"


def _validation_errors_as_400(schema: dict[str, Any]) -> None:
    bad_request = {"description": _DEFAULT_MESSAGES[400][1],
                   "content": {"application/json": {"schema": {"$ref": _ERROR_BODY_REF}}}}
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            responses = operation["responses"]
            if _schema_ref(responses.get("422", {})) == _VALIDATION_ERROR_REF:
                del responses["422"]
            if "parameters" in operation or "requestBody" in operation:
                responses.setdefault("400", bad_request)
            operation["responses"] = dict(sorted(responses.items()))
    components = schema.get("components", {}).get("schemas", {})
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)


def _schema_ref(response: dict[str, Any]) -> str | None:
    ref: str | None = response.get("content", {}).get("application/json", {}).get("schema", {}).get(
        "$ref")
    return ref
