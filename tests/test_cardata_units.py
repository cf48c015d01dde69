"""CarData integration details: session parsing, the paho transport hook, check-time errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import respx

from custom_components.bmw_mybmw import cardata_coordinator
from custom_components.bmw_mybmw.cardata import CarDataClient
from custom_components.bmw_mybmw.cardata.charging_sessions import newest_session, parse_session
from custom_components.bmw_mybmw.cardata.exceptions import CarDataAPIError, CarDataQuotaError
from custom_components.bmw_mybmw.cardata.stream import PahoConnection
from custom_components.bmw_mybmw.cardata_coordinator import SILENT_REFRESH_AFTER, CarDataCoordinator
from custom_components.bmw_mybmw.messages import translated
from simulator.cardata import CarDataCloud
from tests.cardata_ha import entity_id

EV = "WBA0FLEET00000001"


def test_session_parsing_tolerates_bad_fields() -> None:
    session = parse_session(
        {
            "startTime": 1_717_315_200_000,  # milliseconds
            "endTime": "yesterday",
            "energyConsumedFromPowerGridKwh": True,
            "totalChargingDurationSec": 3599.6,
            "chargingCostInformation": {"currency": "", "calculatedChargingCost": 2},
            "displayedStartSoc": None,
            "displayedSoc": 81,
        }
    )
    assert session.start == datetime(2024, 6, 2, 8, 0, tzinfo=UTC)
    assert session.end is None
    assert session.energy_kwh is None
    assert session.duration_s == 3600
    assert session.cost == 2.0
    assert session.currency is None
    assert session.start_soc is None
    assert session.end_soc == 81
    assert parse_session({"startTime": 1e300, "chargingCostInformation": 5}).start is None


def test_newest_session_by_end_time() -> None:
    sessions = [{"endTime": 10, "n": 1}, {"n": 2}, {"endTime": 30, "n": 3}, {"endTime": 20}]
    assert newest_session(sessions) == {"endTime": 30, "n": 3}
    assert newest_session([{"n": 1}]) is None


def test_translated_errors() -> None:
    quota = CarDataQuotaError("x", retry_at=datetime(2025, 6, 3, tzinfo=UTC))
    assert translated(quota, "update_failed")["translation_key"] == "quota_exceeded"
    assert (
        translated(CarDataQuotaError("x"), "update_failed")["translation_key"]
        == "quota_exceeded_no_reset"
    )


async def test_real_transport_is_paho(
    hass: HomeAssistant, cardata_setup: MockConfigEntry, monkeypatch: pytest.MonkeyPatch
) -> None:
    coordinator = cardata_setup.runtime_data
    assert isinstance(coordinator, CarDataCoordinator)
    # The broker fixture replaced the transport; put the real one back.
    monkeypatch.setattr(cardata_coordinator, "PahoConnection", PahoConnection)
    connection = coordinator._paho_connection()
    assert isinstance(connection, PahoConnection)
    ran: list[int] = []
    await connection._run_blocking(lambda: ran.append(1))
    assert ran == [1]


async def test_check_after_the_login_expired_starts_reauth(
    hass: HomeAssistant,
    cardata_cloud: CarDataCloud,
    cardata_setup: MockConfigEntry,
) -> None:
    coordinator = cardata_setup.runtime_data
    cardata_cloud.account.access_tokens.clear()
    cardata_cloud.account.refresh_tokens.clear()
    await coordinator.async_check(dt_util.utcnow() + SILENT_REFRESH_AFTER + timedelta(minutes=1))
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress()
    assert [f["context"]["source"] for f in flows] == [SOURCE_REAUTH]


async def test_check_survives_quota_and_vehicle_errors(
    hass: HomeAssistant,
    cardata_cloud: CarDataCloud,
    cardata_api: respx.MockRouter,
    cardata_setup: MockConfigEntry,
) -> None:
    """A vehicle gone from the mapping fails alone; the server's CU-429 ends the round."""
    coordinator = cardata_setup.runtime_data
    battery = entity_id(hass, "sensor", f"{EV}-remaining_battery_percent")
    cardata_cloud.specs.pop("WMW0FLEET00000004")
    tomorrow = dt_util.utcnow() + timedelta(days=1)
    await coordinator.async_check(tomorrow)
    assert hass.states.get(battery).state == "80"
    cardata_cloud.daily_limit = 0
    await coordinator.async_check(tomorrow + SILENT_REFRESH_AFTER)
    assert coordinator.budget.remaining == 0


async def test_unchanged_message_publishes_nothing(
    hass: HomeAssistant, cardata_cloud: CarDataCloud, cardata_setup: MockConfigEntry
) -> None:
    coordinator = cardata_setup.runtime_data
    seen: list[int] = []
    coordinator.async_add_listener(lambda: seen.append(1))
    stamp = dt_util.utcnow() - timedelta(days=30)  # older than what REST delivered
    payload = cardata_cloud.stream_payload(
        EV, ["vehicle.drivetrain.batteryManagement.header"], timestamp=stamp
    )
    from custom_components.bmw_mybmw.cardata import parse_message

    coordinator._async_on_message(parse_message(payload))
    assert seen == []
    assert coordinator.messages_received == 1


async def test_basic_data_failure_keeps_the_vehicle(
    hass: HomeAssistant,
    monkeypatch: pytest.MonkeyPatch,
    cardata_entry: MockConfigEntry,
    cardata_api: respx.MockRouter,
    broker: object,
) -> None:
    async def broken(self: CarDataClient, vin: str) -> dict[str, object]:
        raise CarDataAPIError("CarData API error 500", status_code=500)

    monkeypatch.setattr(CarDataClient, "get_basic_data", broken)
    cardata_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(cardata_entry.entry_id)
    await hass.async_block_till_done()
    coordinator = cardata_entry.runtime_data
    assert len(coordinator.data) == 4
    await hass.config_entries.async_unload(cardata_entry.entry_id)
