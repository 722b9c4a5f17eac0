"""The parser service: bytes of a fetched document → `ParsedReport` (see services/parser/api.py)."""

from services.parser.api import interpret, parse

__all__ = ["interpret", "parse"]
