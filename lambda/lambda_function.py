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
from typing import Any

from skill.builder import build_skill
from skill.config import Settings
from skill.dispatch import invoke_json
from skill.logs import configure_logging

logger = logging.getLogger(__name__)

SETTINGS = Settings.from_env()
configure_logging(SETTINGS.log_level)
if SETTINGS.skill_id is None:
    logger.warning("ALEXA_SKILL_ID is not set: requests for any skill id are accepted")
if SETTINGS.persistence and not SETTINGS.dynamodb_table:
    # Only /tmp is writable on Lambda, and it lives and dies with one container.
    logger.warning(
        "SKILL_DYNAMODB_TABLE is not set: user memory goes to SQLite at %s, "
        "which does not outlive this Lambda container",
        SETTINGS.sqlite_path,
    )
SKILL = build_skill(SETTINGS)
# Everything built at INIT lives as long as the container: move it out of the
# garbage collector's sight so warm requests don't pay to re-scan it. This cannot speed
# up INIT or the first response (it runs after both are paid for). Without memory the
# collector never runs on warm requests; with DynamoDB memory boto3 leaves cyclic garbage
# on every request, and the full collections then skip INIT's objects (BENCHMARKS.md, 1).
gc.freeze()


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Run one Alexa request (parsed JSON) through the skill built at INIT."""
    return invoke_json(SKILL, event, context)
