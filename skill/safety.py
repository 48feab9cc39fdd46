"""The safety net, in tiers that fit the person: what a careful pharmacist would say.

Urgent danger hears where to get help first (the locale's emergency number, then the poison
line for a swallowing) and the session closes; feeling unwell hears a professional, and it
closes too; a condition, medication or pregnancy is acknowledged and referred without alarm;
an amount is compared with the article's typical daily range; more is never a yes. README,
"What you can ask", lists the tiers. Every sentence is data (`answers.json`, `safety`), the
numbers come from `skill.content.helplines`, and nothing said here is stored.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from enum import Enum

from skill import conversation
from skill.content import load_content
from skill.content.helplines import helplines
from skill.names import Condition, DoseUnit, Slot
from skill.ports import Ports
from skill.replies import Reply, then_ask_next
from skill.turn import Session, Turn

#: The article's typical daily dose, in milligrams ("200 mg to 400 mg per day").
TYPICAL_MG = (Decimal(200), Decimal(400))
#: "Well above" from twice the top of the range.
WELL_ABOVE_MG = 2 * TYPICAL_MG[1]
MG_PER_GRAM = Decimal(1000)
COUNT_UNITS = frozenset({DoseUnit.PILLS, DoseUnit.TABLETS, DoseUnit.CAPSULES})
#: A number said without a unit below this is taken as a count of pills, not milligrams.
COUNT_WITHOUT_UNIT_BELOW = Decimal(10)
#: Pills taken at once beyond this are "many pills": urgent. The article gives no strength
#: per pill, and two or three capsules is a common serving, so a small count is met
#: calmly (the article's range in milligrams, a professional if worried), never with 911.
MOST_PILLS_CALMLY = Decimal(4)
MAX_AMOUNT = Decimal(10) ** 9  # anything larger was misheard
#: The article answer whose cited sentences back an amount or an extra dose, for
#: "where does it say that?" (the typical dose; never offered, so no offer follows).
DOSE_TOPIC = "too_much"
#: The article answer whose cited sentence backs a named condition.
CONDITION_TOPIC = "interactions"


class Compared(Enum):
    WELL_ABOVE = "well_above"
    ABOVE = "above"
    WITHIN = "within"
    BELOW = "below"


# --------------------------------------------------------------------------- urgent


def urgent(turn: Turn, session: Session, ports: Ports) -> Reply:
    """EmergencyIntent: the number first; the poison line if pills were swallowed.

    "i {symptom}" and "my {body}" are short carriers, and Alexa fills a custom slot with
    words it does not know. When the only thing that made this an emergency is such a
    slot that resolved to nothing, the number still comes first, said as a condition
    ("If this is an emergency, ..."): help first, without telling someone who said
    something else entirely to call for an ambulance."""
    swallowed = bool(turn.slot(Slot.PILLS).spoken or turn.slot(Slot.PILLS).resolved_ids)
    return _urgent_reply(turn, swallowed=swallowed, unsure=_heard_only_open_words(turn))


def _heard_only_open_words(turn: Turn) -> bool:
    """True when a symptom or body slot was filled but resolved to no known value, and no
    other slot of the intent resolved (an unknown phrase in a short carrier)."""
    open_slots = (turn.slot(Slot.SYMPTOM), turn.slot(Slot.BODY))
    if not any(slot.spoken for slot in open_slots):
        return False
    if any(slot.resolved_ids for slot in open_slots):
        return False
    others = (turn.slot(Slot.PILLS), turn.slot(Slot.PERSON))
    return not any(slot.resolved_ids for slot in others)


def _urgent_reply(
    turn: Turn, *, swallowed: bool, reason: str | None = None, unsure: bool = False
) -> Reply:
    texts = load_content().safety.texts
    lines = helplines(turn.locale)
    call = texts.urgent_call_if if unsure else texts.urgent_call
    said = [call.format(emergency=lines.emergency.spoken)]
    shown = [call.format(emergency=lines.emergency.shown)]
    if swallowed:
        after = texts.text(lines.swallowed)
        poison = lines.poison
        said.append(after.format(poison=poison.spoken if poison else ""))
        shown.append(after.format(poison=poison.shown if poison else ""))
    if reason:
        said.append(reason)
        shown.append(reason)
    return Reply(
        speech=tuple(said),
        card_title=texts.urgent_card_title,
        card_text=" ".join(shown),
        headline=texts.urgent_headline.format(emergency=lines.emergency.shown),
        shown=" ".join(shown),
        remember=False,
    )


# --------------------------------------------------------------------------- statements


def health_concern(turn: Turn, session: Session, ports: Ports) -> Reply:
    """HealthConcernIntent: a named condition is acknowledged; without one, the listener
    is unwell (or took too much) and is pointed to a professional and, if serious, help."""
    condition = _condition(turn)
    if condition is None:
        return _unwell(turn)
    return _about_condition(turn, session, ports, condition)


def _condition(turn: Turn) -> Condition | None:
    slot = turn.slot(Slot.CONDITION)
    for value in slot.resolved_ids:
        if value in set(Condition):
            return Condition(value)
    if slot.spoken:
        # Something was named that the model does not know: a condition all the same.
        # Never log the words: they are the listener's health.
        return Condition.OTHER
    return None


def _about_condition(turn: Turn, session: Session, ports: Ports, condition: Condition) -> Reply:
    safety = load_content().safety
    topic = safety.condition_answers.get(condition)
    if topic is not None:
        # Pregnancy, breastfeeding and medicines are article answers (PregnancyIntent,
        # InteractionsIntent, "tell me about pregnancy"): the same words however asked.
        return conversation.answer(turn, session, ports, topic)
    texts = safety.texts
    said = texts.condition.format(condition=safety.conditions[condition])
    _backed_by(session, CONDITION_TOPIC)
    return then_ask_next(said, card_title=texts.condition_card_title, card_text=said)


def _unwell(turn: Turn) -> Reply:
    texts = load_content().safety.texts
    lines = helplines(turn.locale)
    return Reply(
        speech=(texts.unwell.format(emergency=lines.emergency.spoken),),
        card_title=texts.unwell_card_title,
        card_text=texts.unwell.format(emergency=lines.emergency.shown),
        remember=False,
    )


def _backed_by(session: Session, topic: str) -> None:
    """ "Where does it say that?" after a safety answer reads the sentence it rests on."""
    session.last_topic = topic
    session.last_part = None


# --------------------------------------------------------------------------- amounts


def amount(turn: Turn, session: Session, ports: Ports) -> Reply:
    """AmountIntent, "is 1000 milligrams too much?": compared with the article's range.
    An amount not heard gets the article's general answer on too much."""
    value = _amount(turn)
    if value is None:
        return conversation.answer(turn, session, ports, DOSE_TOPIC)
    texts = load_content().safety.texts
    said = (_compare(turn, value, taken=False), texts.amount_advice)
    _backed_by(session, DOSE_TOPIC)
    return _calm(said)


def amount_taken(turn: Turn, session: Session, ports: Ports) -> Reply:
    """AmountTakenIntent, "I took 800 milligrams": beyond the article's range, or many
    pills, is urgent (a swallowing); within it, calm, a professional if worried.
    An amount not heard is treated like "I took too much"."""
    value = _amount(turn)
    if value is None:
        return _unwell(turn)
    texts = load_content().safety.texts
    unit = _unit(turn, value)
    if unit is None or unit in COUNT_UNITS:
        # Pills have no stated strength: many at once is urgent, a few is met calmly.
        if value > MOST_PILLS_CALMLY:
            reason = (
                texts.amount_no_unit
                if unit is None
                else texts.urgent_count.format(unit=_unit_words(unit, value))
            )
            return _urgent_reply(turn, swallowed=True, reason=reason)
    elif _milligrams(value, unit) > TYPICAL_MG[1]:
        return _urgent_reply(turn, swallowed=True, reason=texts.urgent_over_range)
    said = (_compare(turn, value, taken=True), texts.amount_taken_advice)
    _backed_by(session, DOSE_TOPIC)
    return _calm(said)


def _calm(said: tuple[str, ...]) -> Reply:
    text = " ".join(said)
    title = load_content().safety.texts.amount_card_title
    return then_ask_next(text, card_title=title, card_text=text)


def _amount(turn: Turn) -> Decimal | None:
    """The AMAZON.NUMBER slot as a positive number, or None (empty, "?", nonsense)."""
    spoken = turn.slot(Slot.AMOUNT).spoken
    if not spoken:
        return None
    try:
        value = Decimal(spoken.strip())
    except InvalidOperation:
        return None
    if not value.is_finite() or value <= 0 or value > MAX_AMOUNT:
        return None
    return value


def _unit(turn: Turn, value: Decimal) -> DoseUnit | None:
    """The resolved unit. None for a unit that cannot be converted ("scoops") and for a
    small number said without a unit (a count); a larger one is taken as milligrams, and
    said so ("If that's milligrams, ...")."""
    slot = turn.slot(Slot.UNIT)
    for unit in slot.resolved_ids:
        if unit in set(DoseUnit):
            return DoseUnit(unit)
    if slot.spoken:
        return None  # a unit we cannot convert ("scoops"): the article talks in milligrams
    return None if value < COUNT_WITHOUT_UNIT_BELOW else DoseUnit.MILLIGRAMS


def _milligrams(value: Decimal, unit: DoseUnit) -> Decimal:
    return value * MG_PER_GRAM if unit == DoseUnit.GRAMS else value


def _compared(milligrams: Decimal) -> Compared:
    low, high = TYPICAL_MG
    if milligrams >= WELL_ABOVE_MG:
        return Compared.WELL_ABOVE
    if milligrams > high:
        return Compared.ABOVE
    if milligrams >= low:
        return Compared.WITHIN
    return Compared.BELOW


def _compare(turn: Turn, value: Decimal, *, taken: bool) -> str:
    """One sentence: the listener's amount beside the article's typical range."""
    safety = load_content().safety
    texts = safety.texts
    unit = _unit(turn, value)
    if unit is None or unit in COUNT_UNITS:
        if unit is None:
            return texts.amount_no_unit
        return texts.amount_count.format(unit=_unit_words(unit, value))
    compared = _compared(_milligrams(value, unit))
    if taken and compared is Compared.BELOW:
        # Never "below" to someone who took it: no nudge to take more.
        comparison = safety.comparisons["not_above"]
    else:
        comparison = safety.comparisons[compared.value]
    number = _number(value)
    if not turn.slot(Slot.UNIT).spoken:
        return texts.amount_if_milligrams.format(amount=number, comparison=comparison)
    said = f"{number} {_unit_words(unit, value)}"
    return texts.amount_compared.format(amount=said, comparison=comparison)


def _unit_words(unit: DoseUnit, value: Decimal) -> str:
    one, many = load_content().safety.units[unit]
    return one if value == 1 else many


def _number(value: Decimal) -> str:
    """Digits Alexa reads as a number ("1000" is said "one thousand"); never the words
    the listener said, which are theirs and not ours to repeat."""
    return format(value.normalize(), "f")


# --------------------------------------------------------------------------- more


def extra_dose(turn: Turn, session: Session, ports: Ports) -> Reply:
    """ExtraDoseIntent, "should I take another?", "can I double the dose?": never a yes."""
    texts = load_content().safety.texts
    _backed_by(session, DOSE_TOPIC)
    return then_ask_next(
        texts.extra_dose, card_title=texts.extra_dose_card_title, card_text=texts.extra_dose
    )
