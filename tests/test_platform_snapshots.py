"""Every entity of every platform and kind of vehicle: registry entry and state, as snapshots."""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion

from custom_components.bmw_mybmw.const import PLATFORMS
from tests.conftest import SetupEntry
from tests.platform_helpers import FLEETS, only_platform, snapshot_entities

# Image access tokens (and the picture URL that carries one) change per run.
IMAGE_TOKENS = frozenset({"access_token", "entity_picture"})


@pytest.mark.usefixtures("frozen_time", "all_entities_enabled")
@pytest.mark.parametrize("cloud", FLEETS, indirect=True)
@pytest.mark.parametrize("platform", PLATFORMS, ids=str)
async def test_platform_snapshot(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    setup_entry: SetupEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    platform: Platform,
) -> None:
    """One platform loaded alone; taken from PLATFORMS so a new platform gets a snapshot too."""
    with only_platform(platform):
        await setup_entry(config_entry)
    if platform is Platform.IMAGE:
        snapshot_entities(hass, config_entry, snapshot, drop_attributes=IMAGE_TOKENS)
    else:
        await snapshot_platform(hass, entity_registry, snapshot, config_entry.entry_id)
