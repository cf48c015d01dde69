"""One daily request budget for both backends; no Home Assistant imports.

BMW counts requests per account and UTC day (MyBMW: about 120, never published;
CarData: 50). Both backends therefore count the same way: every request sent,
a new count at 00:00 UTC, a pause when the server says stop (quota, block), and
the count written to storage so a restart cannot start the day afresh.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
import datetime
from typing import Any, Final

Clock = Callable[[], datetime.datetime]

PAUSE_QUOTA: Final = "quota"
"""The server said the quota is used up (403) or rate-limited us (429)."""
PAUSE_BLOCKED: Final = "blocked"
"""BMW blocks this client (489); looking again is rarely worth a request."""


def utc_day(moment: datetime.datetime) -> datetime.date:
    """The quota day a moment belongs to (BMW counts per UTC day)."""
    return moment.astimezone(datetime.UTC).date()


def next_reset(moment: datetime.datetime) -> datetime.datetime:
    """The next 00:00 UTC after ``moment``, when the quota is replenished."""
    day = utc_day(moment) + datetime.timedelta(days=1)
    return datetime.datetime.combine(day, datetime.time.min, datetime.UTC)


def _utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


class DailyBudget:
    """Requests sent today (UTC) against a daily limit, and a server-announced pause.

    ``on_change`` is called after every change, so the owner can persist it.
    """

    def __init__(
        self,
        limit: int,
        *,
        clock: Clock = _utcnow,
        on_change: Callable[[DailyBudget], None] | None = None,
    ) -> None:
        """Start with nothing counted; ``restore`` brings back a stored count."""
        self.limit = limit
        self.now = clock
        self.on_change = on_change
        self.day = utc_day(clock())
        self._used = 0
        self.paused_until: datetime.datetime | None = None
        self.pause_reason: str = PAUSE_QUOTA

    # --- counting -----------------------------------------------------------------------

    def _roll(self) -> datetime.datetime:
        """Start a new count when the UTC day changed; return now."""
        now = self.now()
        if utc_day(now) != self.day:
            self.day, self._used = utc_day(now), 0
        return now

    @property
    def used(self) -> int:
        """Requests sent today (UTC)."""
        self._roll()
        return self._used

    @used.setter
    def used(self, value: int) -> None:
        self._used = value

    @property
    def remaining(self) -> int:
        """Requests left of today's limit (never negative)."""
        return max(0, self.limit - self.used)

    @property
    def reserve(self) -> int:
        """The part of the limit that planned reads leave for commands and the user."""
        return 0

    def record_request(self) -> None:
        """Count one request sent (the clients' request hooks call this)."""
        self._roll()
        self._used += 1
        self._changed()

    def can_spend(self, requests: int, *, use_reserve: bool = False) -> bool:
        """Whether ``requests`` more fit into today's limit (planned reads keep the reserve)."""
        limit = self.limit if use_reserve else self.limit - self.reserve
        return self.used + requests <= limit

    def next_reset(self) -> datetime.datetime:
        """The next 00:00 UTC."""
        return next_reset(self.now())

    # --- pause --------------------------------------------------------------------------

    def pause_until(self, moment: datetime.datetime, reason: str = PAUSE_QUOTA) -> None:
        """Send nothing before ``moment`` (the server's quota reset, or a block's next check)."""
        self.paused_until = moment
        self.pause_reason = reason
        self._changed()

    def end_pause(self) -> None:
        """The server answered again: the pause is over."""
        if self.paused_until is not None:
            self.paused_until = None
            self._changed()

    @property
    def is_paused(self) -> bool:
        """Whether a server-announced pause is still running."""
        if self.paused_until is None:
            return False
        if self.now() >= self.paused_until:
            self.paused_until = None
            return False
        return True

    @property
    def is_blocked(self) -> bool:
        """Whether the running pause is BMW's block (not a quota)."""
        return self.is_paused and self.pause_reason == PAUSE_BLOCKED

    # --- persistence --------------------------------------------------------------------

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change(self)

    def as_dict(self) -> dict[str, Any]:
        """The state a restart must not lose: today's count and a running pause."""
        self._roll()
        return {
            "day": self.day.isoformat(),
            "used": self._used,
            "paused_until": self.paused_until.isoformat() if self.paused_until else None,
            "pause_reason": self.pause_reason,
        }

    def restore(self, data: Mapping[str, Any] | None) -> None:
        """Bring back a stored count (only if it is today's) and a pause still running.

        Unusable fields are ignored one by one; ``blocked_until`` is the key
        CarData entries stored before both backends shared this budget.
        """
        if not isinstance(data, Mapping):
            return
        now = self._roll()
        used = data.get("used")
        try:
            day = datetime.date.fromisoformat(str(data.get("day")))
        except ValueError:
            day = None
        if day == self.day and isinstance(used, int) and not isinstance(used, bool):
            self._used = max(self._used, used)
        pause = _moment(data.get("paused_until") or data.get("blocked_until"))
        if pause is not None and pause > now:
            self.paused_until = pause
            self.pause_reason = str(data.get("pause_reason") or PAUSE_QUOTA)


def _moment(raw: Any) -> datetime.datetime | None:
    """An aware datetime from its ISO text; anything else is no moment."""
    if not isinstance(raw, str):
        return None
    try:
        moment = datetime.datetime.fromisoformat(raw)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None
