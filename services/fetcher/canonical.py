"""Canonical URLs and document identity.

One report reachable as `HTTP://Gov.cn:80/a/../b.html?utm_source=x#top` and `http://gov.cn/b.html`
must get one `doc_id`, or it would be indexed twice. Canonicalisation is deliberately conservative:
it never drops a path segment such as `index.html` (some CMSs serve a different page without it)
and keeps every query argument except known tracking/session ones.

Reads no settings.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from w3lib.url import canonicalize_url, url_query_cleaner

from shared.events import doc_id_for

# Query arguments that never select content: tracking and session ids.
_NOISE_PARAMS = (
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "jsessionid",
    "sid",
    "spm",
)
_NOISE_PARAMS_KEEP_SID = tuple(p for p in _NOISE_PARAMS if p != "sid")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def canonical_url(url: str) -> str:
    """The one spelling of `url` used for identity (doc_id) and for the visited sets."""
    url = url.strip()
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise ValueError(f"not an http(s) URL: {url!r}")
    host = (parts.hostname or "").lower().rstrip(".")
    if not host:
        raise ValueError(f"URL without a host: {url!r}")
    port = parts.port
    netloc = host if ":" not in host else f"[{host}]"
    if port and port != _DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    # `;jsessionid=...` path parameters (old Java CMSs) are session noise too.
    path = parts.path.split(";jsessionid=", 1)[0].split(";JSESSIONID=", 1)[0] or "/"
    rebuilt = urlunsplit((scheme, netloc, path, parts.query, ""))
    if parts.query:
        # Guangdong's gkmlpt list API selects the site by `sid`: there it is content, not a session.
        noise = _NOISE_PARAMS if "/gkmlpt/" not in path else _NOISE_PARAMS_KEEP_SID
        rebuilt = url_query_cleaner(rebuilt, noise, remove=True, unique=False)
    return canonicalize_url(rebuilt, keep_fragments=False)


# A report published as several pictures is stored as one document (crawl.py, imagepdf.py): its
# address is its report page's with this fragment. Links never carry a fragment (discovery
# canonicalises them away), so no fetched URL can take a bundle's identity.
BUNDLE_FRAGMENT = "#pictures"


def bundle_url(page_url: str) -> str:
    """The address of the one document holding `page_url`'s report pictures."""
    return canonical_url(page_url) + BUNDLE_FRAGMENT


def identity(url: str) -> str:
    """`canonical_url`, keeping a picture bundle's fragment (a bundle is not its page)."""
    return canonical_url(url) + (BUNDLE_FRAGMENT if url.endswith(BUNDLE_FRAGMENT) else "")


def doc_id(url: str) -> str:
    """sha256 of the URL's identity (see shared.events.doc_id_for)."""
    return doc_id_for(identity(url))


def host_key(url: str) -> str:
    """The politeness unit: host plus non-default port (`gov.cn`, `127.0.0.1:8081`)."""
    return urlsplit(canonical_url(url)).netloc


def origin(url: str) -> str:
    """scheme://host[:port] — the scope of one robots.txt (RFC 9309 §2.3)."""
    parts = urlsplit(canonical_url(url))
    return f"{parts.scheme}://{parts.netloc}"
