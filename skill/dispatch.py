"""Run one Alexa request, given as parsed JSON, through the skill.

Lambda hands us a dict and wants a dict back; the local console does the same.
The SDK's serializer does both conversions, so every host speaks identical JSON.
"""

from __future__ import annotations

import json
from typing import Any

from ask_sdk_core.skill import CustomSkill
from ask_sdk_model import RequestEnvelope


def invoke_json(skill: CustomSkill, event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """Deserialize `event`, invoke the skill, and return the serialized response envelope."""
    request = skill.serializer.deserialize(json.dumps(event), RequestEnvelope)
    response = skill.invoke(request_envelope=request, context=context)
    result = skill.serializer.serialize(response)
    assert isinstance(result, dict)
    return result
