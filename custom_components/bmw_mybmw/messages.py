"""The one mapping from client errors and budget states to translated Home Assistant messages.

Both backends raise the MyBMW client's exception family (CarData's errors
subclass it), so one table serves both, and a moment is always shown the same
way: in the user's local time.
"""

from __future__ import annotations

from datetime import datetime
import re
from typing import Any

from homeassistant.util import dt as dt_util

from .budget import DailyBudget
from .const import DOMAIN
from .mybmw.models import (
    MyBMWAPIError,
    MyBMWAuthError,
    MyBMWBlockedError,
    MyBMWCaptchaMissingError,
    MyBMWQuotaError,
    MyBMWRemoteServiceError,
)

# Same shape the client's anonymiser looks for; error texts can carry VINs in URLs.
_VIN_RE = re.compile(r"\b[A-HJ-NPR-Z0-9]{3}[A-Z0-9]{14}\b")

Translation = dict[str, Any]
"""Keyword arguments of a translated Home Assistant error."""


def safe_error(err: BaseException) -> str:
    """Return an error text fit for logs and the UI (no VINs)."""
    return _VIN_RE.sub("<vin>", str(err) or type(err).__name__)


def format_moment(moment: datetime) -> str:
    """A moment as the user reads it: local time, minutes, zone."""
    return dt_util.as_local(moment).strftime("%Y-%m-%d %H:%M %Z").strip()


def is_auth_error(err: BaseException) -> bool:
    """The stored login was rejected: only the user can fix it (reauth)."""
    return isinstance(err, MyBMWAuthError | MyBMWCaptchaMissingError)


def _translation(key: str, placeholders: dict[str, str] | None = None) -> Translation:
    return {
        "translation_domain": DOMAIN,
        "translation_key": key,
        "translation_placeholders": placeholders or {},
    }


def translated(err: MyBMWAPIError, generic_key: str) -> Translation:
    """Pick the translation for a client error; ``generic_key`` covers the rest."""
    if isinstance(err, MyBMWQuotaError):
        if err.retry_at is not None:
            return _translation("quota_exceeded", {"retry_at": format_moment(err.retry_at)})
        return _translation("quota_exceeded_no_reset")
    if isinstance(err, MyBMWBlockedError):
        return _translation("blocked")
    if is_auth_error(err):
        return _translation("auth_failed")
    if isinstance(err, MyBMWRemoteServiceError):
        generic_key = "command_failed"
    return _translation(generic_key, {"error": safe_error(err)})


def pause_translation(budget: DailyBudget) -> Translation:
    """Why nothing is sent right now: a block, or the quota until its reset."""
    if budget.is_blocked:
        return _translation("blocked")
    retry_at = budget.paused_until or budget.next_reset()
    return _translation("quota_exceeded", {"retry_at": format_moment(retry_at)})


def budget_translation(budget: DailyBudget, next_refresh: datetime | None = None) -> Translation:
    """Today's budget cannot cover the request; say when data comes again."""
    return _translation(
        "budget_exhausted",
        {
            "budget": str(budget.limit),
            "next_refresh": format_moment(next_refresh or budget.next_reset()),
        },
    )
