"""China login: public key, slider captcha, encrypted password, x-login-nonce, refresh."""

from __future__ import annotations

import base64
from email.utils import format_datetime
import io
import json
from typing import Any

from PIL import Image
import pytest

from simulator import china
from simulator.cloud import DEMO_CN_PASSWORD, DEMO_CN_USERNAME, MyBMWCloud
from tests.simulator.conftest import START, Api

CN = "https://myprofile.bmw.com.cn"
KEY, IV = "0123456789abcdef", "fedcba9876543210"


def nonce(subject: str) -> str:
    return china.build_login_nonce(subject, format_datetime(START, usegmt=True), KEY, IV)


def solve(background_b64: str) -> str:
    """The client algorithm of §2.7: first 15x75 block within ±15 of (220, 230, 221)."""
    image = Image.open(io.BytesIO(base64.b64decode(background_b64))).convert("RGB")
    width, height = image.size
    pixels = image.load()
    assert pixels is not None

    def light(x: int, y: int) -> bool:
        r, g, b = pixels[x, y]  # type: ignore[misc]
        return abs(r - 220) <= 15 and abs(g - 230) <= 15 and abs(b - 221) <= 15

    for y in range(height - 75):
        for x in range(width - 15):
            if light(x, y) and all(light(x + dx, y + dy) for dy in range(75) for dx in range(15)):
                return f"{(x - 26) / width:.2f}"
    return ""


class ChinaApi(Api):
    def __init__(self, cloud: MyBMWCloud) -> None:
        super().__init__(cloud, CN)

    def slider(self) -> dict[str, Any]:
        reply = self.post("/eadrax-coas/v2/cop/slider-captcha", body={"mobile": DEMO_CN_USERNAME})
        assert reply.status == 200
        return dict(reply.json()["data"])

    def login_cn(self, password: str = DEMO_CN_PASSWORD, **headers: str) -> Any:
        pem = self.get("/eadrax-coas/v1/cop/publickey").json()["data"]["value"]
        data = self.slider()
        check = {"position": solve(data["backGroundImg"]), "verifyId": data["verifyId"]}
        assert self.post("/eadrax-coas/v1/cop/check-captcha", body=check).status == 200
        body = {
            "mobile": DEMO_CN_USERNAME,
            "password": china.encrypt_password(password, pem),
            "verifyId": data["verifyId"],
            "deviceId": DEMO_CN_USERNAME,
        }
        extra = {"x-login-nonce": nonce(DEMO_CN_USERNAME), **headers}
        return self.post("/eadrax-coas/v2/login/pwd", body=body, headers=extra)


@pytest.fixture
def cn(cloud: MyBMWCloud) -> ChinaApi:
    return ChinaApi(cloud)


def jwt_claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


def test_public_key(cn: ChinaApi) -> None:
    answer = cn.get("/eadrax-coas/v1/cop/publickey").json()
    assert answer["code"] == 200
    assert answer["error"] is False
    assert answer["data"]["expires"] == "3600"
    assert answer["data"]["value"].startswith("-----BEGIN PUBLIC KEY-----\r\n")


def test_slider_captcha_image(cn: ChinaApi) -> None:
    data = cn.slider()
    image = Image.open(io.BytesIO(base64.b64decode(data["backGroundImg"])))
    assert image.format == "JPEG"
    assert image.size == (590, 360)
    assert Image.open(io.BytesIO(base64.b64decode(data["cutImg"]))).format == "PNG"
    captcha = cn.cloud._captchas[data["verifyId"]]
    assert solve(data["backGroundImg"]) == f"{captcha.expected_position:.2f}"


def test_check_captcha_rejects_wrong_positions(cn: ChinaApi) -> None:
    data = cn.slider()
    url = "/eadrax-coas/v1/cop/check-captcha"
    wrong = cn.post(url, body={"position": "0.99", "verifyId": data["verifyId"]})
    assert wrong.status == 422
    assert wrong.json()["error"] is True
    assert cn.post(url, body={"position": "x", "verifyId": data["verifyId"]}).status == 422
    assert cn.post(url, body={"position": "0.5", "verifyId": "unknown"}).status == 422
    assert cn.post(url, body=b"[").status == 400
    assert cn.post("/eadrax-coas/v2/cop/slider-captcha", body={}).status == 400


def test_login_and_data_call(cn: ChinaApi) -> None:
    reply = cn.login_cn()
    assert reply.status == 200, reply.body
    data = reply.json()["data"]
    assert set(data) == {"access_token", "token_type", "refresh_token", "usid", "cid", "gcid"}
    claims = jwt_claims(data["access_token"])
    assert claims["exp"] - claims["iat"] == 3300
    assert claims["iat"] == int(START.timestamp())
    cn.token = data["access_token"]
    answer = cn.post("/eadrax-vcs/v5/vehicle-list", headers={"x-user-agent": "a;bmw;b;cn"})
    assert answer.status == 200


def test_login_errors(cn: ChinaApi) -> None:
    wrong = cn.login_cn(password="wrong")
    assert wrong.status == 422
    assert wrong.json()["code"] == 699121
    assert cn.login_cn(**{"x-login-nonce": ""}).status == 400
    assert cn.login_cn(**{"x-login-nonce": nonce("8613900000000")}).status == 400
    body = {"mobile": DEMO_CN_USERNAME, "password": "x", "verifyId": cn.slider()["verifyId"]}
    headers = {"x-login-nonce": nonce(DEMO_CN_USERNAME)}
    unverified = cn.post("/eadrax-coas/v2/login/pwd", body=body, headers=headers)
    assert unverified.status == 422
    assert cn.post("/eadrax-coas/v2/login/pwd", body=b"{", headers=headers).status == 400


def test_nonce_presence_only(clock) -> None:  # type: ignore[no-untyped-def]
    cn = ChinaApi(MyBMWCloud(clock=clock, check_login_nonce=False, seed=3))
    assert cn.login_cn(**{"x-login-nonce": "anything"}).status == 200


def test_refresh(cn: ChinaApi) -> None:
    data = cn.login_cn().json()["data"]
    form = {"refresh_token": data["refresh_token"], "grant_type": "refresh_token"}
    url = "/eadrax-coas/v2/oauth/token"
    assert cn.post(url, form=form).status == 400  # nonce missing
    wrong_subject = {"x-login-nonce": nonce(DEMO_CN_USERNAME)}
    assert cn.post(url, form=form, headers=wrong_subject).status == 400
    good = {"x-login-nonce": nonce(data["gcid"])}
    reply = cn.post(url, form=form, headers=good)
    assert reply.status == 200
    answer = reply.json()
    assert "data" not in answer
    assert answer["expires_in"] == 3300
    assert answer["refresh_token"] != data["refresh_token"]
    again = cn.post(url, form=form, headers=good)
    assert again.json()["error"] == "invalid_grant"
    assert cn.post(url, form={"grant_type": "password"}, headers=good).status == 400


def test_nonce_checker() -> None:
    good = nonce("8613800000000")
    assert len(good) == 224
    assert china.check_login_nonce(good, "8613800000000")
    assert not china.check_login_nonce(good, "8613800000001")
    assert not china.check_login_nonce("short", "x")
    tampered = good[:48] + ("0" if good[48] != "0" else "1") + good[49:]
    assert not china.check_login_nonce(tampered, "8613800000000")
    upper = good[:48] + good[48:-48].upper() + good[-48:]
    assert china.check_login_nonce(upper, "8613800000000")
    assert not china.check_login_nonce(good[:48] + "zz" + good[50:], "8613800000000")


def test_password_decryption_rejects_garbage() -> None:
    assert china.decrypt_password("not base64!") is None
    assert china.decrypt_password(base64.b64encode(b"x" * 128).decode()) is None
