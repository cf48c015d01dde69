"""The deprecation guard recognises Home Assistant's reports about our code, and only those."""

from __future__ import annotations

import logging

from tests.deprecation_guard import deprecation_reports


def _record(level: int, message: str) -> logging.LogRecord:
    return logging.LogRecord("homeassistant.helpers.frame", level, __file__, 1, message, (), None)


def test_reports_about_our_code_are_found() -> None:
    records = [
        _record(
            logging.WARNING,
            "Detected that custom integration 'bmw_mybmw' has an update listener and should use "
            "it for scheduling a reload. This will stop working in Home Assistant 2026.12.0",
        ),
        _record(
            logging.WARNING,
            "The deprecated alias TrackerEntity was used from bmw_mybmw. It will be removed in "
            "HA Core 2027.6.",
        ),
    ]
    assert len(deprecation_reports(records)) == 2


def test_other_messages_pass() -> None:
    records = [
        _record(
            logging.WARNING,
            "We found a custom integration bmw_mybmw which has not been "
            "tested by Home Assistant. This component might cause stability problems",
        ),
        _record(logging.WARNING, "Detected that custom integration 'other' uses a deprecated API"),
        _record(logging.DEBUG, "bmw_mybmw: deprecated field ignored"),
        _record(logging.ERROR, "bmw_mybmw: update failed"),
    ]
    assert deprecation_reports(records) == []
