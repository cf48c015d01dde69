"""Image platform: vehicle pictures fetched once and cached, extra views disabled by default."""

from __future__ import annotations

from http import HTTPStatus

from homeassistant.const import STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from simulator.cloud import MyBMWCloud
from tests.conftest import SetupEntry
from tests.platform_helpers import (
    EV_VIN,
    read_only_entry,
    unique_ids,
)

PICTURE = "image.i4_edrive40_picture"


async def test_extra_views_disabled_by_default(
    hass: HomeAssistant, init_integration: MockConfigEntry, entity_registry: er.EntityRegistry
) -> None:
    """Only the main picture is enabled; front and side views are opt-in."""
    assert unique_ids(hass, init_integration, "image") >= {
        f"{EV_VIN}-image_front_side",
        f"{EV_VIN}-image_front",
        f"{EV_VIN}-image_side",
    }
    assert not entity_registry.async_get(PICTURE).disabled
    assert entity_registry.async_get("image.i4_edrive40_picture_front").disabled
    assert entity_registry.async_get("image.i4_edrive40_picture_side").disabled


async def test_picture_fetched_once(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    cloud: MyBMWCloud,
    hass_client: ClientSessionGenerator,
) -> None:
    """The picture is requested on first view only, then served from memory."""
    assert hass.states.get(PICTURE).state == STATE_UNKNOWN
    client = await hass_client()
    first = await client.get(f"/api/image_proxy/{PICTURE}")
    assert first.status == HTTPStatus.OK
    body = await first.read()
    assert body.startswith(b"\x89PNG")
    second = await client.get(f"/api/image_proxy/{PICTURE}")
    assert await second.read() == body
    images = cloud.requests_for("image")
    assert len(images) == 1
    assert images[0].params["carView"] == "VehicleStatus"
    assert images[0].vin == EV_VIN
    assert hass.states.get(PICTURE).state != STATE_UNKNOWN
    # A refresh of the vehicle data does not fetch the picture again.
    await init_integration.runtime_data.async_refresh()
    await client.get(f"/api/image_proxy/{PICTURE}")
    assert len(cloud.requests_for("image")) == 1


# A server error, and an empty answer (which counts as no picture).
@pytest.mark.parametrize("fault", ["500", "empty"])
async def test_failed_picture_is_not_cached(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    cloud: MyBMWCloud,
    hass_client: ClientSessionGenerator,
    fault: str,
) -> None:
    """A failed fetch is not cached: the next view asks again."""
    cloud.faults.add("image", fault, times=1)
    client = await hass_client()
    failed = await client.get(f"/api/image_proxy/{PICTURE}")
    assert failed.status == HTTPStatus.INTERNAL_SERVER_ERROR
    retried = await client.get(f"/api/image_proxy/{PICTURE}")
    assert retried.status == HTTPStatus.OK
    assert len(cloud.requests_for("image")) == 2


async def test_read_only_keeps_pictures(
    hass: HomeAssistant, config_entry: MockConfigEntry, setup_entry: SetupEntry
) -> None:
    """Pictures are not command entities: read-only mode keeps them."""
    entry = await setup_entry(read_only_entry(config_entry))
    assert f"{EV_VIN}-image_front_side" in unique_ids(hass, entry, "image")
