"""OAuth login, token exchange, refresh rotation and access-token expiry."""

from __future__ import annotations

from simulator.cloud import (
    DEMO_PASSWORD,
    DEMO_USERNAME,
    OCP_APIM_KEYS,
    WRONG_PASSWORD_BODY,
    Account,
    MyBMWCloud,
)
from tests.simulator.conftest import Api, needs_samples, sample

CONFIG = "/eadrax-ucs/v1/presentation/oauth/config"


def test_oauth_config_points_back_at_the_server(anon: Api) -> None:
    cfg = anon.config()
    assert cfg["tokenEndpoint"] == "https://cocoapi.bmwgroup.com/gcdm/oauth/token"
    local = Api(anon.cloud, "http://127.0.0.1:8765")
    assert local.config()["tokenEndpoint"] == "http://127.0.0.1:8765/gcdm/oauth/token"


def test_oauth_config_gcdm_override(clock) -> None:  # type: ignore[no-untyped-def]
    cloud = MyBMWCloud(clock=clock, gcdm_base_url="https://customer.bmwgroup.com/")
    cfg = Api(cloud).config()
    assert cfg["tokenEndpoint"] == "https://customer.bmwgroup.com/gcdm/oauth/token"
    assert cfg["gcdmBaseUrl"] == "https://customer.bmwgroup.com"


@needs_samples
def test_oauth_config_has_the_recorded_keys(anon: Api) -> None:
    assert set(anon.config()) == set(sample("auth/oauth_config.json"))


def test_oauth_config_requires_the_region_key(anon: Api) -> None:
    assert anon.get(CONFIG).status == 401
    wrong = anon.get(CONFIG, headers={"ocp-apim-subscription-key": "nope"})
    assert wrong.status == 401
    na_key_on_row = anon.get(CONFIG, headers={"ocp-apim-subscription-key": OCP_APIM_KEYS["na"]})
    assert na_key_on_row.status == 401
    us = Api(anon.cloud, "https://cocoapi.bmwgroup.us")
    ok = us.get(CONFIG, headers={"ocp-apim-subscription-key": OCP_APIM_KEYS["na"]})
    assert ok.status == 200


def test_full_login_then_data_call(anon: Api) -> None:
    anon.login()
    assert anon.tokens["token_type"] == "Bearer"
    assert anon.tokens["expires_in"] == 28799
    assert anon.tokens["gcid"] == anon.cloud.accounts[DEMO_USERNAME].gcid
    assert anon.post("/eadrax-vcs/v5/vehicle-list").status == 200
    assert anon.cloud.count("authenticate") == 2
    assert anon.cloud.count("token") == 1


def test_wrong_password_gives_invalid_client(anon: Api) -> None:
    reply = anon.authenticate(password="wrong")
    assert reply.status == 401
    assert reply.json() == WRONG_PASSWORD_BODY
    assert anon.authenticate(username="nobody@example.com").status == 401


def test_captcha_required_and_single_use(anon: Api) -> None:
    assert anon.authenticate(captcha="").status == 400
    assert anon.authenticate(captcha="P1_once").status == 200
    again = anon.authenticate(captcha="P1_once")
    assert again.status == 400
    assert again.json()["error"] == "invalid_request"


def test_authenticate_validates_the_form(anon: Api) -> None:
    cfg = anon.config()
    url = cfg["tokenEndpoint"].replace("/token", "/authenticate")
    form = anon.base_form(cfg)
    form.pop("code_challenge")
    assert anon.post(url, form=form).status == 400
    bad_client = {**anon.base_form(cfg), "client_id": "other"}
    assert anon.post(url, form=bad_client).status == 401
    plain = {**anon.base_form(cfg), "code_challenge_method": "plain"}
    assert anon.post(url, form=plain).status == 400
    wrong_grant = {**anon.base_form(cfg), "username": DEMO_USERNAME, "password": DEMO_PASSWORD}
    reply = anon.post(url, form=wrong_grant, headers={"hcaptchatoken": "P1_grant"})
    assert reply.json()["error"] == "unsupported_grant_type"
    unknown = {**anon.base_form(cfg), "authorization": "made-up"}
    assert anon.post(url, form=unknown).json()["error"] == "invalid_grant"


def test_redirect_carries_state_and_code(anon: Api) -> None:
    code = anon.code()
    assert len(code) > 20
    location = anon.cloud.requests[-1]
    assert location.endpoint == "authenticate"
    assert location.params["interaction-id"] == "x"


def test_token_exchange_checks(anon: Api) -> None:
    cfg = anon.config()
    code = anon.code()
    assert anon.exchange(code, verifier="x" * 86).json()["error"] == "invalid_grant"
    code = anon.code()
    bad_basic = anon.post(
        cfg["tokenEndpoint"],
        form={"code": code, "grant_type": "authorization_code"},
        headers={"authorization": "Basic eDp5"},
    )
    assert bad_basic.status == 401
    assert anon.exchange(code).status == 200
    assert anon.exchange(code).status == 400  # codes are single use
    redirect = anon.post(
        cfg["tokenEndpoint"],
        form={"code": anon.code(), "grant_type": "authorization_code", "redirect_uri": "x"},
        headers=anon.basic(cfg),
    )
    assert redirect.json()["error_description"] == "redirect_uri mismatch"
    other = anon.post(
        cfg["tokenEndpoint"], form={"grant_type": "password"}, headers=anon.basic(cfg)
    )
    assert other.json()["error"] == "unsupported_grant_type"


def test_code_expires(anon: Api) -> None:
    code = anon.code()
    anon.cloud.clock.advance(601)
    assert anon.exchange(code).status == 400


def test_refresh_rotates(api: Api) -> None:
    first = api.tokens["refresh_token"]
    assert api.refresh().status == 200
    assert api.tokens["refresh_token"] != first
    reused = api.refresh(first)
    assert reused.status == 400
    assert reused.json()["error"] == "invalid_grant"
    assert api.post("/eadrax-vcs/v5/vehicle-list").status == 200


def test_refresh_token_expiry_and_revocation(api: Api) -> None:
    api.cloud.clock.advance(91 * 86400)
    assert api.refresh().status == 400
    api.tokens = api.cloud.issue_tokens()
    api.cloud.revoke_refresh_tokens()
    assert api.refresh().status == 400


def test_access_token_expires(api: Api) -> None:
    assert api.post("/eadrax-vcs/v5/vehicle-list").status == 200
    api.cloud.clock.advance(28800)
    assert api.post("/eadrax-vcs/v5/vehicle-list").status == 401
    assert api.refresh().status == 200
    assert api.post("/eadrax-vcs/v5/vehicle-list").status == 200
    api.cloud.expire_access_tokens()
    assert api.post("/eadrax-vcs/v5/vehicle-list").status == 401


def test_configurable_lifetime_and_missing_bearer(clock) -> None:  # type: ignore[no-untyped-def]
    cloud = MyBMWCloud(clock=clock, access_token_lifetime=60)
    api = Api(cloud)
    assert api.post("/eadrax-vcs/v5/vehicle-list").status == 401
    api.login()
    assert api.tokens["expires_in"] == 60
    clock.advance(61)
    assert api.post("/eadrax-vcs/v5/vehicle-list").status == 401
    api.token = "Bearer-less"
    reply = cloud.handle("POST", "https://cocoapi.bmwgroup.com/eadrax-vcs/v5/vehicle-list", {})
    assert reply.status == 401


def test_accounts_see_only_their_vehicles(clock) -> None:  # type: ignore[no-untyped-def]
    cloud = MyBMWCloud(clock=clock, accounts=[Account("a@x", "pw", gcid="g-1", vins=[])])
    api = Api(cloud)
    api.tokens = cloud.issue_tokens("a@x")
    api.token = api.tokens["access_token"]
    answer = api.post("/eadrax-vcs/v5/vehicle-list").json()
    assert answer == {"gcid": "g-1", "mappingInfos": []}
    vin = next(iter(cloud.vehicles))
    assert api.get("/eadrax-vcs/v4/vehicles/state", vin=vin).status == 404
