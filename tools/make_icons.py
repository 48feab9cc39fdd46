"""Draw the skill's icons: a pale crescent moon and a few faint stars on deep navy.

Alexa needs a 108x108 and a 512x512 PNG per locale (smallIconUri, largeIconUri in
skill.json); the ASK CLI uploads them from the skill package's assets/ folder. Calm
and dark, for a skill used at bedtime. Drawn at 4x and scaled down for smooth edges;
everything is fixed, so a rerun draws the same picture.

    python tools/make_icons.py            # writes interaction_model/assets/images/
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter

PROJECT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = PROJECT / "interaction_model" / "assets" / "images"
SIZES = {"small": 108, "large": 512}
SUPERSAMPLE = 4

NAVY_CENTER = (22, 36, 74)
NAVY_EDGE = (7, 12, 30)
MOON = (238, 226, 190)
STAR = (196, 204, 230)

# Stars as (x, y, radius, brightness 0..1), in fractions of the icon's side. All sit
# inside the central circle, since Alexa apps may show icons cropped to a circle.
STARS = (
    (0.70, 0.27, 0.012, 0.9),
    (0.78, 0.46, 0.008, 0.6),
    (0.60, 0.80, 0.010, 0.7),
    (0.30, 0.22, 0.007, 0.5),
    (0.74, 0.62, 0.006, 0.45),
)


def icon_name(size: int) -> str:
    return f"icon-{size}.png"


def _background(side: int) -> Image.Image:
    """A radial gradient from a lighter navy at the centre to near-black at the corners."""
    gradient = Image.radial_gradient("L").resize((side, side))  # 0 centre .. 255 edge
    gradient = gradient.point(lambda v: min(255, round(v * 1.3)))
    return Image.composite(
        Image.new("RGB", (side, side), NAVY_EDGE),
        Image.new("RGB", (side, side), NAVY_CENTER),
        gradient,
    )


def _disc(side: int, cx: float, cy: float, r: float) -> Image.Image:
    mask = Image.new("L", (side, side), 0)
    ImageDraw.Draw(mask).ellipse((cx - r, cy - r, cx + r, cy + r), fill=255)
    return mask


def draw_icon(size: int) -> Image.Image:
    side = size * SUPERSAMPLE
    image = _background(side)

    # The crescent: a disc with a larger, offset disc taken out of it.
    moon_r = side * 0.26
    cx, cy = side * 0.46, side * 0.52
    bite_r = moon_r * 0.92
    bite_dx, bite_dy = moon_r * 0.55, -moon_r * 0.30
    crescent = ImageChops.subtract(
        _disc(side, cx, cy, moon_r), _disc(side, cx + bite_dx, cy + bite_dy, bite_r)
    )
    # A faint, soft glow around the moon.
    glow = _disc(side, cx, cy, moon_r * 1.15).filter(ImageFilter.GaussianBlur(moon_r * 0.35))
    glow = glow.point(lambda v: v * 40 // 255)
    image = Image.composite(Image.new("RGB", (side, side), MOON), image, glow)
    image = Image.composite(Image.new("RGB", (side, side), MOON), image, crescent)

    draw = ImageDraw.Draw(image)
    for x, y, r, brightness in STARS:
        colour = tuple(
            round(b + (s - b) * brightness) for s, b in zip(STAR, NAVY_CENTER, strict=True)
        )
        radius = max(r * side, 1.5 * SUPERSAMPLE)
        px, py = x * side, y * side
        draw.ellipse((px - radius, py - radius, px + radius, py + radius), fill=colour)

    return image.resize((size, size), Image.Resampling.LANCZOS)


def write_icons(out: Path = DEFAULT_OUT) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for size in SIZES.values():
        path = out / icon_name(size)
        draw_icon(size).save(path, format="PNG", optimize=True)
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    for path in write_icons(args.out):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
