"""The request budget in Home Assistant: counting, persistence, quota pause, repairs, sensors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, InvalidData
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.bmw_mybmw.const import (
    ACCOUNT_DEVICE_PREFIX,
    BLOCKED_RETRY_INTERVAL,
    CONF_DAILY_REQUEST_BUDGET,
    CONF_READ_ONLY,
    DOMAIN,
    RATE_LIMIT_BACKOFF,
)
from custom_components.bmw_mybmw.mybmw.models import MyBMWQuotaError
from custom_components.bmw_mybmw.refresh_planner import (
    ACTIVE_INTERVAL,
    CHARGING_DETAILS_MAX_AGE,
    PLUGGED_CHARGING_DETAILS_MAX_AGE,
    RESET_MARGIN,
    reserve_for,
)
from simulator.cloud import MyBMWCloud
from tests.conftest import SetupEntry
from tests.entry_helpers import blocked_issue, coordinator_of, quota_issue
from tests.platform_helpers import COMBUSTION_VIN, EV_VIN, MINI_VIN, PHEV_VIN
from tests.registry_helpers import devices_with_identifier

START = datetime(2025, 6, 1, 21, 0, tzinfo=UTC)
RESET = datetime(2025, 6, 2, tzinfo=UTC)
STORAGE_KEY = f"{DOMAIN}.{{entry_id}}"


@pytest.fixture(autouse=True)
def clock(freezer: FrozenDateTimeFactory) -> FrozenDateTimeFactory:
    """Three hours before the quota resets (00:00 UTC)."""
    freezer.move_to(START)
    return freezer


def account_entity(hass: HomeAssistant, entry: MockConfigEntry, key: str) -> er.RegistryEntry:
    registry = er.async_get(hass)
    entity_id = registry.async_get_entity_id("sensor", DOMAIN, f"{entry.unique_id}-{key}")
    assert entity_id is not None
    entry_ = registry.async_get(entity_id)
    assert entry_ is not None
    return entry_


def store_budget(hass_storage: dict[str, Any], entry: MockConfigEntry, **data: Any) -> str:
    """Leave a request count in storage as an earlier run would have; return its key."""
    key = STORAGE_KEY.format(entry_id=entry.entry_id)
    hass_storage[key] = {"version": 1, "key": key, "data": data}
    return key


async def fire_at(hass: HomeAssistant, clock: FrozenDateTimeFactory, moment: datetime) -> None:
    clock.move_to(moment)
    async_fire_time_changed(hass, moment)
    await hass.async_block_till_done()


# ------------------------------------------------------------------ counting


async def test_every_request_is_counted(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud: MyBMWCloud
) -> None:
    """Login, lists, profiles, states, charging details: all of them, as the cloud saw them."""
    planner = coordinator_of(init_integration).planner
    assert cloud.count("token") >= 1  # the stored refresh token was redeemed
    assert planner.used == len(cloud.requests)


async def test_steady_refresh_costs_one_state_call_per_vehicle(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    cloud: MyBMWCloud,
    clock: FrozenDateTimeFactory,
) -> None:
    """No lists, no profiles, no login; charging details only where they can have changed."""
    coordinator = coordinator_of(init_integration)
    used = coordinator.planner.used
    cloud.reset_requests()
    await coordinator.async_refresh()
    assert coordinator.last_update_success
    assert sorted(r.vin for r in cloud.requests_for("state")) == sorted(
        [EV_VIN, PHEV_VIN, COMBUSTION_VIN, MINI_VIN]
    )
    assert len(cloud.requests) == 4
    assert coordinator.planner.used == used + 4

    # Two hours later the plugged-in MINI's charging details are read again;
    # the unplugged i4 and X3 keep theirs (a day), the M340i has none.
    # (All four were read together and are parked: they are due together.)
    clock.tick(PLUGGED_CHARGING_DETAILS_MAX_AGE)
    cloud.reset_requests()
    await coordinator.async_refresh()
    assert cloud.count("state") == 4
    assert [r.vin for r in cloud.requests_for("charging_details")] == [MINI_VIN]
    assert cloud.count("charging_details", vin=EV_VIN) == 0

    clock.tick(CHARGING_DETAILS_MAX_AGE)
    cloud.reset_requests()
    await coordinator.async_refresh()
    assert {r.vin for r in cloud.requests_for("charging_details")} == {EV_VIN, PHEV_VIN, MINI_VIN}


async def test_a_scheduled_poll_reads_only_the_cars_that_are_due(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    cloud: MyBMWCloud,
    clock: FrozenDateTimeFactory,
) -> None:
    """After a command its car is due within minutes; the parked others wait their turn."""
    coordinator = coordinator_of(init_integration)
    await coordinator.async_run_command(
        EV_VIN, coordinator.data[EV_VIN].remote_services.trigger_remote_light_flash
    )
    assert coordinator.planner.due() == []
    due_at = coordinator.planner.next_refresh
    assert due_at is not None
    assert due_at <= START + ACTIVE_INTERVAL + timedelta(seconds=1)
    cloud.reset_requests()
    await fire_at(hass, clock, due_at)
    assert [r.vin for r in cloud.requests_for("state")] == [EV_VIN]
    assert coordinator.last_update_success
    # While the command's window lasts the i4 is read every few minutes; the others
    # come at their own turn, together.
    polls = 0
    while not cloud.count("state", vin=PHEV_VIN) and polls < 20:
        await fire_at(hass, clock, coordinator.planner.next_refresh)
        polls += 1
    assert cloud.count("state", vin=EV_VIN) >= 2
    last_poll = cloud.requests_for("state")[-3:]
    assert sorted(r.vin for r in last_poll) == sorted([PHEV_VIN, COMBUSTION_VIN, MINI_VIN])
    assert polls < 20


async def test_command_refreshes_only_its_vehicle_once(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud: MyBMWCloud
) -> None:
    """Trigger, status polls, then one state read of that car; charging details after charging."""
    coordinator = coordinator_of(init_integration)
    vehicle = coordinator.data[EV_VIN]
    used = coordinator.planner.used
    cloud.reset_requests()
    await coordinator.async_run_command(EV_VIN, vehicle.remote_services.trigger_remote_door_lock)
    polls = cloud.count("event_status")
    assert polls >= 1
    assert [r.vin for r in cloud.requests_for("state")] == [EV_VIN]
    assert cloud.count("charging_details") == 0
    assert len(cloud.requests) == 1 + polls + 1
    assert coordinator.planner.used == used + len(cloud.requests)

    mini = coordinator.data[MINI_VIN]
    cloud.reset_requests()
    await coordinator.async_run_command(
        MINI_VIN, mini.remote_services.trigger_charge_start, service="start-charging"
    )
    assert [r.vin for r in cloud.requests_for("state")] == [MINI_VIN]
    assert [r.vin for r in cloud.requests_for("charging_details")] == [MINI_VIN]
    assert cloud.count("vehicle_list") == 0


async def test_a_command_makes_the_next_poll_sooner(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    coordinator = coordinator_of(init_integration)
    await coordinator.async_refresh()
    idle = coordinator.update_interval
    await coordinator.async_run_command(
        EV_VIN, coordinator.data[EV_VIN].remote_services.trigger_remote_light_flash
    )
    assert coordinator.update_interval < idle
    assert coordinator.planner.next_refresh == START + coordinator.update_interval
    await coordinator.async_refresh()
    assert coordinator.update_interval < idle


# ------------------------------------------------------------------ persistence


async def test_count_survives_a_restart(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    setup_entry: SetupEntry,
    cloud: MyBMWCloud,
    hass_storage: dict[str, Any],
) -> None:
    config_entry.add_to_hass(hass)
    key = store_budget(
        hass_storage, config_entry, day="2025-06-01", used=30, paused_until=None, vehicles=4
    )
    await setup_entry(config_entry)
    planner = coordinator_of(config_entry).planner
    assert planner.used == 30 + len(cloud.requests)

    used = planner.used
    assert await hass.config_entries.async_unload(config_entry.entry_id)
    assert hass_storage[key]["data"]["used"] == used
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert coordinator_of(config_entry).planner.used == len(cloud.requests) + 30


async def test_yesterdays_count_starts_over(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    setup_entry: SetupEntry,
    cloud: MyBMWCloud,
    hass_storage: dict[str, Any],
) -> None:
    store_budget(hass_storage, config_entry, day="2025-05-31", used=99)
    await setup_entry(config_entry)
    assert coordinator_of(config_entry).planner.used == len(cloud.requests)


async def test_spent_budget_blocks_setup_without_a_request(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    setup_entry: SetupEntry,
    cloud: MyBMWCloud,
    hass_storage: dict[str, Any],
) -> None:
    """A restart loop must not spend what the day no longer has."""
    store_budget(hass_storage, config_entry, day="2025-06-01", used=95)
    await setup_entry(config_entry)
    assert config_entry.state is ConfigEntryState.SETUP_RETRY
    assert cloud.requests == []
    assert "budget" in (config_entry.reason or "")


async def test_stored_quota_pause_is_respected_after_restart(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    setup_entry: SetupEntry,
    cloud: MyBMWCloud,
    hass_storage: dict[str, Any],
) -> None:
    store_budget(
        hass_storage, config_entry, day="2025-06-01", used=3, paused_until=RESET.isoformat()
    )
    await setup_entry(config_entry)
    assert config_entry.state is ConfigEntryState.SETUP_RETRY
    assert cloud.requests == []


async def test_spent_budget_keeps_data_and_waits_for_the_reset(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    cloud: MyBMWCloud,
    clock: FrozenDateTimeFactory,
) -> None:
    coordinator = coordinator_of(init_integration)
    planner = coordinator.planner
    while planner.can_spend(1):
        planner.record_request()
    cloud.reset_requests()
    await coordinator.async_refresh()
    assert cloud.requests == []
    assert coordinator.last_update_success
    assert hass.states.get("sensor.i4_edrive40_mileage").state != "unavailable"
    assert planner.next_refresh == RESET + RESET_MARGIN
    # Scheduled polls before the reset send nothing either.
    await fire_at(hass, clock, START + timedelta(hours=2))
    assert cloud.requests == []
    await fire_at(hass, clock, RESET + RESET_MARGIN + timedelta(seconds=1))
    assert cloud.count("state") == 4
    assert planner.used == len(cloud.requests)

    # The user's own refresh may use the reserve, but not more.
    for _ in range(planner.limit - planner.used):
        planner.record_request()
    with pytest.raises(HomeAssistantError) as exc:
        await coordinator.async_refresh_vehicle(EV_VIN)
    assert exc.value.translation_key == "budget_exhausted"


# ------------------------------------------------------------------ quota and block


async def test_quota_error_pauses_until_reset_and_recovers(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    cloud: MyBMWCloud,
    clock: FrozenDateTimeFactory,
) -> None:
    coordinator = coordinator_of(init_integration)
    cloud.faults.add("state", "quota", 1)
    await coordinator.async_refresh()
    assert not coordinator.last_update_success
    assert coordinator.planner.paused_until == RESET
    assert coordinator.update_interval == RESET - START
    issue = quota_issue(hass, init_integration)
    assert issue is not None
    assert issue.translation_key == "quota_exceeded"
    assert issue.severity is ir.IssueSeverity.WARNING
    assert issue.translation_placeholders == {
        "account": init_integration.title,
        "retry_at": "2025-06-01 17:00 PDT",  # the test instance runs in US/Pacific
    }
    # The pause is stored, so a restart would respect it.
    await hass.async_block_till_done()
    assert coordinator.planner.as_dict()["paused_until"] == RESET.isoformat()

    # Nothing is sent before the reset: not by the schedule, not on demand.
    cloud.reset_requests()
    await fire_at(hass, clock, START + timedelta(hours=2, minutes=59))
    await coordinator.async_refresh()
    with pytest.raises(HomeAssistantError) as exc:
        await coordinator.async_refresh_vehicle(EV_VIN)
    assert exc.value.translation_key == "quota_exceeded"
    assert cloud.requests == []
    assert quota_issue(hass, init_integration) is not None

    await fire_at(hass, clock, RESET + timedelta(seconds=1))
    assert cloud.count("state") == 4
    assert coordinator.last_update_success
    assert quota_issue(hass, init_integration) is None


async def test_quota_without_countdown_waits_for_midnight_utc(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    coordinator = coordinator_of(init_integration)
    coordinator._async_account_error(MyBMWQuotaError("Quota Exceeded", status_code=403))
    assert coordinator.planner.paused_until == RESET
    assert quota_issue(hass, init_integration) is not None


@pytest.mark.parametrize("retry_in", [None, timedelta(seconds=20)])
async def test_rate_limit_backs_off_briefly_without_issue(
    hass: HomeAssistant, init_integration: MockConfigEntry, retry_in: timedelta | None
) -> None:
    coordinator = coordinator_of(init_integration)
    retry_at = None if retry_in is None else START + retry_in
    coordinator._async_account_error(
        MyBMWQuotaError("Rate limited", status_code=429, retry_at=retry_at)
    )
    assert coordinator.planner.paused_until == START + RATE_LIMIT_BACKOFF
    assert quota_issue(hass, init_integration) is None


async def test_quota_hit_by_a_command_pauses_polling(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud: MyBMWCloud
) -> None:
    coordinator = coordinator_of(init_integration)
    cloud.faults.add("remote_command", "quota", 1)
    with pytest.raises(HomeAssistantError):
        await coordinator.async_run_command(
            EV_VIN, coordinator.data[EV_VIN].remote_services.trigger_remote_light_flash
        )
    assert coordinator.planner.paused_until == RESET
    assert quota_issue(hass, init_integration) is not None
    cloud.reset_requests()
    await coordinator.async_refresh()
    assert cloud.requests == []


async def test_blocked_raises_a_repair_issue_and_polls_rarely(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    cloud: MyBMWCloud,
    clock: FrozenDateTimeFactory,
) -> None:
    coordinator = coordinator_of(init_integration)
    rule = cloud.faults.add("state", "blocked")
    await coordinator.async_refresh()
    assert coordinator.last_exception.translation_key == "blocked"
    assert coordinator.update_interval == BLOCKED_RETRY_INTERVAL
    issue = blocked_issue(hass, init_integration)
    assert issue is not None
    assert issue.severity is ir.IssueSeverity.ERROR
    assert issue.translation_placeholders == {"account": init_integration.title}
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)

    # Nothing is sent until the next check, whatever asks for it.
    cloud.reset_requests()
    await coordinator.async_refresh()
    assert coordinator.last_exception.translation_key == "blocked"
    with pytest.raises(HomeAssistantError) as exc:
        await coordinator.async_refresh_vehicle(EV_VIN)
    assert exc.value.translation_key == "blocked"
    assert cloud.requests == []

    cloud.faults.remove(rule.id)
    await fire_at(hass, clock, START + BLOCKED_RETRY_INTERVAL + timedelta(seconds=1))
    assert cloud.count("state") == 4
    assert coordinator.last_update_success
    assert blocked_issue(hass, init_integration) is None


async def test_blocked_at_setup_is_not_retried_against_the_server(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    setup_entry: SetupEntry,
    cloud: MyBMWCloud,
    clock: FrozenDateTimeFactory,
) -> None:
    """Home Assistant retries a failed setup every few seconds; a block must not be asked again."""
    cloud.faults.add("*", "blocked")
    await setup_entry(config_entry)
    assert config_entry.state is ConfigEntryState.SETUP_RETRY
    assert blocked_issue(hass, config_entry) is not None
    sent = len(cloud.requests)
    assert sent >= 1
    for minutes in (1, 5, 30):
        await fire_at(hass, clock, START + timedelta(minutes=minutes))
    assert config_entry.state is ConfigEntryState.SETUP_RETRY
    assert len(cloud.requests) == sent


async def test_blocked_command_raises_the_issue(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud: MyBMWCloud
) -> None:
    coordinator = coordinator_of(init_integration)
    cloud.faults.add("remote_command", "blocked", 1)
    with pytest.raises(HomeAssistantError):
        await coordinator.async_run_command(
            EV_VIN, coordinator.data[EV_VIN].remote_services.trigger_remote_light_flash
        )
    assert blocked_issue(hass, init_integration) is not None


async def test_other_errors_replan(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud: MyBMWCloud
) -> None:
    coordinator = coordinator_of(init_integration)
    cloud.faults.add("state", "500")
    await coordinator.async_refresh()
    assert not coordinator.last_update_success
    assert coordinator.planner.next_refresh is not None
    assert coordinator.update_interval == coordinator.planner.next_refresh - START


async def test_removing_the_entry_forgets_count_and_issues(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    cloud: MyBMWCloud,
    hass_storage: dict[str, Any],
) -> None:
    key = STORAGE_KEY.format(entry_id=init_integration.entry_id)
    cloud.faults.add("state", "quota", 1)
    await coordinator_of(init_integration).async_refresh()
    await coordinator_of(init_integration).async_save()
    assert key in hass_storage
    assert await hass.config_entries.async_remove(init_integration.entry_id)
    await hass.async_block_till_done()
    assert key not in hass_storage
    assert quota_issue(hass, init_integration) is None


# ------------------------------------------------------------------ options


async def test_options_budget_applies_without_reload(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud: MyBMWCloud
) -> None:
    coordinator = coordinator_of(init_integration)
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    assert result["type"] is FlowResultType.FORM
    schema = {str(key): key.default() for key in result["data_schema"].schema}
    assert schema[CONF_DAILY_REQUEST_BUDGET] == 100
    cloud.reset_requests()
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_READ_ONLY: False, CONF_DAILY_REQUEST_BUDGET: 60.0}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert init_integration.options[CONF_DAILY_REQUEST_BUDGET] == 60
    assert isinstance(init_integration.options[CONF_DAILY_REQUEST_BUDGET], int)
    # Same coordinator, no new login: only the plan changed.
    assert init_integration.runtime_data is coordinator
    assert cloud.requests == []
    assert coordinator.planner.limit == 60
    state = hass.states.get(account_entity(hass, init_integration, "api_requests_today").entity_id)
    assert state.attributes["budget"] == 60


async def test_options_budget_is_validated(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    with pytest.raises(InvalidData):
        await hass.config_entries.options.async_configure(
            result["flow_id"], {CONF_DAILY_REQUEST_BUDGET: 3}
        )


async def test_budget_from_options_is_used(
    hass: HomeAssistant, config_entry: MockConfigEntry, setup_entry: SetupEntry
) -> None:
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(config_entry, options={CONF_DAILY_REQUEST_BUDGET: 250})
    await setup_entry(config_entry)
    assert coordinator_of(config_entry).planner.limit == 250
    assert coordinator_of(config_entry).planner.reserve == reserve_for(250)


# ------------------------------------------------------------------ sensors and device


async def test_budget_sensors(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud: MyBMWCloud
) -> None:
    coordinator = coordinator_of(init_integration)
    requests = account_entity(hass, init_integration, "api_requests_today")
    next_refresh = account_entity(hass, init_integration, "next_refresh")
    assert requests.entity_category is EntityCategory.DIAGNOSTIC
    assert next_refresh.entity_category is EntityCategory.DIAGNOSTIC
    assert requests.device_id == next_refresh.device_id

    state = hass.states.get(requests.entity_id)
    assert state.state == str(len(cloud.requests))
    assert state.attributes["budget"] == 100
    assert state.attributes["remaining"] == 100 - len(cloud.requests)
    planned = hass.states.get(next_refresh.entity_id)
    planned_at = coordinator.planner.next_refresh
    assert datetime.fromisoformat(planned.state) == planned_at.replace(microsecond=0)
    assert planned_at > START

    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(requests.entity_id).state == str(len(cloud.requests))

    # While polling is paused by the quota the budget stays readable.
    cloud.faults.add("state", "quota", 1)
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(requests.entity_id).state == str(len(cloud.requests))
    assert hass.states.get(next_refresh.entity_id).state == RESET.isoformat()


async def test_account_device_is_kept(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """The account's service device survives the stale-vehicle cleanup and can't be removed."""
    from custom_components.bmw_mybmw import async_remove_config_entry_device

    identifier = (DOMAIN, f"{ACCOUNT_DEVICE_PREFIX}{init_integration.entry_id}")
    device = next(iter(devices_with_identifier(hass, identifier)), None)
    assert device is not None
    assert device.entry_type is dr.DeviceEntryType.SERVICE
    # Named after the backend: the title is the login, which must not name entities.
    assert device.name == "MyBMW account" != init_integration.title
    await coordinator_of(init_integration).async_refresh()
    assert next(iter(devices_with_identifier(hass, identifier)), None) is not None
    assert not await async_remove_config_entry_device(hass, init_integration, device)


async def test_refresh_vehicle_is_counted(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud: MyBMWCloud
) -> None:
    coordinator = coordinator_of(init_integration)
    cloud.reset_requests()
    used = coordinator.planner.used

    await coordinator.async_refresh_vehicle(EV_VIN)
    assert coordinator.planner.used == used + len(cloud.requests)
    assert [r.vin for r in cloud.requests_for("state")] == [EV_VIN]
