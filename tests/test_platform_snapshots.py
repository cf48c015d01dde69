"""Every entity of every platform and kind of car: our registry choices and state, as snapshots."""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
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
    snapshot: SnapshotAssertion,
    platform: Platform,
) -> None:
    """One platform loaded alone; taken from PLATFORMS so a new platform gets a snapshot too."""
    with only_platform(platform):
        await setup_entry(config_entry)
    drop = IMAGE_TOKENS if platform is Platform.IMAGE else frozenset()
    snapshot_entities(hass, config_entry, snapshot, drop_attributes=drop)
