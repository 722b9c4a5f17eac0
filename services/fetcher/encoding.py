"""HTML charset detection for the fetcher is shared/charset.py's `decode_html` (the parser's
detector, moved to the library so both services use the same one).

This module only keeps the old import path working for crawl.py, which is being refactored in
parallel; once crawl.py imports `shared.charset.decode_html` itself, delete this file.
"""

from shared.charset import decode_html

__all__ = ["decode_html"]
