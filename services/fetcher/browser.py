"""The last resort for a 年报 column only a browser can list: render it in headless Chromium.

    renderer = Renderer(settings, client.get)      # one per crawl; Chromium starts on first use
    rendered = await renderer.render(list_url, budget=budget, prefetched={list_url: resp})
    await renderer.close()

The column page is loaded in a tab, its scripts run, and its script pager is followed by clicking
下一页 / next until the list stops changing, `budget` runs out or `max_steps` clicks were made (a
pager that pages data already in the page makes no request); the rendered HTML after each step
is returned (`Rendered.snapshots`) for the crawler to read with the same listing functions as a
static page.

**Chromium never touches the network.** Every request of the tab is paused (`Fetch.enable`, all
URLs) and answered by us: a document, script or XHR/fetch is fetched with the crawler's polite
client — robots.txt, the SSRF guard, the host's politeness slot and Retry-After, our User-Agent,
size and time caps, the same request metrics — and handed back with `Fetch.fulfillRequest`
(a list request may be a POST: a list API asked with a form, an ASP.NET pager's postback);
everything else (pictures, fonts, styles, media, pings, beacons, other methods) is failed
without a request. A robots.txt refusal or a guarded address fails that request
(`Fetch.failRequest`): the server never sees it. A URL is fetched at most once per render (the
answers are kept for the tab), and the list page the crawler already fetched is not fetched again.

Caps: documents and XHR/fetch are list requests and take from the portal's `max_pages` budget,
shared with the static pass; scripts take from `MAX_SCRIPTS` per render. The pager is clicked at
most `max_pages` times; the render stops at `render_timeout_s` with what it has.

Reads settings: chromium_path, render_timeout_s (the polite client reads the fetcher's others).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from services.fetcher.canonical import canonical_url
from services.fetcher.cdp import BrowserFailed, Chromium, browser_path
from services.fetcher.http import Form, Response
from services.fetcher.politeness import RetryLater
from services.fetcher.robots import RobotsDenied
from shared import metrics
from shared.config import Settings
from shared.errors import NianbaoError

log = logging.getLogger("nianbao.fetcher.browser")

Get = Callable[..., Awaitable[Response]]
LIST_TYPES = ("Document", "XHR", "Fetch")  # requests that list: they take from max_pages
MAX_SCRIPTS = 40  # script requests per render
POLL_S = 0.15  # how often the page is looked at while it settles
QUIET_POLLS = 3  # polls with no request in flight and the same links: the page has settled
LAST_LOOK_S = 5.0  # a render out of time still reads the page once, within this
SETTLE_MAX_S = 10.0  # a page state is read after this long with nothing in flight
# what a list API may need to answer (a POST's Content-Type travels with its Form)
FORWARDED_HEADERS = ("accept", "x-requested-with", "referer")
MAX_FORM_BYTES = 64 * 1024  # a list request's POST body: a page number and a column's ids

# A signature of the page's links (and readiness): unchanged while the page is settled.
SIGNATURE_JS = """(() => { let h = 0; const links = document.querySelectorAll('a[href]');
for (const a of links) { const s = a.href; for (let i = 0; i < s.length; i++)
h = (h * 31 + s.charCodeAt(i)) | 0; } return document.readyState + ':' + links.length + ':' + h; })()"""
SNAPSHOT_JS = "[location.href, document.documentElement.outerHTML]"
# Click the innermost enabled control that says next page; returns its text, or "" if none.
NEXT_JS = r"""(() => {
const words = /^(下一页|下页|后一页|下一頁|next|next page|›|>)$/i;
const off = /disabled|disable|unable|gray|grey/i;
const all = Array.from(document.querySelectorAll('a, button, input[type=button], span, li, div'));
const said = el => (el.innerText || el.value || el.getAttribute('title') || '').trim();
const hits = all.filter(el => words.test(said(el)));
const inner = hits.filter(el => !hits.some(o => o !== el && el.contains(o)));
for (const el of inner) {
  const box = el.closest('a, button, input, li') || el;
  if (el.disabled || box.disabled || off.test(el.className) || off.test(box.className)
      || box.getAttribute('aria-disabled') === 'true') continue;
  el.click(); return said(el);
}
return ''; })()"""


@dataclass(slots=True)
class Rendered:
    """What a render saw: the page after loading and after each pager step."""

    snapshots: list[tuple[str, str]] = field(default_factory=list)  # (page URL, HTML)
    outcome: str = "rendered"  # rendered | timeout | failed
    fetched: int = 0  # requests made through the polite client
    refused: int = 0  # requests failed without a request (type, method, robots, guard, cap)
    steps: int = 0  # pager clicks that brought new links


def verdict(method: str, resource_type: str) -> str:
    """What to do with a paused request: "list" / "script" (fetch it politely) or "block".
    A list request may be a POST (a list API asked with a form or JSON, an ASP.NET pager's
    postback); nothing else is."""
    method = method.upper()
    if resource_type in LIST_TYPES and method in ("GET", "POST"):
        return "list"
    return "script" if resource_type == "Script" and method == "GET" else "block"


def form_of(request: dict[str, Any]) -> Form | None:
    """The body of a paused POST (exact bytes from postDataEntries, else postData), with its
    content type; None for a GET. Raises ValueError for a body above MAX_FORM_BYTES."""
    if request.get("method", "GET").upper() != "POST":
        return None
    entries = request.get("postDataEntries")
    if entries:
        body = b"".join(base64.b64decode(e.get("bytes", "")) for e in entries)
    else:
        body = (request.get("postData") or "").encode("utf-8")
    if len(body) > MAX_FORM_BYTES:
        raise ValueError(f"a list request's body of {len(body)} bytes")
    ctype = next(
        (v for k, v in request.get("headers", {}).items() if k.lower() == "content-type"), ""
    )
    return Form(body, ctype or "application/x-www-form-urlencoded")


def cache_key(url: str, form: Form | None = None) -> str:
    """One spelling per request (the browser percent-encodes what a page wrote raw); a POST's
    includes its body."""
    try:
        key = canonical_url(url)
    except ValueError:
        key = url
    if form is None:
        return key
    return f"POST {key} {hashlib.sha256(form.body).hexdigest()}"


def fulfil(request_id: str, resp: Response) -> dict[str, Any]:
    """Fetch.fulfillRequest's parameters for our response (content type only: cookies, caching
    and security headers of the portal do not matter to a list that is read once)."""
    headers = [{"name": "Content-Type", "value": resp.content_type}] if resp.content_type else []
    return {
        "requestId": request_id,
        "responseCode": resp.status,
        "responseHeaders": headers,
        "body": base64.b64encode(resp.body).decode("ascii"),
    }


class Renderer:
    """Headless Chromium for one crawl: started on the first render, closed by `close`."""

    def __init__(self, settings: Settings, get: Get):
        self.configured = settings.chromium_path
        self.timeout_s = settings.render_timeout_s
        self.get = get
        self._chromium: Chromium | None = None
        self._tabs: dict[str, _Tab] = {}
        self._unavailable: tuple[str, str] | None = None  # (outcome, why) once it is known

    async def render(
        self,
        url: str,
        *,
        budget: list[int],
        prefetched: dict[str, Response] | None = None,
        max_steps: int = 20,
    ) -> Rendered:
        """Load `url` in a tab, follow its script pager, return what it showed (see module doc).

        Raises BrowserMissing when there is no working Chromium; RetryLater when a host asked us
        to wait."""
        chromium = await self._browser()
        tab = _Tab(self.get, budget, {cache_key(u): r for u, r in (prefetched or {}).items()})
        try:
            target = (await chromium.send("Target.createTarget", {"url": "about:blank"}))[
                "targetId"
            ]
            session = (
                await chromium.send("Target.attachToTarget", {"targetId": target, "flatten": True})
            )["sessionId"]
        except BrowserFailed as exc:  # it died since it started
            metrics.BROWSER_RENDERS.labels("broken").inc()
            raise BrowserMissing(f"chromium did not open a tab: {exc}") from None
        self._tabs[session] = tab
        tab.send = lambda method, params=None: chromium.send(method, params, session)
        result = Rendered()
        try:
            async with asyncio.timeout(self.timeout_s):
                await tab.send("Fetch.enable", {"patterns": [{"urlPattern": "*"}]})
                await tab.send("Page.navigate", {"url": url})
                await self._follow(tab, budget, result, max_steps)
        except TimeoutError:
            result.outcome = "timeout"
            if not result.snapshots:  # still read what the page shows by now
                with contextlib.suppress(TimeoutError, BrowserFailed):
                    await asyncio.wait_for(self._snapshot(tab, result), LAST_LOOK_S)
        except BrowserFailed as exc:
            log.warning("rendering %s failed: %s", url, exc)
            result.outcome = "failed"
        finally:
            self._tabs.pop(session, None)
            await tab.stop()  # requests still waiting for their slot are not made
            with contextlib.suppress(BrowserFailed):
                await chromium.send("Target.closeTarget", {"targetId": target})
        result.fetched, result.refused = tab.fetched, tab.refused
        metrics.BROWSER_RENDERS.labels(result.outcome).inc()
        if tab.retry_later is not None:
            raise tab.retry_later
        return result

    async def _follow(self, tab: _Tab, budget: list[int], result: Rendered, max_steps: int) -> None:
        """Settle, snapshot; click next and settle again while new links appear."""
        await tab.settle()
        seen = await self._snapshot(tab, result)
        clicks = 0
        while budget[0] > 0 and clicks < max_steps:
            clicks += 1
            if not await tab.evaluate(NEXT_JS):
                return
            await tab.settle()
            links = await self._snapshot(tab, result)
            if links <= seen:
                return  # the last page (or a pager that turns in a circle)
            seen |= links
            result.steps += 1

    async def _snapshot(self, tab: _Tab, result: Rendered) -> set[str]:
        shown = await tab.evaluate(SNAPSHOT_JS)
        links = await tab.evaluate("Array.from(document.links, a => a.href)")
        if not isinstance(shown, list) or len(shown) != 2 or not isinstance(links, list):
            raise BrowserFailed("the page could not be read (it was navigating)")
        result.snapshots.append((str(shown[0]), str(shown[1])))
        return {str(link) for link in links}

    async def _browser(self) -> Chromium:
        """The crawl's Chromium, started on first use; BrowserMissing (counted "disabled",
        "missing" or "broken") when it is turned off, not there or does not start — not retried
        within this crawl."""
        if self._unavailable is not None:
            metrics.BROWSER_RENDERS.labels(self._unavailable[0]).inc()
            raise BrowserMissing(self._unavailable[1])
        if self._chromium is None:
            executable = browser_path(self.configured)
            if not self.configured:
                self._unavailable = ("disabled", "rendering is off (chromium_path is empty)")
                return await self._browser()
            if executable is None:
                self._unavailable = (
                    "missing",
                    f"no Chromium at {self.configured!r} (setting chromium_path,"
                    " NIANBAO_CHROMIUM_PATH; Debian package chromium)",
                )
                return await self._browser()
            started = time.monotonic()
            try:
                self._chromium = await Chromium(executable, self._event).start()
            except BrowserFailed as exc:
                self._unavailable = ("broken", str(exc))
                return await self._browser()
            log.info("chromium started in %.1fs", time.monotonic() - started)
        return self._chromium

    def _event(self, method: str, params: dict[str, Any], session: str | None):
        tab = self._tabs.get(session or "")
        if tab is None:
            return None
        if method == "Fetch.requestPaused":
            tab.start(tab.paused(params))
        return None

    async def close(self) -> None:
        if self._chromium is not None:
            await self._chromium.close()
            self._chromium = None


class BrowserMissing(NianbaoError):
    """No Chromium, or one that does not start: the column stays at what the static pass
    reached (its coverage shows it)."""

    reason = "browser_missing"


class _Tab:
    """One rendered column: its paused requests answered politely, its settling watched."""

    def __init__(self, get: Get, budget: list[int], cache: dict[str, Response]):
        self.get = get
        self.budget = budget
        self.cache = cache  # URL → answer: nothing is fetched twice in one render
        self.scripts = MAX_SCRIPTS
        self.in_flight = 0
        self.fetched = self.refused = 0
        self.retry_later: RetryLater | None = None
        self.send: Callable[..., Awaitable[dict[str, Any]]]
        self._tasks: set[asyncio.Task] = set()

    def start(self, answering: Coroutine[Any, Any, None]) -> None:
        """Answer a paused request beside the protocol reader (it may wait for its slot)."""
        task = asyncio.ensure_future(answering)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def stop(self) -> None:
        """Cancel the answers still pending: the render is over."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def evaluate(self, expression: str) -> Any:
        answer = await self.send(
            "Runtime.evaluate", {"expression": expression, "returnByValue": True}
        )
        if "exceptionDetails" in answer:
            raise BrowserFailed(f"page script failed: {answer['exceptionDetails'].get('text')}")
        return answer.get("result", {}).get("value")

    async def settle(self) -> None:
        """Until no request is in flight and the links stay the same for QUIET_POLLS polls, or
        SETTLE_MAX_S without a request in flight (a page whose links never rest — a ticker — is
        read as it is then; requests waiting for their politeness slot are waited for)."""
        last, quiet, idle = None, 0, 0.0
        while quiet < QUIET_POLLS and idle < SETTLE_MAX_S:
            await asyncio.sleep(POLL_S)
            try:
                signature = await self.evaluate(SIGNATURE_JS)
            except BrowserFailed:  # a navigation replaced the page's context: look again
                signature = None
            ready = signature is not None and signature.startswith("complete")
            quiet = quiet + 1 if ready and not self.in_flight and signature == last else 0
            idle = 0.0 if self.in_flight else idle + POLL_S
            last = signature

    async def paused(self, params: dict[str, Any]) -> None:
        """Answer one paused request: our polite fetch, or a failure without any request."""
        request_id, request = params["requestId"], params["request"]
        url = request["url"].split("#", 1)[0]
        self.in_flight += 1
        try:
            resp = await self._answer(url, request, params.get("resourceType", "Other"))
            if resp is None:
                self.refused += 1
                await self.send(
                    "Fetch.failRequest", {"requestId": request_id, "errorReason": "BlockedByClient"}
                )
            else:
                await self.send("Fetch.fulfillRequest", fulfil(request_id, resp))
        except BrowserFailed:
            pass  # the tab was closed meanwhile
        finally:
            self.in_flight -= 1

    async def _answer(self, url: str, request: dict[str, Any], resource_type: str):
        kind = verdict(request.get("method", "GET"), resource_type)
        if kind == "block" or not url.startswith(("http://", "https://")):
            return None
        try:
            form = form_of(request)
        except ValueError:
            return None
        key = cache_key(url, form)
        if key in self.cache:
            return self.cache[key]
        if kind == "list":
            if self.budget[0] <= 0:
                return None
            self.budget[0] -= 1
        else:
            if self.scripts <= 0:
                return None
            self.scripts -= 1
        headers = {
            k: v for k, v in request.get("headers", {}).items() if k.lower() in FORWARDED_HEADERS
        }
        try:
            resp = await self.get(url, headers, form=form)
        except RetryLater as exc:
            self.retry_later = self.retry_later or exc
            return None
        except RobotsDenied:
            return None
        except NianbaoError as exc:
            log.info("rendered page's request %s not answered: %s", url, exc)
            return None
        self.fetched += 1
        self.cache[key] = resp
        return resp
