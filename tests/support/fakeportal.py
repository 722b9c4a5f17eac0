"""A misbehaving government portal on loopback, with an access log, for the fetcher tests.

Real HTTP (ThreadingHTTPServer, HTTP/1.1 keep-alive) so the crawler's httpx client, deadlines,
caps and redirect handling are exercised over a socket. Each path maps to a `Reply` (or a function
of the request returning one): status, headers, body, optional ETag / Last-Modified validation
(answers 304), trickling (one byte every `trickle` seconds), chunked bodies without a
Content-Length, or a `Reply` sequence (first request gets the first, …). Every request is logged
with its arrival time (`time.monotonic()`), path, headers and status.
"""

from __future__ import annotations

import socket
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "text/html; charset=utf-8"
    etag: str | None = None  # serve it and honour If-None-Match
    last_modified: str | None = None  # serve it and honour If-Modified-Since (exact match)
    trickle: float | None = None  # seconds between single bytes of the body
    chunked: bool = False  # no Content-Length: chunked transfer encoding


@dataclass
class Hit:
    at: float  # time.monotonic() on arrival
    path: str
    headers: dict[str, str]
    status: int = 0
    method: str = "GET"
    body: bytes = b""  # of a POST


Route = Reply | list[Reply] | Callable[["Hit"], Reply]


class FakePortal:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.routes: dict[str, Route] = {}
        self.log: list[Hit] = []
        self._served: dict[str, int] = {}
        self._stop = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -----------------------------------------------------------------------------
    def start(self) -> FakePortal:
        portal = self

        class Handler(_Handler):
            owner = portal

        self._server = ThreadingHTTPServer((self.host, 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> FakePortal:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # --- content -------------------------------------------------------------------------------
    def add(self, path: str, route: Route) -> str:
        self.routes[path] = route
        return self.url + path

    def hits(self, path: str | None = None) -> list[Hit]:
        return [h for h in list(self.log) if path is None or h.path == path]

    def paths(self) -> list[str]:
        return [h.path for h in list(self.log)]

    def reply_for(self, hit: Hit) -> Reply:
        route = self.routes.get(hit.path)
        if route is None:
            return Reply(404, b"<html>not found</html>")
        if callable(route):
            return route(hit)
        if isinstance(route, list):
            n = self._served.get(hit.path, 0)
            self._served[hit.path] = n + 1
            return route[min(n, len(route) - 1)]
        return route


class _Handler(BaseHTTPRequestHandler):
    owner: FakePortal
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # headers and body go out in separate writes: without NODELAY, Nagle + delayed ACK
        # would add ~40 ms to every response and make any timing figure meaningless
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        """Answered as a GET of the path; the hit keeps the method and the body."""
        length = self.headers.get("Content-Length", "0")
        self.do_GET(self.rfile.read(int(length)) if length.isdigit() else b"")

    def do_GET(self, body: bytes = b"") -> None:  # noqa: N802 - http.server's naming
        hit = Hit(
            time.monotonic(),
            self.path.split("?", 1)[0],
            {k.lower(): v for k, v in self.headers.items()},
            method=self.command,
            body=body,
        )
        self.owner.log.append(hit)
        reply = self.owner.reply_for(hit)
        status = reply.status
        if reply.etag and hit.headers.get("if-none-match") == reply.etag:
            status = 304
        elif (
            reply.last_modified
            and not reply.etag
            and hit.headers.get("if-modified-since") == reply.last_modified
        ):
            status = 304
        hit.status = status
        self.send_response(status)
        self.send_header("Content-Type", reply.content_type)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if reply.etag:
            self.send_header("ETag", reply.etag)
        if reply.last_modified:
            self.send_header("Last-Modified", reply.last_modified)
        body = b"" if status == 304 else reply.body
        try:
            if reply.chunked:
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for i in range(0, len(body), 65536):
                    part = body[i : i + 65536]
                    self.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
                self.wfile.write(b"0\r\n\r\n")
                return
            if "Content-Length" not in reply.headers:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if reply.trickle is None:
                self.wfile.write(body)
                return
            for i in range(len(body)):
                if self.owner._stop.wait(reply.trickle):
                    return
                self.wfile.write(body[i : i + 1])
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


def gzip_bomb(decoded_size: int) -> bytes:
    """A gzip stream of `decoded_size` zero bytes, built in chunks (never held decoded)."""
    comp = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    chunk = bytes(1 << 20)
    parts = [comp.compress(chunk) for _ in range(decoded_size // len(chunk))]
    parts.append(comp.flush())
    return b"".join(parts)


def list_page(
    links: list[tuple[str, str]],
    *,
    count_page: int | None = None,
    next_href: str | None = None,
    charset: str = "utf-8",
) -> bytes:
    """A TRS-like 年报 list page with the given (href, title) links, encoded in `charset`."""
    items = "".join(
        f'<li><a href="{href}" target="_blank">{title}</a><span>2022-01-28</span></li>'
        for href, title in links
    )
    script = f"<script>var countPage = {count_page};</script>" if count_page else ""
    nav = f'<a href="{next_href}">下一页</a>' if next_href else ""
    html = (
        f'<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}"><title>政府信息公开年报</title></head>'
        f'<body><div class="nav"><a href="/">首页</a><a href="/zwgk/zfxxgk/zfxxgknb/">政府信息公开年报</a></div>'
        f"<ul>{items}</ul>{nav}{script}</body></html>"
    )
    return html.encode(charset)


def article(title: str, body_html: str, *, charset: str = "utf-8") -> bytes:
    html = (
        f'<html><head><meta charset="{charset}"><meta name="ArticleTitle" content="{title}"><title>{title}</title></head>'
        f'<body><h1>{title}</h1><div class="trs_editor_view">{body_html}</div></body></html>'
    )
    return html.encode(charset)
