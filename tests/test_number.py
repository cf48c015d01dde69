"""Number platform: target state of charge through the charging-settings command."""

from __future__ import annotations

from homeassistant.components.number import ATTR_VALUE, DOMAIN as NUMBER_DOMAIN, SERVICE_SET_VALUE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.bmw_mybmw.const import DOMAIN
from simulator.cloud import MyBMWCloud
from tests.conftest import SetupEntry
from tests.platform_helpers import (
    EV_VIN,
    MINI_VIN,
    call_service,
    entity_ids,
    read_only_entry,
    unique_ids,
)

TARGET = "number.i4_edrive40_target_soc"


async def _set(hass: HomeAssistant, value: float) -> None:
    await call_service(hass, NUMBER_DOMAIN, SERVICE_SET_VALUE, TARGET, {ATTR_VALUE: value})


@pytest.mark.usefixtures("all_entities_enabled")
async def test_set_target_soc(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud: MyBMWCloud
) -> None:
    """The new target goes out as chargingTarget with the AC limit unchanged."""
    assert hass.states.get(TARGET).state == "80"
    await _set(hass, 70)
    sent = cloud.requests_for("charging-settings")
    assert [r.json() for r in sent] == [{"chargingTarget": 70, "acLimitValue": None}]
    assert sent[0].vin == EV_VIN
    assert hass.states.get(TARGET).state == "70"
    assert hass.states.get("sensor.i4_edrive40_charging_target").state == "70"


@pytest.mark.parametrize(("value", "lower", "upper"), [(72, "70", "75"), (80.7, "80", "85")])
async def test_invalid_target_soc(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    cloud: MyBMWCloud,
    value: float,
    lower: str,
    upper: str,
) -> None:
    """A value off the 5 % grid is refused before anything is sent, never cut and shown."""
    with pytest.raises(ServiceValidationError) as err:
        await _set(hass, value)
    assert err.value.translation_domain == DOMAIN
    assert err.value.translation_key == "value_off_step"
    assert err.value.translation_placeholders == {
        "value": f"{value:g}",
        "step": "5",
        "lower": lower,
        "upper": upper,
    }
    assert cloud.requests_for("charging-settings") == []
    assert hass.states.get(TARGET).state == "80"


async def test_whole_value_as_float_is_sent_and_shown_whole(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud: MyBMWCloud
) -> None:
    """65.0 from a template is on the grid: sent as 65 and shown as what was sent."""
    await _set(hass, 65.0)
    assert [r.json()["chargingTarget"] for r in cloud.requests_for("charging-settings")] == [65]
    assert hass.states.get(TARGET).state == "65"


async def test_rejected_target_soc(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud: MyBMWCloud
) -> None:
    """A server error is a translated Home Assistant error."""
    cloud.faults.add("charging-settings", "500")
    with pytest.raises(HomeAssistantError) as err:
        await _set(hass, 60)
    assert err.value.translation_key == "command_error"
    assert hass.states.get(TARGET).state == "80"


async def test_capability_gating(
    hass: HomeAssistant, cloud: MyBMWCloud, config_entry: MockConfigEntry, setup_entry: SetupEntry
) -> None:
    """Only electric vehicles that allow setting the target get the number."""
    cloud.vehicle(MINI_VIN).capabilities["isChargingTargetSocEnabled"] = False
    entry = await setup_entry(config_entry)
    assert unique_ids(hass, entry, "number") == {f"{EV_VIN}-target_soc"}


async def test_read_only_has_no_numbers(
    hass: HomeAssistant, config_entry: MockConfigEntry, setup_entry: SetupEntry
) -> None:
    """Read-only mode creates no command entities."""
    entry = await setup_entry(read_only_entry(config_entry))
    assert entity_ids(hass, entry, "number") == []
