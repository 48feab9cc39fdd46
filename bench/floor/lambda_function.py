"""The floor's Lambda entry, on the same path as ours: deserialize, invoke, serialize.

This is `skill.dispatch.invoke_json` written out, so the floor never imports our package.
"""

from __future__ import annotations

import json
from typing import Any

from ask_sdk_model import RequestEnvelope
from skill_floor import SKILL


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Run one Alexa request (parsed JSON) through the hello-world skill built at INIT."""
    request = SKILL.serializer.deserialize(json.dumps(event), RequestEnvelope)
    response = SKILL.invoke(request_envelope=request, context=context)
    result = SKILL.serializer.serialize(response)
    assert isinstance(result, dict)
    return result
