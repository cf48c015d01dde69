"""MyBMWCloud: the MyBMW server's behaviour as a pure request -> response object.

Front-ends (``respx_fake`` for tests, ``server`` for HTTP) pass every request to
``handle``/``handle_async`` and return the ``CloudResponse``. The cloud keeps
accounts, tokens, vehicles, remote-command events, a per-day quota and injected
faults, all driven by an injectable clock so tests can let days pass.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable, Iterable, Mapping, Sequence
import copy
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
import hashlib
import io
import json
from pathlib import Path
import random
import re
import secrets
from typing import Any, Final
from urllib.parse import parse_qsl, urlsplit
import uuid

from PIL import Image, ImageDraw

from . import china, fleet
from .faults import FaultRule, Faults
from .fleet import VehicleSpec
from .vehicles import SimVehicle

DEMO_USERNAME: Final = "demo@example.com"
DEMO_PASSWORD: Final = "demo-password"
DEMO_CN_USERNAME: Final = "8613800000000"
DEMO_CN_PASSWORD: Final = "demo-password"
DEMO_GCID: Final = fleet.DEFAULT_GCID
CLIENT_ID: Final = "31c357a0-7a1d-4590-aa99-33b97244d048"
CLIENT_SECRET: Final = "simulated-client-secret"
RETURN_URL: Final = "com.bmw.connected://oauth"
SCOPES: Final = (
    "openid",
    "profile",
    "email",
    "offline_access",
    "smacc",
    "vehicle_data",
    "perseus",
    "dlm",
    "svds",
    "cesim",
    "vsapi",
    "remote_services",
    "fupo",
    "authenticate_user",
)
TOKEN_SCOPE: Final = "authenticate_user vehicle_data remote_services"
OCP_APIM_KEYS: Final = {
    "na": "31e102f5-6f7e-7ef3-9044-ddce63891362",
    "row": "4f1c85a3-758f-a37d-bbb6-f8704494acfa",
}
REGION_HOSTS: Final = {
    "cocoapi.bmwgroup.us": "na",
    "cocoapi.bmwgroup.com": "row",
    "myprofile.bmw.com.cn": "cn",
}
WRONG_PASSWORD_BODY: Final = {
    "error": "invalid_client",
    "error_description": "Client authentication failed (e.g., login failure, unknown client, "
    "no client authentication included or unsupported authentication method)",
}
CN_ERROR_CODE: Final = 699121
EVENT_STEPS_POLL: Final = ("PENDING", "DELIVERED")
EVENT_STEPS_TIME: Final = ("INITIATED", "PENDING", "DELIVERED")
REMOTE_SERVICES: Final = {
    "door-lock": "lock",
    "door-unlock": "unlock",
    "light-flash": "lights",
    "horn-blow": "horn",
    "climate-now": "climateNow",
    "vehicle-finder": None,
}
_SLOT: Final = re.compile(r"^0001-01-01T\d\d:\d\d:\d\d(\.\d{1,3})?$")

# (method, path regex, endpoint name). The first matching path decides the endpoint.
ROUTES: Final[tuple[tuple[str, re.Pattern[str], str], ...]] = tuple(
    (method, re.compile(f"^{pattern}$"), name)
    for method, pattern, name in (
        ("GET", r"/eadrax-ucs/v1/presentation/oauth/config", "oauth_config"),
        ("POST", r"/gcdm/oauth/authenticate", "authenticate"),
        ("POST", r"/gcdm/oauth/token", "token"),
        ("GET", r"/eadrax-coas/v1/cop/publickey", "cn_publickey"),
        ("POST", r"/eadrax-coas/v2/cop/slider-captcha", "cn_slider_captcha"),
        ("POST", r"/eadrax-coas/v1/cop/check-captcha", "cn_check_captcha"),
        ("POST", r"/eadrax-coas/v2/login/pwd", "cn_login"),
        ("POST", r"/eadrax-coas/v2/oauth/token", "cn_token"),
        ("POST", r"/eadrax-vcs/v5/vehicle-list", "vehicle_list"),
        ("GET", r"/eadrax-vcs/v5/vehicle-data/profile", "profile"),
        ("GET", r"/eadrax-vcs/v4/vehicles/state", "state"),
        ("GET", r"/eadrax-crccs/v2/vehicles", "charging_details"),
        ("GET", r"/eadrax-ics/v5/presentation/vehicles/images", "image"),
        ("POST", r"/eadrax-vrccs/v3/presentation/remote-commands/eventStatus", "event_status"),
        ("POST", r"/eadrax-vrccs/v4/presentation/remote-commands/eventPosition", "event_position"),
        (
            "POST",
            r"/eadrax-vrccs/v4/presentation/remote-commands/(?P<service>[\w-]+)",
            "remote_command",
        ),
        (
            "POST",
            r"/eadrax-crccs/v1/vehicles/(?P<vin>[^/]+)/"
            r"(?P<service>start-charging|stop-charging|charging-settings|charging-profile)",
            "charging_command",
        ),
        ("POST", r"/eadrax-dcs/v2/user/(?P<gcid>[^/]+)/send-to-car", "send_poi"),
    )
)
AUTHORIZED_ENDPOINTS: Final = frozenset(
    {
        "vehicle_list",
        "profile",
        "state",
        "charging_details",
        "image",
        "event_status",
        "event_position",
        "remote_command",
        "charging_command",
        "send_poi",
    }
)
STATE_VERSION: Final = 1  # layout of the --state-file JSON
QUOTA_EXEMPT: Final = frozenset({"authenticate", "token", "unknown"})  # GCDM host, not the API


class SimulatedTimeout(Exception):  # noqa: N818 - it is an event, not an error of the cloud
    """The cloud decided not to answer; front-ends turn it into a client timeout."""

    def __init__(self, seconds: float) -> None:
        """Keep how long the caller should stall (HTTP server front-end)."""
        super().__init__(f"simulated timeout after {seconds} s")
        self.seconds = seconds


class Clock:
    """The cloud's time: real UTC time plus an offset, or frozen at a given start."""

    def __init__(self, start: datetime | None = None) -> None:
        """Freeze at ``start`` when given (advance manually), else follow real time."""
        self._frozen = start
        self._offset = timedelta()

    def now(self) -> datetime:
        """Current simulated UTC time."""
        base = self._frozen if self._frozen is not None else datetime.now(UTC)
        return base + self._offset

    def advance(self, seconds: float | timedelta) -> datetime:
        """Move time forward (days of simulated charging in a blink)."""
        self._offset += seconds if isinstance(seconds, timedelta) else timedelta(seconds=seconds)
        return self.now()

    def set(self, moment: datetime) -> None:
        """Freeze the clock at ``moment``."""
        self._frozen = moment.astimezone(UTC)
        self._offset = timedelta()


@dataclass
class CloudResponse:
    """What the cloud answers; front-ends copy it onto the wire."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def json(self) -> Any:
        """Decode the JSON body (tests)."""
        return json.loads(self.body)


@dataclass
class RecordedRequest:
    """One request as the cloud saw it."""

    method: str
    url: str
    host: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    body: bytes
    endpoint: str
    time: datetime
    service: str | None = None
    status: int | None = None

    @property
    def vin(self) -> str | None:
        """The vehicle addressed by header or path."""
        if "bmw-vin" in self.headers:
            return self.headers["bmw-vin"]
        match = re.search(r"/vehicles/([^/]+)/", self.path)
        return match.group(1) if match else None

    @property
    def brand(self) -> str | None:
        """Second field of ``x-user-agent``."""
        parts = self.headers.get("x-user-agent", "").split(";")
        return parts[1] if len(parts) == 4 else None

    def json(self) -> Any:
        """The body decoded as JSON (None when empty)."""
        return json.loads(self.body) if self.body else None

    def form(self) -> dict[str, str]:
        """The body decoded as a form."""
        return dict(parse_qsl(self.body.decode(errors="replace"), keep_blank_values=True))


@dataclass
class Account:
    """A MyBMW login and the vehicles mapped to it (None = the whole fleet)."""

    username: str
    password: str
    gcid: str = DEMO_GCID
    vins: list[str] | None = None


@dataclass
class _Token:
    username: str
    expires_at: datetime


@dataclass
class _Pending:
    """A login step-2 authorization or step-3 code waiting to be redeemed."""

    username: str
    code_challenge: str
    state: str
    nonce: str
    created: datetime


@dataclass
class Event:
    """A remote-command event and its progress."""

    event_id: str
    vin: str
    service: str
    params: dict[str, Any]
    created: datetime
    final: str = "EXECUTED"
    polls: int = 0
    done: bool = False
    result: str | None = None


def default_accounts() -> list[Account]:
    """The demo logins: one for rest_of_world/north_america, one for China."""
    return [Account(DEMO_USERNAME, DEMO_PASSWORD), Account(DEMO_CN_USERNAME, DEMO_CN_PASSWORD)]


def _json(status: int, data: Any, headers: dict[str, str] | None = None) -> CloudResponse:
    body = json.dumps(data, ensure_ascii=False).encode()
    return CloudResponse(status, {"content-type": "application/json", **(headers or {})}, body)


def _text(status: int, text: str) -> CloudResponse:
    return CloudResponse(status, {"content-type": "text/plain"}, text.encode())


def _error(status: int, message: str) -> CloudResponse:
    return _json(status, {"statusCode": status, "message": message})


def _envelope(data: Any) -> dict[str, Any]:
    return {"code": 200, "error": False, "description": "ok", "data": data}


def _cn_error(description: str, status: int = 422) -> CloudResponse:
    body = {"data": None, "code": CN_ERROR_CODE, "error": True, "msgType": "toast"}
    return _json(status, {**body, "description": description})


def _invalid_grant(description: str) -> CloudResponse:
    return _json(400, {"error": "invalid_grant", "error_description": description})


def quota_message(now: datetime) -> str:
    """The 403 quota message with the real countdown to the next 00:00 UTC."""
    midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), UTC)
    seconds = int((midnight - now).total_seconds())
    hours, rest = divmod(seconds, 3600)
    return (
        "Out of call volume quota. Quota will be replenished in "
        f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}."
    )


class MyBMWCloud:
    """The simulated MyBMW backend (all regions, login, data, commands, quota, faults)."""

    def __init__(
        self,
        fleet: Sequence[VehicleSpec] | None = None,
        accounts: Sequence[Account] | None = None,
        *,
        vehicles: Iterable[SimVehicle] | None = None,
        clock: Clock | None = None,
        access_token_lifetime: float = 28799,
        refresh_token_lifetime: float = 90 * 86400,
        cn_access_token_lifetime: float = 3300,
        daily_quota: int | None = None,
        event_mode: str = "poll",
        event_seconds: float = 3.0,
        climate_runtime_seconds: float = 1800.0,
        gcdm_base_url: str | None = None,
        check_login_nonce: bool = True,
        seed: int | None = None,
    ) -> None:
        """Build a cloud from vehicle specs (default fleet) or ready SimVehicles (fingerprints)."""
        specs = list(fleet) if fleet is not None else (None if vehicles else _default_fleet())
        stored = [SimVehicle.from_spec(s) for s in specs or []] + list(vehicles or [])
        self.vehicles: dict[str, SimVehicle] = {v.vin: v for v in stored}
        self.accounts: dict[str, Account] = {
            a.username: a for a in (accounts if accounts is not None else default_accounts())
        }
        self.clock = clock or Clock()
        for vehicle in self.vehicles.values():
            vehicle.climate_runtime_seconds = climate_runtime_seconds
            vehicle.sim_time = self.clock.now()
        self.access_token_lifetime = access_token_lifetime
        self.refresh_token_lifetime = refresh_token_lifetime
        self.cn_access_token_lifetime = cn_access_token_lifetime
        self.daily_quota = daily_quota
        if event_mode not in ("poll", "time"):
            raise ValueError("event_mode must be 'poll' or 'time'")
        self.event_mode = event_mode
        self.event_seconds = event_seconds
        self.gcdm_base_url = gcdm_base_url
        self.check_login_nonce = check_login_nonce
        self.faults = Faults()
        self.requests: list[RecordedRequest] = []
        self.events: dict[str, Event] = {}
        self.command_results: dict[str, str] = {}
        self.sent_pois: list[dict[str, Any]] = []
        self.rng = random.Random(seed)
        self._access: dict[str, _Token] = {}
        self._refresh: dict[str, _Token] = {}
        self._authorizations: dict[str, _Pending] = {}
        self._codes: dict[str, _Pending] = {}
        self._used_captchas: set[str] = set()
        self._captchas: dict[str, china.SliderCaptcha] = {}
        self._quota: dict[tuple[date, str], int] = {}
        self._images: dict[tuple[str, str], bytes] = {}
        self._jwt_secret = secrets.token_bytes(32)
        self.token_version = 0  # bumped whenever tokens change, so front-ends know to save

    # ------------------------------------------------------------------ helpers

    def now(self) -> datetime:
        """Current simulated time."""
        return self.clock.now()

    def count(self, endpoint: str | None = None, *, vin: str | None = None) -> int:
        """Number of recorded requests, optionally for one endpoint (or service) and VIN."""
        return sum(
            1
            for r in self.requests
            if (endpoint is None or endpoint in (r.endpoint, r.service))
            and (vin is None or r.vin == vin)
        )

    def requests_for(self, endpoint: str) -> list[RecordedRequest]:
        """The recorded requests of one endpoint (or service)."""
        return [r for r in self.requests if endpoint in (r.endpoint, r.service)]

    def reset_requests(self) -> None:
        """Forget the recorded requests (not the quota)."""
        self.requests.clear()

    def quota_used(self, x_user_agent: str | None = None) -> int:
        """Calls counted today for one ``x-user-agent`` (or all of them)."""
        today = self.now().date()
        return sum(
            n
            for (day, ua), n in self._quota.items()
            if day == today and (x_user_agent is None or ua == x_user_agent)
        )

    def expire_access_tokens(self) -> None:
        """Make every issued access token invalid (next data call answers 401)."""
        for token in self._access.values():
            token.expires_at = self.now() - timedelta(seconds=1)
        self.token_version += 1

    def revoke_refresh_tokens(self) -> None:
        """Forget every refresh token (next refresh answers invalid_grant)."""
        self._refresh.clear()
        self.token_version += 1

    def issue_tokens(self, username: str = DEMO_USERNAME) -> dict[str, Any]:
        """Issue a token pair without the login dance (tests of data calls)."""
        return self._token_answer(self.accounts[username])

    def save_state(self, path: str | Path) -> None:
        """Write live tokens and vehicle documents, so a restarted demo keeps its logins."""
        now = self.now()

        def live(tokens: dict[str, _Token]) -> dict[str, list[str]]:
            return {
                token: [stored.username, stored.expires_at.isoformat()]
                for token, stored in tokens.items()
                if stored.expires_at > now
            }

        data = {
            "version": STATE_VERSION,
            "access_tokens": live(self._access),
            "refresh_tokens": live(self._refresh),
            "vehicles": {
                vin: {"state": v.state, "charging": v.charging} for vin, v in self.vehicles.items()
            },
        }
        target = Path(path)
        partial = target.with_name(target.name + ".tmp")
        partial.write_text(json.dumps(data), encoding="utf-8")
        partial.replace(target)  # atomic: a crash never leaves half a file

    def load_state(self, path: str | Path) -> bool:
        """Restore what ``save_state`` wrote (False when there is no file yet).

        Tokens of unknown accounts and documents of unknown vehicles are skipped;
        a file that is not a state file raises ValueError.
        """
        target = Path(path)
        if not target.exists():
            return False
        try:
            data = json.loads(target.read_text(encoding="utf-8"))
            if data.get("version") != STATE_VERSION:
                raise ValueError("unsupported version")
            tokens = {
                key: {
                    token: _Token(username, datetime.fromisoformat(expires))
                    for token, (username, expires) in data[key].items()
                    if username in self.accounts
                }
                for key in ("access_tokens", "refresh_tokens")
            }
            documents = {
                vin: (docs["state"], docs.get("charging"))
                for vin, docs in data["vehicles"].items()
                if vin in self.vehicles and isinstance(docs.get("state"), dict)
            }
        except (AttributeError, KeyError, TypeError, ValueError) as err:
            raise ValueError(f"{target} is not a simulator state file: {err}") from err
        # Only a fully readable file changes the cloud.
        self._access.update(tokens["access_tokens"])
        self._refresh.update(tokens["refresh_tokens"])
        for vin, (state, charging) in documents.items():
            self.vehicles[vin].state = state
            self.vehicles[vin].charging = charging
        return True

    def vehicle(self, vin: str) -> SimVehicle:
        """The stored vehicle (tests inspect and edit its documents)."""
        return self.vehicles[vin]

    def gcdm_base(self, request_base: str) -> str:
        """Base URL of the identity provider (the API host itself unless configured)."""
        return (self.gcdm_base_url or request_base).rstrip("/")

    def _account_vehicles(self, account: Account) -> list[SimVehicle]:
        vins = account.vins
        return [v for v in self.vehicles.values() if vins is None or v.vin in vins]

    # ------------------------------------------------------------- entry points

    def handle(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes = b""
    ) -> CloudResponse:
        """Answer one request (delays are ignored here; timeouts raise SimulatedTimeout)."""
        request, match, rule = self._begin(method, url, headers, body)
        if rule is not None and rule.kind == "timeout":
            raise SimulatedTimeout(rule.seconds)
        return self._finish(request, match, rule)

    async def handle_async(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes = b""
    ) -> CloudResponse:
        """Answer one request, sleeping for injected delays."""
        request, match, rule = self._begin(method, url, headers, body)
        if rule is not None and rule.kind == "timeout":
            raise SimulatedTimeout(rule.seconds)
        if rule is not None and rule.kind == "delay":
            await asyncio.sleep(rule.seconds)
        return self._finish(request, match, rule)

    def _begin(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[RecordedRequest, re.Match[str] | None, FaultRule | None]:
        parts = urlsplit(url)
        endpoint, match = "unknown", None
        for route_method, pattern, name in ROUTES:
            found = pattern.match(parts.path)
            if found:
                endpoint, match = name if route_method == method.upper() else "wrong_method", found
                break
        lowered = {str(k).lower(): str(v) for k, v in dict(headers).items()}
        service = match.groupdict().get("service") if match else None
        request = RecordedRequest(
            method=method.upper(),
            url=url,
            host=parts.hostname or "",
            path=parts.path,
            params=dict(parse_qsl(parts.query, keep_blank_values=True)),
            headers=lowered,
            body=body,
            endpoint=endpoint,
            time=self.now(),
            service=service,
        )
        self.requests.append(request)
        self._advance()
        if endpoint not in QUOTA_EXEMPT:
            key = (request.time.date(), lowered.get("x-user-agent", ""))
            self._quota[key] = self._quota.get(key, 0) + 1
        names = {endpoint} | ({service} if service else set())
        return request, match, self.faults.take(names, parts.path)

    def _finish(
        self, request: RecordedRequest, match: re.Match[str] | None, rule: FaultRule | None
    ) -> CloudResponse:
        response = self._fault_response(rule, request) if rule is not None else None
        if response is None:
            response = self._route(request, match)
            if rule is not None and rule.kind == "truncated":
                response.body = response.body[: max(1, len(response.body) // 2)]
        request.status = response.status
        return response

    def _route(self, request: RecordedRequest, match: re.Match[str] | None) -> CloudResponse:
        if request.endpoint == "unknown" or match is None:
            return _error(404, "Resource not found")
        if request.endpoint == "wrong_method":
            return _error(405, "Method not allowed")
        if self.daily_quota is not None and request.endpoint not in QUOTA_EXEMPT:
            key = (request.time.date(), request.headers.get("x-user-agent", ""))
            if self._quota.get(key, 0) > self.daily_quota:
                return _error(403, quota_message(request.time))
        account = None
        if request.endpoint in AUTHORIZED_ENDPOINTS:
            account = self._authorize(request)
            if account is None:
                return _error(401, "Unauthorized. Access token is missing, invalid or expired.")
        handler: Callable[[RecordedRequest, re.Match[str], Account | None], CloudResponse]
        handler = getattr(self, f"_h_{request.endpoint}")
        return handler(request, match, account)

    def _fault_response(self, rule: FaultRule, request: RecordedRequest) -> CloudResponse | None:
        kind = rule.kind
        if kind == "429":
            seconds = int(rule.seconds)
            headers = {"retry-after": str(rule.retry_after)} if rule.retry_after is not None else {}
            message = f"Rate limit is exceeded. Try again in {seconds} seconds."
            return _json(429, {"statusCode": 429, "message": message}, headers)
        if kind == "quota":
            return _error(403, quota_message(request.time))
        if kind == "401":
            return _error(401, "Unauthorized. Access token is missing, invalid or expired.")
        if kind == "wrong_password":
            return _json(401, WRONG_PASSWORD_BODY)
        if kind == "500":
            return _text(500, "INTERNAL SERVER ERROR")
        if kind in ("502", "503"):
            return _text(int(kind), "Bad Gateway" if kind == "502" else "Service Unavailable")
        if kind == "malformed":
            return CloudResponse(200, {"content-type": "application/json"}, b"<html>oops</html>{")
        if kind == "empty":
            return CloudResponse(200, {"content-type": "application/json"}, b"")
        if kind == "blocked":
            return _text(489, "Blocked")
        if (hostile := rule.hostile_answer()) is not None:
            return CloudResponse(*hostile)
        return None  # delay, truncated: answer normally

    def _advance(self) -> None:
        now = self.now()
        for vehicle in self.vehicles.values():
            vehicle.advance(now)
        if self.event_mode == "time":
            for event in self.events.values():
                self._event_status(event, now)

    def _authorize(self, request: RecordedRequest) -> Account | None:
        auth = request.headers.get("authorization", "")
        if not auth.lower().startswith("bearer "):
            return None
        token = self._access.get(auth[7:].strip())
        if token is None or token.expires_at <= request.time:
            return None
        return self.accounts.get(token.username)

    def _vehicle_for(self, account: Account | None, vin: str | None) -> SimVehicle | None:
        vehicle = self.vehicles.get(vin or "")
        if vehicle is None or account is None:
            return None
        return vehicle if account.vins is None or vehicle.vin in account.vins else None

    # ----------------------------------------------------------------- OAuth

    def _oauth_config(self, base: str) -> dict[str, Any]:
        gcdm = self.gcdm_base(base)
        return {
            "clientName": "mybmwapp",
            "clientSecret": CLIENT_SECRET,
            "clientId": CLIENT_ID,
            "gcdmBaseUrl": gcdm,
            "returnUrl": RETURN_URL,
            "brand": "bmw",
            "language": "en",
            "country": "US",
            "authorizationEndpoint": f"{gcdm}/oneid/login",
            "tokenEndpoint": f"{gcdm}/gcdm/oauth/token",
            "scopes": list(SCOPES),
            "promptValues": ["login"],
        }

    def _h_oauth_config(self, request: RecordedRequest, *_: Any) -> CloudResponse:
        key = request.headers.get("ocp-apim-subscription-key")
        region = REGION_HOSTS.get(request.host)
        if not key or key not in OCP_APIM_KEYS.values():
            return _error(
                401,
                "Access denied due to missing subscription key. Make sure to include "
                "subscription key when making requests to an API.",
            )
        if region in OCP_APIM_KEYS and OCP_APIM_KEYS[region] != key:
            return _error(401, "Access denied due to invalid subscription key.")
        parts = urlsplit(request.url)
        return _json(200, self._oauth_config(f"{parts.scheme}://{parts.netloc}"))

    def _h_authenticate(self, request: RecordedRequest, *_: Any) -> CloudResponse:
        form = request.form()
        base = ("client_id", "response_type", "redirect_uri", "state", "nonce", "scope")
        pkce = ("code_challenge", "code_challenge_method")
        missing = [k for k in (*base, *pkce) if not form.get(k)]
        if missing:
            return _json(
                400, {"error": "invalid_request", "error_description": f"missing {missing}"}
            )
        if form["client_id"] != CLIENT_ID or form["redirect_uri"] != RETURN_URL:
            return _json(401, WRONG_PASSWORD_BODY)
        if form["code_challenge_method"] != "S256" or form["response_type"] != "code":
            return _json(400, {"error": "invalid_request", "error_description": "PKCE S256 only"})
        if "username" in form:
            return self._authenticate_password(request, form)
        return self._authenticate_authorization(form)

    def _authenticate_password(
        self, request: RecordedRequest, form: dict[str, str]
    ) -> CloudResponse:
        captcha = request.headers.get("hcaptchatoken", "")
        if not captcha or captcha in self._used_captchas:
            return _json(
                400, {"error": "invalid_request", "error_description": "captcha validation failed"}
            )
        self._used_captchas.add(captcha)
        if form.get("grant_type") != "authorization_code":
            return _json(400, {"error": "unsupported_grant_type", "error_description": "grant"})
        account = self.accounts.get(form["username"])
        if account is None or account.password != form.get("password"):
            return _json(401, WRONG_PASSWORD_BODY)
        authorization = secrets.token_urlsafe(24)
        self._authorizations[authorization] = _Pending(
            account.username, form["code_challenge"], form["state"], form["nonce"], request.time
        )
        redirect = (
            f"redirect_uri={RETURN_URL}?client_id={CLIENT_ID}&response_type=code"
            f"&scope={form['scope']}&state={form['state']}&authorization={authorization}"
        )
        return _json(200, {"redirect_to": redirect})

    def _authenticate_authorization(self, form: dict[str, str]) -> CloudResponse:
        pending = self._authorizations.pop(form.get("authorization", ""), None)
        if pending is None or pending.code_challenge != form["code_challenge"]:
            return _invalid_grant("unknown or used authorization")
        code = secrets.token_urlsafe(24)
        self._codes[code] = pending
        location = (
            f"{RETURN_URL}?code={code}&state={pending.state}&client_id={CLIENT_ID}"
            f"&nonce={pending.nonce}"
        )
        return CloudResponse(302, {"location": location}, b"")

    def _h_token(self, request: RecordedRequest, *_: Any) -> CloudResponse:
        expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if request.headers.get("authorization", "") != f"Basic {expected}":
            return _json(401, WRONG_PASSWORD_BODY)
        form = request.form()
        grant = form.get("grant_type")
        if grant == "authorization_code":
            pending = self._codes.pop(form.get("code", ""), None)
            if pending is None or request.time - pending.created > timedelta(minutes=10):
                return _invalid_grant("authorization code unknown, used or expired")
            if form.get("redirect_uri") != RETURN_URL:
                return _invalid_grant("redirect_uri mismatch")
            digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
            challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
            if challenge != pending.code_challenge:
                return _invalid_grant("PKCE verification failed")
            return _json(200, self._token_answer(self.accounts[pending.username]))
        if grant == "refresh_token":
            account = self._redeem_refresh(form.get("refresh_token", ""), request.time)
            if account is None:
                return _invalid_grant("refresh token unknown or expired")
            return _json(200, self._token_answer(account))
        return _json(400, {"error": "unsupported_grant_type", "error_description": str(grant)})

    def _redeem_refresh(self, token: str, now: datetime) -> Account | None:
        stored = self._refresh.pop(token, None)  # rotation: a refresh token works once
        if stored is None:
            return None
        self.token_version += 1
        if stored.expires_at <= now:
            return None
        return self.accounts.get(stored.username)

    def _token_answer(self, account: Account, *, china_jwt: bool = False) -> dict[str, Any]:
        now = self.now()
        lifetime = self.cn_access_token_lifetime if china_jwt else self.access_token_lifetime
        if china_jwt:
            access = self._jwt(now, lifetime, "A")
            refresh = self._jwt(now, self.refresh_token_lifetime, "R")
        else:
            access, refresh = (
                f"sim-at-{secrets.token_urlsafe(24)}",
                f"sim-rt-{secrets.token_urlsafe(24)}",
            )
        self._access[access] = _Token(account.username, now + timedelta(seconds=lifetime))
        self._refresh[refresh] = _Token(
            account.username, now + timedelta(seconds=self.refresh_token_lifetime)
        )
        self.token_version += 1
        return {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": int(lifetime),
            "refresh_token": refresh,
            "scope": TOKEN_SCOPE,
            "usid": "SIMULATED",
            "gcid": account.gcid,
        }

    def _jwt(self, now: datetime, lifetime: float, kind: str) -> str:
        issued = int(now.timestamp())
        claims = {
            "jti": f"SIM${kind}${secrets.token_hex(8)}",
            "nbf": issued,
            "exp": issued + int(lifetime),
            "iat": issued,
        }
        return china.make_jwt(claims, self._jwt_secret)

    # ------------------------------------------------------------------ China

    def _h_cn_publickey(self, *_: Any) -> CloudResponse:
        return _json(200, _envelope({"value": china.public_key_pem(), "expires": "3600"}))

    def _h_cn_slider_captcha(self, request: RecordedRequest, *_: Any) -> CloudResponse:
        body = _json_body(request)
        if not isinstance(body, dict) or not body.get("mobile"):
            return _cn_error("mobile missing", 400)
        verify_id = uuid.UUID(int=self.rng.getrandbits(128)).hex
        captcha, background, piece = china.new_captcha(verify_id, self.rng)
        self._captchas[verify_id] = captcha
        data = {"verifyId": verify_id, "backGroundImg": background, "cutImg": piece}
        return _json(200, _envelope(data))

    def _h_cn_check_captcha(self, request: RecordedRequest, *_: Any) -> CloudResponse:
        body = _json_body(request)
        if not isinstance(body, dict):
            return _cn_error("invalid body", 400)
        captcha = self._captchas.get(str(body.get("verifyId")))
        if captcha is None or not captcha.check(str(body.get("position", ""))):
            return _cn_error("captcha verification failed")
        return _json(200, _envelope(None))

    def _h_cn_login(self, request: RecordedRequest, *_: Any) -> CloudResponse:
        body = _json_body(request)
        if not isinstance(body, dict):
            return _cn_error("invalid body", 400)
        mobile = str(body.get("mobile", ""))
        if not self._nonce_ok(request, mobile):
            return _cn_error("x-login-nonce missing or invalid", 400)
        captcha = self._captchas.pop(str(body.get("verifyId")), None)
        if captcha is None or not captcha.verified:
            return _cn_error("captcha not verified")
        account = self.accounts.get(mobile)
        password = china.decrypt_password(str(body.get("password", "")))
        if account is None or password is None or password != account.password:
            return _cn_error("wrong mobile number or password")
        answer = self._token_answer(account, china_jwt=True)
        answer.pop("scope")
        answer.pop("expires_in")
        answer["cid"] = "SIMULATED"
        return _json(200, _envelope(answer))

    def _h_cn_token(self, request: RecordedRequest, *_: Any) -> CloudResponse:
        form = request.form()
        if form.get("grant_type") != "refresh_token":
            return _json(400, {"error": "unsupported_grant_type", "error_description": "grant"})
        stored = self._refresh.get(form.get("refresh_token", ""))
        account = self.accounts.get(stored.username) if stored else None
        if stored is None or account is None or stored.expires_at <= request.time:
            return _invalid_grant("refresh token unknown or expired")
        if not self._nonce_ok(request, account.gcid):
            return _cn_error("x-login-nonce missing or invalid", 400)
        self._refresh.pop(form["refresh_token"])
        self.token_version += 1
        answer = self._token_answer(account, china_jwt=True)
        answer["expires_in"] = int(self.cn_access_token_lifetime)
        return _json(200, answer)

    def _nonce_ok(self, request: RecordedRequest, subject: str) -> bool:
        nonce = request.headers.get("x-login-nonce", "")
        if not nonce:
            return False
        return not self.check_login_nonce or china.check_login_nonce(nonce, subject)

    # ------------------------------------------------------------- vehicle data

    def _h_vehicle_list(self, request: RecordedRequest, _m: Any, account: Account) -> CloudResponse:
        fields = request.headers.get("x-user-agent", "").split(";")
        if len(fields) != 4 or fields[3] not in ("na", "row", "cn"):
            return _error(400, "Invalid x-user-agent header")
        brand = fields[1].lower()
        vehicles = sorted(
            (v for v in self._account_vehicles(account) if v.brand == brand), key=lambda v: v.vin
        )
        entries = [copy.deepcopy(v.list_entry) for v in vehicles]
        return _json(200, {"gcid": account.gcid, "mappingInfos": entries})

    def _data_vehicle(self, request: RecordedRequest, account: Account | None) -> SimVehicle | None:
        return self._vehicle_for(account, request.headers.get("bmw-vin"))

    def _h_profile(self, request: RecordedRequest, _m: Any, account: Account) -> CloudResponse:
        vehicle = self._data_vehicle(request, account)
        if vehicle is None:
            return _error(404, "Vehicle not found")
        return _json(200, vehicle.profile)

    def _h_state(self, request: RecordedRequest, _m: Any, account: Account) -> CloudResponse:
        vehicle = self._data_vehicle(request, account)
        if vehicle is None:
            return _error(404, "Vehicle not found")
        return _json(200, vehicle.state_document(request.time))

    def _h_charging_details(
        self, request: RecordedRequest, _m: Any, account: Account
    ) -> CloudResponse:
        if (
            "fields" not in request.params
            or "has_charging_settings_capabilities" not in request.params
        ):
            return _error(
                400, "Query parameters fields and has_charging_settings_capabilities required"
            )
        vehicle = self._data_vehicle(request, account)
        if vehicle is None or vehicle.charging is None:
            return _error(404, "Vehicle not found")
        return _json(200, vehicle.charging)

    def _h_image(self, request: RecordedRequest, _m: Any, account: Account) -> CloudResponse:
        vehicle = self._data_vehicle(request, account)
        if vehicle is None:
            return _error(404, "Vehicle not found")
        view = request.params.get("carView", "")
        if view not in fleet.IMAGE_VIEWS:
            return _error(400, "Unknown carView")
        key = (vehicle.vin, view)
        if key not in self._images:
            self._images[key] = _render_image(vehicle, view)
        return CloudResponse(200, {"content-type": "image/png"}, self._images[key])

    # ------------------------------------------------------------ remote commands

    def _new_event(
        self, vehicle: SimVehicle, service: str, params: dict[str, Any]
    ) -> CloudResponse:
        now = self.now()
        event_id = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        final = self.command_results.get(service, self.command_results.get("*", "EXECUTED"))
        self.events[event_id] = Event(event_id, vehicle.vin, service, params, now, final)
        return _json(200, {"creationTime": fleet.iso(now), "eventId": event_id})

    def _h_remote_command(
        self, request: RecordedRequest, match: re.Match[str], account: Account
    ) -> CloudResponse:
        service = match.group("service")
        if service not in REMOTE_SERVICES:
            return _error(404, f"Unknown remote service {service}")
        vehicle = self._data_vehicle(request, account)
        if vehicle is None:
            return _error(404, "Vehicle not found")
        if _json_body(request, default={}) is None:
            return _error(400, "Body must be JSON")
        params: dict[str, Any] = {}
        capability = REMOTE_SERVICES[service]
        if service == "climate-now":
            action = request.params.get("action")
            if action not in ("START", "STOP"):
                return _error(400, "Query parameter action must be START or STOP")
            params["action"] = action
            if action == "STOP":
                capability = None
                if "climateControlState" not in vehicle.st:
                    return _error(400, "Climate control not supported")
        if capability is not None and not vehicle.has_capability(capability):
            return _error(400, f"Service {service} not supported by vehicle")
        return self._new_event(vehicle, service, params)

    def _h_charging_command(
        self, request: RecordedRequest, match: re.Match[str], account: Account
    ) -> CloudResponse:
        service = match.group("service")
        vehicle = self._vehicle_for(account, match.group("vin"))
        if vehicle is None:
            return _error(404, "Vehicle not found")
        body = _json_body(request, default={})
        if not isinstance(body, dict):
            return _error(400, "Body must be a JSON object")
        if service in ("start-charging", "stop-charging"):
            control = "START" if service == "start-charging" else "STOP"
            if control not in vehicle.charging_controls():
                return _error(400, f"Service {service} not supported by vehicle")
            return self._new_event(vehicle, service, {})
        if service == "charging-settings":
            problem = _check_settings(vehicle, body)
            if problem:
                return _error(400, problem)
            return self._new_event(vehicle, service, body)
        problem = _check_profile(vehicle, body)
        if problem:
            return _error(500, problem)  # the reference mock rejects bad profiles with 500
        return self._new_event(vehicle, service, copy.deepcopy(body))

    def _event_status(self, event: Event, now: datetime) -> str:
        """Return the event's status now, applying its effect once it executes."""
        if event.done:
            return event.result or event.final
        steps: tuple[str, ...]
        if self.event_mode == "poll":
            steps = EVENT_STEPS_POLL
            index = event.polls - 1
        else:
            steps = EVENT_STEPS_TIME
            elapsed = (now - event.created).total_seconds()
            index = int(elapsed // self.event_seconds) if self.event_seconds > 0 else len(steps)
        if index < len(steps):
            return steps[max(index, 0)]
        if event.final not in ("EXECUTED", "ERROR", "IGNORED"):
            return event.final  # e.g. PENDING forever: the client's timeout path
        event.done = True
        event.result = event.final
        if event.final == "EXECUTED":
            event.result = self.vehicles[event.vin].apply(event.service, event.params)
        return event.result

    def _h_event_status(self, request: RecordedRequest, _m: Any, account: Account) -> CloudResponse:
        event = self.events.get(request.params.get("eventId", ""))
        if event is None or self._vehicle_for(account, event.vin) is None:
            return _error(404, "Event not found")
        event.polls += 1
        status = self._event_status(event, request.time)
        answer: dict[str, Any] = {"eventStatus": status}
        if status == "ERROR":
            answer["details"] = "Vehicle could not execute the command."
        return _json(200, answer)

    def _h_event_position(
        self, request: RecordedRequest, _m: Any, account: Account
    ) -> CloudResponse:
        event = self.events.get(request.params.get("eventId", ""))
        if event is None or event.service != "vehicle-finder":
            return _error(404, "Event not found")
        vehicle = self._vehicle_for(account, event.vin)
        if vehicle is None:
            return _error(404, "Event not found")
        if "latitude" not in request.headers or "longitude" not in request.headers:
            return _error(400, "Headers latitude and longitude required")
        position = vehicle.finder_position if event.result == "EXECUTED" else None
        if not position:
            error = {"title": "Position unavailable", "description": "The vehicle was not found."}
            return _json(200, {"positionData": {"status": "ERROR"}, "errorDetails": error})
        coordinates = position["coordinates"]
        answer = {
            "status": "OK",
            "position": {
                "latitude": coordinates["latitude"],
                "longitude": coordinates["longitude"],
                "formattedAddress": (position.get("address") or {}).get("formatted", ""),
                "heading": position.get("heading", 0),
            },
        }
        return _json(200, {"positionData": answer, "errorDetails": None})

    def _h_send_poi(
        self, request: RecordedRequest, match: re.Match[str], account: Account
    ) -> CloudResponse:
        if match.group("gcid") != account.gcid:
            return _error(400, "gcid does not match the logged-in user")
        problem = _check_poi(_json_body(request))
        vin = request.headers.get("bmw-vin")
        if problem is None and self._vehicle_for(account, vin) is None:
            problem = "unknown vehicle"
        if problem:
            return _error(400, problem)
        self.sent_pois.append(request.json())
        return CloudResponse(201, {}, b"")


# ---------------------------------------------------------------------- validation


def _json_body(request: RecordedRequest, default: Any = None) -> Any:
    if not request.body.strip():
        return default
    try:
        return json.loads(request.body)
    except ValueError:
        return None


def _check_settings(vehicle: SimVehicle, body: dict[str, Any]) -> str | None:
    if "chargingTarget" not in body or "acLimitValue" not in body:
        return "chargingTarget and acLimitValue are both required (null = unchanged)"
    target, limit = body["chargingTarget"], body["acLimitValue"]
    if not target and not limit:
        return "nothing to change"
    if target:
        if not vehicle.has_capability("isChargingTargetSocEnabled"):
            return "target SoC not supported"
        if type(target) is not int or not 20 <= target <= 100 or target % 5:
            return "chargingTarget must be an integer 20..100, multiple of 5"
    if limit:
        if not vehicle.has_capability("isChargingPowerLimitEnabled"):
            return "AC limit not supported"
        if type(limit) is not int or limit not in vehicle.ac_limit_values():
            return "acLimitValue must be one of the offered values"
    return None


def _check_profile(vehicle: SimVehicle, body: dict[str, Any]) -> str | None:
    if not vehicle.has_capability("isChargingPlanSupported"):
        return "charging plan not supported"
    expected = {"chargingMode", "departureTimer", "isPreconditionForDepartureActive", "servicePack"}
    if set(body) != expected:
        return f"payload keys must be {sorted(expected)}"
    mode = body["chargingMode"]
    if not isinstance(mode, dict):
        return "chargingMode must be an object"
    pairs = {"NO_PRESELECTION": "CHARGING_IMMEDIATELY", "CHARGING_WINDOW": "TIME_SLOT"}
    if pairs.get(str(mode.get("chargingPreference"))) != mode.get("type"):
        return "chargingPreference and chargingMode.type are inconsistent"
    if not all(_SLOT.match(str(mode.get(k, ""))) for k in ("startTimeSlot", "endTimeSlot")):
        return "time slots must look like 0001-01-01THH:MM:SS"
    if type(body["isPreconditionForDepartureActive"]) is not bool:
        return "isPreconditionForDepartureActive must be a bool"
    if body["servicePack"] is not None and not isinstance(body["servicePack"], str):
        return "servicePack must be a string"
    timer = body["departureTimer"]
    if not isinstance(timer, dict) or timer.get("type") not in (
        "WEEKLY_DEPARTURE_TIMER",
        "TWO_DEPARTURE_TIMER",
    ):
        return "departureTimer.type invalid"
    timers = timer.get("weeklyTimers")
    if not isinstance(timers, list):
        return "departureTimer.weeklyTimers must be a list"
    for item in timers:
        if (
            not isinstance(item, dict)
            or type(item.get("id")) is not int
            or not _SLOT.match(str(item.get("time", "")))
            or item.get("timerAction") not in ("ACTIVATE", "DEACTIVATE")
            or not isinstance(item.get("daysOfTheWeek"), list)
            or not set(item["daysOfTheWeek"]) <= set(fleet.WEEKDAYS)
        ):
            return "weekly timer invalid"
    return None


def _check_poi(body: Any) -> str | None:
    try:
        place = body["places"][0]
        lat, lng = place["position"]["lat"], place["position"]["lng"]
        vin = body["vehicleInformation"]["vin"]
    except (KeyError, IndexError, TypeError):
        return "places[0].position and vehicleInformation.vin required"
    if not isinstance(lat, float) or not isinstance(lng, float):
        return "lat and lng must be floats"
    if not -90 <= lat <= 90 or not -180 <= lng <= 180:
        return "position out of range"
    if not isinstance(vin, str) or len(vin) != 17:
        return "vin must have 17 characters"
    if not isinstance(place.get("title"), str) or not place["title"]:
        return "title required"
    return None


def _render_image(vehicle: SimVehicle, view: str) -> bytes:
    """Draw a simple car silhouette in the vehicle's paint colour."""
    argb = vehicle.profile.get("color")
    paint = (60, 90, 160)
    if isinstance(argb, int):
        paint = ((argb >> 16) & 255, (argb >> 8) & 255, argb & 255)
    image = Image.new("RGBA", (400, 220), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((30, 90, 370, 170), radius=25, fill=(*paint, 255))
    draw.polygon([(100, 90), (150, 45), (270, 45), (320, 90)], fill=(*paint, 255))
    for x in (110, 290):
        draw.ellipse((x - 28, 145, x + 28, 201), fill=(30, 30, 30, 255))
    draw.text((10, 5), f"{vehicle.profile.get('model', '')} - {view}", fill=(0, 0, 0, 255))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _default_fleet() -> list[VehicleSpec]:
    return fleet.default_fleet()


# ------------------------------------------------------------------ fingerprints

_FILE_RE: Final = re.compile(
    r"^(?P<brand>bmw|mini|toyota)-(?P<kind>eadrax-vcs_v5_vehicle-list|"
    r"eadrax-vcs_v5_vehicle-data_profile|eadrax-vcs_v4_vehicles_state|eadrax-crccs_v2_vehicles)"
    r"(?:_(?P<vin>[A-Z0-9]{17}))?\.json$"
)


def load_fingerprint(folder: str | Path) -> list[SimVehicle]:
    """Load recorded responses (§7 file names, searched recursively) as cloud vehicles.

    The vehicles serve exactly the recorded documents; commands still edit them.
    """
    root = Path(folder)
    if not root.is_dir():
        raise FileNotFoundError(f"fingerprint folder {root} not found")
    docs: dict[str, dict[str, Any]] = {}
    entries: dict[str, dict[str, Any]] = {}
    for path in sorted(root.rglob("*.json")):
        found = _FILE_RE.match(path.name)
        if not found:
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        kind, vin, brand = found["kind"], found["vin"], found["brand"]
        if kind.endswith("vehicle-list"):
            for entry in data.get("mappingInfos", []):
                entries.setdefault(entry["vin"], entry)
            continue
        if vin is None:
            continue
        record = docs.setdefault(vin, {"brand": brand})
        record[kind] = data
    vehicles = []
    for vin, record in sorted(docs.items()):
        profile = record.get("eadrax-vcs_v5_vehicle-data_profile")
        state = record.get("eadrax-vcs_v4_vehicles_state")
        if profile is None or state is None:
            continue
        entry = entries.get(vin) or fleet.vehicle_list_entry(VehicleSpec(vin=vin))
        vehicles.append(
            SimVehicle(
                vin=vin,
                brand=record["brand"],
                profile=profile,
                state=state,
                charging=record.get("eadrax-crccs_v2_vehicles"),
                list_entry=entry,
                live=False,
            )
        )
    return vehicles


def cloud_from_fingerprint(folder: str | Path, **kwargs: Any) -> MyBMWCloud:
    """A cloud serving exactly the vehicles of a fingerprint folder."""
    return MyBMWCloud(vehicles=load_fingerprint(folder), **kwargs)
