"""CarData exceptions, derived from the MyBMW client's hierarchy so callers catch both alike."""

from __future__ import annotations

from datetime import datetime

from ..mybmw.models import (
    MyBMWAPIError,
    MyBMWAuthError,
    MyBMWConnectionError,
    MyBMWQuotaError,
)


class CarDataAuthError(MyBMWAuthError):
    """The login or a token was rejected; the device flow has to be redone."""


class CarDataAccessDeniedError(CarDataAuthError):
    """The user declined the authorisation in the BMW portal."""


class CarDataDeviceCodeExpiredError(CarDataAuthError):
    """The user code expired before the user finished the login."""


class CarDataInvalidClientError(CarDataAuthError):
    """BMW does not accept the client id (unknown, or not subscribed to CarData API/Stream)."""


class CarDataNewClientIdRequiredError(CarDataInvalidClientError):
    """BMW's key management broke this client id; only a newly created client id helps."""


class CarDataRefreshTokenExpiredError(CarDataAuthError):
    """The refresh token expired (two weeks unused) or was revoked: log in again."""


class CarDataStreamNotAuthorizedError(CarDataAuthError):
    """The stream broker refused fresh credentials (is the client subscribed to CarData Stream?)."""


class CarDataConnectionError(MyBMWConnectionError):
    """A CarData host could not be reached or answered with a temporary error."""


class CarDataAPIError(MyBMWAPIError):
    """An error answer of the CarData REST API (``exveErrorId`` and friends)."""

    def __init__(
        self,
        message: str = "",
        *,
        status_code: int | None = None,
        error_id: str | None = None,
        error_ref: str | None = None,
        note: str | None = None,
    ) -> None:
        super().__init__(message, status_code=status_code)
        self.error_id = error_id
        self.error_ref = error_ref
        self.note = note


class CarDataContainerGoneError(CarDataAPIError):
    """CU-105: the container does not exist (any more); it has to be created again."""


class CarDataContainerLimitError(CarDataAPIError):
    """CU-124: the account already has the maximum of ten containers."""


class CarDataQuotaError(MyBMWQuotaError):
    """The daily request budget is spent (CU-429) or would be by the planned requests."""

    def __init__(
        self,
        message: str = "",
        *,
        status_code: int | None = None,
        retry_at: datetime | None = None,
        error_id: str | None = None,
    ) -> None:
        super().__init__(message, status_code=status_code, retry_at=retry_at)
        self.error_id = error_id


class CarDataReadOnlyError(MyBMWAPIError):
    """CarData is read-only: there are no remote commands."""
