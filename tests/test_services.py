"""Service actions send_poi and refresh_vehicle."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import voluptuous as vol

from custom_components.bmw_mybmw.const import CONF_READ_ONLY, DOMAIN
from custom_components.bmw_mybmw.services import SERVICE_REFRESH_VEHICLE, SERVICE_SEND_POI
from simulator import fleet
from simulator.cloud import MyBMWCloud
from tests.conftest import SetupEntry
from tests.registry_helpers import vehicle_device

VIN_1 = fleet.make_vin(1)
VIN_2 = fleet.make_vin(2)
POI = {"latitude": 48.177334, "longitude": 11.556274}


def device_id(hass: HomeAssistant, vin: str) -> str:
    device = vehicle_device(hass, vin)
    assert device is not None
    return device.id


async def test_send_poi_to_two_vehicles(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud: MyBMWCloud
) -> None:
    await hass.services.async_call(
        DOMAIN,
        SERVICE_SEND_POI,
        {
            "device_id": [device_id(hass, VIN_1), device_id(hass, VIN_2)],
            **POI,
            "name": "BMW Welt",
            "street": "Am Olympiapark 1",
            "city": "München",
            "postal_code": "80809",
            "country": "Germany",
        },
        blocking=True,
    )
    sent = cloud.requests_for("send_poi")
    assert [r.vin for r in sent] == [VIN_1, VIN_2]
    place = sent[0].json()["places"][0]
    assert place["title"] == "BMW Welt"
    assert place["position"] == {"lat": 48.177334, "lng": 11.556274}
    assert place["address"]["city"] == "München"
    assert place["address"]["postalCode"] == "80809"
    progress = init_integration.runtime_data.command_progress[VIN_2]
    assert (progress.service, progress.state) == ("send_poi", "executed")


async def test_send_poi_coordinates_only(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud: MyBMWCloud
) -> None:
    await hass.services.async_call(
        DOMAIN, SERVICE_SEND_POI, {"device_id": device_id(hass, VIN_1), **POI}, blocking=True
    )
    place = cloud.requests_for("send_poi")[0].json()["places"][0]
    assert place["title"]  # our default title
    assert place["address"]["street"] is None  # never the string "None"


async def test_send_poi_rejects_bad_coordinates(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud: MyBMWCloud
) -> None:
    with pytest.raises(vol.Invalid):
        await hass.services.async_call(
            DOMAIN,
            SERVICE_SEND_POI,
            {"device_id": device_id(hass, VIN_1), "latitude": 91, "longitude": 0},
            blocking=True,
        )
    assert cloud.count("send_poi") == 0


async def test_send_poi_unsupported_vehicle(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud: MyBMWCloud
) -> None:
    """A vehicle without the capability fails validation before anything is sent."""
    cloud.vehicle(VIN_1).state["capabilities"]["sendPoi"] = False
    await init_integration.runtime_data.async_refresh_vehicle(VIN_1)
    with pytest.raises(ServiceValidationError) as exc:
        await hass.services.async_call(
            DOMAIN, SERVICE_SEND_POI, {"device_id": device_id(hass, VIN_1), **POI}, blocking=True
        )
    assert exc.value.translation_key == "command_invalid"
    assert cloud.count("send_poi") == 0


async def test_send_poi_read_only(
    hass: HomeAssistant, config_entry: MockConfigEntry, setup_entry: SetupEntry, cloud: MyBMWCloud
) -> None:
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(config_entry, options={CONF_READ_ONLY: True})
    await setup_entry(config_entry)
    with pytest.raises(ServiceValidationError) as exc:
        await hass.services.async_call(
            DOMAIN, SERVICE_SEND_POI, {"device_id": device_id(hass, VIN_1), **POI}, blocking=True
        )
    assert exc.value.translation_key == "read_only"
    assert cloud.count("send_poi") == 0


async def test_refresh_vehicle_reads_only_that_vehicle(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud: MyBMWCloud
) -> None:
    cloud.vehicle(VIN_1).state["state"]["currentMileage"] = 4242
    cloud.reset_requests()
    await hass.services.async_call(
        DOMAIN, SERVICE_REFRESH_VEHICLE, {"device_id": device_id(hass, VIN_1)}, blocking=True
    )
    assert {r.vin for r in cloud.requests_for("state")} == {VIN_1}
    assert cloud.count("vehicle_list") == 0
    assert init_integration.runtime_data.data[VIN_1].mileage.value == 4242


async def test_refresh_vehicle_error(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud: MyBMWCloud
) -> None:
    cloud.faults.add("state", "500", 1)
    with pytest.raises(HomeAssistantError) as exc:
        await hass.services.async_call(
            DOMAIN, SERVICE_REFRESH_VEHICLE, {"device_id": device_id(hass, VIN_1)}, blocking=True
        )
    assert exc.value.translation_key == "refresh_failed"


async def test_refresh_vehicle_auth_error_starts_reauth(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud: MyBMWCloud
) -> None:
    cloud.expire_access_tokens()
    cloud.revoke_refresh_tokens()
    with pytest.raises(HomeAssistantError) as exc:
        await hass.services.async_call(
            DOMAIN, SERVICE_REFRESH_VEHICLE, {"device_id": device_id(hass, VIN_1)}, blocking=True
        )
    assert exc.value.translation_key == "auth_failed"
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]


async def test_unknown_device(hass: HomeAssistant, init_integration: MockConfigEntry) -> None:
    with pytest.raises(ServiceValidationError) as exc:
        await hass.services.async_call(
            DOMAIN, SERVICE_REFRESH_VEHICLE, {"device_id": "nope"}, blocking=True
        )
    assert exc.value.translation_key == "invalid_device"


async def test_device_of_another_integration(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    other = dr.async_get(hass).async_get_or_create(
        config_entry_id=init_integration.entry_id, identifiers={("other", "x")}
    )
    with pytest.raises(ServiceValidationError) as exc:
        await hass.services.async_call(
            DOMAIN, SERVICE_REFRESH_VEHICLE, {"device_id": other.id}, blocking=True
        )
    assert exc.value.translation_key == "invalid_device"


async def test_vehicle_of_unloaded_entry(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    target = device_id(hass, VIN_1)
    await hass.config_entries.async_unload(init_integration.entry_id)
    with pytest.raises(ServiceValidationError) as exc:
        await hass.services.async_call(
            DOMAIN, SERVICE_REFRESH_VEHICLE, {"device_id": target}, blocking=True
        )
    assert exc.value.translation_key == "vehicle_not_loaded"


@pytest.mark.parametrize("service", [SERVICE_REFRESH_VEHICLE, SERVICE_SEND_POI])
async def test_account_device_is_not_a_vehicle(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud: MyBMWCloud, service: str
) -> None:
    """The device picker offers the account's own device: say it is not a car."""
    account = next(
        device
        for device in dr.async_entries_for_config_entry(
            dr.async_get(hass), init_integration.entry_id
        )
        if device.entry_type is dr.DeviceEntryType.SERVICE
    )
    with pytest.raises(ServiceValidationError) as exc:
        await hass.services.async_call(
            DOMAIN,
            service,
            {"device_id": account.id, **(POI if service == SERVICE_SEND_POI else {})},
            blocking=True,
        )
    assert exc.value.translation_key == "not_a_vehicle"
    assert exc.value.translation_placeholders == {"device": account.name}
    assert cloud.requests_for("send_poi") == []


@pytest.mark.parametrize(
    ("field", "limit"),
    [("name", 100), ("street", 100), ("city", 100), ("country", 100), ("postal_code", 16)],
)
async def test_send_poi_rejects_overlong_text(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    cloud: MyBMWCloud,
    field: str,
    limit: int,
) -> None:
    """A text longer than the car takes is refused, naming the field; the limit itself passes."""
    target = device_id(hass, VIN_1)
    with pytest.raises(ServiceValidationError) as exc:
        await hass.services.async_call(
            DOMAIN,
            SERVICE_SEND_POI,
            {"device_id": target, **POI, field: "x" * (limit + 1)},
            blocking=True,
        )
    assert exc.value.translation_key == "text_too_long"
    assert exc.value.translation_placeholders == {"field": field, "max": str(limit)}
    assert cloud.requests_for("send_poi") == []

    await hass.services.async_call(
        DOMAIN, SERVICE_SEND_POI, {"device_id": target, **POI, field: "x" * limit}, blocking=True
    )
    assert len(cloud.requests_for("send_poi")) == 1
