"""The article conversation: answers, offers, "tell me more", "repeat that", help, goodbye.

Each feature is a function of the turn, tonight's session and the ports that returns
one `Reply`; `skill.alexa` renders it (and `render` decides the microphone).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from skill import bedtime
from skill.content import Answer, article_title, load_content
from skill.names import Benefit, Intent, Pending, Slot
from skill.ports import Ports
from skill.replies import (
    MAX_ANSWER_WORDS,
    Reply,
    is_one_shot,
    sentences,
    stored_reply,
    words,
)
from skill.speech import speakable
from skill.turn import Session, Turn

logger = logging.getLogger(__name__)

# The dialogs' slots, while Alexa listens for them (see help_prompt and fallback).
BEDTIME_SLOT = f"{Intent.SET_REMINDER}.{Slot.BEDTIME}"
BENEFIT_SLOT = f"{Intent.BENEFIT_DETAIL}.{Slot.BENEFIT}"
MORE = "more"  # Session.last_part when the last topic's follow-up was said
HOW_IT_HELPS = "how_it_helps"  # the benefits, listed: "which one?" follows
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


def offer_candidates(
    session: Session,
    after: str | None = None,
    prefer: tuple[str, ...] = (),
    *,
    new_only: bool = True,
) -> Iterator[str]:
    """Topics that could be offered next, best first: `after`'s own next (or `prefer`),
    then the content's order; never one heard tonight, nor (with `new_only`) one a
    regular heard on an earlier night."""
    content = load_content()
    skip = {*session.heard, *(session.heard_before if new_only else ())}
    first = content.answer(after).next if after else None
    preferred: tuple[str, ...] = (first,) if first else prefer
    seen: set[str] = set()
    for topic in (*preferred, *content.offered_topics):
        if topic and topic not in skip and topic != after and topic not in seen:
            seen.add(topic)
            yield topic


def next_offer(
    session: Session,
    after: str | None = None,
    prefer: tuple[str, ...] = (),
    *,
    new_only: bool = True,
) -> str | None:
    """The topic to offer next (see `offer_candidates`); None when there is none."""
    return next(offer_candidates(session, after, prefer, new_only=new_only), None)


def _fitting_offer(session: Session, after: str, said: str) -> tuple[str, str] | None:
    """The best topic whose offer fits in one breath with what was just said."""
    content = load_content()
    for topic in offer_candidates(session, after):
        offer = content.answer(topic).offer
        if offer and words(said, offer) <= MAX_ANSWER_WORDS:
            return topic, offer
    return None


def all_heard_tonight(session: Session) -> bool:
    """Every topic the article offers was heard in tonight's session."""
    heard = set(session.heard)
    return all(topic in heard for topic in load_content().offered_topics)


def _short_answer(session: Session, answer: Answer, said: str, source: str | None) -> Reply:
    """Near bedtime: "I'll keep it short" once, one sentence, softly, nothing offered, closed."""
    return Reply(
        speech=(*bedtime.keep_short(session), bedtime.one_sentence(said)),
        card_title=answer.card_title,
        card_text=answer.card_text,
        near_bedtime=True,
        source=source,
    )


def _say_and_offer(
    turn: Turn,
    session: Session,
    ports: Ports,
    answer: Answer,
    said: str,
    *,
    part: str | None = None,
) -> Reply:
    """Say `said` for a topic; if the conversation goes on, offer a topic not heard yet.

    The answer and its offer stay within one breath (`MAX_ANSWER_WORDS`): an offer that
    would not fit becomes "Anything else?". What the article doesn't say is followed by
    a question, never by an offer (no nudge after a question about children or
    medications). A regular who heard every topic on earlier nights hears the answer and
    "Anything else?"; only when every topic was heard *tonight* is the listener wished
    goodnight. Near their bedtime, one sentence and goodnight.
    """
    content = load_content()
    prompts = content.prompts
    _heard(session, ports, answer.topic, part=part)
    cited = answer.more_sources if part == MORE and answer.more_sources else answer.sources
    source = cited[0] if cited else None  # shown beneath the answer on a screen
    if bedtime.near(turn, session, ports):
        return _short_answer(session, answer, said, source)
    card_title, card_text = answer.card_title, answer.card_text
    if answer.offer is not None and all_heard_tonight(session):
        return Reply(
            speech=(said,),
            follow_up=(prompts.all_heard,),
            card_title=card_title,
            card_text=card_text,
            source=source,
        )
    fitting = _fitting_offer(session, answer.topic, said) if answer.offer is not None else None
    if fitting is not None:
        topic, offer = fitting
        return Reply(
            speech=(said,),
            follow_up=(offer,),
            reprompt=offer,
            offer=topic,
            card_title=card_title,
            card_text=card_text,
            source=source,
        )
    fresh = answer.offer is None and not session.returning
    ask = prompts.ask_next if fresh and words(said, prompts.ask_next) <= MAX_ANSWER_WORDS else None
    return Reply(
        speech=(said,),
        follow_up=(ask or prompts.anything_else,),
        reprompt=prompts.help_reprompt,
        card_title=card_title,
        card_text=card_text,
        source=source,
    )


def answer(turn: Turn, session: Session, ports: Ports, topic: str) -> Reply:
    """Speak one topic: closed after a one-shot question, an offer inside a conversation.

    How it helps is the list of four benefits: inside a conversation it asks which one,
    and Alexa listens for the benefit's name."""
    if topic == HOW_IT_HELPS:
        return choose_benefit(turn, session, ports)
    chosen = load_content().answer(topic)
    return _say_and_offer(turn, session, ports, chosen, chosen.speech)


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
    return answer(turn, session, ports, topic)


def topic(turn: Turn, session: Session, ports: Ports) -> Reply:
    """ "Tell me about {topic}": the answer whose key the topic resolved to (TopicType ids
    are content topics); a topic that resolved to none is a miss."""
    slot = turn.slot(Slot.TOPIC)
    answers = load_content().answers
    for key in slot.resolved_ids:
        if key in answers:
            return answer(turn, session, ports, key)
    if slot.spoken:
        logger.info("topic slot value did not resolve")  # never the words themselves
    return fallback(turn, session, ports)


def choose_benefit(turn: Turn, session: Session, ports: Ports) -> Reply:
    """The benefits listed; in a conversation, "which one?", and Alexa listens for the
    benefit's name (the dialog model), so a bare "sleep" answers it."""
    content = load_content()
    overview = content.answer(HOW_IT_HELPS)
    _heard(session, ports, overview.topic)
    if bedtime.near(turn, session, ports):
        return _short_answer(session, overview, overview.speech, overview.sources[0])
    which = content.prompts.which_benefit
    said = overview.speech
    if not is_one_shot(turn, session) and words(said, which) > MAX_ANSWER_WORDS:
        said = sentences(said)[0]  # the list itself; the card keeps the rest
    return Reply(
        speech=(said,),
        follow_up=(which,),
        reprompt=which,
        card_title=overview.card_title,
        card_text=overview.card_text,
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
        return _say_and_offer(turn, session, ports, chosen, content.prompts.no_more)
    return _say_and_offer(turn, session, ports, chosen, chosen.more, part=MORE)


def accept_offer(turn: Turn, session: Session, ports: Ports) -> Reply:
    """ "Yes" takes the topic just offered. With nothing offered ("What else would you
    like to know?" - "yes"), offer one topic rather than ask the same question again."""
    topic = session.offered_topic
    if topic is not None:
        return answer(turn, session, ports, topic)
    topic = next_offer(session) or next_offer(session, new_only=False)
    offer = load_content().answer(topic).offer if topic else None
    if topic is None or offer is None:
        return help_prompt(turn, session, ports)
    return Reply(speech=(offer,), reprompt=offer, question=True, offer=topic)


def read_source(turn: Turn, session: Session, ports: Ports) -> Reply:
    """ "Where does it say that?": the article sentence the last answer was drawn from,
    read verbatim (speakable), and every cited sentence on a card under the title."""
    content = load_content()
    prompts = content.prompts
    topic = session.last_topic
    if topic is None:
        # Not a question only the listener can answer: a one-shot closes here.
        return Reply(
            speech=(prompts.source_none,),
            follow_up=(prompts.ask_next,),
            reprompt=prompts.help_reprompt,
            offer=session.offered_topic,
        )
    chosen = content.answer(topic)
    more = session.last_part == MORE and chosen.more_sources
    cited = chosen.more_sources if more else chosen.sources
    said = prompts.source_said.format(quote=speakable(cited[0]))
    card_title, card_text = article_title(), "\n\n".join(cited)
    if bedtime.near(turn, session, ports):
        return Reply(
            speech=(*bedtime.keep_short(session), said),
            card_title=card_title,
            card_text=card_text,
            near_bedtime=True,
        )
    offered = session.offered_topic  # an offer survives a quote
    if offered is None and chosen.offer is not None:  # never an offer after what it lacks
        offered = next_offer(session, topic)
    offer = content.answer(offered).offer if offered else None
    follow = offer or prompts.ask_next
    if words(said, follow) > MAX_ANSWER_WORDS:
        follow, offer, offered = prompts.anything_else, None, None
    return Reply(
        speech=(said,),
        follow_up=(follow,),
        reprompt=offer or prompts.help_reprompt,
        offer=offered if offer else None,
        card_title=card_title,
        card_text=card_text,
    )


def repeat(turn: Turn, session: Session, ports: Ports) -> Reply:
    """Say the last reply again, keeping the same offer."""
    last = stored_reply(session)
    if last is None:
        prompts = load_content().prompts
        return Reply(
            speech=(prompts.nothing_yet, prompts.help_reprompt),
            reprompt=prompts.help_reprompt,
            question=True,
        )
    return last


def welcome(turn: Turn, session: Session, ports: Ports) -> Reply:
    """Launch and start over: the full welcome the first time, a short one after that;
    near the listener's bedtime, a short one that says so."""
    content = load_content()
    prompts = content.prompts
    session.last_topic = None
    session.one_shot = False
    greeting = (
        (prompts.welcome_back,) if session.returning else (prompts.welcome, prompts.disclaimer)
    )
    if bedtime.near(turn, session, ports):
        return Reply(
            speech=(*greeting, *bedtime.keep_short(session), prompts.help_reprompt),
            reprompt=prompts.help_reprompt,
            question=True,
            near_bedtime=True,
        )
    if session.returning:
        unheard = next_offer(session, prefer=WELCOME_BACK_ORDER)
        offer = content.answer(unheard).offer if unheard else None
        if unheard and offer:
            return Reply(
                speech=(*greeting, offer),
                reprompt=offer,
                question=True,
                offer=unheard,
            )
        return Reply(
            speech=(*greeting, prompts.help_reprompt),
            reprompt=prompts.help_reprompt,
            question=True,
        )
    return Reply(
        speech=(*greeting, prompts.suggest),
        reprompt=prompts.welcome_reprompt,
        question=True,
    )


def _dialog_question(session: Session) -> tuple[str, str] | None:
    """The question a dialog is waiting on, and a short help for it: a bedtime, a yes/no,
    or which benefit. None outside a dialog (an offer is not one: a miss after it asks
    what the listener would like)."""
    prompts = load_content().prompts
    if session.eliciting == BEDTIME_SLOT:
        return prompts.ask_bedtime, prompts.help_reminder
    if session.eliciting == BENEFIT_SLOT:
        return prompts.which_benefit, prompts.help_benefit
    if session.pending is not None:
        return {
            Pending.CANCEL_REMINDER: (
                prompts.reminder_cancel_reprompt,
                prompts.help_cancel_reminder,
            ),
            Pending.SET_REMINDER: (prompts.reminder_confirm_reprompt, prompts.help_set_reminder),
            Pending.EVENING: (prompts.reminder_confirm_reprompt, prompts.help_evening),
            Pending.FORGET: (prompts.forget_reprompt, prompts.help_forget),
        }[Pending(session.pending)]
    return None


def _still_waiting(session: Session) -> tuple[str, str] | None:
    """What Alexa should go on listening for: the slot of the dialog, if any."""
    if session.eliciting == BEDTIME_SLOT:
        return (Intent.SET_REMINDER, Slot.BEDTIME)
    if session.eliciting == BENEFIT_SLOT:
        return (Intent.BENEFIT_DETAIL, Slot.BENEFIT)
    return None


def help_prompt(turn: Turn, session: Session, ports: Ports, *, misses: int = 0) -> Reply:
    """Short help that fits where the listener is; what "yes" would take survives it.

    In a dialog (Alexa listening for the bedtime or a benefit, or a yes/no waiting) it
    says how to answer that question, and asks it; elsewhere it names what to ask.
    """
    prompts = load_content().prompts
    waiting = _dialog_question(session)
    if waiting is not None:
        question, said = waiting
        return Reply(
            speech=(said,),
            reprompt=question,
            question=True,
            pending=session.pending,
            elicit=_still_waiting(session),
            remember=False,
            misses=misses,
        )
    return Reply(
        speech=(prompts.help, prompts.help_reprompt),
        reprompt=prompts.help_reprompt,
        question=True,
        offer=session.offered_topic,
        remember=not misses,  # "repeat that" after asking for help repeats the help
        misses=misses,
    )


def ask_what_next(turn: Turn, session: Session, ports: Ports) -> Reply:
    prompts = load_content().prompts
    return Reply(speech=(prompts.ask_next,), reprompt=prompts.help_reprompt, question=True)


def goodbye(turn: Turn, session: Session, ports: Ports) -> Reply:
    """Stop, cancel and "no": a short goodnight, session closed. In the middle of a
    dialog, first what did not happen ("Okay, no reminder.")."""
    prompts = load_content().prompts
    undone = (
        {
            Pending.SET_REMINDER: prompts.reminder_not_set,
            Pending.EVENING: prompts.reminder_not_set,
            Pending.CANCEL_REMINDER: prompts.reminder_kept,
            Pending.FORGET: prompts.forget_kept,
        }.get(Pending(session.pending))
        if session.pending
        else None
    )
    if session.eliciting == BEDTIME_SLOT:
        undone = prompts.reminder_not_set
    return Reply(speech=(*((undone,) if undone else ()), prompts.goodbye))


def fallback(turn: Turn, session: Session, ports: Ports) -> Reply:
    """Not understood. In a dialog (a bedtime, a yes/no, an offer, which benefit) the
    first miss asks its question again, briefly, and it stays answerable; elsewhere
    "Sorry, I missed that. What would you like to know?" (the first such miss tonight
    also points to a professional, in case it was about their health). A second miss in
    a row gets the short help, a third says goodnight: an open microphone that keeps
    failing is the worst bedtime experience."""
    prompts = load_content().prompts
    misses = session.misses + 1
    if misses >= MISSES_BEFORE_GOODNIGHT:
        return Reply(speech=(prompts.fallback_goodnight,))
    if misses >= MISSES_BEFORE_HELP:
        return help_prompt(turn, session, ports, misses=misses)
    waiting = _dialog_question(session)
    offered = session.offered_topic
    offer = load_content().answer(offered).offer if offered else None
    question = waiting[0] if waiting is not None else offer
    if question is not None:
        return Reply(
            speech=(prompts.fallback_again, question),
            reprompt=question,
            question=True,
            offer=offered,
            pending=session.pending,
            elicit=_still_waiting(session),
            remember=False,
            misses=misses,
        )
    pointer = () if session.health_pointer_said else (prompts.fallback_health,)
    session.health_pointer_said = True
    return Reply(
        speech=(prompts.fallback, *pointer, prompts.help_reprompt),
        reprompt=prompts.fallback_reprompt,
        question=True,
        remember=False,
        misses=misses,
    )


def apology(turn: Turn, session: Session, ports: Ports) -> Reply:
    """The fixed reply when something failed: never the exception's text."""
    prompts = load_content().prompts
    return Reply(
        speech=(prompts.error,),
        follow_up=(prompts.error_reprompt,),
        reprompt=prompts.error_reprompt,
        remember=False,
    )
