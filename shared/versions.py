"""Versions of the code that produced a piece of data.

Events and index rows carry these so `nianbao reprocess --stale` can find reports produced by an
older parser or validator. Bump a version when a change can alter that stage's output for the
same input (not for refactors).
"""

PARSER_VERSION = "6"  # 6: session 17 — scans: a doubted digit of a ruled cell confirmed by the page's surely-read glyphs of that digit (#14). 5: session 16 — scans: faint rulings found whole, seals taken out by brightness, a number with more ink marks than characters read (or a dash-shaped first mark unread) withheld (#14)
VALIDATOR_VERSION = "3"  # 3: session 13 — O-001 OCR suspects (#14), and what else landed with it
INDEX_SCHEMA_VERSION = "1"
