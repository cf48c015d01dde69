"""Fixtures: the simulated CarData cloud behind respx, a clock that sleeps by advancing it.

async def test_x(cloud, auth, api):
    ...  # `auth` is logged in; every request reaches `cloud`
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
import json
from pathlib import Path
from typing import Any

import pytest
import respx

from custom_components.bmw_mybmw.cardata.api import CarDataClient
from custom_components.bmw_mybmw.cardata.auth import CarDataAuth, CarDataTokens
from custom_components.bmw_mybmw.cardata.budget import RequestBudget
from simulator.cardata import DEMO_CLIENT_ID, CarDataCloud, mock_cardata_api

REFERENCE = Path(__file__).resolve().parents[2] / ".." / "shared" / "reference" / "cardata"


def reference(name: str) -> Any:
    """A file of BMW's CarData reference copies; skips the test when the folder is absent."""
    path = REFERENCE / name
    if not path.is_file():
        pytest.skip(f"reference file {name} not available")
    return json.loads(path.read_text(encoding="utf-8"))


class Sleeper:
    """An injected sleep that lets the cloud's time pass instead of waiting."""

    def __init__(self, cloud: CarDataCloud) -> None:
        self.cloud = cloud
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        self.cloud.advance(seconds)


@pytest.fixture
def cloud() -> CarDataCloud:
    """The demo fleet on the simulated CarData cloud."""
    return CarDataCloud()


@pytest.fixture
def mock_cardata(cloud: CarDataCloud) -> Iterator[respx.MockRouter]:
    """Route both CarData hosts to ``cloud``."""
    with mock_cardata_api(cloud) as router:
        yield router


@pytest.fixture
def sleeper(cloud: CarDataCloud) -> Sleeper:
    """Sleep = advance the cloud clock."""
    return Sleeper(cloud)


@pytest.fixture
def saved_tokens() -> list[CarDataTokens]:
    """Every token set handed to the caller."""
    return []


@pytest.fixture
async def auth(
    cloud: CarDataCloud,
    mock_cardata: respx.MockRouter,
    sleeper: Sleeper,
    saved_tokens: list[CarDataTokens],
) -> AsyncIterator[CarDataAuth]:
    """A logged-in CarDataAuth (device flow finished against the cloud)."""
    auth = CarDataAuth(
        DEMO_CLIENT_ID, on_tokens=saved_tokens.append, now=cloud.clock, sleep=sleeper
    )
    code = await auth.request_device_code()
    cloud.approve(code.user_code)
    await auth.poll_for_tokens(code)
    yield auth
    await auth.close()


@pytest.fixture
def budget(cloud: CarDataCloud) -> RequestBudget:
    """A fresh daily budget on the cloud clock."""
    return RequestBudget(now=cloud.clock)


@pytest.fixture
async def api(auth: CarDataAuth, budget: RequestBudget) -> AsyncIterator[CarDataClient]:
    """A REST client over the logged-in auth."""
    client = CarDataClient(auth, budget=budget)
    yield client
    await client.close()
