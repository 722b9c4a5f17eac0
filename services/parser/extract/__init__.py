"""Bytes → `Document`: sniff the kind, decode, and extract paragraphs and table grids from HTML,
plain text, PDF, DOCX, spreadsheets and legacy Office files. Knows nothing of the report format
(that is read/)."""

from services.parser.extract.dispatch import DEFAULT_LIMITS, Limits, extract

__all__ = ["DEFAULT_LIMITS", "Limits", "extract"]
