"""The CLI keeps secrets out of argv and logs, and fails with one clear message."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import respx

from custom_components.bmw_mybmw.mybmw import cli
from custom_components.bmw_mybmw.mybmw.api.log_redaction import RedactingFilter
from custom_components.bmw_mybmw.mybmw.vehicle.remote_services import (
    PollingPolicy,
    RemoteServices,
)
from simulator.cloud import DEMO_PASSWORD, DEMO_USERNAME, MyBMWCloud

BEV = "WBA0FLEET00000001"


@pytest.fixture(autouse=True)
def fast_polling(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(RemoteServices, "polling", PollingPolicy(0, 0, 1, 0, 5))


@pytest.fixture(autouse=True)
def no_secrets_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(cli.PASSWORD_ENV, raising=False)
    monkeypatch.delenv(cli.CAPTCHA_ENV, raising=False)


def login(tmp_path: Path, *extra: str) -> int:
    """``status`` without a password argument and with a fresh token store."""
    store = str(tmp_path / "s.json")
    return cli.main(["status", DEMO_USERNAME, "rest_of_world", "--oauth-store", store, *extra])


def test_password_and_captcha_from_the_environment(
    cloud: MyBMWCloud,
    mock_api: respx.MockRouter,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(cli.PASSWORD_ENV, DEMO_PASSWORD)
    monkeypatch.setenv(cli.CAPTCHA_ENV, "P1_env")
    assert login(tmp_path) == cli.ExitCode.OK
    assert "Found 4 vehicle(s)" in capsys.readouterr().out


def test_password_and_captcha_prompted(
    cloud: MyBMWCloud,
    mock_api: respx.MockRouter,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked: list[str] = []
    answers = {"MyBMW password: ": DEMO_PASSWORD, "Captcha token: ": "P1_prompt"}

    def fake_getpass(prompt: str) -> str:
        asked.append(prompt)
        return answers[prompt]

    monkeypatch.setattr(cli.getpass, "getpass", fake_getpass)
    monkeypatch.setattr(cli.sys.stdin, "isatty", lambda: True)
    assert login(tmp_path, "--captcha-token") == cli.ExitCode.OK
    assert asked == ["MyBMW password: ", "Captcha token: "]
    # A stored refresh token needs no password: nothing is asked the second time.
    asked.clear()
    assert login(tmp_path) == cli.ExitCode.OK
    assert asked == []


def test_no_prompt_without_a_terminal_and_eof_is_a_usage_error(
    cloud: MyBMWCloud,
    mock_api: respx.MockRouter,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(cli.sys.stdin, "isatty", lambda: False)
    assert login(tmp_path) == cli.ExitCode.USAGE  # no password, no captcha: nothing sent
    assert cloud.requests == []
    assert capsys.readouterr().err.strip() == f"Error: {cli.NO_PASSWORD}"
    # A captcha token does not make an empty password worth sending (it would burn the token).
    assert login(tmp_path, "--captcha-token", "P1_kept") == cli.ExitCode.USAGE
    assert cloud.requests == []
    err = capsys.readouterr().err.strip()
    assert err == "Error: no password given (set MYBMW_PASSWORD or run in a terminal)"

    def closed(prompt: str) -> str:
        raise EOFError

    monkeypatch.setattr(cli.getpass, "getpass", closed)
    assert login(tmp_path, "--captcha-token") == cli.ExitCode.USAGE
    assert "no password given" in capsys.readouterr().err


def test_password_argument_still_works_with_a_warning(
    cloud: MyBMWCloud,
    mock_api: respx.MockRouter,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["status", DEMO_USERNAME, DEMO_PASSWORD, "rest_of_world", "--captcha-token", "P1_arg"]
    assert cli.main([*argv, "--oauth-store", str(tmp_path / "s.json")]) == cli.ExitCode.OK
    err = capsys.readouterr().err
    assert "visible to other users" in err
    assert cli.PASSWORD_ENV in err
    assert DEMO_PASSWORD not in err


def test_reused_captcha_says_rejected(
    cloud: MyBMWCloud,
    mock_api: respx.MockRouter,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(cli.PASSWORD_ENV, DEMO_PASSWORD)
    assert login(tmp_path, "--captcha-token", "P1_once") == cli.ExitCode.OK
    (tmp_path / "s.json").unlink()
    capsys.readouterr()
    assert login(tmp_path, "--captcha-token", "P1_once") == cli.ExitCode.CAPTCHA
    err = capsys.readouterr().err
    assert "rejected" in err
    assert "is needed" not in err


def test_wrong_password_gives_one_clear_message(
    cloud: MyBMWCloud,
    mock_api: respx.MockRouter,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(cli.PASSWORD_ENV, "wrong")
    assert login(tmp_path, "--captcha-token", "P1_w") == cli.ExitCode.AUTH
    err = capsys.readouterr().err.strip()
    assert err == "Error: Login failed: check user name, password and region."


def test_image_into_an_unwritable_folder_is_a_clean_error(
    cloud: MyBMWCloud,
    mock_api: respx.MockRouter,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(cli.PASSWORD_ENV, DEMO_PASSWORD)
    blocker = tmp_path / "file"
    blocker.write_text("")
    argv = ["image", DEMO_USERNAME, "rest_of_world", BEV, "--captcha-token", "P1_img"]
    argv += ["--oauth-store", str(tmp_path / "s.json"), "--output-dir", str(blocker / "sub")]
    assert cli.main(argv) == cli.ExitCode.ERROR
    err = capsys.readouterr().err
    assert err.startswith("Error: Cannot write the images to")
    assert "Traceback" not in err


def test_debug_keeps_transport_traces_out(monkeypatch: pytest.MonkeyPatch) -> None:
    """httpcore's header trace (with the authorization code) stays off under --debug."""
    root = logging.getLogger()
    saved = (root.level, list(root.handlers), logging.getLogger("httpcore").level)
    handler = logging.StreamHandler()
    root.handlers = [handler]
    try:
        root.setLevel(logging.DEBUG)
        cli._quiet_transport_logs()
        trace = logging.getLogger("httpcore.http11")
        assert not trace.isEnabledFor(logging.DEBUG)
        assert logging.getLogger("custom_components.bmw_mybmw").isEnabledFor(logging.DEBUG)
        assert any(isinstance(f, RedactingFilter) for f in handler.filters)
        cli._quiet_transport_logs()  # idempotent
        assert sum(isinstance(f, RedactingFilter) for f in handler.filters) == 1
    finally:
        root.setLevel(saved[0])
        root.handlers = saved[1]
        logging.getLogger("httpcore").setLevel(saved[2])


def test_debug_run_logs_no_code_or_token(
    cloud: MyBMWCloud,
    mock_api: respx.MockRouter,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv(cli.PASSWORD_ENV, DEMO_PASSWORD)
    caplog.set_level(logging.DEBUG)
    assert login(tmp_path, "--captcha-token", "P1_dbg", "--debug") == cli.ExitCode.OK
    text = caplog.text
    assert "P1_dbg" not in text
    assert DEMO_PASSWORD not in text
    assert "code=" not in text
    assert not [r for r in caplog.records if r.name.startswith("httpcore")]
