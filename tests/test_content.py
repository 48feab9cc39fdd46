"""Every word the skill speaks is grounded in the article and fits one calm breath."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree

from skill.content import Answer, Prompts, article_text, load_content
from skill.speech import speakable, to_ssml

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
MAX_TURN_WORDS = 30  # a whole turn: answer, offer, any prompt (issue 18)
MAX_LONG_TURN_WORDS = 35  # the reminder's consent question says time, lead and bedtime
MAX_QUOTE_WORDS = 40  # an article sentence read back verbatim
ACKNOWLEDGED = "Because you mentioned "  # a health statement named back to the listener
# A claim the article hedges, and its hedge: said without it, the claim grows.
HEDGES = (("natural remedy", "gaining attention as"), ("capsules", "various forms, including"))
DOSE_OR_TIMING = re.compile(r"\b(200|400|30 minutes|an hour)\b")
MAX_OFFER_WORDS = 5
PROMPTS = CONTENT.prompts
OFFERS = [a.offer for a in ANSWERS if a.offer]
LONGEST_OFFER = max(OFFERS, key=lambda offer: len(offer.split()))


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


def test_every_cited_sentence_is_in_the_article_verbatim() -> None:
    uncited = [answer.topic for answer in ANSWERS if not answer.sources]
    not_in_article = [
        (answer.topic, sentence)
        for answer in ANSWERS
        for sentence in answer.sources + answer.more_sources
        if sentence not in ARTICLE
    ]
    assert uncited == [], "an answer must cite the article"
    assert not_in_article == []


def test_every_number_spoken_appears_in_a_cited_sentence() -> None:
    uncited = [
        f"{answer.topic}.{label} says {number!r}, which no cited sentence says"
        for answer in ANSWERS
        for label, text, sources in _spoken(answer)
        for number in NUMBER.findall(text)
        if not re.search(rf"\b{re.escape(number.lower())}\b", " ".join(sources).lower())
    ]
    assert uncited == []


def test_answers_fit_one_breath() -> None:
    offenders = [
        f"{answer.topic}.{label}: {len(text.split())} words, {len(_sentences(text))} sentences"
        for answer in ANSWERS
        for label, text in (("speech", answer.speech), ("more", answer.more or ""))
        if text and (len(text.split()) > MAX_WORDS or len(_sentences(text)) > MAX_SENTENCES)
    ]
    assert offenders == []


def test_prompts_fit_one_breath_and_state_no_facts() -> None:
    """Facts belong in answers: no prompt states a number."""
    offenders = [
        key
        for key, text in _prompt_texts()
        if not text.strip()
        or len(text.split()) > MAX_WORDS
        or len(_sentences(text)) > MAX_SENTENCES
        or NUMBER.findall(text)
    ]
    assert offenders == []


def test_no_jargon_is_read_aloud() -> None:
    offenders = [
        (answer.topic, found.group())
        for answer in ANSWERS
        for text in (answer.speech, answer.more or "", answer.offer or "")
        if (found := JARGON.search(text))
    ]
    assert offenders == []


def test_the_advice_to_consult_a_professional_is_kept() -> None:
    """Where the cited article text says to consult a professional, so does the answer;
    and so does any text that states the dose."""
    dropped = [
        f"{answer.topic}.{label}"
        for answer in ANSWERS
        for label, text, sources in _spoken(answer)
        if any("healthcare professional" in sentence for sentence in sources)
        and "healthcare professional" not in text
    ]
    dose_without_advice = [
        f"{answer.topic}.{label}"
        for answer in ANSWERS
        for label, text, _ in _spoken(answer)
        if re.search(r"\b(200|400)\b", text) and "healthcare professional" not in text
    ]
    assert dropped == []
    assert dose_without_advice == []


def test_the_disclaimer_says_this_is_not_medical_advice() -> None:
    assert "not medical advice" in CONTENT.prompts.disclaimer


def _ssml_fault(ssml: str) -> str | None:
    try:
        ElementTree.fromstring(ssml)
    except ElementTree.ParseError as error:
        return f"not XML: {error}"
    if "<audio" in ssml or "soundbank" in ssml:
        return "a sound effect"
    return None


def test_ssml_parses_as_xml_and_has_no_sound_effects() -> None:
    offenders = [
        (answer.topic, fault)
        for answer in ANSWERS
        for text in (answer.speech, answer.more or "", answer.offer or "")
        if (fault := _ssml_fault(f"<speak>{to_ssml([text, answer.offer or ''])}</speak>"))
    ]
    assert offenders == []


def test_xml_special_characters_are_escaped() -> None:
    tricky = 'Salt & pepper <b> "quoted"'
    ssml = f"<speak>{to_ssml([tricky])}</speak>"
    root = ElementTree.fromstring(ssml)
    assert "".join(root.itertext()) == tricky


def test_every_offer_is_a_short_question() -> None:
    for answer in ANSWERS:
        if answer.offer is not None:
            assert answer.offer.endswith("?"), answer.topic
            assert len(answer.offer.split()) <= MAX_OFFER_WORDS, f"{answer.topic}: long offer"


def _words(*parts: str) -> int:
    return sum(len(part.split()) for part in parts)


def _turns() -> list[tuple[str, tuple[str, ...]]]:
    """Every whole turn the skill can say (its parts), with the longest possible offer.

    The safety net's turns, in every locale, are enumerated in tests/test_safety.py."""
    turns: list[tuple[str, tuple[str, ...]]] = []
    for answer in ANSWERS:
        after = (LONGEST_OFFER,) if answer.offer else (PROMPTS.ask_next,)
        for label, said in (("speech", answer.speech), ("more", answer.more or PROMPTS.no_more)):
            turns.append((f"{answer.topic}.{label}", (said, *after)))
            if answer.offer:
                turns.append((f"{answer.topic}.{label}+all_heard", (said, PROMPTS.all_heard)))
    turns += [
        ("benefit chooser", (CONTENT.answer("how_it_helps").speech, PROMPTS.which_benefit)),
        ("welcome", (PROMPTS.welcome, PROMPTS.disclaimer, PROMPTS.suggest)),
        ("welcome back", (PROMPTS.welcome_back, LONGEST_OFFER)),
        ("help", (PROMPTS.help, PROMPTS.help_reprompt)),
        ("help in the reminder", (PROMPTS.help_reminder,)),
        ("help cancelling", (PROMPTS.help_cancel_reminder,)),
        ("help confirming a reminder", (PROMPTS.help_set_reminder,)),
        ("help confirming the evening", (PROMPTS.help_evening,)),
        ("help choosing a benefit", (PROMPTS.help_benefit,)),
        ("help confirming forget me", (PROMPTS.help_forget,)),
        ("first miss", (PROMPTS.fallback, PROMPTS.fallback_health, PROMPTS.help_reprompt)),
        ("first miss in a dialog", (PROMPTS.fallback_again, PROMPTS.help_reminder)),
        ("third miss", (PROMPTS.fallback_goodnight,)),
        ("nothing quoted yet", (PROMPTS.source_none, PROMPTS.ask_next)),
        ("near bedtime", (PROMPTS.welcome_back, PROMPTS.near_bedtime, PROMPTS.help_reprompt)),
    ]
    return turns


def _long_turns() -> list[tuple[str, tuple[str, ...]]]:
    """The reminder's consent (the facts before acting) at most 35 words; a source read
    back ("where does it say that?") is the article's own sentence, verbatim, however
    long the article made it (at most 40 words with "The article says")."""
    plan = PROMPTS.reminder_plan_bedtime.format(
        every=PROMPTS.reminder_every_night, time="11:45 PM", minutes="45", bedtime="12:30 AM"
    )
    return [
        ("reminder consent", (PROMPTS.reminder_confirm.format(plan=plan),)),
        ("reminder permission", (PROMPTS.reminder_permission.format(plan=plan),)),
    ]


def _quotes() -> list[tuple[str, str]]:
    return [
        (f"{answer.topic}.source", PROMPTS.source_said.format(quote=speakable(sentence)))
        for answer in ANSWERS
        for sentence in answer.sources + answer.more_sources
    ]


def test_every_whole_turn_fits_the_budget() -> None:
    """Answer + offer + any prompt: at most 30 words for someone half asleep."""
    over = {label: _words(*parts) for label, parts in _turns() if _words(*parts) > MAX_TURN_WORDS}
    assert over == {}


def test_the_reminder_consent_fits_its_budget() -> None:
    over = {
        label: _words(*parts)
        for label, parts in _long_turns()
        if _words(*parts) > MAX_LONG_TURN_WORDS
    }
    assert over == {}


def test_a_source_read_back_starts_clean_and_fits_a_breath() -> None:
    """ "The article says: It's essential ...", never "The article says: However, ..."."""
    lead = PROMPTS.source_said.format(quote="")
    unclean = [
        label
        for label, quote in _quotes()
        if _words(quote) > MAX_QUOTE_WORDS
        or not quote.removeprefix(lead)[:1].isupper()
        or re.match(r"(However|Fortunately|But|And|So),", quote.removeprefix(lead))
    ]
    assert unclean == []


def test_the_budget_check_can_fail() -> None:
    assert _words(*(["word"] * (MAX_TURN_WORDS + 1))) > MAX_TURN_WORDS


def test_what_the_article_does_not_say_is_named_and_never_offered() -> None:
    unsaid = [a for a in ANSWERS if a.offer is None]
    assert {a.topic for a in unsaid} == {
        "side_effects",
        "children",
        "pregnancy",
        "interactions",
        "too_much",
        "how_soon",
        "how_long",
        "where_to_buy",
    }
    acknowledged = set(CONTENT.safety.condition_answers.values())
    for answer in unsaid:
        if answer.topic in acknowledged:
            # Also a health statement ("I'm pregnant"): what was said is acknowledged first.
            assert answer.speech.startswith(ACKNOWLEDGED), answer.topic
            assert "The article doesn't" in answer.speech, answer.topic
        else:
            assert answer.speech.startswith("The article doesn't"), answer.topic
        assert "healthcare professional" in answer.speech, answer.topic
        assert answer.next is None
    # What the article does say, where it helps: the typical dose for "too much".
    assert "200 to 400 milligrams a day" in CONTENT.answer("too_much").speech


def test_the_fallback_never_nudges_to_take_it() -> None:
    # The fallback may hear a misrecognised health statement: no nudge to take it there.
    for key in ("fallback", "fallback_health", "fallback_reprompt", "fallback_goodnight"):
        assert "take" not in getattr(PROMPTS, key).lower(), key


def _hedge_faults(answer: Answer) -> list[str]:
    faults = []
    for label, text, sources in _spoken(answer):
        if "because" in text.removeprefix(ACKNOWLEDGED).lower():
            faults.append(f"{answer.topic}.{label} gives a cause")
        if label == "speech" and any("known" in s for s in sources) and "known" not in text:
            faults.append(f"{answer.topic}.{label} drops the article's hedge")
        for claim, hedge in HEDGES:
            if claim in text and any(hedge in s for s in sources) and hedge not in text:
                faults.append(f"{answer.topic}.{label} drops the hedge {hedge!r}")
    return faults


def test_hedges_are_kept_and_no_cause_is_invented() -> None:
    """The article's hedges stay ("is known for", "gaining attention as", "various forms,
    including"); "because" appears nowhere in it, so no answer gives a cause with it (the
    acknowledgement "Because you mentioned pregnancy" is about the listener's words)."""
    assert "because" not in ARTICLE.lower()
    assert [fault for answer in ANSWERS for fault in _hedge_faults(answer)] == []


def test_a_spoken_dose_or_timing_is_the_article_s() -> None:
    """ "The article says the typical dose is ...": never a bare instruction."""
    offenders = [
        f"{answer.topic}.{label}: {text}"
        for answer in ANSWERS
        for label, text, _ in _spoken(answer)
        if label != "card_text" and DOSE_OR_TIMING.search(text) and "article" not in text.lower()
    ]
    assert offenders == []


def test_the_daily_dose_is_never_joined_to_bedtime() -> None:
    """The article gives 200 to 400 mg *per day* and, apart, a time before bed: one text
    saying both would imply the whole day's dose at bedtime."""
    offenders = [
        f"{answer.topic}.{label}: {text}"
        for answer in ANSWERS
        for label, text, _ in _spoken(answer)
        if re.search(r"\b(200|400)\b", text) and re.search(r"\bbed(time)?\b", text)
    ]
    assert offenders == []


def test_why_glycinate_keeps_the_hedge_and_its_follow_up_adds_something() -> None:
    why = CONTENT.answer("why_glycinate")
    assert "known for" in why.speech
    assert why.more and set(why.more_sources).isdisjoint(why.sources)
    assert "glycine" in why.more and "glycine" not in why.speech


def test_every_offered_topic_has_an_offer_and_a_real_next() -> None:
    offered = set(CONTENT.offered_topics)
    assert offered >= {"causes", "natural", "magnesium_role", "every_night", "relax"}
    for topic in offered:
        assert CONTENT.answer(topic).next in offered


def test_characters_xml_forbids_are_dropped_not_sent() -> None:
    parts = ["a\x1fb\x00c", "d\ud800e"]
    ssml = f"<speak>{to_ssml(parts)}</speak>"
    root = ElementTree.fromstring(ssml)
    assert "".join(root.itertext()) == "abcde"
