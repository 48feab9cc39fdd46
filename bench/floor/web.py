"""The floor's web service: a minimal Flask app around the SDK's WebserviceSkillHandler.

Verification is OFF: the floor is what the SDK costs with nothing on top, so the
benchmark's ratio shows everything ours adds, request verification included.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, request

# The one borrowed module: without it oscrypto 1.3.0 cannot even be imported next to
# OpenSSL >= 3.0.10, and the SDK's webservice handler imports it (see skill/web/oscrypto_fix.py).
from skill.web import oscrypto_fix

oscrypto_fix.apply()

from ask_sdk_webservice_support.webservice_handler import (  # noqa: E402
    WebserviceSkillHandler,
)
from skill_floor import SKILL  # noqa: E402

app = Flask(__name__)
handler = WebserviceSkillHandler(SKILL, verify_signature=False, verify_timestamp=False)


@app.post("/")
def alexa() -> Any:
    """The Alexa endpoint, as the SDK's own Flask sample wires it."""
    return jsonify(
        handler.verify_request_and_dispatch(dict(request.headers), request.get_data(as_text=True))
    )
