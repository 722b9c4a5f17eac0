"""shared.runtime.broker: FastStream's supervisor lines about an idle fetch that timed out are
dropped from the stage's broker logger; a consume task failing otherwise still logs at ERROR."""

from __future__ import annotations

import logging

import nats.errors

from shared.config import load
from shared.runtime.broker import make_broker

RETRYING = (
    "Task-7 raised an exception, retrying...\nIf this behavior causes issues, you can disable it"
    " via setting the FASTSTREAM_SUPERVISOR_DISABLED env to 1."
)


def _broker_logger(name: str) -> logging.Logger:
    broker = make_broker(load(env={}), name=name)
    logger = logging.getLogger(f"nianbao.broker.{name}")
    assert broker is not None and logger.filters
    return logger


def test_an_idle_fetch_timeout_is_not_logged_as_an_error(caplog):
    logger = _broker_logger("idle-test")
    with caplog.at_level(logging.DEBUG, logger=logger.name):
        logger.error(RETRYING, exc_info=TimeoutError())  # nats-py's bare timeout under load
        logger.error(RETRYING, exc_info=nats.errors.TimeoutError())
        logger.info("callback for Task-7 is being executed...")
    assert caplog.records == []


def test_any_other_failure_of_a_consume_task_still_logs_its_error(caplog):
    logger = _broker_logger("failing-test")
    with caplog.at_level(logging.DEBUG, logger=logger.name):
        logger.error(RETRYING, exc_info=ConnectionResetError("broker went away"))
        logger.error("fetch timed out", exc_info=TimeoutError())  # not the supervisor's line
    assert [r.levelname for r in caplog.records] == ["ERROR", "ERROR"]


def test_the_filter_is_added_once_per_logger():
    _broker_logger("once-test")
    assert len(_broker_logger("once-test").filters) == 1
