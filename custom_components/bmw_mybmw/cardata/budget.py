"""The CarData daily request budget: counted, planned, persisted, and backed off on CU-429.

BMW allows 50 REST requests per account and day. When the counter resets is
unverified (midnight UTC or a rolling 24 h); this budget resets at midnight
UTC and, after a CU-429, waits for the server's ``Retry-After`` or that reset.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
import logging
from typing import Any, Self

from ..mybmw.utils import parse_datetime
from .auth import Clock, utcnow
from .const import DAILY_REQUEST_LIMIT
from .exceptions import CarDataQuotaError

_LOGGER = logging.getLogger(__name__)


@dataclass
class RequestBudget:
    """Requests used today; ``on_change`` fires after every change so callers can persist it."""

    limit: int = DAILY_REQUEST_LIMIT
    used: int = 0
    day: date | None = None
    blocked_until: datetime | None = None
    now: Clock = field(default=utcnow, repr=False, compare=False)
    on_change: Callable[[RequestBudget], None] | None = field(
        default=None, repr=False, compare=False
    )

    def _roll(self) -> None:
        now = self.now()
        if self.day != now.date():
            self.day = now.date()
            self.used = 0
        if self.blocked_until is not None and now >= self.blocked_until:
            self.blocked_until = None

    def next_reset(self) -> datetime:
        """The next midnight UTC."""
        now = self.now()
        return datetime.combine(now.date() + timedelta(days=1), time(), tzinfo=now.tzinfo)

    @property
    def remaining(self) -> int:
        """Requests left today (0 while backing off after CU-429)."""
        self._roll()
        if self.blocked_until is not None:
            return 0
        return max(self.limit - self.used, 0)

    def check(self, planned: int = 1) -> None:
        """Raise :class:`CarDataQuotaError` unless ``planned`` more requests fit today."""
        self._roll()
        if self.blocked_until is not None:
            raise CarDataQuotaError(
                "CarData request limit reached; waiting for the daily reset",
                retry_at=self.blocked_until,
            )
        if self.used + planned > self.limit:
            raise CarDataQuotaError(
                f"{planned} more CarData request(s) would exceed the daily limit of {self.limit}"
                f" ({self.used} used)",
                retry_at=self.next_reset(),
            )

    def spend(self) -> None:
        """Count one request about to be sent (refused when the budget is spent)."""
        self.check(1)
        self.used += 1
        self._changed()

    def exhausted(self, retry_at: datetime | None = None) -> datetime:
        """The server said CU-429: stop until ``retry_at`` (or the next reset)."""
        self._roll()
        until = retry_at if retry_at is not None else self.next_reset()
        self.used = max(self.used, self.limit)
        self.blocked_until = until
        _LOGGER.debug("CarData quota exhausted, backing off until %s", until.isoformat())
        self._changed()
        return until

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change(self)

    def as_dict(self) -> dict[str, Any]:
        """Plain values for persistence."""
        return {
            "used": self.used,
            "day": self.day.isoformat() if self.day else None,
            "blocked_until": self.blocked_until.isoformat() if self.blocked_until else None,
        }

    @classmethod
    def from_dict(
        cls,
        data: dict[str, Any] | None,
        *,
        limit: int = DAILY_REQUEST_LIMIT,
        now: Clock = utcnow,
        on_change: Callable[[RequestBudget], None] | None = None,
    ) -> Self:
        """Restore a persisted budget; unusable fields start from zero."""
        data = data if isinstance(data, dict) else {}
        used = data.get("used")
        day: date | None
        try:
            day = date.fromisoformat(data["day"]) if isinstance(data.get("day"), str) else None
        except ValueError:
            day = None
        budget = cls(
            limit=limit,
            used=used if isinstance(used, int) and not isinstance(used, bool) and used >= 0 else 0,
            day=day,
            blocked_until=parse_datetime(data.get("blocked_until")),
            now=now,
            on_change=on_change,
        )
        budget._roll()
        return budget
