"""Coordinator: error paths, token persistence, fleet changes, the command helper."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import logging
from unittest.mock import AsyncMock, patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.bmw_mybmw.command_progress import CommandProgress
from custom_components.bmw_mybmw.const import (
    CONF_GCID,
    CONF_REFRESH_TOKEN,
    DOMAIN,
    PROFILE_RELOAD_INTERVAL,
    RELIST_INTERVAL,
    SCAN_INTERVALS,
)
from custom_components.bmw_mybmw.mybmw.models import (
    MyBMWAPIError,
    MyBMWAuthError,
    MyBMWBlockedError,
    MyBMWCaptchaMissingError,
    MyBMWConnectionError,
    MyBMWQuotaError,
    MyBMWRemoteServiceError,
)
from custom_components.bmw_mybmw.mybmw.vehicle.remote_services import (
    ExecutionState,
    RemoteServiceStatus,
)
from simulator import fleet
from simulator.cloud import DEMO_USERNAME, MyBMWCloud
from simulator.vehicles import SimVehicle
from tests.entry_helpers import coordinator_of
from tests.registry_helpers import vehicle_device

FIRST_VIN = fleet.make_vin(1)


async def test_polling_interval_by_region(init_integration: MockConfigEntry) -> None:
    """The planner sets the interval; the former regional default is only its floor."""
    coordinator = coordinator_of(init_integration)
    assert coordinator.update_interval >= SCAN_INTERVALS["rest_of_world"]
    assert coordinator.planner.active_interval == SCAN_INTERVALS["rest_of_world"]
    assert SCAN_INTERVALS["north_america"] == timedelta(seconds=600)


async def test_rotated_refresh_token_is_persisted(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud: MyBMWCloud, tokens: dict
) -> None:
    """Refresh tokens work once: every rotation must reach the entry at once."""
    entry = init_integration
    first = entry.data[CONF_REFRESH_TOKEN]
    assert first != tokens["refresh_token"]  # setup already redeemed the stored one
    assert first == coordinator_of(entry).account.refresh_token

    cloud.expire_access_tokens()  # next call answers 401 -> token refresh
    await coordinator_of(entry).async_refresh()
    assert coordinator_of(entry).last_update_success
    assert entry.data[CONF_REFRESH_TOKEN] not in (first, tokens["refresh_token"])
    assert entry.data[CONF_REFRESH_TOKEN] == coordinator_of(entry).account.refresh_token
    assert entry.data[CONF_GCID] == tokens["gcid"]


@pytest.mark.parametrize("kind", ["500", "503", "timeout", "malformed"])
async def test_transient_error_keeps_token_and_entry(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    cloud: MyBMWCloud,
    kind: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    entry = init_integration
    coordinator = coordinator_of(entry)
    token = entry.data[CONF_REFRESH_TOKEN]
    rule = cloud.faults.add("state", kind)

    await coordinator.async_refresh()
    assert not coordinator.last_update_success
    assert entry.state is ConfigEntryState.LOADED
    assert entry.data[CONF_REFRESH_TOKEN] == token
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    # Entities become unavailable while the account can't be read.
    state = hass.states.get("device_tracker.i4_edrive40")
    assert state is not None
    assert state.state == "unavailable"

    # Logged once when it fails, not on every further failure; once when it recovers.
    await coordinator.async_refresh()
    errors = [r for r in caplog.records if r.levelno == logging.ERROR and DOMAIN in r.getMessage()]
    assert len(errors) == 1
    cloud.faults.remove(rule.id)
    await coordinator.async_refresh()
    assert coordinator.last_update_success
    assert "recovered" in caplog.text
    assert hass.states.get("device_tracker.i4_edrive40").state != "unavailable"


async def test_rejected_refresh_token_starts_reauth(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud: MyBMWCloud
) -> None:
    """A refresh token the server refuses needs a password (and captcha) login: reauth."""
    cloud.expire_access_tokens()
    cloud.revoke_refresh_tokens()
    await coordinator_of(init_integration).async_refresh()
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]
    assert flows[0]["context"]["entry_id"] == init_integration.entry_id


@pytest.mark.parametrize("error", [MyBMWAuthError("rejected"), MyBMWCaptchaMissingError("x")])
async def test_auth_errors_start_reauth(
    hass: HomeAssistant, init_integration: MockConfigEntry, error: Exception
) -> None:
    coordinator = coordinator_of(init_integration)
    with patch.object(coordinator.account, "get_vehicles", AsyncMock(side_effect=error)):
        await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert coordinator.last_exception.translation_key == "auth_failed"
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]


async def test_quota_exceeded_says_when_it_resets(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud: MyBMWCloud
) -> None:
    coordinator = coordinator_of(init_integration)
    cloud.faults.add("state", "quota", 1)
    await coordinator.async_refresh()
    err = coordinator.last_exception
    assert not coordinator.last_update_success
    assert err.translation_key == "quota_exceeded"
    assert err.translation_placeholders["retry_at"]
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert init_integration.state is ConfigEntryState.LOADED


@pytest.mark.parametrize(
    ("error", "key", "placeholders"),
    [
        (
            MyBMWQuotaError("x", retry_at=datetime(2030, 1, 2, 0, 0, tzinfo=UTC)),
            "quota_exceeded",
            {"retry_at": "2030-01-01 16:00 PST"},
        ),
        (MyBMWQuotaError("rate limited"), "quota_exceeded_no_reset", {}),
        (MyBMWBlockedError("Blocked"), "blocked", {}),
        (MyBMWConnectionError("timed out"), "update_failed", {"error": "timed out"}),
        (
            MyBMWAPIError(f"HTTP 500 for /vehicles/{FIRST_VIN}/x"),
            "update_failed",
            {"error": "HTTP 500 for /vehicles/<vin>/x"},
        ),
    ],
)
async def test_update_errors_are_translated(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    error: Exception,
    key: str,
    placeholders: dict[str, str],
) -> None:
    """Each failure gets its own message; VINs never reach logs or the UI."""
    coordinator = coordinator_of(init_integration)
    with patch.object(coordinator.account, "get_vehicles", AsyncMock(side_effect=error)):
        await coordinator.async_refresh()
    assert coordinator.last_exception.translation_domain == DOMAIN
    assert coordinator.last_exception.translation_key == key
    assert coordinator.last_exception.translation_placeholders == placeholders
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)


async def test_fleet_changes_without_reload(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    cloud: MyBMWCloud,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Once a day the lists are read again: new vehicles appear, gone ones are removed."""
    coordinator = coordinator_of(init_integration)
    entities = er.async_get(hass)
    gone = fleet.make_vin(3)
    new_spec = fleet.range_extender_bmw(5)
    cloud.vehicles[new_spec.vin] = SimVehicle.from_spec(new_spec)
    cloud.accounts[DEMO_USERNAME].vins = [vin for vin in cloud.vehicles if vin != gone]
    assert vehicle_device(hass, gone) is not None

    # A normal poll does not list the vehicles again (quota).
    cloud.reset_requests()
    await coordinator.async_refresh()
    assert cloud.count("vehicle_list") == 0
    assert new_spec.vin not in coordinator.data

    freezer.tick(RELIST_INTERVAL)
    async_fire_time_changed(hass)
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert cloud.count("vehicle_list") > 0
    # Only the new car's profile is read; the known ones wait for the weekly reload.
    assert [r.vin for r in cloud.requests_for("profile")] == [new_spec.vin]
    assert set(coordinator.data) == {vin for vin in cloud.vehicles if vin != gone}
    assert init_integration.state is ConfigEntryState.LOADED

    assert vehicle_device(hass, gone) is None
    assert not [e for e in entities.entities.values() if f"-{gone}-" in e.unique_id]
    assert vehicle_device(hass, new_spec.vin) is not None
    assert [e for e in entities.entities.values() if f"-{new_spec.vin}-" in e.unique_id]

    # The next poll is a normal one again.
    cloud.reset_requests()
    await coordinator.async_refresh()
    assert cloud.count("vehicle_list") == 0

    # A week after setup the re-listing reads every profile again (software updates).
    freezer.tick(PROFILE_RELOAD_INTERVAL - RELIST_INTERVAL)
    cloud.reset_requests()
    await coordinator.async_refresh()
    assert {r.vin for r in cloud.requests_for("profile")} == set(coordinator.data)


async def test_foreign_devices_are_kept(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Only devices keyed by a VIN of this integration count as vehicles."""
    devices = dr.async_get(hass)
    other = devices.async_get_or_create(
        config_entry_id=init_integration.entry_id, identifiers={("other", "x")}
    )
    await coordinator_of(init_integration).async_refresh()
    assert devices.async_get(other.id) is not None


# ------------------------------------------------------------------------ commands


async def test_command_records_progress_and_publishes_state(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud: MyBMWCloud
) -> None:
    """Progress is recorded as the client reports it; only the vehicle is refreshed after."""
    coordinator = coordinator_of(init_integration)
    vehicle = coordinator.data[FIRST_VIN]
    seen: list[str] = []
    unsub = coordinator.async_add_listener(
        lambda: seen.append(coordinator.command_progress[FIRST_VIN].state)
    )
    cloud.reset_requests()
    token = init_integration.data[CONF_REFRESH_TOKEN]

    status = await coordinator.async_run_command(
        FIRST_VIN, vehicle.remote_services.trigger_remote_door_unlock
    )
    unsub()
    assert status.state is ExecutionState.EXECUTED
    assert seen[0] == "initiated"
    assert "executed" in seen
    progress = coordinator.command_progress[FIRST_VIN]
    assert progress.service == "door_unlock"
    assert progress.state == "executed"
    assert progress.error is None
    # No account-wide reload: only the commanded vehicle's state was read again.
    assert cloud.count("vehicle_list") == 0
    assert {r.vin for r in cloud.requests_for("state")} == {FIRST_VIN}
    assert str(coordinator.data[FIRST_VIN].doors_and_windows.door_lock_state) == "UNLOCKED"
    assert init_integration.data[CONF_REFRESH_TOKEN] == token


async def test_command_validation_error(init_integration: MockConfigEntry) -> None:
    coordinator = coordinator_of(init_integration)

    async def invalid() -> RemoteServiceStatus:
        raise ValueError("This vehicle does not support horn")

    with pytest.raises(ServiceValidationError) as exc:
        await coordinator.async_run_command(FIRST_VIN, invalid, service="horn-blow")
    assert exc.value.translation_key == "command_invalid"
    assert exc.value.translation_placeholders == {"error": "This vehicle does not support horn"}
    assert FIRST_VIN not in coordinator.command_progress


@pytest.mark.parametrize(
    ("error", "key"),
    [
        (MyBMWRemoteServiceError("door-lock failed in the vehicle"), "command_failed"),
        (MyBMWQuotaError("quota"), "quota_exceeded_no_reset"),
        (MyBMWBlockedError("Blocked"), "blocked"),
        (MyBMWConnectionError("timeout"), "command_error"),
        (MyBMWAPIError("HTTP 500"), "command_error"),
    ],
)
async def test_command_errors_are_translated(
    hass: HomeAssistant, init_integration: MockConfigEntry, error: Exception, key: str
) -> None:
    coordinator = coordinator_of(init_integration)

    async def failing() -> RemoteServiceStatus:
        raise error

    with pytest.raises(HomeAssistantError) as exc:
        await coordinator.async_run_command(FIRST_VIN, failing, service="door-lock")
    assert exc.value.translation_domain == DOMAIN
    assert exc.value.translation_key == key
    progress = coordinator.command_progress[FIRST_VIN]
    assert (progress.service, progress.state) == ("door_lock", "error")
    assert progress.error
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)


async def test_command_error_from_the_car_keeps_service_name(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud: MyBMWCloud
) -> None:
    """When the car reports ERROR, the progress names the command the client reported."""
    coordinator = coordinator_of(init_integration)
    vehicle = coordinator.data[FIRST_VIN]
    cloud.command_results["light-flash"] = "ERROR"
    with pytest.raises(HomeAssistantError) as exc:
        await coordinator.async_run_command(
            FIRST_VIN, vehicle.remote_services.trigger_remote_light_flash
        )
    assert exc.value.translation_key == "command_failed"
    progress = coordinator.command_progress[FIRST_VIN]
    assert progress.service == "light_flash"
    assert progress.state == "error"


async def test_command_auth_error_starts_reauth(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    coordinator = coordinator_of(init_integration)

    async def rejected() -> RemoteServiceStatus:
        raise MyBMWAuthError("refresh token rejected")

    with pytest.raises(HomeAssistantError) as exc:
        await coordinator.async_run_command(FIRST_VIN, rejected)
    assert exc.value.translation_key == "auth_failed"
    assert coordinator.command_progress[FIRST_VIN].service == "unknown"
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]


def test_command_progress_is_immutable() -> None:
    progress = CommandProgress("door_lock", "executed", datetime.now(UTC))
    with pytest.raises(AttributeError):
        progress.state = "error"  # type: ignore[misc]
