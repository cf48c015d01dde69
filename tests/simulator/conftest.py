"""Shared helpers for the simulator tests: a thin synchronous client over MyBMWCloud.handle."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
import hashlib
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from simulator.cloud import (
    DEMO_PASSWORD,
    DEMO_USERNAME,
    OCP_APIM_KEYS,
    Clock,
    CloudResponse,
    MyBMWCloud,
)

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "reference" / "mybmw-responses"
BASE = "https://cocoapi.bmwgroup.com"
UA = "android(AP2A.123456.789);{brand};4.9.2(36892);row"
VERIFIER = "v" * 43 + "-._~" + "a" * 39
START = datetime(2025, 3, 10, 8, 0, tzinfo=UTC)

needs_samples = pytest.mark.skipif(not SAMPLES.is_dir(), reason="recorded samples not present")


def sample(relative: str) -> Any:
    """Read one recorded response (only call from tests marked ``needs_samples``)."""
    return json.loads((SAMPLES / relative).read_text(encoding="utf-8"))


def challenge(verifier: str = VERIFIER) -> str:
    """The PKCE S256 challenge of a verifier."""
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class Api:
    """Sends requests straight into a cloud, the way the client would."""

    def __init__(self, cloud: MyBMWCloud, base: str = BASE) -> None:
        self.cloud = cloud
        self.base = base
        self.token: str | None = None
        self.tokens: dict[str, Any] = {}
        self.captcha = 0

    def headers(self, brand: str = "bmw", vin: str | None = None, **extra: str) -> dict[str, str]:
        headers = {"x-user-agent": UA.format(brand=brand), "user-agent": "Dart/3.3 (dart:io)"}
        if self.token:
            headers["authorization"] = f"Bearer {self.token}"
        if vin:
            headers["bmw-vin"] = vin
        return {**headers, **extra}

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        body: Any = None,
        form: dict[str, str] | None = None,
        brand: str = "bmw",
        vin: str | None = None,
    ) -> CloudResponse:
        url = path if path.startswith("http") else f"{self.base}{path}"
        if params:
            url += "?" + urlencode(params)
        raw = b""
        if form is not None:
            raw = urlencode(form).encode()
        elif body is not None:
            raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        all_headers = {**self.headers(brand, vin), **(headers or {})}
        return self.cloud.handle(method, url, all_headers, raw)

    def get(self, path: str, **kwargs: Any) -> CloudResponse:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> CloudResponse:
        return self.request("POST", path, **kwargs)

    # ------------------------------------------------------------------ login

    def config(self) -> dict[str, Any]:
        key = OCP_APIM_KEYS["row"]
        reply = self.get(
            "/eadrax-ucs/v1/presentation/oauth/config",
            headers={"ocp-apim-subscription-key": key},
        )
        assert reply.status == 200, reply.body
        return reply.json()

    def base_form(self, cfg: dict[str, Any], verifier: str = VERIFIER) -> dict[str, str]:
        return {
            "client_id": cfg["clientId"],
            "response_type": "code",
            "scope": " ".join(cfg["scopes"]),
            "redirect_uri": cfg["returnUrl"],
            "state": "s" * 22,
            "nonce": "n" * 22,
            "code_challenge": challenge(verifier),
            "code_challenge_method": "S256",
        }

    def authenticate(
        self,
        username: str = DEMO_USERNAME,
        password: str = DEMO_PASSWORD,
        captcha: str | None = None,
    ) -> CloudResponse:
        cfg = self.config()
        self.captcha += 1
        form = {
            **self.base_form(cfg),
            "grant_type": "authorization_code",
            "username": username,
            "password": password,
        }
        token = captcha if captcha is not None else f"P1_test{self.captcha}"
        return self.post(
            cfg["tokenEndpoint"].replace("/token", "/authenticate"),
            form=form,
            headers={"hcaptchatoken": token},
        )

    def code(self) -> str:
        cfg = self.config()
        reply = self.authenticate()
        assert reply.status == 200, reply.body
        authorization = parse_qs(reply.json()["redirect_to"].split("?", 1)[1])["authorization"][0]
        reply = self.post(
            cfg["tokenEndpoint"].replace("/token", "/authenticate"),
            params={"interaction-id": "x", "client-version": UA.format(brand="bmw")},
            form={**self.base_form(cfg), "authorization": authorization},
        )
        assert reply.status == 302, reply.body
        return parse_qs(urlsplit(reply.headers["location"]).query)["code"][0]

    def basic(self, cfg: dict[str, Any]) -> dict[str, str]:
        raw = f"{cfg['clientId']}:{cfg['clientSecret']}".encode()
        return {"authorization": "Basic " + base64.b64encode(raw).decode()}

    def exchange(self, code: str, verifier: str = VERIFIER) -> CloudResponse:
        cfg = self.config()
        form = {
            "code": code,
            "code_verifier": verifier,
            "redirect_uri": cfg["returnUrl"],
            "grant_type": "authorization_code",
        }
        return self.post(cfg["tokenEndpoint"], form=form, headers=self.basic(cfg))

    def refresh(self, refresh_token: str | None = None) -> CloudResponse:
        cfg = self.config()
        form = {
            "scope": " ".join(cfg["scopes"]),
            "redirect_uri": cfg["returnUrl"],
            "grant_type": "refresh_token",
            "refresh_token": refresh_token or self.tokens["refresh_token"],
        }
        reply = self.post(cfg["tokenEndpoint"], form=form, headers=self.basic(cfg))
        if reply.status == 200:
            self.tokens = reply.json()
            self.token = self.tokens["access_token"]
        return reply

    def login(self) -> Api:
        reply = self.exchange(self.code())
        assert reply.status == 200, reply.body
        self.tokens = reply.json()
        self.token = self.tokens["access_token"]
        return self


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


@pytest.fixture
def cloud(clock: Clock) -> MyBMWCloud:
    return MyBMWCloud(clock=clock, seed=3)


@pytest.fixture
def api(cloud: MyBMWCloud) -> Api:
    """A logged-in client of the default fleet."""
    tokens = cloud.issue_tokens()
    client = Api(cloud)
    client.tokens = tokens
    client.token = tokens["access_token"]
    return client


@pytest.fixture
def anon(cloud: MyBMWCloud) -> Api:
    """A client without tokens."""
    return Api(cloud)
