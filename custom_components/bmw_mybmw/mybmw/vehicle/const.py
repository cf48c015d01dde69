"""Shared constants and defensive readers for the vehicle parsers.

Every reader returns ``None`` (or an empty container) instead of raising, so a
malformed value costs one field, never a whole sub-model or vehicle.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
import datetime
import logging
import math
from typing import Any, Final, TypeVar

from ..models import StrEnum
from ..utils import SYSTEM_TIME_ZONE, parse_datetime

_LOGGER = logging.getLogger(__name__)

UNIT_KM: Final = "km"
UNIT_LITERS: Final = "L"

E = TypeVar("E", bound=StrEnum)
T = TypeVar("T")
D = TypeVar("D")


def as_dict(value: Any) -> dict[str, Any]:
    """Return ``value`` if it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    """Return ``value`` if it is a JSON array, else an empty one."""
    return value if isinstance(value, list) else []


_CONTAINERS: Final = (dict, list)


def copy_json(value: T) -> T:
    """Deep copy of decoded JSON: dicts and lists are copied, other values are immutable.

    Several times faster than ``copy.deepcopy``, which handles cycles and
    arbitrary objects that decoded JSON never contains.
    """
    # Recursing only into containers: most items are leaves, and a call per leaf dominates.
    if isinstance(value, dict):
        return {  # type: ignore[return-value]
            key: copy_json(item) if isinstance(item, _CONTAINERS) else item
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [  # type: ignore[return-value]
            copy_json(item) if isinstance(item, _CONTAINERS) else item for item in value
        ]
    return value


def get_dict(data: Mapping[str, Any], key: str) -> dict[str, Any]:
    """Read a nested object; anything else becomes ``{}``."""
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def to_number(value: Any) -> int | float | None:
    """Accept finite JSON numbers only (``True`` is not a number here)."""
    kind = type(value)  # exact types first: what json.loads produces, and cheap to test
    if kind is int:
        return value  # type: ignore[no-any-return]
    if kind is float:
        return value if math.isfinite(value) else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def to_int(value: Any) -> int | None:
    """Accept finite numbers and truncate floats to integers."""
    if type(value) is int:  # the common case, without the generic checks
        return value
    number = to_number(value)
    return None if number is None else int(number)


def get_number(data: Mapping[str, Any], key: str) -> int | float | None:
    """Read a finite number from ``data[key]``."""
    value = data.get(key)
    return value if type(value) is int else to_number(value)  # ints: the common case


def get_int(data: Mapping[str, Any], key: str) -> int | None:
    """Read an integer from ``data[key]``."""
    value = data.get(key)
    return value if type(value) is int else to_int(value)  # ints: the common case


def get_bool(data: Mapping[str, Any], key: str, default: bool = False) -> bool:
    """Read a JSON boolean; anything else gives ``default``."""
    value = data.get(key)
    return value if isinstance(value, bool) else default


def get_str(data: Mapping[str, Any], key: str) -> str | None:
    """Read a string from ``data[key]``."""
    value = data.get(key)
    return value if isinstance(value, str) else None


def parse_enum(enum_cls: type[E], value: Any, default: E | None = None) -> E | None:
    """Map an API string to ``enum_cls`` case-insensitively.

    Unknown strings and wrong types become ``UNKNOWN`` when the enum has it;
    ``default`` is returned when ``value`` is absent (``None``). Only values
    that look like enum tokens (letters and ``_``) are logged, so a misplaced
    VIN or coordinate never reaches the log.
    """
    if value is None:
        return default
    if isinstance(value, str):
        # Exact match first, straight from the enum's own table: the API's usual case.
        member = enum_cls._value2member_map_.get(value) or enum_cls.lookup(value)
        if member is not None:
            return member  # type: ignore[return-value]
    else:
        value = f"<{type(value).__name__}>"
    try:
        return enum_cls(value)  # unknown: StrEnum logs it and falls back to UNKNOWN
    except ValueError:  # an enum without UNKNOWN
        return default


def safe(parse: Callable[[], T], default: T, what: str) -> T:
    """Run one field parser; any exception degrades that field to ``default``.

    The readers above already tolerate bad shapes; this is the last line of
    defence so an unforeseen shape still costs one field only.
    """
    try:
        return parse()
    except Exception as err:  # malformed server data must never escape
        _LOGGER.debug("Could not parse %s: %s", what, type(err).__name__)
        return default


def parse_part(parse: Callable[[D], T], data: D, fallback: Callable[[], T], what: str) -> T:
    """Run one parser on ``data``; any exception degrades to ``fallback()``.

    Like :func:`safe`, but the fallback is only built when needed and no
    closure is created per call: this runs for every sub-model and list entry.
    """
    try:
        return parse(data)
    except Exception as err:  # malformed server data must never escape
        _LOGGER.debug("Could not parse %s: %s", what, type(err).__name__)
        return fallback()


def none() -> None:
    """Fallback for optional sub-models and skipped list entries."""


class DriveTrainType(StrEnum):
    """Drive train of a vehicle (profile ``driveTrain``)."""

    COMBUSTION = "COMBUSTION"
    PLUGIN_HYBRID = "PLUGIN_HYBRID"
    ELECTRIC = "ELECTRIC"
    ELECTRIC_WITH_RANGE_EXTENDER = "ELECTRIC_WITH_RANGE_EXTENDER"
    HYBRID = "HYBRID"
    MILD_HYBRID = "MILD_HYBRID"
    UNKNOWN = "UNKNOWN"


COMBUSTION_ENGINE_DRIVE_TRAINS: Final = frozenset(
    {
        DriveTrainType.COMBUSTION,
        DriveTrainType.ELECTRIC_WITH_RANGE_EXTENDER,
        DriveTrainType.PLUGIN_HYBRID,
        DriveTrainType.HYBRID,
        DriveTrainType.MILD_HYBRID,
    }
)
"""Drive trains with a fuel tank."""

HV_BATTERY_DRIVE_TRAINS: Final = frozenset(
    {
        DriveTrainType.PLUGIN_HYBRID,
        DriveTrainType.ELECTRIC,
        DriveTrainType.ELECTRIC_WITH_RANGE_EXTENDER,
    }
)
"""Drive trains with a high-voltage traction battery."""


def drive_train_of(vehicle_data: Mapping[str, Any]) -> DriveTrainType:
    """Read the drive train from the merged record's profile attributes."""
    attributes = as_dict(vehicle_data.get("attributes"))
    parsed = parse_enum(DriveTrainType, attributes.get("driveTrain"), DriveTrainType.UNKNOWN)
    return parsed if parsed is not None else DriveTrainType.UNKNOWN


def state_of(vehicle_data: Mapping[str, Any]) -> dict[str, Any]:
    """Return the ``state`` part of the merged record (``{}`` when unusable)."""
    state = vehicle_data.get("state")
    return state if isinstance(state, dict) else {}


def fetched_at_of(vehicle_data: Mapping[str, Any]) -> datetime.datetime | None:
    """Return the aware UTC time the state was fetched (naive values count as UTC)."""
    return parse_datetime(vehicle_data.get("fetched_at"))


def timezone_of(vehicle_data: Mapping[str, Any]) -> datetime.tzinfo:
    """Return the time zone wall-clock times of the car are read in.

    The record may carry ``timezone`` (a tzinfo); otherwise the system's local
    zone is used, which is where the car's owner runs this client.
    """
    zone = vehicle_data.get("timezone")
    return zone if isinstance(zone, datetime.tzinfo) else SYSTEM_TIME_ZONE
