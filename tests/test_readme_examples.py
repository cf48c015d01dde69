"""The README's automation examples are valid Home Assistant automations that name real entities."""

from __future__ import annotations

from pathlib import Path
import re
from typing import Any

from homeassistant.components.automation.config import async_validate_config_item
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import yaml

from simulator.cardata import CarDataCloud
from tests.cardata_ha import FakeBroker
from tests.conftest import SetupEntry

README = Path(__file__).resolve().parents[1] / "README.md"
ENTITY = re.compile(r"\b(?:binary_sensor|sensor|switch|number|lock|device_tracker)\.i4_edrive40\w*")
# Examples under this README section name CarData entities (descriptors only the stream sends).
CARDATA_SECTION = "## BMW CarData"


def automations(backend: str) -> list[dict[str, Any]]:
    """The README's automations written for ``backend`` ("mybmw" or "cardata").

    An example belongs to the backend of the ``## `` section it stands in.
    """
    found: list[dict[str, Any]] = []
    for section in re.split(r"^(?=## )", README.read_text(encoding="utf-8"), flags=re.M):
        if ("cardata" if section.startswith(CARDATA_SECTION) else "mybmw") != backend:
            continue
        for block in re.findall(r"```yaml\n(.*?)```", section, re.S):
            document = yaml.safe_load(block)
            if isinstance(document, dict) and "automation" in document:
                found.extend(document["automation"])
    return found


def aliases(backend: str) -> set[str]:
    return {automation["alias"] for automation in automations(backend)}


def test_examples_found() -> None:
    assert {"Car window left open", "Pre-heat the car before work", "Charge to 80 % by 7:00"} <= (
        aliases("mybmw")
    )
    assert {"Tell me when the car will be full", "Car charged"} <= aliases("cardata")
    assert aliases("mybmw").isdisjoint(aliases("cardata"))


async def assert_valid_for(hass: HomeAssistant, automation: dict[str, Any], entry_id: str) -> None:
    """Validated as Home Assistant would; every car entity it names exists in that entry."""
    assert await async_setup_component(hass, "homeassistant", {})
    validated = await async_validate_config_item(hass, automation["alias"], automation)
    assert validated is not None
    assert validated.validation_error is None, validated.validation_error
    registry = er.async_get(hass)
    named = set(ENTITY.findall(yaml.safe_dump(automation)))
    assert named
    missing = {
        entity_id
        for entity_id in named
        if (entity := registry.async_get(entity_id)) is None or entity.config_entry_id != entry_id
    }
    assert missing == set()


@pytest.mark.parametrize("automation", automations("mybmw"), ids=lambda a: a["alias"])
async def test_example_is_valid(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    setup_entry: SetupEntry,
    automation: dict[str, Any],
) -> None:
    """A MyBMW example, checked against the demo i4 of a MyBMW entry."""
    await setup_entry(config_entry)
    await assert_valid_for(hass, automation, config_entry.entry_id)


@pytest.mark.parametrize("automation", automations("cardata"), ids=lambda a: a["alias"])
async def test_cardata_example_is_valid(
    hass: HomeAssistant,
    cardata_cloud: CarDataCloud,
    cardata_setup: MockConfigEntry,
    broker: FakeBroker,
    automation: dict[str, Any],
) -> None:
    """A CarData example, checked against the demo i4 of a CarData entry once its cars streamed."""
    for vin in cardata_cloud.telematics:
        cardata_cloud.advance(1)
        broker.publish(cardata_cloud.stream_payload(vin), topic=f"gcid/{vin}")
    await hass.async_block_till_done()
    await assert_valid_for(hass, automation, cardata_setup.entry_id)
