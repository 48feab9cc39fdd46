"""AWS Lambda entry point: `lambda_function.lambda_handler` (see ask-resources.json).

`lambda` is a keyword, so this folder is never a package: `python -m skill build-lambda`
puts this file beside the `skill` package and its pinned dependencies. Setup runs once per
container (Lambda INIT), so warm invocations reuse one skill. Only the Lambda path is
imported: no Flask and no signature verification (the Alexa trigger's skill id check
stands in for it). As on the web endpoint, a setting it cannot use stops INIT with one
"refusing to start" line, and without ALEXA_SKILL_ID it refuses unless that is allowed.
"""

from __future__ import annotations

import gc
import logging
import os
from dataclasses import replace
from typing import Any

from skill.builder import build_skill
from skill.config import ANY_SKILL_WARNING, ConfigError, Settings, require_skill_id
from skill.dispatch import InvalidEnvelope, invoke_json
from skill.logs import REJECTED, configure_logging, request_logged

logger = logging.getLogger(__name__)

ON_LAMBDA = "AWS_LAMBDA_FUNCTION_NAME"
"""Set by the Lambda runtime in every function's environment."""

# Production: every line one JSON object. In Lambda the runtime's own root handler is
# already there, and the stack's LoggingConfig (LogFormat JSON) makes it write JSON; this
# formatter serves wherever the entry runs without one.
try:
    SETTINGS = Settings.from_env()
except ConfigError as problem:
    configure_logging(Settings.log_level, json_lines=True)
    logger.critical("refusing to start: %s", problem)
    raise SystemExit(1) from None  # INIT fails with this line, not a traceback
configure_logging(SETTINGS.log_level, json_lines=True)
try:
    if require_skill_id(SETTINGS):
        logger.warning(ANY_SKILL_WARNING)
except ConfigError as problem:
    logger.critical("%s", problem)  # "ALEXA_SKILL_ID is not set: refusing to start, ..."
    raise SystemExit(1) from None
if SETTINGS.persistence and not SETTINGS.dynamodb_table and os.environ.get(ON_LAMBDA):
    # Lambda's code folder and home are read-only, and /tmp dies with the container:
    # SQLite there would fail or forget. No memory beats memory that silently fails.
    logger.warning(
        "user memory is OFF: SKILL_DYNAMODB_TABLE is not set, and Lambda has no "
        "lasting disk for SQLite (set it to a DynamoDB table, or SKILL_PERSISTENCE=false)"
    )
    SETTINGS = replace(SETTINGS, persistence=False)
MEMORY = None
if SETTINGS.persistence:
    # Imported only with memory on: sqlite3 and the adapters cost cold-start time.
    from skill.persistence import build_persistence_adapter

    MEMORY = build_persistence_adapter(SETTINGS)
    if MEMORY is not None:
        # Whatever the first read needs that no request decides, done now, inside INIT:
        # the client is built (credentials read, endpoint resolved, signer imported) and
        # its connection opened, so the first request starts with its GetItem.
        MEMORY.prepare()
SKILL = build_skill(SETTINGS, persistence_adapter=MEMORY)
# Everything built at INIT lives as long as the container: move it out of the
# garbage collector's sight so warm requests don't pay to re-scan it. This cannot speed
# up INIT or the first response (it runs after both are paid for). Without memory the
# collector never runs on warm requests; with DynamoDB memory it runs now and then
# (BENCHMARKS.md, 1). Freezing is cheap, so it stays: a full collection,
# should one come, skips INIT's objects.
gc.freeze()


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Run one Alexa request (parsed JSON) through the skill built at INIT.

    The request is checked before the SDK sees it (nesting depth, NaN, shape and types in
    `invoke_json`, then the skill id); a refused one is logged as "request rejected:
    <reason>" and raised as `InvalidEnvelope`, never as the SDK's RecursionError or
    SerializationException. Logs one JSON line per request (skill/logs.py): type, intent,
    outcome, latency.
    """
    with request_logged("lambda") as line:
        try:
            return invoke_json(SKILL, event, context, skill_id=SETTINGS.skill_id)
        except InvalidEnvelope as rejected:
            logger.warning("request rejected: %s", rejected)
            line.outcome = REJECTED
            raise
