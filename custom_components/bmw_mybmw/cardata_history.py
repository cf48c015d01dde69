"""The charging history of a CarData account: one page per electric car and UTC day.

``chargingHistory`` costs one request per page out of 50 a day, so only the
newest session of one page is kept, and it is kept across restarts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, Final

from .cardata import CarDataClient
from .cardata.charging_sessions import ChargingSession, newest_session, parse_session
from .cardata.exceptions import CarDataAuthError, CarDataQuotaError
from .const import LOGGER
from .messages import safe_error
from .mybmw.models import MyBMWAPIError
from .mybmw.vehicle import MyBMWVehicle

HISTORY_LOOKBACK: Final = timedelta(days=30)


class ChargingHistory:
    """The newest charging session per VIN and the day it was read."""

    def __init__(self) -> None:
        """Start empty; ``restore`` brings back what was stored."""
        self.sessions: dict[str, ChargingSession | None] = {}
        self._read: dict[str, dict[str, Any]] = {}

    def restore(self, stored: Any) -> None:
        """Load the stored pages (a malformed one counts as never read)."""
        self._read = stored if isinstance(stored, dict) else {}
        for vin, item in self._read.items():
            session = item.get("session") if isinstance(item, dict) else None
            self.sessions[vin] = parse_session(session) if isinstance(session, dict) else None

    def as_dict(self) -> dict[str, dict[str, Any]]:
        """What a restart must keep (the raw session, so parsing may improve)."""
        return self._read

    async def async_read(
        self,
        client: CarDataClient,
        vehicles: Mapping[str, MyBMWVehicle],
        now: datetime,
        affordable: Callable[[int], bool],
    ) -> None:
        """Read the cars not read today while ``affordable``; account-wide errors propagate."""
        today = now.date().isoformat()
        for vin, vehicle in vehicles.items():
            item = self._read.get(vin)
            if not vehicle.has_electric_drivetrain or (
                isinstance(item, dict) and item.get("day") == today
            ):
                continue
            if not affordable(1):
                return
            try:
                pages = await client.get_charging_history(
                    vin, now - HISTORY_LOOKBACK, now, max_pages=1
                )
            except (CarDataAuthError, CarDataQuotaError):
                raise
            except MyBMWAPIError as err:
                LOGGER.debug("Charging history unavailable: %s", safe_error(err))
                continue
            raw = newest_session(pages)
            self._read[vin] = {"day": today, "session": raw}
            if raw is not None or vin not in self.sessions:
                self.sessions[vin] = parse_session(raw) if raw is not None else None
