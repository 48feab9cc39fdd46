"""Types and user-id helpers shared by the persistence adapters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeAlias, runtime_checkable

from ask_sdk_core.exceptions import PersistenceException
from ask_sdk_model import Context, RequestEnvelope, User
from ask_sdk_model.interfaces.system import SystemState

Attributes: TypeAlias = dict[str, Any]
"""A user's stored memory: any JSON-able dict."""

UpdateFn: TypeAlias = Callable[[Attributes], Attributes]
"""Turns the stored attributes into the ones to store (may mutate its argument).

It may be called more than once, each time on freshly read attributes (DynamoDB
retries on a conflicting write), so it must depend on nothing but its argument.
"""

UserRef: TypeAlias = RequestEnvelope | str
"""A request envelope, or the Alexa user id taken from one."""

RETENTION_DAYS = 400
"""A listener not seen for this long is forgotten: every write starts the period again;
DynamoDB's TTL and the SQLite sweep delete what has expired, and an expired record is
never read back meanwhile (skill/content/privacy.html, "How long")."""
RETENTION_SECONDS = RETENTION_DAYS * 24 * 60 * 60


@runtime_checkable
class SupportsUpdate(Protocol):
    """An adapter that can read-modify-write one user's attributes in one step."""

    def update_attributes(self, user: UserRef, fn: UpdateFn) -> Attributes: ...


def user_id_of(user: UserRef) -> str:
    """The Alexa user id that keys the stored attributes; the SDK keys DynamoDB the same way."""
    user_id: object = user
    if not isinstance(user, str):
        context = getattr(user, "context", None)
        system = getattr(context, "system", None)
        user_id = getattr(getattr(system, "user", None), "user_id", None)
    if not isinstance(user_id, str) or not user_id:
        raise PersistenceException("request envelope has no Alexa user id")
    return user_id


def envelope_for_user(user: UserRef) -> RequestEnvelope:
    """An envelope carrying only the user id, for adapters whose keygen needs an envelope."""
    if not isinstance(user, str):
        return user
    return RequestEnvelope(context=Context(system=SystemState(user=User(user_id=user_id_of(user)))))
