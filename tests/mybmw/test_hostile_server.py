"""A hostile or broken MyBMW server: gzip bombs, oversized answers, foreign token endpoints,
absurd countdowns. Slow-loris over a real socket is in tests/test_reliability.py.
"""

from __future__ import annotations

import asyncio
import datetime
import gc
import tracemalloc
from typing import Any

import httpx
import pytest
import respx

from custom_components.bmw_mybmw.mybmw.api import errors, transfer
from custom_components.bmw_mybmw.mybmw.api.authentication import (
    LoginTransport,
    MyBMWAuthentication,
    check_token_endpoint,
)
from custom_components.bmw_mybmw.mybmw.api.client import MyBMWClient, MyBMWClientConfiguration
from custom_components.bmw_mybmw.mybmw.api.errors import (
    MAX_ANNOUNCED_WAIT,
    MAX_QUOTA_PAUSE,
    MyBMWResponseTooLargeError,
    exception_for_response,
    parse_quota_reset,
    parse_retry_wait,
    within_deadline,
)
from custom_components.bmw_mybmw.mybmw.api.regions import Regions
from custom_components.bmw_mybmw.mybmw.models import (
    MyBMWAPIError,
    MyBMWConnectionError,
    MyBMWQuotaError,
)
from simulator.faults import ABSURD_QUOTA_MESSAGE, gzip_bomb

UTC = datetime.UTC
NOW = datetime.datetime(2025, 9, 1, 12, 0, tzinfo=UTC)
ROW = "https://cocoapi.bmwgroup.com"
STATE = "/eadrax-vcs/v4/vehicles/state"
CONFIG_PATH = "/eadrax-ucs/v1/presentation/oauth/config"
MIB = 1024 * 1024


def make_config(token: str | None = "access-1") -> MyBMWClientConfiguration:
    future = datetime.datetime.now(UTC) + datetime.timedelta(hours=1)
    auth = MyBMWAuthentication(
        "user@example.com",
        "secret",
        Regions.REST_OF_WORLD,
        access_token=token,
        expires_at=future if token else None,
        refresh_token="refresh-1",
        gcid="gcid-1",
    )
    return MyBMWClientConfiguration(auth, user_agent_build="AP2A.123456.789")


def bomb_response(size: int) -> httpx.Response:
    # stream=: respx hands the compressed bytes on without inflating them itself.
    return httpx.Response(
        200,
        headers={"content-encoding": "gzip", "content-type": "application/json"},
        stream=httpx.ByteStream(gzip_bomb(size)),
    )


# --- gzip bomb and size caps -------------------------------------------------------------


async def test_gzip_bomb_fails_clearly_without_inflating() -> None:
    """256 MiB of zeros in 256 kB of gzip: refused at the 4 MiB cap, memory stays small.

    httpx's MockTransport, not respx: respx reads (and inflates) every answer itself.
    """
    bomb = gzip_bomb(256 * MIB)
    assert len(bomb) < MIB
    transport = httpx.MockTransport(lambda _req: bomb_response(256 * MIB))
    gc.collect()
    tracemalloc.start()
    try:
        async with httpx.AsyncClient(transport=transport) as http:
            config = make_config()
            config.httpx_client = http
            async with MyBMWClient(config) as client:
                with pytest.raises(MyBMWResponseTooLargeError, match="larger than 4 MiB") as caught:
                    await client.get(STATE)
            _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 32 * MIB, f"peak {peak / MIB:.0f} MiB"
    assert "cocoapi.bmwgroup.com" in str(caught.value)
    assert isinstance(caught.value, MyBMWAPIError)


async def test_gzip_answers_within_the_cap_are_decoded(respx_mock: respx.MockRouter) -> None:
    import gzip

    body = b'{"ok": true, "pad": "' + b"x" * 100_000 + b'"}'
    route = respx_mock.get(f"{ROW}{STATE}").mock(
        return_value=httpx.Response(
            200, headers={"content-encoding": "gzip"}, stream=httpx.ByteStream(gzip.compress(body))
        )
    )
    async with MyBMWClient(make_config()) as client:
        response = await client.get(STATE)
    assert response.json()["ok"] is True
    assert response.content == body
    assert "content-encoding" not in response.headers
    # Only the encodings the capped decoder handles are asked for.
    assert route.calls[0].request.headers["accept-encoding"] == "gzip, deflate"


async def test_pictures_have_a_larger_cap_than_api_answers(respx_mock: respx.MockRouter) -> None:
    picture = bytes(6 * MIB)
    respx_mock.get(f"{ROW}/image").mock(
        side_effect=lambda _req: httpx.Response(200, stream=httpx.ByteStream(picture))
    )
    async with MyBMWClient(make_config()) as client:
        response = await client.get("/image", headers={"accept": "image/png"})
        assert len(response.content) == 6 * MIB
        with pytest.raises(MyBMWResponseTooLargeError, match="4 MiB"):
            await client.get("/image")  # the same size as an API answer is refused
    respx_mock.get(f"{ROW}/huge").mock(
        side_effect=lambda _req: bomb_response(transfer.MAX_IMAGE_BYTES + 1)
    )
    async with MyBMWClient(make_config()) as client:
        with pytest.raises(MyBMWResponseTooLargeError, match="16 MiB"):
            await client.get("/huge", headers={"accept": "image/png"})


async def test_announced_length_over_the_cap_is_refused_before_reading(
    respx_mock: respx.MockRouter,
) -> None:
    class Endless(httpx.AsyncByteStream):
        read = 0

        async def __aiter__(self) -> Any:
            while True:
                self.read += 1
                yield b"x" * 1024

    stream = Endless()
    respx_mock.get(f"{ROW}{STATE}").mock(
        return_value=httpx.Response(200, headers={"content-length": str(5 * MIB)}, stream=stream)
    )
    async with MyBMWClient(make_config()) as client:
        with pytest.raises(MyBMWResponseTooLargeError):
            await client.get(STATE)
    assert stream.read == 0


async def test_unknown_or_corrupt_encodings_fail_cleanly(respx_mock: respx.MockRouter) -> None:
    respx_mock.get(f"{ROW}/br").mock(
        return_value=httpx.Response(
            200, headers={"content-encoding": "br"}, stream=httpx.ByteStream(b"\x00\x01")
        )
    )
    respx_mock.get(f"{ROW}/corrupt").mock(
        return_value=httpx.Response(
            200, headers={"content-encoding": "gzip"}, stream=httpx.ByteStream(b"not gzip")
        )
    )
    async with MyBMWClient(make_config()) as client:
        with pytest.raises(MyBMWAPIError, match="HTTP failure during GET"):
            await client.get("/br")
        with pytest.raises(MyBMWAPIError, match="HTTP failure during GET"):
            await client.get("/corrupt")


# --- deadline ------------------------------------------------------------------------------


async def test_a_stalled_answer_ends_at_the_deadline(
    respx_mock: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(transfer, "REQUEST_DEADLINE_SECONDS", 0.2)

    async def stall(_request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(30)
        return httpx.Response(200)  # pragma: no cover - never reached

    respx_mock.get(f"{ROW}{STATE}").mock(side_effect=stall)
    seen: list[int | None] = []
    config = make_config()
    config.on_request = lambda _m, _u, status: seen.append(status)
    async with MyBMWClient(config) as client:
        with pytest.raises(MyBMWConnectionError, match=r"no complete answer within 0\.2 s"):
            await asyncio.wait_for(client.get(STATE), 5)
    assert seen == [None]  # counted as a request that got no answer


async def test_within_deadline_bounds_several_requests() -> None:
    async def slow() -> int:
        await asyncio.sleep(30)
        return 1  # pragma: no cover - never reached

    async def quick() -> int:
        return 2

    with pytest.raises(MyBMWConnectionError, match=r"update did not finish within 0\.05 s"):
        await within_deadline(slow(), 0.05, "update")
    assert await within_deadline(quick(), 1, "update") == 2

    async def own_timeout() -> None:
        raise TimeoutError("not ours")

    with pytest.raises(TimeoutError, match="not ours"):
        await within_deadline(own_timeout(), 1, "update")


async def test_a_timeout_error_that_is_not_the_deadline_passes_through(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def send(*_args: Any, **_kwargs: Any) -> Any:
        raise TimeoutError("from below")

    async with httpx.AsyncClient() as http:
        monkeypatch.setattr(http, "send", send)
        with pytest.raises(TimeoutError, match="from below"):
            await transfer.send_bounded(http, http.build_request("GET", f"{ROW}/x"))


# --- foreign token endpoint ---------------------------------------------------------------


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://customer.bmwgroup.com/gcdm/oauth/token",  # plain http
        "https://evil.example.com/gcdm/oauth/token",
        "https://customer.bmwgroup.com.evil.net/gcdm/oauth/token",
        "https://evilbmwgroup.com/gcdm/oauth/token",
        "https://127.0.0.1:8765/gcdm/oauth/token",  # loopback without the simulator override
        "ftp://customer.bmwgroup.com/token",
        "",
        "https://[::1/token",  # unreadable
    ],
)
async def test_a_foreign_token_endpoint_receives_nothing(
    respx_mock: respx.MockRouter, endpoint: str
) -> None:
    respx_mock.get(f"{ROW}{CONFIG_PATH}").mock(
        return_value=httpx.Response(
            200,
            json={
                "clientId": "id",
                "clientSecret": "client-secret",
                "returnUrl": "com.bmw.connected://oauth",
                "tokenEndpoint": endpoint,
                "scopes": ["openid"],
            },
        )
    )
    config = make_config(token=None)
    async with MyBMWClient(config) as client:
        with pytest.raises(MyBMWAPIError, match="untrusted token endpoint") as caught:
            await client.get(STATE)
    assert not isinstance(caught.value, MyBMWConnectionError)
    # Only the config was fetched: no token, secret or password left the machine.
    assert [call.request.url.path for call in respx_mock.calls] == [CONFIG_PATH]
    assert config.authentication.refresh_token == "refresh-1"  # kept for the next try


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://customer.bmwgroup.com/gcdm/oauth/token",
        "https://login.bmwusa.com/gcdm/oauth/token",
        "https://CUSTOMER.BMWGROUP.COM:443/gcdm/oauth/token",
        "https://myprofile.bmw.com.cn/token",
    ],
)
def test_bmw_token_endpoints_are_accepted(endpoint: str) -> None:
    check_token_endpoint(endpoint)


def test_loopback_token_endpoint_only_with_the_simulator_override(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(MyBMWAPIError, match="untrusted"):
        check_token_endpoint("http://localhost:8765/gcdm/oauth/token")
    monkeypatch.setenv("MYBMW_SERVER_URL", "http://127.0.0.1:8765")
    check_token_endpoint("http://127.0.0.1:8765/gcdm/oauth/token")
    check_token_endpoint("http://[::1]:8765/gcdm/oauth/token")
    check_token_endpoint("http://localhost:8765/gcdm/oauth/token")
    with pytest.raises(MyBMWAPIError, match=r"untrusted token endpoint \(evil\.example\.com\)"):
        check_token_endpoint("http://evil.example.com/gcdm/oauth/token")


async def test_the_login_sends_to_a_trusted_endpoint(respx_mock: respx.MockRouter) -> None:
    """The check does not get in the way of BMW's own identity provider."""
    respx_mock.get(f"{ROW}{CONFIG_PATH}").mock(
        return_value=httpx.Response(
            200,
            json={
                "clientId": "id",
                "clientSecret": "client-secret",
                "returnUrl": "com.bmw.connected://oauth",
                "tokenEndpoint": "https://customer.bmwgroup.com/gcdm/oauth/token",
                "scopes": ["openid"],
            },
        )
    )
    respx_mock.post("https://customer.bmwgroup.com/gcdm/oauth/token").mock(
        return_value=httpx.Response(
            200, json={"access_token": "a-2", "refresh_token": "r-2", "expires_in": 3600}
        )
    )
    auth = make_config(token=None).authentication
    async with httpx.AsyncClient() as http:
        await auth.login(LoginTransport(http=http, user_agent_build="AP2A.123456.789"))
    assert auth.refresh_token == "r-2"


# --- absurd countdowns -------------------------------------------------------------------


@pytest.mark.parametrize(
    "countdown",
    ["99999999:00:00", "9" * 5000 + ":00:00", "48:00:01", "1000000:99:99"],
)
def test_absurd_quota_countdowns_are_clamped(countdown: str) -> None:
    text = f"Out of call volume quota. Quota will be replenished in {countdown}."
    assert parse_quota_reset(text, NOW) == NOW + MAX_QUOTA_PAUSE


def test_absurd_quota_answer_maps_to_a_paused_quota_error() -> None:
    response = httpx.Response(
        403,
        json={"statusCode": 403, "message": ABSURD_QUOTA_MESSAGE},
        request=httpx.Request("GET", f"{ROW}{STATE}"),
    )
    error = exception_for_response(response, NOW)
    assert isinstance(error, MyBMWQuotaError)
    assert error.retry_at == NOW + MAX_QUOTA_PAUSE


async def test_absurd_quota_answer_sets_the_pause(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get(f"{ROW}{STATE}").mock(
        return_value=httpx.Response(403, json={"statusCode": 403, "message": ABSURD_QUOTA_MESSAGE})
    )
    config = make_config()
    async with MyBMWClient(config) as client:
        with pytest.raises(MyBMWQuotaError):
            await client.get(STATE)
        retry_at = config.authentication.quota_retry_at
        assert retry_at is not None
        assert retry_at - datetime.datetime.now(UTC) <= MAX_QUOTA_PAUSE
        with pytest.raises(MyBMWQuotaError, match="no requests are sent"):
            await client.get(STATE)
    assert route.call_count == 1


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("1e400", MAX_ANNOUNCED_WAIT.total_seconds()),
        ("inf", MAX_ANNOUNCED_WAIT.total_seconds()),
        ("99999999999999", MAX_ANNOUNCED_WAIT.total_seconds()),
        ("-5", 0.0),
        ("nan", None),
        ("Fri, 31 Dec 9999 23:59:59 GMT", MAX_ANNOUNCED_WAIT.total_seconds()),
    ],
)
def test_absurd_retry_after_is_clamped(header: str, expected: float | None) -> None:
    response = httpx.Response(
        429, headers={"retry-after": header}, request=httpx.Request("GET", f"{ROW}/x")
    )
    assert parse_retry_wait(response, NOW) == expected
    error = exception_for_response(response, NOW)
    assert isinstance(error, MyBMWQuotaError)
    if expected is not None:
        assert error.retry_at == NOW + datetime.timedelta(seconds=expected)


def test_absurd_try_again_text_is_clamped() -> None:
    response = httpx.Response(
        429,
        json={"message": f"Try again in {'9' * 400} seconds."},
        request=httpx.Request("GET", f"{ROW}/x"),
    )
    assert parse_retry_wait(response, NOW) == MAX_ANNOUNCED_WAIT.total_seconds()
    assert errors.retry_wait(response, 0) == MAX_ANNOUNCED_WAIT.total_seconds()


@pytest.mark.parametrize("expires_in", ["1e20", "1e999", "-1e400"])
async def test_absurd_token_lifetime_does_not_break_the_login(
    respx_mock: respx.MockRouter, expires_in: str
) -> None:
    respx_mock.get(f"{ROW}{CONFIG_PATH}").mock(
        return_value=httpx.Response(
            200,
            json={
                "clientId": "id",
                "clientSecret": "client-secret",
                "returnUrl": "com.bmw.connected://oauth",
                "tokenEndpoint": "https://customer.bmwgroup.com/gcdm/oauth/token",
                "scopes": ["openid"],
            },
        )
    )
    body = '{"access_token": "a-2", "refresh_token": "r-2", "expires_in": ' + expires_in + "}"
    respx_mock.post("https://customer.bmwgroup.com/gcdm/oauth/token").mock(
        return_value=httpx.Response(200, content=body.encode())
    )
    auth = make_config(token=None).authentication
    async with httpx.AsyncClient() as http:
        await auth.login(LoginTransport(http=http, user_agent_build="AP2A.123456.789"))
    assert auth.access_token == "a-2"
    assert auth.expires_at is None  # used until the server answers 401


def test_byte_sized_caps_are_named_in_bytes() -> None:
    request = httpx.Request("GET", f"{ROW}/x")
    assert "1000 bytes" in str(transfer.ResponseTooLargeError(1000, request))
