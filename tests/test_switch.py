"""Switch platform: climate and charging commands, optimistic state, capability gating."""

from __future__ import annotations

from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.const import (
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    STATE_OFF,
    STATE_ON,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from simulator.cloud import MyBMWCloud
from tests.conftest import SetupEntry
from tests.platform_helpers import (
    COMBUSTION_VIN,
    EV_VIN,
    MINI_VIN,
    call_service,
    entity_ids,
    read_only_entry,
    unique_ids,
)


async def test_climate(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud: MyBMWCloud
) -> None:
    """Climate on/off sends climate-now START/STOP and shows the car's activity."""
    entity_id = "switch.i4_edrive40_climate"
    assert hass.states.get(entity_id).state == STATE_OFF
    await call_service(hass, SWITCH_DOMAIN, SERVICE_TURN_ON, entity_id)
    assert [r.params for r in cloud.requests_for("climate-now")] == [{"action": "START"}]
    assert hass.states.get(entity_id).state == STATE_ON
    assert hass.states.get("sensor.i4_edrive40_climate_status").state == "cooling"

    await call_service(hass, SWITCH_DOMAIN, SERVICE_TURN_OFF, entity_id)
    assert cloud.requests_for("climate-now")[-1].params == {"action": "STOP"}
    assert hass.states.get(entity_id).state == STATE_OFF


async def test_climate_optimistic(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    cloud: MyBMWCloud,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An executed command shows at once; the next poll brings the car's own report."""
    monkeypatch.setattr(cloud.vehicle(EV_VIN), "apply", lambda service, params: "EXECUTED")
    await call_service(hass, SWITCH_DOMAIN, SERVICE_TURN_ON, "switch.i4_edrive40_climate")
    assert hass.states.get("switch.i4_edrive40_climate").state == STATE_ON
    await init_integration.runtime_data.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get("switch.i4_edrive40_climate").state == STATE_OFF


async def test_charging(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud: MyBMWCloud
) -> None:
    """Charging on/off sends start/stop-charging for the plugged-in car."""
    entity_id = "switch.cooper_se_charging"
    assert hass.states.get(entity_id).state == STATE_OFF
    await call_service(hass, SWITCH_DOMAIN, SERVICE_TURN_ON, entity_id)
    assert [r.vin for r in cloud.requests_for("start-charging")] == [MINI_VIN]
    assert hass.states.get(entity_id).state == STATE_ON
    await call_service(hass, SWITCH_DOMAIN, SERVICE_TURN_OFF, entity_id)
    assert [r.vin for r in cloud.requests_for("stop-charging")] == [MINI_VIN]
    assert hass.states.get(entity_id).state == STATE_OFF


async def test_charging_ignored_without_charger(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud: MyBMWCloud
) -> None:
    """Without a plugged-in charger the start is skipped and the switch stays off."""
    await call_service(hass, SWITCH_DOMAIN, SERVICE_TURN_ON, "switch.i4_edrive40_charging")
    assert cloud.requests_for("start-charging") == []
    assert hass.states.get("switch.i4_edrive40_charging").state == STATE_OFF
    assert hass.states.get("sensor.i4_edrive40_remote_command").state == "ignored"


async def test_charging_error(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud: MyBMWCloud
) -> None:
    """A rejected charge start is a translated error."""
    cloud.command_results["start-charging"] = "ERROR"
    with pytest.raises(HomeAssistantError) as err:
        await call_service(hass, SWITCH_DOMAIN, SERVICE_TURN_ON, "switch.cooper_se_charging")
    assert err.value.translation_key == "command_failed"
    assert hass.states.get("switch.cooper_se_charging").state == STATE_OFF


async def test_no_charging_switch_without_capability(
    hass: HomeAssistant, cloud: MyBMWCloud, config_entry: MockConfigEntry, setup_entry: SetupEntry
) -> None:
    """No charging switch without START/STOP capability (nor for combustion cars)."""
    cloud.vehicle(EV_VIN).capabilities["remoteChargingCommands"] = {}
    entry = await setup_entry(config_entry)
    ids = unique_ids(hass, entry, "switch")
    assert f"{EV_VIN}-charging" not in ids
    assert f"{EV_VIN}-climate" in ids
    assert f"{COMBUSTION_VIN}-charging" not in ids
    assert f"{MINI_VIN}-charging" in ids


async def test_read_only_has_no_switches(
    hass: HomeAssistant, config_entry: MockConfigEntry, setup_entry: SetupEntry
) -> None:
    """Read-only mode creates no command entities."""
    entry = await setup_entry(read_only_entry(config_entry))
    assert entity_ids(hass, entry, "switch") == []
