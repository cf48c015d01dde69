"""HTTP transport for data calls: default headers, tokens, 401/429 handling, quota pause."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
import datetime
import logging
from types import TracebackType
from typing import Any, Self

import httpx

from ..const import (
    ACCEPT_LANGUAGE,
    HTTPX_TIMEOUT,
    RAW_LOCALE,
    UNITS_PREFERENCES,
    USER_AGENT,
    CarBrands,
)
from ..models import AnonymizedResponse, GPSPosition, MyBMWQuotaError
from .anonymize import Anonymizer, anonymize_response
from .authentication import LoginTransport, MyBMWAuthentication
from .errors import OnRequest, Sleep, exception_for_response, send_with_retry
from .log_redaction import install as install_log_redaction
from .regions import get_app_version, get_server_url
from .utils import build_x_user_agent, generate_user_agent_build, get_correlation_id

_LOGGER = logging.getLogger(__name__)

# httpx logs request URLs, and some of ours contain a VIN or the gcid.
install_log_redaction()


@dataclass
class MyBMWClientConfiguration:
    """Settings and state shared by every client of one account."""

    authentication: MyBMWAuthentication
    log_responses: bool | None = False
    observer_position: GPSPosition | None = None
    httpx_client: httpx.AsyncClient | None = None
    """A shared client (e.g. Home Assistant's); used as is and never closed."""
    user_agent_build: str | None = None
    """The per-installation build string of ``x-user-agent``; persist it."""
    on_request: OnRequest | None = None
    """Called as ``(method, url, status or None)`` for every request sent, logins included."""
    on_remote_service_progress: Callable[..., None] | None = None
    sleep: Sleep | None = None
    """Replaces the wait between 429 retries (tests)."""
    response_store: list[AnonymizedResponse] = field(default_factory=list)
    """Anonymised responses of this account, recorded when ``log_responses`` is set."""
    anonymizer: Anonymizer | None = field(default=None, repr=False)
    """Keeps VIN replacements consistent across the recorded responses."""

    def __post_init__(self) -> None:
        if self.user_agent_build is None:
            self.user_agent_build = generate_user_agent_build()


class MyBMWClient:
    """Sends data calls for one account, logging in and renewing tokens as needed.

    Use as ``async with MyBMWClient(config, brand=CarBrands.BMW) as client``.
    """

    def __init__(self, config: MyBMWClientConfiguration, *, brand: CarBrands | None = None) -> None:
        self.config = config
        self.brand = brand or CarBrands.BMW
        self._own_http: httpx.AsyncClient | None = None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP client this object created (an injected one stays open)."""
        if self._own_http is not None:
            await self._own_http.aclose()
            self._own_http = None

    @property
    def http(self) -> httpx.AsyncClient:
        """The HTTP client in use: the injected one, else one owned by this object."""
        if self.config.httpx_client is not None:
            return self.config.httpx_client
        if self._own_http is None:
            self._own_http = httpx.AsyncClient(timeout=HTTPX_TIMEOUT, verify=True)
        return self._own_http

    @property
    def _auth(self) -> MyBMWAuthentication:
        return self.config.authentication

    def _transport(self) -> LoginTransport:
        return LoginTransport(
            http=self.http,
            user_agent_build=self.config.user_agent_build or "",
            on_request=self.config.on_request,
            sleep=self.config.sleep,
        )

    def generate_default_header(self, brand: CarBrands | None = None) -> dict[str, str]:
        """Return the headers every data call carries (protocol §1.4), without auth."""
        region = self._auth.region
        return {
            "accept": "application/json",
            "accept-language": ACCEPT_LANGUAGE,
            "x-raw-locale": RAW_LOCALE,
            "user-agent": USER_AGENT,
            "x-user-agent": build_x_user_agent(
                self.config.user_agent_build or "",
                (brand or self.brand).value,
                get_app_version(region),
                region.value,
            ),
            "x-identity-provider": "gcdm",
            "bmw-units-preferences": UNITS_PREFERENCES,
            "24-hour-format": "true",
            **get_correlation_id(),
        }

    def _url(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            return path
        return get_server_url(self._auth.region) + "/" + path.lstrip("/")

    def _check_quota_pause(self) -> None:
        retry_at = self._auth.quota_retry_at
        if retry_at is None:
            return
        if datetime.datetime.now(datetime.UTC) < retry_at:
            raise MyBMWQuotaError(
                "Quota exhausted; no requests are sent until it is replenished", retry_at=retry_at
            )
        self._auth.quota_retry_at = None

    async def get(
        self,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        brand: CarBrands | None = None,
    ) -> httpx.Response:
        """Send a GET data call."""
        return await self.request("GET", path, params=params, headers=headers, brand=brand)

    async def post(
        self,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Any = None,
        headers: Mapping[str, str] | None = None,
        brand: CarBrands | None = None,
    ) -> httpx.Response:
        """Send a POST data call."""
        return await self.request(
            "POST", path, params=params, json=json, data=data, headers=headers, brand=brand
        )

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Any = None,
        headers: Mapping[str, str] | None = None,
        brand: CarBrands | None = None,
    ) -> httpx.Response:
        """Send a data call; return the successful response or raise the mapped error.

        401 triggers one single-flight re-login and one resend; 429 is retried
        with the announced wait; a quota answer pauses the whole account until
        the announced time, without sending anything meanwhile.
        """
        self._check_quota_pause()
        transport = self._transport()
        url = self._url(path)
        try:
            token = await self._auth.get_access_token(transport)

            def build() -> httpx.Request:
                return self.http.build_request(
                    method,
                    url,
                    params=params,
                    json=json,
                    data=data,
                    headers={
                        **self.generate_default_header(brand),
                        "authorization": f"Bearer {token}",
                        "bmw-session-id": self._auth.session_id,
                        **(headers or {}),
                    },
                    timeout=HTTPX_TIMEOUT,
                )

            response = await self._send(transport, build)
            if response.status_code == 401:
                _LOGGER.debug("Access token rejected, renewing it once")
                token = await self._auth.renew_after_unauthorized(transport, token)
                response = await self._send(transport, build)
            if self.config.log_responses:
                self._record(response)
            error = exception_for_response(response)
            if error is not None:
                raise error
        except MyBMWQuotaError as err:
            if err.retry_at is not None:
                self._auth.quota_retry_at = err.retry_at
            raise
        return response

    async def _send(
        self, transport: LoginTransport, build: Callable[[], httpx.Request]
    ) -> httpx.Response:
        return await send_with_retry(
            transport.http, build, on_request=transport.on_request, sleep=transport.sleep
        )

    def _record(self, response: httpx.Response) -> None:
        try:
            if self.config.anonymizer is None:
                self.config.anonymizer = Anonymizer()
            self.config.response_store.append(anonymize_response(response, self.config.anonymizer))
        except Exception:  # recording must never break a data call
            _LOGGER.debug("Could not record a response", exc_info=True)
