"""Running the sandbox hub: as a foreground server (`clinic-app hub serve`) or on a
background thread (training mode and integration tests), always a real uvicorn HTTP
server on a real socket.

Port 0 picks a free port; the chosen base URL is printed (serve) or returned (thread).
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn

from clinic_app.hub.app import build_app
from clinic_app.hub.auth import Authority
from clinic_app.hub.engine import Admin, Engine, Limits
from clinic_app.hub.storage import HubStore

log = logging.getLogger(__name__)

HUB_DB = "hub.sqlite"


ADMIN_TOKEN_FILE = "admin-token"
CURSOR_KEY_FILE = "cursor-key"  # seals paging cursors (they survive a restart of the hub)


@dataclass(frozen=True)
class Tls:
    """A certificate and its encrypted key (files), and the key's password: served as https."""

    certfile: str
    keyfile: str
    password: str


@dataclass
class Hub:
    """Everything one hub folder serves: engine, token authority, admin token."""

    engine: Engine
    authority: Authority
    admin_token: str
    auto_approve_seconds: float | None = None
    public_url: str = ""  # where clients reach it (its tokens' audience); set once it listens
    tls: Tls | None = None
    actions: dict[str, Any] | None = None  # admin actions (the relay's sync now, status)
    unit_actions: dict[str, Any] | None = None  # for the unit's desktops (the relay's account exchange)

    @property
    def admin(self) -> Admin:
        return Admin(self.engine)

    def app(self) -> Any:
        return build_app(self.engine, self.authority, admin_token=self.admin_token,
                         auto_approve_seconds=self.auto_approve_seconds, public_url=self.public_url,
                         actions=self.actions, unit_actions=self.unit_actions)

    def close(self) -> None:
        self.engine.store.close()


def admin_token_of(data_dir: Path) -> str:
    """The hub folder's admin token, made on first use (readable by its owner only)."""
    return secret_file(data_dir, ADMIN_TOKEN_FILE, lambda: secrets.token_urlsafe(32))


def secret_file(data_dir: Path, name: str, make: Any) -> str:
    """A secret kept in the hub folder (readable by its owner only), made on first use."""
    path = data_dir / name
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(make())
    return path.read_text().strip()


def open_hub(data_dir: Path, *, limits: Limits | None = None, auth: bool = True,
             auto_approve_seconds: float | None = None, conformance: bool = False,
             store_key: bytes | None = None) -> Hub:
    """`conformance`: refuse writes that break a SIL-TH rule (422 naming the rule).
    `store_key`: keep the hub's records encrypted under it (the training hub)."""
    cursor_key = bytes.fromhex(secret_file(data_dir, CURSOR_KEY_FILE, lambda: secrets.token_hex(32)))
    engine = Engine(HubStore(data_dir / HUB_DB, key=store_key), limits=limits, cursor_key=cursor_key,
                    conformance=conformance)
    authority = Authority(engine.store, required=auth, on_break_glass=Admin(engine).record_break_glass)
    return Hub(engine, authority, admin_token_of(data_dir), auto_approve_seconds)


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Replies go out as a header write and a body write: without TCP_NODELAY the second
    # waits for the client's delayed ACK (40 ms a request on loopback). Accepted sockets
    # inherit it from the listening one.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def _url(host: str, sock: socket.socket, *, scheme: str = "http") -> str:
    port = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    return f"{scheme}://{shown}:{port}/fhir"


def _config(hub: Hub) -> uvicorn.Config:
    tls = {} if hub.tls is None else {"ssl_certfile": hub.tls.certfile, "ssl_keyfile": hub.tls.keyfile,
                                      "ssl_keyfile_password": hub.tls.password}
    return uvicorn.Config(hub.app(), log_level="warning", access_log=False, lifespan="off",
                          timeout_graceful_shutdown=2, **tls)


def listen(hub: Hub, host: str, port: int) -> tuple[socket.socket, str]:
    """Bind the hub's socket; its FHIR base URL (https with TLS) is then its public URL."""
    sock = _bind(host, port)
    hub.public_url = _url(host, sock, scheme="https" if hub.tls else "http")
    return sock, hub.public_url


def run_until_stopped(hub: Hub, sock: socket.socket) -> None:
    """Serve on the bound socket until interrupted (Ctrl+C, SIGTERM)."""
    uvicorn.Server(_config(hub)).run(sockets=[sock])


def serve(data_dir: Path, *, host: str = "127.0.0.1", port: int = 8765, limits: Limits | None = None,
          auth: bool = True, auto_approve_seconds: float | None = None, public_url: str | None = None,
          conformance: bool = True) -> int:
    """Serve until interrupted; prints the base URL once the socket listens. `public_url`
    (the FHIR base clients use, for a hub reached by another name than it binds to) sets
    the token endpoint every client assertion must name as its audience. `conformance`
    (on unless asked otherwise) refuses writes that break a SIL-TH rule."""
    hub = open_hub(data_dir, limits=limits, auth=auth, auto_approve_seconds=auto_approve_seconds,
                   conformance=conformance)
    sock = _bind(host, port)
    hub.public_url = (public_url or _url(host, sock)).rstrip("/")
    server = uvicorn.Server(_config(hub))
    print(hub.public_url, flush=True)
    try:
        server.run(sockets=[sock])
    finally:
        hub.close()
    return 0


@dataclass
class RunningHub:
    url: str
    hub: Hub
    server: uvicorn.Server
    thread: threading.Thread

    @property
    def engine(self) -> Engine:
        return self.hub.engine

    @property
    def token_url(self) -> str:
        return self.url.rsplit("/fhir", 1)[0] + "/auth/token"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.hub.close()


def start_in_thread(data_dir: Path, *, host: str = "127.0.0.1", port: int = 0,
                    limits: Limits | None = None, auth: bool = False,
                    auto_approve_seconds: float | None = None, conformance: bool = False,
                    store_key: bytes | None = None) -> RunningHub:
    """Start a hub on a background thread and return once it accepts connections.
    `conformance` is off by default here (tests post hand-made resources); on, writes that
    break a SIL-TH rule are refused with 422 naming the rule."""
    hub = open_hub(data_dir, limits=limits, auth=auth, auto_approve_seconds=auto_approve_seconds,
                   conformance=conformance, store_key=store_key)
    sock, url = listen(hub, host, port)
    server, thread = serve_in_thread(hub, sock, name="sandbox-hub")
    return RunningHub(url, hub, server, thread)


def serve_in_thread(hub: Hub, sock: socket.socket, *, name: str) -> tuple[uvicorn.Server, threading.Thread]:
    """Serve on a background thread; returns once it accepts connections (stop: set the
    server's `should_exit` and join the thread)."""
    server = uvicorn.Server(_config(hub))
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]

    def run() -> None:
        asyncio.run(server.serve(sockets=[sock]))

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    for _ in range(500):
        if server.started:
            break
        if not thread.is_alive():
            raise RuntimeError(f"{name} did not start")
        threading.Event().wait(0.01)
    else:
        raise RuntimeError(f"{name} did not start in time")
    return server, thread

