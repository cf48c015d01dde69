"""Tests for the login flows and token handling of api/authentication.py."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
import datetime
import hashlib
import io
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from Crypto.Cipher import AES, PKCS1_v1_5
from Crypto.PublicKey import RSA
from Crypto.Util.Padding import unpad
import httpx
from PIL import Image, ImageDraw
import pytest
import respx

from custom_components.bmw_mybmw.mybmw.api import authentication as auth_module
from custom_components.bmw_mybmw.mybmw.api.authentication import (
    LoginTransport,
    MyBMWAuthentication,
    encrypt_cn_password,
    jwt_expiry,
)
from custom_components.bmw_mybmw.mybmw.api.errors import is_captcha_rejection
from custom_components.bmw_mybmw.mybmw.api.regions import Regions
from custom_components.bmw_mybmw.mybmw.models import (
    MyBMWAPIError,
    MyBMWAuthError,
    MyBMWBlockedError,
    MyBMWCaptchaInvalidError,
    MyBMWCaptchaMissingError,
    MyBMWConnectionError,
    MyBMWQuotaError,
)
from simulator.cloud import DEMO_PASSWORD, DEMO_USERNAME, MyBMWCloud
from simulator.respx_fake import mock_mybmw_api

RESPONSES = Path(__file__).resolve().parents[3] / "shared" / "reference" / "mybmw-responses"
needs_responses = pytest.mark.skipif(not RESPONSES.is_dir(), reason="recorded responses absent")

ROW = "https://cocoapi.bmwgroup.com"
NA = "https://cocoapi.bmwgroup.us"
CN = "https://myprofile.bmw.com.cn"
GCDM = "https://customer.bmwgroup.com"
BUILD = "AP2A.123456.789"
UTC = datetime.UTC

OAUTH_CONFIG = {
    "clientName": "mybmwapp",
    "clientId": "client-id",
    "clientSecret": "client-secret",
    "returnUrl": "com.bmw.connected://oauth",
    "tokenEndpoint": f"{GCDM}/gcdm/oauth/token",
    "scopes": ["openid", "vehicle_data", "remote_services"],
}
WRONG_PASSWORD = {
    "error": "invalid_client",
    "error_description": "Client authentication failed (e.g., login failure)",
}
QUOTA_BODY = {
    "statusCode": 403,
    "message": "Out of call volume quota. Quota will be replenished in 02:12:20.",
}


def form(request: httpx.Request) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(request.content.decode()).items()}


def token_body(
    access: str = "access-new", refresh: str = "refresh-new", **extra: Any
) -> dict[str, Any]:
    return {
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": 3600,
        "refresh_token": refresh,
        "gcid": "gcid-1",
        **extra,
    }


class FakeGcdm:
    """OAuth config, authenticate and token endpoints that check what the client sends."""

    def __init__(self, router: respx.MockRouter, host: str = ROW) -> None:
        self.valid_refresh_tokens = {"refresh-old"}
        self.config = router.get(f"{host}/eadrax-ucs/v1/presentation/oauth/config").mock(
            return_value=httpx.Response(200, json=OAUTH_CONFIG)
        )
        self.authenticate = router.post(f"{GCDM}/gcdm/oauth/authenticate").mock(
            side_effect=self._authenticate
        )
        self.token = router.post(f"{GCDM}/gcdm/oauth/token").mock(side_effect=self._token)
        self.challenge: str | None = None

    def _authenticate(self, request: httpx.Request) -> httpx.Response:
        data = form(request)
        if "username" in data:
            if data["password"] != "secret":
                return httpx.Response(401, json=WRONG_PASSWORD)
            self.challenge = data["code_challenge"]
            return httpx.Response(
                200,
                json={
                    "redirect_to": "redirect_uri=com.bmw.connected://oauth?client_id=x"
                    "&scope=openid vehicle_data&state=s&authorization=auth-code"
                },
                headers={"set-cookie": "GCDMSSO=session-cookie; Path=/; Secure"},
            )
        assert data["authorization"] == "auth-code"
        assert request.headers.get("cookie") == "GCDMSSO=session-cookie"
        return httpx.Response(
            302, headers={"location": "com.bmw.connected://oauth?code=the-code&state=s"}
        )

    def _token(self, request: httpx.Request) -> httpx.Response:
        expected = base64.b64encode(b"client-id:client-secret").decode()
        assert request.headers["authorization"] == f"Basic {expected}"
        data = form(request)
        if data["grant_type"] == "refresh_token":
            if data["refresh_token"] not in self.valid_refresh_tokens:
                return httpx.Response(
                    400, json={"error": "invalid_grant", "error_description": "token expired"}
                )
            return httpx.Response(200, json=token_body("access-refreshed", "refresh-rotated"))
        verifier_hash = hashlib.sha256(data["code_verifier"].encode()).digest()
        assert base64.urlsafe_b64encode(verifier_hash).decode().rstrip("=") == self.challenge
        assert data["code"] == "the-code"
        return httpx.Response(200, json=token_body())


class Sleeps:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def sent() -> list[tuple[str, str, int | None]]:
    return []


@pytest.fixture
def transport(
    http: httpx.AsyncClient, sleeps: Sleeps, sent: list[tuple[str, str, int | None]]
) -> LoginTransport:
    return LoginTransport(
        http, BUILD, on_request=lambda m, u, s: sent.append((m, u, s)), sleep=sleeps
    )


def row_auth(**kwargs: Any) -> MyBMWAuthentication:
    return MyBMWAuthentication("user@example.com", "secret", Regions.REST_OF_WORLD, **kwargs)


# --- rest_of_world / north_america password login ----------------------------------------


async def test_password_login_runs_the_four_oauth_steps(
    respx_mock: respx.MockRouter,
    transport: LoginTransport,
    http: httpx.AsyncClient,
    sent: list[tuple[str, str, int | None]],
) -> None:
    gcdm = FakeGcdm(respx_mock)
    auth = row_auth(hcaptcha_token="P1_captcha")
    before = datetime.datetime.now(UTC)
    await auth.login(transport)

    assert auth.access_token == "access-new"
    assert auth.refresh_token == "refresh-new"
    assert auth.gcid == "gcid-1"
    assert auth.hcaptcha_token is None
    assert auth.expires_at is not None
    expected = before + datetime.timedelta(seconds=3600 - 60)
    assert abs((auth.expires_at - expected).total_seconds()) < 5
    assert [status for *_, status in sent] == [200, 200, 302, 200]

    config_request = gcdm.config.calls[0].request
    assert (
        config_request.headers["ocp-apim-subscription-key"]
        == "4f1c85a3-758f-a37d-bbb6-f8704494acfa"
    )
    assert config_request.headers["bmw-session-id"] == auth.session_id
    assert config_request.headers["x-identity-provider"] == "gcdm"
    assert (
        config_request.headers["x-correlation-id"] == config_request.headers["bmw-correlation-id"]
    )
    assert config_request.headers["x-user-agent"] == f"android({BUILD});bmw;4.9.2(36892);row"
    assert config_request.headers["user-agent"] == "Dart/3.3 (dart:io)"

    step2, step3 = (call.request for call in gcdm.authenticate.calls)
    assert step2.headers["hcaptchatoken"] == "P1_captcha"
    data2 = form(step2)
    assert data2["scope"] == "openid vehicle_data remote_services"
    assert data2["grant_type"] == "authorization_code"
    assert data2["code_challenge_method"] == "S256"
    assert data2["response_type"] == "code"
    assert data2["redirect_uri"] == "com.bmw.connected://oauth"
    assert len(data2["state"]) == 22
    assert len(data2["nonce"]) == 22
    assert "hcaptchatoken" not in step3.headers
    data3 = form(step3)
    assert "password" not in data3
    assert "username" not in data3
    assert "grant_type" not in data3
    params3 = parse_qs(urlsplit(str(step3.url)).query)
    assert params3["client-version"] == [f"android({BUILD});bmw;4.9.2(36892);row"]
    assert len(params3["interaction-id"][0]) == 36
    token_form = form(gcdm.token.calls[0].request)
    assert len(token_form["code_verifier"]) == 86
    # The GCDM cookie served the login only; it does not stay in the shared client.
    assert not list(http.cookies.jar)


async def test_north_america_uses_its_host_and_key(
    respx_mock: respx.MockRouter, transport: LoginTransport
) -> None:
    gcdm = FakeGcdm(respx_mock, host=NA)
    auth = MyBMWAuthentication("u", "secret", Regions.NORTH_AMERICA, hcaptcha_token="P1")
    await auth.login(transport)
    request = gcdm.config.calls[0].request
    assert request.headers["ocp-apim-subscription-key"] == "31e102f5-6f7e-7ef3-9044-ddce63891362"
    assert request.headers["x-user-agent"].endswith(";na")


async def test_missing_captcha_fails_before_any_request(
    respx_mock: respx.MockRouter, transport: LoginTransport
) -> None:
    gcdm = FakeGcdm(respx_mock)
    with pytest.raises(MyBMWCaptchaMissingError, match=r"rest_of_world\.html"):
        await row_auth().login(transport)
    assert not respx_mock.calls
    assert gcdm.config.call_count == 0


async def test_wrong_password_is_an_auth_error_and_consumes_the_captcha(
    respx_mock: respx.MockRouter, transport: LoginTransport
) -> None:
    FakeGcdm(respx_mock)
    auth = MyBMWAuthentication("u", "wrong", Regions.REST_OF_WORLD, hcaptcha_token="P1")
    with pytest.raises(MyBMWAuthError, match=r"check username.*invalid_client") as err:
        await auth.login(transport)
    assert err.value.status_code == 401
    assert auth.hcaptcha_token is None
    calls = len(respx_mock.calls)
    with pytest.raises(MyBMWCaptchaMissingError):
        await auth.login(transport)
    assert len(respx_mock.calls) == calls


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (400, {"error": "invalid_request", "error_description": "captcha validation failed"}),
        (400, {"error": "invalid_captcha"}),
        (403, {"statusCode": 403, "message": "hCaptcha token already used"}),
    ],
)
async def test_refused_captcha_asks_for_a_new_one_not_a_new_password(
    respx_mock: respx.MockRouter, transport: LoginTransport, status: int, body: dict[str, Any]
) -> None:
    gcdm = FakeGcdm(respx_mock)
    gcdm.authenticate.mock(return_value=httpx.Response(status, json=body))
    auth = row_auth(hcaptcha_token="P1_used")
    with pytest.raises(MyBMWCaptchaInvalidError, match="captcha") as err:
        await auth.login(transport)
    assert isinstance(err.value, MyBMWCaptchaMissingError)
    assert not isinstance(err.value, MyBMWAuthError)
    assert err.value.status_code == status
    assert auth.hcaptcha_token is None
    assert gcdm.token.call_count == 0


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (400, {"error": "invalid_request", "error_description": "missing ['state']"}),
        (401, WRONG_PASSWORD),
    ],
)
async def test_other_credential_step_errors_stay_auth_errors(
    respx_mock: respx.MockRouter, transport: LoginTransport, status: int, body: dict[str, Any]
) -> None:
    gcdm = FakeGcdm(respx_mock)
    gcdm.authenticate.mock(return_value=httpx.Response(status, json=body))
    with pytest.raises(MyBMWAuthError) as err:
        await row_auth(hcaptcha_token="P1").login(transport)
    assert not isinstance(err.value, MyBMWCaptchaMissingError)


@pytest.mark.parametrize(
    ("status", "text", "expected"),
    [
        (400, '{"error": "invalid_request", "error_description": "Captcha expired"}', True),
        (200, '{"note": "captcha"}', False),
        (500, "captcha service down", False),
        (429, "captcha: Rate limit is exceeded. Try again in 5 seconds.", False),
        (403, "Out of call volume quota (captcha). Quota will be replenished in 01:00:00.", False),
        (489, "captcha", False),
        (400, "Blocked", False),
    ],
)
def test_is_captcha_rejection(status: int, text: str, expected: bool) -> None:
    assert is_captcha_rejection(httpx.Response(status, text=text)) is expected


async def test_captcha_rejected_by_the_simulator_end_to_end(http: httpx.AsyncClient) -> None:
    """A reused token: the client must blame the captcha, not the password."""
    cloud = MyBMWCloud()
    transport = LoginTransport(http, BUILD)
    with mock_mybmw_api(cloud):
        first = MyBMWAuthentication(
            DEMO_USERNAME, DEMO_PASSWORD, Regions.REST_OF_WORLD, hcaptcha_token="P1_once"
        )
        await first.login(transport)
        again = MyBMWAuthentication(
            DEMO_USERNAME, DEMO_PASSWORD, Regions.REST_OF_WORLD, hcaptcha_token="P1_once"
        )
        with pytest.raises(MyBMWCaptchaInvalidError, match="captcha validation failed"):
            await again.login(transport)
        wrong = MyBMWAuthentication(
            DEMO_USERNAME, "wrong", Regions.REST_OF_WORLD, hcaptcha_token="P1_fresh"
        )
        with pytest.raises(MyBMWAuthError):
            await wrong.login(transport)


@needs_responses
async def test_recorded_wrong_password_body(
    respx_mock: respx.MockRouter, transport: LoginTransport
) -> None:
    gcdm = FakeGcdm(respx_mock)
    body = (RESPONSES / "auth" / "auth_error_wrong_password.json").read_bytes()
    gcdm.authenticate.mock(return_value=httpx.Response(401, content=body))
    with pytest.raises(MyBMWAuthError, match="invalid_client - Client authentication failed"):
        await row_auth(hcaptcha_token="P1").login(transport)


async def test_server_error_during_login_is_not_an_auth_error(
    respx_mock: respx.MockRouter, transport: LoginTransport
) -> None:
    gcdm = FakeGcdm(respx_mock)
    gcdm.authenticate.mock(return_value=httpx.Response(500, text="INTERNAL SERVER ERROR"))
    auth = row_auth(hcaptcha_token="P1")
    with pytest.raises(MyBMWAPIError, match="INTERNAL SERVER ERROR") as err:
        await auth.login(transport)
    assert not isinstance(err.value, MyBMWAuthError)
    assert auth.hcaptcha_token is None


async def test_captcha_kept_when_login_fails_before_it_is_sent(
    respx_mock: respx.MockRouter, transport: LoginTransport
) -> None:
    gcdm = FakeGcdm(respx_mock)
    gcdm.config.mock(return_value=httpx.Response(503, text="unavailable"))
    auth = row_auth(hcaptcha_token="P1")
    with pytest.raises(MyBMWAPIError):
        await auth.login(transport)
    assert auth.hcaptcha_token == "P1"


@pytest.mark.parametrize(
    ("route", "response", "message"),
    [
        ("config", httpx.Response(200, json={"clientId": "x"}), "lacks"),
        ("config", httpx.Response(200, text="<html>"), "Unexpected OAuth config"),
        ("authenticate", httpx.Response(200, json={"redirect_to": "nothing"}), "no authorization"),
        ("authenticate", httpx.Response(200, json={}), "no authorization"),
        ("token", httpx.Response(200, json={"token_type": "Bearer"}), "no access token"),
    ],
)
async def test_malformed_login_answers(
    respx_mock: respx.MockRouter,
    transport: LoginTransport,
    route: str,
    response: httpx.Response,
    message: str,
) -> None:
    gcdm = FakeGcdm(respx_mock)
    getattr(gcdm, route).mock(return_value=response)
    with pytest.raises(MyBMWAPIError, match=message):
        await row_auth(hcaptcha_token="P1").login(transport)


async def test_authorization_step_without_code(
    respx_mock: respx.MockRouter, transport: LoginTransport
) -> None:
    gcdm = FakeGcdm(respx_mock)
    gcdm.authenticate.mock(
        side_effect=[
            httpx.Response(200, json={"redirect_to": "x://y?authorization=a"}),
            httpx.Response(200, json={}),
        ]
    )
    with pytest.raises(MyBMWAPIError, match="no code"):
        await row_auth(hcaptcha_token="P1").login(transport)


async def test_login_429_is_retried_with_the_announced_wait(
    respx_mock: respx.MockRouter, transport: LoginTransport, sleeps: Sleeps
) -> None:
    gcdm = FakeGcdm(respx_mock)
    limited = httpx.Response(
        429, json={"statusCode": 429, "message": "Rate limit is exceeded. Try again in 12 seconds."}
    )
    gcdm.config.mock(side_effect=[limited, limited, httpx.Response(200, json=OAUTH_CONFIG)])
    auth = row_auth(refresh_token="refresh-old")
    await auth.login(transport)
    assert sleeps.waits == [12.0, 12.0]
    assert auth.access_token == "access-refreshed"


async def test_login_429_gives_up_after_three_retries(
    respx_mock: respx.MockRouter, transport: LoginTransport, sleeps: Sleeps
) -> None:
    gcdm = FakeGcdm(respx_mock)
    gcdm.config.mock(
        return_value=httpx.Response(429, headers={"retry-after": "3"}, text="slow down")
    )
    auth = row_auth(refresh_token="refresh-old")
    with pytest.raises(MyBMWQuotaError) as err:
        await auth.login(transport)
    assert gcdm.config.call_count == 4
    assert sleeps.waits == [3.0, 3.0, 3.0]
    assert err.value.retry_at is not None
    assert auth.refresh_token == "refresh-old"


# --- refresh token ------------------------------------------------------------------------


async def test_refresh_token_login_needs_two_requests_and_no_captcha(
    respx_mock: respx.MockRouter, transport: LoginTransport
) -> None:
    gcdm = FakeGcdm(respx_mock)
    auth = row_auth(refresh_token="refresh-old")
    await auth.login(transport)
    assert len(respx_mock.calls) == 2
    assert auth.access_token == "access-refreshed"
    assert auth.refresh_token == "refresh-rotated"
    data = form(gcdm.token.calls[0].request)
    assert data == {
        "scope": "openid vehicle_data remote_services",
        "redirect_uri": "com.bmw.connected://oauth",
        "grant_type": "refresh_token",
        "refresh_token": "refresh-old",
    }


async def test_rejected_refresh_token_falls_back_to_password_login(
    respx_mock: respx.MockRouter, transport: LoginTransport
) -> None:
    gcdm = FakeGcdm(respx_mock)
    auth = row_auth(refresh_token="refresh-revoked", hcaptcha_token="P1")
    await auth.login(transport)
    assert auth.access_token == "access-new"
    assert auth.refresh_token == "refresh-new"
    # config + token (rejected), then config + authenticate x2 + token.
    assert len(respx_mock.calls) == 6
    assert gcdm.authenticate.call_count == 2


async def test_rejected_refresh_token_without_captcha(
    respx_mock: respx.MockRouter, transport: LoginTransport
) -> None:
    FakeGcdm(respx_mock)
    auth = row_auth(refresh_token="refresh-revoked")
    with pytest.raises(MyBMWCaptchaMissingError):
        await auth.login(transport)
    assert auth.refresh_token is None
    assert len(respx_mock.calls) == 2


@pytest.mark.parametrize(
    ("response", "error"),
    [
        (httpx.Response(500, text="INTERNAL SERVER ERROR"), MyBMWAPIError),
        (httpx.Response(502, json={"error": "invalid_grant"}), MyBMWAPIError),
        (httpx.Response(403, json=QUOTA_BODY), MyBMWQuotaError),
        (httpx.Response(429, json={"message": "Try again in 1 seconds."}), MyBMWQuotaError),
        (httpx.Response(489, text="Blocked"), MyBMWBlockedError),
        (httpx.Response(400, json={"error": "temporarily_unavailable"}), MyBMWAPIError),
        (httpx.Response(400, text="Out of call volume quota"), MyBMWAPIError),
        (httpx.Response(403, text="Forbidden"), MyBMWAuthError),
    ],
)
async def test_transient_refresh_failures_keep_the_refresh_token(
    respx_mock: respx.MockRouter,
    transport: LoginTransport,
    response: httpx.Response,
    error: type[Exception],
) -> None:
    gcdm = FakeGcdm(respx_mock)
    gcdm.token.mock(return_value=response)
    auth = row_auth(refresh_token="refresh-old", hcaptcha_token="P1")
    with pytest.raises(error) as err:
        await auth.login(transport)
    assert type(err.value) is error or error is MyBMWAPIError
    if error is not MyBMWAuthError:
        assert not isinstance(err.value, MyBMWAuthError)
    assert auth.refresh_token == "refresh-old"
    assert auth.hcaptcha_token == "P1"  # no password login was attempted
    assert gcdm.authenticate.call_count == 0


@pytest.mark.parametrize("side_effect", [httpx.ConnectError("refused"), httpx.ReadTimeout("slow")])
async def test_connection_failures_keep_the_refresh_token(
    respx_mock: respx.MockRouter,
    transport: LoginTransport,
    sent: list[tuple[str, str, int | None]],
    side_effect: Exception,
) -> None:
    gcdm = FakeGcdm(respx_mock)
    gcdm.token.mock(side_effect=side_effect)
    auth = row_auth(refresh_token="refresh-old")
    with pytest.raises(MyBMWConnectionError):
        await auth.login(transport)
    assert auth.refresh_token == "refresh-old"
    assert sent[-1][2] is None


async def test_refresh_rejected_with_401_plain(
    respx_mock: respx.MockRouter, transport: LoginTransport
) -> None:
    gcdm = FakeGcdm(respx_mock)
    gcdm.token.mock(return_value=httpx.Response(401, text="Unauthorized"))
    auth = row_auth(refresh_token="refresh-old")
    with pytest.raises(MyBMWCaptchaMissingError):
        await auth.login(transport)
    assert auth.refresh_token is None


# --- token lifetime and single flight -----------------------------------------------------


async def test_valid_token_needs_no_request(
    respx_mock: respx.MockRouter, transport: LoginTransport
) -> None:
    future = datetime.datetime.now(UTC) + datetime.timedelta(hours=1)
    auth = row_auth(access_token="access-old", expires_at=future, refresh_token="refresh-old")
    assert await auth.get_access_token(transport) == "access-old"
    no_expiry = row_auth(access_token="access-old")
    assert await no_expiry.get_access_token(transport) == "access-old"
    assert not respx_mock.calls


async def test_expired_token_is_refreshed_proactively(
    respx_mock: respx.MockRouter, transport: LoginTransport
) -> None:
    FakeGcdm(respx_mock)
    past = datetime.datetime.now(UTC) - datetime.timedelta(seconds=1)
    auth = row_auth(access_token="access-old", expires_at=past, refresh_token="refresh-old")
    assert not auth.token_is_valid()
    assert await auth.get_access_token(transport) == "access-refreshed"
    assert len(respx_mock.calls) == 2


async def test_concurrent_callers_share_one_login(
    respx_mock: respx.MockRouter, transport: LoginTransport
) -> None:
    gcdm = FakeGcdm(respx_mock)
    auth = row_auth(refresh_token="refresh-old")
    tokens = await asyncio.gather(*(auth.get_access_token(transport) for _ in range(5)))
    assert set(tokens) == {"access-refreshed"}
    assert gcdm.token.call_count == 1


async def test_concurrent_401s_renew_once(
    respx_mock: respx.MockRouter, transport: LoginTransport
) -> None:
    gcdm = FakeGcdm(respx_mock)
    auth = row_auth(access_token="access-old", refresh_token="refresh-old")
    tokens = await asyncio.gather(
        *(auth.renew_after_unauthorized(transport, "access-old") for _ in range(4))
    )
    assert set(tokens) == {"access-refreshed"}
    assert gcdm.token.call_count == 1


async def test_session_id_rotates_after_14_days(
    respx_mock: respx.MockRouter, transport: LoginTransport
) -> None:
    FakeGcdm(respx_mock)
    old = datetime.datetime.now(UTC) - datetime.timedelta(days=15)
    auth = row_auth(refresh_token="refresh-old", session_id="session-old", session_created_at=old)
    assert auth.session_id == "session-old"
    await auth.login(transport)
    assert auth.session_id != "session-old"
    assert auth.session_created_at > old
    young = row_auth(session_id="session-young")
    young.rotate_session_if_stale()
    assert young.session_id == "session-young"


def test_set_refresh_token_restores_state() -> None:
    auth = row_auth(gcid="gcid-old")
    expiry = datetime.datetime(2030, 1, 1, tzinfo=UTC)
    auth.set_refresh_token("r1", access_token="a1", expires_at=expiry, session_id="s1")
    assert (auth.refresh_token, auth.gcid, auth.access_token) == ("r1", "gcid-old", "a1")
    assert (auth.expires_at, auth.session_id) == (expiry, "s1")
    auth.set_refresh_token("r2", "gcid-new")
    assert (auth.refresh_token, auth.gcid, auth.access_token) == ("r2", "gcid-new", "a1")


async def test_login_lock_follows_the_event_loop() -> None:
    auth = row_auth()
    lock = auth.login_lock
    assert auth.login_lock is lock
    auth._lock_loop = None  # as if created in another loop
    assert auth.login_lock is not lock


# --- china ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rsa_key() -> RSA.RsaKey:
    return RSA.generate(1024)


def _jwt(exp: int) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'HS256'})}.{part({'exp': exp, 'iat': exp - 3300})}.signature"


def _captcha_image() -> str:
    image = Image.new("RGB", (400, 200), (10, 10, 10))
    ImageDraw.Draw(image).rectangle((226, 50, 250, 140), fill=(220, 230, 221))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def _envelope(data: Any) -> dict[str, Any]:
    return {"code": 200, "error": False, "description": "ok", "data": data}


class FakeChina:
    def __init__(self, router: respx.MockRouter, key: RSA.RsaKey) -> None:
        self.key = key
        self.exp = int(datetime.datetime(2030, 1, 1, tzinfo=UTC).timestamp())
        pem = key.publickey().export_key().decode().replace("\n", "\r\n")
        self.publickey = router.get(f"{CN}/eadrax-coas/v1/cop/publickey").mock(
            return_value=httpx.Response(200, json=_envelope({"value": pem, "expires": "3600"}))
        )
        self.slider = router.post(f"{CN}/eadrax-coas/v2/cop/slider-captcha").mock(
            return_value=httpx.Response(
                200, json=_envelope({"verifyId": "verify-1", "backGroundImg": _captcha_image()})
            )
        )
        self.check = router.post(f"{CN}/eadrax-coas/v1/cop/check-captcha").mock(
            return_value=httpx.Response(200, json=_envelope(None))
        )
        self.login = router.post(f"{CN}/eadrax-coas/v2/login/pwd").mock(side_effect=self._login)
        self.token = router.post(f"{CN}/eadrax-coas/v2/oauth/token").mock(
            return_value=httpx.Response(200, json=token_body("cn-access-refreshed", "cn-refresh-2"))
        )

    def _login(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        password = PKCS1_v1_5.new(self.key).decrypt(base64.b64decode(body["password"]), None)
        if password != "秘密-secret".encode():
            return httpx.Response(
                422,
                json={
                    "data": None,
                    "code": 699121,
                    "error": True,
                    "msgType": "toast",
                    "description": "password wrong",
                },
            )
        data = {
            "access_token": _jwt(self.exp),
            "refresh_token": "cn-refresh",
            "gcid": "cn-gcid",
            "token_type": "Bearer",
            "usid": "u",
            "cid": "c",
        }
        return httpx.Response(200, json=_envelope(data))


def cn_auth(password: str = "秘密-secret", **kwargs: Any) -> MyBMWAuthentication:
    return MyBMWAuthentication("8613800138000", password, Regions.CHINA, **kwargs)


def _nonce_subject(nonce: str) -> str:
    """Decrypt an x-login-nonce and return the subject it was built for."""
    k2, i1 = nonce[0:8], nonce[8:16]
    k1, i2 = nonce[-48:-40], nonce[-40:-32]
    key = list(k1 + k2)
    alphabet = "01234abcdefghijklmnopqrstuvwxyz56789"
    for index in (4, 12):
        key[index] = alphabet[35 - alphabet.index(key[index])]
    cipher = AES.new("".join(key).encode(), AES.MODE_CBC, (i1 + i2).encode())
    plain = unpad(cipher.decrypt(bytes.fromhex(nonce[48:-48])), 16).decode()
    return plain.split("&")[0]


async def test_china_password_login(
    respx_mock: respx.MockRouter, transport: LoginTransport, rsa_key: RSA.RsaKey
) -> None:
    china = FakeChina(respx_mock, rsa_key)
    auth = cn_auth()
    await auth.login(transport)
    assert auth.refresh_token == "cn-refresh"
    assert auth.gcid == "cn-gcid"
    assert auth.expires_at == datetime.datetime(2030, 1, 1, tzinfo=UTC) - datetime.timedelta(
        seconds=60
    )
    assert json.loads(china.slider.calls[0].request.content) == {"mobile": "8613800138000"}
    assert json.loads(china.check.calls[0].request.content) == {
        "position": "0.5",  # (226 - 26) / 400
        "verifyId": "verify-1",
    }
    login = china.login.calls[0].request
    body = json.loads(login.content)
    assert body["mobile"] == body["deviceId"] == "8613800138000"
    assert body["verifyId"] == "verify-1"
    assert _nonce_subject(login.headers["x-login-nonce"]) == "8613800138000"
    assert login.headers["x-user-agent"] == f"android({BUILD});bmw;4.9.2(36892);cn"
    assert "bmw-session-id" not in login.headers


async def test_china_wrong_password_422_envelope(
    respx_mock: respx.MockRouter, transport: LoginTransport, rsa_key: RSA.RsaKey
) -> None:
    FakeChina(respx_mock, rsa_key)
    with pytest.raises(MyBMWAuthError, match="password wrong"):
        await cn_auth("wrong").login(transport)


@needs_responses
async def test_china_recorded_error_envelope(
    respx_mock: respx.MockRouter, transport: LoginTransport, rsa_key: RSA.RsaKey
) -> None:
    china = FakeChina(respx_mock, rsa_key)
    body = (RESPONSES / "auth" / "auth_cn_login_error.json").read_bytes()
    china.login.mock(return_value=httpx.Response(422, content=body))
    with pytest.raises(MyBMWAuthError, match="code 699121"):
        await cn_auth().login(transport)


@pytest.mark.parametrize(
    ("route", "body", "error", "message"),
    [
        pytest.param(
            "slider",
            {"code": 500, "error": True, "description": "captcha service down", "data": None},
            MyBMWAPIError,
            "captcha service down",
            id="error-envelope",
        ),
        pytest.param(
            "slider", _envelope({"verifyId": "v"}), MyBMWAPIError, "incomplete", id="no-image"
        ),
        pytest.param("publickey", _envelope({"nothing": 1}), MyBMWAPIError, "no key", id="no-key"),
        pytest.param(
            "publickey",
            _envelope({"value": "not a key"}),
            MyBMWAPIError,
            "public key is unusable",
            id="bad-key",
        ),
        pytest.param(
            "login",
            {"code": 1, "error": True, "description": "locked"},
            MyBMWAuthError,
            "locked",
            id="login-refused",
        ),
        pytest.param("login", _envelope(None), MyBMWAPIError, "no tokens", id="no-tokens"),
    ],
)
async def test_china_bad_answers_with_status_200(
    respx_mock: respx.MockRouter,
    transport: LoginTransport,
    rsa_key: RSA.RsaKey,
    route: str,
    body: dict[str, Any],
    error: type[MyBMWAPIError],
    message: str,
) -> None:
    """The envelope, not the HTTP status, decides; only a refused login blames the account."""
    china = FakeChina(respx_mock, rsa_key)
    getattr(china, route).mock(return_value=httpx.Response(200, json=body))
    with pytest.raises(error, match=message) as err:
        await cn_auth().login(transport)
    assert isinstance(err.value, MyBMWAuthError) is (error is MyBMWAuthError)


async def test_china_opaque_access_token_expires_by_expires_in(
    respx_mock: respx.MockRouter, transport: LoginTransport, rsa_key: RSA.RsaKey
) -> None:
    china = FakeChina(respx_mock, rsa_key)
    china.login.mock(
        return_value=httpx.Response(
            200, json=_envelope({"access_token": "opaque", "expires_in": 100, "gcid": "g"})
        )
    )
    auth = cn_auth()
    await auth.login(transport)
    assert auth.access_token == "opaque"
    assert auth.expires_at is not None  # from expires_in, as the token is no JWT


async def test_china_unreadable_captcha_sends_empty_position(
    respx_mock: respx.MockRouter, transport: LoginTransport, rsa_key: RSA.RsaKey
) -> None:
    china = FakeChina(respx_mock, rsa_key)
    china.slider.mock(
        return_value=httpx.Response(
            200,
            json=_envelope({"verifyId": "v", "backGroundImg": base64.b64encode(b"xx").decode()}),
        )
    )
    await cn_auth().login(transport)
    assert json.loads(china.check.calls[0].request.content)["position"] == ""


@needs_responses
async def test_china_login_with_recorded_answers(
    respx_mock: respx.MockRouter, transport: LoginTransport
) -> None:
    def recorded(name: str) -> httpx.Response:
        return httpx.Response(200, content=(RESPONSES / "auth" / name).read_bytes())

    respx_mock.get(f"{CN}/eadrax-coas/v1/cop/publickey").mock(
        return_value=recorded("auth_cn_publickey.json")
    )
    respx_mock.post(f"{CN}/eadrax-coas/v2/cop/slider-captcha").mock(
        return_value=recorded("auth_slider_captcha.json")
    )
    check = respx_mock.post(f"{CN}/eadrax-coas/v1/cop/check-captcha").mock(
        return_value=recorded("auth_slider_captcha_check.json")
    )
    respx_mock.post(f"{CN}/eadrax-coas/v2/login/pwd").mock(
        return_value=recorded("auth_cn_login_pwd.json")
    )
    auth = cn_auth()
    await auth.login(transport)
    assert json.loads(check.calls[0].request.content)["position"] == "0.81"
    # exp claim 1637711216 minus the 60 s margin.
    assert auth.expires_at == datetime.datetime.fromtimestamp(1637711216 - 60, UTC)
    assert auth.gcid == "DUMMY"


async def test_china_refresh_uses_the_gcid_nonce(
    respx_mock: respx.MockRouter, transport: LoginTransport, rsa_key: RSA.RsaKey
) -> None:
    china = FakeChina(respx_mock, rsa_key)
    auth = cn_auth(refresh_token="cn-refresh", gcid="cn-gcid")
    await auth.login(transport)
    assert len(respx_mock.calls) == 1
    request = china.token.calls[0].request
    assert form(request) == {"refresh_token": "cn-refresh", "grant_type": "refresh_token"}
    assert _nonce_subject(request.headers["x-login-nonce"]) == "cn-gcid"
    assert auth.access_token == "cn-access-refreshed"
    assert auth.refresh_token == "cn-refresh-2"


async def test_china_refresh_falls_back_without_gcid_or_when_rejected(
    respx_mock: respx.MockRouter, transport: LoginTransport, rsa_key: RSA.RsaKey
) -> None:
    china = FakeChina(respx_mock, rsa_key)
    auth = cn_auth(refresh_token="cn-refresh")
    await auth.login(transport)
    assert china.token.call_count == 0
    assert china.login.call_count == 1

    china.token.mock(return_value=httpx.Response(401, json={"error": "invalid_grant"}))
    auth = cn_auth(refresh_token="cn-refresh", gcid="cn-gcid")
    await auth.login(transport)
    assert china.token.call_count == 1
    assert china.login.call_count == 2
    assert auth.refresh_token == "cn-refresh"  # from the password login

    china.token.mock(return_value=httpx.Response(500, text="INTERNAL SERVER ERROR"))
    auth = cn_auth(refresh_token="kept", gcid="cn-gcid")
    with pytest.raises(MyBMWAPIError):
        await auth.login(transport)
    assert auth.refresh_token == "kept"
    assert china.login.call_count == 2


def test_jwt_expiry_and_password_encryption(rsa_key: RSA.RsaKey) -> None:
    assert jwt_expiry(_jwt(1_900_000_000)) == datetime.datetime.fromtimestamp(1_900_000_000, UTC)
    assert jwt_expiry("not-a-jwt") is None
    assert jwt_expiry("a.bm90IGpzb24.c") is None
    pem = rsa_key.publickey().export_key().decode()
    encrypted = encrypt_cn_password("pässword", pem)
    assert PKCS1_v1_5.new(rsa_key).decrypt(base64.b64decode(encrypted), None) == "pässword".encode()


def test_query_value_handles_prefixed_urls() -> None:
    assert (
        auth_module._query_value("redirect_uri=a://b?x=1&authorization=abc", "authorization")
        == "abc"
    )
    assert auth_module._query_value("https://h/p?code=c1&state=s", "code") == "c1"
    assert auth_module._query_value("https://h/p", "code") is None
