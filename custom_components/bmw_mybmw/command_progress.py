"""The last remote command of each vehicle, as the progress sensor shows it.

The client reports each state change of a running command through the hook
``on_remote_service_progress``; this tracker keeps the newest one per vehicle
and tells the coordinator's listeners at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from homeassistant.util import dt as dt_util

from .messages import safe_error
from .values import enum_text


def _key(value: Any) -> str:
    """A client enum (or its value) as a lower-case snake key."""
    return enum_text(value).replace("-", "_")


@dataclass(frozen=True, slots=True)
class CommandProgress:
    """The last remote command sent to one vehicle, as the progress sensor shows it."""

    service: str
    state: str
    updated_at: datetime
    error: str | None = None


class CommandProgressTracker:
    """Newest command state per VIN; ``on_change`` publishes it (the coordinator's listeners)."""

    def __init__(self, on_change: Callable[[], None] | None = None) -> None:
        """Start empty; the coordinator sets ``on_change`` once it exists."""
        self._progress: dict[str, CommandProgress] = {}
        self.on_change = on_change

    def get(self, vin: str) -> CommandProgress | None:
        """The last command of this vehicle, if any was sent since setup."""
        return self._progress.get(vin)

    def __getitem__(self, vin: str) -> CommandProgress:
        """The last command of this vehicle (``KeyError`` when none)."""
        return self._progress[vin]

    def __contains__(self, vin: object) -> bool:
        """Whether a command was sent to this vehicle since setup."""
        return vin in self._progress

    def report(self, vin: str, service: Any, status: Any) -> None:
        """Record a command's state as the client reports it (the client's progress hook)."""
        state = getattr(status, "state", status)
        self._set(vin, CommandProgress(_key(service), _key(state), dt_util.utcnow()))

    def report_failure(
        self, vin: str, started: datetime, service: str | None, err: BaseException
    ) -> None:
        """A command failed; name the service the client last reported, if it was this one."""
        last = self._progress.get(vin)
        if last is not None and last.updated_at >= started:
            service = last.service
        self._set(
            vin,
            CommandProgress(
                _key(service or "unknown"), "error", dt_util.utcnow(), error=safe_error(err)
            ),
        )

    def _set(self, vin: str, progress: CommandProgress) -> None:
        self._progress[vin] = progress
        if self.on_change is not None:
            self.on_change()
