"""Parser stage logic: doc.fetched → bytes from the object store → ParsedReport → doc.parsed.

A document with scanned pages (or a picture) is not finished here: it goes on to the OCR stage
as doc.ocr (services/parser/ocr_handlers.py, ocr_app.py), which reads it with OCR and publishes
the same doc.parsed (services/parser/outputs.py). Idempotent: the output's Msg-Id is
`parsed:<doc_id>:<version>` (`ocr:<doc_id>:<version>` for the hand-over) and parsing is
deterministic, so a redelivery republishes a duplicate the stream drops.
Settings read: none (the object store and the parse child are passed in).
"""

from __future__ import annotations

import asyncio

from services.parser.outputs import finished
from services.parser.picture_page import only_pictures, page_metadata, with_page
from services.parser.sandbox import Sandbox
from shared.events import DocFetched, DocNeedsOcr, subject_token
from shared.report import ParsedReport
from shared.runtime.publish import Outgoing, outgoing
from shared.storage.base import ObjectStore
from shared.topology import subject


def parse_bytes(data: bytes, event: DocFetched):
    from services.parser import parse  # imported late: the extractors' libraries are heavy

    return parse(data, source_url=event.ref.url, content_type=event.content_type)


# Text and HTML up to this size parse in a few ms: in the event loop. The thread hop cost more
# than the parse itself saved the loop (profiled: −0.7 ms CPU per report, 17% of the stage).
INLINE_MAX_BYTES = 128 * 1024


def parses_quickly(data: bytes) -> bool:
    from services.parser.extract.sniff import sniff

    return len(data) <= INLINE_MAX_BYTES and sniff(data) in ("text", "html")


async def handle_fetched(
    event: DocFetched, objects: ObjectStore, sandbox: Sandbox | None = None
) -> list[Outgoing]:
    # get() alone (no exists() first): one store round trip, no window between the two; an
    # absent object raises ObjectMissing, rejected as missing_object
    data = await objects.get(event.ref.object_key)
    if parses_quickly(data):
        report = parse_bytes(data, event)
    elif sandbox is not None:
        # anything that can cost more than its size (office files, PDFs, big pages) parses in the
        # memory- and time-bounded child: a bomb is an exception with a reason, not an OOM kill
        report = await sandbox.parse(
            data, source_url=event.ref.url, content_type=event.content_type
        )
    else:
        # A thread keeps the event loop (pull heartbeats, health, other stages in `nianbao run`)
        # alive during a long parse (PDF, office files, archives, big pages).
        report = await asyncio.to_thread(parse_bytes, data, event)
    only_pictures(event, report)  # a page whose report is the pictures bundled beside it
    if needs_ocr(report):
        # seconds per page: on its own subject, consumer and workers (never ahead of this queue)
        handover = DocNeedsOcr(
            ref=event.ref,
            fetched=event,
            scan_pages=list(report.scan_pages),
            source_modality=report.source_modality,
        )
        return [
            outgoing(
                subject("doc.ocr", subject_token(event.ref.portal)), handover, "ocr", event.ref
            )
        ]
    return finished(event, with_page(report, await page_metadata(event, objects)))


def needs_ocr(report: ParsedReport) -> bool:
    """Scanned pages (or a picture) that OCR has not read yet. A page of HTML whose tables are
    only <img>s has no scan pages: the pictures are documents of their own."""
    return bool(report.scan_pages) and report.source_modality != "ocr"
