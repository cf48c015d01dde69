"""Regions, the loopback server override and the shared models."""

from __future__ import annotations

import logging

import pytest

from custom_components.bmw_mybmw.mybmw.api.regions import (
    SERVER_URL_ENV,
    Regions,
    get_app_version,
    get_ocp_apim_key,
    get_region_from_name,
    get_server_url,
    is_loopback_url,
)
from custom_components.bmw_mybmw.mybmw.models import GPSPosition, PointOfInterest
from custom_components.bmw_mybmw.mybmw.vehicle.doors_windows import LockState
from custom_components.bmw_mybmw.mybmw.vehicle.remote_services import Services


@pytest.mark.parametrize(
    ("name", "region"),
    [
        ("rest_of_world", Regions.REST_OF_WORLD),
        ("North_America", Regions.NORTH_AMERICA),
        (" china ", Regions.CHINA),
    ],
)
def test_region_from_name(name: str, region: Regions) -> None:
    assert get_region_from_name(name) is region


def test_unknown_region_lists_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="north_america, china, rest_of_world"):
        get_region_from_name("europe")


def test_server_urls_and_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SERVER_URL_ENV, raising=False)
    assert get_server_url(Regions.REST_OF_WORLD) == "https://cocoapi.bmwgroup.com"
    assert get_server_url(Regions.NORTH_AMERICA) == "https://cocoapi.bmwgroup.us"
    assert get_server_url(Regions.CHINA) == "https://myprofile.bmw.com.cn"
    assert get_ocp_apim_key(Regions.REST_OF_WORLD) == "4f1c85a3-758f-a37d-bbb6-f8704494acfa"
    assert get_ocp_apim_key(Regions.NORTH_AMERICA) == "31e102f5-6f7e-7ef3-9044-ddce63891362"
    with pytest.raises(ValueError, match="no OAuth subscription key"):
        get_ocp_apim_key(Regions.CHINA)
    assert get_app_version(Regions.CHINA) == "4.9.2(36892)"


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8765", "http://localhost:1/", "https://[::1]:443", "http://127.5.0.1"]
)
def test_loopback_override_is_used(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv(SERVER_URL_ENV, url)
    assert get_server_url(Regions.NORTH_AMERICA) == url.rstrip("/")


@pytest.mark.parametrize(
    "url",
    [
        "https://cocoapi.bmwgroup.com",
        "http://10.0.0.5:8765",
        "ftp://127.0.0.1",
        "http://",
        "nonsense",
    ],
)
def test_non_loopback_override_is_refused(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv(SERVER_URL_ENV, url)
    assert not is_loopback_url(url)
    with pytest.raises(ValueError, match="loopback"):
        get_server_url(Regions.REST_OF_WORLD)


def test_empty_override_means_bmw(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SERVER_URL_ENV, "  ")
    assert get_server_url(Regions.REST_OF_WORLD) == "https://cocoapi.bmwgroup.com"


def test_str_enum_matches_any_case_and_degrades_to_unknown(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    assert LockState("locked") is LockState.LOCKED
    assert LockState("NEW_STATE") is LockState.UNKNOWN
    assert LockState("WBA00000000DEMO02") is LockState.UNKNOWN
    assert "NEW_STATE" in caplog.text
    assert "WBA00000000DEMO02" not in caplog.text  # identifiers never reach the log
    assert str(LockState.SECURED) == "SECURED"


def test_str_enum_without_unknown_raises() -> None:
    with pytest.raises(ValueError, match="not-a-service"):
        Services("not-a-service")


def test_gps_position_validates_and_unpacks() -> None:
    latitude, longitude = GPSPosition(48.1, 11.5)
    assert (latitude, longitude) == (48.1, 11.5)
    with pytest.raises(ValueError, match="latitude"):
        GPSPosition(91, 0)
    with pytest.raises(ValueError, match="longitude"):
        GPSPosition(0, -181)


def test_point_of_interest_normalises_input() -> None:
    poi = PointOfInterest(lat="48.5", lon=11, name="")  # type: ignore[arg-type]
    assert (poi.lat, poi.lon) == (48.5, 11.0)
    assert poi.coordinates == GPSPosition(48.5, 11.0)
    assert poi.name == "Sent from Home Assistant"
    with pytest.raises(ValueError, match="numbers"):
        PointOfInterest(lat="north", lon=0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="latitude"):
        PointOfInterest(lat=95, lon=0)
