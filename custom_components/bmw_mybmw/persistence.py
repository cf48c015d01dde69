"""What one entry keeps across restarts: rotated tokens (entry data), the request count (store)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.storage import Store

from .const import DOMAIN, STORAGE_VERSION


def budget_store(hass: HomeAssistant, entry_id: str) -> Store[dict[str, Any]]:
    """Where one account's request count and pause survive restarts."""
    return Store(hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}")


class TokenSaver:
    """Writes rotated tokens into the entry the moment a client reports them.

    A rotated refresh token replaces the old one for good, so waiting for the
    end of a poll can lose it (a restart in between, a reload). The saver of
    one setup is closed when that setup is unloaded: a client still finishing
    a command afterwards must not write its spent token over the new one.
    """

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry) -> None:
        """Save into ``entry`` until the current setup is unloaded."""
        self._hass = hass
        self._entry = entry
        self._open = True
        entry.async_on_unload(self.close)

    @callback
    def close(self) -> None:
        """This setup is over; later rotations belong to no current client."""
        self._open = False

    @callback
    def save(self, values: Mapping[str, Any]) -> None:
        """Store the non-empty values that differ from the entry's data."""
        if not self._open:
            return
        data = self._entry.data
        changed = {key: value for key, value in values.items() if value and data.get(key) != value}
        if changed:
            self._hass.config_entries.async_update_entry(self._entry, data={**data, **changed})
