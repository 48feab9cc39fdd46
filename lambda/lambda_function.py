"""AWS Lambda entry point: `lambda_function.lambda_handler` (see ask-resources.json).

`lambda` is a keyword, so this folder is never a package: `python -m skill build-lambda`
puts this file, the `skill` package and its pinned dependencies side by side in
build/lambda. Everything below the handler runs once per container (Lambda INIT),
so warm invocations reuse the one skill. Only the Lambda path is imported: no Flask
and no request-signature verification, which keeps cold starts short (the Alexa
trigger's skill id check stands in for signature checks on Lambda).
"""

from __future__ import annotations

import gc
import logging
import os
from dataclasses import replace
from typing import Any

from skill.builder import build_skill
from skill.config import Settings
from skill.dispatch import InvalidEnvelope, invoke_json
from skill.logs import REJECTED, configure_logging, request_logged

logger = logging.getLogger(__name__)

ON_LAMBDA = "AWS_LAMBDA_FUNCTION_NAME"
"""Set by the Lambda runtime in every function's environment."""

SETTINGS = Settings.from_env()
# Production: every line one JSON object. In Lambda the runtime's own root handler is
# already there, and the stack's LoggingConfig (LogFormat JSON) makes it write JSON; this
# formatter serves wherever the entry runs without one.
configure_logging(SETTINGS.log_level, json_lines=True)
if SETTINGS.skill_id is None:
    logger.warning("ALEXA_SKILL_ID is not set: requests for any skill id are accepted")
if SETTINGS.persistence and not SETTINGS.dynamodb_table and os.environ.get(ON_LAMBDA):
    # Lambda's code folder and home are read-only, and /tmp dies with the container:
    # SQLite there would fail or forget. No memory beats memory that silently fails.
    logger.warning(
        "user memory is OFF: SKILL_DYNAMODB_TABLE is not set, and Lambda has no "
        "lasting disk for SQLite (set it to a DynamoDB table, or SKILL_PERSISTENCE=false)"
    )
    SETTINGS = replace(SETTINGS, persistence=False)
SKILL = build_skill(SETTINGS)
# Everything built at INIT lives as long as the container: move it out of the
# garbage collector's sight so warm requests don't pay to re-scan it. This cannot speed
# up INIT or the first response (it runs after both are paid for). Without memory the
# collector never runs on warm requests; with DynamoDB memory (a plain botocore client)
# it runs a few young collections per thousand requests, about 1 µs a request frozen or
# not (BENCHMARKS.md, 1). Freezing costs microseconds, so it stays: a full collection,
# should one come, skips INIT's objects.
gc.freeze()


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Run one Alexa request (parsed JSON) through the skill built at INIT.

    Logs one JSON line per request (skill/logs.py): type, intent, outcome, latency.
    """
    with request_logged("lambda") as line:
        try:
            return invoke_json(SKILL, event, context)
        except InvalidEnvelope:
            line.outcome = REJECTED
            raise
