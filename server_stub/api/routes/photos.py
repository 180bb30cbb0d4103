"""Photos: stored under their SHA-256 (DESIGN §5), read by those who may see their record."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from server_stub.access import scope
from server_stub.api.deps import (
    ConnDep,
    DeviceDep,
    DeviceToken,
    as_device,
    get_settings,
    request_body,
)
from server_stub.api.errors import error_responses
from server_stub.core.clock import now
from server_stub.core.errors import Damaged, NotFound
from server_stub.records import ingest
from server_stub.records.thumbnails import thumbnail
from sync import is_pdf

router = APIRouter(prefix="/api/v1", tags=["photos"], responses=error_responses(401))


PhotoBody = Annotated[bytes, request_body(lambda request: get_settings(request).max_photo_bytes)]


class PhotoOut(BaseModel):
    sha256: str
    size: int


@router.put(
    "/photos/{sha256}",
    status_code=201,
    responses={200: {"model": PhotoOut, "description": "the photo was already there"},
               201: {"model": PhotoOut, "description": "stored"},
               **error_responses(400, 401, 413, 415, 503, 507)},
    openapi_extra={"requestBody": {"required": True, "content": {
        "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
        "application/pdf": {"schema": {"type": "string", "format": "binary"}}}}},
)
async def put_photo(sha256: Annotated[str, Path(pattern="^[0-9a-f]{64}$")], request: Request,
                    token: DeviceToken, data: PhotoBody) -> JSONResponse:
    """Store a photo under the SHA-256 of its bytes: 201 stored, 200 already there.

    The bytes read, one hop (``as_device``) looks the token up, checks them, writes them to the
    photo store and notes who sent them. The write comes before a connection is taken: a slow
    disk's ``fsync`` or object store holds one of the request slots, never a pooled connection or
    a lock."""
    answer = await as_device(
        request, token, lambda conn, device: ingest.note_photo(conn, device, sha256, len(data), now=now()),
        first=lambda _device: ingest.store_photo(request.app.state.photo_store, sha256, data))
    return JSONResponse(answer.body, status_code=201 if answer.new else 200)


class MissingQuery(BaseModel):
    sha256: list[Annotated[str, Field(pattern="^[0-9a-f]{64}$")]] = Field(
        max_length=ingest.MISSING_BATCH,
        description=f"photo names (SHA-256) the phone means to send, at most {ingest.MISSING_BATCH}")


class Missing(BaseModel):
    missing: list[str] = Field(description="the names asked that this device has not sent yet, in "
                                           "the order asked: upload these (PUT /photos/{sha256})")


@router.post("/photos/missing", responses=error_responses(400, 401, 413))
async def photos_missing(query: MissingQuery, request: Request, token: DeviceToken) -> Missing:
    """Which of these photos the platform still needs from this device, in one call.

    Answered from this device's own uploads alone: a photo another device sent is still "send
    it", so a device cannot learn whether anyone else holds a photo (docs/decisions.md)."""
    missing = await as_device(request, token,
                              lambda conn, device: ingest.photos_to_send(conn, device.id, query.sha256),
                              read_only=True)
    return Missing(missing=missing)


PhotoName = Annotated[str, Path(pattern="^[0-9a-f]{64}$")]


# A photo's bytes never change (its name is their SHA-256): a client may keep it for a day.
PHOTO_CACHING = {"Cache-Control": "private, max-age=86400"}


def _visible_photo(sha256: str, request: Request, device: DeviceDep, conn: ConnDep) -> bytes:
    """A stored photo this device may see: supervisors their department's, inspectors their own."""
    if not scope.photo_visible_to(conn, device, sha256):
        raise NotFound("photo_not_found", "照片不存在或无权查看")
    try:
        data: bytes = request.app.state.photo_store.get(sha256)
    except KeyError:
        raise NotFound("photo_not_found", "照片不存在或无权查看") from None
    return data


@router.get("/photos/{sha256}", responses={200: {"content": {"image/jpeg": {}, "application/pdf": {}}},
                                            **error_responses(404, 503)})
def get_photo(sha256: PhotoName, request: Request, device: DeviceDep, conn: ConnDep) -> Response:
    """A photo at full size: supervisors see their department's, inspectors their own."""
    data = _visible_photo(sha256, request, device, conn)
    # PNG: a signature; PDF: a 书面检查's material or a laboratory's report
    kind = ("image/png" if data.startswith(b"\x89PNG") else
            "application/pdf" if is_pdf(data) else "image/jpeg")
    return Response(data, media_type=kind, headers=PHOTO_CACHING)


@router.get("/photos/{sha256}/thumbnail", responses={200: {"content": {"image/jpeg": {}}},
                                                      **error_responses(400, 404, 422, 503)})
def get_photo_thumbnail(sha256: PhotoName, request: Request, device: DeviceDep, conn: ConnDep,
                        long_edge: Annotated[int, Query(ge=64, le=800)] = 240) -> Response:
    """A small JPEG of a photo (at most ``long_edge`` pixels on its long side), for lists; 422
    when the stored photo does not decode (never a 500: asking again would not help)."""
    data = _visible_photo(sha256, request, device, conn)
    try:
        small = thumbnail(data, long_edge)
    except OSError:
        # Every upload is decoded whole now, so this is a file stored before that check (cut
        # short, or a bare header) or one damaged on the platform's disk since.
        raise Damaged("photo_damaged",
                      "平台上的这张照片不完整或已损坏，无法显示：请联系管理员") from None
    return Response(small, media_type="image/jpeg", headers=PHOTO_CACHING)
