"""Doors, lids, windows, sun roof and the central lock (§3.7.3)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
import logging
from typing import Any, Self, TypeVar

from ..models import StrEnum
from .const import get_dict, get_str, parse_enum, state_of

_LOGGER = logging.getLogger(__name__)

_COMBINED_KEYS = frozenset({"combinedState", "combinedSecurityState"})


class LidState(StrEnum):
    """States of doors, hood, trunk, windows and sun roof."""

    CLOSED = "CLOSED"
    OPEN = "OPEN"
    OPEN_TILT = "OPEN_TILT"
    INTERMEDIATE = "INTERMEDIATE"
    INVALID = "INVALID"
    UNKNOWN = "UNKNOWN"


class LockState(StrEnum):
    """States of the central lock."""

    LOCKED = "LOCKED"
    SECURED = "SECURED"
    SELECTIVE_LOCKED = "SELECTIVE_LOCKED"
    PARTIALLY_LOCKED = "PARTIALLY_LOCKED"
    UNLOCKED = "UNLOCKED"
    UNKNOWN = "UNKNOWN"


@dataclass
class Lid:
    """A door, the hood, the trunk or the sun roof.

    ``state`` accepts the raw API string so code written for the reference
    library (``Lid("hood", "OPEN")``) keeps working.
    """

    name: str
    state: LidState

    def __post_init__(self) -> None:
        if not isinstance(self.state, LidState):  # the parsers pass members already
            self.state = parse_enum(LidState, self.state, LidState.UNKNOWN) or LidState.UNKNOWN

    @property
    def is_closed(self) -> bool:
        """Only an explicit ``CLOSED`` counts as closed."""
        return self.state is LidState.CLOSED


@dataclass
class Window(Lid):
    """A window; same states as a lid."""


@dataclass
class DoorsAndWindows:
    """Openings and lock state of one vehicle."""

    door_lock_state: LockState = LockState.UNKNOWN
    lids: list[Lid] = field(default_factory=list)
    windows: list[Window] = field(default_factory=list)

    @classmethod
    def from_vehicle_data(cls, vehicle_data: Mapping[str, Any]) -> Self:
        """Build the model from the merged vehicle record."""
        state = state_of(vehicle_data)
        doors = get_dict(state, "doorsState")
        lock = parse_enum(LockState, doors.get("combinedSecurityState"), LockState.UNKNOWN)
        # The readers below are total (never raise), so they need no safe() wrapper.
        lids = _openings(doors, Lid)
        roof = _roof(get_dict(state, "roofState"))
        if roof is not None:
            lids.append(roof)
        windows = _openings(get_dict(state, "windowsState"), Window)
        return cls(
            door_lock_state=lock if lock is not None else LockState.UNKNOWN,
            lids=lids,
            windows=windows,
        )

    @property
    def open_lids(self) -> list[Lid]:
        """Lids in any state other than ``CLOSED``."""
        return [lid for lid in self.lids if not lid.is_closed]

    @property
    def open_windows(self) -> list[Window]:
        """Windows in any state other than ``CLOSED``."""
        return [window for window in self.windows if not window.is_closed]

    @property
    def all_lids_closed(self) -> bool:
        """True when no lid reports a state other than ``CLOSED``."""
        return not self.open_lids

    @property
    def all_windows_closed(self) -> bool:
        """True when no window reports a state other than ``CLOSED``."""
        return not self.open_windows


L = TypeVar("L", bound="Lid")


def _openings(source: dict[str, Any], kind: type[L]) -> list[L]:
    result: list[L] = []
    for name, value in source.items():
        if name in _COMBINED_KEYS or not isinstance(name, str):
            continue
        state = parse_enum(LidState, value, LidState.UNKNOWN) or LidState.UNKNOWN
        if state is not LidState.INVALID:  # INVALID: the car has no such opening
            result.append(kind(name, state))
    return result


def _roof(roof: dict[str, Any]) -> Lid | None:
    if "roofState" not in roof:
        return None
    state = parse_enum(LidState, roof.get("roofState"), LidState.UNKNOWN)
    if state is LidState.INVALID:
        return None
    return Lid(_camel_case(get_str(roof, "roofStateType") or "SUN_ROOF"), state or LidState.UNKNOWN)


def _camel_case(text: str) -> str:
    """``SUN_ROOF`` -> ``sunRoof``."""
    head, *rest = text.lower().split("_")
    return head + "".join(part.capitalize() for part in rest)
