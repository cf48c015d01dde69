"""The loopback overrides CARDATA_SERVER_URL / CARDATA_STREAM_URL."""

from __future__ import annotations

import pytest

from custom_components.bmw_mybmw.cardata.const import (
    API_BASE_URL,
    AUTH_BASE_URL,
    STREAM_HOST,
    STREAM_PORT,
)
from custom_components.bmw_mybmw.cardata.endpoints import CarDataEndpoints, endpoints_from_env


def test_bmw_by_default() -> None:
    endpoints = endpoints_from_env({})
    assert endpoints == CarDataEndpoints(AUTH_BASE_URL, API_BASE_URL, STREAM_HOST, STREAM_PORT)
    assert endpoints.stream_tls


def test_reads_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARDATA_SERVER_URL", "http://localhost:9999/")
    monkeypatch.delenv("CARDATA_STREAM_URL", raising=False)
    endpoints = endpoints_from_env()
    assert endpoints.auth_base_url == endpoints.api_base_url == "http://localhost:9999"
    assert endpoints.stream_host == STREAM_HOST


def test_loopback_overrides() -> None:
    endpoints = endpoints_from_env(
        {"CARDATA_SERVER_URL": "http://127.0.0.1:8766", "CARDATA_STREAM_URL": "mqtt://[::1]:1883"}
    )
    assert endpoints.auth_base_url == "http://127.0.0.1:8766"
    assert endpoints.api_base_url == "http://127.0.0.1:8766"
    assert (endpoints.stream_host, endpoints.stream_port, endpoints.stream_tls) == (
        "::1",
        1883,
        False,
    )
    tls = endpoints_from_env({"CARDATA_STREAM_URL": "mqtts://127.0.0.1:8883"})
    assert (tls.stream_host, tls.stream_port, tls.stream_tls) == ("127.0.0.1", 8883, True)
    assert tls.auth_base_url == AUTH_BASE_URL


@pytest.mark.parametrize(
    "url",
    ["https://api-cardata.bmwgroup.com", "http://192.168.1.5:8766", "ftp://127.0.0.1", "127.0.0.1"],
)
def test_server_url_refused(url: str) -> None:
    with pytest.raises(ValueError, match="CARDATA_SERVER_URL"):
        endpoints_from_env({"CARDATA_SERVER_URL": url})


@pytest.mark.parametrize(
    "url",
    [
        "mqtts://customer.streaming-cardata.bmwgroup.com:9000",
        "mqtt://10.0.0.2:1883",
        "mqtt://127.0.0.1",  # no port
        "mqtt://127.0.0.1:99999",
        "http://127.0.0.1:1883",
        "mqtt://:1883",
    ],
)
def test_stream_url_refused(url: str) -> None:
    with pytest.raises(ValueError, match="CARDATA_STREAM_URL"):
        endpoints_from_env({"CARDATA_STREAM_URL": url})
