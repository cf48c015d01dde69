"""The real transport against a real broker: mosquitto on loopback, TLS and a password.

The test starts ``mosquitto`` with a certificate made here, publishes a stream
message with paho and checks that :class:`CarDataStream` over
:class:`PahoConnection` hands it over. Skipped when mosquitto is not installed
(``apt-get install mosquitto``; scripts/test installs it).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
import ipaddress
import json
import os
from pathlib import Path
import shutil
import socket
import ssl
import subprocess
import time

import pytest

from custom_components.bmw_mybmw.cardata.auth import CarDataAuth, CarDataTokens
from custom_components.bmw_mybmw.cardata.models import StreamMessage
from custom_components.bmw_mybmw.cardata.stream import Backoff, CarDataStream, PahoConnection

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
PASSWD = shutil.which("mosquitto_passwd") or "/usr/bin/mosquitto_passwd"
GCID = "0f0e0d0c-demo-gcid"
PASSWORD = "id-token-as-password"
VIN = "WBA0FLEET00000001"

pytestmark = pytest.mark.skipif(
    not (Path(MOSQUITTO).exists() and Path(PASSWD).exists()),
    reason="mosquitto is not installed (apt-get install mosquitto); real-broker test skipped",
)


@dataclass
class Broker:
    port: int
    ca_file: Path


def _certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (it is its own CA)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_listening(port: int, proc: subprocess.Popen[bytes], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            error = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            raise RuntimeError(f"mosquitto exited with {proc.returncode}: {error[-500:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError("mosquitto did not start listening")


@pytest.fixture
def mosquitto(tmp_path: Path, socket_enabled: None) -> Iterator[Broker]:
    """mosquitto on loopback: TLS only, one user (the GCID) with the id token as password."""
    cert_file, key_file = _certificate(tmp_path)
    passwords = tmp_path / "passwords"
    subprocess.run([PASSWD, "-b", "-c", str(passwords), GCID, PASSWORD], check=True)
    port = _free_port()
    config = tmp_path / "mosquitto.conf"
    config.write_text(
        "\n".join(
            [
                "persistence false",
                # As root, mosquitto would switch to its own user, which cannot read tmp_path.
                *(["user root"] if os.geteuid() == 0 else []),
                "log_dest stderr",
                f"listener {port} 127.0.0.1",
                f"certfile {cert_file}",
                f"keyfile {key_file}",
                "allow_anonymous false",
                f"password_file {passwords}",
                "",
            ]
        )
    )
    proc = subprocess.Popen(
        [MOSQUITTO, "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        _wait_listening(port, proc)
        yield Broker(port=port, ca_file=cert_file)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _publish(broker: Broker, topic: str, payload: bytes) -> None:
    """What BMW's broker does: deliver one car message (QoS 1, as another TLS client)."""
    from paho.mqtt import client as paho
    from paho.mqtt.enums import CallbackAPIVersion

    client = paho.Client(callback_api_version=CallbackAPIVersion.VERSION2, client_id="car")
    client.username_pw_set(GCID, PASSWORD)
    client.tls_set_context(ssl.create_default_context(cafile=str(broker.ca_file)))
    client.connect("127.0.0.1", broker.port, 30)
    client.loop_start()
    try:
        client.publish(topic, payload, qos=1).wait_for_publish(timeout=5)
    finally:
        client.disconnect()
        client.loop_stop()


def _tokens(password: str) -> CarDataTokens:
    later = datetime.now(UTC) + timedelta(hours=1)
    return CarDataTokens(
        access_token="access",
        refresh_token="refresh",
        id_token=password,
        gcid=GCID,
        access_token_expires_at=later,
        id_token_expires_at=later,
        refresh_token_expires_at=later + timedelta(days=14),
    )


async def test_stream_receives_from_a_real_broker(mosquitto: Broker) -> None:
    """TLS + username/password against mosquitto; the published message arrives parsed."""
    context = ssl.create_default_context(cafile=str(mosquitto.ca_file))
    received: asyncio.Queue[StreamMessage] = asyncio.Queue()
    connected = asyncio.Event()
    auth = CarDataAuth("client", tokens=_tokens(PASSWORD))
    stream = CarDataStream(
        auth,
        received.put_nowait,
        connection_factory=lambda: PahoConnection(client_id=GCID, ssl_context=context),
        host="127.0.0.1",
        port=mosquitto.port,
        on_connection_change=lambda up: connected.set() if up else None,
    )
    task = asyncio.create_task(stream.run())
    try:
        await asyncio.wait_for(connected.wait(), 10)
        payload = {
            "vin": VIN,
            "entityId": GCID,
            "topic": VIN,
            "timestamp": "2025-06-02T08:00:00Z",
            "data": {
                "vehicle.drivetrain.batteryManagement.header": {
                    "value": 64,
                    "unit": "percent",
                    "timestamp": "2025-06-02T08:00:00Z",
                }
            },
        }
        # The subscription is acknowledged asynchronously: publish until it arrives.
        message = None
        for _ in range(20):
            await asyncio.to_thread(
                _publish, mosquitto, f"{GCID}/{VIN}", json.dumps(payload).encode()
            )
            try:
                message = await asyncio.wait_for(received.get(), 0.5)
                break
            except TimeoutError:
                continue
        assert message is not None
        assert message.vin == VIN
        assert message.values["vehicle.drivetrain.batteryManagement.header"].value == 64
        assert stream.sessions == 1
    finally:
        await stream.stop()
        await asyncio.wait_for(task, 10)
        await auth.close()


async def test_wrong_password_is_not_authorized(mosquitto: Broker) -> None:
    """The broker's refusal of a stale id token surfaces as "not authorized"."""
    from custom_components.bmw_mybmw.cardata.stream import StreamNotAuthorizedError

    context = ssl.create_default_context(cafile=str(mosquitto.ca_file))
    connection = PahoConnection(client_id=GCID, ssl_context=context)
    with pytest.raises(StreamNotAuthorizedError):
        await connection.connect("127.0.0.1", mosquitto.port, GCID, "stale-token")
    await connection.disconnect()
    assert Backoff().delay(0, lambda: 0.0) == 5.0
