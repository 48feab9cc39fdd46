"""The article conversation: answers, offers, "tell me more", "repeat that", help, goodbye.

Each feature is a function of the turn, tonight's session and the ports that returns
one `Reply`; `skill.alexa` renders it (and `render` decides the microphone).
"""

from __future__ import annotations

import logging

from skill.content import Answer, article_title, load_content
from skill.names import Benefit, Intent, Pending, Slot
from skill.ports import Ports
from skill.replies import Reply, stored_reply
from skill.speech import speakable
from skill.turn import Session, Turn

logger = logging.getLogger(__name__)

# The reminder conversation's slot, while Alexa listens for it (see help_prompt).
BEDTIME_SLOT = f"{Intent.SET_REMINDER}.{Slot.BEDTIME}"
MORE = "more"  # Session.last_part when the last topic's follow-up was said
MAX_TURN_WORDS = 40  # a whole turn: answer, offer, any prompt (one breath, half asleep)
MISSES_BEFORE_HELP = 2
MISSES_BEFORE_GOODNIGHT = 3
# What a returning listener is offered first, if they have not heard it yet.
WELCOME_BACK_ORDER = ("timing", "dosage", "why_glycinate", "how_it_helps", "hydration", "safety")
# BenefitType slot value ids (the interaction model) are content topics.
BENEFIT_TOPICS = frozenset(Benefit)


def _heard(session: Session, ports: Ports, topic: str, *, part: str | None = None) -> None:
    session.last_topic = topic
    session.last_part = part or None
    if load_content().answer(topic).offer is None:
        # What the article doesn't say (pregnancy, children, medications ...): never
        # offered, so never counted, and never stored: a question is not a history.
        return
    if topic not in session.heard:
        session.heard = [*session.heard, topic]
    ports.memory.note_heard(topic)


def next_offer(
    session: Session, after: str | None = None, prefer: tuple[str, ...] = ()
) -> str | None:
    """The topic to offer next: `after`'s own next (or the first of `prefer`) if unheard,
    else the first unheard topic in the content's order; None when all were heard."""
    content = load_content()
    heard = set(session.heard)
    first = content.answer(after).next if after else None
    preferred: tuple[str, ...] = (first,) if first else prefer
    for topic in (*preferred, *content.offered_topics):
        if topic and topic not in heard and topic != after:
            return topic
    return None


def _say_and_offer(
    session: Session, ports: Ports, answer: Answer, said: str, *, part: str | None = None
) -> Reply:
    """Say `said` for a topic; if the conversation goes on, offer a topic not yet heard.

    What the article doesn't say is followed by "what else?", never by an offer (no
    nudge after a question about children or medications); once every topic has been
    heard, the listener is told so and wished goodnight.
    """
    content = load_content()
    _heard(session, ports, answer.topic, part=part)
    card_title, card_text = answer.card_title, answer.card_text
    if answer.offer is None:
        return Reply(
            speech=(said,),
            follow_up=(content.prompts.ask_next,),
            reprompt=content.prompts.help_reprompt,
            card_title=card_title,
            card_text=card_text,
        )
    topic = next_offer(session, answer.topic)
    if topic is None:
        return Reply(
            speech=(said,),
            follow_up=(content.prompts.all_heard,),
            card_title=card_title,
            card_text=card_text,
        )
    offer = content.answer(topic).offer or content.prompts.ask_next
    return Reply(
        speech=(said,),
        follow_up=(offer,),
        reprompt=offer,
        offer=topic,
        card_title=card_title,
        card_text=card_text,
    )


def answer(session: Session, ports: Ports, topic: str) -> Reply:
    """Speak one topic: closed after a one-shot question, an offer inside a conversation."""
    chosen = load_content().answer(topic)
    return _say_and_offer(session, ports, chosen, chosen.speech)


def resolved_benefit(turn: Turn) -> str | None:
    """The benefit topic Alexa resolved the slot to, or None if empty or unmatched."""
    slot = turn.slot(Slot.BENEFIT)
    for topic in slot.resolved_ids:
        if topic in BENEFIT_TOPICS:
            return topic
    if slot.spoken:
        # Never the words themselves: they are what the listener said.
        logger.info("benefit slot value did not resolve")
    return None


def benefit(turn: Turn, session: Session, ports: Ports) -> Reply:
    """One of the four benefits; an empty or unknown one gets the list of all four."""
    topic = resolved_benefit(turn)
    if topic is None:
        return choose_benefit(turn, session, ports)
    return answer(session, ports, topic)


def topic(turn: Turn, session: Session, ports: Ports) -> Reply:
    """ "Tell me about {topic}": the answer whose key the topic resolved to (TopicType ids
    are content topics); a topic that resolved to none is a miss."""
    slot = turn.slot(Slot.TOPIC)
    answers = load_content().answers
    for key in slot.resolved_ids:
        if key in answers:
            return answer(session, ports, key)
    if slot.spoken:
        logger.info("topic slot value did not resolve")  # never the words themselves
    return fallback(turn, session, ports)


def choose_benefit(turn: Turn, session: Session, ports: Ports) -> Reply:
    """An empty or unknown benefit: list the benefits (and ask which, in a conversation)."""
    content = load_content()
    overview = content.answer("how_it_helps")
    _heard(session, ports, overview.topic)
    which = content.prompts.which_benefit
    return Reply(
        speech=(overview.speech,),
        follow_up=(which,),
        reprompt=which,
        card_title=overview.card_title,
        card_text=overview.card_text,
        # Alexa listens for the slot, so a bare "sleep" fills it (dialog model).
        elicit=(Intent.BENEFIT_DETAIL, Slot.BENEFIT),
    )


def tell_more(turn: Turn, session: Session, ports: Ports) -> Reply:
    """The follow-up of the last topic, then the usual offer."""
    content = load_content()
    topic = session.last_topic
    if topic is None:
        return help_prompt(turn, session, ports)
    chosen = content.answer(topic)
    if chosen.more is None:
        return _say_and_offer(session, ports, chosen, content.prompts.no_more)
    return _say_and_offer(session, ports, chosen, chosen.more, part=MORE)


def accept_offer(turn: Turn, session: Session, ports: Ports) -> Reply:
    """ "Yes" takes the topic just offered; with nothing offered, ask what they'd like."""
    topic = session.offered_topic
    if topic is None:
        return ask_what_next(turn, session, ports)
    chosen = load_content().answer(topic)
    return _say_and_offer(session, ports, chosen, chosen.speech)


def read_source(turn: Turn, session: Session, ports: Ports) -> Reply:
    """ "Where does it say that?": the article sentence the last answer was drawn from,
    read verbatim (speakable), and every cited sentence on a card under the title."""
    content = load_content()
    prompts = content.prompts
    topic = session.last_topic
    if topic is None:
        return Reply(
            speech=(prompts.source_none, prompts.ask_next),
            reprompt=prompts.help_reprompt,
            question=True,
            offer=session.offered_topic,
        )
    chosen = content.answer(topic)
    more = session.last_part == MORE and chosen.more_sources
    cited = chosen.more_sources if more else chosen.sources
    said = prompts.source_said.format(quote=speakable(cited[0]))
    card_title, card_text = article_title(), "\n\n".join(cited)
    offered = session.offered_topic  # an offer survives a quote
    if offered is None and chosen.offer is not None:  # never an offer after what it lacks
        offered = next_offer(session, topic)
    offer = content.answer(offered).offer if offered else None
    follow = offer or prompts.ask_next
    if _words(said, follow) > MAX_TURN_WORDS:
        follow, offer, offered = "", None, None
    return Reply(
        speech=(said,),
        follow_up=(follow,) if follow else (),
        reprompt=offer or prompts.help_reprompt,
        offer=offered if offer else None,
        card_title=card_title,
        card_text=card_text,
    )


def _words(*parts: str) -> int:
    return sum(len(part.split()) for part in parts)


def repeat(turn: Turn, session: Session, ports: Ports) -> Reply:
    """Say the last reply again, keeping the same offer."""
    last = stored_reply(session)
    if last is None:
        prompts = load_content().prompts
        return Reply(
            speech=(prompts.nothing_yet, prompts.help),
            reprompt=prompts.help_reprompt,
            question=True,
        )
    return last


def welcome(turn: Turn, session: Session, ports: Ports) -> Reply:
    """Launch and start over: the full welcome the first time, a short one after that."""
    content = load_content()
    prompts = content.prompts
    session.last_topic = None
    session.one_shot = False
    if session.returning:
        unheard = next_offer(session, prefer=WELCOME_BACK_ORDER)
        offer = content.answer(unheard).offer if unheard else None
        if unheard and offer:
            return Reply(
                speech=(prompts.welcome_back, offer),
                reprompt=offer,
                question=True,
                offer=unheard,
            )
        return Reply(
            speech=(prompts.welcome_back, prompts.help_reprompt),
            reprompt=prompts.help_reprompt,
            question=True,
        )
    return Reply(
        speech=(prompts.welcome, prompts.disclaimer, prompts.suggest),
        reprompt=prompts.welcome_reprompt,
        question=True,
    )


def help_prompt(turn: Turn, session: Session, ports: Ports, *, misses: int = 0) -> Reply:
    """Short help that fits where the listener is; what "yes" would take survives it.

    In the reminder conversation (Alexa listening for the bedtime, or a cancel waiting
    for yes or no) it speaks of the reminder; elsewhere it names three things to ask.
    """
    prompts = load_content().prompts
    pending = session.pending
    if session.eliciting == BEDTIME_SLOT:
        return Reply(
            speech=(prompts.help_reminder,),
            reprompt=prompts.ask_bedtime_reprompt,
            question=True,
            elicit=(Intent.SET_REMINDER, Slot.BEDTIME),
            remember=False,
            misses=misses,
        )
    if pending is not None:
        # A yes/no waits (cancel, forget, the reminder's plan, "at night?"): say how to answer it.
        said = {
            Pending.CANCEL_REMINDER: prompts.help_cancel_reminder,
            Pending.SET_REMINDER: prompts.help_set_reminder,
            Pending.EVENING: prompts.help_evening,
            Pending.FORGET: prompts.help_forget,
        }[Pending(pending)]
        return Reply(
            speech=(said,),
            reprompt=said,
            question=True,
            pending=pending,
            remember=False,
            misses=misses,
        )
    return Reply(
        speech=(prompts.help, prompts.help_reprompt),
        reprompt=prompts.help,
        question=True,
        offer=session.offered_topic,
        remember=not misses,  # "repeat that" after asking for help repeats the help
        misses=misses,
    )


def ask_what_next(turn: Turn, session: Session, ports: Ports) -> Reply:
    prompts = load_content().prompts
    return Reply(speech=(prompts.ask_next,), reprompt=prompts.help_reprompt, question=True)


def goodbye(turn: Turn, session: Session, ports: Ports) -> Reply:
    """Stop, cancel and "no": a short goodnight, session closed."""
    return Reply(speech=(load_content().prompts.goodbye,))


def fallback(turn: Turn, session: Session, ports: Ports) -> Reply:
    """Not understood. The first miss redirects with two suggestions, a second in a row
    gets the short help, a third says goodnight: an open microphone that keeps failing
    is the worst bedtime experience. What "yes" would take survives a miss."""
    prompts = load_content().prompts
    misses = session.misses + 1
    if misses >= MISSES_BEFORE_GOODNIGHT:
        return Reply(speech=(prompts.fallback_goodnight,))
    if misses >= MISSES_BEFORE_HELP:
        return help_prompt(turn, session, ports, misses=misses)
    eliciting = session.eliciting == BEDTIME_SLOT
    return Reply(
        speech=(prompts.fallback, prompts.fallback_suggest),
        reprompt=prompts.fallback_reprompt,
        question=True,
        offer=session.offered_topic,
        pending=session.pending,
        elicit=(Intent.SET_REMINDER, Slot.BEDTIME) if eliciting else None,
        remember=False,
        misses=misses,
    )


def apology(turn: Turn, session: Session, ports: Ports) -> Reply:
    """The fixed reply when something failed: never the exception's text."""
    prompts = load_content().prompts
    return Reply(speech=(prompts.error,), reprompt=prompts.error_reprompt, remember=False)
