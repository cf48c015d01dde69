"""The one place that turns CarData answers and transport failures into exceptions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
import json
import logging
import math
from typing import Any

import httpx

from ..mybmw.api.errors import MAX_ANNOUNCED_WAIT
from ..mybmw.api.transfer import DeadlineExceededError, ResponseTooLargeError
from .const import (
    ERROR_CONTAINER_GONE,
    ERROR_CONTAINER_LIMIT,
    ERROR_NO_API_RIGHTS,
    ERROR_QUOTA,
    KEYMANAGEMENT_ERROR,
)
from .exceptions import (
    CarDataAccessDeniedError,
    CarDataAPIError,
    CarDataAuthError,
    CarDataConnectionError,
    CarDataContainerGoneError,
    CarDataContainerLimitError,
    CarDataDeviceCodeExpiredError,
    CarDataInvalidClientError,
    CarDataNewClientIdRequiredError,
    CarDataQuotaError,
    CarDataRefreshTokenExpiredError,
)

_LOGGER = logging.getLogger(__name__)

_MAX_TEXT = 200

NEW_CLIENT_ID_ADVICE = (
    "BMW's key management rejected this client id "
    f"({KEYMANAGEMENT_ERROR}). Create a new CarData client in the MyBMW portal, "
    "subscribe it to CarData API and CarData Stream, wait a minute, then log in again."
)
INVALID_CLIENT_ADVICE = (
    "BMW does not accept this client id. Check it in the MyBMW portal (BMW CarData) and make "
    "sure the client is subscribed to CarData API and CarData Stream."
)
NO_API_RIGHTS_ADVICE = (
    "The token has no CarData API rights: subscribe the client to CarData API in the portal "
    "and log in again."
)


def _json(response: httpx.Response) -> Any:
    try:
        return json.loads(response.content)
    except ValueError:
        return None


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_TEXT else text[: _MAX_TEXT - 1] + "…"


@dataclass(frozen=True)
class OAuthError:
    """An error answer of the token or device-code endpoint."""

    status: int
    error: str
    description: str
    keymanagement: bool

    @property
    def text(self) -> str:
        """``error - description`` for messages (the bodies hold no secrets)."""
        return _short(f"{self.error} - {self.description}" if self.description else self.error)


def parse_oauth_error(response: httpx.Response) -> OAuthError:
    """Read ``{error, error_description}``; tolerate any other body."""
    body = _json(response)
    error = description = ""
    if isinstance(body, dict):
        error = str(body.get("error") or "")
        description = str(body.get("error_description") or "")
    raw = response.content.decode("utf-8", "replace")
    return OAuthError(
        status=response.status_code,
        error=error or f"http_{response.status_code}",
        description=description,
        keymanagement=KEYMANAGEMENT_ERROR in raw,
    )


def oauth_exception(error: OAuthError, *, refreshing: bool = False) -> Exception:
    """The exception for a final OAuth error (pending/slow_down are handled by the poller)."""
    if error.keymanagement:
        return CarDataNewClientIdRequiredError(NEW_CLIENT_ID_ADVICE, status_code=error.status)
    if error.error == "access_denied":
        return CarDataAccessDeniedError(
            "Authorisation was declined in the BMW portal", status_code=error.status
        )
    if error.error == "expired_token":
        return CarDataDeviceCodeExpiredError(
            "The login code expired before the login was finished", status_code=error.status
        )
    if error.error == "invalid_client":
        return CarDataInvalidClientError(INVALID_CLIENT_ADVICE, status_code=error.status)
    if error.error == "invalid_grant" or (refreshing and error.status in (400, 401)):
        return CarDataRefreshTokenExpiredError(
            f"The refresh token was rejected ({error.text}); log in again",
            status_code=error.status,
        )
    if error.status >= 500 or error.status == 429:
        return CarDataConnectionError(
            f"BMW login server error: {error.text}", status_code=error.status
        )
    return CarDataAuthError(f"BMW login failed: {error.text}", status_code=error.status)


def transport_exception(err: httpx.HTTPError) -> CarDataConnectionError:
    """Network failures and timeouts are transient."""
    if isinstance(err, DeadlineExceededError | ResponseTooLargeError):
        return CarDataConnectionError(f"CarData request abandoned: {err}")
    return CarDataConnectionError(f"CarData host not reachable: {type(err).__name__}")


@dataclass(frozen=True)
class APIErrorBody:
    """``{exveErrorId, exveErrorRef, exveErrorMsg, exveNote}`` (all optional)."""

    error_id: str | None
    error_ref: str | None
    message: str | None
    note: str | None


def parse_api_error(response: httpx.Response) -> APIErrorBody:
    """Read the CarData error body; any other body gives empty fields."""
    body = _json(response)
    fields = body if isinstance(body, dict) else {}

    def text(key: str) -> str | None:
        value = fields.get(key)
        return _short(str(value)) if value not in (None, "") else None

    return APIErrorBody(
        text("exveErrorId"), text("exveErrorRef"), text("exveErrorMsg"), text("exveNote")
    )


def retry_after(response: httpx.Response, now: datetime) -> datetime | None:
    """``Retry-After`` in seconds, when the server sends one (at most a day)."""
    value = response.headers.get("retry-after", "")
    try:
        seconds = float(value)
    except ValueError:
        return None
    if math.isnan(seconds):
        return None
    return now + timedelta(seconds=min(max(seconds, 0.0), MAX_ANNOUNCED_WAIT.total_seconds()))


def api_exception(response: httpx.Response, *, retry_at: datetime | None = None) -> Exception:
    """The exception for a CarData REST error answer.

    CU-429 arrives with HTTP 429 and with 403; it is recognised by its id
    first, so the status does not matter.
    """
    status = response.status_code
    body = parse_api_error(response)
    detail = " - ".join(part for part in (body.error_id, body.message, body.note) if part)
    message = f"CarData API error {status}" + (f": {detail}" if detail else "")
    kwargs: dict[str, Any] = {
        "status_code": status,
        "error_id": body.error_id,
        "error_ref": body.error_ref,
        "note": body.note,
    }
    if body.error_id == ERROR_QUOTA or status == 429:
        return CarDataQuotaError(
            "CarData daily request limit reached",
            status_code=status,
            retry_at=retry_at,
            error_id=body.error_id,
        )
    if body.error_id == ERROR_CONTAINER_GONE:
        return CarDataContainerGoneError(message, **kwargs)
    if body.error_id == ERROR_CONTAINER_LIMIT:
        return CarDataContainerLimitError(message, **kwargs)
    if body.error_id == ERROR_NO_API_RIGHTS:
        return CarDataAuthError(f"{NO_API_RIGHTS_ADVICE} ({detail})", status_code=status)
    if status == 401:
        return CarDataAuthError(message, status_code=status)
    if status >= 500:
        return CarDataConnectionError(message, status_code=status)
    return CarDataAPIError(message, **kwargs)
