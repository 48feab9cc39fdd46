"""Settings read once from the environment into one frozen object.

Every entry point (web app, Lambda, console) builds a `Settings` at start-up and
passes it down; nothing reads the environment at import time.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class ConfigError(ValueError):
    """A setting in the environment has a value the skill cannot use."""


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    """An on/off switch. Unset or blank means the default; only an explicit word turns
    it on or off, and anything else (a typo) is an error, never a silent "off"."""
    raw = env.get(name)
    if raw is None or not raw.strip():
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name} must be true or false, not {raw!r}")


#: Timeouts in seconds: long enough to be real, short enough to fit in the 8 s Alexa
#: waits for an answer (a request may need a certificate fetch and a reminders call).
TIMEOUT_RANGE = (0.1, 7.0)
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
#: gunicorn workers (WEB_CONCURRENCY): at least one, at most what a small host can hold.
WORKERS_RANGE = (1, 64)
#: An Alexa skill id: amzn1.ask.skill.<uuid> (amzn1.echo-sdk-ams.app.<uuid> for old skills).
SKILL_ID = re.compile(
    r"amzn1\.(?:ask\.skill|echo-sdk-ams\.app)\."
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
)


def _number(
    env: Mapping[str, str], name: str, default: float, bounds: tuple[float, float] = TIMEOUT_RANGE
) -> float:
    """A number of seconds within `bounds` (nan, inf and out-of-range values refused)."""
    raw = env.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, not {raw!r}") from None
    low, high = bounds
    if not (math.isfinite(value) and low <= value <= high):
        raise ConfigError(f"{name} must be between {low:g} and {high:g} seconds, not {raw!r}")
    return value


LOG_FORMATS = ("text", "json")


def log_format(env: Mapping[str, str]) -> str:
    """SKILL_LOG_FORMAT: "text" (for people: the console, a dev server) or "json" (one
    object per line: production; gunicorn.conf.py sets it, Lambda always logs JSON)."""
    raw = (env.get("SKILL_LOG_FORMAT") or "").strip().lower() or "text"
    if raw not in LOG_FORMATS:
        raise ConfigError(f"SKILL_LOG_FORMAT must be text or json, not {raw!r}")
    return raw


def _log_level(env: Mapping[str, str], default: str) -> str:
    raw = env.get("SKILL_LOG_LEVEL")
    if raw is None or not raw.strip():
        return default
    level = raw.strip().upper()
    if level not in LOG_LEVELS:
        raise ConfigError(f"SKILL_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, not {raw!r}")
    return level


def _skill_id(env: Mapping[str, str]) -> str | None:
    raw = env.get("ALEXA_SKILL_ID")
    if raw is None or not raw.strip():
        return None
    if not SKILL_ID.fullmatch(raw.strip()):
        raise ConfigError(
            "ALEXA_SKILL_ID must be this skill's id, amzn1.ask.skill.<uuid> "
            f"(the developer console shows it), not {raw!r}"
        )
    return raw.strip()


def workers_from_env(env: Mapping[str, str] | None = None, default: int = 2) -> int:
    """gunicorn's worker count from WEB_CONCURRENCY, 1 to 64 (0 would start a master that
    never answers); ConfigError otherwise."""
    env = os.environ if env is None else env
    raw = env.get("WEB_CONCURRENCY")
    if raw is None or not raw.strip():
        return default
    low, high = WORKERS_RANGE
    if not (raw.strip().isascii() and raw.strip().isdigit() and low <= int(raw) <= high):
        raise ConfigError(
            f"WEB_CONCURRENCY must be a whole number from {low} to {high}, not {raw!r}"
        )
    return int(raw)


def default_sqlite_path() -> Path:
    """Where user memory lives when no path is configured (XDG data dir)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "bedtime-magnesium" / "users.sqlite3"


@dataclass(frozen=True)
class Settings:
    """Everything configurable about the skill, with safe defaults."""

    skill_id: str | None = None
    verify_requests: bool = True
    # Without a skill id, verified requests from ANY skill are answered: the web service
    # refuses to start that way unless this is set (for hosting several skills).
    allow_any_skill_id: bool = False
    log_level: str = "INFO"
    log_format: str = "text"
    sqlite_path: Path = field(default_factory=default_sqlite_path)
    dynamodb_table: str | None = None
    persistence: bool = True
    cert_fetch_timeout: float = 3.0
    api_timeout: float = 3.0
    max_body_bytes: int = 128 * 1024
    # Named in the privacy policy (skill/content/privacy.html): who runs this copy of the
    # skill, and how to reach them (an email address or a web page).
    operator: str | None = None
    contact: str | None = None
    # Where the last certificate URL that verified a signature is kept, to fetch its
    # chain at the next start (skill/web/verification.py); None: not kept.
    cert_url_file: Path | None = None

    def __post_init__(self) -> None:
        """Values given in code pass the same range checks as the environment's."""
        low, high = TIMEOUT_RANGE
        for name in ("cert_fetch_timeout", "api_timeout"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value)):
                raise ConfigError(f"{name} must be a finite number, not {value!r}")
            if not low <= value <= high:
                raise ConfigError(f"{name} must be between {low:g} and {high:g} s, not {value!r}")
        if self.log_level not in LOG_LEVELS:
            raise ConfigError(f"log level must be one of {', '.join(LOG_LEVELS)}")
        if self.log_format not in LOG_FORMATS:
            raise ConfigError(f"log format must be one of {', '.join(LOG_FORMATS)}")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Read `ALEXA_SKILL_ID`, `SKILL_*` variables; keyword overrides win."""
        env = os.environ if env is None else env
        default = cls()  # each default is written once, on the fields above
        sqlite = env.get("SKILL_SQLITE_PATH")
        sqlite_path = Path(sqlite).expanduser() if sqlite else default.sqlite_path
        dynamodb_table = (env.get("SKILL_DYNAMODB_TABLE") or "").strip() or None
        persistence = _flag(env, "SKILL_PERSISTENCE", default.persistence)
        url_file = (env.get("SKILL_CERT_URL_FILE") or "").strip()
        if url_file:
            cert_url_file: Path | None = Path(url_file).expanduser()
        elif persistence and not dynamodb_table:
            # Beside the SQLite file: a folder the service owns and keeps.
            cert_url_file = sqlite_path.with_name("alexa-cert-url")
        else:
            cert_url_file = None
        settings = cls(
            skill_id=_skill_id(env),
            verify_requests=_flag(env, "SKILL_VERIFY_REQUESTS", default.verify_requests),
            allow_any_skill_id=_flag(env, "SKILL_ALLOW_ANY_SKILL_ID", default.allow_any_skill_id),
            log_level=_log_level(env, default.log_level),
            log_format=log_format(env),
            sqlite_path=sqlite_path,
            dynamodb_table=dynamodb_table,
            persistence=persistence,
            cert_fetch_timeout=_number(env, "SKILL_CERT_FETCH_TIMEOUT", default.cert_fetch_timeout),
            api_timeout=_number(env, "SKILL_API_TIMEOUT", default.api_timeout),
            cert_url_file=cert_url_file,
            operator=(env.get("SKILL_OPERATOR") or "").strip() or None,
            contact=(env.get("SKILL_CONTACT") or "").strip() or None,
        )
        return replace(settings, **overrides)


#: What every entry point logs (WARNING) at start when SKILL_ALLOW_ANY_SKILL_ID is on.
ANY_SKILL_WARNING = (
    "SKILL_ALLOW_ANY_SKILL_ID is on: verified requests for ANY skill are answered. "
    "Set ALEXA_SKILL_ID unless this service hosts several skills."
)


def require_skill_id(settings: Settings) -> bool:
    """ConfigError unless a skill id is set or any skill is allowed on purpose; True
    for the latter (the caller logs `ANY_SKILL_WARNING`).

    Without one, a request for ANY skill would be answered. `SKILL_ALLOW_ANY_SKILL_ID=true`
    is the explicit opt-out (one service hosting several skills).
    """
    if settings.skill_id:
        return False
    if not settings.allow_any_skill_id:
        raise ConfigError(
            "ALEXA_SKILL_ID is not set: refusing to start, since requests for any skill "
            "would be answered. Set ALEXA_SKILL_ID to this skill's id "
            "(or SKILL_ALLOW_ANY_SKILL_ID=true to serve every skill on purpose)."
        )
    return True
