"""Token state and the login flows: OAuth2 + PKCE (row/na), China password login, refresh."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncGenerator, Callable, Generator, Mapping
import contextlib
from dataclasses import dataclass
import datetime
import ipaddress
import json
import logging
from typing import Any
from urllib.parse import parse_qs, urlsplit
import uuid

from Crypto.Cipher import PKCS1_v1_5
from Crypto.PublicKey import RSA
import httpx

from ..const import (
    CN_CHECK_CAPTCHA_PATH,
    CN_LOGIN_PATH,
    CN_PUBLIC_KEY_PATH,
    CN_SLIDER_CAPTCHA_PATH,
    CN_TOKEN_PATH,
    HTTPX_TIMEOUT,
    OAUTH_CONFIG_PATH,
    PKCE_STATE_LENGTH,
    PKCE_VERIFIER_LENGTH,
    SESSION_ID_MAX_AGE_DAYS,
    TOKEN_EXPIRY_MARGIN_SECONDS,
    USER_AGENT,
    CarBrands,
)
from ..models import (
    MyBMWAPIError,
    MyBMWAuthError,
    MyBMWBlockedError,
    MyBMWCaptchaInvalidError,
    MyBMWCaptchaMissingError,
    MyBMWQuotaError,
)
from .errors import (
    OnRequest,
    Sleep,
    error_message,
    exception_for_response,
    is_captcha_rejection,
    is_credential_rejection,
    response_json,
    send_with_retry,
)
from .regions import (
    CAPTCHA_URLS,
    Regions,
    get_app_version,
    get_ocp_apim_key,
    get_server_url,
    server_url_override,
)
from .utils import (
    build_x_user_agent,
    create_s256_code_challenge,
    generate_cn_nonce,
    generate_token,
    generate_user_agent_build,
    get_capture_position,
    get_correlation_id,
)

_LOGGER = logging.getLogger(__name__)


def _utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


@dataclass
class LoginTransport:
    """What a login borrows from the client: its HTTP session and identity."""

    http: httpx.AsyncClient
    user_agent_build: str
    on_request: OnRequest | None = None
    sleep: Sleep | None = None


@dataclass(frozen=True)
class _OAuthConfig:
    client_id: str
    client_secret: str
    return_url: str
    token_endpoint: str
    scopes: str

    @property
    def authenticate_url(self) -> str:
        head, sep, tail = self.token_endpoint.rpartition("/token")
        return f"{head}/authenticate{tail}" if sep else self.token_endpoint

    @property
    def basic_auth(self) -> str:
        secret = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        return f"Basic {secret}"


# The identity provider's domains; the OAuth config may only name hosts under them.
_IDENTITY_DOMAINS = ("bmwgroup.com", "bmwgroup.us", "bmwusa.com", "bmw.com.cn")


def check_token_endpoint(url: str) -> None:
    """Refuse a ``tokenEndpoint`` that would send credentials anywhere but to BMW.

    It receives the client secret, the refresh token and (via ``/authenticate``)
    the password, so it must be https on a BMW host; a loopback one only while
    the loopback server override (the simulator) is active.
    """
    try:
        parsed = httpx.URL(url)
        host = parsed.host.lower()
    except (httpx.InvalidURL, TypeError):
        host, parsed = "", None
    if parsed is not None and host:
        if parsed.scheme == "https" and any(
            host == domain or host.endswith("." + domain) for domain in _IDENTITY_DOMAINS
        ):
            return
        if parsed.scheme in ("http", "https") and server_url_override() is not None:
            with contextlib.suppress(ValueError):
                if host == "localhost" or ipaddress.ip_address(host).is_loopback:
                    return
    raise MyBMWAPIError(
        f"The OAuth config names an untrusted token endpoint ({host or 'unreadable'}); "
        "no credentials were sent"
    )


class _RefreshTokenRejectedError(Exception):
    """The server refused the refresh token for good; only a password login can help."""


class _LoginSession:
    """One login attempt: shared cookies, identity headers, counted and retried sends."""

    def __init__(self, transport: LoginTransport, region: Regions) -> None:
        self.transport = transport
        self.region = region
        self.cookies = httpx.Cookies()
        self.headers = {
            "user-agent": USER_AGENT,
            "x-user-agent": build_x_user_agent(
                transport.user_agent_build,
                CarBrands.BMW.value,
                get_app_version(region),
                region.value,
            ),
        }

    async def send(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        data: Mapping[str, str] | None = None,
        json_body: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        http = self.transport.http

        def build() -> httpx.Request:
            return http.build_request(
                method,
                url,
                headers={**self.headers, **(headers or {})},
                params=params,
                data=data,
                json=json_body,
                cookies=self.cookies,
                timeout=HTTPX_TIMEOUT,
            )

        response = await send_with_retry(
            http, build, on_request=self.transport.on_request, sleep=self.transport.sleep
        )
        self.cookies.extract_cookies(response)
        return response

    def forget_cookies(self) -> None:
        """Keep login cookies out of a shared (e.g. Home Assistant's) HTTP client."""
        shared = self.transport.http.cookies.jar
        for cookie in list(self.cookies.jar):
            with contextlib.suppress(KeyError):
                shared.clear(cookie.domain, cookie.path, cookie.name)


def _raise_for_login_step(response: httpx.Response, *, credential_step: bool = False) -> None:
    """Map a failed login step; on the credential step a client error means bad credentials.

    Except when the answer blames the captcha: then a new token, not a new password, helps.
    """
    error = exception_for_response(response)
    if error is None:
        return
    if credential_step and is_captcha_rejection(response):
        raise MyBMWCaptchaInvalidError(
            "The captcha token was refused (already used, expired or invalid); solve the "
            "captcha again: " + error_message(response),
            status_code=response.status_code,
        )
    if (
        credential_step
        and 400 <= response.status_code < 500
        and not isinstance(error, MyBMWQuotaError | MyBMWBlockedError)
    ):
        raise MyBMWAuthError(
            "Login rejected (check username, password and captcha): " + error_message(response),
            status_code=response.status_code,
        )
    raise error


def _json_object(response: httpx.Response, what: str) -> dict[str, Any]:
    data = response_json(response)
    if not isinstance(data, dict):
        raise MyBMWAPIError(f"Unexpected {what} answer (HTTP {response.status_code})")
    return data


def _cn_data(response: httpx.Response, what: str, *, credential_step: bool = False) -> Any:
    """Unwrap a China envelope ``{"code", "error", "description", "data"}``."""
    _raise_for_login_step(response, credential_step=credential_step)
    envelope = _json_object(response, what)
    if envelope.get("error") is True:
        message = error_message(response)
        if credential_step:
            raise MyBMWAuthError("Login rejected (check username and password): " + message)
        raise MyBMWAPIError(f"{what} failed: {message}")
    return envelope.get("data")


def _query_value(url: str, name: str) -> str | None:
    """Return a query parameter of a (possibly custom-scheme or prefixed) URL."""
    query = url.split("?", 1)[1] if "?" in url else urlsplit(url).query
    values = parse_qs(query).get(name)
    return values[0] if values else None


def jwt_expiry(token: str) -> datetime.datetime | None:
    """Return the ``exp`` claim of a JWT without checking its signature."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return datetime.datetime.fromtimestamp(int(claims["exp"]), datetime.UTC)
    except (IndexError, ValueError, KeyError, TypeError, OverflowError):
        return None


def encrypt_cn_password(password: str, public_key_pem: str) -> str:
    """Encrypt the password for the China login (RSA PKCS#1 v1.5, base64)."""
    key = RSA.import_key(public_key_pem.replace("\r\n", "\n"))
    return base64.b64encode(PKCS1_v1_5.new(key).encrypt(password.encode("utf-8"))).decode()


class MyBMWAuthentication(httpx.Auth):
    """Token state of one account and the logins that renew it.

    Logins are single-flight: they run under ``login_lock`` and re-check the
    token inside it, so many callers that find it missing or rejected cause
    one login between them. Like the reference library's, it is an
    ``httpx.Auth``: ``httpx.AsyncClient(auth=authentication)`` sends the bearer
    token and renews it once on a 401 (see :meth:`async_auth_flow`).
    """

    def __init__(  # noqa: PLR0917 - positional order of the reference library
        self,
        username: str,
        password: str,
        region: Regions,
        access_token: str | None = None,
        expires_at: datetime.datetime | None = None,
        refresh_token: str | None = None,
        gcid: str | None = None,
        hcaptcha_token: str | None = None,
        *,
        session_id: str | None = None,
        session_created_at: datetime.datetime | None = None,
        on_tokens: Callable[[MyBMWAuthentication], None] | None = None,
    ) -> None:
        self.username = username
        self.password = password
        self.region = region
        self._access_token = access_token
        self._expires_at = expires_at
        self._refresh_token = refresh_token
        self._gcid = gcid
        self.hcaptcha_token = hcaptcha_token
        self._session_id = session_id or str(uuid.uuid4())
        self._session_created_at = session_created_at or _utcnow()
        self.quota_retry_at: datetime.datetime | None = None
        """Set after a quota answer; until then the client sends nothing for this account."""
        self.on_tokens = on_tokens
        """Called after a login changed the refresh token or gcid: the old token is spent."""
        self._lock: asyncio.Lock | None = None
        self._lock_loop: asyncio.AbstractEventLoop | None = None

    @property
    def access_token(self) -> str | None:
        """The current bearer token."""
        return self._access_token

    @property
    def refresh_token(self) -> str | None:
        """The current refresh token (persist it; it changes on every refresh)."""
        return self._refresh_token

    @property
    def gcid(self) -> str | None:
        """The customer id (send-POI path, China refresh nonce)."""
        return self._gcid

    @property
    def expires_at(self) -> datetime.datetime | None:
        """When the access token should be renewed (already includes a safety margin)."""
        return self._expires_at

    @property
    def session_id(self) -> str:
        """The ``bmw-session-id`` of this login session."""
        return self._session_id

    @property
    def session_created_at(self) -> datetime.datetime:
        """When the session id was created; it is rotated after 14 days."""
        return self._session_created_at

    @property
    def login_lock(self) -> asyncio.Lock:
        """The lock that serialises logins, bound to the running event loop."""
        loop = asyncio.get_running_loop()
        if self._lock is None or self._lock_loop is not loop:
            self._lock = asyncio.Lock()
            self._lock_loop = loop
        return self._lock

    def set_refresh_token(
        self,
        refresh_token: str | None,
        gcid: str | None = None,
        *,
        access_token: str | None = None,
        expires_at: datetime.datetime | None = None,
        session_id: str | None = None,
    ) -> None:
        """Restore stored login state; values left as None are kept as they are.

        A restored access token saves the first login after a restart; without
        ``expires_at`` it is used until the server answers 401.
        """
        self._refresh_token = refresh_token
        if gcid:
            self._gcid = gcid
        if access_token:
            self._access_token = access_token
            self._expires_at = expires_at
        if session_id:
            self._session_id = session_id

    def token_is_valid(self, now: datetime.datetime | None = None) -> bool:
        """Return True when a bearer token is held and not yet due for renewal."""
        if not self._access_token:
            return False
        return self._expires_at is None or (now or _utcnow()) < self._expires_at

    def rotate_session_if_stale(self, now: datetime.datetime | None = None) -> None:
        """Start a new session id after 14 days, like the app."""
        now = now or _utcnow()
        if now - self._session_created_at >= datetime.timedelta(days=SESSION_ID_MAX_AGE_DAYS):
            self._session_id = str(uuid.uuid4())
            self._session_created_at = now

    async def get_access_token(self, transport: LoginTransport) -> str:
        """Return a usable bearer token, logging in first when it is missing or expired."""
        if self.token_is_valid():
            return self._access_token  # type: ignore[return-value]
        async with self.login_lock:
            if not self.token_is_valid():
                await self._login(transport)
            return self._access_token  # type: ignore[return-value]

    async def renew_after_unauthorized(
        self, transport: LoginTransport, rejected: str | None
    ) -> str:
        """Renew a token the server answered 401 to, unless another caller already did."""
        async with self.login_lock:
            if self._access_token and self._access_token != rejected and self.token_is_valid():
                return self._access_token
            self._access_token = None
            self._expires_at = None
            await self._login(transport)
            return self._access_token  # type: ignore[return-value]

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        """Add the bearer token and session id; renew the token once when the server answers 401.

        Logins run on a client of their own, so the caller's client (and its
        base URL or hooks) never sees the login requests.
        """
        async with httpx.AsyncClient(timeout=HTTPX_TIMEOUT) as http:
            transport = LoginTransport(http, generate_user_agent_build(self.username))
            token = await self.get_access_token(transport)
            request.headers["authorization"] = f"Bearer {token}"
            request.headers.setdefault("bmw-session-id", self.session_id)
            response = yield request
            if response.status_code == 401:
                token = await self.renew_after_unauthorized(transport, token)
                request.headers["authorization"] = f"Bearer {token}"
                yield request

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        """The client is async only: a synchronous ``httpx.Client`` cannot log in."""
        raise RuntimeError("MyBMWAuthentication needs an httpx.AsyncClient")
        yield request  # pragma: no cover - makes this a generator, as httpx expects

    async def login(self, transport: LoginTransport) -> None:
        """Log in now: with the refresh token if held, else (or if refused) with the password."""
        async with self.login_lock:
            await self._login(transport)

    async def _login(self, transport: LoginTransport) -> None:
        self.rotate_session_if_stale()
        session = _LoginSession(transport, self.region)
        try:
            if self._refresh_token:
                try:
                    await self._refresh(session)
                except _RefreshTokenRejectedError:
                    _LOGGER.info("The refresh token was rejected; a password login is needed")
                    self._refresh_token = None
                else:
                    return
            await self._password_login(session)
        finally:
            session.forget_cookies()

    async def _refresh(self, session: _LoginSession) -> None:
        if self.region == Regions.CHINA:
            await self._refresh_china(session)
        else:
            await self._refresh_oauth(session)

    async def _password_login(self, session: _LoginSession) -> None:
        if self.region == Regions.CHINA:
            await self._login_china(session)
        else:
            await self._login_oauth(session)

    def _store_tokens(
        self,
        data: Mapping[str, Any],
        issued_at: datetime.datetime,
        *,
        expiry: datetime.datetime | None = None,
    ) -> None:
        access_token = data.get("access_token")
        if not isinstance(access_token, str) or not access_token:
            raise MyBMWAPIError("The token answer holds no access token")
        if expiry is None:
            try:
                expiry = issued_at + datetime.timedelta(seconds=float(data["expires_in"]))
            except (KeyError, TypeError, ValueError, OverflowError):
                expiry = None
        self._access_token = access_token
        self._expires_at = (
            expiry - datetime.timedelta(seconds=TOKEN_EXPIRY_MARGIN_SECONDS) if expiry else None
        )
        before = (self._refresh_token, self._gcid)
        if isinstance(data.get("refresh_token"), str) and data["refresh_token"]:
            self._refresh_token = data["refresh_token"]
        if isinstance(data.get("gcid"), str) and data["gcid"]:
            self._gcid = data["gcid"]
        if self.on_tokens is not None and (self._refresh_token, self._gcid) != before:
            self.on_tokens(self)

    # --- rest_of_world / north_america -------------------------------------------------

    async def _oauth_config(self, session: _LoginSession) -> _OAuthConfig:
        response = await session.send(
            "GET",
            get_server_url(self.region) + OAUTH_CONFIG_PATH,
            headers={
                "ocp-apim-subscription-key": get_ocp_apim_key(self.region),
                "bmw-session-id": self._session_id,
                "x-identity-provider": "gcdm",
                **get_correlation_id(),
            },
        )
        _raise_for_login_step(response)
        data = _json_object(response, "OAuth config")
        try:
            scopes = data["scopes"]
            config = _OAuthConfig(
                client_id=str(data["clientId"]),
                client_secret=str(data["clientSecret"]),
                return_url=str(data["returnUrl"]),
                token_endpoint=str(data["tokenEndpoint"]),
                scopes=" ".join(scopes) if isinstance(scopes, list) else str(scopes),
            )
        except KeyError as err:
            raise MyBMWAPIError(f"The OAuth config lacks {err.args[0]}") from None
        check_token_endpoint(config.token_endpoint)
        return config

    async def _refresh_oauth(self, session: _LoginSession) -> None:
        config = await self._oauth_config(session)
        issued_at = _utcnow()
        response = await session.send(
            "POST",
            config.token_endpoint,
            headers={"authorization": config.basic_auth},
            data={
                "scope": config.scopes,
                "redirect_uri": config.return_url,
                "grant_type": "refresh_token",
                "refresh_token": self._refresh_token or "",
            },
        )
        if is_credential_rejection(response):
            raise _RefreshTokenRejectedError
        _raise_for_login_step(response)
        self._store_tokens(_json_object(response, "token"), issued_at)

    async def _login_oauth(self, session: _LoginSession) -> None:
        if not self.hcaptcha_token:
            raise MyBMWCaptchaMissingError(
                "A password login needs a fresh captcha token; solve the captcha at "
                f"{CAPTCHA_URLS[self.region]} and pass the token"
            )
        config = await self._oauth_config(session)
        code_verifier = generate_token(PKCE_VERIFIER_LENGTH)
        base_form = {
            "client_id": config.client_id,
            "response_type": "code",
            "scope": config.scopes,
            "redirect_uri": config.return_url,
            "state": generate_token(PKCE_STATE_LENGTH),
            "nonce": generate_token(PKCE_STATE_LENGTH),
            "code_challenge": create_s256_code_challenge(code_verifier),
            "code_challenge_method": "S256",
        }

        captcha_token = self.hcaptcha_token
        try:
            response = await session.send(
                "POST",
                config.authenticate_url,
                headers={"hcaptchatoken": captcha_token},
                data={
                    **base_form,
                    "grant_type": "authorization_code",
                    "username": self.username,
                    "password": self.password,
                },
            )
        finally:
            # Single use: a second login needs a new token whatever happened.
            self.hcaptcha_token = None
        _raise_for_login_step(response, credential_step=True)
        redirect_to = _json_object(response, "authenticate").get("redirect_to")
        authorization = _query_value(redirect_to, "authorization") if redirect_to else None
        if not authorization:
            raise MyBMWAPIError("The login answer holds no authorization")

        response = await session.send(
            "POST",
            config.authenticate_url,
            params={
                "interaction-id": str(uuid.uuid4()),
                "client-version": session.headers["x-user-agent"],
            },
            data={**base_form, "authorization": authorization},
        )
        _raise_for_login_step(response, credential_step=True)
        location = response.headers.get("location", "")
        code = _query_value(location, "code") if location else None
        if not code:
            raise MyBMWAPIError(
                f"The authorization answer holds no code (HTTP {response.status_code})"
            )

        issued_at = _utcnow()
        response = await session.send(
            "POST",
            config.token_endpoint,
            headers={"authorization": config.basic_auth},
            data={
                "code": code,
                "code_verifier": code_verifier,
                "redirect_uri": config.return_url,
                "grant_type": "authorization_code",
            },
        )
        _raise_for_login_step(response)
        self._store_tokens(_json_object(response, "token"), issued_at)

    # --- china --------------------------------------------------------------------------

    async def _login_china(self, session: _LoginSession) -> None:
        base_url = get_server_url(self.region)
        response = await session.send("GET", base_url + CN_PUBLIC_KEY_PATH)
        key_data = _cn_data(response, "public key")
        try:
            public_key = str(key_data["value"])
        except (KeyError, TypeError):
            raise MyBMWAPIError("The public key answer holds no key") from None

        response = await session.send(
            "POST", base_url + CN_SLIDER_CAPTCHA_PATH, json_body={"mobile": self.username}
        )
        captcha = _cn_data(response, "slider captcha")
        try:
            verify_id = str(captcha["verifyId"])
            background = str(captcha["backGroundImg"])
        except (KeyError, TypeError):
            raise MyBMWAPIError("The slider captcha answer is incomplete") from None
        try:
            position = await asyncio.to_thread(get_capture_position, background)
        except (OSError, ValueError):
            _LOGGER.debug("Unreadable slider captcha image")
            position = ""

        response = await session.send(
            "POST",
            base_url + CN_CHECK_CAPTCHA_PATH,
            json_body={"position": position, "verifyId": verify_id},
        )
        _raise_for_login_step(response)

        try:
            encrypted = encrypt_cn_password(self.password, public_key)
        except (ValueError, IndexError, TypeError):
            raise MyBMWAPIError("The server's public key is unusable") from None
        issued_at = _utcnow()
        response = await session.send(
            "POST",
            base_url + CN_LOGIN_PATH,
            headers={"x-login-nonce": generate_cn_nonce(self.username)},
            json_body={
                "mobile": self.username,
                "password": encrypted,
                "verifyId": verify_id,
                "deviceId": self.username,
            },
        )
        tokens = _cn_data(response, "login", credential_step=True)
        if not isinstance(tokens, dict):
            raise MyBMWAPIError("The login answer holds no tokens")
        access_token = tokens.get("access_token")
        expiry = jwt_expiry(access_token) if isinstance(access_token, str) else None
        self._store_tokens(tokens, issued_at, expiry=expiry)

    async def _refresh_china(self, session: _LoginSession) -> None:
        if not self._gcid:
            raise _RefreshTokenRejectedError
        issued_at = _utcnow()
        response = await session.send(
            "POST",
            get_server_url(self.region) + CN_TOKEN_PATH,
            headers={"x-login-nonce": generate_cn_nonce(self._gcid)},
            data={"refresh_token": self._refresh_token or "", "grant_type": "refresh_token"},
        )
        if is_credential_rejection(response):
            raise _RefreshTokenRejectedError
        _raise_for_login_step(response)
        self._store_tokens(_json_object(response, "token"), issued_at)
