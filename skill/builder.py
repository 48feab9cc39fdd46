"""The one place the skill is assembled.

The Flask app, the Lambda entry and the local console all call `build_skill`,
so every host runs the same handlers in the same order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import CustomSkillBuilder
from ask_sdk_model.services import ApiClient

from skill import conversation, preferences, safety
from skill.config import Settings
from skill.handlers.answers import ArticleAnswerHandler, CanFulfillHandler
from skill.handlers.base import IntentRoute, RequestRoute, RouteTable
from skill.handlers.errors import CatchAllExceptionHandler, UnhandledRequestHandler
from skill.handlers.interceptors import LoadMemoryInterceptor, SaveMemoryInterceptor
from skill.handlers.routine import (
    ConfirmationHandler,
    PermissionAnswerHandler,
    SessionEndedHandler,
    SkillDisabledHandler,
)
from skill.names import Intent, RequestType
from skill.reminders import dialog as reminder
from skill.sdk.api_client import TimeoutApiClient
from skill.sdk.patches import copy_session_attributes_fast
from skill.sdk.serialize import CachingSerializer

if TYPE_CHECKING:
    from skill.persistence import ResilientPersistenceAdapter


def request_handlers() -> list[AbstractRequestHandler]:
    """Every request handler, in the order the SDK tries them (first match wins)."""
    return [
        CanFulfillHandler(),  # before anything that would speak or store
        RequestRoute(RequestType.LAUNCH, conversation.welcome),
        ArticleAnswerHandler(),
        IntentRoute({Intent.BENEFIT_DETAIL}, conversation.benefit),
        IntentRoute({Intent.TOPIC}, conversation.topic),
        # The safety net, in tiers (skill/safety.py). PregnancyIntent and InteractionsIntent
        # are article answers above (ANSWER_FOR_INTENT) whose words are the safety net's own.
        IntentRoute({Intent.EMERGENCY}, safety.urgent),
        IntentRoute({Intent.HEALTH_CONCERN}, safety.health_concern),
        IntentRoute({Intent.AMOUNT}, safety.amount),
        IntentRoute({Intent.AMOUNT_TAKEN}, safety.amount_taken),
        IntentRoute({Intent.EXTRA_DOSE}, safety.extra_dose),
        IntentRoute({Intent.SOURCE}, conversation.read_source),
        IntentRoute({Intent.QUIET_VOICE}, preferences.speak_quietly),
        IntentRoute({Intent.NORMAL_VOICE}, preferences.speak_normally),
        IntentRoute({Intent.FORGET_ME}, preferences.ask_to_forget),
        IntentRoute({Intent.SET_REMINDER}, reminder.request_reminder),
        IntentRoute({Intent.REMINDER_STATUS}, reminder.tell_reminder),
        IntentRoute({Intent.CANCEL_REMINDER}, reminder.ask_to_cancel),
        PermissionAnswerHandler(),
        ConfirmationHandler(),  # yes/no to a pending action, before plain yes/no
        IntentRoute({Intent.YES}, conversation.accept_offer),
        IntentRoute({Intent.NO}, conversation.goodbye),
        IntentRoute({Intent.MORE}, conversation.tell_more),
        IntentRoute({Intent.REPEAT}, conversation.repeat),
        IntentRoute({Intent.HELP}, conversation.help_prompt),
        IntentRoute({Intent.STOP, Intent.CANCEL}, conversation.goodbye),
        IntentRoute({Intent.START_OVER, Intent.NAVIGATE_HOME}, conversation.welcome),
        IntentRoute({Intent.FALLBACK}, conversation.fallback),
        SessionEndedHandler(),
        SkillDisabledHandler(),
    ]


def build_skill(
    settings: Settings | None = None,
    *,
    persistence_adapter: ResilientPersistenceAdapter | None = None,
    api_client: ApiClient | None = None,
) -> CustomSkill:
    """Register every handler, in order, and return the ready skill.

    Memory comes from `persistence_adapter` if given, else from the settings
    (SQLite by default, DynamoDB when a table is configured, none if disabled).
    Alexa service calls (reminders, time zone) go through `api_client`, by
    default the SDK's client with a timeout (`SKILL_API_TIMEOUT`).
    """
    settings = settings or Settings()
    copy_session_attributes_fast()  # the SDK's deep copy of session attributes, made cheap
    if persistence_adapter is None and settings.persistence:
        # Imported here: sqlite3 and the adapters cost cold-start time when memory is off.
        from skill.persistence import build_persistence_adapter

        persistence_adapter = build_persistence_adapter(settings)
    builder = CustomSkillBuilder(
        api_client=api_client or TimeoutApiClient(timeout=settings.api_timeout)
    )
    # The SDK rejects requests for any other skill id (typed as None upstream).
    builder.skill_id = settings.skill_id  # type: ignore[assignment]
    # One handler for the SDK to ask: the table's own lookup picks the same handler the
    # SDK's scan of the list would (skill/handlers/base.py RouteTable).
    builder.add_request_handler(RouteTable(request_handlers()))
    if persistence_adapter is not None:
        builder.add_global_request_interceptor(LoadMemoryInterceptor(persistence_adapter))
        builder.add_global_response_interceptor(SaveMemoryInterceptor())
    builder.add_exception_handler(UnhandledRequestHandler())
    builder.add_exception_handler(CatchAllExceptionHandler())
    skill = builder.create()
    skill.serializer = CachingSerializer()
    return skill
