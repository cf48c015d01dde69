"""Fail any test during which Home Assistant reports our code as using something it deprecates.

Home Assistant logs these reports ("Detected that custom integration 'bmw_mybmw' ...", "The
deprecated alias X was used from bmw_mybmw ...") and keeps working until the announced release;
a test that fails the day a break is announced is cheaper than a user whose setup stops working.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
import logging
import re

import pytest

OURS = "bmw_mybmw"
REPORT = re.compile(
    r"deprecat|will stop working|Detected that custom integration|please report|"
    r"will be removed|breaks in",
    re.IGNORECASE,
)
# Home Assistant's notice that any custom integration is untested: not about our code's use of it.
NOT_A_REPORT = "has not been tested by Home Assistant"


def deprecation_reports(records: Iterable[logging.LogRecord]) -> list[str]:
    """The warnings and errors that report our code's use of something deprecated."""
    found = []
    for record in records:
        if record.levelno < logging.WARNING:
            continue
        message = record.getMessage()
        if OURS in message and REPORT.search(message) and NOT_A_REPORT not in message:
            found.append(message)
    return found


@pytest.fixture(autouse=True)
def no_deprecation_reports(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Check every test's log for reports about our code."""
    yield
    reports = deprecation_reports(caplog.get_records("setup") + caplog.get_records("call"))
    if reports:
        pytest.fail("Home Assistant reported deprecated use by bmw_mybmw:\n" + "\n".join(reports))
