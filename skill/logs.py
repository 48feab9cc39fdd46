"""Logging set-up for entry points; modules only ever call `logging.getLogger(__name__)`."""

from __future__ import annotations

import logging

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

#: Libraries kept at WARNING whatever the level: at DEBUG botocore logs whole requests
#: and responses (user ids, stored records), urllib3 every URL it opens.
QUIET_LIBRARIES = ("botocore", "boto3", "urllib3", "s3transfer")


def configure_logging(level: str) -> None:
    """Set the root level and a plain format, once, from the configured level name."""
    logging.basicConfig(level=level.upper(), format=FORMAT)
    logging.getLogger().setLevel(level.upper())
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)
