"""Running the sandbox hub: as a foreground server (`clinic-app hub serve`) or on a
background thread (training mode and integration tests), always a real uvicorn HTTP
server on a real socket.

Port 0 picks a free port; the chosen base URL is printed (serve) or returned (thread).
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from clinic_app.hub.app import build_app
from clinic_app.hub.engine import Engine, Limits
from clinic_app.hub.storage import HubStore

log = logging.getLogger(__name__)

HUB_DB = "hub.sqlite"


def open_engine(data_dir: Path, *, limits: Limits | None = None) -> Engine:
    return Engine(HubStore(data_dir / HUB_DB), limits=limits)


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def _url(host: str, sock: socket.socket) -> str:
    port = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/fhir"


def _config(engine: Engine) -> uvicorn.Config:
    return uvicorn.Config(build_app(engine), log_level="warning", access_log=False, lifespan="off",
                          timeout_graceful_shutdown=2)


def serve(data_dir: Path, *, host: str = "127.0.0.1", port: int = 8765, limits: Limits | None = None) -> int:
    """Serve until interrupted; prints the base URL once the socket listens."""
    engine = open_engine(data_dir, limits=limits)
    sock = _bind(host, port)
    server = uvicorn.Server(_config(engine))
    print(_url(host, sock), flush=True)
    try:
        server.run(sockets=[sock])
    finally:
        engine.store.close()
    return 0


@dataclass
class RunningHub:
    url: str
    engine: Engine
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.engine.store.close()


def start_in_thread(data_dir: Path, *, host: str = "127.0.0.1", port: int = 0,
                    limits: Limits | None = None) -> RunningHub:
    """Start a hub on a background thread and return once it accepts connections."""
    engine = open_engine(data_dir, limits=limits)
    sock = _bind(host, port)
    server = uvicorn.Server(_config(engine))
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]

    def run() -> None:
        asyncio.run(server.serve(sockets=[sock]))

    thread = threading.Thread(target=run, name="sandbox-hub", daemon=True)
    thread.start()
    for _ in range(500):
        if server.started:
            break
        if not thread.is_alive():
            raise RuntimeError("the sandbox hub did not start")
        threading.Event().wait(0.01)
    else:
        raise RuntimeError("the sandbox hub did not start in time")
    return RunningHub(_url(host, sock), engine, server, thread)

