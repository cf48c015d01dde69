"""Secrets kept: distinctive credentials, tokens, VIN and coordinates never leak.

One test drives every flow (setup, token refresh, commands, errors, reauth,
diagnostics, fingerprint) and then searches the logs of every logger at DEBUG
(httpx and httpcore included, Home Assistant's dump of every event too), the
diagnostics, the fingerprint files and our entities' states for each secret.
Smaller tests pin the storage and transport rules.
"""

from __future__ import annotations

from dataclasses import replace
import json
import logging
from pathlib import Path
import ssl
import stat
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.button import DOMAIN as BUTTON_DOMAIN, SERVICE_PRESS
from homeassistant.components.lock import DOMAIN as LOCK_DOMAIN
from homeassistant.components.number import (
    ATTR_VALUE,
    DOMAIN as NUMBER_DOMAIN,
    SERVICE_SET_VALUE,
)
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import (
    ATTR_ENTITY_ID,
    CONF_PASSWORD,
    CONF_USERNAME,
    EVENT_LOGGING_CHANGED,
    SERVICE_LOCK,
    SERVICE_UNLOCK,
)
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
import httpx
import pytest
import respx

from custom_components.bmw_mybmw.const import (
    BLOCKED_RETRY_INTERVAL,
    CONF_CAPTCHA_TOKEN,
    CONF_REGION,
    DOMAIN,
)
from custom_components.bmw_mybmw.diagnostics import (
    async_get_config_entry_diagnostics,
    async_get_device_diagnostics,
)
from custom_components.bmw_mybmw.mybmw.account import MyBMWAccount
from custom_components.bmw_mybmw.mybmw.api import errors as client_errors
from custom_components.bmw_mybmw.mybmw.api.authentication import MyBMWAuthentication
from custom_components.bmw_mybmw.mybmw.api.client import MyBMWClient, MyBMWClientConfiguration
from custom_components.bmw_mybmw.mybmw.api.log_redaction import redact_text
from custom_components.bmw_mybmw.mybmw.api.regions import (
    SERVER_URL_ENV,
    Regions,
    get_server_url,
)
from custom_components.bmw_mybmw.mybmw.cli import OAuthStore, write_fingerprint
from simulator import fleet
from simulator.cloud import Account, MyBMWCloud
from tests.registry_helpers import vehicle_device

USERNAME = "zq7.secret.owner@example.invalid"
PASSWORD = "Pw!zq7-SECRET-pass"
GCID = "d15717c7-5ec2-4e7a-9c1d-6c0ffee0b7e7"
VIN = "WBA7SECRETVIN1234"
CAPTCHA = "P1_zq7_secret_captcha"
CAR = (52.123457, 13.654321)
HOME = (50.987654, 8.765432)
POI = (47.111222, 9.333444)
# Secrets as they could appear in text: full values and shortened coordinates.
POSITIONS = tuple(f"{c:.6f}"[:-1] for pair in (CAR, HOME, POI) for c in pair)
FIXED_SECRETS = (USERNAME, PASSWORD, GCID, VIN, CAPTCHA, *POSITIONS)
POSITION_ATTRIBUTES = {"latitude", "longitude"}
EV_LOCK = "lock.i4_edrive40_lock"
PACKAGE = Path(__file__).resolve().parents[1] / "custom_components" / "bmw_mybmw"


def _secret_fleet() -> list[fleet.VehicleSpec]:
    ev = fleet.electric_bmw(1)
    return [replace(ev, vin=VIN, location=fleet.Location(*CAR, 90, "Geheimweg 7, 10115 Berlin"))]


@pytest.fixture
def cloud() -> MyBMWCloud:
    """One account with distinctive credentials, gcid, VIN and parking position."""
    return MyBMWCloud(
        _secret_fleet(),
        [Account(USERNAME, PASSWORD, gcid=GCID)],
        event_mode="poll",
        seed=7,
    )


@pytest.fixture
def issued_tokens(cloud: MyBMWCloud, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every access and refresh token the cloud hands out."""
    tokens: list[str] = []
    original = cloud._token_answer

    def recording(*args: Any, **kwargs: Any) -> dict[str, Any]:
        answer = original(*args, **kwargs)
        tokens.extend((answer["access_token"], answer["refresh_token"]))
        return answer

    monkeypatch.setattr(cloud, "_token_answer", recording)
    return tokens


def _leaks(text: str, secrets: list[str]) -> list[str]:
    return [secret for secret in secrets if secret and secret in text]


def _is_event_dump(record: logging.LogRecord) -> bool:
    """Home Assistant's DEBUG line for every event on its bus, with states and service data."""
    return record.name == "homeassistant.core" and str(record.msg).startswith("Bus:Handling")


def _log_text(caplog: pytest.LogCaptureFixture, *, event_dump: bool) -> str:
    """The records (event dump or the rest) formatted with tracebacks, plus their messages."""
    records = [r for r in caplog.records if _is_event_dump(r) == event_dump]
    return "\n".join(caplog.handler.format(r) + "\n" + r.getMessage() for r in records)


def _states_text(hass: HomeAssistant) -> str:
    """Entity id, name and attributes of every state of ours, the tracker's position left out."""
    registry = er.async_get(hass)
    ours = [
        state
        for state in hass.states.async_all()
        if (entity := registry.async_get(state.entity_id)) and entity.platform == DOMAIN
    ]
    assert ours
    return "\n".join(
        state.entity_id
        + json.dumps(
            {
                key: value
                for key, value in state.attributes.items()
                if not (state.domain == "device_tracker" and key in POSITION_ATTRIBUTES)
            },
            default=str,
        )
        for state in ours
    )


async def _setup_through_the_flow(hass: HomeAssistant) -> Any:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "mybmw"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_USERNAME: USERNAME, CONF_PASSWORD: PASSWORD, CONF_REGION: "rest_of_world"},
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_CAPTCHA_TOKEN: CAPTCHA}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    entry = result["result"]
    assert entry.state is ConfigEntryState.LOADED
    return entry


async def _run_commands(hass: HomeAssistant, entry: Any) -> None:
    for service in (SERVICE_UNLOCK, SERVICE_LOCK):
        await hass.services.async_call(
            LOCK_DOMAIN, service, {ATTR_ENTITY_ID: EV_LOCK}, blocking=True
        )
    await hass.services.async_call(
        NUMBER_DOMAIN,
        SERVICE_SET_VALUE,
        {ATTR_ENTITY_ID: "number.i4_edrive40_target_soc", ATTR_VALUE: 90},
        blocking=True,
    )
    await hass.services.async_call(
        BUTTON_DOMAIN,
        SERVICE_PRESS,
        {ATTR_ENTITY_ID: "button.i4_edrive40_find_vehicle"},
        blocking=True,
    )
    device = vehicle_device(hass, VIN)
    assert device is not None
    await hass.services.async_call(
        DOMAIN,
        "send_poi",
        {"device_id": device.id, "latitude": POI[0], "longitude": POI[1], "name": "Zq7 place"},
        blocking=True,
    )


async def _run_errors(
    hass: HomeAssistant,
    entry: Any,
    cloud: MyBMWCloud,
    monkeypatch: pytest.MonkeyPatch,
    freezer: FrozenDateTimeFactory,
) -> None:
    coordinator = entry.runtime_data
    for kind in ("500", "timeout", "malformed", "blocked"):
        rule = cloud.faults.add("state", kind)
        await coordinator.async_refresh()
        cloud.faults.remove(rule.id)
    freezer.tick(BLOCKED_RETRY_INTERVAL)  # a block pauses polling; look again when it ends
    await coordinator.async_refresh()
    assert coordinator.last_update_success

    # A failing charging command: its URL holds the VIN.
    original = cloud.handle_async

    async def refused(*args: Any, **kwargs: Any) -> Any:
        raise httpx.ConnectError("[Errno 111] Connection refused")

    monkeypatch.setattr(cloud, "handle_async", refused)
    with pytest.raises(HomeAssistantError):
        await hass.services.async_call(
            NUMBER_DOMAIN,
            SERVICE_SET_VALUE,
            {ATTR_ENTITY_ID: "number.i4_edrive40_target_soc", ATTR_VALUE: 80},
            blocking=True,
        )
    monkeypatch.setattr(cloud, "handle_async", original)
    cloud.command_results["door-unlock"] = "ERROR"
    with pytest.raises(HomeAssistantError):
        await hass.services.async_call(
            LOCK_DOMAIN, SERVICE_UNLOCK, {ATTR_ENTITY_ID: EV_LOCK}, blocking=True
        )
    cloud.command_results.clear()


async def _reauth(hass: HomeAssistant, entry: Any, cloud: MyBMWCloud) -> None:
    cloud.expire_access_tokens()
    cloud.revoke_refresh_tokens()
    await entry.runtime_data.async_refresh()
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]
    result = await hass.config_entries.flow.async_configure(
        flows[0]["flow_id"], {CONF_PASSWORD: PASSWORD}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_CAPTCHA_TOKEN: CAPTCHA + "_2"}
    )
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


async def _fingerprint(cloud: MyBMWCloud, folder: Path, tokens: list[str]) -> str:
    """Record a fingerprint with the client, as ``mybmw fingerprint`` does; return all text."""
    issued = cloud.issue_tokens(USERNAME)
    tokens.extend((issued["access_token"], issued["refresh_token"]))
    account = MyBMWAccount(USERNAME, PASSWORD, Regions.REST_OF_WORLD, log_responses=True)
    account.set_refresh_token(issued["refresh_token"], GCID)
    await account.get_vehicles()
    tokens.extend(
        t for t in (account.refresh_token, account.config.authentication.access_token) if t
    )
    assert write_fingerprint(account.get_stored_responses(), folder) > 0
    return "\n".join(
        path.name + "\n" + path.read_text(encoding="utf-8")
        for path in sorted(folder.iterdir())  # noqa: ASYNC240 - a test's temporary folder
    )


async def test_no_secret_in_logs_diagnostics_or_fingerprints(
    hass: HomeAssistant,
    cloud: MyBMWCloud,
    mock_api: respx.MockRouter,
    issued_tokens: list[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Every flow, then a search for every secret in every log line, diagnostics and files."""
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "custom_components.bmw_mybmw", "homeassistant"):
        caplog.set_level(logging.DEBUG, logger=name)
    # The bus dumps every event at DEBUG only if it saw DEBUG when it started (fixture order)
    # or when told the levels changed: tell it, so the dump is searched on every run.
    hass.bus.async_fire(EVENT_LOGGING_CHANGED)
    await hass.async_block_till_done()

    async def no_sleep(seconds: float) -> None:
        return None

    monkeypatch.setattr(client_errors, "async_sleep", no_sleep)
    hass.config.latitude, hass.config.longitude = HOME

    entry = await _setup_through_the_flow(hass)
    cloud.expire_access_tokens()  # refresh: 401, then a refresh-token login
    await entry.runtime_data.async_refresh()
    await _run_commands(hass, entry)
    assert cloud.sent_pois
    assert cloud.count("charging_command") == 1
    await _run_errors(hass, entry, cloud, monkeypatch, freezer)
    await _reauth(hass, entry, cloud)

    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    device = vehicle_device(hass, VIN)
    assert device is not None
    device_diagnostics = await async_get_device_diagnostics(hass, entry, device)
    fingerprint = await _fingerprint(cloud, tmp_path / "fingerprint", issued_tokens)

    # The flows really ran with these values, so their absence below means something.
    assert len(issued_tokens) >= 8
    sent = "\n".join(
        r.url + json.dumps(r.headers) + r.body.decode() + json.dumps(r.form())
        for r in cloud.requests
    )
    for value in (VIN, GCID, USERNAME, PASSWORD, str(POI[0]), str(HOME[0])):
        assert value in sent
    logs = _log_text(caplog, event_dump=False)
    assert "HTTP Request:" in logs  # httpx did log the request lines
    assert "/eadrax-crccs/v1/vehicles/<vin>/" in logs
    assert "/eadrax-dcs/v2/user/<gcid>/send-to-car" in logs
    events = _log_text(caplog, event_dump=True)
    assert "state_changed" in events  # the bus did dump the states of our entities

    secrets = [*FIXED_SECRETS, *issued_tokens]
    assert _leaks(logs, secrets) == []
    # The event dump repeats, as it must, what the owner asked to see or sent: the tracker's
    # position, the home zone and the POI. Nothing else secret may be in it, nor in any state.
    assert _leaks(events, [s for s in secrets if s not in POSITIONS]) == []
    assert _leaks(_states_text(hass), secrets) == []
    assert _leaks(json.dumps(diagnostics, default=str), secrets) == []
    assert _leaks(json.dumps(device_diagnostics, default=str), secrets) == []
    assert _leaks(fingerprint, secrets) == []
    assert VIN[:3] + "0FINGERPRINT01" in fingerprint


@pytest.mark.parametrize("region", ["rest_of_world", "north_america"])
async def test_no_password_in_entry_data(
    hass: HomeAssistant, cloud: MyBMWCloud, mock_api: respx.MockRouter, region: str
) -> None:
    """Regions with a captcha cannot log in unattended: the password is not kept."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "mybmw"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_USERNAME: USERNAME, CONF_PASSWORD: PASSWORD, CONF_REGION: region}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_CAPTCHA_TOKEN: f"{CAPTCHA}_{region}"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert CONF_PASSWORD not in result["data"]
    assert PASSWORD not in json.dumps(result["result"].as_dict(), default=str)
    await hass.async_block_till_done()


def test_cli_token_store_is_private(tmp_path: Path) -> None:
    """The token file holds a refresh token: owner read/write only, also when it existed."""
    path = tmp_path / "store" / "oauth.json"
    path.parent.mkdir()
    path.write_text("{}", encoding="utf-8")
    path.chmod(0o644)
    OAuthStore(path).save({"refresh_token": "rt-secret", "gcid": GCID}, {})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text(encoding="utf-8"))["refresh_token"] == "rt-secret"
    assert not list(path.parent.glob("*.tmp"))


async def test_tls_verification_is_always_on() -> None:
    """The client's own HTTP session verifies certificates and host names."""
    config = MyBMWClientConfiguration(
        MyBMWAuthentication(USERNAME, PASSWORD, Regions.REST_OF_WORLD)
    )
    async with MyBMWClient(config) as client:
        context = client.http._transport._pool._ssl_context  # type: ignore[attr-defined]
        assert context.verify_mode is ssl.CERT_REQUIRED
        assert context.check_hostname
    package = PACKAGE
    for source in package.rglob("*.py"):
        text = source.read_text(encoding="utf-8")
        assert "verify=False" not in text, source
        assert "verify_ssl=False" not in text, source


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example.com",
        "http://10.0.0.5:8080",
        "http://127.0.0.1.evil.com",
        "ftp://127.0.0.1",
    ],
)
def test_server_override_refuses_other_hosts(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    """Only this machine may stand in for BMW's servers."""
    monkeypatch.setenv(SERVER_URL_ENV, url)
    with pytest.raises(ValueError, match="loopback"):
        get_server_url(Regions.REST_OF_WORLD)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080", "http://localhost:8080", "http://[::1]:80"]
)
def test_server_override_accepts_loopback(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv(SERVER_URL_ENV, url)
    assert get_server_url(Regions.REST_OF_WORLD) == url


def test_httpx_log_lines_are_redacted(caplog: pytest.LogCaptureFixture) -> None:
    """The filter on the httpx logger rewrites VINs and gcids but keeps the line."""
    import custom_components.bmw_mybmw.mybmw.api.client  # noqa: F401 - installs the filter

    caplog.set_level(logging.INFO, logger="httpx")
    logging.getLogger("httpx").info(
        'HTTP Request: %s %s "%s"',
        "POST",
        f"https://h/eadrax-dcs/v2/user/{GCID}/send-to-car?vin={VIN}",
        "HTTP/1.1 201 Created",
    )
    assert caplog.records[-1].getMessage() == (
        "HTTP Request: POST https://h/eadrax-dcs/v2/user/<gcid>/send-to-car?vin=<vin> "
        '"HTTP/1.1 201 Created"'
    )
    assert redact_text("no identifiers here") == "no identifiers here"


def test_broken_log_record_passes_the_filter_untouched() -> None:
    """A record whose arguments do not fit its message is logging's problem, not ours."""
    from custom_components.bmw_mybmw.mybmw.api.log_redaction import RedactingFilter, install

    install()
    install()  # idempotent
    assert logging.getLogger("httpx").filters.count(logging.getLogger("httpx").filters[0]) == 1
    record = logging.LogRecord("httpx", logging.INFO, __file__, 1, "%s %s", ("one",), None)
    assert RedactingFilter().filter(record)
    assert record.args == ("one",)
