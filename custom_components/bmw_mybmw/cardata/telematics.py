"""Descriptors that become entities of their own: the table's row type and the value readers.

The rows are generated from BMW's catalogue into :mod:`.catalogue` by
``scripts/cardata_catalogue``; this module turns one reading into the state
an entity shows (a number in the row's unit, an enum option, a flag, a time
or a text), so a placeholder or a value of the wrong kind gives ``None``
instead of a raw code. No Home Assistant imports.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
import re
from typing import Any, Final

from ..mybmw.utils import parse_datetime
from . import descriptors as d
from .models import DescriptorValue

NUMBER: Final = "number"
ENUM: Final = "enum"
FLAG: Final = "flag"
TEXT: Final = "text"
TIMESTAMP: Final = "timestamp"
CLOCK: Final = "clock"
KINDS: Final = frozenset({NUMBER, ENUM, FLAG, TEXT, TIMESTAMP, CLOCK})

MAX_TEXT: Final = 255
"""Home Assistant keeps states up to 255 characters."""

_PLACEHOLDERS: Final = frozenset(
    {"", "-NA-", "NA", "INVALID", "SIGNAL_INVALID", "UNKNOWN", "ISUNKNOWN", "NULL", "NONE"}
)
_CAMEL: Final = re.compile(r"(?<=[a-z])(?=[A-Z])")
_SEPARATORS: Final = re.compile(r"[^a-z0-9]+")
_DATE_FORMATS: Final = (
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%d.%m.%Y",
)
_EPOCH_MILLISECONDS: Final = 10**11

# Units a reading may carry, converted to the row's unit (factor, offset).
_CONVERSIONS: Final[dict[tuple[str, str], tuple[float, float]]] = {
    ("mi", "km"): (1.609344, 0.0),
    ("miles", "km"): (1.609344, 0.0),
    ("m", "km"): (0.001, 0.0),
    ("ft", "m"): (0.3048, 0.0),
    ("mi", "m"): (1609.344, 0.0),
    ("kw", "W"): (1000.0, 0.0),
    ("w", "kW"): (0.001, 0.0),
    ("wh", "kWh"): (0.001, 0.0),
    ("°f", "°C"): (5 / 9, -32 * 5 / 9),
    ("fahrenheit", "°C"): (5 / 9, -32 * 5 / 9),
    ("bar", "kPa"): (100.0, 0.0),
    ("psi", "kPa"): (6.894757, 0.0),
    ("mph", "km/h"): (1.609344, 0.0),
    ("s", "min"): (1 / 60, 0.0),
    ("h", "min"): (60.0, 0.0),
    ("min", "s"): (60.0, 0.0),
}
# Spellings of the row's own unit (no conversion).
_SAME_UNIT: Final[dict[str, frozenset[str]]] = {
    "°C": frozenset({"celsius", "°c", "c", "degc"}),
    "%": frozenset({"percent", "%"}),
    "km": frozenset({"km", "kilometers", "kilometres"}),
    "kPa": frozenset({"kpa"}),
    "min": frozenset({"min", "minutes"}),
}


@dataclass(frozen=True, slots=True)
class TelematicsDescriptor:
    """One entity made from one descriptor (two for a clock: hour and minute)."""

    key: str
    """The descriptor (for a clock: its hour descriptor)."""
    platform: str
    """``sensor`` or ``binary_sensor``."""
    kind: str
    translation_key: str
    unit: str | None = None
    device_class: str | None = None
    state_class: str | None = None
    enabled: bool = False
    diagnostic: bool = False
    precision: int | None = None
    options: tuple[str, ...] = ()
    """Enum: the option keys; flag: the tokens that mean on."""
    off: tuple[str, ...] = ()
    """Flag: the tokens that mean off."""
    parts: tuple[str, ...] = ()
    """Clock: the hour and the minute descriptor."""

    @property
    def sources(self) -> tuple[str, ...]:
        """Every descriptor this entity reads."""
        return self.parts or (self.key,)


def option_key(raw: str) -> str:
    """A state or key name: ``doorsOnly`` -> ``doors_only``, ``1-PHASES`` -> ``1_phases``."""
    spaced = _CAMEL.sub("_", raw.strip())
    return _SEPARATORS.sub("_", spaced.lower()).strip("_")


def token(value: Any) -> str | None:
    """An upper-case token (``ASN_isTrue`` -> ``TRUE``); placeholders give ``None``."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return str(value)
    if not isinstance(value, str):
        return None
    text = value.strip().upper().removeprefix("ASN_")
    text = {"ISTRUE": "TRUE", "ISFALSE": "FALSE"}.get(text, text)
    return None if text in _PLACEHOLDERS else text


def convert(number: float, unit: str | None, target: str | None) -> float | None:
    """``number`` in ``unit`` expressed in ``target``; an unknown unit gives ``None``.

    A reading without a unit is taken to be in the row's unit (BMW often
    leaves the unit out, see the stream description).
    """
    if not unit or target is None or unit == target:
        return number
    spelled = unit.strip().lower()
    if spelled == target.lower() or spelled in _SAME_UNIT.get(target, frozenset()):
        return number
    factor = _CONVERSIONS.get((spelled, target))
    if factor is None:
        return None
    return number * factor[0] + factor[1]


def parse_time(value: Any) -> datetime | None:
    """Aware UTC time from BMW's date spellings, ISO 8601 or epoch seconds/milliseconds."""
    number = d.as_number(value) if not isinstance(value, str) else None
    if number is not None:
        seconds = number / 1000 if abs(number) > _EPOCH_MILLISECONDS else number
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str):
        return None
    text = value.strip().removesuffix("UTC").strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    return parse_datetime(value)


def read_number(row: TelematicsDescriptor, reading: DescriptorValue) -> int | float | None:
    """The reading in the row's unit (placeholders, text and unknown units give ``None``)."""
    number = d.as_number(reading.value)
    if number is None:
        return None
    converted = convert(number, reading.unit, row.unit)
    if converted is None:
        return None
    converted = round(converted, 6)
    return int(converted) if converted.is_integer() else converted


def read_enum(row: TelematicsDescriptor, reading: DescriptorValue) -> str | None:
    """The option key of the reading; a value outside the options gives ``None``."""
    found = token(reading.value)
    if found is None or isinstance(reading.value, bool):
        return None
    key = option_key(reading.value) if isinstance(reading.value, str) else found.lower()
    return key if key in row.options else None


def read_flag(row: TelematicsDescriptor, reading: DescriptorValue) -> bool | None:
    """On, off, or ``None`` for a placeholder or an unexpected token."""
    found = token(reading.value)
    if found is None:
        return None
    if found in row.options:
        return True
    if found in row.off:
        return False
    return None


def read_text(reading: DescriptorValue) -> str | None:
    """A short text state (lists and objects as compact JSON-like text)."""
    value = reading.value
    if value is None or (isinstance(value, str) and token(value) is None):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    text = value.strip() if isinstance(value, str) else str(value)
    return text[:MAX_TEXT] or None


def read_clock(hour: DescriptorValue | None, minute: DescriptorValue | None) -> str | None:
    """``HH:MM`` from an hour and a minute reading (both needed, both in range)."""
    if hour is None or minute is None:
        return None
    h, m = d.as_number(hour.value), d.as_number(minute.value)
    if h is None or m is None or not (h.is_integer() and m.is_integer()):
        return None
    if not (0 <= h <= 23 and 0 <= m <= 59):
        return None
    return f"{int(h):02d}:{int(m):02d}"


def read_state(row: TelematicsDescriptor, values: Mapping[str, DescriptorValue]) -> Any:
    """The entity's state from the vehicle's readings (``None`` when unknown)."""
    if row.kind == CLOCK:
        return read_clock(values.get(row.parts[0]), values.get(row.parts[1]))
    reading = values.get(row.key)
    if reading is None:
        return None
    if row.kind == NUMBER:
        return read_number(row, reading)
    if row.kind == ENUM:
        return read_enum(row, reading)
    if row.kind == FLAG:
        return read_flag(row, reading)
    if row.kind == TIMESTAMP:
        return parse_time(reading.value)
    return read_text(reading)
