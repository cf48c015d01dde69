"""Select platform: AC current limit and charging mode commands."""

from __future__ import annotations

from homeassistant.components.select import (
    ATTR_OPTION,
    DOMAIN as SELECT_DOMAIN,
    SERVICE_SELECT_OPTION,
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
    PHEV_VIN,
    call_service,
    entity_ids,
    read_only_entry,
    unique_ids,
)

AC_LIMIT = "select.i4_edrive40_ac_charging_limit"
MODE = "select.i4_edrive40_charging_mode"


async def _select(hass: HomeAssistant, entity_id: str, option: str) -> None:
    await call_service(hass, SELECT_DOMAIN, SERVICE_SELECT_OPTION, entity_id, {ATTR_OPTION: option})


async def test_select_ac_limit(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud: MyBMWCloud
) -> None:
    """The AC limit goes out as acLimitValue with the target unchanged."""
    state = hass.states.get(AC_LIMIT)
    assert state.state == "16"
    assert "32" in state.attributes["options"]
    await _select(hass, AC_LIMIT, "10")
    sent = cloud.requests_for("charging-settings")
    assert [r.json() for r in sent] == [{"chargingTarget": None, "acLimitValue": 10}]
    assert sent[0].vin == EV_VIN
    assert hass.states.get(AC_LIMIT).state == "10"


async def test_select_charging_mode(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud: MyBMWCloud
) -> None:
    """Delayed charging sends the whole profile with a time-slot charging mode."""
    assert hass.states.get(MODE).state == "immediate_charging"
    await _select(hass, MODE, "delayed_charging")
    sent = cloud.requests_for("charging-profile")
    assert len(sent) == 1
    body = sent[0].json()
    assert body["chargingMode"]["type"] == "TIME_SLOT"
    assert body["chargingMode"]["chargingPreference"] == "CHARGING_WINDOW"
    assert hass.states.get(MODE).state == "delayed_charging"


async def test_select_failure(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud: MyBMWCloud
) -> None:
    """A rejected command is a translated error and keeps the old option."""
    cloud.command_results["charging-profile"] = "ERROR"
    with pytest.raises(HomeAssistantError) as err:
        await _select(hass, MODE, "delayed_charging")
    assert err.value.translation_key == "command_failed"
    assert hass.states.get(MODE).state == "immediate_charging"


async def test_capability_gating(hass: HomeAssistant, init_integration: MockConfigEntry) -> None:
    """AC limit needs the capability and offered limits; charging mode needs a charging plan."""
    ids = unique_ids(hass, init_integration, "select")
    assert f"{EV_VIN}-ac_limit" in ids
    assert f"{PHEV_VIN}-ac_limit" not in ids  # no charging settings on this car
    assert f"{PHEV_VIN}-charging_mode" in ids
    assert not any(uid.startswith(COMBUSTION_VIN) for uid in ids)


async def test_read_only_has_no_selects(
    hass: HomeAssistant, config_entry: MockConfigEntry, setup_entry: SetupEntry
) -> None:
    """Read-only mode creates no command entities."""
    entry = await setup_entry(read_only_entry(config_entry))
    assert entity_ids(hass, entry, "select") == []
