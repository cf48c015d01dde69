"""Device-code login, polling in every branch, refresh and rotation."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta
import json
from urllib.parse import parse_qsl

import httpx
import pytest
import respx

from custom_components.bmw_mybmw.cardata.auth import (
    CarDataAuth,
    CarDataTokens,
    DeviceCode,
    jwt_expiry,
)
from custom_components.bmw_mybmw.cardata.const import SCOPE
from custom_components.bmw_mybmw.cardata.exceptions import (
    CarDataAccessDeniedError,
    CarDataAuthError,
    CarDataConnectionError,
    CarDataDeviceCodeExpiredError,
    CarDataInvalidClientError,
    CarDataNewClientIdRequiredError,
    CarDataRefreshTokenExpiredError,
)
from custom_components.bmw_mybmw.mybmw.models import MyBMWAuthError
from simulator.cardata import BROKEN_CLIENT_ID, DEMO_CLIENT_ID, CarDataCloud, fake_jwt, s256
from simulator.cloud import CloudResponse

from .conftest import Sleeper

TOKEN_URL = "https://customer.bmwgroup.com/gcdm/oauth/token"


def make_auth(
    cloud: CarDataCloud, sleeper: Sleeper, client_id: str = DEMO_CLIENT_ID
) -> CarDataAuth:
    return CarDataAuth(client_id, now=cloud.clock, sleep=sleeper)


async def test_device_code_request_sends_scope_and_s256(
    cloud: CarDataCloud, mock_cardata: respx.MockRouter, sleeper: Sleeper
) -> None:
    auth = make_auth(cloud, sleeper)
    code = await auth.request_device_code()
    form = dict(parse_qsl(mock_cardata.calls.last.request.content.decode()))
    assert (
        form["scope"] == SCOPE == "authenticate_user openid cardata:api:read cardata:streaming:read"
    )
    assert form["response_type"] == "device_code"
    assert form["code_challenge_method"] == "S256"
    assert form["code_challenge"] == s256(code.code_verifier)
    assert 43 <= len(code.code_verifier) <= 128
    assert code.interval == 5
    assert code.expires_at == cloud.now + timedelta(seconds=300)
    assert code.verification_uri_complete.endswith(code.user_code)
    assert code.device_code not in repr(code)
    assert code.code_verifier not in repr(code)
    await auth.close()


async def test_pending_then_approved(
    cloud: CarDataCloud, mock_cardata: respx.MockRouter, sleeper: Sleeper
) -> None:
    saved: list[CarDataTokens] = []
    auth = CarDataAuth(DEMO_CLIENT_ID, now=cloud.clock, sleep=sleeper, on_tokens=saved.append)
    code = await auth.request_device_code()
    cloud.approve_after_polls = 3
    tokens = await auth.poll_for_tokens(code)
    assert sleeper.calls == [5, 5, 5]
    assert saved == [tokens]
    assert auth.tokens is tokens
    assert tokens.gcid == cloud.account.gcid
    assert tokens.access_token_expires_at == cloud.now + timedelta(seconds=3599)
    assert tokens.refresh_token_expires_at == cloud.now + timedelta(days=14)
    assert tokens.access_token not in repr(tokens)
    polls = [r for r in mock_cardata.calls if r.request.url.path.endswith("/token")]
    form = dict(parse_qsl(polls[0].request.content.decode()))
    assert form["grant_type"] == "urn:ietf:params:oauth:grant-type:device_code"
    assert form["code_verifier"] == code.code_verifier
    await auth.close()


async def test_slow_down_adds_five_seconds(
    cloud: CarDataCloud, mock_cardata: respx.MockRouter, sleeper: Sleeper
) -> None:
    auth = make_auth(cloud, sleeper)
    code = await auth.request_device_code()
    session = next(iter(cloud.sessions.values()))
    session.interval = 8  # the server wants slower polling than it announced
    session.last_poll = cloud.now
    cloud.approve()
    await auth.poll_for_tokens(code)
    assert sleeper.calls == [5, 10]
    await auth.close()


async def test_denied(
    cloud: CarDataCloud, mock_cardata: respx.MockRouter, sleeper: Sleeper
) -> None:
    auth = make_auth(cloud, sleeper)
    code = await auth.request_device_code()
    cloud.deny()
    with pytest.raises(CarDataAccessDeniedError) as err:
        await auth.poll_for_tokens(code)
    assert isinstance(err.value, MyBMWAuthError)
    assert err.value.status_code == 403
    await auth.close()


async def test_expires_locally_without_approval(
    cloud: CarDataCloud, mock_cardata: respx.MockRouter, sleeper: Sleeper
) -> None:
    auth = make_auth(cloud, sleeper)
    code = await auth.request_device_code()
    with pytest.raises(CarDataDeviceCodeExpiredError):
        await auth.poll_for_tokens(code)
    assert sum(sleeper.calls) == 300
    await auth.close()


async def test_expired_token_from_server(
    cloud: CarDataCloud, mock_cardata: respx.MockRouter, sleeper: Sleeper
) -> None:
    auth = make_auth(cloud, sleeper)
    code = await auth.request_device_code()
    cloud.advance(301)
    late = dataclasses.replace(code, expires_at=cloud.now + timedelta(hours=1))
    with pytest.raises(CarDataDeviceCodeExpiredError) as err:
        await auth.poll_for_tokens(late)
    assert err.value.status_code == 401
    await auth.close()


async def test_invalid_client(
    cloud: CarDataCloud, mock_cardata: respx.MockRouter, sleeper: Sleeper
) -> None:
    auth = make_auth(cloud, sleeper, client_id="11111111-2222-3333-4444-555555555555")
    with pytest.raises(CarDataInvalidClientError, match="subscribed to CarData API"):
        await auth.request_device_code()
    # A client id revoked while the user logs in fails the poll the same way.
    good = make_auth(cloud, sleeper)
    code = await good.request_device_code()
    cloud.clients.discard(DEMO_CLIENT_ID)
    with pytest.raises(CarDataInvalidClientError):
        await good.poll_for_tokens(code)
    await auth.close()
    await good.close()


async def test_keymanagement_500_asks_for_new_client_id(
    cloud: CarDataCloud, mock_cardata: respx.MockRouter, sleeper: Sleeper
) -> None:
    auth = make_auth(cloud, sleeper, client_id=BROKEN_CLIENT_ID)
    code = await auth.request_device_code()
    with pytest.raises(CarDataNewClientIdRequiredError, match="Create a new CarData client") as err:
        await auth.poll_for_tokens(code)
    assert err.value.status_code == 500
    assert isinstance(err.value, CarDataInvalidClientError)
    await auth.close()


async def test_transient_errors_keep_polling(sleeper: Sleeper, cloud: CarDataCloud) -> None:
    answer = CarDataCloud().issue_tokens()
    with respx.mock(assert_all_mocked=True) as router:
        router.post(TOKEN_URL).mock(
            side_effect=[
                httpx.ConnectError("down"),
                httpx.Response(503, text="busy"),
                httpx.Response(403, json={"error": "authorization_pending"}),
                httpx.Response(200, json=answer),
            ]
        )
        auth = make_auth(cloud, sleeper)
        code = DeviceCode("ABCD1234", "u", "u", 5, cloud.now + timedelta(minutes=5), "dc", "v" * 43)
        tokens = await auth.poll_for_tokens(code)
    assert tokens.access_token == answer["access_token"]
    assert tokens.id_token_expires_at == jwt_expiry(answer["id_token"])
    assert len(sleeper.calls) == 4
    await auth.close()


async def test_other_poll_error_and_malformed_answers(
    sleeper: Sleeper, cloud: CarDataCloud
) -> None:
    code = DeviceCode("ABCD1234", "u", "u", 5, cloud.now + timedelta(minutes=5), "dc", "v" * 43)
    auth = make_auth(cloud, sleeper)
    with respx.mock(assert_all_mocked=True) as router:
        route = router.post(TOKEN_URL)
        route.mock(return_value=httpx.Response(400, json={"error": "invalid_request"}))
        with pytest.raises(CarDataAuthError, match="invalid_request"):
            await auth.poll_for_tokens(code)
        route.mock(return_value=httpx.Response(200, text="not json"))
        with pytest.raises(CarDataAuthError, match="Malformed"):
            await auth.poll_for_tokens(code)
        route.mock(return_value=httpx.Response(200, json=[1]))
        with pytest.raises(CarDataAuthError, match="Malformed"):
            await auth.poll_for_tokens(code)
        route.mock(return_value=httpx.Response(200, json={"refresh_token": "r"}))
        with pytest.raises(CarDataAuthError, match="access_token"):
            await auth.poll_for_tokens(code)
        router.post("https://customer.bmwgroup.com/gcdm/oauth/device/code").mock(
            return_value=httpx.Response(200, json={"user_code": "X"})
        )
        with pytest.raises(CarDataAuthError, match="Malformed device code"):
            await auth.request_device_code()
    await auth.close()


async def test_refresh_rotates_and_reports(
    auth: CarDataAuth, cloud: CarDataCloud, saved_tokens: list[CarDataTokens]
) -> None:
    first = auth.tokens
    assert first is not None
    cloud.advance(3599 - 120)  # inside the 5 minute margin
    token = await auth.access_token()
    second = auth.tokens
    assert second is not None
    assert token == second.access_token != first.access_token
    assert second.refresh_token != first.refresh_token
    assert first.refresh_token not in cloud.account.refresh_tokens
    assert saved_tokens == [first, second]
    assert second.refresh_token_expires_at == cloud.now + timedelta(days=14)
    # Fresh tokens are not refreshed again.
    assert await auth.ensure_valid() is second
    assert auth.generation == 2


async def test_concurrent_refreshes_share_one_request(
    auth: CarDataAuth, cloud: CarDataCloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    post = auth._post

    async def slow_post(path: str, data: dict[str, str]) -> httpx.Response:
        await asyncio.sleep(0)  # a real network round trip lets the other callers run
        return await post(path, data)

    monkeypatch.setattr(auth, "_post", slow_post)
    before = cloud.count("/gcdm/oauth/token")
    results = await asyncio.gather(auth.refresh(), auth.refresh(), auth.refresh())
    assert cloud.count("/gcdm/oauth/token") == before + 1
    assert results[0] is results[1] is results[2]
    cloud.advance(3600)
    both = await asyncio.gather(auth.ensure_valid(), auth.ensure_valid())
    assert both[0] is both[1]
    assert cloud.count("/gcdm/oauth/token") == before + 2


async def test_refresh_token_expiry_is_an_auth_failure(
    auth: CarDataAuth, cloud: CarDataCloud
) -> None:
    cloud.advance(timedelta(days=15).total_seconds())
    before = cloud.count("/token")
    with pytest.raises(CarDataRefreshTokenExpiredError):
        await auth.access_token()
    assert cloud.count("/token") == before  # known locally, no request


async def test_invalid_grant_is_an_auth_failure(auth: CarDataAuth, cloud: CarDataCloud) -> None:
    cloud.account.refresh_tokens.clear()  # revoked on BMW's side
    with pytest.raises(CarDataRefreshTokenExpiredError) as err:
        await auth.refresh()
    assert isinstance(err.value, MyBMWAuthError)


async def test_refresh_server_errors_are_transient(
    auth: CarDataAuth, cloud: CarDataCloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cloud, "handle", lambda *a: CloudResponse(502, {}, b"bad gateway"))
    with pytest.raises(CarDataConnectionError):
        await auth.refresh()

    def timeout(*_args: object) -> CloudResponse:
        raise httpx.ReadTimeout("slow")

    monkeypatch.setattr(cloud, "handle", timeout)
    with pytest.raises(CarDataConnectionError):
        await auth.refresh()


async def test_refresh_keeps_id_token_and_gcid_when_absent(
    auth: CarDataAuth, cloud: CarDataCloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = auth.tokens
    assert old is not None
    body = {"access_token": "a2", "expires_in": "soon", "refresh_token": ""}
    monkeypatch.setattr(
        cloud, "handle", lambda *a: CloudResponse(200, {}, json.dumps(body).encode())
    )
    new = await auth.refresh()
    assert new.access_token == "a2"
    assert new.id_token == old.id_token
    assert new.gcid == old.gcid
    assert new.id_token_expires_at == old.id_token_expires_at
    assert new.refresh_token == old.refresh_token
    assert new.refresh_token_expires_at == old.refresh_token_expires_at
    assert new.access_token_expires_at == cloud.now + timedelta(hours=1)


async def test_not_logged_in(cloud: CarDataCloud, sleeper: Sleeper) -> None:
    auth = make_auth(cloud, sleeper)
    with pytest.raises(CarDataAuthError, match="Not logged in"):
        await auth.access_token()
    with pytest.raises(CarDataAuthError):
        await auth.refresh()


def test_tokens_round_trip_and_malformed() -> None:
    now = datetime(2025, 1, 1, tzinfo=UTC)
    tokens = CarDataTokens("a", "r", "i", "g", now, now, now + timedelta(days=14))
    assert CarDataTokens.from_dict(tokens.as_dict()) == tokens
    with pytest.raises(CarDataAuthError, match="incomplete"):
        CarDataTokens.from_dict({"access_token": "a"})
    broken = tokens.as_dict() | {"id_token_expires_at": "never"}
    with pytest.raises(CarDataAuthError, match="malformed"):
        CarDataTokens.from_dict(broken)
    with pytest.raises(CarDataAuthError, match="malformed"):
        CarDataTokens.from_dict(tokens.as_dict() | {"gcid": 5})


def test_jwt_expiry() -> None:
    assert jwt_expiry(fake_jwt({"exp": 1_700_000_000})) == datetime.fromtimestamp(
        1_700_000_000, UTC
    )
    assert jwt_expiry("opaque") is None
    assert jwt_expiry("a.!!!.c") is None
    assert jwt_expiry(fake_jwt({"exp": True})) is None
    assert jwt_expiry(fake_jwt({"exp": 10**20})) is None
    assert jwt_expiry(fake_jwt({"sub": "x"})) is None
