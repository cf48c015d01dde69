"""Config flow: a refused captcha asks for a new captcha, not a new password; aborts have text."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.bmw_mybmw.const import CONF_CAPTCHA_TOKEN, CONF_REGION, DOMAIN
from simulator.cloud import DEMO_PASSWORD, DEMO_USERNAME, Account, MyBMWCloud

pytestmark = pytest.mark.usefixtures("mock_api")

COMPONENT = Path(__file__).resolve().parents[1] / "custom_components" / DOMAIN
ROW_INPUT = {
    CONF_USERNAME: DEMO_USERNAME,
    CONF_PASSWORD: DEMO_PASSWORD,
    CONF_REGION: "rest_of_world",
}


def token(value: str) -> dict[str, str]:
    return {CONF_CAPTCHA_TOKEN: value}


async def start_user_flow(hass: HomeAssistant) -> dict[str, Any]:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "mybmw"}
    )
    return await hass.config_entries.flow.async_configure(result["flow_id"], ROW_INPUT)


async def test_used_captcha_stays_on_the_captcha_step(
    hass: HomeAssistant, cloud: MyBMWCloud
) -> None:
    """The simulator refuses a reused token (400 captcha validation failed)."""
    cloud.accounts["other@example.com"] = Account("other@example.com", DEMO_PASSWORD)
    first = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    first = await hass.config_entries.flow.async_configure(
        first["flow_id"], {"next_step_id": "mybmw"}
    )
    first = await hass.config_entries.flow.async_configure(
        first["flow_id"], {**ROW_INPUT, CONF_USERNAME: "other@example.com"}
    )
    first = await hass.config_entries.flow.async_configure(first["flow_id"], token("P1_shared"))
    assert first["type"] is FlowResultType.CREATE_ENTRY

    result = await start_user_flow(hass)
    assert result["step_id"] == "captcha"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], token("P1_shared"))
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "captcha"  # not back to the password form
    assert result["errors"] == {"base": "missing_captcha"}
    assert cloud.requests_for("authenticate")[-1].status == 400

    result = await hass.config_entries.flow.async_configure(result["flow_id"], token("P1_new"))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == DEMO_USERNAME


async def test_reauth_with_a_used_captcha_keeps_the_password(
    hass: HomeAssistant, config_entry: MockConfigEntry
) -> None:
    config_entry.add_to_hass(hass)
    result = await config_entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: DEMO_PASSWORD}
    )
    result = await hass.config_entries.flow.async_configure(result["flow_id"], token("P1_a"))
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()

    result = await config_entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: DEMO_PASSWORD}
    )
    result = await hass.config_entries.flow.async_configure(result["flow_id"], token("P1_a"))
    assert result["step_id"] == "captcha"
    assert result["errors"] == {"base": "missing_captcha"}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], token("P1_b"))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()


async def test_second_flow_for_the_same_account_aborts_with_a_worded_reason(
    hass: HomeAssistant,
) -> None:
    first = await start_user_flow(hass)
    assert first["step_id"] == "captcha"
    second = await start_user_flow(hass)
    assert second["type"] is FlowResultType.ABORT
    assert second["reason"] == "already_in_progress"
    for name in ("strings.json", "translations/en.json", "translations/de.json"):
        aborts = json.loads((COMPONENT / name).read_text(encoding="utf-8"))["config"]["abort"]
        assert aborts[second["reason"]], name
