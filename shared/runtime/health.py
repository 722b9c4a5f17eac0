"""A tiny HTTP server for /metrics, /healthz and /readyz.

Plain asyncio rather than uvicorn: uvicorn's `serve()` captures SIGINT/SIGTERM, which would take
Ctrl-C away from the launcher (and from FastStream's own shutdown when run by `faststream run`).

- /metrics: Prometheus text format of the process's default registry;
- /healthz: 200 while the process runs its event loop (liveness);
- /readyz: 200 when every readiness check passes, else 503 with one failure per line.

Settings read: http_host, http_port (0 → a free port).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from shared.runtime.loopserver import LoopServer

ReadyCheck = Callable[[], Awaitable[list[str]]]  # returns failures; [] means ready


def _response(status: str, body: bytes, content_type: str = "text/plain; charset=utf-8") -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + body


class HealthServer(LoopServer):
    def __init__(self, ready: ReadyCheck, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(host, port)
        self._ready = ready

    async def respond(self, path: str) -> bytes:
        if path == "/metrics":
            # Rendering grows with the portal registry (bench/bench_metrics.py: ~1 s at 5000
            # portals): off the event loop, so scrapes never stall handlers and heartbeats.
            body = await asyncio.to_thread(generate_latest)
            return _response("200 OK", body, CONTENT_TYPE_LATEST)
        if path == "/healthz":
            return _response("200 OK", b"ok\n")
        if path == "/readyz":
            try:
                failures = await asyncio.wait_for(self._ready(), 5)
            except Exception as exc:  # noqa: BLE001 - any failure means not ready
                failures = [f"readiness check failed: {type(exc).__name__}: {exc}"]
            if failures:
                return _response("503 Service Unavailable", ("\n".join(failures) + "\n").encode())
            return _response("200 OK", b"ready\n")
        return _response("404 Not Found", b"not found\n")

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            parts = request.split(b" ", 2)
            path = parts[1].decode("latin-1").split("?", 1)[0] if len(parts) > 1 else "/"
            writer.write(await self.respond(path))
            await writer.drain()
        except (TimeoutError, asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
