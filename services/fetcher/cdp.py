"""A headless Chromium on the DevTools protocol over a pipe (`--remote-debugging-pipe`).

The pipe keeps the protocol off the network: no DevTools port on loopback that another local
process could drive, no websocket library. Messages are JSON, each ended by a NUL byte; the
browser reads commands on its fd 3 and writes answers and events on its fd 4.

Chromium never reaches the network itself (see browser.py: every request is answered by the
fetcher's polite client): as a belt to those braces it runs with a proxy that does not exist
(`127.0.0.1:9`, loopback included) and a host resolver that resolves nothing, so a request that
escapes interception fails instead of leaving. Background networking (updates, sync, safe
browsing) is switched off. The sandbox is kept unless we run as root, where Chromium refuses it.

Reads no settings (the path is an argument).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import os
import shutil
import signal
import tempfile
import time
from collections.abc import Awaitable, Callable
from typing import Any

from shared.errors import TransientError

log = logging.getLogger("nianbao.fetcher.browser")

START_TIMEOUT_S = 30.0
CLOSE_TIMEOUT_S = 5.0
MAX_MESSAGE_BYTES = 256 * 1024 * 1024  # a fulfilled body travels base64 in one message
FLAGS = (
    "--headless",
    "--remote-debugging-pipe",
    "--proxy-server=127.0.0.1:9",  # the discard port: nothing listens, nothing leaves
    "--proxy-bypass-list=<-loopback>",  # loopback too goes to that proxy
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-sync",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-features=IsolateOrigins,site-per-process",  # frames stay in the intercepted page
    "--blink-settings=imagesEnabled=false",
    "--mute-audio",
    "--no-first-run",
    "--no-default-browser-check",
)

Handler = Callable[[str, dict[str, Any], str | None], Awaitable[None] | None]


class BrowserMissing(Exception):
    """No Chromium at the configured path."""


class BrowserFailed(TransientError):
    """Chromium did not start, died, or did not answer a command."""

    reason = "browser_failed"


def browser_path(configured: str) -> str | None:
    """The Chromium executable `configured` names (a path or a name on PATH); None if absent."""
    if not configured:
        return None
    return shutil.which(configured)


def command_line(
    executable: str, profile: str, *, root: bool, flags: tuple[str, ...] = FLAGS
) -> list[str]:
    """The browser's arguments (pure, so the flags that keep it off the network are testable)."""
    flags = (*flags, f"--user-data-dir={profile}")
    if root:
        flags = (*flags, "--no-sandbox")
    return [executable, *flags, "about:blank"]


def last_words(path: str, lines: int = 3) -> str:
    """The last error lines a browser wrote to its stderr (e.g. "No usable sandbox!"), joined."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()[-8192:]
    except OSError:
        return ""
    said = [ln.strip() for ln in text.splitlines() if ln.strip()]
    errors = [ln for ln in said if "ERROR" in ln or "FATAL" in ln] or said
    return " | ".join(errors[-lines:])[:1000]


class Chromium:
    """One browser process and its protocol connection; events go to `on_event`."""

    def __init__(self, executable: str, on_event: Handler):
        self.executable = executable
        self.on_event = on_event
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future] = {}
        self._pid = 0
        self._writer: asyncio.WriteTransport | None = None
        self._reader_task: asyncio.Task | None = None
        self._tasks: set[asyncio.Task] = set()
        self._profile = self._stderr = ""
        self._gone = False  # the browser closed its end of the pipe
        self.flags = FLAGS  # the tests take the network belt off once, to see it matters

    async def start(self) -> Chromium:
        self._profile = tempfile.mkdtemp(prefix="nianbao-chromium-")
        self._stderr = os.path.join(self._profile, "stderr.log")  # why it did not start, if so
        to_browser_r, to_browser_w = os.pipe()
        from_browser_r, from_browser_w = os.pipe()
        args = command_line(
            self.executable, self._profile, root=os.geteuid() == 0, flags=self.flags
        )
        # The browser wants the pipe on its fds 3 and 4: posix_spawn puts them there (subprocess
        # keeps passed descriptors at their numbers, and preexec_fn is not safe beside threads).
        try:
            self._pid = os.posix_spawn(  # noqa: ASYNC221 - returns once the child exists
                args[0],
                args,
                dict(os.environ),
                file_actions=[
                    (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                    (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
                    (os.POSIX_SPAWN_OPEN, 2, self._stderr, os.O_WRONLY | os.O_CREAT, 0o600),
                    (os.POSIX_SPAWN_DUP2, to_browser_r, 3),
                    (os.POSIX_SPAWN_DUP2, from_browser_w, 4),
                ],
                setsid=True,  # its own session: a signal to ours does not reach it half-way
            )
        except OSError as exc:
            for fd in (to_browser_r, to_browser_w, from_browser_r, from_browser_w):
                os.close(fd)
            raise BrowserFailed(f"{self.executable} cannot be started: {exc}") from None
        os.close(to_browser_r)  # the browser's ends
        os.close(from_browser_w)
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader(limit=MAX_MESSAGE_BYTES)
        await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(from_browser_r, "rb", 0)
        )
        self._writer, _ = await loop.connect_write_pipe(
            asyncio.Protocol, os.fdopen(to_browser_w, "wb", 0)
        )
        self._reader_task = asyncio.create_task(self._read(reader))
        try:
            await asyncio.wait_for(self.send("Browser.getVersion"), START_TIMEOUT_S)
        except (TimeoutError, BrowserFailed) as exc:
            said = last_words(self._stderr)
            await self.close()
            raise BrowserFailed(
                f"{self.executable} did not start ({type(exc).__name__}: {exc})"
                + (f"; it said: {said}" if said else "")
            ) from None
        return self

    async def send(
        self, method: str, params: dict[str, Any] | None = None, session: str | None = None
    ) -> dict[str, Any]:
        """One command; its result, or BrowserFailed with the protocol's error."""
        if self._writer is None or self._writer.is_closing() or self._gone:
            raise BrowserFailed(f"browser gone before {method}")
        msg_id = next(self._ids)
        message: dict[str, Any] = {"id": msg_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        future = asyncio.get_running_loop().create_future()
        self._waiting[msg_id] = future
        self._writer.write(json.dumps(message).encode() + b"\0")
        try:
            answer = await future
        finally:
            self._waiting.pop(msg_id, None)
        if "error" in answer:
            raise BrowserFailed(f"{method}: {answer['error'].get('message', answer['error'])}")
        return answer.get("result", {})

    async def _read(self, reader: asyncio.StreamReader) -> None:
        try:
            while True:
                raw = await reader.readuntil(b"\0")
                message = json.loads(raw[:-1])
                if "id" in message:
                    future = self._waiting.get(message["id"])
                    if future is not None and not future.done():
                        future.set_result(message)
                    continue
                result = self.on_event(
                    message.get("method", ""), message.get("params", {}), message.get("sessionId")
                )
                if result is not None:  # handlers that wait (fetching) run beside the reader
                    task = asyncio.ensure_future(result)
                    self._tasks.add(task)
                    task.add_done_callback(self._tasks.discard)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass
        finally:
            self._gone = True  # no answer will come to a command sent from now on
            for future in self._waiting.values():
                if not future.done():
                    future.set_exception(BrowserFailed("the browser closed its pipe"))

    async def close(self) -> None:
        """Ask the browser to close, kill it if it does not, and remove its profile."""
        for task in list(self._tasks):
            task.cancel()
        if self._writer is not None and not self._writer.is_closing():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.send("Browser.close"), CLOSE_TIMEOUT_S)
            self._writer.close()
        if self._pid:
            if not await _exited(self._pid, CLOSE_TIMEOUT_S):
                log.warning("chromium (pid %s) did not close: killed", self._pid)
                os.kill(self._pid, signal.SIGKILL)
                await _exited(self._pid, CLOSE_TIMEOUT_S)
            self._pid = 0
        if self._reader_task is not None:
            self._reader_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader_task
        if self._profile:
            await asyncio.to_thread(shutil.rmtree, self._profile, True)


async def _exited(pid: int, timeout_s: float) -> bool:
    """Reap `pid` within `timeout_s`; False while it still runs (it is ours: no child watcher)."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            done, _status = os.waitpid(pid, os.WNOHANG)  # noqa: ASYNC222 - WNOHANG: never waits
        except ChildProcessError:
            return True
        if done:
            return True
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(0.05)
