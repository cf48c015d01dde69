"""Diagnostics: built from the last fetched data, with every identifier removed."""

from __future__ import annotations

from datetime import UTC, datetime
import json
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
    get_diagnostics_for_device,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props

from custom_components.bmw_mybmw.const import CONF_GCID, CONF_REFRESH_TOKEN
from simulator import fleet
from simulator.cloud import DEMO_USERNAME, Clock, MyBMWCloud
from tests.conftest import SetupEntry
from tests.registry_helpers import vehicle_device

VIN_1 = fleet.make_vin(1)
# Fields that differ per run (entry ids, creation times, the interval planned from the
# time of day) stay out of the snapshot.
VOLATILE = props("entry_id", "created_at", "modified_at", "fetched_at", "update_interval_seconds")
DEVICE_VOLATILE = props(
    "entry_id", "created_at", "modified_at", "fetched_at", "updated_at", "update_interval_seconds"
)


def secrets_of(entry: MockConfigEntry, cloud: MyBMWCloud) -> set[str]:
    """Every identifying string the diagnostics were built from."""
    values = {
        DEMO_USERNAME,
        entry.data[CONF_REFRESH_TOKEN],
        entry.data[CONF_GCID],
        entry.runtime_data.account.config.authentication.access_token,
        *cloud.vehicles,
    }
    for vehicle in cloud.vehicles.values():
        location = vehicle.state["state"].get("location") or {}
        coordinates = location.get("coordinates") or {}
        values.update(str(v) for v in coordinates.values())
        address = location.get("address") or {}
        values.update(str(v) for v in address.values() if v)
        values.update(
            str(v) for k, v in vehicle.profile.get("attributes", {}).items() if k == "licensePlate"
        )
    return {value for value in values if value}


def assert_no_secret(dump: Any, secrets: set[str]) -> None:
    text = json.dumps(dump, default=str, ensure_ascii=False)
    leaked = sorted(secret for secret in secrets if secret in text)
    assert not leaked


@pytest.fixture
def cloud() -> MyBMWCloud:
    """A cloud whose clock stands still, so the data it serves is the same on every run."""
    return MyBMWCloud(event_mode="poll", seed=1, clock=Clock(datetime(2025, 6, 1, 8, tzinfo=UTC)))


@pytest.fixture
async def frozen_integration(
    hass: HomeAssistant, config_entry: MockConfigEntry, setup_entry: SetupEntry
) -> MockConfigEntry:
    """The integration, with the diagnostics component loaded."""
    assert await async_setup_component(hass, "diagnostics", {})
    return await setup_entry(config_entry)


async def test_entry_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    frozen_integration: MockConfigEntry,
    cloud: MyBMWCloud,
    snapshot: SnapshotAssertion,
) -> None:
    entry = frozen_integration
    requests_before = len(cloud.requests)
    dump = await get_diagnostics_for_config_entry(hass, hass_client, entry)

    assert len(cloud.requests) == requests_before  # no API call, no quota spent
    assert len(dump["vehicles"]) == len(cloud.vehicles)
    assert_no_secret(dump, secrets_of(entry, cloud))
    assert dump == snapshot(exclude=VOLATILE)


async def test_device_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    frozen_integration: MockConfigEntry,
    cloud: MyBMWCloud,
    snapshot: SnapshotAssertion,
) -> None:
    entry = frozen_integration
    coordinator = entry.runtime_data
    vehicle = coordinator.data[VIN_1]
    await coordinator.async_run_command(VIN_1, vehicle.remote_services.trigger_remote_light_flash)
    device = vehicle_device(hass, VIN_1)
    requests_before = len(cloud.requests)

    dump = await get_diagnostics_for_device(hass, hass_client, entry, device)

    assert len(cloud.requests) == requests_before
    assert dump["vehicle"]["command_progress"]["service"] == "light_flash"
    assert_no_secret(dump, secrets_of(entry, cloud))
    assert dump == snapshot(exclude=DEVICE_VOLATILE)


async def test_secret_inside_free_text_is_removed(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    frozen_integration: MockConfigEntry,
    cloud: MyBMWCloud,
) -> None:
    """VINs and tokens are scrubbed from any string, not only from known keys."""
    entry = frozen_integration
    vehicle = entry.runtime_data.data[VIN_1]
    token = entry.data[CONF_REFRESH_TOKEN]
    vehicle.data["attributes"]["note"] = f"car {VIN_1} token {token}"
    vehicle.data["attributes"]["list"] = [VIN_1, entry.data[CONF_GCID]]

    dump = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert_no_secret(dump, secrets_of(entry, cloud))
