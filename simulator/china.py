"""China login pieces of the simulated cloud: RSA key, slider captcha, login nonce, JWTs."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from functools import lru_cache
import hashlib
import hmac
import io
import json
import random
from typing import Any, Final

from Crypto.Cipher import AES, PKCS1_v1_5
from Crypto.PublicKey import RSA
from Crypto.Util.Padding import pad, unpad
from PIL import Image, ImageDraw

CAPTCHA_WIDTH: Final = 590
CAPTCHA_HEIGHT: Final = 360
GAP_COLOR: Final = (220, 230, 221)
GAP_WIDTH: Final = 50
GAP_HEIGHT: Final = 90
POSITION_OFFSET: Final = 26
POSITION_TOLERANCE: Final = 0.02
NONCE_SALT: Final = "u3.6.1"
_MIRROR: Final = "01234abcdefghijklmnopqrstuvwxyz56789"


@lru_cache(maxsize=1)
def rsa_key() -> RSA.RsaKey:
    """The process-wide RSA key (1024 bit like the recorded one); generated once."""
    return RSA.generate(1024)  # noqa: S505 - a test key, same size as the real one


def public_key_pem() -> str:
    """PEM of the public key with CRLF line breaks, as the server sends it."""
    pem: bytes = rsa_key().publickey().export_key()  # type: ignore[no-untyped-call]
    return pem.decode().replace("\n", "\r\n")


def encrypt_password(password: str, pem: str) -> str:
    """Encrypt like the app (RSA PKCS#1 v1.5, base64); for tests and demos."""
    key = RSA.import_key(pem.replace("\r\n", "\n"))
    return base64.b64encode(PKCS1_v1_5.new(key).encrypt(password.encode())).decode()


def decrypt_password(ciphertext: str) -> str | None:
    """Return the plaintext password, or None when it was not encrypted with our key."""
    try:
        raw = base64.b64decode(ciphertext, validate=True)
        plain = PKCS1_v1_5.new(rsa_key()).decrypt(raw, None)
    except (ValueError, TypeError):
        return None
    return plain.decode(errors="replace") if plain is not None else None


@dataclass
class SliderCaptcha:
    """One issued slider captcha and the answer it expects."""

    verify_id: str
    gap_x: int
    gap_y: int
    verified: bool = False

    @property
    def expected_position(self) -> float:
        """The position a correct solver sends (§2.7)."""
        return round((self.gap_x - POSITION_OFFSET) / CAPTCHA_WIDTH, 2)

    def check(self, position: str) -> bool:
        """Accept positions within the tolerance of the expected one."""
        try:
            value = float(position)
        except (TypeError, ValueError):
            return False
        self.verified = abs(value - self.expected_position) <= POSITION_TOLERANCE + 1e-9
        return self.verified


def new_captcha(verify_id: str, rng: random.Random) -> tuple[SliderCaptcha, str, str]:
    """Return a captcha, its base64 JPEG background and base64 PNG cut-out piece."""
    gap_x = rng.randrange(100, CAPTCHA_WIDTH - GAP_WIDTH - 20)
    gap_y = rng.randrange(20, CAPTCHA_HEIGHT - GAP_HEIGHT - 20)
    image = Image.new("RGB", (CAPTCHA_WIDTH, CAPTCHA_HEIGHT))
    draw = ImageDraw.Draw(image)
    for y in range(0, CAPTCHA_HEIGHT, 4):
        shade = 40 + (y * 120) // CAPTCHA_HEIGHT
        draw.rectangle((0, y, CAPTCHA_WIDTH, y + 3), fill=(shade, shade // 2 + 30, 90))
    for _ in range(40):
        x, y = rng.randrange(CAPTCHA_WIDTH), rng.randrange(CAPTCHA_HEIGHT)
        draw.ellipse((x, y, x + 25, y + 25), fill=(rng.randrange(120), rng.randrange(140), 60))
    draw.rectangle((gap_x, gap_y, gap_x + GAP_WIDTH - 1, gap_y + GAP_HEIGHT - 1), fill=GAP_COLOR)
    background = io.BytesIO()
    image.save(background, format="JPEG", quality=95)
    piece = io.BytesIO()
    image.crop((gap_x, gap_y, gap_x + GAP_WIDTH, gap_y + GAP_HEIGHT)).save(piece, format="PNG")
    return (
        SliderCaptcha(verify_id, gap_x, gap_y),
        base64.b64encode(background.getvalue()).decode(),
        base64.b64encode(piece.getvalue()).decode(),
    )


def _mirror_key(key: str) -> str:
    chars = list(key)
    for index in (4, 12):
        chars[index] = _MIRROR[35 - _MIRROR.index(chars[index])]
    return "".join(chars)


def build_login_nonce(subject: str, date_text: str, key: str, iv: str) -> str:
    """Build an ``x-login-nonce`` like the app (§2.7); used by tests of the checker."""
    k1, k2, i1, i2 = key[:8], key[8:], iv[:8], iv[8:]
    digest = hashlib.sha256(f"{k2}{i1}{NONCE_SALT}{subject[-4:]}{k1}{i2}".encode()).hexdigest()
    cipher = AES.new(_mirror_key(key).encode(), AES.MODE_CBC, iv.encode())
    payload = cipher.encrypt(pad(f"{subject}&{date_text}&{k1}".encode(), 16)).hex()
    return f"{k2}{i1}{digest[:32]}{payload}{k1}{i2}{digest[32:]}"


def check_login_nonce(nonce: str, subject: str) -> bool:
    """Return True when the nonce decodes to ``subject`` with a consistent hash and key."""
    if len(nonce) < 96 + 32:
        return False
    k2, i1, h_a = nonce[:8], nonce[8:16], nonce[16:48]
    k1, i2, h_b = nonce[-48:-40], nonce[-40:-32], nonce[-32:]
    digest = hashlib.sha256(f"{k2}{i1}{NONCE_SALT}{subject[-4:]}{k1}{i2}".encode()).hexdigest()
    if not hmac.compare_digest(digest, h_a + h_b):
        return False
    try:
        key = _mirror_key(k1 + k2)
        cipher = AES.new(key.encode(), AES.MODE_CBC, (i1 + i2).encode())
        plain = unpad(cipher.decrypt(bytes.fromhex(nonce[48:-48])), 16).decode()
    except (ValueError, UnicodeDecodeError):
        return False
    parts = plain.split("&")
    return len(parts) == 3 and parts[0] == subject and parts[2] == k1 and bool(parts[1])


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_jwt(claims: dict[str, Any], secret: bytes) -> str:
    """Return an HS256 JWT (the China login hands these out)."""
    header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    body = _b64url(json.dumps(claims, separators=(",", ":")).encode())
    signature = hmac.new(secret, f"{header}.{body}".encode(), hashlib.sha256).digest()
    return f"{header}.{body}.{_b64url(signature)}"
