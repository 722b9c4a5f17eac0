"""A TCP proxy on loopback in front of a store server, to inject outages without losing the
server's state (moto keeps objects only in memory, so stopping it would lose them).

- `down()`: stop listening and cut every open connection (clients see refused/reset);
- `up()`: listen again on the same port;
- `stall()` / `unstall()`: keep connections open but forward nothing until unstalled, so a
  store call blocks *inside* the handler that made it (a slow or hung object store).
"""

from __future__ import annotations

import asyncio
import contextlib

from nianbao.embedded.natsd import free_port


class Proxy:
    def __init__(self, target: str) -> None:
        host, port = target.rsplit(":", 1)
        self.target = (host, int(port))
        self.port = free_port()
        self._server: asyncio.AbstractServer | None = None
        self._conns: set[asyncio.StreamWriter] = set()
        self._flowing = asyncio.Event()
        self._flowing.set()
        self.waiting = 0  # chunks held back by a stall
        self.connections = 0

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def up(self) -> Proxy:
        self._server = await asyncio.start_server(
            self._serve, "127.0.0.1", self.port, reuse_address=True
        )
        return self

    async def down(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)
            self._server = None
        for w in list(self._conns):
            w.transport.abort()
        self._conns.clear()

    def stall(self) -> None:
        self._flowing.clear()

    def unstall(self) -> None:
        self._flowing.set()

    async def close(self) -> None:
        self.unstall()
        await self.down()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            r2, w2 = await asyncio.wait_for(asyncio.open_connection(*self.target), 5)
        except (OSError, TimeoutError):
            writer.transport.abort()
            return
        self._conns |= {writer, w2}
        try:
            await asyncio.gather(self._pipe(reader, w2), self._pipe(r2, writer))
        finally:
            for w in (writer, w2):
                self._conns.discard(w)
                w.transport.abort()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                if not self._flowing.is_set():
                    self.waiting += 1
                    await self._flowing.wait()
                    self.waiting -= 1
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.write_eof()
