"""CarData config flow: menu, client id, device-code login, errors, reauth, reconfigure."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import respx

from custom_components.bmw_mybmw.config_flow import MyBMWConfigFlow
from custom_components.bmw_mybmw.const import (
    BACKEND_CARDATA,
    CONF_BACKEND,
    CONF_CLIENT_ID,
    CONF_CONTAINER_ID,
    CONF_TOKENS,
    DOMAIN,
)
from simulator.cardata import BROKEN_CLIENT_ID, DEMO_CLIENT_ID, DEMO_GCID, CarDataCloud
from tests.cardata_ha import OTHER_CLIENT_ID, FakeBroker

pytestmark = pytest.mark.usefixtures("cardata_api", "flow_auth", "broker")


async def start(hass: HomeAssistant) -> dict[str, Any]:
    """Open the flow and pick BMW CarData in the menu."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["mybmw", "cardata"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "cardata"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "cardata"
    assert result["errors"] == {}
    return result


async def submit_client(hass: HomeAssistant, flow_id: str, client_id: str) -> dict[str, Any]:
    return await hass.config_entries.flow.async_configure(flow_id, {CONF_CLIENT_ID: client_id})


async def finish_wait(hass: HomeAssistant, result: dict[str, Any]) -> dict[str, Any]:
    """Let the login poller finish, then take the flow's next answer."""
    assert result["type"] is FlowResultType.SHOW_PROGRESS
    assert result["step_id"] == "cardata_auth"
    assert result["progress_action"] == "cardata_login"
    await hass.async_block_till_done()
    return await hass.config_entries.flow.async_configure(result["flow_id"])


async def test_menu_offers_both_backends(hass: HomeAssistant) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "mybmw"}
    )
    assert result["step_id"] == "mybmw"  # today's MyBMW form, unchanged


async def test_login_pending_then_success(
    hass: HomeAssistant, cardata_cloud: CarDataCloud, broker: FakeBroker
) -> None:
    """The user confirms after a few polls; the entry keeps tokens, client id and gcid."""
    cardata_cloud.approve_after_polls = 3
    result = await start(hass)
    result = await submit_client(hass, result["flow_id"], f"  {DEMO_CLIENT_ID} ")
    placeholders = result["description_placeholders"]
    session = next(iter(cardata_cloud.sessions.values()))
    assert placeholders["user_code"] == session.user_code
    assert placeholders["verification_uri"].endswith(f"user_code={session.user_code}")

    result = await finish_wait(hass, result)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "BMW CarData"
    data = result["data"]
    assert data[CONF_BACKEND] == BACKEND_CARDATA
    assert data[CONF_CLIENT_ID] == DEMO_CLIENT_ID
    assert data[CONF_CONTAINER_ID] is None
    tokens = data[CONF_TOKENS]
    assert tokens["gcid"] == DEMO_GCID
    assert tokens["refresh_token"] in cardata_cloud.account.refresh_tokens
    assert tokens["access_token"] in cardata_cloud.account.access_tokens
    assert tokens["id_token"].count(".") == 2
    assert {"access_token_expires_at", "id_token_expires_at", "refresh_token_expires_at"} <= set(
        tokens
    )
    entry = result["result"]
    assert entry.unique_id == f"cardata-{DEMO_GCID}"
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert not MyBMWConfigFlow.async_supports_options_flow(entry)
    await hass.config_entries.async_unload(entry.entry_id)


@pytest.mark.parametrize(
    ("client_id", "prepare", "error"),
    [
        (DEMO_CLIENT_ID, lambda cloud: cloud.deny(), "access_denied"),
        (DEMO_CLIENT_ID, lambda cloud: None, "code_expired"),
        (BROKEN_CLIENT_ID, lambda cloud: None, "new_client_id_required"),
    ],
)
async def test_login_errors_return_to_the_client_form(
    hass: HomeAssistant,
    cardata_cloud: CarDataCloud,
    client_id: str,
    prepare: Any,
    error: str,
) -> None:
    """A failed login shows why on the client id form; a second round can succeed."""
    result = await start(hass)
    result = await submit_client(hass, result["flow_id"], client_id)
    prepare(cardata_cloud)
    result = await finish_wait(hass, result)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "cardata"
    assert result["errors"] == {"base": error}

    cardata_cloud.approve_after_polls = 1
    result = await submit_client(hass, result["flow_id"], DEMO_CLIENT_ID)
    result = await finish_wait(hass, result)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    await hass.config_entries.async_unload(result["result"].entry_id)


async def test_unknown_client_id_is_rejected_at_once(hass: HomeAssistant) -> None:
    result = await start(hass)
    result = await submit_client(hass, result["flow_id"], "99999999-8888-4777-8666-555555555555")
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "cardata"
    assert result["errors"] == {"base": "invalid_client"}


@pytest.mark.parametrize(
    "client_id",
    ["not-a-uuid", "x" * 5000, DEMO_CLIENT_ID.replace("-", ""), f"{{{DEMO_CLIENT_ID}}}"],
    ids=["words", "5000_chars", "no_hyphens", "braces"],
)
async def test_client_id_must_be_a_uuid(
    hass: HomeAssistant, cardata_cloud: CarDataCloud, client_id: str
) -> None:
    """Anything but a UUID stays on the form; no login is started for it."""
    result = await start(hass)
    result = await submit_client(hass, result["flow_id"], client_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "cardata"
    assert result["errors"] == {"base": "invalid_client_id"}
    assert not cardata_cloud.sessions

    result = await submit_client(hass, result["flow_id"], DEMO_CLIENT_ID)
    assert result["type"] is FlowResultType.SHOW_PROGRESS


async def test_server_down_is_cannot_connect(
    hass: HomeAssistant, cardata_api: respx.MockRouter
) -> None:
    result = await start(hass)
    cardata_api.routes.clear()
    cardata_api.route().respond(503)
    result = await submit_client(hass, result["flow_id"], DEMO_CLIENT_ID)
    assert result["errors"] == {"base": "cannot_connect"}


async def test_same_account_twice_aborts(
    hass: HomeAssistant, cardata_cloud: CarDataCloud, cardata_entry: MockConfigEntry
) -> None:
    cardata_entry.add_to_hass(hass)
    cardata_cloud.approve_after_polls = 1
    result = await start(hass)
    result = await submit_client(hass, result["flow_id"], DEMO_CLIENT_ID)
    result = await finish_wait(hass, result)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_closing_the_dialog_stops_polling(
    hass: HomeAssistant, cardata_cloud: CarDataCloud
) -> None:
    result = await start(hass)
    result = await submit_client(hass, result["flow_id"], DEMO_CLIENT_ID)
    assert result["type"] is FlowResultType.SHOW_PROGRESS
    flow = hass.config_entries.flow._progress[result["flow_id"]]
    task = flow._poll_task
    hass.config_entries.flow.async_abort(result["flow_id"])
    await hass.async_block_till_done()
    assert task.cancelled()


async def test_reauth_new_device_code_round(
    hass: HomeAssistant, cardata_cloud: CarDataCloud, cardata_setup: MockConfigEntry
) -> None:
    """Reauth confirms first, then logs in again; the container id is kept."""
    entry = cardata_setup
    container = entry.data[CONF_CONTAINER_ID]
    assert container
    old_refresh = entry.data[CONF_TOKENS]["refresh_token"]
    result = await entry.start_reauth_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "cardata_reauth"
    cardata_cloud.approve_after_polls = 2
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    result = await finish_wait(hass, result)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert entry.data[CONF_TOKENS]["refresh_token"] != old_refresh
    assert entry.data[CONF_CONTAINER_ID] == container
    assert entry.state is ConfigEntryState.LOADED


async def test_reauth_denied_then_other_account(
    hass: HomeAssistant, cardata_cloud: CarDataCloud, cardata_setup: MockConfigEntry
) -> None:
    result = await cardata_setup.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    cardata_cloud.deny()
    result = await finish_wait(hass, result)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "cardata_reauth"
    assert result["errors"] == {"base": "access_denied"}

    cardata_cloud.account.gcid = "another-gcid"
    cardata_cloud.approve_after_polls = 1
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    result = await finish_wait(hass, result)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"


async def test_reauth_with_broken_client_shows_error(
    hass: HomeAssistant, cardata_api: respx.MockRouter, cardata_setup: MockConfigEntry
) -> None:
    result = await cardata_setup.start_reauth_flow(hass)
    cardata_api.routes.clear()
    cardata_api.route().respond(401, json={"error": "invalid_client"})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["step_id"] == "cardata_reauth"
    assert result["errors"] == {"base": "invalid_client"}


async def test_reconfigure_client_id(
    hass: HomeAssistant, cardata_cloud: CarDataCloud, cardata_setup: MockConfigEntry
) -> None:
    """A new client id: a new login, the old container forgotten, the entry reloaded."""
    entry = cardata_setup
    result = await entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "cardata_reconfigure"
    schema_keys = {str(key): key for key in result["data_schema"].schema}
    assert schema_keys[CONF_CLIENT_ID].description == {"suggested_value": DEMO_CLIENT_ID}

    result = await submit_client(hass, result["flow_id"], "unknown-client")
    assert result["step_id"] == "cardata_reconfigure"
    assert result["errors"] == {"base": "invalid_client_id"}
    result = await submit_client(hass, result["flow_id"], "99999999-8888-4777-8666-555555555555")
    assert result["step_id"] == "cardata_reconfigure"
    assert result["errors"] == {"base": "invalid_client"}

    cardata_cloud.approve_after_polls = 1
    result = await submit_client(hass, result["flow_id"], OTHER_CLIENT_ID)
    result = await finish_wait(hass, result)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert entry.data[CONF_CLIENT_ID] == OTHER_CLIENT_ID
    assert entry.state is ConfigEntryState.LOADED


async def test_reconfigure_login_error_stays_on_form(
    hass: HomeAssistant, cardata_cloud: CarDataCloud, cardata_setup: MockConfigEntry
) -> None:
    result = await cardata_setup.start_reconfigure_flow(hass)
    result = await submit_client(hass, result["flow_id"], DEMO_CLIENT_ID)
    cardata_cloud.deny()
    result = await finish_wait(hass, result)
    assert result["step_id"] == "cardata_reconfigure"
    assert result["errors"] == {"base": "access_denied"}
