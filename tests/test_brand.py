"""The brand folder has every image Home Assistant's brands spec names, in its sizes."""

from __future__ import annotations

from pathlib import Path

from PIL import Image
import pytest

BRAND = Path(__file__).resolve().parents[1] / "custom_components" / "bmw_mybmw" / "brand"


@pytest.mark.parametrize("prefix", ["", "dark_"])
@pytest.mark.parametrize(("suffix", "side"), [("", 256), ("@2x", 512)])
def test_icon(prefix: str, suffix: str, side: int) -> None:
    """Square icons of exactly 256 and 512 px, transparent around the mark."""
    with Image.open(BRAND / f"{prefix}icon{suffix}.png") as image:
        assert image.format == "PNG"
        assert image.size == (side, side)
        assert image.mode == "RGBA"
        assert image.getpixel((0, 0))[3] == 0


@pytest.mark.parametrize("prefix", ["", "dark_"])
@pytest.mark.parametrize(("suffix", "shortest"), [("", (128, 256)), ("@2x", (256, 512))])
def test_logo(prefix: str, suffix: str, shortest: tuple[int, int]) -> None:
    """Landscape logos, shortest side within the spec's range, trimmed to their content."""
    with Image.open(BRAND / f"{prefix}logo{suffix}.png") as image:
        assert image.format == "PNG"
        assert image.width > image.height
        assert shortest[0] <= image.height <= shortest[1]
        assert image.getchannel("A").getbbox() == (0, 0, *image.size)


def test_dark_variants_differ() -> None:
    """A dark variant that equals the light one would keep dark strokes on dark themes."""
    for name in ("icon.png", "logo.png"):
        light = (BRAND / name).read_bytes()
        assert light != (BRAND / f"dark_{name}").read_bytes()
