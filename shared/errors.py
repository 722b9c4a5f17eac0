"""One error root with meaning: Permanent errors are terminated and recorded as rejected,
Transient errors are nak'ed with a growing delay (see shared/acking, reliability.md)."""

from __future__ import annotations


class NianbaoError(Exception):
    """Root of every error nianbao raises on purpose."""

    reason: str = "error"  # short, bounded label used in metrics and doc.rejected events


class PermanentError(NianbaoError):
    """Retrying cannot help: the input is bad. The message is terminated with a reason."""

    reason = "permanent"


class TransientError(NianbaoError):
    """A dependency is unavailable right now: retry later with backoff."""

    reason = "transient"


class NotAReport(PermanentError):
    reason = "not_a_report"


class UnreadableDocument(PermanentError):
    """Corrupt, truncated, empty or undecodable input."""

    reason = "parse_error"


class MissingConverter(PermanentError):
    """A legacy format (.doc/.wps) needs LibreOffice, which is not installed."""

    reason = "missing_converter"


class TooLarge(PermanentError):
    reason = "too_large"


class DecompressionBomb(PermanentError):
    reason = "bomb"


class EncodingError(PermanentError):
    reason = "encoding"


class RedirectError(PermanentError):
    reason = "redirect"


class StoreUnavailable(TransientError):
    reason = "store_unavailable"


class ObjectMissing(PermanentError):
    """An event refers to an object key the object store does not hold (raised by the stores'
    get). Permanent: the fetcher stores the bytes before it publishes the event that names
    them, so waiting will not make them appear; the message is rejected and dead-lettered, and
    can be re-driven once the object is back."""

    reason = "missing_object"


class CorruptObject(PermanentError):
    """A stored object's bytes do not hash to the sha256 its key names (bit rot, a truncated
    copy, a hand edit). Never parsed: the reader refuses it, `nianbao_objects_corrupt_total`
    counts it, and a re-fetch of the same URL repairs it (put_if_absent overwrites bytes that
    fail verification); `nianbao objects verify` finds them all."""

    reason = "corrupt_object"


class BadSetting(NianbaoError, ValueError):
    """A setting (a NIANBAO_* variable, a store URL) is wrong-typed or makes no sense: the
    process refuses to start, naming the setting. A ValueError too, for callers that knew the
    store factory's older errors."""

    reason = "bad_setting"
