"""A link-shaping TCP proxy for benchmarks: it sits between the desktop and the hub on
loopback and forwards the bytes of each connection as a slow, distant link would carry them
(issue 18: 1 Mbit/s down, 384 kbit/s up, 300 ms round trip), counting what passes.

    proxy = ThrottleProxy("http://127.0.0.1:8123/fhir", **THREE_G).start()
    ... init a desktop with --hub-url proxy.url, sync it ...
    stats = proxy.between(t0, t1)  # bytes each way, requests, connections in a window
    proxy.stop()

With no delay and no cap (`ThrottleProxy(target)`) it only counts: the loopback run of a
benchmark goes through the same code and is measured the same way.

How the link is modelled (each direction on its own, shared by all connections, as one
radio link would be):
- Bandwidth: a chunk read from one side is cut into segments of `segment` bytes; each
  segment occupies the direction's link for size*8/bandwidth seconds, starting when it
  arrived or when the link is free of the segments before it (FIFO, whichever connection
  sent them): finish = max(arrival, link free) + size*8/bw.
- Delay: a segment is handed to the other side at finish + rtt/2. Segments in flight do not
  wait for each other's delay (a delay line), so a long answer costs one rtt/2 plus its
  serialization time, not one delay per chunk.
- A new connection costs one round trip before its first byte moves (the TCP handshake;
  the proxy reads nothing from a fresh connection for `rtt` seconds). No TLS here.
- Each connection buffers at most `buffer` bytes per direction inside the "link"; past that
  the proxy stops reading that side, so TCP flow control pushes back on the sender.
Not modelled: TCP/IP header bytes (about 3% at 1460-byte segments), ACK traffic on the
reverse link, slow start and loss. Bytes counted are the TCP payload each way: HTTP request
and status lines, headers and bodies exactly as sent (compressed where they were).

Requests are counted by reading the client's byte stream as HTTP/1.1 (request line, headers,
a body by Content-Length or chunked); a connection whose stream cannot be read that way is
counted in `unparsed` and its requests after that point are missed (the count is then a
lower bound)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from urllib.parse import urlsplit

THREE_G = {"down_bps": 1_000_000, "up_bps": 384_000, "rtt": 0.300}
LINKS: dict[str, dict[str, float]] = {"loopback": {}, "3g": THREE_G}


def transfer_floor(bytes_up: int, bytes_down: int, *, up_bps: float = THREE_G["up_bps"],
                   down_bps: float = THREE_G["down_bps"]) -> float:
    """Seconds the bytes alone need on the link (no round trips)."""
    return bytes_up * 8 / up_bps + bytes_down * 8 / down_bps


@dataclass
class WindowStats:
    bytes_up: int = 0  # client -> hub, delivered to the hub
    bytes_down: int = 0  # hub -> client, delivered to the client
    requests: int = 0
    connections: int = 0
    methods: dict[str, int] = field(default_factory=dict)


class _Direction:
    """One direction of the link: its serialization schedule, shared by all connections."""

    def __init__(self, bps: float | None, delay: float) -> None:
        self.bps = bps
        self.delay = delay
        self.free_at = 0.0  # loop time when the last booked segment has left

    def book(self, size: int, arrival: float) -> float:
        """When a segment of `size` bytes arriving now reaches the other end."""
        if not self.bps:
            return arrival + self.delay
        start = max(arrival, self.free_at)
        self.free_at = start + size * 8 / self.bps
        return self.free_at + self.delay


class _RequestCounter:
    """Reads a client's byte stream as HTTP/1.1 requests and reports each request line."""

    def __init__(self, on_request) -> None:  # type: ignore[no-untyped-def]
        self._on_request = on_request
        self._buf = b""
        self._state = "head"  # head | body | chunk-size | chunk-data | chunk-end | trailers
        self._left = 0
        self.broken = False

    def feed(self, data: bytes) -> None:
        if self.broken:
            return
        try:
            self._feed(data)
        except (ValueError, IndexError):
            self.broken = True
            self._buf = b""

    def _feed(self, data: bytes) -> None:
        buf = self._buf + data
        pos = 0
        while True:
            if self._state in ("body", "chunk-data"):
                take = min(self._left, len(buf) - pos)
                pos += take
                self._left -= take
                if self._left:
                    break
                self._state = "head" if self._state == "body" else "chunk-end"
                continue
            if self._state == "head":
                while buf.startswith(b"\r\n", pos):  # stray CRLF between requests (RFC 9112 2.2)
                    pos += 2
                end = buf.find(b"\r\n\r\n", pos)
                if end < 0:
                    if len(buf) - pos > 1 << 20:
                        raise ValueError("no end to a request head")
                    break
                lines = buf[pos:end].split(b"\r\n")
                method, target, version = lines[0].split(b" ")
                if not version.startswith(b"HTTP/1."):
                    raise ValueError("not HTTP/1.x")
                self._on_request(method.decode("ascii", "replace"), target.decode("ascii", "replace"))
                length, chunked = 0, False
                for line in lines[1:]:
                    name, _, value = line.partition(b":")
                    name = name.strip().lower()
                    if name == b"content-length":
                        length = int(value.strip())
                    elif name == b"transfer-encoding" and b"chunked" in value.lower():
                        chunked = True
                pos = end + 4
                if chunked:
                    self._state = "chunk-size"
                elif length:
                    self._state, self._left = "body", length
                continue
            if self._state == "chunk-size":
                end = buf.find(b"\r\n", pos)
                if end < 0:
                    break
                size = int(buf[pos:end].split(b";")[0].strip(), 16)
                pos = end + 2
                if size:
                    self._state, self._left = "chunk-data", size
                else:
                    self._state = "trailers"
                continue
            if self._state == "chunk-end":
                if len(buf) - pos < 2:
                    break
                if buf[pos:pos + 2] != b"\r\n":
                    raise ValueError("chunk not followed by CRLF")
                pos += 2
                self._state = "chunk-size"
                continue
            if self._state == "trailers":
                end = buf.find(b"\r\n", pos)
                if end < 0:
                    break
                self._state = "head" if end == pos else "trailers"
                pos = end + 2
                continue
        self._buf = buf[pos:]


class ThrottleProxy:
    """A TCP proxy on 127.0.0.1 (its own thread and event loop) in front of `target`."""

    def __init__(self, target: str, *, down_bps: float | None = None, up_bps: float | None = None,
                 rtt: float = 0.0, segment: int = 1460, buffer: int = 256 * 1024,
                 handshake: bool = True) -> None:
        parts = urlsplit(target)
        self._host, self._port, self._path = parts.hostname or "127.0.0.1", parts.port or 80, parts.path
        self.rtt = rtt
        self.segment = segment
        self.buffer = buffer
        self.handshake = handshake and rtt > 0
        self.shaped = bool(down_bps or up_bps or rtt)
        self._up = _Direction(up_bps, rtt / 2)
        self._down = _Direction(down_bps, rtt / 2)
        # (wall time, bytes) as delivered; (wall time, method) as read; wall times of accepts
        self.up_log: list[tuple[float, int]] = []
        self.down_log: list[tuple[float, int]] = []
        self.request_log: list[tuple[float, str, str]] = []
        self.connect_log: list[float] = []
        self.unparsed = 0  # connections whose requests could not all be read
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self._tasks: set[asyncio.Task] = set()

    # -- life ----------------------------------------------------------------------------

    def start(self) -> ThrottleProxy:
        self._thread = threading.Thread(target=self._run, daemon=True, name="throttle-proxy")
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the throttle proxy did not start")
        return self

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", 0))
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()
        self._loop.close()

    def stop(self) -> None:
        async def _shutdown() -> None:
            self._server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.sleep(0)
            self._loop.stop()

        if self._thread is None:
            return
        asyncio.run_coroutine_threadsafe(_shutdown(), self._loop)
        self._thread.join(10)
        self._thread = None

    def __enter__(self) -> ThrottleProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self._path}"

    # -- counts --------------------------------------------------------------------------

    @property
    def bytes_up(self) -> int:
        return sum(n for _, n in list(self.up_log))

    @property
    def bytes_down(self) -> int:
        return sum(n for _, n in list(self.down_log))

    @property
    def requests(self) -> int:
        return len(self.request_log)

    @property
    def connections(self) -> int:
        return len(self.connect_log)

    def between(self, start: float, end: float) -> WindowStats:
        """What moved in a window of wall-clock time (time.time(), so a child process's
        times can be used): bytes delivered, requests read, connections opened."""
        stats = WindowStats()
        stats.bytes_up = sum(n for t, n in list(self.up_log) if start <= t <= end)
        stats.bytes_down = sum(n for t, n in list(self.down_log) if start <= t <= end)
        for t, method, _target in list(self.request_log):
            if start <= t <= end:
                stats.requests += 1
                stats.methods[method] = stats.methods.get(method, 0) + 1
        stats.connections = sum(1 for t in list(self.connect_log) if start <= t <= end)
        return stats

    # -- forwarding ----------------------------------------------------------------------

    async def _handle(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self.connect_log.append(time.time())
        hub_w: asyncio.StreamWriter | None = None
        try:
            if self.handshake:
                await asyncio.sleep(self.rtt)  # SYN, SYN-ACK: nothing moves for one round trip
            hub_r, hub_w = await asyncio.open_connection(self._host, self._port)
            counter = _RequestCounter(lambda m, target: self.request_log.append((time.time(), m, target)))
            up = asyncio.ensure_future(self._pump(client_r, hub_w, self._up, self.up_log, counter))
            down = asyncio.ensure_future(self._pump(hub_r, client_w, self._down, self.down_log, None))
            done, pending = await asyncio.wait({up, down}, return_when=asyncio.FIRST_EXCEPTION)
            for t in pending:  # one side failed: the other goes too
                t.cancel()
            for t in done:
                if not t.cancelled():
                    t.exception()  # retrieved: a reset is an ordinary end here
            if counter.broken:
                self.unparsed += 1
        except (ConnectionError, OSError, asyncio.CancelledError):
            pass
        finally:
            for w in (client_w, hub_w):
                if w is not None:
                    w.close()
            self._tasks.discard(task)

    async def _pump(self, src: asyncio.StreamReader, dst: asyncio.StreamWriter, link: _Direction,
                    log: list[tuple[float, int]], counter: _RequestCounter | None) -> None:
        """Read one side, deliver to the other on the link's schedule; half-close at the end."""
        loop = asyncio.get_running_loop()
        if not self.shaped:  # counting only: straight through
            while data := await src.read(65536):
                if counter is not None:
                    counter.feed(data)
                dst.write(data)
                await dst.drain()
                log.append((time.time(), len(data)))
            if dst.can_write_eof():
                dst.write_eof()
            return
        queue: deque[tuple[float, bytes]] = deque()  # (release at, segment)
        queued = [0]
        wake = asyncio.Event()  # something queued, or the end
        room = asyncio.Event()  # the buffer has room again
        room.set()
        ended = [False]

        async def deliver() -> None:
            try:
                await _deliver()
            finally:  # done or failed: the reader must not wait for room any longer
                room.set()

        async def _deliver() -> None:
            while True:
                if not queue:
                    if ended[0]:
                        return
                    wake.clear()
                    await wake.wait()
                    continue
                release = queue[0][0]
                now = loop.time()
                if release > now:
                    await asyncio.sleep(release - now)
                    now = loop.time()
                out = []
                while queue and queue[0][0] <= now:  # everything due goes in one write
                    out.append(queue.popleft()[1])
                data = b"".join(out)
                dst.write(data)
                await dst.drain()
                log.append((time.time(), len(data)))
                queued[0] -= len(data)
                if queued[0] <= self.buffer:
                    room.set()

        deliverer = asyncio.ensure_future(deliver())
        try:
            while True:
                await room.wait()
                if deliverer.done():
                    deliverer.result()  # the other side failed: raise its error here
                    return
                data = await src.read(65536)
                if not data:
                    break
                if counter is not None:
                    counter.feed(data)
                arrival = loop.time()
                for i in range(0, len(data), self.segment):
                    piece = data[i:i + self.segment]
                    queue.append((link.book(len(piece), arrival), piece))
                queued[0] += len(data)
                if queued[0] > self.buffer:
                    room.clear()
                wake.set()
            ended[0] = True
            wake.set()
            await deliverer
            if dst.can_write_eof():
                dst.write_eof()
        finally:
            deliverer.cancel()
