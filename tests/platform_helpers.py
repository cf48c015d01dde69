"""Shared setup for the entity platform tests: one platform at a time, frozen time, samples."""

from __future__ import annotations

from collections.abc import Iterator
from enum import Enum
from pathlib import Path
import time
from typing import Any
from unittest.mock import PropertyMock, patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import ATTR_ENTITY_ID, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from syrupy.assertion import SnapshotAssertion

from custom_components.bmw_mybmw.const import CONF_READ_ONLY
from simulator.cloud import MyBMWCloud, cloud_from_fingerprint
from simulator.fleet import make_vin

# <repo>/../shared/reference/mybmw-responses: recorded answers of five real vehicles.
REFERENCE = Path(__file__).resolve().parents[1].parent / "shared" / "reference" / "mybmw-responses"
FROZEN_AT = "2025-06-01T10:00:00+00:00"

EV_VIN = make_vin(1, "bmw")  # i4 eDrive40, not plugged in
PHEV_VIN = make_vin(2, "bmw")  # X3 xDrive30e
COMBUSTION_VIN = make_vin(3, "bmw")  # M340i xDrive, no remote charging
MINI_VIN = make_vin(4, "mini")  # Cooper SE, plugged in, unlocked

FLEETS = [
    pytest.param("fleet", id="fleet"),
    pytest.param(
        "samples",
        id="samples",
        marks=pytest.mark.skipif(not REFERENCE.is_dir(), reason="recorded samples not present"),
    ),
]


def make_cloud(kind: str) -> MyBMWCloud:
    """The default fleet, or the recorded sample vehicles replayed."""
    if kind == "samples":
        return cloud_from_fingerprint(REFERENCE, event_mode="poll", seed=1)
    return MyBMWCloud(event_mode="poll", seed=1)


@pytest.fixture
def frozen_time(freezer: FrozenDateTimeFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fix the clock and the machine's zone so timestamps in snapshots are stable."""
    freezer.move_to(FROZEN_AT)
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def all_entities_enabled() -> Iterator[None]:
    """Register disabled-by-default entities enabled too, so snapshots cover them."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        return_value=True,
        new_callable=PropertyMock,
    ):
        yield


def only_platform(platform: Platform) -> Any:
    """Load just one platform, as snapshot_platform requires."""
    return patch("custom_components.bmw_mybmw.PLATFORMS", [platform])


async def call_service(
    hass: HomeAssistant,
    domain: str,
    service: str,
    entity_id: str,
    data: dict[str, Any] | None = None,
) -> None:
    """Call an entity service and wait for it, as a user's action in the UI would."""
    await hass.services.async_call(
        domain, service, {ATTR_ENTITY_ID: entity_id, **(data or {})}, blocking=True
    )


def read_only_entry(config_entry: MockConfigEntry) -> MockConfigEntry:
    """The same account with commands turned off in the options."""
    return MockConfigEntry(
        domain=config_entry.domain,
        title=config_entry.title,
        unique_id=config_entry.unique_id,
        data=dict(config_entry.data),
        options={CONF_READ_ONLY: True},
    )


def entity_ids(hass: HomeAssistant, entry: MockConfigEntry, domain: str) -> list[str]:
    """Entity ids of one platform registered for the entry, sorted."""
    registry = er.async_get(hass)
    return sorted(
        e.entity_id
        for e in er.async_entries_for_config_entry(registry, entry.entry_id)
        if e.domain == domain
    )


def unique_ids(hass: HomeAssistant, entry: MockConfigEntry, domain: str) -> set[str]:
    """Unique ids of one platform registered for the entry, without the entry's own prefix.

    Vehicle entities are ``{entry_id}-{vin}-{key}``; tests name them ``{vin}-{key}``.
    """
    registry = er.async_get(hass)
    return {
        e.unique_id.removeprefix(f"{entry.entry_id}-")
        for e in er.async_entries_for_config_entry(registry, entry.entry_id)
        if e.domain == domain
    }


def plain(value: Any) -> Any:
    """Enums as their values, recursively: releases differ in which keys and values are enums."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {plain(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


# Capabilities and state attributes Home Assistant adds on its own in some releases (trackers'
# since 2026.x): not ours to snapshot.
HA_CAPABILITIES = frozenset({"tracking_type"})
HA_ATTRIBUTES = frozenset({"in_zones", "tracking_type"})


def _our_capabilities(capabilities: Any) -> Any:
    if not capabilities:
        return capabilities
    ours = {k: v for k, v in capabilities.items() if k not in HA_CAPABILITIES}
    return ours or None


def entity_snapshot(entity: er.RegistryEntry) -> dict[str, Any]:
    """What our integration decides about an entity, in a form no Home Assistant release changes.

    Home Assistant's own registry-entry snapshots carry its storage format, which changes
    between releases; these fields are ours.
    """
    return plain(
        {
            "unique_id": entity.unique_id,
            "translation_key": entity.translation_key,
            "device_class": entity.original_device_class,
            "unit": entity.unit_of_measurement,
            "capabilities": _our_capabilities(entity.capabilities),
            "entity_category": entity.entity_category,
            "disabled_by": entity.disabled_by,
            "icon": entity.original_icon,
            "supported_features": entity.supported_features,
        }
    )


def snapshot_entities(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    snapshot: SnapshotAssertion,
    *,
    drop_attributes: frozenset[str] = frozenset(),
) -> None:
    """Every entity of the entry: our registry choices and its state, as snapshots."""
    registry = er.async_get(hass)
    entries = er.async_entries_for_config_entry(registry, entry.entry_id)
    assert entries
    for entity_entry in sorted(entries, key=lambda e: e.entity_id):
        assert entity_snapshot(entity_entry) == snapshot(name=f"{entity_entry.entity_id}-entry")
        state = hass.states.get(entity_entry.entity_id)
        assert state, f"State not found for {entity_entry.entity_id}"
        dropped = drop_attributes | HA_ATTRIBUTES
        attributes = {k: v for k, v in state.attributes.items() if k not in dropped}
        assert plain({"state": state.state, "attributes": attributes}) == snapshot(
            name=f"{entity_entry.entity_id}-state"
        )
