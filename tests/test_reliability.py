"""Faults survived: one case per fault, run against the integration over the simulated cloud.

Every case injects its fault, lets two scheduled polls run into it, clears it and lets
one more scheduled poll run. It observes what a user would see (entity states, log
lines, repairs/reauth flows, the stored entry) and compares that with the expectation.
Hostile-server cases that need a real socket or the CarData stream run outside Home
Assistant and add their own rows.

A test run never writes into the tree: ``test_reliability_doc_is_current`` checks that
docs/reliability.md lists every case as the cases expect it. After changing a case,
regenerate the doc with ``RELIABILITY_DOC=write pytest tests/test_reliability.py``
(it writes only when the whole module ran and passed).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
import importlib
import logging
import os
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.lock import DOMAIN as LOCK_DOMAIN
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import (
    ATTR_ENTITY_ID,
    CONF_PASSWORD,
    CONF_USERNAME,
    SERVICE_LOCK,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
)
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util
import httpx
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.bmw_mybmw.cardata.api import CarDataClient
from custom_components.bmw_mybmw.cardata.auth import CarDataAuth, CarDataTokens
from custom_components.bmw_mybmw.cardata.exceptions import CarDataConnectionError
from custom_components.bmw_mybmw.cardata.models import StreamMessage
from custom_components.bmw_mybmw.cardata.stream import CarDataStream, StreamConnectionError
from custom_components.bmw_mybmw.const import (
    CONF_CAPTCHA_TOKEN,
    CONF_REFRESH_TOKEN,
    DOMAIN,
    RELIST_INTERVAL,
)
from custom_components.bmw_mybmw.mybmw.api import errors as client_errors, transfer
from custom_components.bmw_mybmw.mybmw.api.authentication import MyBMWAuthentication
from custom_components.bmw_mybmw.mybmw.api.client import MyBMWClient, MyBMWClientConfiguration
from custom_components.bmw_mybmw.mybmw.api.regions import Regions
from custom_components.bmw_mybmw.mybmw.models import MyBMWConnectionError
from custom_components.bmw_mybmw.mybmw.vehicle.remote_services import (
    PollingPolicy,
    RemoteServices,
)
from simulator import fleet
from simulator.cloud import DEMO_PASSWORD, DEMO_USERNAME, MyBMWCloud
from tests import reliability_report
from tests.hostile_server import TricklingServer
from tests.registry_helpers import vehicle_device

EV = fleet.make_vin(1)
MINI = fleet.make_vin(4, "mini")
EV_ENTITIES = (
    "sensor.i4_edrive40_mileage",
    "sensor.i4_edrive40_remaining_battery_percent",
    "sensor.i4_edrive40_charging_status",
    "sensor.i4_edrive40_remaining_range_electric",
    "lock.i4_edrive40_lock",
    "binary_sensor.i4_edrive40_windows",
    "device_tracker.i4_edrive40",
)
OTHER_ENTITIES = (
    "sensor.x3_xdrive30e_mileage",
    "sensor.cooper_se_mileage",
    "lock.cooper_se_lock",
)
MINI_LOCK = "lock.cooper_se_lock"
MINI_PROGRESS = "sensor.cooper_se_remote_command"
OUR_LOGGERS = ("custom_components.bmw_mybmw",)
START = "2025-06-02T09:00:00+00:00"
FOREIGN_HOST = "gcdm.evil.example"
WRITE_DOC = os.environ.get("RELIABILITY_DOC") == "write"

# ------------------------------------------------------------------------ outcome model


@dataclass(frozen=True)
class Outcome:
    """What a user sees during and after one fault; compared field by field."""

    during: str = "entities unavailable"
    logged: str = "logged once"
    reauth: bool = False
    recovery: str = "recovers by itself"
    entry_kept: bool = True
    loaded: bool = True
    detail: str = ""

    def render(self) -> str:
        """One line for the report."""
        parts = [
            "stays loaded" if self.loaded else "NOT LOADED",
            self.during,
            self.logged,
            "reauth started" if self.reauth else "no reauth",
            self.recovery,
            "entry data and refresh token kept" if self.entry_kept else "ENTRY DATA OR TOKEN LOST",
        ]
        return "; ".join(parts + ([self.detail] if self.detail else []))


@dataclass
class Ctx:
    """Everything a case needs to inject, observe and clear its fault."""

    hass: HomeAssistant
    entry: MockConfigEntry
    cloud: MyBMWCloud
    freezer: FrozenDateTimeFactory
    caplog: pytest.LogCaptureFixture
    monkeypatch: pytest.MonkeyPatch
    waits: list[float] = field(default_factory=list)
    baseline: dict[str, str] = field(default_factory=dict)
    marks: dict[str, Any] = field(default_factory=dict)

    @property
    def coordinator(self) -> Any:
        return self.entry.runtime_data

    def states(self, entity_ids: tuple[str, ...]) -> dict[str, str]:
        return {
            entity_id: state.state if (state := self.hass.states.get(entity_id)) else "absent"
            for entity_id in entity_ids
        }

    async def poll(self, at_least_until: datetime | None = None) -> None:
        """Let time pass until the next scheduled poll (or a given moment) and run it."""
        interval = self.coordinator.update_interval or timedelta(hours=1)
        target = dt_util.utcnow() + interval + timedelta(seconds=1)
        if at_least_until is not None and at_least_until + timedelta(seconds=1) > target:
            target = at_least_until + timedelta(seconds=1)
        self.freezer.move_to(target)
        self.marks.setdefault("polled_at", []).append(target)
        async_fire_time_changed(self.hass, target)
        stalled: asyncio.Event | None = self.marks.get("stalled")
        while stalled is not None and await _reached(stalled):
            # The update hangs on a server that never finishes its answer: let the
            # request deadline pass on the frozen clock, for each car in turn.
            stalled.clear()
            self.freezer.tick(timedelta(seconds=transfer.REQUEST_DEADLINE_SECONDS + 1))
        await self.hass.async_block_till_done()

    def problems_logged(self, since: int) -> int:
        return sum(
            1
            for record in self.caplog.records[since:]
            if record.levelno >= logging.WARNING and record.name.startswith(OUR_LOGGERS)
        )

    def reauth_flows(self) -> list[Any]:
        return [
            flow
            for flow in self.hass.config_entries.flow.async_progress_by_handler(DOMAIN)
            if flow["context"]["source"] == "reauth"
        ]


Step = Callable[[Ctx], Awaitable[None] | None]


async def _reached(event: asyncio.Event) -> bool:
    """Whether the loop runs into ``event`` soon (no real waiting: the clock is frozen)."""
    for _ in range(2_000):
        if event.is_set():
            return True
        await asyncio.sleep(0)
    return False


@dataclass(frozen=True)
class Case:
    """One row of the matrix."""

    id: str
    fault: str
    inject: Step
    expected: Outcome
    clear: Step | None = None
    scenario: str = "poll"  # poll | command | vanish | revoke


async def _run_step(step: Step | None, ctx: Ctx) -> None:
    if step is None:
        return
    result = step(ctx)
    if result is not None:
        await result


# ----------------------------------------------------------------------- fault helpers


def fault(match: str, kind: str, times: int | None = None, **kwargs: Any) -> Step:
    def inject(ctx: Ctx) -> None:
        ctx.marks["rule"] = ctx.cloud.faults.add(match, kind, times, **kwargs)

    return inject


def clear_fault(ctx: Ctx) -> None:
    ctx.cloud.faults.clear()


def refuse_connections(ctx: Ctx) -> None:
    original = ctx.cloud.handle_async

    async def refused(*args: Any, **kwargs: Any) -> Any:
        raise httpx.ConnectError("[Errno 111] Connection refused")

    ctx.marks["original_handler"] = original
    ctx.monkeypatch.setattr(ctx.cloud, "handle_async", refused)


def accept_connections(ctx: Ctx) -> None:
    ctx.monkeypatch.setattr(ctx.cloud, "handle_async", ctx.marks["original_handler"])


def stall_state(ctx: Ctx) -> None:
    """The state call's answer never completes (a slow-loris server, seen from the client)."""
    original = ctx.cloud.handle_async
    stalled = asyncio.Event()

    async def never_answers(method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        if "/vehicles/state" in url:
            stalled.set()
            await asyncio.Event().wait()
        return await original(method, url, *args, **kwargs)

    ctx.marks["original_handler"] = original
    ctx.marks["stalled"] = stalled
    ctx.monkeypatch.setattr(ctx.cloud, "handle_async", never_answers)


def answer_again(ctx: Ctx) -> None:
    ctx.marks.pop("stalled")
    accept_connections(ctx)


def foreign_token_endpoint(ctx: Ctx) -> None:
    """The OAuth config names another host while a token refresh is due."""
    original = ctx.cloud._oauth_config

    def hostile(base: str) -> dict[str, Any]:
        return {**original(base), "tokenEndpoint": f"https://{FOREIGN_HOST}/gcdm/oauth/token"}

    sent_to: list[str] = ctx.marks.setdefault("sent_to", [])
    send = httpx.AsyncClient.send

    async def spy(client: httpx.AsyncClient, request: httpx.Request, **kwargs: Any) -> Any:
        sent_to.append(request.url.host)
        return await send(client, request, **kwargs)

    ctx.monkeypatch.setattr(httpx.AsyncClient, "send", spy)
    ctx.marks["original_config"] = original
    ctx.monkeypatch.setattr(ctx.cloud, "_oauth_config", hostile)
    ctx.cloud.expire_access_tokens()


def own_token_endpoint(ctx: Ctx) -> None:
    ctx.monkeypatch.setattr(ctx.cloud, "_oauth_config", ctx.marks["original_config"])


def mangle_state(ctx: Ctx) -> None:
    """Delete and null keys the EV's sensors are built from."""
    st = ctx.cloud.vehicle(EV).st
    ctx.marks["saved_state"] = {"electricChargingState": dict(st["electricChargingState"])}
    del st["electricChargingState"]["range"]
    st["electricChargingState"]["chargingLevelPercent"] = None


def restore_state(ctx: Ctx) -> None:
    st = ctx.cloud.vehicle(EV).st
    st.update(ctx.marks["saved_state"])


def unknown_enums(ctx: Ctx) -> None:
    """Values the API may add without notice."""
    st = ctx.cloud.vehicle(EV).st
    ctx.marks["saved_enums"] = (
        st["electricChargingState"]["chargingStatus"],
        st["doorsState"]["combinedSecurityState"],
    )
    st["electricChargingState"]["chargingStatus"] = "WARP_CHARGING"
    st["doorsState"]["combinedSecurityState"] = "QUANTUM_LOCKED"


def known_enums(ctx: Ctx) -> None:
    st = ctx.cloud.vehicle(EV).st
    status, security = ctx.marks["saved_enums"]
    st["electricChargingState"]["chargingStatus"] = status
    st["doorsState"]["combinedSecurityState"] = security


def remove_ev_from_account(ctx: Ctx) -> None:
    ctx.cloud.accounts[DEMO_USERNAME].vins = [vin for vin in ctx.cloud.vehicles if vin != EV]


@dataclass(frozen=True)
class FrozenClockPolling(PollingPolicy):
    """The real polling schedule, with the frozen clock moved on instead of sleeping."""

    freezer: Any = None

    def delays(self) -> Iterator[float]:
        for delay in super().delays():
            self.freezer.tick(delay)
            yield 0


def command_result(result: str) -> Step:
    def inject(ctx: Ctx) -> None:
        ctx.monkeypatch.setattr(RemoteServices, "polling", FrozenClockPolling(freezer=ctx.freezer))
        ctx.cloud.command_results["door-lock"] = result

    return inject


def command_result_clear(ctx: Ctx) -> None:
    ctx.cloud.command_results.clear()


def revoke(ctx: Ctx) -> None:
    ctx.cloud.expire_access_tokens()
    ctx.cloud.revoke_refresh_tokens()


DATA_FAULT = Outcome()
UPDATE_FAILED = replace(DATA_FAULT, detail="error update_failed")
ABSORBED = Outcome(during="entities keep last state", logged="not logged", recovery="no outage")

CASES: tuple[Case, ...] = (
    Case(
        "429-retry-after",
        "429 with a `Retry-After: 7` header (twice)",
        fault("state", "429", 2, retry_after=7),
        replace(ABSORBED, detail="waited 7 s, 7 s as told, then the poll succeeded"),
        clear_fault,
    ),
    Case(
        "429-text",
        "429 'Rate limit is exceeded. Try again in 5 seconds.' (twice)",
        fault("state", "429", 2, seconds=5),
        replace(ABSORBED, detail="waited 5 s, 5 s as told, then the poll succeeded"),
        clear_fault,
    ),
    Case(
        "429-persistent",
        "429 'Try again in 5 seconds' that does not stop",
        fault("state", "429", seconds=5),
        replace(DATA_FAULT, detail="error quota_exceeded; 4 attempts per poll, no more"),
        clear_fault,
    ),
    Case(
        "403-quota",
        "403 'Out of call volume quota. Quota will be replenished in HH:MM:SS.'",
        fault("state", "quota"),
        replace(
            DATA_FAULT,
            detail="error quota_exceeded with the replenish time; no request sent until then",
        ),
        clear_fault,
    ),
    Case(
        "401-mid-refresh",
        "401 (access token expired) in the middle of a refresh",
        fault("charging_details", "401", 1),
        replace(
            ABSORBED,
            detail="one refresh-token login, no password login; the rotated token is stored",
        ),
        clear_fault,
    ),
    Case(
        "refresh-token-revoked",
        "refresh token revoked (invalid_grant) while the access token expired",
        revoke,
        Outcome(
            reauth=True,
            recovery="recovers after the user re-authenticates",
            detail="error auth_failed; one reauth flow; no password stored",
        ),
        None,
        "revoke",
    ),
    Case(
        "500",
        "500 INTERNAL SERVER ERROR",
        fault("state", "500"),
        UPDATE_FAILED,
        clear_fault,
    ),
    Case(
        "502",
        "502 Bad Gateway",
        fault("state", "502"),
        UPDATE_FAILED,
        clear_fault,
    ),
    Case(
        "503",
        "503 Service Unavailable",
        fault("state", "503"),
        UPDATE_FAILED,
        clear_fault,
    ),
    Case(
        "connection-refused",
        "connection refused",
        refuse_connections,
        UPDATE_FAILED,
        accept_connections,
    ),
    Case(
        "timeout",
        "read timeout",
        fault("state", "timeout"),
        UPDATE_FAILED,
        clear_fault,
    ),
    Case(
        "malformed",
        "malformed JSON (200 with an HTML body)",
        fault("state", "malformed"),
        UPDATE_FAILED,
        clear_fault,
    ),
    Case(
        "truncated",
        "truncated body (the real answer cut in half)",
        fault("state", "truncated"),
        UPDATE_FAILED,
        clear_fault,
    ),
    Case(
        "empty",
        "empty body (200, no content)",
        fault("state", "empty"),
        UPDATE_FAILED,
        clear_fault,
    ),
    Case(
        "slow-loris",
        "the state answer never completes (a server trickling bytes)",
        stall_state,
        replace(DATA_FAULT, detail="error update_failed; the request gave up after 60 s"),
        answer_again,
    ),
    Case(
        "gzip-bomb",
        "gzip bomb: 64 kB on the wire that inflate to 64 MiB",
        fault("state", "gzip_bomb"),
        replace(
            DATA_FAULT,
            detail="error update_failed; reading stopped at the 4 MiB cap "
            "(MyBMWResponseTooLargeError)",
        ),
        clear_fault,
    ),
    Case(
        "absurd-countdown",
        "403 quota with the countdown '99999999:00:00'",
        fault("state", "absurd_quota"),
        replace(
            DATA_FAULT,
            detail="error quota_exceeded with the replenish time; paused 48 h (the countdown "
            "clamped); no request sent until then",
        ),
        clear_fault,
    ),
    Case(
        "foreign-token-endpoint",
        f"OAuth config names `https://{FOREIGN_HOST}` as token endpoint while the access "
        "token expired",
        foreign_token_endpoint,
        replace(DATA_FAULT, detail="error update_failed; nothing sent to the foreign host"),
        own_token_endpoint,
    ),
    Case(
        "missing-null-keys",
        "missing key (`electricChargingState.range`) and null key (`chargingLevelPercent`)",
        mangle_state,
        Outcome(
            during="sensor.i4_edrive40_remaining_battery_percent and "
            "sensor.i4_edrive40_remaining_range_electric unknown, "
            "every other entity keeps its state",
            logged="not logged",
            recovery="values return at the next poll",
        ),
        restore_state,
    ),
    Case(
        "unknown-enums",
        "unknown enum values (`chargingStatus`, `combinedSecurityState`)",
        unknown_enums,
        Outcome(
            during="lock.i4_edrive40_lock and sensor.i4_edrive40_charging_status unknown, "
            "every other entity keeps its state",
            logged="not logged",
            recovery="values return at the next poll",
        ),
        known_enums,
    ),
    Case(
        "blocked",
        "489 'Blocked' on every call (September 2025 block)",
        fault("*", "blocked"),
        replace(DATA_FAULT, detail="error blocked"),
        clear_fault,
    ),
    Case(
        "vehicle-disappears",
        "a vehicle disappears from the account",
        remove_ev_from_account,
        Outcome(
            during="its entities keep their last state until the daily re-listing, "
            "then its device is removed; other vehicles unaffected",
            logged="logged once",
            recovery="no outage for the other vehicles",
        ),
        None,
        "vanish",
    ),
    Case(
        "command-pending",
        "remote command stuck in PENDING",
        command_result("PENDING"),
        Outcome(
            during="the action fails with command_failed; the lock keeps its state; "
            "progress sensor shows error",
            logged="not logged (the error goes to the caller)",
            recovery="next command succeeds",
        ),
        command_result_clear,
        "command",
    ),
    Case(
        "command-error",
        "remote command ending in ERROR",
        command_result("ERROR"),
        Outcome(
            during="the action fails with command_failed; the lock keeps its state; "
            "progress sensor shows error",
            logged="not logged (the error goes to the caller)",
            recovery="next command succeeds",
        ),
        command_result_clear,
        "command",
    ),
)

# Hostile-server cases outside Home Assistant: id -> (what is injected, what is expected).
# Their tests below observe the outcome and add the row.
SLOW_LORIS = (
    "slow-loris over a real loopback socket: one byte of the status line every 0.2 s",
    "the MyBMW data call, the MyBMW token request, the CarData REST call and the CarData "
    "token refresh each give up at their deadline with a connection error; the login lock "
    "is free again; tokens kept",
)
STREAM_STORM = (
    "CarData broker ends every session right after one message (a second client with the same id)",
    "every message still delivered; 19 sessions in the first hour (not ~800); waits grow to "
    "the 5-minute cap, never under 30 s; tokens kept",
)
EXTRA_CASES: dict[str, tuple[str, str]] = {"slow-loris-socket": SLOW_LORIS}
EXTRA_CASES["stream-storm"] = STREAM_STORM

ROWS: dict[str, tuple[str, str, str]] = {}


def matrix_ids() -> list[str]:
    """Every row of the matrix, in order."""
    return [case.id for case in CASES] + list(EXTRA_CASES)


def expected_rows() -> list[tuple[str, str, str]]:
    """The matrix a passing run writes: each row observed as expected (the tests assert it)."""
    rows = [(case.fault, case.expected.render(), case.expected.render()) for case in CASES]
    rows += [(fault, expected, expected) for fault, expected in EXTRA_CASES.values()]
    return rows


def matrix_section(rows: list[tuple[str, str, str]]) -> str:
    return reliability_report.table(("Fault", "Expected", "Observed"), rows)


@pytest.fixture(scope="module", autouse=True)
def write_report() -> Iterator[None]:
    """With RELIABILITY_DOC=write: after the module, write what was observed.

    Only when every row ran and passed; a normal test run writes nothing.
    """
    yield
    if not WRITE_DOC or set(ROWS) != set(matrix_ids()):
        return
    rows = [ROWS[row_id] for row_id in matrix_ids()]
    if any(observed != expected for _, expected, observed in rows):
        return
    reliability_report.update_section("matrix", matrix_section(rows))
    reliability_report.update_section("redaction", reliability_report.redaction_section())
    reliability_report.update_section("elsewhere", reliability_report.elsewhere_section())


def test_reliability_doc_is_current() -> None:
    """docs/reliability.md lists every case as the cases expect it (regenerate: see the top)."""
    text = reliability_report.DOC.read_text(encoding="utf-8")
    for name, body in (
        ("matrix", matrix_section(expected_rows())),
        ("redaction", reliability_report.redaction_section()),
        ("elsewhere", reliability_report.elsewhere_section()),
    ):
        assert reliability_report.section(text, name) == body, (
            f"docs/reliability.md is out of date ({name}); run "
            "RELIABILITY_DOC=write pytest tests/test_reliability.py"
        )


@pytest.mark.parametrize("row", reliability_report.ELSEWHERE, ids=lambda row: row[2])
def test_faults_proven_elsewhere_name_real_tests(row: tuple[str, str, str]) -> None:
    """Every test the matrix points to exists, so the row cannot outlive its proof."""
    path, *names = row[2].split("::")
    module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
    target: object = module
    for name in names:
        target = getattr(target, name)
    assert callable(target)


@pytest.fixture
def start_time(freezer: FrozenDateTimeFactory) -> FrozenDateTimeFactory:
    """A fixed start far from midnight UTC, when the simulated quota resets."""
    freezer.move_to(START)
    return freezer


@pytest.fixture
def retry_waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record 429 waits instead of sleeping through them."""
    waits: list[float] = []

    async def no_sleep(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr(client_errors, "async_sleep", no_sleep)
    return waits


# ------------------------------------------------------------------------- observers


def _entry_kept(ctx: Ctx, before: dict[str, Any]) -> bool:
    data = dict(ctx.entry.data)
    token = data.pop(CONF_REFRESH_TOKEN, None)
    expected = {k: v for k, v in before.items() if k != CONF_REFRESH_TOKEN}
    account = ctx.coordinator.account if ctx.entry.state is ConfigEntryState.LOADED else None
    return (
        data == expected
        and CONF_PASSWORD not in data
        and bool(token)
        and (account is None or token == account.refresh_token)
        # The stored token is one the cloud will still accept (rotation persisted).
        and token in ctx.cloud._refresh
    )


def _describe_states(ctx: Ctx, now: dict[str, str]) -> str:
    ev = {k: v for k, v in now.items() if k in EV_ENTITIES}
    others = {k: v for k, v in now.items() if k not in EV_ENTITIES}
    if all(v == STATE_UNAVAILABLE for v in now.values()):
        return "entities unavailable"
    if now == ctx.baseline:
        return "entities keep last state"
    changed = sorted(k for k in ev if ev[k] != ctx.baseline[k])
    others_kept = all(others[k] == ctx.baseline[k] for k in others)
    if others_kept and changed and all(ev[k] == STATE_UNKNOWN for k in changed):
        return " and ".join(changed) + " unknown, every other entity keeps its state"
    changes = [f"{k}={now[k]}" for k in sorted(now) if now[k] != ctx.baseline[k]]
    return "changed: " + ", ".join(changes)


def _logged(first: int, second: int) -> str:
    if first == 0 and second == 0:
        return "not logged"
    if first == 1 and second == 0:
        return "logged once"
    return f"logged {first} then {second} times"


def _error_key(ctx: Ctx) -> str:
    err = ctx.coordinator.last_exception
    return getattr(err, "translation_key", None) or type(err).__name__


# --------------------------------------------------------------------------- scenarios


async def _poll_scenario(ctx: Ctx, case: Case) -> Outcome:
    before = dict(ctx.entry.data)
    watched = EV_ENTITIES + OTHER_ENTITIES
    requests_before = len(ctx.cloud.requests)
    await _run_step(case.inject, ctx)

    mark = len(ctx.caplog.records)
    await ctx.poll()
    first_logged = ctx.problems_logged(mark)
    during = _describe_states(ctx, ctx.states(watched))
    failed = not ctx.coordinator.last_update_success
    error = _error_key(ctx) if failed else ""
    ctx.marks["first_error"] = ctx.coordinator.last_exception if failed else None
    after_first = len(ctx.cloud.requests)
    retry_at = ctx.coordinator.account.config.authentication.quota_retry_at
    ctx.marks["retry_at"] = retry_at

    mark = len(ctx.caplog.records)
    await ctx.poll()
    second_logged = ctx.problems_logged(mark)
    after_second = len(ctx.cloud.requests)
    failed = failed or not ctx.coordinator.last_update_success
    reauth = bool(ctx.reauth_flows())

    await _run_step(case.clear, ctx)
    await ctx.poll(at_least_until=retry_at)
    recovered_states = ctx.states(watched)
    if not failed and during == "entities keep last state":
        recovery = "no outage"
    elif ctx.coordinator.last_update_success and recovered_states == ctx.baseline:
        recovery = "values return at the next poll" if not failed else "recovers by itself"
    elif ctx.coordinator.last_update_success and all(
        v != STATE_UNAVAILABLE for v in recovered_states.values()
    ):
        recovery = "recovers by itself"
    else:
        recovery = "does not recover"

    detail = _poll_detail(ctx, case, error, requests_before, after_first, after_second)
    return Outcome(
        during=during,
        logged=_logged(first_logged, second_logged),
        reauth=reauth,
        recovery=recovery,
        entry_kept=_entry_kept(ctx, before),
        loaded=ctx.entry.state is ConfigEntryState.LOADED,
        detail=detail,
    )


def _poll_detail(
    ctx: Ctx, case: Case, error: str, start: int, after_first: int, after_second: int
) -> str:
    requests = ctx.cloud.requests
    if case.id == "gzip-bomb":
        cause = getattr(ctx.marks.get("first_error"), "__cause__", None)
        cap = "reading stopped at the 4 MiB cap" if "4 MiB" in str(cause) else "not capped"
        return f"error {error}; {cap} ({type(cause).__name__})"
    if case.id == "slow-loris":
        cause = getattr(ctx.marks.get("first_error"), "__cause__", None)
        gave_up = f"within {transfer.REQUEST_DEADLINE_SECONDS:g} s" in str(cause)
        return f"error {error}; " + (
            f"the request gave up after {transfer.REQUEST_DEADLINE_SECONDS:g} s"
            if gave_up
            else f"the request ended otherwise ({cause})"
        )
    if case.id == "absurd-countdown":
        retry_at = ctx.marks["retry_at"]
        during_pause = sum(1 for r in requests[after_first:after_second] if r.time < retry_at)
        told = "with the replenish time" if "retry_at" in _placeholders(ctx) else ""
        hours = round((retry_at - ctx.marks["polled_at"][0]).total_seconds() / 3600)
        sent = "no request sent until then" if during_pause == 0 else f"{during_pause} sent"
        return f"error {error} {told}; paused {hours} h (the countdown clamped); {sent}"
    if case.id == "foreign-token-endpoint":
        sent = ctx.marks["sent_to"].count(FOREIGN_HOST)
        return f"error {error}; " + (
            "nothing sent to the foreign host" if sent == 0 else f"{sent} request(s) to it"
        )
    if case.id in ("429-retry-after", "429-text"):
        waits = ", ".join(f"{w:g} s" for w in ctx.waits)
        ok = "the poll succeeded" if not error else f"error {error}"
        return f"waited {waits} as told, then {ok}"
    if case.id == "429-persistent":
        attempts = sum(1 for r in requests[start:after_first] if r.endpoint == "state")
        return f"error {error}; {attempts} attempts per poll, no more"
    if case.id == "403-quota":
        retry_at = ctx.marks["retry_at"]
        during_pause = sum(1 for r in requests[after_first:after_second] if r.time < retry_at)
        told = "with the replenish time" if "retry_at" in _placeholders(ctx) else ""
        sent = "no request sent until then" if during_pause == 0 else f"{during_pause} sent"
        return f"error {error} {told}; {sent}".replace("  ", " ")
    if case.id == "401-mid-refresh":
        window = requests[start:after_first]
        refreshes = sum(
            1
            for r in window
            if r.endpoint == "token" and r.form().get("grant_type") == "refresh_token"
        )
        passwords = sum(1 for r in window if r.endpoint == "authenticate")
        stored = ctx.entry.data[CONF_REFRESH_TOKEN] == ctx.coordinator.account.refresh_token
        return (
            f"{'one' if refreshes == 1 else refreshes} refresh-token login, "
            f"{passwords or 'no'} password login; "
            f"the rotated token is {'stored' if stored else 'NOT stored'}"
        )
    return f"error {error}" if error else ""


def _placeholders(ctx: Ctx) -> set[str]:
    err = ctx.marks.get("first_error")
    return set(getattr(err, "translation_placeholders", None) or {})


async def _revoke_scenario(ctx: Ctx, case: Case) -> Outcome:
    before = dict(ctx.entry.data)
    watched = EV_ENTITIES + OTHER_ENTITIES
    await _run_step(case.inject, ctx)
    mark = len(ctx.caplog.records)
    await ctx.poll()
    first_logged = ctx.problems_logged(mark)
    during = _describe_states(ctx, ctx.states(watched))
    error = _error_key(ctx)
    mark = len(ctx.caplog.records)
    await ctx.poll()
    second_logged = ctx.problems_logged(mark)
    flows = ctx.reauth_flows()
    reauth_count = len(flows)

    # The user re-authenticates: password, then a fresh captcha.
    recovery = "does not recover"
    if flows:
        hass = ctx.hass
        result = await hass.config_entries.flow.async_configure(
            flows[0]["flow_id"], {CONF_PASSWORD: DEMO_PASSWORD}
        )
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_CAPTCHA_TOKEN: "P1_reliability_captcha"}
        )
        await hass.async_block_till_done()
        if (
            result["type"] is FlowResultType.ABORT
            and ctx.entry.state is ConfigEntryState.LOADED
            and ctx.coordinator.last_update_success
            and all(v != STATE_UNAVAILABLE for v in ctx.states(watched).values())
        ):
            recovery = "recovers after the user re-authenticates"
    stored_password = CONF_PASSWORD in ctx.entry.data
    return Outcome(
        during=during,
        logged=_logged(first_logged, second_logged),
        reauth=reauth_count > 0,
        recovery=recovery,
        entry_kept=_entry_kept(ctx, before),
        loaded=ctx.entry.state is ConfigEntryState.LOADED,
        detail=f"error {error}; {'one' if reauth_count == 1 else reauth_count} reauth flow; "
        + ("password STORED" if stored_password else "no password stored"),
    )


async def _vanish_scenario(ctx: Ctx, case: Case) -> Outcome:
    before = dict(ctx.entry.data)
    await _run_step(case.inject, ctx)
    mark = len(ctx.caplog.records)
    await ctx.poll()
    first_logged = ctx.problems_logged(mark)
    ev_kept = ctx.states(EV_ENTITIES) == {k: ctx.baseline[k] for k in EV_ENTITIES}
    mark = len(ctx.caplog.records)
    await ctx.poll()
    second_logged = ctx.problems_logged(mark)
    others_ok = ctx.states(OTHER_ENTITIES) == {k: ctx.baseline[k] for k in OTHER_ENTITIES}

    # The daily re-listing notices the vehicle is gone.
    ctx.freezer.tick(RELIST_INTERVAL)
    await ctx.poll()
    removed = vehicle_device(ctx.hass, EV) is None
    others_ok = others_ok and ctx.states(OTHER_ENTITIES) == {
        k: ctx.baseline[k] for k in OTHER_ENTITIES
    }
    parts = [
        "its entities keep their last state until the daily re-listing"
        if ev_kept
        else "its entities CHANGED before the re-listing",
        "then its device is removed" if removed else "its device is NOT removed",
        "other vehicles unaffected" if others_ok else "other vehicles AFFECTED",
    ]
    return Outcome(
        during=", ".join(parts[:2]) + "; " + parts[2],
        logged=_logged(first_logged, second_logged),
        reauth=bool(ctx.reauth_flows()),
        recovery="no outage for the other vehicles"
        if ctx.coordinator.last_update_success and others_ok
        else "OUTAGE",
        entry_kept=_entry_kept(ctx, before),
        loaded=ctx.entry.state is ConfigEntryState.LOADED,
    )


async def _command_scenario(ctx: Ctx, case: Case) -> Outcome:
    before = dict(ctx.entry.data)
    hass = ctx.hass
    lock_before = hass.states.get(MINI_LOCK).state
    await _run_step(case.inject, ctx)
    mark = len(ctx.caplog.records)
    failure = "the action succeeded"
    try:
        await hass.services.async_call(
            LOCK_DOMAIN, SERVICE_LOCK, {ATTR_ENTITY_ID: MINI_LOCK}, blocking=True
        )
    except HomeAssistantError as err:
        failure = f"the action fails with {err.translation_key}"
    await hass.async_block_till_done()
    logged = ctx.problems_logged(mark)
    lock_now = hass.states.get(MINI_LOCK).state
    progress = hass.states.get(MINI_PROGRESS).state
    during = "; ".join(
        [
            failure,
            "the lock keeps its state" if lock_now == lock_before else f"the lock shows {lock_now}",
            f"progress sensor shows {progress}",
        ]
    )
    await _run_step(case.clear, ctx)
    await hass.services.async_call(
        LOCK_DOMAIN, SERVICE_LOCK, {ATTR_ENTITY_ID: MINI_LOCK}, blocking=True
    )
    ok = hass.states.get(MINI_LOCK).state == "locked"
    return Outcome(
        during=during,
        logged="not logged (the error goes to the caller)" if logged == 0 else f"logged {logged}",
        reauth=bool(ctx.reauth_flows()),
        recovery="next command succeeds" if ok else "next command FAILS",
        entry_kept=_entry_kept(ctx, before),
        loaded=ctx.entry.state is ConfigEntryState.LOADED,
    )


SCENARIOS = {
    "poll": _poll_scenario,
    "revoke": _revoke_scenario,
    "vanish": _vanish_scenario,
    "command": _command_scenario,
}


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
async def test_fault(
    start_time: FrozenDateTimeFactory,
    hass: HomeAssistant,
    retry_waits: list[float],
    init_integration: MockConfigEntry,
    cloud: MyBMWCloud,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    case: Case,
) -> None:
    """The integration survives the fault and recovers on its own once it clears."""
    caplog.set_level(logging.DEBUG)
    ctx = Ctx(hass, init_integration, cloud, start_time, caplog, monkeypatch, waits=retry_waits)
    ctx.baseline = ctx.states(EV_ENTITIES + OTHER_ENTITIES)
    assert STATE_UNAVAILABLE not in ctx.baseline.values()
    assert "absent" not in ctx.baseline.values()
    observed = await SCENARIOS[case.scenario](ctx, case)
    ROWS[case.id] = (case.fault, case.expected.render(), observed.render())
    assert observed == case.expected, (
        f"\nexpected {case.expected.render()}\nobserved {observed.render()}"
    )


# ------------------------------------------------------------ hostile servers, no hass


def _cardata_tokens(*, access_valid: bool) -> CarDataTokens:
    now = datetime.now(UTC)
    access_expiry = now + (timedelta(hours=1) if access_valid else -timedelta(minutes=1))
    return CarDataTokens(
        access_token="cd-access",
        refresh_token="cd-refresh",
        id_token="cd-id",
        gcid="cd-gcid",
        access_token_expires_at=access_expiry,
        id_token_expires_at=now + timedelta(days=30),
        refresh_token_expires_at=now + timedelta(days=14),
    )


async def _gives_up(call: Awaitable[Any], error: type[Exception]) -> str:
    """How one call against the trickling server ended (bounded, so no hang on failure)."""
    try:
        await asyncio.wait_for(call, 15)
    except error as err:
        return "deadline" if "within 1 s" in str(err) else f"other {type(err).__name__}"
    except TimeoutError:
        return "HUNG"
    return "answered"


async def test_slow_loris_socket(socket_enabled: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each kind of request gives up at its overall deadline on a trickling real server."""
    monkeypatch.setattr(transfer, "REQUEST_DEADLINE_SECONDS", 1.0)
    async with TricklingServer(interval=0.2) as server:
        monkeypatch.setenv("MYBMW_SERVER_URL", server.url)
        config_body = (
            '{"clientId": "id", "clientSecret": "secret", "returnUrl": "x://oauth", '
            f'"tokenEndpoint": "{server.url}/gcdm/oauth/token", "scopes": ["openid"]}}'
        )
        server.answers["/eadrax-ucs/v1/presentation/oauth/config"] = config_body.encode()
        future = datetime.now(UTC) + timedelta(hours=1)
        with_token = MyBMWAuthentication(
            "u", "p", Regions.REST_OF_WORLD, access_token="a", expires_at=future
        )
        async with MyBMWClient(MyBMWClientConfiguration(with_token)) as client:
            data_call = await _gives_up(client.get("/state"), MyBMWConnectionError)
        needs_login = MyBMWAuthentication("u", "p", Regions.REST_OF_WORLD, refresh_token="r")
        async with MyBMWClient(MyBMWClientConfiguration(needs_login)) as client:
            token_call = await _gives_up(client.get("/state"), MyBMWConnectionError)
        lock_free = not needs_login.login_lock.locked()
        kept = needs_login.refresh_token == "r"

        async with httpx.AsyncClient() as http:
            fresh = CarDataAuth("client", tokens=_cardata_tokens(access_valid=True))
            api = CarDataClient(fresh, httpx_client=http, base_url=server.url)
            rest_call = await _gives_up(api.get_mappings(), CarDataConnectionError)
            stale = CarDataAuth(
                "client",
                tokens=_cardata_tokens(access_valid=False),
                httpx_client=http,
                base_url=server.url,
            )
            refresh_call = await _gives_up(stale.refresh(), CarDataConnectionError)
            kept = kept and stale.tokens is not None and stale.tokens.refresh_token == "cd-refresh"
        trickled = sorted(set(server.trickled))

    outcomes = {
        "the MyBMW data call": data_call,
        "the MyBMW token request": token_call,
        "the CarData REST call": rest_call,
        "the CarData token refresh": refresh_call,
    }
    if all(outcome == "deadline" for outcome in outcomes.values()):
        observed = ", ".join(outcomes) + " each give up at their deadline with a connection error"
        observed = observed.replace(", the CarData token", " and the CarData token")
    else:
        observed = "; ".join(f"{name}: {outcome}" for name, outcome in outcomes.items())
    observed += "; the login lock is free again" if lock_free else "; the login lock is HELD"
    observed += "; tokens kept" if kept else "; TOKENS LOST"
    assert trickled == ["/customers/vehicles/mappings", "/gcdm/oauth/token", "/state"]
    ROWS["slow-loris-socket"] = (SLOW_LORIS[0], SLOW_LORIS[1], observed)
    assert observed == SLOW_LORIS[1]


async def test_stream_storm() -> None:
    """A broker that drops each session after one message is not reconnected to in a loop."""
    clock = [datetime(2025, 6, 2, 9, 0, tzinfo=UTC)]
    start = clock[0]
    waits: list[float] = []
    messages: list[StreamMessage] = []
    sessions_in_first_hour = 0

    class OneMessageThenDrop:
        delivered = False

        async def connect(self, host: str, port: int, username: str, password: str) -> None:
            nonlocal sessions_in_first_hour
            if clock[0] - start < timedelta(hours=1):
                sessions_in_first_hour += 1

        async def subscribe(self, topic: str) -> None:
            return

        async def next_message(self) -> tuple[str, bytes]:
            if self.delivered:
                raise StreamConnectionError("Stream connection closed by the broker")
            self.delivered = True
            return "cd-gcid/WBA0STORM00000001", b'{"vin": "WBA0STORM00000001", "data": {}}'

        async def disconnect(self) -> None:
            return

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        clock[0] += timedelta(seconds=seconds)
        if clock[0] - start > timedelta(hours=2):
            await stream.stop()

    tokens = _cardata_tokens(access_valid=True)
    auth = CarDataAuth("client", tokens=tokens, now=lambda: clock[0])
    stream = CarDataStream(
        auth,
        messages.append,
        connection_factory=OneMessageThenDrop,
        now=lambda: clock[0],
        sleep=sleep,
        rand=lambda: 0.5,
    )
    await asyncio.wait_for(stream.run(), 10)
    every_delivered = len(messages) == stream.sessions
    parts = [
        "every message still delivered" if every_delivered else "MESSAGES LOST",
        f"{sessions_in_first_hour} sessions in the first hour"
        + (" (not ~800)" if sessions_in_first_hour < 100 else ""),
        "waits grow to the 5-minute cap, never under 30 s"
        if max(waits) >= 0.8 * 300 and min(waits) >= 30
        else f"waits between {min(waits):g} and {max(waits):g} s",
        "tokens kept" if auth.tokens is tokens else "TOKENS CHANGED",
    ]
    observed = "; ".join(parts)
    ROWS["stream-storm"] = (STREAM_STORM[0], STREAM_STORM[1], observed)
    assert observed == STREAM_STORM[1]


async def test_restart_resumes_with_the_refresh_token(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud: MyBMWCloud
) -> None:
    """A Home Assistant restart logs in with the stored refresh token only, never a password."""
    entry = init_integration
    stored = entry.data[CONF_REFRESH_TOKEN]
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    cloud.reset_requests()

    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    logins = [r for r in cloud.requests if r.endpoint in ("authenticate", "token")]
    assert [r.form().get("grant_type") for r in logins] == ["refresh_token"]
    assert logins[0].form()["refresh_token"] == stored
    assert entry.data[CONF_REFRESH_TOKEN] != stored  # the rotated one was stored at once
    assert entry.data[CONF_USERNAME] == DEMO_USERNAME
    assert CONF_PASSWORD not in entry.data


async def test_missing_mileage_is_unknown_not_zero(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud: MyBMWCloud
) -> None:
    del cloud.vehicle(EV).st["currentMileage"]
    await init_integration.runtime_data.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get("sensor.i4_edrive40_mileage").state == STATE_UNKNOWN


STATISTICS = """
tests/mybmw/test_parsing_fuzz.py::test_a:

  - during reuse phase (0.01 seconds):
    - 3 passing, 0 failing, and 0 invalid test cases
  - during generate phase (1.00 seconds):
    - 9997 passing, 0 failing, and 12 invalid test cases

tests/mybmw/test_parsing_fuzz.py::test_b:

  - during generate phase (1.00 seconds):
    - 10000 passing, 1 failing, and 0 invalid test cases
"""


def test_fuzz_report_counts_examples(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """scripts/fuzz records what Hypothesis ran; other sections stay as they were."""
    monkeypatch.setattr(reliability_report, "DOC", tmp_path / "reliability.md")
    assert reliability_report.parse_hypothesis_statistics(STATISTICS) == {
        "tests/mybmw/test_parsing_fuzz.py::test_a": (10000, 0),
        "tests/mybmw/test_parsing_fuzz.py::test_b": (10000, 1),
    }
    output = tmp_path / "pytest.out"
    output.write_text(STATISTICS, encoding="utf-8")
    assert reliability_report.main(["fuzz", str(output), "1"]) == 0
    text = reliability_report.DOC.read_text(encoding="utf-8")
    assert "**20000 examples** over 2 targets, FAILED (pytest exit code 1)" in text
    assert "| test_b | 10000 | 1 |" in text
    assert reliability_report.update_section("matrix", "rows") is True
    assert reliability_report.update_section("matrix", "rows") is False  # no churn
    assert "**20000 examples**" in reliability_report.DOC.read_text(encoding="utf-8")
    assert reliability_report.main(["nonsense"]) == 2
    with pytest.raises(ValueError, match="unknown section"):
        reliability_report.update_section("other", "x")
    reliability_report.DOC.write_text("hand-edited, markers lost", encoding="utf-8")
    reliability_report.update_section("fuzz", "again")
    assert "<!-- matrix:start -->" in reliability_report.DOC.read_text(encoding="utf-8")
