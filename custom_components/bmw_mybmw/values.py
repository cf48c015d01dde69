"""Rules on client values that more than one platform needs, written once."""

from __future__ import annotations

from typing import Any

from .mybmw.vehicle import MyBMWVehicle
from .mybmw.vehicle.doors_windows import LockState


def enum_text(value: Any) -> str:
    """A client enum (or its raw value) as lower-case text."""
    return str(getattr(value, "value", value)).lower()


def enum_state(value: Any) -> str | None:
    """Render a client enum as a Home Assistant state: lower case, ``UNKNOWN`` as no state."""
    if value is None:
        return None
    text = enum_text(value)
    return None if text == "unknown" else text


def is_ev(vehicle: MyBMWVehicle) -> bool:
    """A car with a battery to charge whose data the server shares."""
    return vehicle.is_lsc_enabled and vehicle.has_electric_drivetrain


def is_locked(state: LockState | None) -> bool | None:
    """LOCKED and SECURED count as locked; no report or UNKNOWN is no state."""
    if state in (None, LockState.UNKNOWN):
        return None
    return state in (LockState.LOCKED, LockState.SECURED)
