"""A hostile CarData server: gzip bombs, oversized pictures, stalls, absurd Retry-After.

The slow-loris case over a real socket is in tests/test_reliability.py.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from custom_components.bmw_mybmw.cardata.api import CarDataClient
from custom_components.bmw_mybmw.cardata.auth import CarDataAuth, CarDataTokens
from custom_components.bmw_mybmw.cardata.errors import retry_after, transport_exception
from custom_components.bmw_mybmw.cardata.exceptions import (
    CarDataConnectionError,
    CarDataQuotaError,
)
from custom_components.bmw_mybmw.mybmw.api import transfer
from custom_components.bmw_mybmw.mybmw.api.errors import MAX_ANNOUNCED_WAIT
from simulator.faults import gzip_bomb

NOW = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
BASE = "https://api-cardata.bmwgroup.com"
MIB = 1024 * 1024


def tokens(*, access_valid: bool = True) -> CarDataTokens:
    now = datetime.now(UTC)
    return CarDataTokens(
        access_token="access",
        refresh_token="refresh",
        id_token="id",
        gcid="gcid",
        access_token_expires_at=now + (timedelta(hours=1) if access_valid else -timedelta(1)),
        id_token_expires_at=now + timedelta(hours=1),
        refresh_token_expires_at=now + timedelta(days=14),
    )


def client_over(handler: httpx.MockTransport) -> tuple[CarDataClient, httpx.AsyncClient]:
    http = httpx.AsyncClient(transport=handler)
    return CarDataClient(CarDataAuth("client", tokens=tokens()), httpx_client=http), http


async def test_gzip_bomb_on_the_rest_api_is_refused() -> None:
    def bomb(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            headers={"content-encoding": "gzip"},
            stream=httpx.ByteStream(gzip_bomb(64 * MIB)),
        )

    api, http = client_over(httpx.MockTransport(bomb))
    async with http:
        with pytest.raises(CarDataConnectionError, match="larger than 4 MiB once decoded"):
            await api.get_mappings()
    assert api.budget.used == 1  # the request was sent and counts


async def test_the_picture_may_be_larger_than_an_api_answer() -> None:
    seen: list[str] = []

    def picture(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["accept-encoding"])
        return httpx.Response(200, stream=httpx.ByteStream(b"\x89PNG" + bytes(6 * MIB)))

    api, http = client_over(httpx.MockTransport(picture))
    async with http:
        image = await api.get_image("WBA00000000000001")
        assert len(image) == 6 * MIB + 4
        with pytest.raises(CarDataConnectionError, match="4 MiB"):
            await api.get_basic_data("WBA00000000000001")
    assert seen == ["gzip, deflate", "gzip, deflate"]


async def test_a_stalled_token_request_frees_the_refresh_lock(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(transfer, "REQUEST_DEADLINE_SECONDS", 0.1)

    async def stall(_request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(30)
        return httpx.Response(200)  # pragma: no cover - never reached

    async with httpx.AsyncClient(transport=httpx.MockTransport(stall)) as http:
        auth = CarDataAuth("client", tokens=tokens(access_valid=False), httpx_client=http)
        with pytest.raises(CarDataConnectionError, match=r"abandoned: no complete answer"):
            await asyncio.wait_for(auth.refresh(), 5)
        assert not auth._lock.locked()
        assert auth.tokens is not None
        assert auth.tokens.refresh_token == "refresh"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("1e400", NOW + MAX_ANNOUNCED_WAIT),
        ("99999999999999", NOW + MAX_ANNOUNCED_WAIT),
        ("inf", NOW + MAX_ANNOUNCED_WAIT),
        ("nan", None),
        ("-3", NOW),
        ("120", NOW + timedelta(seconds=120)),
    ],
)
def test_absurd_retry_after_is_clamped(header: str, expected: datetime | None) -> None:
    response = httpx.Response(429, headers={"retry-after": header})
    assert retry_after(response, NOW) == expected


async def test_absurd_retry_after_still_pauses_the_budget() -> None:
    def quota(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, headers={"retry-after": "1e400"}, json={"exveErrorId": "CU-429"})

    api, http = client_over(httpx.MockTransport(quota))
    async with http:
        with pytest.raises(CarDataQuotaError) as caught:
            await api.get_mappings()
    assert caught.value.retry_at is not None


def test_other_transport_failures_keep_their_message() -> None:
    error = transport_exception(httpx.ConnectError("refused"))
    assert str(error) == "CarData host not reachable: ConnectError"


async def test_an_answer_read_by_the_transport_is_capped_too() -> None:
    """Mock transports hand over answers already read; the cap still applies."""

    def big(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=bytes(5 * MIB))

    api, http = client_over(httpx.MockTransport(big))
    async with http:
        with pytest.raises(CarDataConnectionError, match="4 MiB"):
            await api.get_mappings()


@pytest.mark.parametrize("expires_in", [1e20, float("inf"), float("nan"), -5, 10**30])
async def test_absurd_token_lifetimes_are_cut(expires_in: float) -> None:
    def token(_request: httpx.Request) -> httpx.Response:
        body = '{"access_token": "a2", "refresh_token": "r2", "expires_in": %s}'
        number = {float("inf"): "1e999"}.get(expires_in, repr(expires_in))
        return httpx.Response(200, content=(body % number.replace("nan", "NaN")).encode())

    async with httpx.AsyncClient(transport=httpx.MockTransport(token)) as http:
        auth = CarDataAuth("client", tokens=tokens(access_valid=False), httpx_client=http)
        fresh = await auth.refresh()
    lifetime = fresh.access_token_expires_at - datetime.now(UTC)
    assert lifetime <= timedelta(days=1)
    assert fresh.refresh_token == "r2"


async def test_corrupt_or_unknown_encodings_fail_cleanly() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        encoding = "br" if request.url.path.endswith("basicData") else "gzip"
        return httpx.Response(
            200, headers={"content-encoding": encoding}, stream=httpx.ByteStream(b"not gzip")
        )

    api, http = client_over(httpx.MockTransport(answer))
    async with http:
        with pytest.raises(CarDataConnectionError, match="DecodingError"):
            await api.get_mappings()
        with pytest.raises(CarDataConnectionError, match="DecodingError"):
            await api.get_basic_data("WBA00000000000001")
