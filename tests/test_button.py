"""Button platform: each button sends its remote service; gating and errors."""

from __future__ import annotations

from homeassistant.components.button import DOMAIN as BUTTON_DOMAIN, SERVICE_PRESS
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from simulator.cloud import MyBMWCloud
from tests.conftest import SetupEntry
from tests.platform_helpers import (
    COMBUSTION_VIN,
    EV_VIN,
    call_service,
    entity_ids,
    read_only_entry,
    unique_ids,
)


@pytest.mark.parametrize(
    ("entity_id", "service", "params"),
    [
        ("button.i4_edrive40_flash_lights", "light-flash", {}),
        ("button.i4_edrive40_sound_horn", "horn-blow", {}),
        ("button.i4_edrive40_activate_air_conditioning", "climate-now", {"action": "START"}),
        ("button.i4_edrive40_deactivate_air_conditioning", "climate-now", {"action": "STOP"}),
        ("button.i4_edrive40_find_vehicle", "vehicle-finder", {}),
    ],
)
@pytest.mark.usefixtures("all_entities_enabled")
async def test_press(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    cloud: MyBMWCloud,
    entity_id: str,
    service: str,
    params: dict[str, str],
) -> None:
    """Each button sends exactly its command to its vehicle."""
    cloud.reset_requests()
    await call_service(hass, BUTTON_DOMAIN, SERVICE_PRESS, entity_id)
    sent = cloud.requests_for(service)
    assert len(sent) == 1
    assert sent[0].vin == EV_VIN
    assert sent[0].params == params
    assert hass.states.get("sensor.i4_edrive40_remote_command").state == "executed"


async def test_press_failure(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud: MyBMWCloud
) -> None:
    """A command the car rejects is a translated error."""
    cloud.command_results["horn-blow"] = "ERROR"
    with pytest.raises(HomeAssistantError) as err:
        await call_service(hass, BUTTON_DOMAIN, SERVICE_PRESS, "button.i4_edrive40_sound_horn")
    assert err.value.translation_key == "command_failed"


async def test_capability_gating(
    hass: HomeAssistant, cloud: MyBMWCloud, config_entry: MockConfigEntry, setup_entry: SetupEntry
) -> None:
    """Buttons follow the capability flags of each vehicle."""
    cloud.vehicle(EV_VIN).capabilities["horn"] = False
    cloud.vehicle(EV_VIN).capabilities["vehicleFinder"] = False
    entry = await setup_entry(config_entry)
    ids = unique_ids(hass, entry, "button")
    ev = {uid.split("-", 1)[1] for uid in ids if uid.startswith(EV_VIN)}
    # vehicleFinder is informational: the finder is offered to every car taking commands.
    assert ev == {
        "light_flash",
        "activate_air_conditioning",
        "deactivate_air_conditioning",
        "find_vehicle",
    }
    assert f"{COMBUSTION_VIN}-sound_horn" in ids


async def test_read_only_has_no_buttons(
    hass: HomeAssistant, config_entry: MockConfigEntry, setup_entry: SetupEntry
) -> None:
    """Read-only mode creates no command entities."""
    entry = await setup_entry(read_only_entry(config_entry))
    assert entity_ids(hass, entry, "button") == []


async def test_climate_buttons_start_disabled(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """The climate switch starts and stops the same: the buttons start disabled."""
    registry = er.async_get(hass)
    for key in ("activate_air_conditioning", "deactivate_air_conditioning"):
        entry = registry.async_get(f"button.i4_edrive40_{key}")
        assert entry is not None
        assert entry.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    horn = registry.async_get("button.i4_edrive40_sound_horn")
    assert horn is not None
    assert horn.disabled_by is None


async def test_climate_button_without_switch_is_enabled(
    hass: HomeAssistant, cloud: MyBMWCloud, config_entry: MockConfigEntry, setup_entry: SetupEntry
) -> None:
    """A car that can only start its climate has no switch: the button is the only control."""
    cloud.vehicle(EV_VIN).st.pop("climateControlState")  # no climate state: no stop, no switch
    await setup_entry(config_entry)
    registry = er.async_get(hass)
    assert registry.async_get("switch.i4_edrive40_climate") is None
    entry = registry.async_get("button.i4_edrive40_activate_air_conditioning")
    assert entry is not None
    assert entry.disabled_by is None


async def test_no_finder_for_a_car_without_commands(
    hass: HomeAssistant, cloud: MyBMWCloud, config_entry: MockConfigEntry, setup_entry: SetupEntry
) -> None:
    """The finder is a command: a car that takes none gets no button."""
    capabilities = cloud.vehicle(EV_VIN).capabilities
    for key in ("vehicleFinder", "lock", "unlock", "lights", "horn"):
        capabilities[key] = False
    entry = await setup_entry(config_entry)
    assert f"{EV_VIN}-find_vehicle" not in unique_ids(hass, entry, "button")
