"""The machine's zone keeps its daylight-saving rules for every date (not today's offset)."""

from __future__ import annotations

from collections.abc import Iterator
import datetime
import time

import pytest

from custom_components.bmw_mybmw.mybmw.utils import SYSTEM_TIME_ZONE, SystemTimeZone


@pytest.fixture
def machine_zone(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("TZ", request.param)
    time.tzset()
    yield request.param
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize(
    ("machine_zone", "winter", "summer", "names"),
    [
        ("America/Los_Angeles", -8, -7, ("PST", "PDT")),
        ("Europe/Berlin", 1, 2, ("CET", "CEST")),
    ],
    indirect=["machine_zone"],
)
def test_offsets_follow_the_season(
    machine_zone: str, winter: int, summer: int, names: tuple[str, str]
) -> None:
    january = datetime.datetime(2024, 1, 15, 18, 1, tzinfo=SYSTEM_TIME_ZONE)
    june = datetime.datetime(2024, 6, 15, 18, 1, tzinfo=SYSTEM_TIME_ZONE)
    assert january.utcoffset() == datetime.timedelta(hours=winter)
    assert june.utcoffset() == datetime.timedelta(hours=summer)
    assert (january.tzname(), june.tzname()) == names
    assert january.dst() == datetime.timedelta(0)
    assert june.dst() == datetime.timedelta(hours=1)
    # From UTC and back: the wall clock of a June moment is summer time.
    moment = datetime.datetime(2024, 6, 15, 12, tzinfo=datetime.UTC)
    local = moment.astimezone(SYSTEM_TIME_ZONE)
    assert local.hour == (12 + summer) % 24
    assert local.astimezone(datetime.UTC) == moment
    assert SYSTEM_TIME_ZONE.utcoffset(None) in (
        datetime.timedelta(hours=winter),
        datetime.timedelta(hours=summer),
    )


def test_all_instances_are_the_same_zone() -> None:
    assert SystemTimeZone() == SYSTEM_TIME_ZONE
    assert hash(SystemTimeZone()) == hash(SYSTEM_TIME_ZONE)
    assert SYSTEM_TIME_ZONE != datetime.UTC
    assert repr(SYSTEM_TIME_ZONE) == "SystemTimeZone()"
