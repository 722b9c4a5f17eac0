"""OCR stage logic: doc.ocr (a scan the parser handed over) → bytes from the object store → OCR in
the OCR sandbox → doc.parsed, as any other report (services/parser/outputs.py).

Idempotent as the parser: the output's Msg-Id is `parsed:<doc_id>:<version>`, the one the parser
would have given it, so what a redelivery republishes is dropped by the stream's duplicate window.
Settings read: none (the object store and the OCR sandbox are passed in).
"""

from __future__ import annotations

from services.parser.outputs import finished
from services.parser.picture_page import page_metadata, with_page
from services.parser.sandbox import Sandbox
from shared.events import DocNeedsOcr
from shared.runtime.publish import Outgoing
from shared.storage.base import ObjectStore


async def handle_needs_ocr(
    event: DocNeedsOcr, objects: ObjectStore, sandbox: Sandbox
) -> list[Outgoing]:
    """The OCR stage: the scan read by OCR in its sandbox → doc.parsed, as any other report.
    A scan OCR cannot read ends rejected with the reason (not_a_report, bomb, too_large …)."""
    data = await objects.get(event.ref.object_key)
    report = await sandbox.parse(
        data, source_url=event.ref.url, content_type=event.fetched.content_type, ocr=True
    )
    # a report published as pictures on a page: with what the page states (picture_page.py)
    page = await page_metadata(event.fetched, objects)
    return finished(event.fetched, with_page(report, page))
