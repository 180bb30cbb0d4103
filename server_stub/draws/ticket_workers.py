"""The team draw's tickets hashed in worker processes, ahead of the draw (issue 29, point 5).

A province's team draw hashes one ticket per eligible inspector per drawn entity (9.2 million at
a million entities), and in Python that is one core's work however the loop is written. The
draw itself cannot be split: an entity's eligible inspectors are those still under the workload
cap once every entity before it has its team. So the workers *speculate*: :func:`rank_chunk`
ranks each entity of a chunk among the inspectors who were eligible when the chunk was sent (a
superset of those eligible at the entity's turn, since the cap only ever takes inspectors off),
and :mod:`server_stub.draws.sampling` checks, entity by entity, that the ranking still decides
its team, computing it itself when not. What is drawn never depends on the workers.

:class:`TicketWorkers` runs worker processes (:data:`WORKER`) and talks to them by pickles over
their standard input and output. Not ``multiprocessing``: its spawned children import the
parent's ``__main__`` again (the server's whole CLI, over a second of CPU each), and forking a
server that runs threads is not safe. This module and :mod:`server_stub.draws.tickets` import
only the standard library, so a worker starts in milliseconds.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import traceback
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, NamedTuple, Protocol, Self

from server_stub.draws.tickets import prefilter, ticket_hasher, ticket_order

WORKER = ("import sys; from server_stub.draws.ticket_workers import serve; "
          "serve(sys.stdin.buffer, sys.stdout.buffer)")
"""A worker process's program. Not ``-m`` this module: it would run as ``__main__``, and its
answers would name ``__main__.Ranked``, which the team draw's process cannot unpickle."""


EXITED = "组队计算进程意外退出"
FAILED = "组队计算进程出错：\n{traceback}"


class Entry(NamedTuple):
    """One entity of a chunk: its credit code, the departments its team comes from (in order)
    and the inspectors who must recuse from it."""

    code: str
    units: tuple[str, ...]
    conflicted: frozenset[str]


class Chunk(NamedTuple):
    """Consecutive entities of a team draw, with who was eligible when the chunk was sent.

    ``seed`` is the team seed without the credit code (``SEED + "/team/"``); ``available`` holds,
    for each department the entries name, its qualified inspectors then under the cap, in the
    roster's order; ``depth`` is how many of each entity's first inspectors to rank exactly.
    """

    seed: str
    team_size: int
    depth: int
    available: Mapping[str, Sequence[str]]
    entries: Sequence[Entry]


class Ranked(NamedTuple):
    """An entity's inspectors in ticket order, as far as the team draw may need them: ``ordered``
    starts with exactly the first ``head`` of all who were eligible, in ticket order, and
    holds the first of every department of the entity, in the same order."""

    ordered: list[str]
    head: int


def rank_chunk(chunk: Chunk) -> list[Ranked | None]:
    """Each entry's :class:`Ranked`, or ``None`` where even the inspectors of the chunk's roster
    cannot form a team (fewer than the team size, or a department with nobody): then the
    entity's own eligible cannot either."""
    encoded = {d: [i.encode() for i in ids] for d, ids in chunk.available.items()}
    ranked: list[Ranked | None] = []
    for entry in chunk.entries:
        groups: list[tuple[Sequence[str], Sequence[bytes]]] = []
        for d in entry.units:
            ids, raw = chunk.available[d], encoded[d]
            if entry.conflicted:
                kept = [n for n, i in enumerate(ids) if i not in entry.conflicted]
                groups.append(([ids[n] for n in kept], [raw[n] for n in kept]))
            else:
                groups.append((ids, raw))
        total = sum(len(ids) for ids, _ in groups)
        if total < chunk.team_size or not all(ids for ids, _ in groups):
            ranked.append(None)
            continue
        hasher = ticket_hasher(chunk.seed + entry.code)
        head = min(chunk.depth, total)
        ranked.append(Ranked(ticket_order(hasher, prefilter(groups, hasher, head)), head))
    return ranked


class TicketPool(Protocol):
    """Where the team draw sends its chunks: :meth:`submit` returns a handle, and
    :meth:`result` is asked for the handles in the order they were given. ``processes`` is how
    many chunks it ranks at once."""

    processes: int

    def submit(self, chunk: Chunk) -> int: ...

    def result(self, handle: int) -> list[Ranked | None]: ...


class TicketWorkers:
    """``processes`` worker processes, each given every ``processes``-th chunk in turn.

    A context manager: leaving it ends the workers (closing their pipes; a worker still busy
    is killed after a few seconds). A chunk's pickle holds a few thousand inspector ids, and at
    most a few chunks wait per worker, so neither side blocks the other on a full pipe.
    """

    def __init__(self, processes: int) -> None:
        # this very server_stub: first on the path, and no working directory before it (-P)
        root = str(Path(__file__).resolve().parents[2])
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
        self.processes = processes
        self._workers: list[subprocess.Popen[bytes]] = []
        self._sent = 0
        try:
            for _ in range(processes):
                self._workers.append(subprocess.Popen(
                    [sys.executable, "-P", "-c", WORKER],
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env))
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def submit(self, chunk: Chunk) -> int:
        handle, self._sent = self._sent, self._sent + 1
        stdin = self._worker(handle).stdin
        assert stdin is not None
        try:
            pickle.dump(chunk, stdin, protocol=pickle.HIGHEST_PROTOCOL)
            stdin.flush()
        except BrokenPipeError:
            raise RuntimeError(EXITED) from None
        return handle

    def result(self, handle: int) -> list[Ranked | None]:
        stdout = self._worker(handle).stdout
        assert stdout is not None
        try:
            status, value = pickle.load(stdout)
        except EOFError:
            raise RuntimeError(EXITED) from None
        if status != "ok":
            raise RuntimeError(FAILED.format(traceback=value))
        ranked: list[Ranked | None] = value
        return ranked

    def close(self) -> None:
        for worker in self._workers:
            for pipe in (worker.stdin, worker.stdout):
                if pipe is not None:
                    pipe.close()
        for worker in self._workers:
            try:
                worker.wait(timeout=5)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
        self._workers = []

    def _worker(self, handle: int) -> subprocess.Popen[bytes]:
        return self._workers[handle % len(self._workers)]


def serve(requests: IO[bytes], answers: IO[bytes]) -> None:
    """A worker's loop: rank every chunk read from ``requests`` and answer ``("ok", ranked)``,
    or ``("error", traceback)``; end quietly when the team draw closes the pipes."""
    while True:
        try:
            chunk = pickle.load(requests)
        except EOFError:
            return
        try:
            answer: tuple[str, object] = ("ok", rank_chunk(chunk))
        except Exception:  # noqa: BLE001 - sent to the team draw, which raises it there
            answer = ("error", traceback.format_exc())
        try:
            pickle.dump(answer, answers, protocol=pickle.HIGHEST_PROTOCOL)
            answers.flush()
        except BrokenPipeError:
            return


