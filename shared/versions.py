"""Versions of the code that produced a piece of data.

Events and index rows carry these so `nianbao reprocess --stale` can find reports produced by an
older parser or validator. Bump a version when a change can alter that stage's output for the
same input (not for refactors).
"""

PARSER_VERSION = "4"  # 4: session 15 — scanned tables read cell by cell, scores by least sure character (#14), and what else landed with it
VALIDATOR_VERSION = "3"  # 3: session 13 — O-001 OCR suspects (#14), and what else landed with it
INDEX_SCHEMA_VERSION = "1"
