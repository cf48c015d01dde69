"""Diagnostics from the last fetched data: no API call, every identifier removed."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceEntry

from .const import (
    CONF_CLIENT_ID,
    CONF_CONTAINER_ID,
    CONF_GCID,
    CONF_REFRESH_TOKEN,
    CONF_TOKENS,
    DOMAIN,
)
from .contract import BMWConfigEntry, BMWCoordinator
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


def _anonymizer(entry: BMWConfigEntry) -> Anonymizer:
    """An anonymiser that has seen the account's secrets, so it scrubs them from any text."""
    anonymizer = Anonymizer()
    anonymizer.anonymize_data(dict(entry.data))
    return anonymizer


def _vehicle(coordinator: BMWCoordinator, vin: str, anonymizer: Anonymizer) -> dict[str, Any]:
    progress = coordinator.command_progress.get(vin)
    result: dict[str, Any] = {
        "data": anonymizer.anonymize_data(coordinator.data[vin].data),
        "command_progress": anonymizer.anonymize_data(asdict(progress)) if progress else None,
    }
    result.update(anonymizer.anonymize_data(coordinator.vehicle_diagnostics(vin)))
    return result


def _account(entry: BMWConfigEntry, anonymizer: Anonymizer) -> dict[str, Any]:
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
        | coordinator.diagnostics(),
    }


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: BMWConfigEntry
) -> dict[str, Any]:
    """Return the account and all its vehicles as last fetched."""
    anonymizer = _anonymizer(entry)
    coordinator = entry.runtime_data
    return _account(entry, anonymizer) | {
        "vehicles": [_vehicle(coordinator, vin, anonymizer) for vin in coordinator.data or {}]
    }


async def async_get_device_diagnostics(
    hass: HomeAssistant, entry: BMWConfigEntry, device: DeviceEntry
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
