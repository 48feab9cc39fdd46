"""Settings read once from the environment into one frozen object.

Every entry point (web app, Lambda, console) builds a `Settings` at start-up and
passes it down; nothing reads the environment at import time.
"""

from __future__ import annotations

import os
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


def _number(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, not {raw!r}") from None
    if value <= 0:
        raise ConfigError(f"{name} must be positive, not {raw!r}")
    return value


LOG_FORMATS = ("text", "json")


def log_format(env: Mapping[str, str]) -> str:
    """SKILL_LOG_FORMAT: "text" (for people: the console, a dev server) or "json" (one
    object per line: production; gunicorn.conf.py sets it, Lambda always logs JSON)."""
    raw = (env.get("SKILL_LOG_FORMAT") or "").strip().lower() or "text"
    if raw not in LOG_FORMATS:
        raise ConfigError(f"SKILL_LOG_FORMAT must be text or json, not {raw!r}")
    return raw


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
    cert_fetch_timeout: float = 5.0
    api_timeout: float = 3.0
    max_body_bytes: int = 128 * 1024
    # Named in the privacy policy (skill/content/privacy.html): who runs this copy of the
    # skill, and how to reach them (an email address or a web page).
    operator: str | None = None
    contact: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Read `ALEXA_SKILL_ID`, `SKILL_*` variables; keyword overrides win."""
        env = os.environ if env is None else env
        default = cls()  # each default is written once, on the fields above
        sqlite = env.get("SKILL_SQLITE_PATH")
        settings = cls(
            skill_id=(env.get("ALEXA_SKILL_ID") or "").strip() or None,
            verify_requests=_flag(env, "SKILL_VERIFY_REQUESTS", default.verify_requests),
            allow_any_skill_id=_flag(env, "SKILL_ALLOW_ANY_SKILL_ID", default.allow_any_skill_id),
            log_level=(env.get("SKILL_LOG_LEVEL") or default.log_level).strip().upper(),
            log_format=log_format(env),
            sqlite_path=Path(sqlite).expanduser() if sqlite else default.sqlite_path,
            dynamodb_table=(env.get("SKILL_DYNAMODB_TABLE") or "").strip() or None,
            persistence=_flag(env, "SKILL_PERSISTENCE", default.persistence),
            cert_fetch_timeout=_number(env, "SKILL_CERT_FETCH_TIMEOUT", default.cert_fetch_timeout),
            api_timeout=_number(env, "SKILL_API_TIMEOUT", default.api_timeout),
            operator=(env.get("SKILL_OPERATOR") or "").strip() or None,
            contact=(env.get("SKILL_CONTACT") or "").strip() or None,
        )
        return replace(settings, **overrides)
