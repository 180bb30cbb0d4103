"""A misbehaving network between the phone and the platform, run as its own process.

``python -m tests.integration.fault_proxy LISTEN_PORT UPSTREAM_URL SEED`` forwards HTTP/1.1
requests to UPSTREAM_URL and, per request, at random (seeded) does one of:

* ``pass``        forward, answer;
* ``delay``       wait up to 0.3 s, then forward and answer;
* ``drop_before`` close the connection without forwarding (the server never acts);
* ``drop_after``  forward, let the server act, then close without answering (the answer is lost);
* ``duplicate``   forward the request twice (as a retrying middlebox would), answer the second.

It prints one line per request (``fault method path status``) so a test can count what happened.
"""

from __future__ import annotations

import asyncio
import random
import sys

import h11
import httpx

FAULTS = ("pass", "delay", "drop_before", "drop_after", "duplicate")
WEIGHTS = (4, 2, 2, 2, 1)
HOP_BY_HOP = {b"connection", b"keep-alive", b"transfer-encoding", b"host", b"content-length"}


async def read_request(reader: asyncio.StreamReader, conn: h11.Connection) -> tuple[h11.Request, bytes] | None:
    request: h11.Request | None = None
    body = b""
    while True:
        event = conn.next_event()
        if event is h11.NEED_DATA:
            data = await reader.read(65536)
            conn.receive_data(data)
            if not data and request is None:
                return None
            continue
        if isinstance(event, h11.Request):
            request = event
        elif isinstance(event, h11.Data):
            body += event.data
        elif isinstance(event, h11.EndOfMessage):
            assert request is not None
            return request, body
        elif isinstance(event, h11.ConnectionClosed):
            return None


async def forward(client: httpx.AsyncClient, request: h11.Request, body: bytes) -> httpx.Response:
    headers = [(k, v) for k, v in request.headers if k.lower() not in HOP_BY_HOP]
    return await client.request(request.method.decode(), request.target.decode(), headers=headers,
                                content=body)


async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                 client: httpx.AsyncClient, rng: random.Random) -> None:
    conn = h11.Connection(h11.SERVER)
    try:
        while True:
            parsed = await read_request(reader, conn)
            if parsed is None:
                return
            request, body = parsed
            fault = rng.choices(FAULTS, WEIGHTS)[0]
            label = f"{fault} {request.method.decode()} {request.target.decode()}"
            if fault == "drop_before":
                print(label, "-", flush=True)
                return
            if fault == "delay":
                await asyncio.sleep(rng.random() * 0.3)
            response = await forward(client, request, body)
            if fault == "duplicate":
                response = await forward(client, request, body)
            print(label, response.status_code, flush=True)
            if fault == "drop_after":
                return
            headers = [(k, v) for k, v in response.headers.raw if k.lower() not in HOP_BY_HOP]
            headers.append((b"content-length", str(len(response.content)).encode()))
            writer.write(conn.send(h11.Response(status_code=response.status_code, headers=headers)))
            writer.write(conn.send(h11.Data(data=response.content)))
            writer.write(conn.send(h11.EndOfMessage()))
            await writer.drain()
            conn.start_next_cycle()
    except (ConnectionError, h11.RemoteProtocolError, httpx.TransportError):
        return
    finally:
        writer.close()


async def main(port: int, upstream: str, seed: int) -> None:
    rng = random.Random(seed)
    async with httpx.AsyncClient(base_url=upstream, timeout=30) as client:
        server = await asyncio.start_server(lambda r, w: handle(r, w, client, rng), "127.0.0.1", port)
        print("ready", flush=True)
        async with server:
            await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), sys.argv[2], int(sys.argv[3])))
