"""Chinese word segmentation for full-text search, shared by the SQLite and PostgreSQL stores.

Neither FTS5's tokenizers nor PostgreSQL's `simple` configuration know Chinese words, and a trigram
index cannot match two-character words such as 许可. So text is cut with `rjieba.cut_for_search`
(which also emits the sub-words of long compounds: 行政复议 → 行政 复议 行政复议) and stored as
space-separated tokens; queries are cut the same way and every token must match.

Settings read: none.
"""

from __future__ import annotations

import re

import rjieba

from shared.nfkc import nfkc

_WORDISH = re.compile(r"\w", re.UNICODE)
_CJK_GAP = re.compile(r"(?<=[\u3000-\u9fff\uff00-\uffef]) (?=[\u3000-\u9fff\uff00-\uffef])")


def tokens(text: str) -> list[str]:
    """Search tokens of `text`: segmented, NFKC-folded, lower-cased, punctuation dropped."""
    if not text:
        return []
    text = nfkc(text)  # unicodedata's NFKC, fast on fullwidth punctuation (shared.nfkc)
    # isalnum() first: most tokens are words, and an alphanumeric token always passes the regex
    # test (−25% of the indexer's segmentation; output unchanged)
    wordish = _WORDISH.search
    return [
        t.lower()
        for t in rjieba.cut_for_search(text)
        if t.isalnum() or (wordish(t) and not t.isspace())
    ]


def segment(text: str) -> str:
    """The indexed form of a text: its tokens joined by single spaces."""
    return " ".join(tokens(text))


def query_tokens(query: str) -> list[str]:
    """Distinct tokens of a query, in order; all must occur in a matching document."""
    seen: dict[str, None] = {}
    for t in tokens(query):
        seen.setdefault(t, None)
    return list(seen)


def fts5_match(query: str) -> str:
    """An FTS5 MATCH expression: each token quoted (so no token is read as an operator), AND-ed."""
    return " ".join('"' + t.replace('"', '""') + '"' for t in query_tokens(query))


def unsegment(snippet: str) -> str:
    """Undo the spaces segmentation put between Chinese characters, for display."""
    return _CJK_GAP.sub("", snippet)
