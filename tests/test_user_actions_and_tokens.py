"""Commands and service actions keep to the budget and pauses; rotated tokens are kept at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_DEVICE_ID, ATTR_LATITUDE, ATTR_LONGITUDE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.bmw_mybmw.const import (
    CONF_DAILY_REQUEST_BUDGET,
    CONF_GCID,
    CONF_REFRESH_TOKEN,
    DOMAIN,
)
from custom_components.bmw_mybmw.coordinator import USER_RECHECK_INTERVAL, MyBMWCoordinator
from custom_components.bmw_mybmw.mybmw.vehicle.vehicle import VehicleViewDirection
from simulator import fleet
from simulator.cloud import MyBMWCloud
from tests.conftest import SetupEntry
from tests.entry_helpers import blocked_issue, coordinator_of
from tests.platform_helpers import EV_VIN

START = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock(freezer: FrozenDateTimeFactory) -> FrozenDateTimeFactory:
    """Noon UTC: the day's budget is far from its reset."""
    freezer.move_to(START)
    return freezer


def flash(coordinator: MyBMWCoordinator) -> object:
    return coordinator.async_run_command(
        EV_VIN,
        coordinator.data[EV_VIN].remote_services.trigger_remote_light_flash,
        service="light_flash",
    )


# ------------------------------------------------------------------ tokens


async def test_token_rotated_by_a_picture_is_stored_at_once(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """A picture renews an expired login; the new refresh token must not wait for a poll."""
    coordinator = coordinator_of(init_integration)
    auth = coordinator.account.config.authentication
    old = init_integration.data[CONF_REFRESH_TOKEN]
    auth._expires_at = START - timedelta(minutes=1)
    await coordinator.async_vehicle_image(EV_VIN, VehicleViewDirection.FRONTSIDE)
    assert auth.refresh_token != old
    assert init_integration.data[CONF_REFRESH_TOKEN] == auth.refresh_token


async def test_unloaded_coordinator_never_writes_tokens(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """A command of the old setup that renews its login after a reload keeps its hands off."""
    old = coordinator_of(init_integration)
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    stored = dict(init_integration.data)
    assert stored[CONF_REFRESH_TOKEN] != old.account.refresh_token  # the new setup logged in
    # A command the old setup still runs ends after the reload.
    await flash(old)
    assert init_integration.data == stored
    auth = old.account.config.authentication
    # The old client's login answer arrives after the reload.
    auth._store_tokens({"access_token": "a", "refresh_token": "spent", "expires_in": 60}, START)
    assert auth.refresh_token == "spent"
    assert init_integration.data[CONF_REFRESH_TOKEN] == stored[CONF_REFRESH_TOKEN]
    assert init_integration.data[CONF_GCID] == stored[CONF_GCID]


# ------------------------------------------------------------------ budget and pauses


async def test_command_refused_when_the_budget_is_spent(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud: MyBMWCloud
) -> None:
    coordinator = coordinator_of(init_integration)
    coordinator.planner.used = coordinator.planner.limit - 1
    cloud.reset_requests()
    with pytest.raises(HomeAssistantError) as exc:
        await flash(coordinator)
    assert exc.value.translation_key == "budget_exhausted"
    assert cloud.requests == []


async def test_status_polling_stops_when_the_reserve_is_gone(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud: MyBMWCloud
) -> None:
    """A car that never answers cannot drain the budget past its limit."""
    coordinator = coordinator_of(init_integration)
    planner = coordinator.planner
    planner.used = planner.limit - planner.reserve
    cloud.command_results["*"] = "PENDING"
    with pytest.raises(HomeAssistantError) as exc:
        await flash(coordinator)
    assert exc.value.translation_key == "command_budget_exhausted"
    assert planner.used == planner.limit
    assert coordinator.command_progress[EV_VIN].state == "error"


async def test_send_poi_sends_nothing_while_blocked(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud: MyBMWCloud
) -> None:
    coordinator = coordinator_of(init_integration)
    rule = cloud.faults.add("state", "blocked")
    await coordinator.async_refresh()
    cloud.faults.remove(rule.id)
    registry = dr.async_get(hass)
    device = next(
        device
        for device in dr.async_entries_for_config_entry(registry, init_integration.entry_id)
        if (DOMAIN, EV_VIN) in device.identifiers
    )
    cloud.reset_requests()
    with pytest.raises(HomeAssistantError) as exc:
        await hass.services.async_call(
            DOMAIN,
            "send_poi",
            {ATTR_DEVICE_ID: [device.id], ATTR_LATITUDE: 48.1, ATTR_LONGITUDE: 11.5},
            blocking=True,
        )
    assert exc.value.translation_key == "blocked"
    assert cloud.requests == []


async def test_a_command_looks_again_after_a_block(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    cloud: MyBMWCloud,
    clock: FrozenDateTimeFactory,
) -> None:
    """The user's command is the moment to ask whether BMW lifted the block."""
    coordinator = coordinator_of(init_integration)
    rule = cloud.faults.add("state", "blocked")
    await coordinator.async_refresh()
    assert blocked_issue(hass, init_integration) is not None
    cloud.faults.remove(rule.id)
    clock.tick(USER_RECHECK_INTERVAL + timedelta(seconds=1))
    await flash(coordinator)
    assert blocked_issue(hass, init_integration) is None
    assert not coordinator.planner.is_paused


async def test_a_reload_looks_again_after_a_block(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud: MyBMWCloud
) -> None:
    coordinator = coordinator_of(init_integration)
    rule = cloud.faults.add("state", "blocked")
    await coordinator.async_refresh()
    cloud.faults.remove(rule.id)
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.LOADED
    assert coordinator_of(init_integration).last_update_success
    assert blocked_issue(hass, init_integration) is None


class TestLargeAccount:
    """Ten cars on a budget of 20."""

    @pytest.fixture
    def cloud(self) -> MyBMWCloud:
        return MyBMWCloud(fleet=fleet.build_fleet(10), event_mode="poll", seed=1)

    @pytest.fixture
    def config_entry(self, config_entry: MockConfigEntry) -> MockConfigEntry:
        return MockConfigEntry(
            domain=DOMAIN,
            title=config_entry.title,
            unique_id=config_entry.unique_id,
            data=dict(config_entry.data),
            options={CONF_DAILY_REQUEST_BUDGET: 20},
        )

    async def test_first_load_keeps_to_the_budget(
        self,
        hass: HomeAssistant,
        setup_entry: SetupEntry,
        config_entry: MockConfigEntry,
        cloud: MyBMWCloud,
    ) -> None:
        """The states that no longer fit after the list was read wait for their turn."""
        await setup_entry(config_entry)
        assert config_entry.state is ConfigEntryState.LOADED
        coordinator = coordinator_of(config_entry)
        assert len(coordinator.account.vehicles) == 10
        assert coordinator.planner.used == len(cloud.requests)
        assert coordinator.planner.used <= 20
        assert 0 < len(coordinator.data) < 10
