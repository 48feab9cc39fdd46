"""The article conversation: answers, offers, "tell me more", "repeat that", help, goodbye.

Each function builds one `Reply` from the content layer and hands it to `render`,
which decides whether the microphone stays open.
"""

from __future__ import annotations

import logging

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from skill import memory
from skill.content import Answer, article_title, load_content
from skill.names import Intent, Pending, SessionKey, Slot
from skill.replies import Reply, render, session_attributes, stored_reply
from skill.speech import speakable

logger = logging.getLogger(__name__)

# The reminder conversation's slot, while Alexa listens for it (see help_prompt).
BEDTIME_SLOT = f"{Intent.SET_REMINDER}.{Slot.BEDTIME}"
MORE = "more"  # SessionKey.LAST_PART when the last topic's follow-up was said
MAX_TURN_WORDS = 40  # a whole turn: answer, offer, any prompt (one breath, half asleep)
MISSES_BEFORE_HELP = 2
MISSES_BEFORE_GOODNIGHT = 3
# What a returning listener is offered first, if they have not heard it yet.
WELCOME_BACK_ORDER = ("timing", "dosage", "why_glycinate", "how_it_helps", "hydration", "safety")


def heard_topics(handler_input: HandlerInput) -> list[str]:
    """Topics heard: this session's, and a returning listener's stored ones (copied in at
    the session's start). Attributes come from outside: only known topics count."""
    heard = session_attributes(handler_input).get(SessionKey.HEARD)
    answers = load_content().answers
    if not isinstance(heard, list):
        return []
    return [topic for topic in heard if isinstance(topic, str) and topic in answers]


def _heard(handler_input: HandlerInput, topic: str, *, part: str | None = None) -> None:
    session = session_attributes(handler_input)
    session[SessionKey.LAST_TOPIC] = topic
    if part:
        session[SessionKey.LAST_PART] = part
    else:
        session.pop(SessionKey.LAST_PART, None)
    if load_content().answer(topic).offer is None:
        # What the article doesn't say (pregnancy, children, medications ...): never
        # offered, so never counted, and never stored: a question is not a history.
        return
    heard = heard_topics(handler_input)
    if topic not in heard:
        session[SessionKey.HEARD] = [*heard, topic]
    memory.memory_of(handler_input).note_heard(topic)


def next_offer(
    handler_input: HandlerInput, after: str | None = None, prefer: tuple[str, ...] = ()
) -> str | None:
    """The topic to offer next: `after`'s own next (or the first of `prefer`) if unheard,
    else the first unheard topic in the content's order; None when all were heard."""
    content = load_content()
    heard = set(heard_topics(handler_input))
    first = content.answer(after).next if after else None
    preferred: tuple[str, ...] = (first,) if first else prefer
    for topic in (*preferred, *content.offered_topics):
        if topic and topic not in heard and topic != after:
            return topic
    return None


def _say_and_offer(
    handler_input: HandlerInput, answer: Answer, said: str, *, part: str | None = None
) -> Response:
    """Say `said` for a topic; if the conversation goes on, offer a topic not yet heard.

    What the article doesn't say is followed by "what else?", never by an offer (no
    nudge after a question about children or medications); once every topic has been
    heard, the listener is told so and wished goodnight.
    """
    content = load_content()
    _heard(handler_input, answer.topic, part=part)
    card_title, card_text = answer.card_title, answer.card_text
    if answer.offer is None:
        follow = content.prompts.ask_next
        reply = Reply(
            speech=(said,),
            follow_up=(follow,),
            reprompt=content.prompts.help_reprompt,
            card_title=card_title,
            card_text=card_text,
        )
        return render(handler_input, reply)
    topic = next_offer(handler_input, answer.topic)
    if topic is None:
        return render(
            handler_input,
            Reply(
                speech=(said,),
                follow_up=(content.prompts.all_heard,),
                card_title=card_title,
                card_text=card_text,
            ),
        )
    offer = content.answer(topic).offer or content.prompts.ask_next
    return render(
        handler_input,
        Reply(
            speech=(said,),
            follow_up=(offer,),
            reprompt=offer,
            offer=topic,
            card_title=card_title,
            card_text=card_text,
        ),
    )


def answer(handler_input: HandlerInput, topic: str) -> Response:
    """Speak one topic: closed after a one-shot question, an offer inside a conversation."""
    chosen = load_content().answer(topic)
    return _say_and_offer(handler_input, chosen, chosen.speech)


def choose_benefit(handler_input: HandlerInput) -> Response:
    """An empty or unknown benefit: list the benefits (and ask which, in a conversation)."""
    content = load_content()
    overview = content.answer("how_it_helps")
    _heard(handler_input, overview.topic)
    which = content.prompts.which_benefit
    return render(
        handler_input,
        Reply(
            speech=(overview.speech,),
            follow_up=(which,),
            reprompt=which,
            card_title=overview.card_title,
            card_text=overview.card_text,
            # Alexa listens for the slot, so a bare "sleep" fills it (dialog model).
            elicit=(Intent.BENEFIT_DETAIL, Slot.BENEFIT),
        ),
    )


def _topic_in_session(handler_input: HandlerInput, key: str) -> str | None:
    """A topic stored in the session, if it still names one (attributes come from outside)."""
    topic = session_attributes(handler_input).get(key)
    return topic if isinstance(topic, str) and topic in load_content().answers else None


def tell_more(handler_input: HandlerInput) -> Response:
    """The follow-up of the last topic, then the usual offer."""
    content = load_content()
    topic = _topic_in_session(handler_input, SessionKey.LAST_TOPIC)
    if topic is None:
        return help_prompt(handler_input)
    chosen = content.answer(topic)
    if chosen.more is None:
        return _say_and_offer(handler_input, chosen, content.prompts.no_more)
    return _say_and_offer(handler_input, chosen, chosen.more, part=MORE)


def accept_offer(handler_input: HandlerInput) -> Response:
    """ "Yes" takes the topic just offered; with nothing offered, ask what they'd like."""
    topic = _topic_in_session(handler_input, SessionKey.OFFERED_TOPIC)
    if topic is None:
        return ask_what_next(handler_input)
    chosen = load_content().answer(topic)
    return _say_and_offer(handler_input, chosen, chosen.speech)


def read_source(handler_input: HandlerInput) -> Response:
    """ "Where does it say that?": the article sentence the last answer was drawn from,
    read verbatim (speakable), and every cited sentence on a card under the title."""
    content = load_content()
    prompts = content.prompts
    session = session_attributes(handler_input)
    topic = _topic_in_session(handler_input, SessionKey.LAST_TOPIC)
    if topic is None:
        return render(
            handler_input,
            Reply(
                speech=(prompts.source_none, prompts.ask_next),
                reprompt=prompts.help_reprompt,
                question=True,
                offer=_still_offered(handler_input),
            ),
        )
    chosen = content.answer(topic)
    more = session.get(SessionKey.LAST_PART) == MORE and chosen.more_sources
    cited = chosen.more_sources if more else chosen.sources
    said = prompts.source_said.format(quote=speakable(cited[0]))
    card_title, card_text = article_title(), "\n\n".join(cited)
    offered = _still_offered(handler_input)
    if offered is None and chosen.offer is not None:  # never an offer after what it lacks
        offered = next_offer(handler_input, topic)
    offer = content.answer(offered).offer if offered else None
    follow = offer or prompts.ask_next
    if _words(said, follow) > MAX_TURN_WORDS:
        follow, offer, offered = "", None, None
    return render(
        handler_input,
        Reply(
            speech=(said,),
            follow_up=(follow,) if follow else (),
            reprompt=offer or prompts.help_reprompt,
            offer=offered if offer else None,
            card_title=card_title,
            card_text=card_text,
        ),
    )


def _words(*parts: str) -> int:
    return sum(len(part.split()) for part in parts)


def _still_offered(handler_input: HandlerInput) -> str | None:
    """The topic a "yes" would still take (an offer survives a miss, help or a quote)."""
    return _topic_in_session(handler_input, SessionKey.OFFERED_TOPIC)


def _still_pending(handler_input: HandlerInput) -> str | None:
    pending = session_attributes(handler_input).get(SessionKey.PENDING)
    return pending if isinstance(pending, str) and pending in set(Pending) else None


def repeat(handler_input: HandlerInput) -> Response:
    """Say the last reply again, keeping the same offer."""
    last = stored_reply(handler_input)
    if last is None:
        prompts = load_content().prompts
        return render(
            handler_input,
            Reply(
                speech=(prompts.nothing_yet, prompts.help),
                reprompt=prompts.help_reprompt,
                question=True,
            ),
        )
    return render(handler_input, last)


def welcome(handler_input: HandlerInput) -> Response:
    """Launch and start over: the full welcome the first time, a short one after that."""
    content = load_content()
    prompts = content.prompts
    session = session_attributes(handler_input)
    session.pop(SessionKey.LAST_TOPIC, None)
    session.pop(SessionKey.ONE_SHOT, None)
    if session.get(SessionKey.RETURNING):
        unheard = next_offer(handler_input, prefer=WELCOME_BACK_ORDER)
        offer = content.answer(unheard).offer if unheard else None
        if unheard and offer:
            return render(
                handler_input,
                Reply(
                    speech=(prompts.welcome_back, offer),
                    reprompt=offer,
                    question=True,
                    offer=unheard,
                ),
            )
        return render(
            handler_input,
            Reply(
                speech=(prompts.welcome_back, prompts.help_reprompt),
                reprompt=prompts.help_reprompt,
                question=True,
            ),
        )
    return render(
        handler_input,
        Reply(
            speech=(prompts.welcome, prompts.disclaimer, prompts.suggest),
            reprompt=prompts.welcome_reprompt,
            question=True,
        ),
    )


def help_prompt(handler_input: HandlerInput, *, misses: int = 0) -> Response:
    """Short help that fits where the listener is; what "yes" would take survives it.

    In the reminder conversation (Alexa listening for the bedtime, or a cancel waiting
    for yes or no) it speaks of the reminder; elsewhere it names three things to ask.
    """
    prompts = load_content().prompts
    session = session_attributes(handler_input)
    pending = _still_pending(handler_input)
    if session.get(SessionKey.ELICITING) == BEDTIME_SLOT:
        reply = Reply(
            speech=(prompts.help_reminder,),
            reprompt=prompts.ask_bedtime_reprompt,
            question=True,
            elicit=(Intent.SET_REMINDER, Slot.BEDTIME),
            remember=False,
            misses=misses,
        )
    elif pending is not None:
        # A yes/no waits (cancel, forget, the reminder's plan, "at night?"): say how to answer it.
        said = {
            Pending.CANCEL_REMINDER: prompts.help_cancel_reminder,
            Pending.SET_REMINDER: prompts.help_set_reminder,
            Pending.EVENING: prompts.help_evening,
            Pending.FORGET: prompts.help_forget,
        }[Pending(pending)]
        reply = Reply(
            speech=(said,),
            reprompt=said,
            question=True,
            pending=pending,
            remember=False,
            misses=misses,
        )
    else:
        reply = Reply(
            speech=(prompts.help, prompts.help_reprompt),
            reprompt=prompts.help,
            question=True,
            offer=_still_offered(handler_input),
            pending=pending,
            remember=not misses,  # "repeat that" after asking for help repeats the help
            misses=misses,
        )
    return render(handler_input, reply)


def ask_what_next(handler_input: HandlerInput) -> Response:
    prompts = load_content().prompts
    return render(
        handler_input,
        Reply(speech=(prompts.ask_next,), reprompt=prompts.help_reprompt, question=True),
    )


def goodbye(handler_input: HandlerInput) -> Response:
    """Stop, cancel and "no": a short goodnight, session closed."""
    return render(handler_input, Reply(speech=(load_content().prompts.goodbye,)))


def health_concern(handler_input: HandlerInput) -> Response:
    """The safety net: symptoms, conditions, medications, too much taken, feeling unwell.

    One calm line (the article doesn't cover it; a professional, or emergency services
    if very unwell) and the session closes: nothing suggests taking more.
    """
    return render(handler_input, Reply(speech=(load_content().prompts.safety_net,)))


def _misses(handler_input: HandlerInput) -> int:
    misses = session_attributes(handler_input).get(SessionKey.MISSES)
    return misses if isinstance(misses, int) and not isinstance(misses, bool) else 0


def fallback(handler_input: HandlerInput) -> Response:
    """Not understood. The first miss redirects with two suggestions, a second in a row
    gets the short help, a third says goodnight: an open microphone that keeps failing
    is the worst bedtime experience. What "yes" would take survives a miss."""
    prompts = load_content().prompts
    misses = _misses(handler_input) + 1
    if misses >= MISSES_BEFORE_GOODNIGHT:
        return render(handler_input, Reply(speech=(prompts.fallback_goodnight,)))
    if misses >= MISSES_BEFORE_HELP:
        return help_prompt(handler_input, misses=misses)
    session = session_attributes(handler_input)
    eliciting = session.get(SessionKey.ELICITING) == BEDTIME_SLOT
    return render(
        handler_input,
        Reply(
            speech=(prompts.fallback, prompts.fallback_suggest),
            reprompt=prompts.fallback_reprompt,
            question=True,
            offer=_still_offered(handler_input),
            pending=_still_pending(handler_input),
            elicit=(Intent.SET_REMINDER, Slot.BEDTIME) if eliciting else None,
            remember=False,
            misses=misses,
        ),
    )


def apology(handler_input: HandlerInput) -> Response:
    """The fixed reply when something failed: never the exception's text."""
    prompts = load_content().prompts
    return render(
        handler_input,
        Reply(speech=(prompts.error,), reprompt=prompts.error_reprompt, remember=False),
    )


def silence(handler_input: HandlerInput) -> Response:
    """SessionEndedRequest: Alexa ignores any speech, so send none.

    Reason ERROR is how Alexa reports that an earlier response of ours was invalid:
    log its type and message (no ids) at WARNING.
    """
    request = handler_input.request_envelope.request
    reason = getattr(getattr(request, "reason", None), "value", None)
    if reason == "ERROR":
        error = getattr(request, "error", None)
        kind = getattr(getattr(error, "object_type", None), "value", None)
        message = str(getattr(error, "message", None) or "")[:300]
        logger.warning("session ended with an error: %s: %s", kind or "-", message or "-")
    response: Response = handler_input.response_builder.response
    return response
