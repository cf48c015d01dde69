"""Fixtures for client tests; ``cloud`` and ``mock_api`` come from tests/conftest.py.

async def test_something(cloud, mock_api):
    ...  # httpx requests to the MyBMW hosts reach `cloud`
    assert cloud.count("state") == 1
"""

from __future__ import annotations

from typing import Any

import pytest

from simulator.cloud import DEMO_USERNAME, MyBMWCloud


@pytest.fixture
def demo_tokens(cloud: MyBMWCloud) -> dict[str, Any]:
    """A valid token answer for the demo account, issued without the login dance."""
    return cloud.issue_tokens(DEMO_USERNAME)
