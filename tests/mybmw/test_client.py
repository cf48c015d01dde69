"""Tests for api/errors.py (status -> exception) and api/client.py (transport)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import datetime
from typing import Any

import httpx
import pytest
import respx

from custom_components.bmw_mybmw.mybmw.api import errors
from custom_components.bmw_mybmw.mybmw.api.authentication import MyBMWAuthentication
from custom_components.bmw_mybmw.mybmw.api.client import MyBMWClient, MyBMWClientConfiguration
from custom_components.bmw_mybmw.mybmw.api.errors import (
    error_message,
    exception_for_response,
    is_credential_rejection,
    parse_quota_reset,
    parse_retry_wait,
    raise_for_response,
    retry_wait,
)
from custom_components.bmw_mybmw.mybmw.api.regions import Regions
from custom_components.bmw_mybmw.mybmw.const import CarBrands
from custom_components.bmw_mybmw.mybmw.models import (
    MyBMWAPIError,
    MyBMWAuthError,
    MyBMWBlockedError,
    MyBMWCaptchaMissingError,
    MyBMWConnectionError,
    MyBMWQuotaError,
)
from simulator.cloud import DEMO_PASSWORD, DEMO_USERNAME, MyBMWCloud

UTC = datetime.UTC
NOW = datetime.datetime(2025, 9, 1, 12, 0, tzinfo=UTC)
ROW = "https://cocoapi.bmwgroup.com"
BUILD = "AP2A.123456.789"
STATE = "/eadrax-vcs/v4/vehicles/state"
QUOTA_MESSAGE = "Out of call volume quota. Quota will be replenished in 02:12:20."
RATE_LIMIT = {"statusCode": 429, "message": "Rate limit is exceeded. Try again in 12 seconds."}


def resp(status: int, **kwargs: Any) -> httpx.Response:
    return httpx.Response(status, request=httpx.Request("GET", f"{ROW}/x"), **kwargs)


# --- errors.py ---------------------------------------------------------------------------


def test_success_maps_to_nothing() -> None:
    assert exception_for_response(resp(200, json={})) is None
    assert exception_for_response(resp(302)) is None
    raise_for_response(resp(204))


def test_401_is_auth_error() -> None:
    error = exception_for_response(
        resp(401, json={"error": "invalid_client", "error_description": "bad"})
    )
    assert isinstance(error, MyBMWAuthError)
    assert "invalid_client - bad" in str(error)
    assert error.status_code == 401


def test_403_quota_parses_the_full_countdown() -> None:
    error = exception_for_response(
        resp(403, json={"statusCode": 403, "message": QUOTA_MESSAGE}), NOW
    )
    assert isinstance(error, MyBMWQuotaError)
    assert error.retry_at == NOW + datetime.timedelta(hours=2, minutes=12, seconds=20)
    reason_only = resp(403, text="")
    reason_only.extensions["reason_phrase"] = b"Quota Exceeded"
    assert isinstance(exception_for_response(reason_only), MyBMWQuotaError)


def test_403_without_quota_is_auth_error() -> None:
    error = exception_for_response(resp(403, text="Forbidden"))
    assert type(error) is MyBMWAuthError


@pytest.mark.parametrize(
    ("response", "seconds"),
    [
        (resp(429, json=RATE_LIMIT), 12.0),
        (resp(429, json={"message": "Try again in 1 seconds."}), 1.0),
        (resp(429, json={"message": "Try again in 125 seconds."}), 125.0),
        (resp(429, headers={"retry-after": "7"}, json=RATE_LIMIT), 7.0),
        (resp(429, headers={"retry-after": "Mon, 01 Sep 2025 12:00:30 GMT"}), 30.0),
        (resp(429, headers={"retry-after": "Mon, 01 Sep 2025 11:00:00 GMT"}), 0.0),
        (resp(429, headers={"retry-after": "soon"}, text="no number"), None),
        (resp(429, text="busy"), None),
    ],
)
def test_429_wait_uses_the_whole_number(response: httpx.Response, seconds: float | None) -> None:
    assert parse_retry_wait(response, NOW) == seconds
    error = exception_for_response(response, NOW)
    assert isinstance(error, MyBMWQuotaError)
    expected = None if seconds is None else NOW + datetime.timedelta(seconds=seconds)
    assert error.retry_at == expected


def test_retry_wait_backs_off_without_a_figure() -> None:
    response = resp(429, text="busy")
    assert 2 <= retry_wait(response, 0) < 3
    assert 8 <= retry_wait(response, 2) < 9
    assert retry_wait(resp(429, json=RATE_LIMIT), 2) == 12


@pytest.mark.parametrize("response", [resp(489, text="Blocked"), resp(403, text=" blocked\n")])
def test_blocked(response: httpx.Response) -> None:
    assert isinstance(exception_for_response(response), MyBMWBlockedError)


def test_other_errors_and_messages() -> None:
    error = exception_for_response(resp(500, text="INTERNAL SERVER ERROR"))
    assert type(error) is MyBMWAPIError
    assert str(error) == "HTTP 500: INTERNAL SERVER ERROR"
    assert error.status_code == 500
    long = exception_for_response(resp(502, text="x" * 1000))
    assert long is not None
    assert len(str(long)) < 230
    assert error_message(
        resp(500, json={"statusCode": 500, "message": "Something is broken."})
    ) == ("Something is broken.")
    envelope = {"data": None, "code": 699121, "error": True, "description": "系统异常"}
    assert error_message(resp(422, json=envelope)) == "系统异常 (code 699121)"
    assert error_message(resp(400, json={"error": "invalid_grant"})) == "invalid_grant"
    assert error_message(resp(404, content=b"")) == "Not Found"
    with pytest.raises(MyBMWAPIError, match="HTTP 404"):
        raise_for_response(resp(404, json=[1, 2]))


@pytest.mark.parametrize(
    ("response", "definite"),
    [
        (resp(400, json={"error": "invalid_grant", "error_description": "expired"}), True),
        (resp(401, json={"error": "invalid_client"}), True),
        (resp(401, text="Unauthorized"), True),
        (resp(400, text=""), True),
        (resp(400, json={"error": "temporarily_unavailable"}), False),
        (resp(400, json={"error": "server_error"}), False),
        (resp(400, text="Out of call volume quota"), False),
        (resp(403, json={"error": "invalid_grant"}), False),
        (resp(429, json=RATE_LIMIT), False),
        (resp(500, json={"error": "invalid_grant"}), False),
        (resp(401, text="Blocked"), False),
    ],
)
def test_credential_rejection(response: httpx.Response, definite: bool) -> None:
    assert is_credential_rejection(response) is definite


def test_parse_quota_reset_without_countdown() -> None:
    assert parse_quota_reset("Out of call volume quota.") is None
    assert parse_quota_reset("replenished in 26:00:05", NOW) == NOW + datetime.timedelta(
        hours=26, seconds=5
    )


def test_connection_error_mapping() -> None:
    request = httpx.Request("GET", f"{ROW}/path")
    assert isinstance(
        errors.connection_error(httpx.ReadTimeout("t"), request), MyBMWConnectionError
    )
    assert isinstance(errors.connection_error(httpx.ConnectError("c")), MyBMWConnectionError)
    generic = errors.connection_error(httpx.DecodingError("d"), request)
    assert type(generic) is MyBMWAPIError
    assert "cocoapi.bmwgroup.com/path" in str(generic)


async def test_default_sleep_is_asyncio(monkeypatch: pytest.MonkeyPatch) -> None:
    waited: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        waited.append(seconds)

    monkeypatch.setattr(errors.asyncio, "sleep", fake_sleep)
    await errors.async_sleep(0.5)
    assert waited == [0.5]


# --- client.py ----------------------------------------------------------------------------


class Sleeps:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def make_config(
    *,
    token: str | None = "access-1",
    refresh_token: str | None = "refresh-1",
    region: Regions = Regions.REST_OF_WORLD,
    **kwargs: Any,
) -> MyBMWClientConfiguration:
    future = datetime.datetime.now(UTC) + datetime.timedelta(hours=1)
    auth = MyBMWAuthentication(
        "user@example.com",
        "secret",
        region,
        access_token=token,
        expires_at=future if token else None,
        refresh_token=refresh_token,
        gcid="gcid-1",
    )
    kwargs.setdefault("user_agent_build", BUILD)
    kwargs.setdefault("sleep", Sleeps())
    return MyBMWClientConfiguration(auth, **kwargs)


def mock_refresh(router: respx.MockRouter, access: str = "access-2") -> respx.Route:
    """A GCDM that hands out ``access`` for the refresh token; returns the token route."""
    router.get(f"{ROW}/eadrax-ucs/v1/presentation/oauth/config").mock(
        return_value=httpx.Response(
            200,
            json={
                "clientId": "id",
                "clientSecret": "secret",
                "returnUrl": "com.bmw.connected://oauth",
                "tokenEndpoint": "https://customer.bmwgroup.com/gcdm/oauth/token",
                "scopes": ["openid"],
            },
        )
    )
    return router.post("https://customer.bmwgroup.com/gcdm/oauth/token").mock(
        return_value=httpx.Response(
            200, json={"access_token": access, "refresh_token": "refresh-2", "expires_in": 3600}
        )
    )


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


async def test_default_headers_and_url_joining(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get(f"{ROW}{STATE}").mock(return_value=httpx.Response(200, json={}))
    config = make_config()
    async with MyBMWClient(config, brand=CarBrands.MINI) as client:
        response = await client.get(STATE, params={"apptimezone": 0}, headers={"bmw-vin": "VIN1"})
        await client.get(STATE.lstrip("/"), brand=CarBrands.TOYOTA)
    assert response.status_code == 200
    first, second = (call.request for call in route.calls)
    headers = first.headers
    assert headers["accept"] == "application/json"
    assert headers["accept-language"] == "en"
    assert headers["x-raw-locale"] == "en-US"
    assert headers["user-agent"] == "Dart/3.3 (dart:io)"
    assert headers["x-user-agent"] == f"android({BUILD});mini;4.9.2(36892);row"
    assert headers["x-identity-provider"] == "gcdm"
    assert headers["bmw-units-preferences"] == "d=KM;v=L;p=B;ec=KWH100KM;fc=L100KM;em=GKM;"
    assert headers["24-hour-format"] == "true"
    assert headers["authorization"] == "Bearer access-1"
    assert headers["bmw-session-id"] == config.authentication.session_id
    assert headers["bmw-vin"] == "VIN1"
    assert headers["x-correlation-id"] == headers["bmw-correlation-id"]
    assert second.headers["x-correlation-id"] != headers["x-correlation-id"]
    assert second.headers["x-user-agent"].split(";")[1] == "toyota"
    assert first.url.params["apptimezone"] == "0"
    assert first.extensions["timeout"] == {
        "connect": 30.0,
        "read": 30.0,
        "write": 30.0,
        "pool": 30.0,
    }


async def test_caller_headers_override_defaults(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get("https://example.test/image").mock(return_value=httpx.Response(200))
    async with MyBMWClient(make_config()) as client:
        await client.get("https://example.test/image", headers={"accept": "image/png"})
    assert route.calls[0].request.headers["accept"] == "image/png"
    assert route.calls[0].request.headers["x-user-agent"].split(";")[1] == "bmw"


async def test_post_sends_json(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.post(f"{ROW}/eadrax-vcs/v5/vehicle-list").mock(
        return_value=httpx.Response(200, json={"mappingInfos": []})
    )
    async with MyBMWClient(make_config()) as client:
        await client.post("/eadrax-vcs/v5/vehicle-list", json={"a": 1}, params={"p": "1"})
    assert route.calls[0].request.content == b'{"a":1}'


async def test_loopback_server_override(
    respx_mock: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MYBMW_SERVER_URL", "http://127.0.0.1:8765/")
    route = respx_mock.get(f"http://127.0.0.1:8765{STATE}").mock(return_value=httpx.Response(200))
    async with MyBMWClient(make_config()) as client:
        await client.get(STATE)
    assert route.call_count == 1


def test_user_agent_build_is_generated_once() -> None:
    config = make_config(user_agent_build=None)
    assert config.user_agent_build is not None
    assert config.user_agent_build.startswith("AP2A.")
    client_a, client_b = MyBMWClient(config), MyBMWClient(config)
    assert (
        client_a.generate_default_header()["x-user-agent"]
        == (client_b.generate_default_header()["x-user-agent"])
    )


async def test_injected_client_is_used_and_not_closed(
    respx_mock: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    respx_mock.get(f"{ROW}{STATE}").mock(return_value=httpx.Response(200))
    async with MyBMWClient(make_config(httpx_client=http)) as client:
        assert client.http is http
        await client.get(STATE)
    assert not http.is_closed


async def test_owned_client_is_closed_on_exit(respx_mock: respx.MockRouter) -> None:
    respx_mock.get(f"{ROW}{STATE}").mock(return_value=httpx.Response(200))
    async with MyBMWClient(make_config()) as client:
        await client.get(STATE)
        owned = client.http
        assert owned is client.http
    assert owned.is_closed


async def test_on_request_sees_every_request_including_login(respx_mock: respx.MockRouter) -> None:
    mock_refresh(respx_mock)
    respx_mock.get(f"{ROW}{STATE}").mock(return_value=httpx.Response(200))
    seen: list[tuple[str, str, int | None]] = []
    config = make_config(token=None, on_request=lambda *args: seen.append(args))
    async with MyBMWClient(config) as client:
        await client.get(STATE)
    assert seen == [
        ("GET", f"{ROW}/eadrax-ucs/v1/presentation/oauth/config", 200),
        ("POST", "https://customer.bmwgroup.com/gcdm/oauth/token", 200),
        ("GET", f"{ROW}{STATE}", 200),
    ]


async def test_missing_token_without_login_means_captcha_error(
    respx_mock: respx.MockRouter,
) -> None:
    async with MyBMWClient(make_config(token=None, refresh_token=None)) as client:
        with pytest.raises(MyBMWCaptchaMissingError):
            await client.get(STATE)
    assert not respx_mock.calls


async def test_401_once_refreshes_and_resends(respx_mock: respx.MockRouter) -> None:
    token_route = mock_refresh(respx_mock)
    state = respx_mock.get(f"{ROW}{STATE}").mock(
        side_effect=[httpx.Response(401, json={"message": "expired"}), httpx.Response(200, json={})]
    )
    config = make_config()
    async with MyBMWClient(config) as client:
        response = await client.get(STATE)
    assert response.status_code == 200
    assert token_route.call_count == 1
    assert [c.request.headers["authorization"] for c in state.calls] == [
        "Bearer access-1",
        "Bearer access-2",
    ]
    assert config.authentication.refresh_token == "refresh-2"


async def test_401_twice_is_an_auth_error(respx_mock: respx.MockRouter) -> None:
    token_route = mock_refresh(respx_mock)
    state = respx_mock.get(f"{ROW}{STATE}").mock(return_value=httpx.Response(401, text="no"))
    async with MyBMWClient(make_config()) as client:
        with pytest.raises(MyBMWAuthError):
            await client.get(STATE)
    assert state.call_count == 2
    assert token_route.call_count == 1


async def test_concurrent_401s_cause_one_refresh(respx_mock: respx.MockRouter) -> None:
    token_route = mock_refresh(respx_mock)

    async def answer(request: httpx.Request) -> httpx.Response:
        if request.headers["authorization"] == "Bearer access-2":
            return httpx.Response(200, json={})
        await asyncio.sleep(0.01)  # keep all first attempts in flight together
        return httpx.Response(401, text="expired")

    state = respx_mock.get(f"{ROW}{STATE}").mock(side_effect=answer)
    async with MyBMWClient(make_config()) as client:
        results = await asyncio.gather(*(client.get(STATE) for _ in range(5)))
    assert all(r.status_code == 200 for r in results)
    assert token_route.call_count == 1
    assert state.call_count == 10


async def test_expired_token_is_refreshed_before_the_call(respx_mock: respx.MockRouter) -> None:
    token_route = mock_refresh(respx_mock)
    state = respx_mock.get(f"{ROW}{STATE}").mock(return_value=httpx.Response(200))
    config = make_config()
    config.authentication.set_refresh_token(
        "refresh-1",
        access_token="access-1",
        expires_at=datetime.datetime.now(UTC) - datetime.timedelta(seconds=1),
    )
    async with MyBMWClient(config) as client:
        await client.get(STATE)
    assert token_route.call_count == 1
    assert state.calls[0].request.headers["authorization"] == "Bearer access-2"
    assert state.call_count == 1  # no wasted 401 round trip


async def test_429_waits_the_announced_twelve_seconds(respx_mock: respx.MockRouter) -> None:
    state = respx_mock.get(f"{ROW}{STATE}").mock(
        side_effect=[httpx.Response(429, json=RATE_LIMIT), httpx.Response(200, json={})]
    )
    config = make_config()
    async with MyBMWClient(config) as client:
        await client.get(STATE)
    assert config.sleep.waits == [12.0]  # type: ignore[union-attr]
    assert state.call_count == 2


async def test_429_default_sleep_is_patchable(
    respx_mock: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    waits: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr(errors, "async_sleep", fake_sleep)
    respx_mock.get(f"{ROW}{STATE}").mock(
        side_effect=[httpx.Response(429, json=RATE_LIMIT), httpx.Response(200, json={})]
    )
    async with MyBMWClient(make_config(sleep=None)) as client:
        await client.get(STATE)
    assert waits == [12.0]


async def test_429_gives_up_after_three_retries(respx_mock: respx.MockRouter) -> None:
    state = respx_mock.get(f"{ROW}{STATE}").mock(return_value=httpx.Response(429, json=RATE_LIMIT))
    config = make_config()
    async with MyBMWClient(config) as client:
        with pytest.raises(MyBMWQuotaError) as err:
            await client.get(STATE)
    assert state.call_count == 4
    assert config.sleep.waits == [12.0, 12.0, 12.0]  # type: ignore[union-attr]
    assert err.value.retry_at is not None


async def test_429_with_a_long_wait_is_not_slept_through(respx_mock: respx.MockRouter) -> None:
    state = respx_mock.get(f"{ROW}{STATE}").mock(
        return_value=httpx.Response(429, json={"message": "Try again in 3600 seconds."})
    )
    config = make_config()
    async with MyBMWClient(config) as client:
        with pytest.raises(MyBMWQuotaError):
            await client.get(STATE)
        with pytest.raises(MyBMWQuotaError):
            await client.get(STATE)  # the account is paused; nothing is sent
    assert state.call_count == 1
    assert config.sleep.waits == []  # type: ignore[union-attr]


async def test_403_quota_pauses_the_account(respx_mock: respx.MockRouter) -> None:
    state = respx_mock.get(f"{ROW}{STATE}").mock(
        return_value=httpx.Response(403, json={"statusCode": 403, "message": QUOTA_MESSAGE})
    )
    config = make_config()
    before = datetime.datetime.now(UTC)
    async with MyBMWClient(config) as client:
        with pytest.raises(MyBMWQuotaError) as err:
            await client.get(STATE)
        assert err.value.retry_at is not None
        expected = before + datetime.timedelta(hours=2, minutes=12, seconds=20)
        assert abs((err.value.retry_at - expected).total_seconds()) < 5
        with pytest.raises(MyBMWQuotaError) as again:
            await client.get(STATE)
        assert again.value.retry_at == err.value.retry_at
    # Another client of the same account is paused too.
    async with MyBMWClient(config, brand=CarBrands.MINI) as client:
        with pytest.raises(MyBMWQuotaError):
            await client.post("/eadrax-vcs/v5/vehicle-list")
    assert state.call_count == 1
    assert config.sleep.waits == []  # type: ignore[union-attr]

    # Once the countdown has passed, calls go out again.
    config.authentication.quota_retry_at = datetime.datetime.now(UTC) - datetime.timedelta(
        seconds=1
    )
    state.mock(return_value=httpx.Response(200, json={}))
    async with MyBMWClient(config) as client:
        await client.get(STATE)
    assert state.call_count == 2
    assert config.authentication.quota_retry_at is None


async def test_quota_during_refresh_pauses_and_keeps_the_refresh_token(
    respx_mock: respx.MockRouter,
) -> None:
    token_route = mock_refresh(respx_mock)
    token_route.mock(return_value=httpx.Response(403, json={"message": QUOTA_MESSAGE}))
    config = make_config(token=None)
    async with MyBMWClient(config) as client:
        with pytest.raises(MyBMWQuotaError):
            await client.get(STATE)
        with pytest.raises(MyBMWQuotaError):
            await client.get(STATE)
    assert token_route.call_count == 1
    assert config.authentication.refresh_token == "refresh-1"


async def test_489_blocked_is_not_retried(respx_mock: respx.MockRouter) -> None:
    token_route = mock_refresh(respx_mock)
    state = respx_mock.get(f"{ROW}{STATE}").mock(return_value=httpx.Response(489, text="Blocked"))
    async with MyBMWClient(make_config()) as client:
        with pytest.raises(MyBMWBlockedError):
            await client.get(STATE)
    assert state.call_count == 1
    assert token_route.call_count == 0


@pytest.mark.parametrize(
    "failure",
    [httpx.ReadTimeout("slow"), httpx.ConnectError("refused"), httpx.RemoteProtocolError("x")],
)
async def test_transport_failures(respx_mock: respx.MockRouter, failure: Exception) -> None:
    respx_mock.get(f"{ROW}{STATE}").mock(side_effect=failure)
    seen: list[tuple[str, str, int | None]] = []
    async with MyBMWClient(make_config(on_request=lambda *a: seen.append(a))) as client:
        with pytest.raises(MyBMWConnectionError):
            await client.get(STATE)
    assert seen == [("GET", f"{ROW}{STATE}", None)]


async def test_server_error_is_api_error(respx_mock: respx.MockRouter) -> None:
    respx_mock.get(f"{ROW}{STATE}").mock(
        return_value=httpx.Response(
            500, json={"statusCode": 500, "message": "Something is broken."}
        )
    )
    async with MyBMWClient(make_config()) as client:
        with pytest.raises(MyBMWAPIError, match="Something is broken") as err:
            await client.get(STATE)
    assert type(err.value) is MyBMWAPIError


async def test_responses_are_recorded_per_account(respx_mock: respx.MockRouter) -> None:
    vin = "WBA00000000DEMO02"
    respx_mock.get(f"{ROW}{STATE}").mock(
        return_value=httpx.Response(200, json={"state": {"vin": vin, "lat": 48.1}})
    )
    respx_mock.post(f"{ROW}/eadrax-vcs/v5/vehicle-list").mock(
        return_value=httpx.Response(500, text="INTERNAL SERVER ERROR")
    )
    config, other = make_config(log_responses=True), make_config()
    async with MyBMWClient(config) as client:
        for _ in range(12):
            await client.get(STATE, headers={"bmw-vin": vin})
        with pytest.raises(MyBMWAPIError):
            await client.post("/eadrax-vcs/v5/vehicle-list")
    async with MyBMWClient(other) as client:
        await client.get(STATE, headers={"bmw-vin": vin})
    assert len(config.response_store) == 13  # unbounded, unlike the reference's 10
    assert other.response_store == []
    first = config.response_store[0]
    assert first.filename == "bmw-eadrax-vcs_v4_vehicles_state_WBA0FINGERPRINT01.json"
    assert vin not in str(first.content)
    assert config.response_store[-1].filename.startswith("bmw-eadrax-vcs_v5_vehicle-list")


async def test_recording_failure_does_not_break_calls(
    respx_mock: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    from custom_components.bmw_mybmw.mybmw.api import client as client_module

    def broken(*_: Any) -> Any:
        raise ValueError("cannot anonymise")

    monkeypatch.setattr(client_module, "anonymize_response", broken)
    respx_mock.get(f"{ROW}{STATE}").mock(return_value=httpx.Response(200, json={}))
    config = make_config(log_responses=True)
    async with MyBMWClient(config) as client:
        assert (await client.get(STATE)).status_code == 200
    assert config.response_store == []


# --- end to end against the simulated cloud -------------------------------------------------


async def test_password_login_and_data_call_against_the_cloud(
    cloud: MyBMWCloud, mock_api: respx.MockRouter
) -> None:
    auth = MyBMWAuthentication(
        DEMO_USERNAME, DEMO_PASSWORD, Regions.REST_OF_WORLD, hcaptcha_token="P1_demo"
    )
    config = MyBMWClientConfiguration(auth, user_agent_build=BUILD)
    async with MyBMWClient(config) as client:
        response = await client.post("/eadrax-vcs/v5/vehicle-list")
    assert response.json()["mappingInfos"]
    assert cloud.count() == 5  # config, authenticate x2, token, list
    assert auth.refresh_token
    assert auth.hcaptcha_token is None

    cloud.expire_access_tokens()
    cloud.reset_requests()
    async with MyBMWClient(config) as client:
        await client.post("/eadrax-vcs/v5/vehicle-list")
    # 401, config + token refresh, resend
    assert [r.endpoint for r in cloud.requests] == [
        "vehicle_list",
        "oauth_config",
        "token",
        "vehicle_list",
    ]


async def test_wrong_password_against_the_cloud(
    cloud: MyBMWCloud, mock_api: respx.MockRouter
) -> None:
    auth = MyBMWAuthentication(DEMO_USERNAME, "wrong", Regions.REST_OF_WORLD, hcaptcha_token="P1")
    async with MyBMWClient(MyBMWClientConfiguration(auth, user_agent_build=BUILD)) as client:
        with pytest.raises(MyBMWAuthError, match="invalid_client"):
            await client.get(STATE)


async def test_revoked_refresh_token_against_the_cloud(
    cloud: MyBMWCloud, mock_api: respx.MockRouter
) -> None:
    tokens = cloud.issue_tokens(DEMO_USERNAME)
    cloud.revoke_refresh_tokens()
    auth = MyBMWAuthentication(
        DEMO_USERNAME, DEMO_PASSWORD, Regions.REST_OF_WORLD, refresh_token=tokens["refresh_token"]
    )
    async with MyBMWClient(MyBMWClientConfiguration(auth, user_agent_build=BUILD)) as client:
        with pytest.raises(MyBMWCaptchaMissingError):
            await client.get(STATE)
    assert auth.refresh_token is None
    assert cloud.count() == 2


async def test_china_login_against_the_cloud(cloud: MyBMWCloud, mock_api: respx.MockRouter) -> None:
    from simulator.cloud import DEMO_CN_PASSWORD, DEMO_CN_USERNAME

    auth = MyBMWAuthentication(DEMO_CN_USERNAME, DEMO_CN_PASSWORD, Regions.CHINA)
    config = MyBMWClientConfiguration(auth, user_agent_build=BUILD)
    async with MyBMWClient(config) as client:
        await client.post("/eadrax-vcs/v5/vehicle-list")
    assert [r.endpoint for r in cloud.requests] == [
        "cn_publickey",
        "cn_slider_captcha",
        "cn_check_captcha",
        "cn_login",
        "vehicle_list",
    ]
    assert auth.expires_at is not None
    cloud.expire_access_tokens()
    cloud.reset_requests()
    async with MyBMWClient(config) as client:
        await client.post("/eadrax-vcs/v5/vehicle-list")
    assert [r.endpoint for r in cloud.requests] == ["vehicle_list", "cn_token", "vehicle_list"]
