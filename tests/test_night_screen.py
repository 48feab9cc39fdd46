"""The night screen: one dim APL document on an Echo Show, nothing on an Echo Dot.

Checked without a device: the document round-trips through the SDK's APL model classes;
its colours are dim (relative luminance from the hex) and defined in one place; every
Echo Show viewport profile gets its own, sensible layout (the `when` conditions
evaluated for each profile's size and shape, and every answer estimated to fit);
and whole requests from an Echo Show, an Echo Spot, a Fire TV and an Echo Dot get
what they should.
"""

from __future__ import annotations

import copy
import json
import math
import re
from collections.abc import Iterator
from typing import Any

import pytest
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_core.skill import CustomSkill
from ask_sdk_model import Response
from ask_sdk_model.directive import Directive
from ask_sdk_model.interfaces.alexa.presentation.apl import RenderDocumentDirective

from skill.content import load_content, night_screen_document
from skill.dev.console.requests import on_echo_show
from skill.dispatch import invoke_json
from skill.names import Intent
from skill.replies import Reply
from skill.screen import (
    NIGHT_SCREEN_TOKEN,
    night_screen,
    night_screen_data,
    shows_night_screen,
    viewport_profile,
)
from skill.sdk.serialize import CachingSerializer
from skill.turn import Screen
from testing.apl import (
    ECHO_SHOWS,
    FIRE_TV,
    Layout,
    Viewport,
    applied_blocks,
    lay_out,
    relative_luminance,
    resources_for,
    urgent_example,
)
from testing.envelopes import intent, launch, slot
from testing.talk import Conversation, invoke

RENDER_DOCUMENT = "Alexa.Presentation.APL.RenderDocument"
CONTENT = load_content()
DOCUMENT = night_screen_document()
#: "No colour brighter than about 40% relative luminance."
MAX_LUMINANCE = 0.40
#: Near-black: darker than #1A1A1A.
MAX_BACKGROUND_LUMINANCE = 0.01
# Estimating a laid-out paragraph: average glyph width and APL's default line height, in em.
GLYPH_EM = 0.55
LINE_EM = 1.25


def _components(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if "type" in node and node is not DOCUMENT:
            yield node
        for value in node.values():
            yield from _components(value)
    elif isinstance(node, list):
        for value in node:
            yield from _components(value)


def _palette(prefix: str) -> dict[str, str]:
    return {
        name[len(prefix) :].lower(): value
        for block in DOCUMENT["resources"]
        for name, value in block.get("colors", {}).items()
        if name.startswith(prefix)
    }


def _data(**changes: Any) -> dict[str, Any]:
    reply = Reply(speech=(CONTENT.answer("timing").speech,), **changes)
    return night_screen_data(reply)


# --- the document ------------------------------------------------------------------


def test_the_document_round_trips_through_the_sdks_apl_model_classes() -> None:
    directive = RenderDocumentDirective(
        token=NIGHT_SCREEN_TOKEN, document=night_screen(), datasources=_data(headline="Call 911")
    )
    response = Response(directives=[directive])
    ours = CachingSerializer().serialize(response)
    sdk = DefaultSerializer().serialize(response)
    assert ours == sdk
    assert json.loads(json.dumps(ours)) == ours
    [written] = ours["directives"]
    assert written["type"] == RENDER_DOCUMENT
    assert written["document"] == DOCUMENT
    for serializer in (CachingSerializer(), DefaultSerializer()):
        read = serializer.deserialize(json.dumps(written), Directive)
        assert isinstance(read, RenderDocumentDirective)
        assert (read.token, read.document, read.datasources) == (
            NIGHT_SCREEN_TOKEN,
            DOCUMENT,
            written["datasources"],
        )


def test_no_images_video_sound_or_animation() -> None:
    assert DOCUMENT["type"] == "APL" and DOCUMENT["version"] == "2023.2"
    types = {component["type"] for component in _components(DOCUMENT["mainTemplate"])}
    assert types == {"Container", "Text"}
    text = json.dumps(DOCUMENT)
    for forbidden in ("Image", "Video", "VectorGraphic", "onMount", "commands", "handleTick"):
        assert forbidden not in text, forbidden
    assert "speech" not in text and "import" not in DOCUMENT  # nothing fetched, nothing said


def test_colours_are_defined_once_and_every_one_is_dim() -> None:
    defined = [
        (name, value)
        for block in DOCUMENT["resources"]
        for name, value in block.get("colors", {}).items()
    ]
    assert len(defined) == len(dict(defined)) >= 8  # each colour named once
    for name, value in defined:
        assert relative_luminance(value) <= MAX_LUMINANCE, (name, value)
    for prefix in ("night", "dim"):
        assert relative_luminance(_palette(prefix)["background"]) <= MAX_BACKGROUND_LUMINANCE
    # Outside the resources, no literal colour: only references to the palette.
    template = json.dumps(DOCUMENT["mainTemplate"])
    assert not re.search(r"#[0-9A-Fa-f]{3,8}\b|rgba?\(|hsla?\(", template)


def test_the_bedtime_palette_is_darker_still_colour_by_colour() -> None:
    night, dim = _palette("night"), _palette("dim")
    assert set(night) == set(dim) == {"background", "headline", "answer", "source"}
    for role in ("headline", "answer", "source"):
        assert relative_luminance(dim[role]) < relative_luminance(night[role]) * 0.6, role


def test_the_headline_is_largest_and_warmer_than_the_source() -> None:
    for viewport in ECHO_SHOWS:
        layout = lay_out(DOCUMENT, _data(headline="Call 911", source="A sentence."), viewport)
        headline, answer, source = layout.texts
        assert headline.font_size > answer.font_size > source.font_size, viewport.profile
        colours = [relative_luminance(line.color) for line in layout.texts]
        assert colours == sorted(colours, reverse=True), viewport.profile


# --- layouts per viewport -------------------------------------------------------------


@pytest.mark.parametrize("viewport", ECHO_SHOWS, ids=lambda v: v.profile)
def test_each_profile_gets_its_own_layout(viewport: Viewport) -> None:
    """The last resource block that applies is the one written for this profile."""
    blocks = applied_blocks(DOCUMENT, viewport)
    sized = [block for block in blocks if "dp" in block or "Echo" in block]
    assert sized[-1].startswith(viewport.profile), (viewport.profile, sized)
    assert viewport_profile("HUB", viewport.shape, *_pixels(viewport)) == viewport.profile


def test_the_profiles_get_different_sizes_that_grow_with_the_screen() -> None:
    answer_sizes = {v.profile: resources_for(DOCUMENT, v)["answerSize"] for v in ECHO_SHOWS}
    assert len(set(answer_sizes.values())) == len(ECHO_SHOWS)
    order = ["hubRoundSmall", "hubLandscapeSmall", "hubLandscapeMedium", "hubLandscapeLarge"]
    sizes = [float(answer_sizes[name].removesuffix("dp")) for name in order]
    assert sizes == sorted(sizes)
    round_screen = resources_for(DOCUMENT, ECHO_SHOWS[0])
    assert round_screen["align"] == "center"  # centred on the Echo Spot's circle
    assert {resources_for(DOCUMENT, v)["align"] for v in ECHO_SHOWS[1:]} == {"left"}


def _pixels(viewport: Viewport) -> tuple[int, int, int]:
    return viewport.pixel_width, viewport.pixel_height, viewport.dpi


def _height_needed(layout: Layout, width: float) -> float:
    total = 0.0
    for line in layout.texts:
        per_line = max(1, math.floor(width / (GLYPH_EM * line.font_size)))
        words, lines, used = line.text.split(), 1, 0
        for word in words:
            if used and used + 1 + len(word) > per_line:
                lines, used = lines + 1, len(word)
            else:
                used += (1 if used else 0) + len(word)
        total += lines * LINE_EM * line.font_size + line.pad_top + line.pad_bottom
    return total


def _every_screenful() -> Iterator[tuple[str, dict[str, Any]]]:
    for answer in CONTENT.answers.values():
        yield answer.topic, night_screen_data(Reply((answer.speech,), source=answer.sources[0]))
        if answer.more:
            data = night_screen_data(Reply((answer.more,), source=answer.more_sources[0]))
            yield f"{answer.topic} (more)", data
    yield "urgent", night_screen_data(urgent_example())


@pytest.mark.parametrize("viewport", ECHO_SHOWS, ids=lambda v: v.profile)
def test_every_answer_fits_on_every_screen(viewport: Viewport) -> None:
    """An estimate: average glyphs, wrapped by word, at APL's default line height."""
    for label, data in _every_screenful():
        layout = lay_out(DOCUMENT, data, viewport)
        width = viewport.width - 2 * layout.pad_x
        height = viewport.height - 2 * layout.pad_y
        assert _height_needed(layout, width) <= height, (viewport.profile, label)
    if viewport.shape == "round":  # the text box's corners are inside the circle
        assert math.hypot(width / 2, height / 2) <= viewport.width / 2


# --- whole requests -------------------------------------------------------------------


def _on(viewport: Viewport, doc: dict[str, Any]) -> dict[str, Any]:
    shown = on_echo_show(doc)
    shown["context"]["Viewport"].update(viewport.request_viewport())
    return shown


def _render_documents(response: dict[str, Any]) -> list[dict[str, Any]]:
    directives = response["response"].get("directives", [])
    return [d for d in directives if d["type"] == RENDER_DOCUMENT]


def test_an_echo_show_gets_a_near_black_dim_night_screen(skill: CustomSkill) -> None:
    show = _on(ECHO_SHOWS[2], intent(Intent.TIMING))
    response = invoke_json(skill, show)
    [rendered] = _render_documents(response)
    assert rendered["token"] == NIGHT_SCREEN_TOKEN
    data = rendered["datasources"]["nightScreen"]
    timing = CONTENT.answer("timing")
    assert data == {
        "answer": timing.speech,
        "source": timing.sources[0],
        "headline": "",
        "dim": False,
    }
    assert "<" not in data["answer"]  # plain text, never SSML
    layout = lay_out(rendered["document"], rendered["datasources"], ECHO_SHOWS[2])
    assert relative_luminance(layout.background) <= MAX_BACKGROUND_LUMINANCE
    assert [line.text for line in layout.texts] == [timing.speech, timing.sources[0]]
    for line in layout.texts:
        assert relative_luminance(line.color) <= MAX_LUMINANCE
    assert response["response"]["card"]["title"] == timing.card_title  # the app's card stays


def test_an_echo_dot_gets_no_apl(skill: CustomSkill) -> None:
    for doc in (intent(Intent.TIMING), launch(), intent(Intent.HELP)):
        response = invoke_json(skill, doc)
        assert "directives" not in response["response"]


@pytest.mark.parametrize("viewport", ECHO_SHOWS, ids=lambda v: v.profile)
def test_every_echo_show_gets_the_night_screen(skill: CustomSkill, viewport: Viewport) -> None:
    response = invoke_json(skill, _on(viewport, launch()))
    [rendered] = _render_documents(response)
    assert rendered["datasources"]["nightScreen"]["answer"].startswith(CONTENT.prompts.welcome)


def test_a_fire_tv_is_left_alone(skill: CustomSkill) -> None:
    response = invoke_json(skill, _on(FIRE_TV, intent(Intent.TIMING)))
    assert not _render_documents(response)
    assert viewport_profile("TV", "RECTANGLE", *_pixels(FIRE_TV)) == FIRE_TV.profile


def test_apl_without_a_viewport_still_gets_the_screen(skill: CustomSkill) -> None:
    show = on_echo_show(intent(Intent.TIMING))
    del show["context"]["Viewport"]
    assert _render_documents(invoke_json(skill, show))


def test_which_screens_get_it() -> None:
    assert shows_night_screen(Screen(supports_apl=True, profile="hubLandscapeMedium"))
    assert shows_night_screen(Screen(supports_apl=True))  # APL, but no Viewport sent
    assert not shows_night_screen(Screen(supports_apl=True, profile="tvLandscapeXLarge"))
    assert not shows_night_screen(Screen())


def test_the_screen_never_sits_beside_alexas_permission_prompt(skill: CustomSkill) -> None:
    """Asking for the reminders permission hands the screen to Alexa's own prompt."""
    talk = Conversation(skill, transport=lambda doc: invoke(skill, on_echo_show(doc)))
    asked = talk.say(Intent.SET_REMINDER, bedtime=slot("bedtime", "22:30"))
    types = [d["type"] for d in asked.response.get("directives", [])]
    assert types == ["Connections.SendRequest"]


def test_near_bedtime_binds_the_darker_palette() -> None:
    viewport = ECHO_SHOWS[2]
    night = lay_out(DOCUMENT, _data(source="S.", headline="H"), viewport)
    dim = lay_out(DOCUMENT, _data(source="S.", headline="H", near_bedtime=True), viewport)
    assert [line.text for line in dim.texts] == [line.text for line in night.texts]
    for brighter, darker in zip(night.texts, dim.texts, strict=True):
        assert relative_luminance(darker.color) < relative_luminance(brighter.color)
    assert relative_luminance(dim.background) <= relative_luminance(night.background)


def test_the_urgent_line_shows_its_number_largest_as_digits() -> None:
    reply = urgent_example()
    data = night_screen_data(reply)["nightScreen"]
    assert data["headline"] == "Call 911"
    assert "911" in data["answer"] and "nine one one" not in data["answer"]
    assert "nine one one" in " ".join(reply.speech)  # said as words, shown as digits
    layout = lay_out(DOCUMENT, {"nightScreen": data}, ECHO_SHOWS[0])
    assert [line.text for line in layout.texts] == ["Call 911", data["answer"]]
    assert layout.texts[0].font_size > 2 * layout.texts[1].font_size  # read across a room


def test_an_emergency_on_an_echo_show_puts_the_number_on_the_screen(skill: CustomSkill) -> None:
    show = _on(ECHO_SHOWS[3], intent(Intent.EMERGENCY, {"pills": slot("pills", "pills")}))
    [rendered] = _render_documents(invoke_json(skill, show))
    assert rendered["datasources"]["nightScreen"]["headline"] == "Call 911"


def test_the_bedtime_flag_reaches_the_screen() -> None:
    data = night_screen_data(Reply(("An answer.",), near_bedtime=True))["nightScreen"]
    assert data == {"answer": "An answer.", "source": "", "headline": "", "dim": True}


def test_an_echo_show_event_is_left_unchanged(skill: CustomSkill) -> None:
    """Pruning the context to what is read copies it; the host's event is not touched
    (what is kept is checked in tests/test_dispatch.py)."""
    show = _on(ECHO_SHOWS[2], intent(Intent.TIMING))
    sent = copy.deepcopy(show)
    invoke_json(skill, show)
    assert show == sent
