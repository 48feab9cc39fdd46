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

from skill import bedtime_reminder, conversation
from skill.alexa_api import TimeoutApiClient
from skill.config import Settings
from skill.handlers.answers import ArticleAnswerHandler, BenefitDetailHandler
from skill.handlers.base import IntentRoute, RequestRoute
from skill.handlers.errors import CatchAllExceptionHandler, UnhandledRequestHandler
from skill.handlers.interceptors import LoadMemoryInterceptor, SaveMemoryInterceptor
from skill.handlers.routine import ConfirmationHandler, PermissionAnswerHandler
from skill.serialize import CachingSerializer

if TYPE_CHECKING:
    from skill.persistence import ResilientPersistenceAdapter


def request_handlers() -> list[AbstractRequestHandler]:
    """Every request handler, in the order the SDK tries them (first match wins)."""
    return [
        RequestRoute("LaunchRequest", conversation.welcome),
        ArticleAnswerHandler(),
        BenefitDetailHandler(),
        IntentRoute({"QuietVoiceIntent"}, conversation.speak_quietly),
        IntentRoute({"NormalVoiceIntent"}, conversation.speak_normally),
        IntentRoute({"ForgetMeIntent"}, conversation.ask_to_forget),
        IntentRoute({bedtime_reminder.SET_INTENT}, bedtime_reminder.request_reminder),
        IntentRoute({"ReminderStatusIntent"}, bedtime_reminder.tell_reminder),
        IntentRoute({"CancelReminderIntent"}, bedtime_reminder.ask_to_cancel),
        PermissionAnswerHandler(),
        ConfirmationHandler(),  # yes/no to a pending action, before plain yes/no
        IntentRoute({"AMAZON.YesIntent"}, conversation.accept_offer),
        IntentRoute({"AMAZON.NoIntent"}, conversation.goodbye),
        IntentRoute({"AMAZON.MoreIntent"}, conversation.tell_more),
        IntentRoute({"AMAZON.RepeatIntent"}, conversation.repeat),
        IntentRoute({"AMAZON.HelpIntent"}, conversation.help_prompt),
        IntentRoute({"AMAZON.StopIntent", "AMAZON.CancelIntent"}, conversation.goodbye),
        IntentRoute({"AMAZON.StartOverIntent", "AMAZON.NavigateHomeIntent"}, conversation.welcome),
        IntentRoute({"AMAZON.FallbackIntent"}, conversation.fallback),
        RequestRoute("SessionEndedRequest", conversation.silence),
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
    if persistence_adapter is None and settings.persistence:
        # Imported here: sqlite3 and the adapters cost cold-start time when memory is off.
        from skill.persistence import build_persistence_adapter

        persistence_adapter = build_persistence_adapter(settings)
    builder = CustomSkillBuilder(
        api_client=api_client or TimeoutApiClient(timeout=settings.api_timeout)
    )
    # The SDK rejects requests for any other skill id (typed as None upstream).
    builder.skill_id = settings.skill_id  # type: ignore[assignment]
    for handler in request_handlers():
        builder.add_request_handler(handler)
    if persistence_adapter is not None:
        builder.add_global_request_interceptor(LoadMemoryInterceptor(persistence_adapter))
        builder.add_global_response_interceptor(SaveMemoryInterceptor())
    builder.add_exception_handler(UnhandledRequestHandler())
    builder.add_exception_handler(CatchAllExceptionHandler())
    skill = builder.create()
    skill.serializer = CachingSerializer()
    return skill
