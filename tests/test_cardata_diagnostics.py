"""CarData diagnostics leave out GCID, tokens, client id, VINs and positions; pictures over REST."""

from __future__ import annotations

from http import HTTPStatus
import json

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
    get_diagnostics_for_device,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.bmw_mybmw.const import CONF_CLIENT_ID, CONF_TOKENS
from simulator.cardata import CarDataCloud
from tests.cardata_ha import entity_id
from tests.registry_helpers import vehicle_device

EV = "WBA0FLEET00000001"


def secrets_of(entry: MockConfigEntry, cloud: CarDataCloud) -> list[str]:
    tokens = entry.data[CONF_TOKENS]
    return [
        tokens["access_token"],
        tokens["refresh_token"],
        tokens["id_token"],
        tokens["gcid"],
        entry.data[CONF_CLIENT_ID],
        *cloud.specs,
        "48.177334",
        "11.556274",
        "51.5007",
    ]


async def test_entry_diagnostics_are_redacted(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    cardata_cloud: CarDataCloud,
    cardata_setup: MockConfigEntry,
) -> None:
    assert await async_setup_component(hass, "diagnostics", {})
    result = await get_diagnostics_for_config_entry(hass, hass_client, cardata_setup)
    text = json.dumps(result)
    for secret in secrets_of(cardata_setup, cardata_cloud):
        assert secret not in text, secret
    coordinator = result["coordinator"]
    assert coordinator["read_only"] is True
    assert coordinator["stream_connected"] is True
    assert coordinator["requests_today"] > 0
    assert coordinator["request_limit"] == 50
    vehicle = result["vehicles"][0]
    descriptors = vehicle["descriptors"]
    assert (
        descriptors["vehicle.cabin.infotainment.navigation.currentLocation.latitude"]["value"]
        == "**REDACTED**"
    )
    assert descriptors["vehicle.drivetrain.batteryManagement.header"]["value"] == 80


async def test_device_diagnostics_are_redacted(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    cardata_cloud: CarDataCloud,
    cardata_setup: MockConfigEntry,
) -> None:
    assert await async_setup_component(hass, "diagnostics", {})
    device = vehicle_device(hass, EV)
    result = await get_diagnostics_for_device(hass, hass_client, cardata_setup, device)
    text = json.dumps(result)
    for secret in secrets_of(cardata_setup, cardata_cloud):
        assert secret not in text, secret
    assert result["vehicle"]["descriptors"]


async def test_picture_from_cardata_fetched_once(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    cardata_cloud: CarDataCloud,
    cardata_setup: MockConfigEntry,
) -> None:
    picture = entity_id(hass, "image", f"{EV}-image_front_side")
    client = await hass_client()
    first = await client.get(f"/api/image_proxy/{picture}")
    assert first.status == HTTPStatus.OK
    body = await first.read()
    assert body.startswith(b"\x89PNG")
    second = await client.get(f"/api/image_proxy/{picture}")
    assert await second.read() == body
    assert cardata_cloud.count("/image") == 1
