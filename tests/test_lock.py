"""Lock platform: states, lock/unlock commands, optimistic state, errors, gating."""

from __future__ import annotations

from homeassistant.components.lock import DOMAIN as LOCK_DOMAIN, LockState
from homeassistant.const import SERVICE_LOCK, SERVICE_UNLOCK
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
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
)

MINI_LOCK = "lock.cooper_se_lock"
EV_LOCK = "lock.i4_edrive40_lock"


async def test_lock_and_unlock(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud: MyBMWCloud
) -> None:
    """The door commands reach the car and the new state is shown."""
    assert hass.states.get(MINI_LOCK).state == LockState.UNLOCKED
    await call_service(hass, LOCK_DOMAIN, SERVICE_LOCK, MINI_LOCK)
    assert [r.vin for r in cloud.requests_for("door-lock")] == [MINI_VIN]
    assert hass.states.get(MINI_LOCK).state == LockState.LOCKED
    progress = hass.states.get("sensor.cooper_se_remote_command")
    assert progress.state == "executed"
    assert progress.attributes["command"] == "door_lock"

    await call_service(hass, LOCK_DOMAIN, SERVICE_UNLOCK, MINI_LOCK)
    assert [r.vin for r in cloud.requests_for("door-unlock")] == [MINI_VIN]
    assert hass.states.get(MINI_LOCK).state == LockState.UNLOCKED


async def test_optimistic_state_until_next_poll(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    cloud: MyBMWCloud,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An executed command shows at once even when the car's report still lags."""
    monkeypatch.setattr(cloud.vehicle(MINI_VIN), "apply", lambda service, params: "EXECUTED")
    await call_service(hass, LOCK_DOMAIN, SERVICE_LOCK, MINI_LOCK)
    assert hass.states.get(MINI_LOCK).state == LockState.LOCKED
    await init_integration.runtime_data.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(MINI_LOCK).state == LockState.UNLOCKED


async def test_command_failure(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud: MyBMWCloud
) -> None:
    """A command the car rejects is a translated error and leaves the state alone."""
    cloud.command_results["door-unlock"] = "ERROR"
    with pytest.raises(HomeAssistantError) as err:
        await call_service(hass, LOCK_DOMAIN, SERVICE_UNLOCK, EV_LOCK)
    assert err.value.translation_domain == DOMAIN
    assert err.value.translation_key == "command_failed"
    assert hass.states.get(EV_LOCK).state == LockState.LOCKED
    assert hass.states.get("sensor.i4_edrive40_remote_command").state == "error"


async def test_server_error(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud: MyBMWCloud
) -> None:
    """A failing request is a translated error too."""
    cloud.faults.add("door-lock", "500")
    with pytest.raises(HomeAssistantError) as err:
        await call_service(hass, LOCK_DOMAIN, SERVICE_LOCK, MINI_LOCK)
    assert err.value.translation_key == "command_error"
    assert hass.states.get(MINI_LOCK).state == LockState.UNLOCKED


async def test_no_lock_without_capability(
    hass: HomeAssistant, cloud: MyBMWCloud, config_entry: MockConfigEntry, setup_entry: SetupEntry
) -> None:
    """A vehicle that cannot unlock remotely gets no lock entity."""
    cloud.vehicle(EV_VIN).capabilities["unlock"] = False
    entry = await setup_entry(config_entry)
    locks = entity_ids(hass, entry, "lock")
    assert EV_LOCK not in locks
    assert MINI_LOCK in locks


async def test_read_only_has_no_locks(
    hass: HomeAssistant, config_entry: MockConfigEntry, setup_entry: SetupEntry
) -> None:
    """Read-only mode creates no command entities."""
    entry = await setup_entry(read_only_entry(config_entry))
    assert entity_ids(hass, entry, "lock") == []
    assert entity_ids(hass, entry, "sensor")
