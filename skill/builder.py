"""The one place the skill is assembled.

The Flask app, the Lambda entry and the local console all call `build_skill`,
so every host runs the same handlers in the same order.
"""

from __future__ import annotations

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import CustomSkillBuilder
from ask_sdk_model.services import ApiClient

from skill.alexa_api import TimeoutApiClient
from skill.config import Settings
from skill.handlers.answers import (
    ArticleAnswerHandler,
    BenefitDetailHandler,
    MoreHandler,
    NoHandler,
    RepeatHandler,
    YesHandler,
)
from skill.handlers.errors import CatchAllExceptionHandler, UnhandledRequestHandler
from skill.handlers.interceptors import LoadMemoryInterceptor, SaveMemoryInterceptor
from skill.handlers.navigation import (
    FallbackHandler,
    HelpHandler,
    LaunchHandler,
    SessionEndedHandler,
    StartOverHandler,
    StopHandler,
)
from skill.handlers.routine import (
    CancelReminderHandler,
    ConfirmationHandler,
    ForgetMeHandler,
    NormalVoiceHandler,
    PermissionAnswerHandler,
    QuietVoiceHandler,
    ReminderStatusHandler,
    SetReminderHandler,
)
from skill.persistence import ResilientPersistenceAdapter, build_persistence_adapter


def request_handlers() -> list[AbstractRequestHandler]:
    """Every request handler, in the order the SDK tries them."""
    return [
        LaunchHandler(),
        ArticleAnswerHandler(),
        BenefitDetailHandler(),
        QuietVoiceHandler(),
        NormalVoiceHandler(),
        ForgetMeHandler(),
        SetReminderHandler(),
        ReminderStatusHandler(),
        CancelReminderHandler(),
        PermissionAnswerHandler(),
        ConfirmationHandler(),
        YesHandler(),
        NoHandler(),
        MoreHandler(),
        RepeatHandler(),
        HelpHandler(),
        StopHandler(),
        StartOverHandler(),
        FallbackHandler(),
        SessionEndedHandler(),
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
    if persistence_adapter is None:
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
    return builder.create()
