"""The MyBMW login step preselects the region of Home Assistant's country."""

from __future__ import annotations

from homeassistant import config_entries
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest

from custom_components.bmw_mybmw.const import CONF_REGION, DOMAIN
from custom_components.bmw_mybmw.region_default import region_for_country


@pytest.mark.parametrize(
    ("country", "region"),
    [
        ("US", "north_america"),
        ("CA", "north_america"),
        ("MX", "north_america"),
        ("CN", "china"),
        ("DE", "rest_of_world"),
        ("JP", "rest_of_world"),
        (None, "rest_of_world"),
    ],
)
async def test_login_form_suggests_region(
    hass: HomeAssistant, country: str | None, region: str
) -> None:
    """China is first in the list; a German installation must not open on it."""
    hass.config.country = country
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "mybmw"}
    )
    assert result["type"] is FlowResultType.FORM
    suggested = {
        str(key): (key.description or {}).get("suggested_value")
        for key in result["data_schema"].schema
    }
    assert suggested[CONF_REGION] == region


def test_lower_case_country_is_understood() -> None:
    """Country codes are upper case in HA's config; a hand-written lower-case one still works."""
    assert region_for_country("us") == "north_america"
