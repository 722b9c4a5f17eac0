"""Safe HTTP GET for untrusted portals: deadline, size and bomb caps, checked redirects, SSRF guard.

- The whole fetch (every redirect hop, headers and body) runs under `asyncio.timeout(deadline)`:
  httpx's read timeout is per read, so a server trickling one byte every few seconds would
  otherwise hold a slot forever (encode/httpx#1450).
- Size: `Content-Length` above the cap aborts before the body is read; the running total of
  raw and of decoded bytes is checked while streaming (never more than cap + one chunk in memory).
- Compression: we ask for `gzip, deflate` only and decode ourselves in bounded steps
  (`decompressobj.decompress(data, max_length)`), against the absolute cap and a ratio cap, so a
  gzip bomb is stopped after ~cap bytes of output, not after inflating it.
- Redirects are followed by hand (limit, loop detection) and every hop's host is resolved and
  refused when it is private, loopback, link-local, multicast or reserved — unless the host is
  listed in `Settings.allow_private_hosts` (the sample portal, tests): `host` allows every port
  of that host, `host:port` (`[v6]:port`) exactly one — `nianbao run` allows only its sample
  portal's, so a crawled page cannot redirect into another local service. The check is made
  again at connect time by the connection pool's network backend (`GuardedBackend`), which
  connects to the very address it checked — so a DNS answer that changes between the check and
  the connect (rebinding) cannot reach a private address either. TLS still verifies the name.

Reads settings: user_agent, allow_private_hosts, max_doc_bytes, fetch_deadline_s.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from shared import metrics
from shared.config import Settings
from shared.errors import DecompressionBomb, PermanentError, RedirectError, TooLarge, TransientError

REDIRECT_STATUSES = (301, 302, 303, 307, 308)
CHUNK = 64 * 1024


class FetchTimeout(TransientError):
    reason = "timeout"


class NetworkError(TransientError):
    reason = "network"


class ForbiddenAddress(PermanentError):
    """The URL resolves to a private/loopback/link-local address that is not allowed."""

    reason = "private_address"


def forbidden(host: str, port: int, address) -> ForbiddenAddress:
    """The refusal, worded so that whoever registered a local portal knows the one setting that
    lets the fetcher reach it (and that it is off on purpose: SSRF)."""
    shown = f"[{host}]" if ":" in host else host
    return ForbiddenAddress(
        f"{host} resolves to the {_address_class(address)} address {address}, which the fetcher"
        " refuses (SSRF guard) unless NIANBAO_ALLOW_PRIVATE_HOSTS (setting allow_private_hosts)"
        f" lists it, e.g. NIANBAO_ALLOW_PRIVATE_HOSTS={shown}:{port}"
    )


def _address_class(address) -> str:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    for name in ("loopback", "link_local", "multicast", "unspecified", "reserved", "private"):
        if getattr(address, f"is_{name}"):
            return name.replace("_", "-")
    return "non-public"


class UnsupportedEncoding(PermanentError):
    reason = "content_encoding"


@dataclass(frozen=True, slots=True)
class Limits:
    max_bytes: int
    deadline_s: float
    max_redirects: int = 10
    max_ratio: float = 200.0  # decoded / raw bytes, checked once decoded > ratio_floor
    ratio_floor: int = 1 << 20
    truncate: bool = False  # keep the first max_bytes instead of failing (robots.txt)


@dataclass(slots=True)
class Response:
    url: str  # final URL after redirects
    status: int
    headers: httpx.Headers
    body: bytes = b""
    elapsed: float = 0.0  # seconds, all hops
    redirects: list[str] = field(default_factory=list)  # URLs redirected from, in order
    truncated: bool = False

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")


HopCheck = Callable[[str], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Form:
    """The body of a POST a rendered page's script sends for its list (browser.py)."""

    body: bytes
    content_type: str = "application/x-www-form-urlencoded"


class HttpFetcher:
    """One shared httpx client; `get` never follows redirects or decodes behind our back."""

    def __init__(self, settings: Settings, *, client: httpx.AsyncClient | None = None):
        self.settings = settings
        self.allowed_hosts = AllowList(settings.allow_private_hosts)
        self.default_limits = Limits(settings.max_doc_bytes, settings.fetch_deadline_s)
        self.client = client or httpx.AsyncClient(
            transport=guarded_transport(self.allowed_hosts),
            follow_redirects=False,
            trust_env=False,  # a proxy from the environment would bypass the address checks
            timeout=httpx.Timeout(connect=10.0, read=30.0, write=10.0, pool=None),
            headers={"User-Agent": settings.user_agent, "Accept-Encoding": "gzip, deflate"},
        )

    async def close(self) -> None:
        await self.client.aclose()

    async def get(
        self,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        limits: Limits | None = None,
        before_hop: HopCheck | None = None,
        form: Form | None = None,
    ) -> Response:
        """GET `url` within the limits; returns any HTTP status (304, 429, 5xx included).

        Raises FetchTimeout / NetworkError (transient), TooLarge, DecompressionBomb, RedirectError,
        ForbiddenAddress, UnsupportedEncoding (permanent). `before_hop(url)` runs before each
        redirect hop (robots.txt of the new host). With `form` the request is that POST instead
        (a list request of a page rendered in the browser: browser.py); a 301/302/303 answer to
        it is followed with a GET, as browsers do.
        """
        limits = limits or self.default_limits
        started = time.monotonic()
        try:
            async with asyncio.timeout(limits.deadline_s):
                return await self._follow(url, headers or {}, limits, before_hop, started, form)
        except TimeoutError:
            raise FetchTimeout(
                f"no complete response within {limits.deadline_s:g}s: {url}"
            ) from None
        except httpx.InvalidURL as exc:
            raise PermanentError(f"invalid URL {url!r}: {exc}") from None
        except httpx.TransportError as exc:
            raise NetworkError(f"{type(exc).__name__} for {url}: {exc}") from None

    async def _follow(
        self,
        url: str,
        headers: dict[str, str],
        limits: Limits,
        before_hop: HopCheck | None,
        started: float,
        form: Form | None = None,
    ) -> Response:
        seen: list[str] = []
        while True:
            host_class = await self.check_address(url)
            method, content = ("POST", form.body) if form is not None else ("GET", None)
            sent = {**headers, "Content-Type": form.content_type} if form is not None else headers
            async with self.client.stream(method, url, headers=sent, content=content) as resp:
                metrics.HTTP_REQUESTS.labels(host_class, f"{resp.status_code // 100}xx").inc()
                location = resp.headers.get("location")
                if resp.status_code not in REDIRECT_STATUSES or not location:
                    # also for a 304 (empty): an unread response closes its connection
                    body, truncated = await self._read_body(resp, limits, url)
                    return Response(
                        url,
                        resp.status_code,
                        resp.headers,
                        body,
                        time.monotonic() - started,
                        seen,
                        truncated,
                    )
            seen.append(url)
            target = urljoin(url, location.strip())
            if urlsplit(target).scheme not in ("http", "https"):
                raise RedirectError(f"redirect to a non-http URL {target!r} from {url}")
            if target in seen:
                raise RedirectError(f"redirect loop at {target} after {len(seen)} hops")
            if len(seen) > limits.max_redirects:
                raise RedirectError(f"more than {limits.max_redirects} redirects from {seen[0]}")
            try:
                await self.check_address(target)
            except ForbiddenAddress as exc:
                raise RedirectError(f"redirect from {url} to a forbidden address: {exc}") from None
            if before_hop is not None:
                await before_hop(target)
            if form is not None and resp.status_code in (301, 302, 303):
                form = None  # the redirected request is a GET without the body
            url = target
            headers = {
                k: v
                for k, v in headers.items()
                if k.lower() not in ("if-none-match", "if-modified-since")
            }

    async def check_address(self, url: str) -> str:
        """'public' or 'allowed_private'; raises ForbiddenAddress otherwise (no connection made)."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if not host:
            raise PermanentError(f"URL without a host: {url!r}")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError as e:
            raise PermanentError(f"URL with a bad port: {url!r}") from e
        if self.allowed_hosts.allows(host, port):
            return "allowed_private"
        for address in await _resolve(host, port):
            if _is_private(address):
                raise forbidden(host, port, address)
        return "public"

    async def _read_body(
        self, resp: httpx.Response, limits: Limits, url: str
    ) -> tuple[bytes, bool]:
        declared = resp.headers.get("content-length")
        if (
            declared
            and declared.isdigit()
            and int(declared) > limits.max_bytes
            and not limits.truncate
        ):
            raise TooLarge(
                f"Content-Length {declared} exceeds the cap of {limits.max_bytes} bytes: {url}"
            )
        decoder = _decoder(resp.headers.get("content-encoding", ""), url)
        parts: list[bytes] = []
        raw_total = decoded_total = 0
        async for chunk in resp.aiter_raw(CHUNK):
            raw_total += len(chunk)
            metrics.FETCHED_BYTES.inc(len(chunk))
            if raw_total > limits.max_bytes and not limits.truncate:
                raise TooLarge(f"body exceeds the cap of {limits.max_bytes} bytes: {url}")
            data = chunk
            while data:
                budget = limits.max_bytes - decoded_total
                out = decoder.decompress(data, budget + 1) if decoder else data[: budget + 1]
                data = decoder.unconsumed_tail if decoder else b""
                decoded_total += len(out)
                parts.append(out)
                if decoded_total > limits.max_bytes:
                    if limits.truncate:
                        return b"".join(parts)[: limits.max_bytes], True
                    raise (DecompressionBomb if decoder else TooLarge)(
                        f"decoded body exceeds the cap of {limits.max_bytes} bytes: {url}"
                    )
                if (
                    decoder
                    and decoded_total > limits.ratio_floor
                    and decoded_total > limits.max_ratio * raw_total
                ):
                    raise DecompressionBomb(
                        f"compression ratio above {limits.max_ratio:g}:1: {url}"
                    )
        if decoder:
            parts.append(decoder.flush(max(1, limits.max_bytes - decoded_total)))
        return b"".join(parts), False


class AllowList:
    """Private hosts the fetcher may reach: `host` (every port) or `host:port` (only that one)."""

    def __init__(self, entries) -> None:
        self.hosts: set[str] = set()
        self.endpoints: set[tuple[str, int]] = set()
        for raw in entries:
            entry = raw.strip().lower()
            host, port = entry, None
            if entry.startswith("["):
                host, _, rest = entry[1:].partition("]")
                port = rest[1:] if rest.startswith(":") else None
            elif entry.count(":") == 1:
                host, port = entry.split(":")
            if port:
                self.endpoints.add((host, int(port)))
            elif host:
                self.hosts.add(host)

    def allows(self, host: str, port: int) -> bool:
        host = host.lower().strip("[]")
        return host in self.hosts or (host, port) in self.endpoints

    def __contains__(self, host: str) -> bool:  # any port of `host`
        return host.lower().strip("[]") in self.hosts


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolve, refuse private addresses, and connect to exactly the address that was checked."""

    def __init__(self, allowed_hosts: AllowList):
        self.allowed_hosts = allowed_hosts
        # public; the backend the private AutoBackend picks on asyncio
        self.inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout=None,  # noqa: ASYNC109 - httpcore's signature
        local_address=None,
        socket_options=None,
    ):
        if not self.allowed_hosts.allows(host, port):
            addresses = await _resolve(host, port)
            for address in addresses:
                if _is_private(address):
                    raise forbidden(host, port, address)
            host = str(addresses[0])
        return await self.inner.connect_tcp(
            host, port, timeout=timeout, local_address=local_address, socket_options=socket_options
        )

    async def connect_unix_socket(self, path: str, timeout=None, socket_options=None):  # noqa: ASYNC109
        raise ForbiddenAddress("unix sockets are never fetched")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


def guarded_transport(allowed_hosts: AllowList) -> httpx.AsyncHTTPTransport:
    """httpx's transport with its connection pool on GuardedBackend.

    httpx 0.28 has no public hook for the network backend, so the pool it built is replaced by
    an identical one (the same TLS context, made by httpx's public `create_ssl_context` as the
    transport makes it) that uses ours. `AsyncHTTPTransport._pool` is the one private API used:
    httpx and httpcore are pinned, and tests/unit/test_fetcher_private_apis.py fails naming it
    when an upgrade removes it; tests/integration/test_fetcher_portal.py checks a rebinding name
    is refused at connect time."""
    transport = httpx.AsyncHTTPTransport(
        trust_env=False, limits=httpx.Limits(max_connections=200, max_keepalive_connections=50)
    )
    transport._pool = httpcore.AsyncConnectionPool(  # noqa: SLF001 - see docstring
        ssl_context=httpx.create_ssl_context(trust_env=False),
        max_connections=200,
        max_keepalive_connections=50,
        network_backend=GuardedBackend(allowed_hosts),
    )
    return transport


def _decoder(encoding: str, url: str):
    encoding = encoding.strip().lower()
    if encoding in ("", "identity", "none"):
        return None
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        return _Deflate()
    raise UnsupportedEncoding(f"Content-Encoding {encoding!r} was not requested: {url}")


class _Deflate:
    """'deflate' is zlib-wrapped per RFC 9110, but some servers send raw deflate: sniff the first byte."""

    def __init__(self) -> None:
        self._inner = None
        self.unconsumed_tail = b""

    def decompress(self, data: bytes, max_length: int) -> bytes:
        if self._inner is None:
            zlib_header = (
                len(data) >= 2 and (data[0] & 0x0F) == 8 and ((data[0] << 8) | data[1]) % 31 == 0
            )
            self._inner = zlib.decompressobj(zlib.MAX_WBITS if zlib_header else -zlib.MAX_WBITS)
        out = self._inner.decompress(data, max_length)
        self.unconsumed_tail = self._inner.unconsumed_tail
        return out

    def flush(self, length: int) -> bytes:
        return self._inner.flush(length or 1) if self._inner else b""


async def _resolve(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise NetworkError(f"cannot resolve {host}: {exc}") from None
    return [ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos]


def _is_private(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )
