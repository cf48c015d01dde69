"""Plain data shapes shared by the CarData REST client, the stream and the mapping."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class DescriptorValue:
    """One descriptor reading: typed JSON value, unit (often absent) and car-side time."""

    value: Any
    unit: str | None = None
    timestamp: datetime | None = None


@dataclass(frozen=True)
class StreamMessage:
    """One stream message: the readings of one vehicle, keyed by descriptor name."""

    vin: str = field(repr=False)
    timestamp: datetime | None
    values: dict[str, DescriptorValue]


@dataclass(frozen=True)
class VehicleMapping:
    """A vehicle mapped to the account (data flows for ``PRIMARY`` ones only)."""

    vin: str = field(repr=False)
    mapping_type: str
    mapped_since: datetime | None = None


@dataclass(frozen=True)
class Container:
    """A container: the descriptor set a telematicData read returns."""

    container_id: str
    name: str
    purpose: str
    state: str
    created: datetime | None = None
