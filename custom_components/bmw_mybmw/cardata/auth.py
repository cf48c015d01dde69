"""CarData login: OAuth2 device code flow with PKCE (S256), token refresh and rotation.

The refresh token rotates on every refresh and lives two weeks: every new
token set is handed to ``on_tokens`` so the caller can persist it at once.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import json
import logging
import math
from typing import Any, Self

import httpx

from ..mybmw.api.transfer import send_bounded
from ..mybmw.api.utils import create_s256_code_challenge, generate_token
from ..mybmw.utils import parse_datetime
from .const import (
    AUTH_BASE_URL,
    DEFAULT_POLL_INTERVAL,
    DEFAULT_TOKEN_LIFETIME,
    DEVICE_CODE_GRANT,
    DEVICE_CODE_PATH,
    REFRESH_GRANT,
    REFRESH_TOKEN_LIFETIME,
    SCOPE,
    SLOW_DOWN_STEP,
    TOKEN_PATH,
    TOKEN_REFRESH_MARGIN,
)
from .errors import oauth_exception, parse_oauth_error, transport_exception
from .exceptions import (
    CarDataAuthError,
    CarDataConnectionError,
    CarDataDeviceCodeExpiredError,
    CarDataRefreshTokenExpiredError,
)

_LOGGER = logging.getLogger(__name__)

CODE_VERIFIER_LENGTH = 64
"""RFC 7636 allows 43-128 characters."""

MAX_TOKEN_LIFETIME = timedelta(days=1)
"""A longer announced access-token lifetime is cut to this."""

Clock = Callable[[], datetime]
Sleep = Callable[[float], Awaitable[None]]
TokensCallback = Callable[["CarDataTokens"], None]


def utcnow() -> datetime:
    """The current aware UTC time (injectable for tests)."""
    return datetime.now(UTC)


def jwt_expiry(token: str) -> datetime | None:
    """``exp`` of an unverified JWT; ``None`` when the token is not a readable JWT."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except ValueError:
        return None
    exp = claims.get("exp") if isinstance(claims, dict) else None
    if isinstance(exp, bool) or not isinstance(exp, int | float):
        return None
    try:
        return datetime.fromtimestamp(exp, UTC)
    except (OverflowError, OSError, ValueError):
        return None


@dataclass(frozen=True)
class DeviceCode:
    """What the user needs to authorise this device, and what the poller needs."""

    user_code: str
    verification_uri: str
    verification_uri_complete: str
    interval: int
    expires_at: datetime
    device_code: str = field(repr=False)
    code_verifier: str = field(repr=False)


@dataclass(frozen=True)
class CarDataTokens:
    """One token set; ``repr`` shows expiry times only."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    id_token: str = field(repr=False)
    gcid: str = field(repr=False)
    access_token_expires_at: datetime
    id_token_expires_at: datetime
    refresh_token_expires_at: datetime

    def as_dict(self) -> dict[str, str]:
        """Plain strings for persistence (a Home Assistant config entry)."""
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "id_token": self.id_token,
            "gcid": self.gcid,
            "access_token_expires_at": self.access_token_expires_at.isoformat(),
            "id_token_expires_at": self.id_token_expires_at.isoformat(),
            "refresh_token_expires_at": self.refresh_token_expires_at.isoformat(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        """Rebuild persisted tokens; unusable data means a new login."""
        try:
            texts = {
                key: data[key] for key in ("access_token", "refresh_token", "id_token", "gcid")
            }
            times = {
                key: parse_datetime(data[key])
                for key in (
                    "access_token_expires_at",
                    "id_token_expires_at",
                    "refresh_token_expires_at",
                )
            }
        except (KeyError, TypeError) as err:
            raise CarDataAuthError("Stored CarData tokens are incomplete") from err
        if not all(isinstance(v, str) for v in texts.values()) or None in times.values():
            raise CarDataAuthError("Stored CarData tokens are malformed")
        return cls(
            access_token=texts["access_token"],
            refresh_token=texts["refresh_token"],
            id_token=texts["id_token"],
            gcid=texts["gcid"],
            access_token_expires_at=times["access_token_expires_at"],  # type: ignore[arg-type]
            id_token_expires_at=times["id_token_expires_at"],  # type: ignore[arg-type]
            refresh_token_expires_at=times["refresh_token_expires_at"],  # type: ignore[arg-type]
        )


class CarDataAuth:
    """Device-code login and token upkeep for one CarData client id.

    ``httpx_client`` may be shared (Home Assistant's); otherwise one is owned
    and closed by :meth:`close`. Concurrent refreshes share one request.
    """

    def __init__(
        self,
        client_id: str,
        *,
        tokens: CarDataTokens | None = None,
        httpx_client: httpx.AsyncClient | None = None,
        on_tokens: TokensCallback | None = None,
        base_url: str = AUTH_BASE_URL,
        now: Clock = utcnow,
        sleep: Sleep = asyncio.sleep,
        refresh_margin: timedelta = TOKEN_REFRESH_MARGIN,
    ) -> None:
        """Remember the client id and (optionally) previously stored tokens."""
        self.client_id = client_id
        self._tokens = tokens
        self._client = httpx_client
        self._owns_client = httpx_client is None
        self._on_tokens = on_tokens
        self._base_url = base_url.rstrip("/")
        self._now = now
        self._sleep = sleep
        self.refresh_margin = refresh_margin
        self._lock = asyncio.Lock()
        self._generation = 0

    @property
    def tokens(self) -> CarDataTokens | None:
        """The current token set (``None`` before the first login)."""
        return self._tokens

    @property
    def generation(self) -> int:
        """Increases with every new token set (lets callers detect a refresh)."""
        return self._generation

    async def close(self) -> None:
        """Close the owned HTTP client."""
        if self._owns_client and self._client is not None:
            await self._client.aclose()
            self._client = None

    # --- transport ---------------------------------------------------------

    async def _post(self, path: str, data: dict[str, str]) -> httpx.Response:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=30)
        request = self._client.build_request(
            "POST", f"{self._base_url}{path}", data=data, headers={"accept": "application/json"}
        )
        try:
            # A stalled token request must not hold the refresh lock for ever.
            return await send_bounded(self._client, request)
        except httpx.HTTPError as err:
            raise transport_exception(err) from err

    # --- device code flow --------------------------------------------------

    async def request_device_code(self) -> DeviceCode:
        """Start a login: the user opens ``verification_uri_complete`` and confirms."""
        verifier = generate_token(CODE_VERIFIER_LENGTH)
        response = await self._post(
            DEVICE_CODE_PATH,
            {
                "client_id": self.client_id,
                "response_type": "device_code",
                "scope": SCOPE,
                "code_challenge": create_s256_code_challenge(verifier),
                "code_challenge_method": "S256",
            },
        )
        if response.status_code != 200:
            raise oauth_exception(parse_oauth_error(response))
        try:
            body = response.json()
            expires_in = int(body.get("expires_in", 300))
            return DeviceCode(
                user_code=str(body["user_code"]),
                verification_uri=str(body["verification_uri"]),
                verification_uri_complete=str(
                    body.get("verification_uri_complete") or body["verification_uri"]
                ),
                interval=max(int(body.get("interval") or DEFAULT_POLL_INTERVAL), 1),
                expires_at=self._now() + timedelta(seconds=expires_in),
                device_code=str(body["device_code"]),
                code_verifier=verifier,
            )
        except (ValueError, KeyError, TypeError, AttributeError) as err:
            raise CarDataAuthError("Malformed device code answer") from err

    async def poll_for_tokens(self, device_code: DeviceCode) -> CarDataTokens:
        """Poll until the user confirmed, honouring ``interval`` and ``slow_down``.

        ``authorization_pending`` and temporary server errors keep polling until
        the code expires; every other error ends the login with its exception.
        """
        interval = float(device_code.interval)
        data = {
            "client_id": self.client_id,
            "device_code": device_code.device_code,
            "grant_type": DEVICE_CODE_GRANT,
            "code_verifier": device_code.code_verifier,
        }
        while True:
            if self._now() >= device_code.expires_at:
                raise CarDataDeviceCodeExpiredError(
                    "The login code expired before the login was finished"
                )
            await self._sleep(interval)
            try:
                response = await self._post(TOKEN_PATH, data)
            except CarDataConnectionError:
                _LOGGER.debug("Token poll failed to reach the server, polling on")
                continue
            if response.status_code == 200:
                return self._store(self._parse_tokens(response, None))
            error = parse_oauth_error(response)
            if error.error == "authorization_pending" and not error.keymanagement:
                continue
            if error.error == "slow_down":
                interval += SLOW_DOWN_STEP
                _LOGGER.debug("Token poll asked to slow down, interval now %s s", interval)
                continue
            if error.status >= 500 and not error.keymanagement:
                _LOGGER.debug("Token poll got HTTP %s, polling on", error.status)
                continue
            raise oauth_exception(error)

    # --- refresh -----------------------------------------------------------

    async def refresh(self) -> CarDataTokens:
        """Refresh now (single flight: callers waiting meanwhile share the result)."""
        generation = self._generation
        async with self._lock:
            if self._generation != generation and self._tokens is not None:
                return self._tokens
            return await self._refresh_locked()

    async def ensure_valid(self, min_validity: timedelta | None = None) -> CarDataTokens:
        """Tokens whose access and id token stay valid at least ``min_validity``."""
        margin = self.refresh_margin if min_validity is None else min_validity
        tokens = self._require_tokens()
        if self._fresh(tokens, margin):
            return tokens
        async with self._lock:
            tokens = self._require_tokens()
            if self._fresh(tokens, margin):
                return tokens
            return await self._refresh_locked()

    async def access_token(self) -> str:
        """A valid access token for the REST API."""
        return (await self.ensure_valid()).access_token

    def _fresh(self, tokens: CarDataTokens, margin: timedelta) -> bool:
        limit = self._now() + margin
        return tokens.access_token_expires_at > limit and tokens.id_token_expires_at > limit

    def _require_tokens(self) -> CarDataTokens:
        if self._tokens is None:
            raise CarDataAuthError("Not logged in to BMW CarData")
        return self._tokens

    async def _refresh_locked(self) -> CarDataTokens:
        tokens = self._require_tokens()
        if self._now() >= tokens.refresh_token_expires_at:
            raise CarDataRefreshTokenExpiredError(
                "The CarData refresh token expired (two weeks without refresh); log in again"
            )
        response = await self._post(
            TOKEN_PATH,
            {
                "grant_type": REFRESH_GRANT,
                "refresh_token": tokens.refresh_token,
                "client_id": self.client_id,
            },
        )
        if response.status_code != 200:
            raise oauth_exception(parse_oauth_error(response), refreshing=True)
        return self._store(self._parse_tokens(response, tokens))

    # --- token answers -----------------------------------------------------

    def _parse_tokens(
        self, response: httpx.Response, previous: CarDataTokens | None
    ) -> CarDataTokens:
        try:
            body = response.json()
        except ValueError as err:
            raise CarDataAuthError("Malformed token answer") from err
        if not isinstance(body, dict):
            raise CarDataAuthError("Malformed token answer")
        now = self._now()

        def text(key: str, fallback: str | None) -> str:
            value = body.get(key)
            if isinstance(value, str) and value:
                return value
            if fallback is not None:
                return fallback
            raise CarDataAuthError(f"Token answer without {key}")

        access = text("access_token", None)
        refresh = text("refresh_token", previous.refresh_token if previous else None)
        id_token = text("id_token", previous.id_token if previous else None)
        gcid = text("gcid", previous.gcid if previous else None)
        expires_in = body.get("expires_in")
        lifetime = (
            # An absurd lifetime (1e20 s) is cut: the token is refreshed a day later at most.
            timedelta(seconds=min(max(expires_in, 0), MAX_TOKEN_LIFETIME.total_seconds()))
            if isinstance(expires_in, int | float)
            and not isinstance(expires_in, bool)
            and not math.isnan(expires_in)
            else DEFAULT_TOKEN_LIFETIME
        )
        access_expiry = now + lifetime
        if previous is not None and id_token == previous.id_token:
            id_expiry = previous.id_token_expires_at
        else:
            id_expiry = jwt_expiry(id_token) or access_expiry
        if previous is None or refresh != previous.refresh_token:
            refresh_expiry = now + REFRESH_TOKEN_LIFETIME
        else:
            refresh_expiry = previous.refresh_token_expires_at
        return CarDataTokens(
            access_token=access,
            refresh_token=refresh,
            id_token=id_token,
            gcid=gcid,
            access_token_expires_at=access_expiry,
            id_token_expires_at=id_expiry,
            refresh_token_expires_at=refresh_expiry,
        )

    def _store(self, tokens: CarDataTokens) -> CarDataTokens:
        self._tokens = tokens
        self._generation += 1
        if self._on_tokens is not None:
            self._on_tokens(tokens)
        return tokens
