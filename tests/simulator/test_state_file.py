"""--state-file: tokens (and vehicle documents) survive a simulator restart."""

from __future__ import annotations

from collections.abc import AsyncIterator
import json
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
import pytest

from simulator import __main__ as cli, fleet, server
from simulator.cloud import Clock, MyBMWCloud
from tests.simulator.conftest import START, Api

BEV = fleet.make_vin(1)


def test_tokens_issued_before_a_restart_are_accepted_after_it(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    before = Api(MyBMWCloud(clock=Clock(START))).login()
    before.cloud.save_state(path)

    restarted = MyBMWCloud(clock=Clock(START))
    assert restarted.load_state(path) is True
    after = Api(restarted)
    after.token = before.token
    assert after.post("/eadrax-vcs/v5/vehicle-list", headers=after.headers()).status == 200
    reply = after.refresh(before.tokens["refresh_token"])
    assert reply.status == 200, reply.body
    # rotation still holds across the restart: the old refresh token is spent now
    assert after.refresh(before.tokens["refresh_token"]).status == 400


def test_a_fresh_cloud_rejects_the_same_tokens(tmp_path: Path) -> None:
    before = Api(MyBMWCloud(clock=Clock(START))).login()
    other = Api(MyBMWCloud(clock=Clock(START)))
    assert other.refresh(before.tokens["refresh_token"]).status == 400


def test_expired_tokens_and_unknown_entries_are_dropped(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    clock = Clock(START)
    cloud = MyBMWCloud(clock=clock, access_token_lifetime=60)
    tokens = cloud.issue_tokens()
    cloud.vehicle(BEV).state["state"]["mileage"] = 123456
    clock.advance(120)
    cloud.save_state(path)
    data = json.loads(path.read_text())
    assert tokens["access_token"] not in data["access_tokens"]
    assert tokens["refresh_token"] in data["refresh_tokens"]
    data["refresh_tokens"]["sim-rt-ghost"] = ["nobody@example.com", START.isoformat()]
    data["vehicles"]["WBA00000000000000"] = {"state": {}, "charging": None}
    path.write_text(json.dumps(data))

    restarted = MyBMWCloud(clock=Clock(START))
    restarted.load_state(path)
    assert restarted.vehicle(BEV).state["state"]["mileage"] == 123456
    assert "WBA00000000000000" not in restarted.vehicles
    assert Api(restarted).refresh("sim-rt-ghost").status == 400
    assert not list(tmp_path.glob("*.tmp"))


def test_missing_and_broken_state_files(tmp_path: Path) -> None:
    cloud = MyBMWCloud(clock=Clock(START))
    assert cloud.load_state(tmp_path / "absent.json") is False
    for text in ("not json", "[]", '{"version": 99}', '{"version": 1}'):
        (tmp_path / "bad.json").write_text(text)
        with pytest.raises(ValueError, match="not a simulator state file"):
            cloud.load_state(tmp_path / "bad.json")


@pytest.fixture
async def saving(socket_enabled: None, tmp_path: Path) -> AsyncIterator[TestClient[Any, Any]]:
    cloud = MyBMWCloud(clock=Clock(START))
    app = server.create_app(cloud, tmp_path / "state.json")
    async with TestClient(TestServer(app, host="127.0.0.1")) as test_client:
        yield test_client


async def test_server_saves_on_token_change_and_on_shutdown(
    saving: TestClient[Any, Any], tmp_path: Path
) -> None:
    path = tmp_path / "state.json"
    cloud: MyBMWCloud = saving.app[server.CLOUD_KEY]  # type: ignore[index]
    await saving.get("/nothing")
    assert not path.exists()  # no token change, nothing written
    tokens = cloud.issue_tokens()
    await saving.get("/nothing")
    assert tokens["refresh_token"] in json.loads(path.read_text())["refresh_tokens"]
    path.unlink()
    await saving.get("/nothing")
    assert not path.exists()  # saved once per change
    cloud.vehicle(BEV).state["state"]["mileage"] = 4242
    await saving.close()
    assert json.loads(path.read_text())["vehicles"][BEV]["state"]["state"]["mileage"] == 4242


def test_cli_loads_and_passes_the_state_file(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "state.json"
    seen: list[tuple[MyBMWCloud, Any]] = []
    monkeypatch.setattr(
        cli, "run", lambda cloud, *a, state_file, **k: seen.append((cloud, state_file))
    )
    cli.main(["--state-file", str(path)])
    assert seen[-1][1] == str(path)
    assert "restored" not in capsys.readouterr().out
    tokens = seen[-1][0].issue_tokens()
    seen[-1][0].save_state(path)
    cli.main(["--state-file", str(path)])
    assert "tokens restored" in capsys.readouterr().out
    assert Api(seen[-1][0]).refresh(tokens["refresh_token"]).status == 200
    path.write_text("garbage")
    cli.main(["--state-file", str(path)])
    assert "Ignoring the state file" in capsys.readouterr().err
    cli.main([])
    assert seen[-1][1] is None
