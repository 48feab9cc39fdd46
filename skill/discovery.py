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
from typing import Any

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response
from ask_sdk_model.canfulfill import (
    CanFulfillIntent,
    CanFulfillIntentValues,
    CanFulfillSlot,
    CanFulfillSlotValues,
    CanUnderstandSlotValues,
)

ER_SUCCESS_MATCH = "ER_SUCCESS_MATCH"


def _resolved(slot: Any) -> bool:
    """True if Alexa resolved the slot's value to one of the skill's slot values."""
    resolutions = getattr(slot, "resolutions", None)
    for authority in getattr(resolutions, "resolutions_per_authority", None) or []:
        status = getattr(getattr(authority, "status", None), "code", None)
        if getattr(status, "value", status) == ER_SUCCESS_MATCH and authority.values:
            return True
    return False


def _slot_answer(slot: Any) -> CanFulfillSlot:
    if _resolved(slot):
        return CanFulfillSlot(
            can_understand=CanUnderstandSlotValues.YES, can_fulfill=CanFulfillSlotValues.YES
        )
    return CanFulfillSlot(
        can_understand=CanUnderstandSlotValues.MAYBE, can_fulfill=CanFulfillSlotValues.NO
    )


def can_fulfill(handler_input: HandlerInput, answerable: Collection[str]) -> Response:
    """Answer Alexa's CanFulfillIntentRequest for the intents in `answerable`."""
    intent = getattr(handler_input.request_envelope.request, "intent", None)
    name = getattr(intent, "name", None)
    if name not in answerable:
        verdict = CanFulfillIntent(can_fulfill=CanFulfillIntentValues.NO)
    else:
        slots = {
            slot_name: _slot_answer(slot)
            for slot_name, slot in (getattr(intent, "slots", None) or {}).items()
            if getattr(slot, "value", None)  # an empty slot: the skill lists the choices
        }
        known = all(s.can_fulfill == CanFulfillSlotValues.YES for s in slots.values())
        verdict = CanFulfillIntent(
            can_fulfill=CanFulfillIntentValues.YES if known else CanFulfillIntentValues.MAYBE,
            slots=slots or None,
        )
    handler_input.response_builder.set_can_fulfill_intent(verdict)
    response: Response = handler_input.response_builder.response
    return response
