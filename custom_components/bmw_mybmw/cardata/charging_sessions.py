"""The last charging session of a CarData vehicle, parsed from ``chargingHistory``.

Every field is optional and checked on its own: a malformed value becomes
``None`` and the rest of the session stays.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
import datetime
from typing import Any

_MILLISECONDS_FROM = 10**11
"""Epoch values above this are milliseconds (the spec says int64 without a unit)."""


@dataclass(frozen=True, slots=True)
class ChargingSession:
    """One finished charging session; every field may be missing."""

    start: datetime.datetime | None = None
    end: datetime.datetime | None = None
    energy_kwh: float | None = None
    duration_s: int | None = None
    cost: float | None = None
    currency: str | None = None
    start_soc: int | None = None
    end_soc: int | None = None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _epoch(value: Any) -> datetime.datetime | None:
    number = _number(value)
    if number is None:
        return None
    if number > _MILLISECONDS_FROM:
        number /= 1000
    try:
        return datetime.datetime.fromtimestamp(number, datetime.UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _whole(value: Any) -> int | None:
    number = _number(value)
    return None if number is None else round(number)


def parse_session(raw: Mapping[str, Any]) -> ChargingSession:
    """A ``ChargingSessionDto``; malformed fields become ``None``."""
    cost = raw.get("chargingCostInformation")
    cost = cost if isinstance(cost, Mapping) else {}
    currency = cost.get("currency")
    return ChargingSession(
        start=_epoch(raw.get("startTime")),
        end=_epoch(raw.get("endTime")),
        energy_kwh=_number(raw.get("energyConsumedFromPowerGridKwh")),
        duration_s=_whole(raw.get("totalChargingDurationSec")),
        cost=_number(cost.get("calculatedChargingCost")),
        currency=currency if isinstance(currency, str) and currency else None,
        start_soc=_whole(raw.get("displayedStartSoc")),
        end_soc=_whole(raw.get("displayedSoc")),
    )


def newest_session(sessions: Iterable[Mapping[str, Any]]) -> dict[str, Any] | None:
    """The session that ended last (the API does not promise an order)."""
    best: tuple[datetime.datetime, dict[str, Any]] | None = None
    for raw in sessions:
        end = _epoch(raw.get("endTime"))
        if end is not None and (best is None or end > best[0]):
            best = (end, dict(raw))
    return None if best is None else best[1]
