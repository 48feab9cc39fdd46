"""Name-free discovery: Alexa asks "could you answer this?" (CanFulfillIntentRequest).

Alexa may route "Alexa, when should I take magnesium glycinate?" to this skill without
its name if we say YES. The answer follows Alexa's documented shape:
`canFulfillIntent {canFulfill: YES | NO | MAYBE, slots: {name: {canUnderstand, canFulfill}}}`.
YES for the article's own questions with known slot values, MAYBE when a slot value is
one we do not know, NO for everything else (reminders, settings, health statements, what
the article doesn't cover). Nothing is said, nothing is stored, no visit is counted.
"""

from __future__ import annotations

from collections.abc import Collection

from ask_sdk_model.canfulfill import (
    CanFulfillIntent,
    CanFulfillIntentValues,
    CanFulfillSlot,
    CanFulfillSlotValues,
    CanUnderstandSlotValues,
)

from skill.turn import SlotValue, Turn


def _slot_answer(slot: SlotValue) -> CanFulfillSlot:
    if slot.matched:  # Alexa resolved the value to one of the skill's slot values
        return CanFulfillSlot(
            can_understand=CanUnderstandSlotValues.YES, can_fulfill=CanFulfillSlotValues.YES
        )
    return CanFulfillSlot(
        can_understand=CanUnderstandSlotValues.MAYBE, can_fulfill=CanFulfillSlotValues.NO
    )


def can_fulfill(turn: Turn, answerable: Collection[str]) -> CanFulfillIntent:
    """The verdict on Alexa's CanFulfillIntentRequest for the intents in `answerable`."""
    if turn.intent not in answerable:
        return CanFulfillIntent(can_fulfill=CanFulfillIntentValues.NO)
    slots = {
        name: _slot_answer(slot)
        for name, slot in turn.slots.items()
        if slot.spoken  # an empty slot: the skill lists the choices
    }
    known = all(s.can_fulfill == CanFulfillSlotValues.YES for s in slots.values())
    return CanFulfillIntent(
        can_fulfill=CanFulfillIntentValues.YES if known else CanFulfillIntentValues.MAYBE,
        slots=slots or None,
    )
