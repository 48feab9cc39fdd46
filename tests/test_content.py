"""Every word the skill speaks is grounded in the article and fits one calm breath."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree

import pytest

from skill.content import Answer, Prompts, article_text, load_content
from skill.speech import to_ssml

CONTENT = load_content()
ANSWERS = list(CONTENT.answers.values())
ARTICLE = article_text()

NUMBER_WORDS = (
    "zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|"
    "forty|fifty|sixty|hundred|thousand|half|quarter|twice|once|dozen"
)
NUMBER = re.compile(r"\d+(?:[.,]\d+)?|\b(?:" + NUMBER_WORDS + r")\b", re.IGNORECASE)
# Words a sleepy listener should not have to decode; cards may still use them.
JARGON = re.compile(
    r"\b(mg|bioavailability|chelated|neurotransmitters?|supplementing|mitigate)\b", re.I
)
MAX_WORDS = 35
MAX_SENTENCES = 2


def _sentences(text: str) -> list[str]:
    return [part for part in re.split(r"(?<=[.!?])\s+", text.strip()) if part]


def _spoken(answer: Answer) -> list[tuple[str, str, tuple[str, ...]]]:
    """(label, text, sources) for everything spoken or shown for an answer."""
    items = [("speech", answer.speech, answer.sources)]
    if answer.more:
        items.append(("more", answer.more, answer.more_sources))
    items.append(("card_text", answer.card_text, answer.sources + answer.more_sources))
    return items


def _prompt_texts() -> list[tuple[str, str]]:
    return [(key, getattr(CONTENT.prompts, key)) for key in Prompts.names()]


def test_the_packaged_article_is_the_shared_article() -> None:
    assert ARTICLE.startswith("Magnesium Glycinate for Leg Cramps at Night")
    assert "200 mg to 400 mg per day" in ARTICLE


@pytest.mark.parametrize("answer", ANSWERS, ids=lambda a: a.topic)
def test_every_cited_sentence_is_in_the_article_verbatim(answer: Answer) -> None:
    assert answer.sources, "an answer must cite the article"
    for sentence in answer.sources + answer.more_sources:
        assert sentence in ARTICLE, f"not in the article: {sentence!r}"


@pytest.mark.parametrize("answer", ANSWERS, ids=lambda a: a.topic)
def test_every_number_spoken_appears_in_a_cited_sentence(answer: Answer) -> None:
    for label, text, sources in _spoken(answer):
        cited = " ".join(sources).lower()
        for number in NUMBER.findall(text):
            assert re.search(rf"\b{re.escape(number.lower())}\b", cited), (
                f"{answer.topic}.{label} says {number!r}, which no cited sentence says"
            )


@pytest.mark.parametrize("answer", ANSWERS, ids=lambda a: a.topic)
def test_answers_fit_one_breath(answer: Answer) -> None:
    for label, text in (("speech", answer.speech), ("more", answer.more or "")):
        if not text:
            continue
        assert len(text.split()) <= MAX_WORDS, f"{answer.topic}.{label} is too long"
        assert len(_sentences(text)) <= MAX_SENTENCES, f"{answer.topic}.{label}: > 2 sentences"


@pytest.mark.parametrize(("key", "text"), _prompt_texts())
def test_prompts_fit_one_breath_and_state_no_facts(key: str, text: str) -> None:
    assert text.strip()
    assert len(text.split()) <= MAX_WORDS
    assert len(_sentences(text)) <= MAX_SENTENCES
    assert not NUMBER.findall(text), f"prompt {key} states a number; facts belong in answers"


@pytest.mark.parametrize("answer", ANSWERS, ids=lambda a: a.topic)
def test_no_jargon_is_read_aloud(answer: Answer) -> None:
    for text in (answer.speech, answer.more or "", answer.offer):
        assert not JARGON.search(text), f"{answer.topic}: {JARGON.search(text)}"


@pytest.mark.parametrize("answer", ANSWERS, ids=lambda a: a.topic)
def test_the_advice_to_consult_a_professional_is_kept(answer: Answer) -> None:
    """Where the cited article text says to consult a professional, so does the answer."""
    for label, text, sources in _spoken(answer):
        if any("healthcare professional" in sentence for sentence in sources):
            assert "healthcare professional" in text, f"{answer.topic}.{label} drops the advice"
        if re.search(r"\b(200|400)\b", text):
            assert "healthcare professional" in text, f"{answer.topic}.{label}: dose w/o advice"


def test_the_disclaimer_says_this_is_not_medical_advice() -> None:
    assert "not medical advice" in CONTENT.prompts.disclaimer


@pytest.mark.parametrize("answer", ANSWERS, ids=lambda a: a.topic)
def test_ssml_parses_as_xml_and_has_no_sound_effects(answer: Answer) -> None:
    for text in (answer.speech, answer.more or "", answer.offer):
        ssml = f"<speak>{to_ssml([text, answer.offer])}</speak>"
        ElementTree.fromstring(ssml)
        assert "<audio" not in ssml and "soundbank" not in ssml


def test_xml_special_characters_are_escaped() -> None:
    tricky = 'Salt & pepper <b> "quoted"'
    ssml = f"<speak>{to_ssml([tricky])}</speak>"
    root = ElementTree.fromstring(ssml)
    assert "".join(root.itertext()) == tricky


def test_every_offer_is_a_short_question() -> None:
    for answer in ANSWERS:
        assert answer.offer.endswith("?") and len(answer.offer.split()) <= 10


def test_the_chain_of_offers_visits_the_practical_topics() -> None:
    """Saying "yes" repeatedly from the welcome's suggestions reaches timing and dosage."""
    seen, topic = [], "why_glycinate"
    while topic not in seen:
        seen.append(topic)
        topic = CONTENT.answer(topic).next
    assert {"timing", "dosage", "safety"} <= set(seen)


def test_characters_xml_forbids_are_dropped_not_sent() -> None:
    parts = ["a\x1fb\x00c", "d\ud800e"]
    ssml = f"<speak>{to_ssml(parts)}</speak>"
    root = ElementTree.fromstring(ssml)
    assert "".join(root.itertext()) == "abcde"
