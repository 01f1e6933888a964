"""Sample photographs for the data tests: the PNG and JPEG files scikit-image ships in its wheel
(`skimage/data`), read with PIL straight from the installed package (no download, no skimage import).

timm (and torch) are imported by tests/conftest.py before anything imports Keras.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from PIL import Image

_SKIMAGE = importlib.util.find_spec("skimage")
SKIMAGE_DATA = Path(_SKIMAGE.origin).parent / "data" if _SKIMAGE else None

# name -> file; sizes (height x width): chelsea 300x451, coffee 400x600, astronaut 512x512,
# rocket 427x640 (JPEG), camera 512x512 (grayscale).
PHOTO_FILES = {
    "chelsea": "chelsea.png",
    "coffee": "coffee.png",
    "astronaut": "astronaut.png",
    "rocket": "rocket.jpg",
    "camera": "camera.png",
}


def load_photo(name: str) -> Image.Image:
    if SKIMAGE_DATA is None:
        pytest.skip("scikit-image (the test extra) is not installed: it ships the sample photographs")
    with Image.open(SKIMAGE_DATA / PHOTO_FILES[name]) as img:
        img.load()
        return img


@pytest.fixture(scope="session")
def photos() -> dict[str, Image.Image]:
    """The colour photographs as RGB PIL images, plus a small odd-sized one (97x61, smaller than any
    crop, so resized up and, with crop_pct > 1, padded) and a tall thin one (333x101)."""
    out = {name: load_photo(name).convert("RGB") for name in ("chelsea", "coffee", "astronaut", "rocket")}
    out["small"] = out["chelsea"].resize((97, 61), Image.Resampling.BILINEAR)
    out["tall"] = out["coffee"].crop((250, 30, 351, 363))
    return out


@pytest.fixture(scope="session")
def grayscale_photo() -> Image.Image:
    return load_photo("camera")
