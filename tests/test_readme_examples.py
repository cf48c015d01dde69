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

from tests.conftest import SetupEntry

README = Path(__file__).resolve().parents[1] / "README.md"
ENTITY = re.compile(r"\b(?:binary_sensor|sensor|switch|number|lock|device_tracker)\.i4_edrive40\w*")


def automations() -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for block in re.findall(r"```yaml\n(.*?)```", README.read_text(encoding="utf-8"), re.S):
        document = yaml.safe_load(block)
        if isinstance(document, dict) and "automation" in document:
            found.extend(document["automation"])
    return found


def test_examples_found() -> None:
    aliases = {automation["alias"] for automation in automations()}
    assert {"Car window left open", "Pre-heat the car before work", "Charge to 80 % by 7:00"} <= (
        aliases
    )


@pytest.mark.parametrize("automation", automations(), ids=lambda a: a["alias"])
async def test_example_is_valid(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    setup_entry: SetupEntry,
    automation: dict[str, Any],
) -> None:
    """Validated as Home Assistant would; every car entity it names exists for the demo i4."""
    assert await async_setup_component(hass, "homeassistant", {})
    await setup_entry(config_entry)
    validated = await async_validate_config_item(hass, automation["alias"], automation)
    assert validated is not None
    assert validated.validation_error is None, validated.validation_error
    registry = er.async_get(hass)
    named = set(ENTITY.findall(yaml.safe_dump(automation)))
    assert named
    assert {entity_id for entity_id in named if registry.async_get(entity_id) is None} == set()
