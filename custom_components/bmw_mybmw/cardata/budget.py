"""The CarData daily request budget: the shared daily budget, enforced before each request.

BMW allows 50 REST requests per account and day. When the counter resets is
unverified (midnight UTC or a rolling 24 h); the budget resets at midnight
UTC and, after a CU-429, waits for the server's ``Retry-After`` or that reset.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
import logging
from typing import Any, Final, Self

from ..budget import Clock, DailyBudget
from .auth import utcnow
from .const import DAILY_REQUEST_LIMIT
from .exceptions import CarDataQuotaError

_LOGGER = logging.getLogger(__name__)

PLANNING_RESERVE: Final = 10
"""Requests planned reads leave for restarts (1 + one per vehicle) and user refreshes."""


class RequestBudget(DailyBudget):
    """CarData's 50 a day: refused locally before a request would exceed it."""

    def __init__(
        self,
        limit: int = DAILY_REQUEST_LIMIT,
        *,
        now: Clock = utcnow,
        on_change: Callable[[DailyBudget], None] | None = None,
    ) -> None:
        """Start from zero (``from_dict`` restores a stored count)."""
        super().__init__(limit, clock=now, on_change=on_change)

    @property
    def reserve(self) -> int:
        """Planned reads leave this many requests for restarts and the user."""
        return PLANNING_RESERVE

    @property
    def blocked_until(self) -> datetime | None:
        """The end of the back-off after CU-429 (``None`` when not backing off)."""
        return self.paused_until if self.is_paused else None

    def check(self, planned: int = 1) -> None:
        """Raise :class:`CarDataQuotaError` unless ``planned`` more requests fit today."""
        if self.is_paused:
            raise CarDataQuotaError(
                "CarData request limit reached; waiting for the daily reset",
                retry_at=self.paused_until,
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
        self.record_request()

    def exhausted(self, retry_at: datetime | None = None) -> datetime:
        """The server said CU-429: stop until ``retry_at`` (or the next reset)."""
        until = retry_at if retry_at is not None else self.next_reset()
        self.used = max(self.used, self.limit)
        _LOGGER.debug("CarData quota exhausted, backing off until %s", until.isoformat())
        self.pause_until(until)
        return until

    @classmethod
    def from_dict(
        cls,
        data: Mapping[str, Any] | None,
        *,
        limit: int = DAILY_REQUEST_LIMIT,
        now: Clock = utcnow,
        on_change: Callable[[DailyBudget], None] | None = None,
    ) -> Self:
        """Restore a persisted budget; unusable fields start from zero."""
        budget = cls(limit, now=now, on_change=on_change)
        budget.restore(data)
        return budget
