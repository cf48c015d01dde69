"""A MyBMW entry's coordinator and repair issues, as the integration tests look them up."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.bmw_mybmw.const import DOMAIN
from custom_components.bmw_mybmw.coordinator import MyBMWCoordinator


def coordinator_of(entry: MockConfigEntry) -> MyBMWCoordinator:
    """The entry's MyBMW coordinator (a CarData entry here is a test mistake)."""
    coordinator = entry.runtime_data
    assert isinstance(coordinator, MyBMWCoordinator)
    return coordinator


def quota_issue(hass: HomeAssistant, entry: MockConfigEntry) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(DOMAIN, f"quota_exceeded_{entry.entry_id}")


def blocked_issue(hass: HomeAssistant, entry: MockConfigEntry) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(DOMAIN, f"blocked_{entry.entry_id}")
