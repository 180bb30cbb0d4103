"""The S3-compatible object store of the tests: the one ``scripts/objectstore.sh`` started
(``ZSC_TEST_S3_URL`` and its credentials), a fresh bucket per test, and, for the tests that kill
the store, a SeaweedFS process of their own (``Weed``)."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from tests.utils.launcher import PROJECT_ROOT, free_port

if TYPE_CHECKING:
    from types_boto3_s3 import S3Client

S3_URL = os.environ.get("ZSC_TEST_S3_URL")
"""The endpoint of the tests' object store; unset, the object-store tests are skipped."""
S3_KEY = os.environ.get("ZSC_TEST_S3_ACCESS_KEY_ID", "")
S3_SECRET = os.environ.get("ZSC_TEST_S3_SECRET_ACCESS_KEY", "")
WEED = Path(os.environ.get("ZSC_WEED", PROJECT_ROOT / ".venv" / "bin" / "weed"))


def store_env(endpoint: str, key: str, secret: str, bucket: str) -> dict[str, str]:
    """The ``ZSC_`` variables that point a server process at ``bucket``."""
    return {"ZSC_PHOTOS": f"s3://{bucket}", "ZSC_S3_ENDPOINT_URL": endpoint,
            "ZSC_S3_ACCESS_KEY_ID": key, "ZSC_S3_SECRET_ACCESS_KEY": secret,
            "ZSC_S3_REGION": "us-east-1"}


def store_settings(endpoint: str, key: str, secret: str, bucket: str) -> dict[str, str]:
    """The same, as ``Settings`` fields (``Settings.from_env(…, **these)``)."""
    return {name.removeprefix("ZSC_").lower(): value
            for name, value in store_env(endpoint, key, secret, bucket).items()}


def client(endpoint: str, key: str, secret: str) -> S3Client:
    import boto3
    from botocore.config import Config

    return boto3.session.Session().client(
        "s3", endpoint_url=endpoint, aws_access_key_id=key, aws_secret_access_key=secret,
        region_name="us-east-1", config=Config(s3={"addressing_style": "path"},
                                               retries={"mode": "standard", "total_max_attempts": 5}))


def new_bucket(endpoint: str, key: str, secret: str) -> str:
    """A fresh, empty bucket (each test's own)."""
    name = f"zsc-{uuid.uuid4().hex[:16]}"
    client(endpoint, key, secret).create_bucket(Bucket=name)
    return name


class _PortTaken(RuntimeError):
    """SeaweedFS could not bind a port chosen for it."""


@dataclass
class Weed:
    """A SeaweedFS (``weed mini``) of one test, which it may kill and start again on the same
    ports and data (``kill``, ``start``)."""

    directory: Path
    key: str = field(default_factory=lambda: f"zsc-{secrets.token_hex(4)}")
    secret: str = field(default_factory=lambda: secrets.token_hex(16))
    ports: list[int] = field(default_factory=lambda: [free_port() for _ in range(10)])
    process: subprocess.Popen[bytes] | None = None
    started: bool = False
    """Whether it ever came up: a restart keeps its ports (its clients know its address)."""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.ports[6]}"

    def start(self) -> Weed:
        """Start it and wait until it takes a request. A port ``free_port`` found free can be
        taken by another process before SeaweedFS binds it (it happened with two test runs on
        one machine): a first start that meets that tries again on new ports."""
        for _ in range(3):
            try:
                self._start()
            except _PortTaken:
                if self.started:
                    raise
                self.ports = [free_port() for _ in range(10)]
                continue
            self.started = True
            return self
        raise RuntimeError("SeaweedFS found no free ports in three tries")

    def _start(self) -> None:
        p = self.ports
        self.directory.mkdir(parents=True, exist_ok=True)
        log = (self.directory / "log").open("ab")
        self.process = subprocess.Popen(
            [str(WEED), f"-logdir={self.directory}", "mini", f"-dir={self.directory / 'data'}",
             "-ip=127.0.0.1", "-ip.bind=127.0.0.1", "-master.telemetry=false",
             f"-master.port={p[0]}", f"-master.port.grpc={p[1]}", f"-volume.port={p[2]}",
             f"-volume.port.grpc={p[3]}", f"-filer.port={p[4]}", f"-filer.port.grpc={p[5]}",
             f"-filer.localSocket={self.directory / 'filer.sock'}",
             f"-s3.localSocket={self.directory / 's3.sock'}",
             f"-s3.port={p[6]}", f"-s3.port.grpc={p[7]}", f"-admin.port={p[8]}",
             f"-admin.port.grpc={p[9]}", "-admin.ui=false", "-webdav=false",
             "-s3.port.iceberg=0", "-s3.port.lance=0", "-master.volumeSizeLimitMB=64"],
            env={**os.environ, "AWS_ACCESS_KEY_ID": self.key, "AWS_SECRET_ACCESS_KEY": self.secret},
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.close()
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(self.url, timeout=2)
                break
            except urllib.error.HTTPError:
                break  # any answer: it is up (anonymous requests get a 403)
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    text = (self.directory / "log").read_text(errors="replace")[-2000:]
                    taken = "address already in use" in text or "is not available" in text
                    if taken and not self.started:
                        self.kill()
                        raise _PortTaken(text) from None
                    raise RuntimeError("SeaweedFS did not start: " + text) from None
                time.sleep(0.1)
        # The gateway answers before every part behind it takes writes: wait for a bucket.
        while True:
            try:
                client(self.url, self.key, self.secret).list_buckets()
                return
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def kill(self) -> None:
        """SIGKILL: the store stops wherever it was, mid-request or not."""
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)
            self.process = None

    def stop(self) -> None:
        """Gone with its data (killed: nothing of it is kept)."""
        self.kill()
        for port in self.ports:
            for sock in Path("/tmp").glob(f"seaweedfs-*-{port}.sock"):
                sock.unlink(missing_ok=True)
        shutil.rmtree(self.directory, ignore_errors=True)
