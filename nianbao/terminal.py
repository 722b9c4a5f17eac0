"""Text from outside (file names, URLs, titles and agency names read from documents) is escaped
before it reaches a terminal: a control character in a crawled title could otherwise move the
cursor, rewrite earlier lines, set the window title or hide text (ANSI escape sequences), and a
bidi override could make a line read differently from what it holds.

`escape(text)` keeps printable text (Chinese included), newlines and tabs, and writes every other
control character as a visible `\\xNN` / `\\uNNNN` escape.
"""

from __future__ import annotations

import re

# C0 controls except \t and \n, DEL, C1 controls, and the bidi embedding/override/isolate marks
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _visible(m: re.Match[str]) -> str:
    code = ord(m.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape(text: object) -> str:
    """`text` (str() of it) with every control character written as a visible escape."""
    s = text if isinstance(text, str) else str(text)
    return _CONTROL.sub(_visible, s)
