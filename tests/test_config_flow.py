"""Config flow: user, captcha, China, errors and recovery, reauth, reconfigure, options."""

from __future__ import annotations

from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.bmw_mybmw.const import (
    CONF_CAPTCHA_TOKEN,
    CONF_DAILY_REQUEST_BUDGET,
    CONF_GCID,
    CONF_READ_ONLY,
    CONF_REFRESH_TOKEN,
    CONF_REGION,
    CONF_USER_AGENT_BUILD,
    DOMAIN,
)
from custom_components.bmw_mybmw.mybmw.api.authentication import MyBMWAuthentication
from custom_components.bmw_mybmw.mybmw.api.regions import CAPTCHA_URLS, Regions
from custom_components.bmw_mybmw.refresh_planner import DEFAULT_DAILY_BUDGET
from simulator.cloud import (
    DEMO_CN_PASSWORD,
    DEMO_CN_USERNAME,
    DEMO_GCID,
    DEMO_PASSWORD,
    DEMO_USERNAME,
    MyBMWCloud,
)
from tests.conftest import SetupEntry

pytestmark = pytest.mark.usefixtures("mock_api")

ROW_INPUT = {
    CONF_USERNAME: DEMO_USERNAME,
    CONF_PASSWORD: DEMO_PASSWORD,
    CONF_REGION: "rest_of_world",
}
CN_INPUT = {
    CONF_USERNAME: DEMO_CN_USERNAME,
    CONF_PASSWORD: DEMO_CN_PASSWORD,
    CONF_REGION: "china",
}

_captcha_counter = 0


def captcha() -> dict[str, str]:
    """A fresh single-use captcha token (the cloud rejects a reused one)."""
    global _captcha_counter  # noqa: PLW0603
    _captcha_counter += 1
    return {CONF_CAPTCHA_TOKEN: f"P1_test_token_{_captcha_counter}"}


async def start_user_flow(hass: HomeAssistant, user_input: dict[str, Any]) -> dict[str, Any]:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.MENU
    assert result["step_id"] == "user"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "mybmw"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "mybmw"
    assert result["errors"] == {}
    return await hass.config_entries.flow.async_configure(result["flow_id"], user_input)


async def test_user_flow_rest_of_world(hass: HomeAssistant, cloud: MyBMWCloud) -> None:
    """Credentials, then a captcha; the entry keeps the token, never the password."""
    result = await start_user_flow(hass, ROW_INPUT)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "captcha"
    assert result["description_placeholders"] == {
        "captcha_url": CAPTCHA_URLS[Regions.REST_OF_WORLD]
    }
    assert cloud.count() == 0  # nothing sent before the captcha is there

    result = await hass.config_entries.flow.async_configure(result["flow_id"], captcha())
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == DEMO_USERNAME
    data = result["data"]
    assert set(data) == {
        CONF_USERNAME,
        CONF_REGION,
        CONF_REFRESH_TOKEN,
        CONF_GCID,
        CONF_USER_AGENT_BUILD,
    }
    assert data[CONF_REGION] == "rest_of_world"
    assert data[CONF_GCID] == DEMO_GCID
    assert data[CONF_REFRESH_TOKEN]
    assert data[CONF_USER_AGENT_BUILD].startswith("AP2A.")
    assert result["result"].unique_id == f"rest_of_world-{DEMO_USERNAME}"
    # The login alone was tested: no vehicle data was loaded by the flow.
    logins = {"oauth_config", "authenticate", "token"}
    assert {r.endpoint for r in cloud.requests[: cloud.count("token")]} <= logins
    await hass.async_block_till_done()
    assert result["result"].state is ConfigEntryState.LOADED


async def test_user_flow_china_needs_no_captcha(hass: HomeAssistant) -> None:
    """China logs in straight from the first form and keeps the password (slider login)."""
    result = await start_user_flow(hass, CN_INPUT)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_PASSWORD] == DEMO_CN_PASSWORD
    assert result["data"][CONF_REGION] == "china"
    assert result["data"][CONF_REFRESH_TOKEN]
    assert result["result"].unique_id == f"china-{DEMO_CN_USERNAME}"


async def test_user_flow_china_wrong_password_recovers(hass: HomeAssistant) -> None:
    result = await start_user_flow(hass, {**CN_INPUT, CONF_PASSWORD: "wrong"})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "mybmw"
    assert result["errors"] == {"base": "invalid_auth"}

    result = await hass.config_entries.flow.async_configure(result["flow_id"], CN_INPUT)
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_wrong_password_returns_to_credentials(hass: HomeAssistant) -> None:
    """A rejected password sends the user back to the form that asked for it."""
    result = await start_user_flow(hass, {**ROW_INPUT, CONF_PASSWORD: "wrong"})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], captcha())
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "mybmw"
    assert result["errors"] == {"base": "invalid_auth"}

    result = await hass.config_entries.flow.async_configure(result["flow_id"], ROW_INPUT)
    assert result["step_id"] == "captcha"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], captcha())
    assert result["type"] is FlowResultType.CREATE_ENTRY


@pytest.mark.parametrize(
    ("endpoint", "kind", "error"),
    [
        ("oauth_config", "500", "cannot_connect"),
        ("oauth_config", "timeout", "cannot_connect"),
        ("token", "502", "cannot_connect"),
        ("oauth_config", "quota", "quota_exceeded"),
        ("authenticate", "blocked", "blocked"),
    ],
)
async def test_captcha_step_errors_recover(
    hass: HomeAssistant, cloud: MyBMWCloud, endpoint: str, kind: str, error: str
) -> None:
    """Transient failures show on the captcha form; a new token then succeeds."""
    cloud.faults.add(endpoint, kind, 1)
    result = await start_user_flow(hass, ROW_INPUT)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], captcha())
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "captcha"
    assert result["errors"] == {"base": error}

    result = await hass.config_entries.flow.async_configure(result["flow_id"], captcha())
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_empty_captcha_is_missing_captcha(hass: HomeAssistant, cloud: MyBMWCloud) -> None:
    result = await start_user_flow(hass, ROW_INPUT)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_CAPTCHA_TOKEN: "   "}
    )
    assert result["step_id"] == "captcha"
    assert result["errors"] == {"base": "missing_captcha"}
    assert cloud.count("authenticate") == 0

    result = await hass.config_entries.flow.async_configure(result["flow_id"], captcha())
    assert result["type"] is FlowResultType.CREATE_ENTRY


@pytest.mark.parametrize("side_effect", [RuntimeError("boom"), None])
async def test_unexpected_login_outcome_is_unknown(
    hass: HomeAssistant, side_effect: Exception | None
) -> None:
    """A crash, or a login that yields no refresh token, is an unknown error."""
    result = await start_user_flow(hass, ROW_INPUT)
    with patch.object(MyBMWAuthentication, "login", side_effect=side_effect, autospec=True):
        result = await hass.config_entries.flow.async_configure(result["flow_id"], captcha())
    assert result["step_id"] == "captcha"
    assert result["errors"] == {"base": "unknown"}

    result = await hass.config_entries.flow.async_configure(result["flow_id"], captcha())
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_already_configured(hass: HomeAssistant, config_entry: MockConfigEntry) -> None:
    config_entry.add_to_hass(hass)
    result = await start_user_flow(hass, ROW_INPUT)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_same_username_other_region_is_a_new_account(
    hass: HomeAssistant, config_entry: MockConfigEntry
) -> None:
    config_entry.add_to_hass(hass)
    result = await start_user_flow(hass, {**ROW_INPUT, CONF_REGION: "north_america"})
    assert result["step_id"] == "captcha"
    assert result["description_placeholders"]["captcha_url"] == CAPTCHA_URLS[Regions.NORTH_AMERICA]


async def test_reauth(hass: HomeAssistant, config_entry: MockConfigEntry) -> None:
    """Reauth asks for the password, then a captcha, and stores the new token only."""
    config_entry.add_to_hass(hass)
    old_token = config_entry.data[CONF_REFRESH_TOKEN]
    result = await config_entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"
    assert result["description_placeholders"][CONF_USERNAME] == DEMO_USERNAME

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: "wrong"}
    )
    assert result["step_id"] == "captcha"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], captcha())
    assert result["step_id"] == "reauth_confirm"
    assert result["errors"] == {"base": "invalid_auth"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: DEMO_PASSWORD}
    )
    result = await hass.config_entries.flow.async_configure(result["flow_id"], captcha())
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert config_entry.data[CONF_REFRESH_TOKEN] != old_token
    assert CONF_PASSWORD not in config_entry.data
    # The installation keeps its x-user-agent build (its quota bucket).
    assert config_entry.data[CONF_USER_AGENT_BUILD] == "AP2A.123456.789"
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.LOADED


async def test_reauth_china(hass: HomeAssistant, cloud: MyBMWCloud) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=f"china-{DEMO_CN_USERNAME}",
        data={
            CONF_USERNAME: DEMO_CN_USERNAME,
            CONF_PASSWORD: "old",
            CONF_REGION: "china",
            CONF_REFRESH_TOKEN: "revoked",
            CONF_GCID: DEMO_GCID,
        },
    )
    entry.add_to_hass(hass)
    result = await entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: DEMO_CN_PASSWORD}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data[CONF_PASSWORD] == DEMO_CN_PASSWORD
    assert entry.data[CONF_REFRESH_TOKEN] != "revoked"
    # A build string was generated for the entry that had none.
    assert entry.data[CONF_USER_AGENT_BUILD].startswith("AP2A.")
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


async def test_reconfigure_region(hass: HomeAssistant, config_entry: MockConfigEntry) -> None:
    config_entry.add_to_hass(hass)
    result = await config_entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_REGION: "north_america", CONF_PASSWORD: DEMO_PASSWORD}
    )
    assert result["step_id"] == "captcha"
    assert result["description_placeholders"]["captcha_url"] == CAPTCHA_URLS[Regions.NORTH_AMERICA]
    result = await hass.config_entries.flow.async_configure(result["flow_id"], captcha())
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert config_entry.unique_id == f"north_america-{DEMO_USERNAME}"
    assert config_entry.data[CONF_REGION] == "north_america"
    assert CONF_PASSWORD not in config_entry.data
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.LOADED


async def test_reconfigure_wrong_password(
    hass: HomeAssistant, config_entry: MockConfigEntry
) -> None:
    config_entry.add_to_hass(hass)
    result = await config_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_REGION: "rest_of_world", CONF_PASSWORD: "wrong"}
    )
    result = await hass.config_entries.flow.async_configure(result["flow_id"], captcha())
    assert result["step_id"] == "reconfigure"
    assert result["errors"] == {"base": "invalid_auth"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_REGION: "rest_of_world", CONF_PASSWORD: DEMO_PASSWORD}
    )
    result = await hass.config_entries.flow.async_configure(result["flow_id"], captcha())
    assert result["reason"] == "reconfigure_successful"
    assert config_entry.unique_id == f"rest_of_world-{DEMO_USERNAME}"
    await hass.async_block_till_done()


async def test_reconfigure_onto_existing_account_aborts(
    hass: HomeAssistant, config_entry: MockConfigEntry
) -> None:
    config_entry.add_to_hass(hass)
    MockConfigEntry(
        domain=DOMAIN,
        unique_id=f"north_america-{DEMO_USERNAME}",
        data={**config_entry.data, CONF_REGION: "north_america"},
    ).add_to_hass(hass)
    result = await config_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_REGION: "north_america", CONF_PASSWORD: DEMO_PASSWORD}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_options_read_only(
    hass: HomeAssistant, config_entry: MockConfigEntry, setup_entry: SetupEntry
) -> None:
    """Changing options reloads the entry; unknown options are kept."""
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(config_entry, options={"future_option": 1})
    await setup_entry(config_entry)
    assert config_entry.runtime_data.read_only is False

    result = await hass.config_entries.options.async_init(config_entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "init"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_READ_ONLY: True}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert config_entry.options == {
        "future_option": 1,
        CONF_READ_ONLY: True,
        CONF_DAILY_REQUEST_BUDGET: DEFAULT_DAILY_BUDGET,
    }
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.LOADED
    assert config_entry.runtime_data.read_only is True


async def test_read_only_removes_command_entities(
    hass: HomeAssistant, config_entry: MockConfigEntry, setup_entry: SetupEntry
) -> None:
    """Turning read-only on leaves no command entity behind, not even as "unavailable"."""
    await setup_entry(config_entry)
    registry = er.async_get(hass)

    def registered() -> dict[str, set[str]]:
        found: dict[str, set[str]] = {}
        for entity in er.async_entries_for_config_entry(registry, config_entry.entry_id):
            found.setdefault(entity.domain, set()).add(entity.unique_id)
        return found

    before = registered()
    command_domains = {"lock", "button", "switch", "number", "select"}
    assert command_domains <= set(before)
    assert any(uid.endswith("-command_progress") for uid in before["sensor"])

    result = await hass.config_entries.options.async_init(config_entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_READ_ONLY: True}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert config_entry.runtime_data.read_only is True

    after = registered()
    assert not command_domains & set(after)
    assert after["sensor"] == {
        uid for uid in before["sensor"] if not uid.endswith("-command_progress")
    }
    assert after["binary_sensor"] == before["binary_sensor"]
    for domain in command_domains:
        assert not [s for s in hass.states.async_all(domain) if s.state == "unavailable"]


async def test_options_budget_must_be_whole(
    hass: HomeAssistant, config_entry: MockConfigEntry, setup_entry: SetupEntry
) -> None:
    """25.5 requests a day is refused on the field; 25.0 (what the selector sends) is 25."""
    await setup_entry(config_entry)
    result = await hass.config_entries.options.async_init(config_entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_DAILY_REQUEST_BUDGET: 25.5}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_DAILY_REQUEST_BUDGET: "budget_not_whole"}
    assert CONF_DAILY_REQUEST_BUDGET not in config_entry.options

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_DAILY_REQUEST_BUDGET: 25.0}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert config_entry.options[CONF_DAILY_REQUEST_BUDGET] == 25
    assert isinstance(config_entry.options[CONF_DAILY_REQUEST_BUDGET], int)


async def test_blank_username_is_refused(hass: HomeAssistant, cloud: MyBMWCloud) -> None:
    """A user name of spaces stays on the form with an error; nothing is sent."""
    result = await start_user_flow(hass, {**ROW_INPUT, CONF_USERNAME: "   "})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "mybmw"
    assert result["errors"] == {CONF_USERNAME: "username_empty"}
    assert cloud.count() == 0

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**ROW_INPUT, CONF_USERNAME: f"  {DEMO_USERNAME} "}
    )
    assert result["step_id"] == "captcha"
