"""Every coordinator update ends within one overall deadline, whatever the server does."""

from __future__ import annotations

import asyncio
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.update_coordinator import UpdateFailed
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.bmw_mybmw import contract


async def _never(*_args: Any, **_kwargs: Any) -> Any:
    """A read whose requests each stay within their own limit but never add up to an answer."""
    await asyncio.Event().wait()


async def _stall(entry: MockConfigEntry, monkeypatch: pytest.MonkeyPatch) -> None:
    coordinator = entry.runtime_data
    monkeypatch.setattr(contract, "UPDATE_DEADLINE_SECONDS", 0.05)
    monkeypatch.setattr(coordinator, "_async_read", _never)

    await coordinator.async_refresh()

    assert not coordinator.last_update_success
    assert isinstance(coordinator.last_exception, UpdateFailed)
    assert coordinator.last_exception.translation_key == "update_failed"
    # The entry stays loaded and the last values stay: only this update failed.
    assert coordinator.data


async def test_a_stalled_mybmw_update_fails_at_the_deadline(
    hass: HomeAssistant, init_integration: MockConfigEntry, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _stall(init_integration, monkeypatch)


async def test_a_stalled_cardata_update_fails_at_the_deadline(
    hass: HomeAssistant, cardata_setup: MockConfigEntry, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _stall(cardata_setup, monkeypatch)
