"""Login helpers: PKCE values, correlation ids, the Android build string, China nonce and slider."""

from __future__ import annotations

import base64
import datetime
from email.utils import format_datetime
import hashlib
import io
import secrets
import uuid

from Crypto.Cipher import AES
from Crypto.Util.Padding import pad
from PIL import Image, ImageChops

from .anonymize import anonymize_data, anonymize_response

__all__ = [
    "anonymize_data",
    "anonymize_response",
    "build_x_user_agent",
    "create_s256_code_challenge",
    "generate_cn_nonce",
    "generate_random_base64_string",
    "generate_token",
    "generate_user_agent_build",
    "get_capture_position",
    "get_correlation_id",
]

TOKEN_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~"

# China x-login-nonce (protocol §2.7)
_NONCE_VERSION = "u3.6.1"
_NONCE_ALPHABET = "01234abcdefghijklmnopqrstuvwxyz56789"
_NONCE_MIRRORED_INDEXES = (4, 12)

# China slider captcha (protocol §2.7): the gap is a light block of this colour.
_GAP_COLOUR = (220, 230, 221)
_GAP_TOLERANCE = 15
_GAP_WIDTH = 15
_GAP_HEIGHT = 75
_GAP_OFFSET = 26


def generate_token(length: int = 30, chars: str = TOKEN_CHARS) -> str:
    """Return a random string from ``chars`` (PKCE verifier, state, nonce)."""
    return "".join(secrets.choice(chars) for _ in range(length))


def create_s256_code_challenge(code_verifier: str) -> str:
    """Return the PKCE S256 challenge: unpadded base64url of SHA-256 over the verifier."""
    digest = hashlib.sha256(code_verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def generate_random_base64_string(size: int) -> str:
    """Return ``size`` characters of base64 text built from random bytes."""
    text = base64.b64encode(secrets.token_bytes(size)).decode("ascii")
    return text[:size]


def get_correlation_id() -> dict[str, str]:
    """Return both correlation headers, carrying one fresh UUID4."""
    correlation_id = str(uuid.uuid4())
    return {"x-correlation-id": correlation_id, "bmw-correlation-id": correlation_id}


def generate_user_agent_build(seed: str | None = None) -> str:
    """Return an Android build string ``AP2A.<6 digits>.<3 digits>`` for ``x-user-agent``.

    BMW counts quota per ``x-user-agent`` value, so every installation needs
    its own value, generated once and persisted by the caller. Without a seed
    the value is random; with one (e.g. ``"<hostname>-<node>"``) it is derived
    the documented way: the decimal digits of the upper-case hex UUIDv5 in the
    DNS namespace.
    """
    source = uuid.uuid4() if seed is None else uuid.uuid5(uuid.NAMESPACE_DNS, seed)
    digits = "".join(ch for ch in source.hex.upper() if ch.isdigit())
    middle = digits[:6].ljust(6, "0")
    last = digits[-3:].rjust(3, "0") if digits else "000"
    return f"AP2A.{middle}.{last}"


def build_x_user_agent(build: str, brand: str, app_version: str, region: str) -> str:
    """Return the ``x-user-agent`` header value (protocol §1.3)."""
    return f"android({build});{brand};{app_version};{region}"


def _mirror_nonce_key(key: str) -> str:
    chars = list(key)
    for index in _NONCE_MIRRORED_INDEXES:
        position = _NONCE_ALPHABET.index(chars[index])
        chars[index] = _NONCE_ALPHABET[len(_NONCE_ALPHABET) - 1 - position]
    return "".join(chars)


def generate_cn_nonce(
    username: str,
    *,
    now: datetime.datetime | None = None,
    key: str | None = None,
    iv: str | None = None,
) -> str:
    """Return the ``x-login-nonce`` header for China logins (username) and refreshes (gcid).

    ``now``, ``key`` and ``iv`` exist so the construction can be tested
    deterministically; callers leave them unset.
    """
    key = key if key is not None else secrets.token_hex(8)
    iv = iv if iv is not None else secrets.token_hex(8)
    k1, k2, i1, i2 = key[:8], key[8:16], iv[:8], iv[8:16]
    digest = hashlib.sha256(f"{k2}{i1}{_NONCE_VERSION}{username[-4:]}{k1}{i2}".encode()).hexdigest()
    moment = (now or datetime.datetime.now(datetime.UTC)).astimezone(datetime.UTC)
    plaintext = f"{username}&{format_datetime(moment, usegmt=True)}&{k1}"
    cipher = AES.new(_mirror_nonce_key(key).encode("ascii"), AES.MODE_CBC, iv.encode("ascii"))
    encrypted = cipher.encrypt(pad(plaintext.encode("utf-8"), AES.block_size)).hex()
    return f"{k2}{i1}{digest[:32]}{encrypted}{k1}{i2}{digest[32:]}"


def get_capture_position(base64_background_img: str) -> str:
    """Return the slider position of the China captcha, or ``""`` when no gap is found.

    The gap is the first (row-major) 15x75 block whose pixels all lie within
    the tolerance of the gap colour; the answer is ``(x - 26) / width``.
    """
    image = Image.open(io.BytesIO(base64.b64decode(base64_background_img))).convert("RGB")
    width, height = image.size
    mask: Image.Image | None = None
    for band, wanted in zip(image.split(), _GAP_COLOUR, strict=True):
        low, high = wanted - _GAP_TOLERANCE, wanted + _GAP_TOLERANCE
        band_mask = band.point(lambda v, lo=low, hi=high: 255 if lo <= v <= hi else 0)
        mask = band_mask if mask is None else ImageChops.multiply(mask, band_mask)
    assert mask is not None  # an RGB image has three bands
    pixels = mask.tobytes()

    # runs[y][x]: how many matching pixels start at (x, y) going down. The
    # loop over x stops before the last column, so a block never starts at
    # x >= width - 15, as the protocol requires.
    runs = [[0] * width for _ in range(height + 1)]
    for y in range(height - 1, -1, -1):
        row, below, offset = runs[y], runs[y + 1], y * width
        for x in range(width):
            if pixels[offset + x]:
                row[x] = below[x] + 1

    for y in range(height - _GAP_HEIGHT):
        row = runs[y]
        streak = 0
        for x in range(width - 1):
            streak = streak + 1 if row[x] >= _GAP_HEIGHT else 0
            if streak >= _GAP_WIDTH:
                start = x - _GAP_WIDTH + 1
                return f"{round((start - _GAP_OFFSET) / width, 2)}"
    return ""
