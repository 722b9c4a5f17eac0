"""Entries of a list, whatever carries them: the anchors of an HTML page, the `<record>`s of a
Hanweb JCMS data store (HTML fragments in CDATA), the records of a JSON list API. Pure functions.

Every carrier ends in the same (url, text) pairs, judged by `discovery.links_from_pairs` with the
portal's hints, so a report listed by a script is recognised exactly as one listed in HTML.

Reads no settings.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from urllib.parse import urljoin

from services.fetcher.canonical import canonical_url
from services.fetcher.discovery import anchors, parse_html

_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S | re.I)
_TITLE_KEYS = ("title", "docTitle", "DOCTITLE", "doctitle", "name", "subject", "Title")
_URL_KEYS = ("url", "docUrl", "DOCPUBURL", "docpuburl", "link", "href", "pubUrl", "URL", "Url")
_TOTAL_KEYS = (
    "total",
    "totalCount",
    "recordCount",
    "totalRecord",
    "totalrecord",
    "count",
    "total_count",
    "totalElements",
)


def datastore_records(text: str) -> list[str]:
    """The HTML fragments of a Hanweb `<datastore>`'s `<record>`s (in a page's
    `<script type="text/xml">` or a dataproxy.jsp answer), in order."""
    return _RECORD.findall(text or "")


def datastore_pairs(text: str, base_url: str) -> list[tuple[str, str]]:
    """(url, text) of the anchors in a data store's records: one entry per record."""
    pairs: list[tuple[str, str]] = []
    for fragment in datastore_records(text):
        tree = parse_html(f"<div>{fragment}</div>")
        found = list(anchors(tree, base_url))
        if found:
            pairs.append(found[0])
    return pairs


def parse_json(body: bytes | str) -> object | None:
    """A JSON document, or None when the body is not one (JSONP callbacks unwrapped)."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    text = text.strip().lstrip("\ufeff")
    if text and text[0] not in "[{":
        match = re.match(r"^[\w$.]+\s*\((.*)\)\s*;?\s*$", text, re.S)  # callback({...});
        if not match:
            return None
        text = match.group(1)
    try:
        return json.loads(text)
    except ValueError:
        return None


def json_records(doc: object) -> list[dict]:
    """The first list of objects in `doc` (breadth first) whose members carry a title and a URL."""
    queue: list[object] = [doc]
    while queue:
        node = queue.pop(0)
        if isinstance(node, list):
            rows = [r for r in node if isinstance(r, dict)]
            if rows and any(_field(r, _TITLE_KEYS) and _field(r, _URL_KEYS) for r in rows):
                return rows
            queue.extend(node)
        elif isinstance(node, dict):
            queue.extend(node.values())
    return []


def json_total(doc: object) -> int | None:
    """The list size a JSON answer states (`total`, `totalCount`, … at the top or one level
    down, e.g. under `data`/`page`), or None."""
    layers = [doc] + (
        [v for v in doc.values() if isinstance(v, dict)] if isinstance(doc, dict) else []
    )
    for layer in layers:
        if not isinstance(layer, dict):
            continue
        for key in _TOTAL_KEYS:
            value = layer.get(key)
            if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
                return value
            if isinstance(value, str) and value.strip().isdigit():
                return int(value)
    return None


def json_pairs(doc: object, base_url: str) -> list[tuple[str, str]]:
    """(url, text) of each record of a JSON list answer."""
    pairs = []
    for row in json_records(doc):
        title, url = _field(row, _TITLE_KEYS), _field(row, _URL_KEYS)
        if not title or not url:
            continue
        try:
            pairs.append((canonical_url(urljoin(base_url, url.strip())), " ".join(title.split())))
        except ValueError:
            continue
    return pairs


def _field(row: dict, keys: tuple[str, ...]) -> str:
    for key in keys:
        value = row.get(key)
        if isinstance(value, str) and value.strip():
            return value
    return ""


def unique(pairs: Iterator[tuple[str, str]] | list[tuple[str, str]]) -> list[tuple[str, str]]:
    seen: dict[str, tuple[str, str]] = {}
    for url, text in pairs:
        seen.setdefault(url, (url, text))
    return list(seen.values())
