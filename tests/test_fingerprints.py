"""Every fingerprint folder is a test case: replay it and load it in Home Assistant.

Drop a folder written by ``mybmw fingerprint`` into ``tests/fingerprints/`` and
it runs here without code changes (see docs/contributing-data.md). The recorded
samples in ``../shared`` run too when that folder is present.
"""

from __future__ import annotations

from pathlib import Path

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from simulator.cloud import MyBMWCloud, cloud_from_fingerprint, load_fingerprint
from tests.registry_helpers import vehicle_device

FINGERPRINTS = Path(__file__).parent / "fingerprints"
SHARED_SAMPLES = Path(__file__).resolve().parents[2] / "shared/reference/mybmw-responses"

FOLDERS = [
    *(pytest.param(path, id=path.name) for path in sorted(FINGERPRINTS.iterdir()) if path.is_dir()),
    pytest.param(
        SHARED_SAMPLES,
        id="shared-samples",
        marks=pytest.mark.skipif(not SHARED_SAMPLES.is_dir(), reason="no ../shared samples"),
    ),
]


@pytest.fixture(params=FOLDERS)
def fingerprint(request: pytest.FixtureRequest) -> Path:
    """One fingerprint folder."""
    return request.param


@pytest.fixture
def cloud(fingerprint: Path) -> MyBMWCloud:
    """Override the default fleet: serve exactly the fingerprint's vehicles."""
    return cloud_from_fingerprint(fingerprint, event_mode="poll", seed=1)


def test_committed_fingerprints_exist() -> None:
    assert any(path.is_dir() for path in FINGERPRINTS.iterdir())


async def test_fingerprint_loads_in_home_assistant(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    cloud: MyBMWCloud,
    fingerprint: Path,
) -> None:
    assert init_integration.state is ConfigEntryState.LOADED
    vins = {vehicle.vin for vehicle in load_fingerprint(fingerprint)}
    assert vins
    assert set(init_integration.runtime_data.data) == vins

    entities = er.async_get(hass)
    for vin in vins:
        device = vehicle_device(hass, vin)
        assert device is not None
        entries = er.async_entries_for_device(entities, device.id)
        assert entries, "every vehicle gets entities"
        for entry in entries:
            state = hass.states.get(entry.entity_id)
            if entry.disabled_by is None:
                assert state is not None
                assert state.state != STATE_UNAVAILABLE, entry.entity_id
