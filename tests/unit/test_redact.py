"""shared/redact.py: what a log record prints has its secrets masked, and the record keeps its
exception for handlers that look at it (pytest's caplog, the broker's idle-fetch filter)."""

from __future__ import annotations

import logging
import sys

from shared.redact import RedactingFilter, redact_url

SECRET_URL = "postgresql://nianbao:hunter2@db.internal/nianbao"


def _record_with_exception() -> logging.LogRecord:
    try:
        raise ConnectionError(f"cannot reach {SECRET_URL}")
    except ConnectionError:
        return logging.LogRecord(
            "nianbao.test",
            logging.ERROR,
            __file__,
            1,
            "store %s down",
            (SECRET_URL,),
            sys.exc_info(),
        )


def test_a_url_password_is_masked_and_the_user_kept():
    assert redact_url(SECRET_URL) == "postgresql://nianbao:***@db.internal/nianbao"


def test_a_filtered_record_prints_no_secret_in_its_message_or_traceback():
    record = _record_with_exception()
    assert RedactingFilter().filter(record)
    printed = logging.Formatter("%(message)s").format(record)
    assert "hunter2" not in printed
    assert "store postgresql://nianbao:***@db.internal/nianbao down" in printed
    assert "ConnectionError: cannot reach postgresql://nianbao:***@db.internal" in printed


def test_a_filtered_record_keeps_its_exception_for_other_handlers():
    record = _record_with_exception()
    RedactingFilter().filter(record)
    assert record.exc_info is not None and isinstance(record.exc_info[1], ConnectionError)
