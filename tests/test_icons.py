"""The skill icons: every locale names a 108x108 and a 512x512 PNG in the skill package.

The ASK CLI uploads the whole skill package when skill.json names `file://` icons
(Manifest.hasIconFileUri in ask-cli 2.30.7), and Alexa resolves them against it.
Sizes are read from the PNG header itself; tools/make_icons.py draws the pictures.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest
from PIL import Image, ImageStat

from skill.dev.model import build as im
from skill.dev.model.source import LOCALES

PACKAGE_DIR = im.DEFAULT_ROOT
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
EXPECTED = {"smallIconUri": 108, "largeIconUri": 512}
FILE_SCHEME = "file://"


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from the IHDR chunk, which must come first."""
    head = path.read_bytes()[:24]
    assert head[:8] == PNG_SIGNATURE, f"{path} is not a PNG"
    length, kind = struct.unpack(">I4s", head[8:16])
    assert (length, kind) == (13, b"IHDR"), f"{path}: no IHDR first"
    width, height = struct.unpack(">II", head[16:24])
    return width, height


def icon_path(uri: str) -> Path:
    assert uri.startswith(FILE_SCHEME), f"{uri!r} is not a skill package file"
    relative = uri.removeprefix(FILE_SCHEME)
    path = (PACKAGE_DIR / relative).resolve()
    assert path.is_relative_to(PACKAGE_DIR.resolve()), f"{uri!r} leaves the skill package"
    return path


def locales() -> dict[str, dict[str, str]]:
    manifest = json.loads((PACKAGE_DIR / "skill.json").read_text(encoding="utf-8"))
    found: dict[str, dict[str, str]] = manifest["manifest"]["publishingInformation"]["locales"]
    return found


@pytest.mark.parametrize("locale", LOCALES)
def test_every_locale_names_both_icons_in_the_package(locale: str) -> None:
    info = locales()[locale]
    for key, side in EXPECTED.items():
        path = icon_path(info[key])
        assert path.is_file(), f"{locale} {key}: {path} does not exist"
        assert png_size(path) == (side, side), f"{locale} {key}: {path}"


def test_png_header_reader_reads_real_sizes(tmp_path: Path) -> None:
    path = tmp_path / "wide.png"
    Image.new("RGB", (30, 20)).save(path)
    assert png_size(path) == (30, 20)
    (tmp_path / "not.png").write_bytes(b"GIF89a" + bytes(30))
    with pytest.raises(AssertionError, match="not a PNG"):
        png_size(tmp_path / "not.png")


def test_icon_uris_must_stay_in_the_package() -> None:
    with pytest.raises(AssertionError, match="not a skill package file"):
        icon_path("https://example.com/icon.png")
    with pytest.raises(AssertionError, match="leaves the skill package"):
        icon_path("file://../README.md")


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_icons_are_dark_and_opaque(key: str) -> None:
    """Calm for bedtime: mostly deep navy (a dark mean), no transparent corners."""
    with Image.open(icon_path(locales()["en-US"][key])) as image:
        assert image.mode == "RGB"
        mean_luminance = ImageStat.Stat(image.convert("L")).mean[0]
    assert mean_luminance < 80, mean_luminance


def test_icons_are_what_the_drawing_script_names() -> None:
    sizes = sorted(EXPECTED.values())
    uris = {locales()["en-US"][key] for key in EXPECTED}
    assert uris == {f"{FILE_SCHEME}assets/images/icon-{side}.png" for side in sizes}
