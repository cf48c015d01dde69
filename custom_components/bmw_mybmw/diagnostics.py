"""Diagnostics from the last fetched data: no API call, every identifier removed."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceEntry

from .cardata_coordinator import CarDataCoordinator
from .const import (
    CONF_CLIENT_ID,
    CONF_CONTAINER_ID,
    CONF_GCID,
    CONF_REFRESH_TOKEN,
    CONF_TOKENS,
    DOMAIN,
)
from .coordinator import MyBMWConfigEntry, MyBMWCoordinator
from .mybmw.api.anonymize import Anonymizer

# Entry fields that name the account; the anonymiser handles everything by key as well.
TO_REDACT_ENTRY = {
    CONF_USERNAME,
    CONF_PASSWORD,
    CONF_REFRESH_TOKEN,
    CONF_GCID,
    CONF_TOKENS,
    CONF_CLIENT_ID,
    CONF_CONTAINER_ID,
    "title",
    "unique_id",
}
# CarData descriptors that locate the car; their names do not look like position keys.
_POSITION_DESCRIPTOR = "currentLocation"


def _anonymizer(entry: MyBMWConfigEntry) -> Anonymizer:
    """An anonymiser that has seen the account's secrets, so it scrubs them from any text."""
    anonymizer = Anonymizer()
    anonymizer.anonymize_data(dict(entry.data))
    return anonymizer


def _vehicle(coordinator: MyBMWCoordinator, vin: str, anonymizer: Anonymizer) -> dict[str, Any]:
    progress = coordinator.command_progress.get(vin)
    result = {
        "data": anonymizer.anonymize_data(coordinator.data[vin].data),
        "command_progress": anonymizer.anonymize_data(asdict(progress)) if progress else None,
    }
    if isinstance(coordinator, CarDataCoordinator):
        result["descriptors"] = _descriptors(coordinator, vin, anonymizer)
    return result


def _descriptors(coordinator: CarDataCoordinator, vin: str, anonymizer: Anonymizer) -> Any:
    """The raw CarData readings of one vehicle, positions removed."""
    state = coordinator.states.get(vin)
    readings = {
        name: {
            "value": "**REDACTED**" if _POSITION_DESCRIPTOR in name else reading.value,
            "unit": reading.unit,
            "timestamp": reading.timestamp.isoformat() if reading.timestamp else None,
        }
        for name, reading in (state.values.items() if state else ())
    }
    return anonymizer.anonymize_data(readings)


def _cardata(coordinator: CarDataCoordinator) -> dict[str, Any]:
    """Stream and budget state: the parts of a CarData account that explain stale data."""
    return {
        "stream_connected": coordinator.stream.connected,
        "stream_running": coordinator.stream_running,
        "stream_sessions": coordinator.stream.sessions,
        "messages_received": coordinator.messages_received,
        "requests_today": coordinator.planner.used,
        "request_limit": coordinator.planner.budget,
        "container_known": coordinator.client.container_id is not None,
    }


def _account(entry: MyBMWConfigEntry, anonymizer: Anonymizer) -> dict[str, Any]:
    coordinator = entry.runtime_data
    return {
        # Redact after anonymising, so the anonymiser never learns the placeholder as a secret.
        "entry": async_redact_data(anonymizer.anonymize_data(entry.as_dict()), TO_REDACT_ENTRY),
        "coordinator": {
            "last_update_success": coordinator.last_update_success,
            "last_exception": type(coordinator.last_exception).__name__
            if coordinator.last_exception
            else None,
            "update_interval_seconds": coordinator.update_interval.total_seconds()
            if coordinator.update_interval
            else None,
            "read_only": coordinator.read_only,
        }
        | (_cardata(coordinator) if isinstance(coordinator, CarDataCoordinator) else {}),
    }


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: MyBMWConfigEntry
) -> dict[str, Any]:
    """Return the account and all its vehicles as last fetched."""
    anonymizer = _anonymizer(entry)
    coordinator = entry.runtime_data
    return _account(entry, anonymizer) | {
        "vehicles": [_vehicle(coordinator, vin, anonymizer) for vin in coordinator.data or {}]
    }


async def async_get_device_diagnostics(
    hass: HomeAssistant, entry: MyBMWConfigEntry, device: DeviceEntry
) -> dict[str, Any]:
    """Return one vehicle as last fetched."""
    anonymizer = _anonymizer(entry)
    coordinator = entry.runtime_data
    vins = [ident for domain, ident in device.identifiers if domain == DOMAIN]
    return _account(entry, anonymizer) | {
        "vehicle": next(
            (_vehicle(coordinator, vin, anonymizer) for vin in vins if vin in coordinator.data),
            None,
        )
    }
