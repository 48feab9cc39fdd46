"""The night screen: what an Echo Show by the bed shows for a reply, as plain values.

One APL document (`skill/content/night_screen.json`) is bound to one small datasource per
reply: the answer as plain text (numbers as shown: "911", not "nine one one"), the article
sentence it comes from, a headline ("Call 911") and whether bedtime is near (a darker
palette). `skill.alexa` wraps it in a RenderDocument directive; a device without APL gets
none, and TVs are left alone (a night screen is for the bedside, not the living room).
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import Any

from skill.content import night_screen_document
from skill.replies import Reply
from skill.sdk.serialize import PlainJson
from skill.turn import Screen

#: The token of every night screen document sent.
NIGHT_SCREEN_TOKEN = "night-screen"

# Viewport modes Alexa sends (context.Viewport.mode), as profile-name prefixes.
_MODE_PREFIX = {"HUB": "hub", "TV": "tv", "MOBILE": "mobile", "AUTO": "auto", "PC": "pc"}
#: Profiles that get no night screen: a television is nobody's bedside.
LEFT_ALONE = ("tv",)


@lru_cache(maxsize=64)  # a few device models ask again and again
def viewport_profile(
    mode: str | None, shape: str | None, pixel_width: int, pixel_height: int, dpi: int
) -> str:
    """The APL viewport profile name for a viewport (e.g. "hubLandscapeMedium").

    Sizes are in dp (pixels at 160 dpi), in the ranges of the alexa-viewport-profiles
    package: landscape widths from 1920 XLarge, from 1280 Large; below that, heights
    from 600 Medium, else Small; a round screen is RoundSmall.
    """
    prefix = _MODE_PREFIX.get((mode or "HUB").upper(), "hub")
    if (shape or "").upper() == "ROUND":
        return f"{prefix}RoundSmall"
    scale = 160 / dpi if dpi > 0 else 1.0
    width, height = pixel_width * scale, pixel_height * scale
    if height > width:
        return f"{prefix}Portrait{'Medium' if width >= 600 else 'Small'}"
    if prefix == "tv":
        return "tvLandscapeXLarge"
    if width >= 1920:
        size = "XLarge"
    elif width >= 1280:
        size = "Large"
    elif height >= 600:
        size = "Medium"
    else:
        size = "Small"
    return f"{prefix}Landscape{size}"


def shows_night_screen(screen: Screen) -> bool:
    """Whether this device gets the night screen: it renders APL and is not a TV."""
    if not screen.supports_apl:
        return False
    return not (screen.profile or "").startswith(LEFT_ALONE)


@cache
def night_screen() -> PlainJson:
    """The document, read once; written into every response as it is (never changed)."""
    return PlainJson(night_screen_document())


def night_screen_data(reply: Reply) -> dict[str, Any]:
    """The datasources for the night screen document: plain JSON values only."""
    return {
        "nightScreen": {
            "answer": reply.shown or " ".join(part for part in reply.speech if part),
            "source": reply.source or "",
            "headline": reply.headline or "",
            "dim": reply.near_bedtime,
        }
    }
