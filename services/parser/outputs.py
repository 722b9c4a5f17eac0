"""What the parser service publishes for a read report, whichever app read it (the parser by
text, services/parser/ocr_app.py by OCR): doc.parsed.<portal>, or NoContent when nothing of a
report was found.
Settings read: none.
"""

from __future__ import annotations

from shared import metrics
from shared.errors import NotAReport
from shared.events import DocFetched, DocParsed, subject_token
from shared.report import ParsedReport
from shared.runtime.publish import Outgoing, outgoing
from shared.topology import subject
from shared.versions import PARSER_VERSION


class NoContent(NotAReport):
    """Parsed, but neither a table nor a section was found: typically the article page that only
    links its report as an attachment (the attachment is its own document)."""


def finished(event: DocFetched, report: ParsedReport) -> list[Outgoing]:
    """The doc.parsed of a read report (by text or by OCR); NoContent when nothing was read."""
    if not any(report.tables.values()) and not report.sections:
        raise NoContent(
            f"no tables or sections in {report.content_type or 'document'}"
            f" {event.ref.url} (the report may be an attachment)"
        )
    metrics.DOCS_PARSED.labels(report.format_version, report.content_type or "unknown").inc()
    parsed = DocParsed(ref=event.ref, report=report, parser_version=PARSER_VERSION, fetched=event)
    return [
        outgoing(
            subject("doc.parsed", subject_token(event.ref.portal)), parsed, "parsed", event.ref
        )
    ]
