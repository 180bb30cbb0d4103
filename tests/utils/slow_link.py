"""A phone's link between a client and the platform: a TCP proxy that delays every byte by a
fixed time each way and lets the upload through no faster than a given rate, shared by all the
connections as one radio link is (issue 29 point 2: ``bench/slow_link.py``,
``tests/integration/test_batch_kills.py``).

It runs its own event loop on a thread of the calling process, so a bench can time the app's
sync engine through it without a second process. Every chunk going up is serialised behind the
ones before it at ``upload_bits_per_second`` (one queue for the whole link), then arrives
``delay`` seconds later; going down it only waits ``delay``. ``on_upload`` sees every chunk the
client sends, as it arrives (a test waits there for a request to be under way).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Self

CHUNK = 16 * 1024
"""Bytes read at a time: small enough that the rate is applied smoothly."""


class SlowLink:
    """``with SlowLink(upstream_port, delay=0.15, upload_bits_per_second=10e6) as link:`` then
    connect to ``link.port``; ``link.uploaded`` counts the bytes that went up."""

    def __init__(self, upstream_port: int, *, delay: float, upload_bits_per_second: float | None,
                 on_upload: Callable[[bytes], None] | None = None) -> None:
        self.upstream_port = upstream_port
        self.delay = delay
        self.rate = upload_bits_per_second
        self.on_upload = on_upload
        self.uploaded = 0
        self.port = 0
        self._free_at = 0.0  # when the shared uplink has sent everything queued so far
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="slow-link", daemon=True)
        self._server: asyncio.Server | None = None

    def __enter__(self) -> Self:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(10)
        self._thread.join(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(
            asyncio.start_server(self._handle, "127.0.0.1", 0))
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()
        self._loop.close()

    async def _shutdown(self) -> None:
        """Stops listening, ends every connection's tasks, then the loop."""
        assert self._server is not None
        self._server.close()
        others = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)
        self._loop.call_soon(self._loop.stop)

    def _upload_arrival(self, size: int) -> float:
        """When ``size`` bytes sent up now arrive: after the link has sent what was queued before
        them and them, plus the delay."""
        now = time.monotonic()
        self._free_at = max(now, self._free_at) + (size * 8 / self.rate if self.rate else 0.0)
        return self._free_at + self.delay

    async def _handle(self, client_reader: asyncio.StreamReader,
                      client_writer: asyncio.StreamWriter) -> None:
        try:
            server_reader, server_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            client_writer.close()
            return
        up = asyncio.ensure_future(self._pump(client_reader, server_writer, upload=True))
        down = asyncio.ensure_future(self._pump(server_reader, client_writer, upload=False))
        try:
            await asyncio.wait([up, down], return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            pass  # the link shuts down; a connection task that ends cancelled is logged as an error
        finally:
            for task in (up, down):
                task.cancel()
            for writer in (client_writer, server_writer):
                writer.close()

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *,
                    upload: bool) -> None:
        """Reads as the bytes come and delivers each chunk at its arrival time, in order."""
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()
        deliver = asyncio.ensure_future(self._deliver(queue, writer))
        try:
            while data := await reader.read(CHUNK):
                if upload:
                    self.uploaded += len(data)
                    if self.on_upload is not None:
                        self.on_upload(data)
                arrival = self._upload_arrival(len(data)) if upload else time.monotonic() + self.delay
                queue.put_nowait((arrival, data))
        except OSError:
            pass
        except asyncio.CancelledError:
            deliver.cancel()
            raise
        queue.put_nowait((time.monotonic() + self.delay, b""))  # the end, after what came before
        await deliver

    @staticmethod
    async def _deliver(queue: asyncio.Queue[tuple[float, bytes]], writer: asyncio.StreamWriter) -> None:
        while True:
            arrival, data = await queue.get()
            wait = arrival - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            if not data:
                return
            try:
                writer.write(data)
                await writer.drain()
            except OSError:
                return
