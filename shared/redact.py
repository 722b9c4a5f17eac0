"""Credentials never reach an output: every URL nianbao prints or logs goes through here.

`redact_url` hides the password of `scheme://user:password@host` and the values of query
parameters that carry secrets (`password=`, `secret_key=`, `token=`…); `redact` does the same to
every URL inside a free text (an exception message, a traceback, a log line). `RedactingFilter`
applies it to every log record, and `install()` (called by the `nianbao` command) to the
messages of uncaught exceptions as well, so a mistyped scheme such as
`postgresql+asyncpg://u:secret@db/x` cannot put `secret` on a terminal or into a log.
Settings read: none.
"""

from __future__ import annotations

import logging
import re
import sys
import traceback
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

MASK = "***"
_SECRET_PARAMS = re.compile(r"pass|pwd|secret|token|key|credential|signature|auth", re.IGNORECASE)
# scheme://[user[:password]@]host… up to whitespace or a quote/bracket that ends a URL in text
_URL = re.compile(r"""[A-Za-z][A-Za-z0-9+.\-]*://[^\s'"<>`()\[\]{}]+""")
_USERINFO = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*://)([^/@?#]*)@")


def redact_url(url: str) -> str:
    """`url` with its password and secret-bearing query values masked (the user name stays: it
    says which account, not how to be it)."""
    m = _USERINFO.match(url)
    if m:
        user = m.group(2).split(":", 1)[0]
        masked = f"{user}:{MASK}" if ":" in m.group(2) else user
        url = m.group(1) + masked + "@" + url[m.end() :]
    if "?" not in url:
        return url
    try:
        parts = urlsplit(url)
        query = parse_qsl(parts.query, keep_blank_values=True)
    except ValueError:
        return url.split("?", 1)[0] + "?" + MASK
    if not any(_SECRET_PARAMS.search(k) for k, _ in query):
        return url
    cleaned = [(k, MASK if _SECRET_PARAMS.search(k) else v) for k, v in query]
    return urlunsplit(parts._replace(query=urlencode(cleaned, safe="*:/,")))


def redact(text: str) -> str:
    """Every URL inside `text` redacted."""
    if "://" not in text:
        return text
    return _URL.sub(lambda m: redact_url(m.group(0)), text)


class RedactingFilter(logging.Filter):
    """Redacts a record's message (its arguments merged in) and its exception text."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is logging's to report, not ours
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
            # logging's formatters print exc_text when it is set, so the redacted text is what
            # any handler shows; exc_info stays for handlers that inspect the exception itself
            text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
            record.exc_text = redact(text)
        return True


class RedactingStream:
    """A text stream (stdout, stderr) that redacts what is written through it: the last net
    under everything a process prints — rich tables, print(), logging's stream handlers."""

    def __init__(self, stream) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(redact(text))
        return len(text)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


def install() -> None:
    """Redact this process's stdout, stderr, log records and uncaught exceptions' tracebacks."""
    if not isinstance(sys.stdout, RedactingStream):
        sys.stdout = RedactingStream(sys.stdout)
    if not isinstance(sys.stderr, RedactingStream):
        sys.stderr = RedactingStream(sys.stderr)
    root = logging.getLogger()
    if not any(isinstance(f, RedactingFilter) for f in root.filters):
        root.addFilter(RedactingFilter())
    for handler in root.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())

    def excepthook(kind, value, tb) -> None:
        sys.stderr.write(redact("".join(traceback.format_exception(kind, value, tb))))

    sys.excepthook = excepthook
