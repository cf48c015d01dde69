"""Fixtures for the CarData side of the integration: the simulated CarData cloud and a fake broker.

Test modules import the fixtures they use from here (``from .cardata_ha import ...``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import respx

from custom_components.bmw_mybmw import cardata_coordinator, flow_cardata
from custom_components.bmw_mybmw.cardata import CarDataAuth, CarDataTokens
from custom_components.bmw_mybmw.cardata.stream import Backoff, StreamConnectionError
from custom_components.bmw_mybmw.const import (
    BACKEND_CARDATA,
    CONF_BACKEND,
    CONF_CLIENT_ID,
    CONF_CONTAINER_ID,
    CONF_TOKENS,
    DOMAIN,
)
from simulator.cardata import DEMO_CLIENT_ID, CarDataCloud, mock_cardata_api

OTHER_CLIENT_ID = "11111111-2222-4333-8444-555555555555"


class FakeMqtt:
    """One broker session: messages are put into its queue by :class:`FakeBroker`."""

    def __init__(self, broker: FakeBroker) -> None:
        self.broker = broker
        self.queue: asyncio.Queue[tuple[str, bytes] | Exception] = asyncio.Queue()
        self.credentials: tuple[str, int, str, str] | None = None
        self.topics: list[str] = []
        self.closed = False

    async def connect(self, host: str, port: int, username: str, password: str) -> None:
        self.credentials = (host, port, username, password)
        if self.broker.connect_error is not None:
            raise self.broker.connect_error

    async def subscribe(self, topic: str) -> None:
        self.topics.append(topic)

    async def next_message(self) -> tuple[str, bytes]:
        item = await self.queue.get()
        if isinstance(item, Exception):
            raise item
        return item

    async def disconnect(self) -> None:
        if not self.closed:
            self.closed = True
            self.queue.put_nowait(StreamConnectionError("closed"))


class FakeBroker:
    """Hands out sessions to the stream and delivers published payloads to the open one."""

    def __init__(self) -> None:
        self.sessions: list[FakeMqtt] = []
        self.connect_error: Exception | None = None

    def factory(self) -> FakeMqtt:
        session = FakeMqtt(self)
        self.sessions.append(session)
        return session

    @property
    def current(self) -> FakeMqtt:
        open_sessions = [s for s in self.sessions if not s.closed and s.topics]
        assert open_sessions, "no open stream session"
        return open_sessions[-1]

    def publish(self, payload: bytes, topic: str = "gcid/vin") -> None:
        self.current.queue.put_nowait((topic, payload))


@pytest.fixture
def cardata_cloud() -> CarDataCloud:
    """The demo fleet on a CarData cloud whose clock starts at the real time."""
    return CarDataCloud(clients=(DEMO_CLIENT_ID, OTHER_CLIENT_ID), now=dt_util.utcnow())


@pytest.fixture
def cardata_api(cardata_cloud: CarDataCloud) -> Iterator[respx.MockRouter]:
    """Both CarData hosts routed to the cloud."""
    with mock_cardata_api(cardata_cloud) as router:
        yield router


@pytest.fixture
def broker(monkeypatch: pytest.MonkeyPatch) -> FakeBroker:
    """The stream of every CarData entry connects to this fake broker (no sleeping backoff)."""
    fake = FakeBroker()
    monkeypatch.setattr(cardata_coordinator, "PahoConnection", lambda **_: fake.factory())
    monkeypatch.setattr(Backoff, "delay", lambda self, attempt, rand=None: 0.0)
    return fake


@pytest.fixture
def flow_auth(monkeypatch: pytest.MonkeyPatch, cardata_cloud: CarDataCloud) -> None:
    """The config flow's login polls on the cloud's clock, without waiting."""

    async def sleep(seconds: float) -> None:
        cardata_cloud.advance(seconds)

    def factory(hass: HomeAssistant, client_id: str) -> CarDataAuth:
        return CarDataAuth(client_id, now=cardata_cloud.clock, sleep=sleep)

    monkeypatch.setattr(flow_cardata, "cardata_auth", factory)


def tokens_data(answer: dict[str, Any], now: datetime) -> dict[str, str]:
    """A token answer of the cloud as the config flow stores it."""
    expires = now + timedelta(seconds=int(answer["expires_in"]))
    return CarDataTokens(
        access_token=answer["access_token"],
        refresh_token=answer["refresh_token"],
        id_token=answer["id_token"],
        gcid=answer["gcid"],
        access_token_expires_at=expires,
        id_token_expires_at=expires,
        refresh_token_expires_at=now + timedelta(days=14),
    ).as_dict()


@pytest.fixture
def cardata_entry(cardata_cloud: CarDataCloud) -> MockConfigEntry:
    """A CarData entry as the config flow creates it."""
    answer = cardata_cloud.issue_tokens()
    return MockConfigEntry(
        domain=DOMAIN,
        title="BMW CarData",
        unique_id=f"cardata-{answer['gcid']}",
        data={
            CONF_BACKEND: BACKEND_CARDATA,
            CONF_CLIENT_ID: DEMO_CLIENT_ID,
            CONF_TOKENS: tokens_data(answer, cardata_cloud.now),
            CONF_CONTAINER_ID: None,
        },
    )


@pytest.fixture
async def cardata_setup(
    hass: HomeAssistant,
    cardata_entry: MockConfigEntry,
    cardata_api: respx.MockRouter,
    broker: FakeBroker,
) -> AsyncIterator[MockConfigEntry]:
    """The CarData entry set up; its stream is connected to ``broker``."""
    cardata_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(cardata_entry.entry_id)
    await hass.async_block_till_done()
    await wait_for_stream(hass, broker)
    yield cardata_entry
    await hass.config_entries.async_unload(cardata_entry.entry_id)
    await hass.async_block_till_done()


async def wait_for_stream(hass: HomeAssistant, broker: FakeBroker) -> FakeMqtt:
    """Let the stream task connect and subscribe."""
    for _ in range(50):
        if any(s.topics and not s.closed for s in broker.sessions):
            return broker.current
        await asyncio.sleep(0)
        await hass.async_block_till_done()
    raise AssertionError("the stream never subscribed")


def entity_id(hass: HomeAssistant, domain: str, unique_id: str) -> str:
    """The entity id registered for a unique id, with or without its entry's prefix."""
    registry = er.async_get(hass)
    found = registry.async_get_entity_id(domain, DOMAIN, unique_id)
    if found is None:
        found = next(
            (
                e.entity_id
                for e in registry.entities.values()
                if e.domain == domain and e.unique_id == f"{e.config_entry_id}-{unique_id}"
            ),
            None,
        )
    assert found is not None, unique_id
    return found
