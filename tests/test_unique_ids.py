"""One car in several entries keeps each entry's entities; version-1 entries keep entity ids."""

from __future__ import annotations

from typing import Any

from homeassistant.const import CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import respx

from custom_components.bmw_mybmw.const import (
    CONF_GCID,
    CONF_REFRESH_TOKEN,
    CONF_REGION,
    CONF_USER_AGENT_BUILD,
    DOMAIN,
)
from custom_components.bmw_mybmw.entity import vehicle_unique_id
from custom_components.bmw_mybmw.migration import (
    CURRENT_VERSION,
    async_migrate_entry,
    scoped_unique_ids,
)
from simulator.cloud import DEMO_USERNAME, MyBMWCloud
from tests.cardata_ha import FakeBroker, wait_for_stream
from tests.conftest import USER_AGENT_BUILD, SetupEntry
from tests.platform_helpers import EV_VIN
from tests.registry_helpers import devices_with_identifier

DUPLICATE = "does not generate unique IDs"


def _entities(hass: HomeAssistant, entry: MockConfigEntry) -> list[er.RegistryEntry]:
    return er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)


def _second_mybmw_entry(cloud: MyBMWCloud, region: str) -> MockConfigEntry:
    """Another login that lists the same cars (a second region or a shared car)."""
    tokens: dict[str, Any] = cloud.issue_tokens(DEMO_USERNAME)
    return MockConfigEntry(
        domain=DOMAIN,
        title=f"{DEMO_USERNAME} ({region})",
        unique_id=f"{region}-{DEMO_USERNAME}",
        version=CURRENT_VERSION,
        data={
            CONF_USERNAME: DEMO_USERNAME,
            CONF_REGION: region,
            CONF_REFRESH_TOKEN: tokens["refresh_token"],
            CONF_GCID: tokens["gcid"],
            CONF_USER_AGENT_BUILD: USER_AGENT_BUILD,
        },
    )


def _assert_both_complete(
    hass: HomeAssistant, first: MockConfigEntry, second: MockConfigEntry, vin: str
) -> None:
    """Both entries have the car's entities, on the car's device.

    Home Assistant 2025.4 shares one device between the entries; from 2026.10 each entry has a
    device of its own (identifiers are unique per entry there).
    """
    devices = {d.id for d in devices_with_identifier(hass, (DOMAIN, vin))}
    assert 1 <= len(devices) <= 2
    for entry in (first, second):
        on_device = [e for e in _entities(hass, entry) if e.device_id in devices]
        assert on_device, entry.title
        assert all(e.unique_id.startswith(f"{entry.entry_id}-{vin}-") for e in on_device)
        assert all(hass.states.get(e.entity_id) is not None for e in on_device if not e.disabled)


async def test_same_car_in_two_mybmw_entries(
    hass: HomeAssistant,
    cloud: MyBMWCloud,
    config_entry: MockConfigEntry,
    setup_entry: SetupEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A second MyBMW login with the same cars gets all its entities, no registry error."""
    await setup_entry(config_entry)
    alone = {e.unique_id.removeprefix(config_entry.entry_id) for e in _entities(hass, config_entry)}
    second = await setup_entry(_second_mybmw_entry(cloud, "north_america"))

    assert DUPLICATE not in caplog.text
    vehicle_ids = {
        e.unique_id.removeprefix(second.entry_id)
        for e in _entities(hass, second)
        if e.unique_id.startswith(second.entry_id)
    }
    # Every vehicle entity of the first entry exists for the second too.
    assert {uid for uid in alone if uid.startswith("-")} == vehicle_ids
    for vin in cloud.vehicles:
        _assert_both_complete(hass, config_entry, second, vin)
    mileage = [
        e.entity_id
        for entry in (config_entry, second)
        for e in _entities(hass, entry)
        if e.unique_id.endswith(f"{EV_VIN}-mileage")
    ]
    assert mileage == ["sensor.i4_edrive40_mileage", "sensor.i4_edrive40_mileage_2"]


async def test_same_car_in_mybmw_and_cardata(
    hass: HomeAssistant,
    cloud: MyBMWCloud,
    config_entry: MockConfigEntry,
    setup_entry: SetupEntry,
    cardata_entry: MockConfigEntry,
    cardata_api: respx.MockRouter,
    broker: FakeBroker,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """CarData next to MyBMW, as the README suggests: both sets of entities, one device per car."""
    await setup_entry(config_entry)
    cardata_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(cardata_entry.entry_id)
    await hass.async_block_till_done()
    await wait_for_stream(hass, broker)

    assert DUPLICATE not in caplog.text
    _assert_both_complete(hass, config_entry, cardata_entry, EV_VIN)
    cardata_sensors = [e for e in _entities(hass, cardata_entry) if e.domain == "sensor"]
    assert any(e.unique_id.endswith(f"{EV_VIN}-remaining_battery_percent") for e in cardata_sensors)
    await hass.config_entries.async_unload(cardata_entry.entry_id)
    await hass.async_block_till_done()


async def test_version_1_entry_keeps_entity_ids(
    hass: HomeAssistant, config_entry: MockConfigEntry, setup_entry: SetupEntry
) -> None:
    """The migration renames unique ids in place: entity id, user settings and state stay."""
    assert config_entry.version == 1
    config_entry.add_to_hass(hass)
    devices, entities = dr.async_get(hass), er.async_get(hass)
    device = devices.async_get_or_create(
        config_entry_id=config_entry.entry_id, identifiers={(DOMAIN, EV_VIN)}
    )
    account = devices.async_get_or_create(
        config_entry_id=config_entry.entry_id, identifiers={(DOMAIN, "account-x")}
    )
    old = entities.async_get_or_create(
        "sensor",
        DOMAIN,
        f"{EV_VIN}-mileage",
        config_entry=config_entry,
        device_id=device.id,
        suggested_object_id="my_odometer",
    )
    entities.async_update_entity(old.entity_id, name="Odometer")
    budget_uid = f"{config_entry.unique_id}-api_requests_today"
    budget = entities.async_get_or_create(
        "sensor", DOMAIN, budget_uid, config_entry=config_entry, device_id=account.id
    )

    await setup_entry(config_entry)

    assert config_entry.version == CURRENT_VERSION
    migrated = entities.async_get(old.entity_id)
    assert migrated is not None
    assert migrated.unique_id == vehicle_unique_id(config_entry.entry_id, EV_VIN, "mileage")
    assert migrated.id == old.id
    assert migrated.name == "Odometer"
    state = hass.states.get("sensor.my_odometer")
    assert state is not None
    assert state.state == str(config_entry.runtime_data.data[EV_VIN].mileage.value)
    # Account entities were keyed by the entry already; they keep their id.
    kept = entities.async_get(budget.entity_id)
    assert kept is not None
    assert kept.unique_id == budget_uid
    # No second mileage entity was created next to the renamed one.
    assert [
        e.entity_id
        for e in _entities(hass, config_entry)
        if e.unique_id.endswith(f"{EV_VIN}-mileage")
    ] == ["sensor.my_odometer"]


async def test_newer_entry_version_is_refused(
    hass: HomeAssistant, config_entry: MockConfigEntry, setup_entry: SetupEntry
) -> None:
    """An entry written by a newer release is not loaded with ids this release cannot read."""
    newer = MockConfigEntry(
        domain=DOMAIN,
        unique_id=config_entry.unique_id,
        data=dict(config_entry.data),
        version=CURRENT_VERSION + 1,
    )
    await setup_entry(newer)
    assert newer.state.name == "MIGRATION_ERROR"
    assert _entities(hass, newer) == []


async def test_migration_leaves_what_it_cannot_place(
    hass: HomeAssistant, config_entry: MockConfigEntry
) -> None:
    """Ids without a car's device, and ids whose new form is taken, are not touched."""
    config_entry.add_to_hass(hass)
    devices, entities = dr.async_get(hass), er.async_get(hass)
    device = devices.async_get_or_create(
        config_entry_id=config_entry.entry_id, identifiers={(DOMAIN, EV_VIN)}
    )
    loose = entities.async_get_or_create(
        "sensor", DOMAIN, f"{EV_VIN}-loose", config_entry=config_entry
    )
    taken = vehicle_unique_id(config_entry.entry_id, EV_VIN, "mileage")
    entities.async_get_or_create(
        "sensor", DOMAIN, taken, config_entry=config_entry, device_id=device.id
    )
    old = entities.async_get_or_create(
        "sensor", DOMAIN, f"{EV_VIN}-mileage", config_entry=config_entry, device_id=device.id
    )
    assert scoped_unique_ids(hass, config_entry) == {}
    assert await async_migrate_entry(hass, config_entry)
    assert config_entry.version == CURRENT_VERSION
    assert entities.async_get(loose.entity_id).unique_id == f"{EV_VIN}-loose"
    assert entities.async_get(old.entity_id).unique_id == f"{EV_VIN}-mileage"
