"""A CarData entry and the config flow honour the loopback overrides from the environment."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.bmw_mybmw import flow_cardata
from custom_components.bmw_mybmw.cardata.const import AUTH_BASE_URL, STREAM_HOST
from custom_components.bmw_mybmw.cardata.stream import PahoConnection
from custom_components.bmw_mybmw.cardata_coordinator import CarDataCoordinator
from simulator.cardata import DEMO_CLIENT_ID


async def test_entry_uses_the_loopback_simulator(
    hass: HomeAssistant, cardata_entry: MockConfigEntry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CARDATA_SERVER_URL", "http://127.0.0.1:8766")
    monkeypatch.setenv("CARDATA_STREAM_URL", "mqtt://127.0.0.1:1883")
    cardata_entry.add_to_hass(hass)
    coordinator = CarDataCoordinator(hass, cardata_entry)
    assert coordinator.auth._base_url == "http://127.0.0.1:8766"
    assert coordinator.client._base_url == "http://127.0.0.1:8766"
    assert (coordinator.stream.host, coordinator.stream.port) == ("127.0.0.1", 1883)
    connection = coordinator._paho_connection()
    assert isinstance(connection, PahoConnection)
    assert connection._tls is False
    flow_auth = flow_cardata.cardata_auth(hass, DEMO_CLIENT_ID)
    assert flow_auth._base_url == "http://127.0.0.1:8766"


async def test_entry_defaults_to_bmw_with_tls(
    hass: HomeAssistant, cardata_entry: MockConfigEntry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CARDATA_SERVER_URL", raising=False)
    monkeypatch.delenv("CARDATA_STREAM_URL", raising=False)
    cardata_entry.add_to_hass(hass)
    coordinator = CarDataCoordinator(hass, cardata_entry)
    assert coordinator.auth._base_url == AUTH_BASE_URL
    assert coordinator.stream.host == STREAM_HOST
    connection = coordinator._paho_connection()
    assert isinstance(connection, PahoConnection)
    assert connection._tls is True


async def test_remote_override_is_refused(
    hass: HomeAssistant, cardata_entry: MockConfigEntry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CARDATA_STREAM_URL", "mqtts://broker.example.com:8883")
    cardata_entry.add_to_hass(hass)
    with pytest.raises(ValueError, match="loopback"):
        CarDataCoordinator(hass, cardata_entry)
    monkeypatch.delenv("CARDATA_STREAM_URL")
    monkeypatch.setenv("CARDATA_SERVER_URL", "https://evil.example.com")
    with pytest.raises(ValueError, match="loopback"):
        flow_cardata.cardata_auth(hass, DEMO_CLIENT_ID)
