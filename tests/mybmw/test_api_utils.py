"""Tests for the login helpers in api/utils.py."""

from __future__ import annotations

import base64
import datetime
from email.utils import parsedate_to_datetime
import hashlib
import io
import json
from pathlib import Path
import re

from Crypto.Cipher import AES
from Crypto.Util.Padding import unpad
from PIL import Image, ImageDraw
import pytest

from custom_components.bmw_mybmw.mybmw.api import utils
from custom_components.bmw_mybmw.mybmw.api.utils import (
    TOKEN_CHARS,
    build_x_user_agent,
    create_s256_code_challenge,
    generate_cn_nonce,
    generate_random_base64_string,
    generate_token,
    generate_user_agent_build,
    get_capture_position,
    get_correlation_id,
)

RESPONSES = Path(__file__).resolve().parents[3] / "shared" / "reference" / "mybmw-responses"


def test_generate_token_uses_alphabet_and_length() -> None:
    token = generate_token(86)
    assert len(token) == 86
    assert set(token) <= set(TOKEN_CHARS)
    assert generate_token() != generate_token()
    assert len(generate_token()) == 30
    assert set(generate_token(50, chars="ab")) <= {"a", "b"}


def test_s256_code_challenge_is_unpadded_base64url_of_sha256() -> None:
    # SHA-256("abc") is the FIPS 180-2 test vector.
    digest = bytes.fromhex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    expected = base64.urlsafe_b64encode(digest).decode().rstrip("=")
    challenge = create_s256_code_challenge("abc")
    assert challenge == expected
    assert len(challenge) == 43
    assert "=" not in challenge


def test_random_base64_string() -> None:
    text = generate_random_base64_string(24)
    assert len(text) == 24
    assert re.fullmatch(r"[A-Za-z0-9+/=]+", text)


def test_correlation_ids_are_equal_and_fresh() -> None:
    first, second = get_correlation_id(), get_correlation_id()
    assert first["x-correlation-id"] == first["bmw-correlation-id"]
    assert re.fullmatch(r"[0-9a-f-]{36}", first["x-correlation-id"])
    assert first["x-correlation-id"] != second["x-correlation-id"]


def test_user_agent_build_random_and_derived() -> None:
    pattern = r"AP2A\.\d{6}\.\d{3}"
    assert re.fullmatch(pattern, generate_user_agent_build())
    assert generate_user_agent_build() != generate_user_agent_build()
    derived = generate_user_agent_build("myhost-123456789")
    assert re.fullmatch(pattern, derived)
    assert derived == generate_user_agent_build("myhost-123456789")
    assert derived != generate_user_agent_build("otherhost-123456789")


def test_user_agent_build_pads_short_digit_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    class _FakeUUID:
        def __init__(self, hex_text: str) -> None:
            self.hex = hex_text

    monkeypatch.setattr(utils.uuid, "uuid4", lambda: _FakeUUID("abcdef12" + "f" * 24))
    assert generate_user_agent_build() == "AP2A.120000.012"
    monkeypatch.setattr(utils.uuid, "uuid4", lambda: _FakeUUID("f" * 32))
    assert generate_user_agent_build() == "AP2A.000000.000"


def test_x_user_agent_format() -> None:
    assert (
        build_x_user_agent("AP2A.534228.164", "bmw", "4.9.2(36892)", "row")
        == "android(AP2A.534228.164);bmw;4.9.2(36892);row"
    )


def test_cn_nonce_construction() -> None:
    now = datetime.datetime(2025, 11, 25, 9, 31, tzinfo=datetime.UTC)
    username = "8613800138000"
    key, iv = "0123456789abcdef", "fedcba9876543210"
    nonce = generate_cn_nonce(username, now=now, key=key, iv=iv)
    assert len(nonce) == 224

    k1, k2, i1, i2 = key[:8], key[8:], iv[:8], iv[8:]
    digest = hashlib.sha256(f"{k2}{i1}u3.6.1{username[-4:]}{k1}{i2}".encode()).hexdigest()
    assert nonce.startswith(k2 + i1 + digest[:32])
    assert nonce.endswith(k1 + i2 + digest[32:])
    cipher_hex = nonce[48:-48]
    # Characters 4 ('4') and 12 ('c') are mirrored in the 36-character alphabet.
    aes_key = b"0123556789abxdef"
    plain = unpad(
        AES.new(aes_key, AES.MODE_CBC, iv.encode()).decrypt(bytes.fromhex(cipher_hex)), 16
    )
    assert plain.decode() == f"{username}&Tue, 25 Nov 2025 09:31:00 GMT&{k1}"


def test_cn_nonce_defaults_are_random_and_current() -> None:
    first = generate_cn_nonce("DUMMY-GCID")
    assert first != generate_cn_nonce("DUMMY-GCID")
    assert re.fullmatch(r"[0-9a-f]+", first)
    # 96 characters of key, iv and hash around whole AES blocks (32 hex characters each).
    assert (len(first) - 96) % 32 == 0


def _png_base64(image: Image.Image) -> str:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def test_capture_position_on_generated_image() -> None:
    image = Image.new("RGB", (300, 200), (30, 40, 50))
    draw = ImageDraw.Draw(image)
    # A decoy that is too narrow (14 px) comes first and must be skipped.
    draw.rectangle((10, 5, 23, 120), fill=(220, 230, 221))
    draw.rectangle((120, 40, 149, 129), fill=(232, 218, 229))  # within +-15 of (220, 230, 221)
    assert get_capture_position(_png_base64(image)) == "0.31"  # (120 - 26) / 300


def test_capture_position_without_gap() -> None:
    image = Image.new("RGB", (200, 120), (0, 0, 0))
    ImageDraw.Draw(image).rectangle((50, 10, 80, 60), fill=(220, 230, 221))  # only 51 px high
    assert get_capture_position(_png_base64(image)) == ""


@pytest.mark.skipif(not RESPONSES.is_dir(), reason="recorded responses not available")
def test_capture_position_on_recorded_captcha() -> None:
    data = json.loads((RESPONSES / "auth" / "auth_slider_captcha.json").read_text())
    assert get_capture_position(data["data"]["backGroundImg"]) == "0.81"


def test_date_in_nonce_is_rfc1123() -> None:
    # The plaintext date must parse back to the moment it was built for.
    now = datetime.datetime(2024, 2, 29, 23, 59, 59, tzinfo=datetime.UTC)
    nonce = generate_cn_nonce("861234", now=now, key="a" * 16, iv="b" * 16)
    plain = unpad(
        AES.new(b"aaaazaaaaaaazaaa", AES.MODE_CBC, b"b" * 16).decrypt(bytes.fromhex(nonce[48:-48])),
        16,
    ).decode()
    assert parsedate_to_datetime(plain.split("&")[1]) == now


def test_anonymize_functions_are_reexported() -> None:
    assert callable(utils.anonymize_data)
    assert callable(utils.anonymize_response)
