"""Fixtures for client tests: the simulated MyBMW cloud mounted into respx.

async def test_something(cloud, mock_api):
    ...  # httpx requests to the MyBMW hosts reach `cloud`
    assert cloud.count("state") == 1
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import respx

from simulator.cloud import DEMO_USERNAME, MyBMWCloud
from simulator.respx_fake import mock_mybmw_api


@pytest.fixture
def cloud() -> MyBMWCloud:
    """The default fleet; command events advance one step per status poll (no waiting)."""
    return MyBMWCloud(event_mode="poll", seed=1)


@pytest.fixture
def mock_api(cloud: MyBMWCloud) -> Iterator[respx.MockRouter]:
    """Route every MyBMW host (and loopback URLs) to ``cloud`` for the test."""
    with mock_mybmw_api(cloud) as router:
        yield router


@pytest.fixture
def demo_tokens(cloud: MyBMWCloud) -> dict[str, Any]:
    """A valid token answer for the demo account, issued without the login dance."""
    return cloud.issue_tokens(DEMO_USERNAME)
