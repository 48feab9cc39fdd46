"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py` (see README).

gunicorn runs behind nginx (deploy/nginx/bedtime-magnesium.conf), which reads each
request completely before passing it on and takes each answer at once. That is what
makes sync workers safe: a worker never waits on a slow client, only on the skill.
Never expose this port to the internet directly. tests/test_proxy.py runs this file.

The command line wins over this file (`gunicorn -c gunicorn.conf.py --workers 4`).
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Mapping
from typing import Any

from gunicorn.glogging import Logger

# The skill's settings module checks WEB_CONCURRENCY like every other setting; the
# `gunicorn` script does not put the working folder on sys.path, so put this one there.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from skill.config import ConfigError, workers_from_env  # noqa: E402
from skill.logs import JsonFormatter  # noqa: E402

# The app factory; settings come from the environment (ALEXA_SKILL_ID, SKILL_*).
wsgi_app = "skill.web.app:create_app()"

# Loopback only: nginx on the same host is the one client. nginx's upstream names it too.
bind = ["127.0.0.1:8000"]

# Sync workers: one request at a time per process, the fastest choice on 2 cores
# (gthread measured 7-16% less throughput and a 2-3x worse p99; see issue 12).
worker_class = "sync"

# Two workers for two cores; WEB_CONCURRENCY (gunicorn's own variable) overrides it,
# 1 to 64 (0 would start a master with no worker, never answering). A bad value stops
# gunicorn with the one "refusing to start" line, not a traceback.
try:
    workers = workers_from_env(default=2)
except ConfigError as problem:
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("gunicorn.conf").critical("refusing to start: %s", problem)
    sys.exit(1)

# A request normally takes milliseconds. The slowest honest one fetches Alexa's
# certificate chain (SKILL_CERT_FETCH_TIMEOUT, 3 s in all) and calls the reminders API
# (SKILL_API_TIMEOUT, 3 s per call): 20 s covers that; a worker silent longer is stuck
# and is replaced. nginx's proxy_read_timeout (30 s) is longer, so nginx answers 503.
timeout = 20

# On restart or shutdown, finish the requests in flight (seconds, well under timeout).
graceful_timeout = 10

# Sync workers close the connection after every answer and ignore this; it applies
# only if someone switches worker_class. Small, since the only client is nginx.
keepalive = 2

# Request limits, checked before any app code runs. The app has two paths and Alexa
# sends about ten short headers: "POST / HTTP/1.1" needs a few bytes, not gunicorn's
# default 4094; nginx refuses header lines over 8 KiB (large_client_header_buffers 8k),
# so gunicorn's field limit matches it and never refuses what nginx let through.
limit_request_line = 1024
limit_request_fields = 50
limit_request_field_size = 8190

# Build the app once in the master, then fork the workers: they share its pages (imports,
# content, the skill), so each worker holds about 17 MiB of its own instead of 34 MiB
# (`make soak SOAK_ARGS=--preload` reports it). Safe with SQLite memory: create_app opens
# no file or socket a worker could inherit (SQLite connects per process and reconnects
# after a fork; each worker fetches and caches the certificate chain itself; no thread is
# started), and its gc.freeze() keeps the shared objects out of every worker's collections.
# With SKILL_DYNAMODB_TABLE each worker builds its own app instead: boto3 asks for one
# session per process. After a code deploy restart the service (`kill -HUP` reloads this
# file, not preloaded code).
preload_app = not os.environ.get("SKILL_DYNAMODB_TABLE")

# No access log here: nginx writes one without query strings. Errors go to stderr.
accesslog = None
errorlog = "-"

# One log format in production: every line one JSON object. The app's own logging
# (create_app reads SKILL_LOG_FORMAT, set here unless the environment says otherwise),
# the request lines (always JSON), and gunicorn's error log and access log (if one is
# turned on, e.g. --access-logfile -) through JsonLogger below. `python -m skill serve`
# and the console stay plain text.
os.environ.setdefault("SKILL_LOG_FORMAT", "json")
# If an access log is turned on: no query strings and no client address in its message
# (nginx's log, which has them, is the one to keep); the JSON line adds method, path,
# status and latency_ms as fields.
access_log_format = "%(m)s %(U)s %(s)s %(B)s"


class JsonLogger(Logger):
    """gunicorn's logger, with every handler it sets up writing JSON (skill.logs).

    gunicorn attaches its handlers (stderr, --error-logfile, --access-logfile) in
    setup(); this swaps their formatters afterwards, so every output option still works.
    """

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)

        class AccessFormatter(JsonFormatter):
            def extra_fields(self, record: logging.LogRecord) -> dict[str, Any]:
                # gunicorn's atoms: method, path without query string, status, ms.
                atoms = record.args if isinstance(record.args, Mapping) else {}
                return {
                    "method": atoms.get("m"),
                    "path": atoms.get("U"),
                    "status": _int(atoms.get("s")),
                    "latency_ms": _int(atoms.get("M")),
                }

        for handler in self.error_log.handlers:
            handler.setFormatter(JsonFormatter("gunicorn"))
        for handler in self.access_log.handlers:
            handler.setFormatter(AccessFormatter("access"))


def _int(value: object) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None


logger_class = JsonLogger

# gunicorn's runtime control socket (gunicornc) is not needed and would be one more
# thing listening; several instances on one host would also share its default path.
control_socket_disable = True


def post_worker_init(worker: Any) -> None:
    """gunicorn's own answers to broken requests as short JSON, like the app's.

    A request gunicorn refuses before the app sees it (a request line over
    limit_request_line, too many headers, a malformed chunk) is answered by
    `gunicorn.util.write_error`, an HTML page that echoes part of the request. Each
    worker replaces it with a constant JSON body: {"error": "<reason, lower case>"}.
    """
    from gunicorn import util

    def write_json_error(sock: Any, status_int: int, reason: str, mesg: str) -> None:
        body = json.dumps({"error": reason.lower()}).encode() + b"\n"
        head = (
            f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        util.write_nonblock(sock, head.encode("latin-1") + body)

    util.write_error = write_json_error
