"""Photos, stored by content: the name of a photo is the SHA-256 of its bytes.

One interface (``PhotoStore``), two implementations, chosen by ``ZSC_PHOTOS`` (``serve --photos``,
``open_photo_store``):

- ``DirectoryPhotoStore``, the embedded default, under the data directory. Writes go to a
  temporary file that is fsynced and renamed into place, so a photo is either wholly there or not
  at all, and two processes storing the same photo at once both succeed with the same bytes.
- ``S3PhotoStore``, on any S3-compatible object store (``s3://bucket/prefix``), so that several
  platform machines serve the same photos without a shared disk (issue 29 point 1, DESIGN §13).
  A PUT is atomic on S3 (an object is wholly there or absent) and carries the bytes' SHA-256
  (``x-amz-checksum-sha256``), which the store checks before it keeps them; what comes back is
  hashed again before it is served. The bucket is private and reached by the platform alone:
  no URL of it is ever handed out, so the access rules of ``GET /photos`` are the only door.

A store that cannot be reached (down, refusing our credentials, timing out) raises
``Unavailable`` (503 with Retry-After): nothing is stored in the database either, and the
phone's engine sends the photo again later.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from server_stub.core.config import Settings
from server_stub.core.errors import Damaged, Unavailable

if TYPE_CHECKING:
    from types_boto3_s3 import S3Client

log = logging.getLogger(__name__)

_SHA256 = re.compile(r"[0-9a-f]{64}")

STORE_RETRY_AFTER_SECONDS = 5
UNAVAILABLE_MESSAGE = "照片存储暂时无法访问：未保存任何内容，请稍后重试（手机上的记录和照片仍在）"
DAMAGED_MESSAGE = "平台上的这张照片不完整或已损坏，无法显示：请联系管理员"


def is_sha256(name: str) -> bool:
    return bool(_SHA256.fullmatch(name))


class PhotoStore(Protocol):
    def has(self, sha256: str) -> bool: ...

    def put(self, sha256: str, data: bytes) -> bool:
        """Store ``data`` under its hash; True when it was new. ``data`` must hash to ``sha256``."""
        ...

    def get(self, sha256: str) -> bytes:
        """The photo's bytes; ``KeyError`` when it is not stored."""
        ...

    def names(self) -> Iterator[str]:
        """The hash of every stored photo, in order (what a backup copies)."""
        ...


class DirectoryPhotoStore:
    """Photos as files ``ab/cd/abcd….jpg`` under one directory."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, sha256: str) -> Path:
        if not is_sha256(sha256):
            raise KeyError(sha256)
        return self.root / sha256[:2] / sha256[2:4] / f"{sha256}.jpg"

    def has(self, sha256: str) -> bool:
        return is_sha256(sha256) and self._path(sha256).is_file()

    def put(self, sha256: str, data: bytes) -> bool:
        if hashlib.sha256(data).hexdigest() != sha256:
            raise ValueError("photo bytes do not hash to their name")
        path = self._path(sha256)
        if path.is_file():
            return False
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return True

    def get(self, sha256: str) -> bytes:
        try:
            return self._path(sha256).read_bytes()
        except FileNotFoundError:
            raise KeyError(sha256) from None

    def names(self) -> Iterator[str]:
        if not self.root.is_dir():
            return
        for path in sorted(self.root.glob("??/??/*.jpg")):
            if is_sha256(path.stem) and path.parent.name == path.stem[2:4]:
                yield path.stem


@dataclass(frozen=True)
class S3Location:
    """Where the photos are in an object store: ``s3://bucket/prefix``."""

    bucket: str
    prefix: str

    @classmethod
    def parse(cls, url: str) -> S3Location:
        """``s3://bucket`` (objects under ``photos/``) or ``s3://bucket/some/prefix``, as the
        settings checked it (``config._check_bucket``)."""
        bucket, _, prefix = url.removeprefix("s3://").partition("/")
        return cls(bucket, (prefix.strip("/") or "photos") + "/")

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"


def _checksum(sha256: str) -> str:
    """The hash as S3's ``x-amz-checksum-sha256`` carries it: base64 of the 32 bytes."""
    return base64.b64encode(bytes.fromhex(sha256)).decode()


class S3PhotoStore:
    """Photos as objects ``<prefix><sha256>`` of one bucket of an S3-compatible store.

    One boto3 client per process (clients are thread-safe and keep a pool of connections); its
    timeouts are short, so a store that is down answers the phone with a 503 in seconds instead
    of holding its request and a worker.
    """

    def __init__(self, location: S3Location, client: S3Client) -> None:
        self.location = location
        self.client = client

    @classmethod
    def connect(cls, location: S3Location, settings: Settings) -> S3PhotoStore:
        """The store at ``location``, reached as ``settings`` say (``ZSC_S3_*``), else as the
        AWS SDK's own chain does (``AWS_ENDPOINT_URL``, ``AWS_ACCESS_KEY_ID``, profiles, roles)."""
        import boto3
        from botocore.config import Config

        config = Config(
            connect_timeout=settings.s3_connect_timeout, read_timeout=settings.s3_read_timeout,
            retries={"mode": "standard", "total_max_attempts": 2},
            max_pool_connections=32,
            # The SHA-256 of each PUT is given explicitly; no extra CRC trailer that some
            # S3-compatible stores do not take.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            s3={"addressing_style": settings.s3_addressing_style},
        )
        secret = settings.s3_secret_access_key
        session = boto3.session.Session()
        client = session.client(
            "s3", config=config,
            endpoint_url=settings.s3_endpoint_url or None,
            region_name=settings.s3_region or None,
            aws_access_key_id=settings.s3_access_key_id or None,
            aws_secret_access_key=secret.get_secret_value() if secret else None)
        return cls(location, client)

    def key(self, sha256: str) -> str:
        if not is_sha256(sha256):
            raise KeyError(sha256)
        return self.location.prefix + sha256

    def has(self, sha256: str) -> bool:
        if not is_sha256(sha256):
            return False
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client.head_object(Bucket=self.location.bucket, Key=self.key(sha256))
        except ClientError as e:
            if _status(e) == 404:
                return False
            raise _unavailable("HEAD", e) from None
        except BotoCoreError as e:
            raise _unavailable("HEAD", e) from None
        return True

    def put(self, sha256: str, data: bytes) -> bool:
        """Store the photo unless it is there; the store refuses bytes that do not hash to the
        checksum sent with them (``BadDigest``), and the checksum it answers is compared again."""
        if hashlib.sha256(data).hexdigest() != sha256:
            raise ValueError("photo bytes do not hash to their name")
        if self.has(sha256):
            return False
        from botocore.exceptions import BotoCoreError, ClientError

        checksum = _checksum(sha256)
        try:
            answer = self.client.put_object(
                Bucket=self.location.bucket, Key=self.key(sha256), Body=data,
                ContentType="application/octet-stream", ChecksumSHA256=checksum)
        except (ClientError, BotoCoreError) as e:
            # Cut short or damaged on the way (BadDigest), or the store is gone: S3 keeps
            # nothing of a PUT that did not complete.
            raise _unavailable("PUT", e) from None
        echoed = answer.get("ChecksumSHA256")
        if echoed is not None and echoed != checksum:
            log.error("object store kept %s with checksum %s, sent %s", sha256, echoed, checksum)
            self._forget(sha256)
            raise Unavailable("photo_store_unavailable", UNAVAILABLE_MESSAGE,
                              retry_after=STORE_RETRY_AFTER_SECONDS)
        return True

    def _forget(self, sha256: str) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client.delete_object(Bucket=self.location.bucket, Key=self.key(sha256))
        except (ClientError, BotoCoreError) as e:
            log.error("could not delete the damaged object %s: %s", sha256, e)

    def get(self, sha256: str) -> bytes:
        """The photo's bytes, hashed on arrival: bytes that do not hash to the name are
        ``Damaged`` (never served as the photo)."""
        from botocore.exceptions import BotoCoreError, ClientError

        key = self.key(sha256)
        try:
            data = self.client.get_object(Bucket=self.location.bucket, Key=key)["Body"].read()
        except ClientError as e:
            if _status(e) == 404:
                raise KeyError(sha256) from None
            raise _unavailable("GET", e) from None
        except BotoCoreError as e:
            raise _unavailable("GET", e) from None
        if hashlib.sha256(data).hexdigest() != sha256:
            log.error("object %s does not hash to its name", key)
            raise Damaged("photo_damaged", DAMAGED_MESSAGE)
        return data

    def names(self) -> Iterator[str]:
        """Every stored photo's hash, in key order (S3 lists keys in UTF-8 byte order)."""
        from botocore.exceptions import BotoCoreError, ClientError

        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.location.bucket, Prefix=self.location.prefix)
        try:
            for page in pages:
                for item in page.get("Contents", ()):
                    name = item.get("Key", "")[len(self.location.prefix):]
                    if is_sha256(name):
                        yield name
        except (ClientError, BotoCoreError) as e:
            raise _unavailable("LIST", e) from None

    def check(self) -> None:
        """``Unavailable`` unless the bucket is there and these credentials may use it: what
        ``serve`` asks before it starts, so a wrong setting stops it with a message."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client.head_bucket(Bucket=self.location.bucket)
        except (ClientError, BotoCoreError) as e:
            raise _unavailable("HEAD bucket", e) from None


def _status(error: Exception) -> int | None:
    response = getattr(error, "response", None) or {}
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return int(status) if status is not None else None


def _unavailable(operation: str, error: Exception) -> Unavailable:
    """The store failed us: logged in full for the operator, a 503 for the caller (which names
    neither the endpoint nor the bucket)."""
    log.warning("object store %s failed: %s", operation, error)
    return Unavailable("photo_store_unavailable", UNAVAILABLE_MESSAGE,
                       retry_after=STORE_RETRY_AFTER_SECONDS)


def open_photo_store(settings: Settings) -> DirectoryPhotoStore | S3PhotoStore:
    """The store ``settings.photos`` names: ``s3://…``, else the data directory's ``photos/``."""
    if settings.photos.startswith("s3://"):
        return S3PhotoStore.connect(S3Location.parse(settings.photos), settings)
    return DirectoryPhotoStore(settings.photos_dir)
