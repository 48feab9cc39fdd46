"""Draw the night screen from its own APL document: a picture for the README.

Every colour, size, padding, alignment and word comes from
`skill/content/night_screen.json` bound to the skill's own replies, laid out by
`testing/apl.py` (the same resolution the tests check): the resource blocks whose
`when` holds for the viewport, then the one Container's Text children. Only the
typeface is a stand-in (DejaVu Sans here; an Echo Show uses Amazon Ember), and text is
wrapped by word with Pillow's measurements at APL's default line height (1.25).

    python tools/render_night_screen.py          # writes docs/night_screen.png
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from skill.content import load_content, night_screen_document  # noqa: E402
from skill.replies import Reply  # noqa: E402
from skill.screen import night_screen_data  # noqa: E402
from testing.apl import ECHO_SHOWS, Layout, Line, Viewport, lay_out, urgent_example  # noqa: E402

DEFAULT_OUT = PROJECT / "docs" / "night_screen.png"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
LINE_EM = 1.25
GAP = 24  # between panels, px
LABEL = "#5A5A5A"  # the captions, outside the screens
SHEET = "#161616"  # the sheet around the screens, so their black edges show

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


def _font(line: Line) -> Font:
    name = "DejaVuSans" + ("-Bold" if line.bold else "") + ("-Oblique" if line.italic else "")
    if line.bold and line.italic:
        name = "DejaVuSans-BoldOblique"
    path = FONT_DIR / f"{name}.ttf"
    if path.exists():
        return ImageFont.truetype(str(path), round(line.font_size))
    return ImageFont.load_default(size=round(line.font_size))


def _wrap(text: str, font: Font, width: float) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        if current and font.getlength(trial) > width:
            lines.append(current)
            current = word
        else:
            current = trial
    return [*lines, current] if current else lines


def draw_screen(layout: Layout) -> Image.Image:
    """One viewport at 1 px per dp."""
    viewport = layout.viewport
    size = (viewport.width, viewport.height)
    screen = Image.new("RGB", size, layout.background)
    draw = ImageDraw.Draw(screen)
    width = viewport.width - 2 * layout.pad_x
    blocks = []
    for line in layout.texts:
        font = _font(line)
        wrapped = _wrap(line.text, font, width)
        height = line.pad_top + len(wrapped) * LINE_EM * line.font_size + line.pad_bottom
        blocks.append((line, font, wrapped, height))
    y = (viewport.height - sum(block[3] for block in blocks)) / 2  # justifyContent: center
    for line, font, wrapped, height in blocks:
        row = y + line.pad_top
        for text in wrapped:
            advance = font.getlength(text)
            x = layout.pad_x if line.align != "center" else (viewport.width - advance) / 2
            draw.text((x, row), text, font=font, fill=line.color)
            row += LINE_EM * line.font_size
        y += height
    if viewport.shape == "round":
        mask = Image.new("L", size, 0)
        ImageDraw.Draw(mask).ellipse((0, 0, size[0] - 1, size[1] - 1), fill=255)
        outside = Image.new("RGB", size, SHEET)
        screen = Image.composite(screen, outside, mask)
    return screen


def panels() -> list[tuple[str, Viewport, dict[str, object]]]:
    """What the README shows: an answer, the urgent line, the same near bedtime, a Spot."""
    content = load_content()
    timing = content.answer("timing")
    answer = Reply((timing.speech,), source=timing.sources[0])
    urgent = urgent_example()
    sleepy = Reply((timing.speech,), source=timing.sources[0], near_bedtime=True)
    show8, spot = ECHO_SHOWS[2], ECHO_SHOWS[0]
    return [
        ("Echo Show 8 (hubLandscapeMedium): an answer", show8, night_screen_data(answer)),
        ("The same, near bedtime: the darker palette", show8, night_screen_data(sleepy)),
        ("With a headline (the urgent line sets one)", show8, night_screen_data(urgent)),
        ("Echo Spot (hubRoundSmall)", spot, night_screen_data(answer)),
    ]


def render_sheet() -> Image.Image:
    document = night_screen_document()
    drawn = [
        (caption, draw_screen(lay_out(document, data, viewport)))
        for caption, viewport, data in panels()
    ]
    caption_font = ImageFont.load_default(size=18)
    cell_w = max(image.width for _, image in drawn)
    cell_h = max(image.height for _, image in drawn) + 36
    columns = 2
    rows = (len(drawn) + columns - 1) // columns
    sheet = Image.new(
        "RGB", (columns * cell_w + (columns + 1) * GAP, rows * cell_h + (rows + 1) * GAP), SHEET
    )
    draw = ImageDraw.Draw(sheet)
    for index, (caption, image) in enumerate(drawn):
        x = GAP + (index % columns) * (cell_w + GAP)
        y = GAP + (index // columns) * (cell_h + GAP)
        sheet.paste(image, (x, y))
        draw.text((x, y + image.height + 8), caption, font=caption_font, fill=LABEL)
    return sheet


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    render_sheet().save(args.out, optimize=True)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
