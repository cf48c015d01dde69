"""The account's repair issues: a daily quota used up, or BMW blocking the client."""

from __future__ import annotations

from datetime import datetime

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .const import DOMAIN, ISSUE_BLOCKED, ISSUE_QUOTA_EXCEEDED
from .messages import format_moment


@callback
def async_quota_issue(hass: HomeAssistant, entry: ConfigEntry, retry_at: datetime) -> None:
    """Say until when the daily quota is spent."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        f"{ISSUE_QUOTA_EXCEEDED}_{entry.entry_id}",
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key=ISSUE_QUOTA_EXCEEDED,
        translation_placeholders={"account": entry.title, "retry_at": format_moment(retry_at)},
    )


@callback
def async_blocked_issue(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Say once that BMW blocks this client."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        f"{ISSUE_BLOCKED}_{entry.entry_id}",
        is_fixable=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key=ISSUE_BLOCKED,
        translation_placeholders={"account": entry.title},
    )


@callback
def async_clear_issues(hass: HomeAssistant, entry_id: str) -> None:
    """The server answered (or the entry is gone): neither issue holds any more."""
    for issue in (ISSUE_QUOTA_EXCEEDED, ISSUE_BLOCKED):
        ir.async_delete_issue(hass, DOMAIN, f"{issue}_{entry_id}")
