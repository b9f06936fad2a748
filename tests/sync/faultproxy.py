"""A fault-injecting HTTP proxy for sync tests: it sits between the desktop and the hub on
loopback and, per request, at random (seeded): resets the connection before forwarding,
delays, answers 503 or 429 with Retry-After itself, forwards and then drops the answer
(the hub has committed; the desktop never hears), forwards and cuts the answer short, or
passes it through. One request per connection (it asks both sides to close).

Each request is sorted by what it carries (`kind_of`: a read, a push of creates only, a
push with an update, a push with a delete), and the proxy counts, per kind, which fault it
met (`seen`) and how many answers reached the desktop whole (`delivered`). `script` gives
faults that the first requests of a kind meet for certain, before the random ones: a trial
that must see an update's answer lost after the hub committed it does not leave that to
chance. `on_answer`, when set, is asked after the hub has answered and before the answer goes
on (with the request's kind and first line); True drops the answer, as when the desktop
was killed at that moment (the SIGKILL trial kills it there)."""

from __future__ import annotations

import asyncio
import gzip
import random
import re
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

FAULTS = ("reset", "delay", "503", "429", "drop_after_commit", "truncate")
_DELETE = re.compile(rb'"method"\s*:\s*"DELETE"')
_IF_MATCH = re.compile(rb'"ifMatch"\s*:|^if-match:', re.IGNORECASE | re.MULTILINE)


def kind_of(request: bytes) -> str:
    """"read" (GET), "delete" (a DELETE, alone or in a Bundle), "update" (a PUT with If-Match,
    alone or in a Bundle) or "create" (any other write). A Bundle with both is a "delete"."""
    method = request.split(b" ", 1)[0].upper()
    if method == b"GET":
        return "read"
    head, _, body = request.partition(b"\r\n\r\n")
    if re.search(rb"^content-encoding:\s*gzip", head, re.IGNORECASE | re.MULTILINE) and body:
        try:  # a compressed push (issue 18): read what it carries, as the hub will
            request = head + b"\r\n\r\n" + gzip.decompress(body)
        except (OSError, EOFError):
            pass
    if method == b"DELETE" or _DELETE.search(request):
        return "delete"
    if _IF_MATCH.search(request):
        return "update"
    return "create"


@dataclass
class FaultProxy:
    target: str  # the hub's base URL, http://127.0.0.1:PORT/fhir
    rate: float = 0.3
    seed: int = 1
    faults: tuple[str, ...] = FAULTS
    delay: tuple[float, float] = (0.01, 0.15)  # seconds, for the "delay" fault
    script: dict[str, list[str]] = field(default_factory=dict)  # kind -> faults its first requests meet
    counts: Counter[str] = field(default_factory=Counter)  # fault -> requests
    seen: Counter[tuple[str, str]] = field(default_factory=Counter)  # (kind, fault) -> requests
    delivered: Counter[str] = field(default_factory=Counter)  # kind -> answers passed on whole
    on_answer: Callable[[str, bytes], bool] | None = None  # (kind, request line) -> drop the answer?

    def __post_init__(self) -> None:
        parts = urlsplit(self.target)
        self._host, self._port, self._path = parts.hostname or "127.0.0.1", parts.port or 80, parts.path
        self._rng = random.Random(self.seed)
        self._script = {kind: list(faults) for kind, faults in self.script.items()}
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="fault-proxy")
        self._thread.start()
        self._ready.wait(10)

    def retarget(self, target: str) -> None:
        """Forward to another hub from now on (the proxy keeps its own address)."""
        parts = urlsplit(target)
        self._host, self._port = parts.hostname or "127.0.0.1", parts.port or 80

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self._path}"

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self._server = server
        self._ready.set()
        self._loop.run_forever()

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._server.close)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    async def _read_request(self, reader: asyncio.StreamReader) -> bytes | None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = 0
        lines = head.split(b"\r\n")
        kept = [lines[0]]
        for line in lines[1:]:
            name = line.split(b":", 1)[0].strip().lower()
            if name == b"content-length":
                length = int(line.split(b":", 1)[1])
            if name in (b"connection", b"keep-alive") or not line:
                continue
            kept.append(line)
        kept.append(b"Connection: close")
        body = await reader.readexactly(length) if length else b""
        return b"\r\n".join(kept) + b"\r\n\r\n" + body

    def _choose(self, kind: str) -> str:
        scripted = self._script.get(kind)
        if scripted:
            return scripted.pop(0)
        return self._rng.choice(self.faults) if self._rng.random() < self.rate else "pass"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await self._read_request(reader)
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            writer.close()
            return
        assert request is not None
        kind = kind_of(request)
        fault = self._choose(kind)
        self.counts[fault] += 1
        self.seen[(kind, fault)] += 1
        try:
            if fault == "reset":
                writer.transport.abort()
                return
            if fault in ("503", "429"):
                extra = b"Retry-After: 0\r\n" if fault == "429" else b""
                writer.write(b"HTTP/1.1 " + fault.encode() + b" Busy\r\nContent-Length: 0\r\n" + extra
                             + b"Connection: close\r\n\r\n")
                await writer.drain()
                writer.close()
                return
            if fault == "delay":
                await asyncio.sleep(self._rng.uniform(*self.delay))
            up_reader, up_writer = await asyncio.open_connection(self._host, self._port)
            up_writer.write(request)
            await up_writer.drain()
            response = await up_reader.read()  # until the hub closes: the whole answer
            up_writer.close()
            if self.on_answer is not None and self.on_answer(kind, request.split(b"\r\n", 1)[0]):
                writer.transport.abort()
                return
            if fault == "drop_after_commit":
                writer.transport.abort()
                return
            if fault == "truncate":
                writer.write(response[: max(1, len(response) // 2)])
                await writer.drain()
                writer.transport.abort()
                return
            writer.write(response)
            await writer.drain()
            writer.close()
            self.delivered[kind] += 1
        except (ConnectionError, asyncio.IncompleteReadError):
            writer.transport.abort()
