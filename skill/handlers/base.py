"""Request handlers that say what they serve, so the model can be checked against them.

Most intents need no class of their own: an `IntentRoute` pairs intent names with one
feature, and `skill.builder` lists them in a table; `skill.alexa` runs the feature. Each
handler also says which requests it could take (`routes`), so that `RouteTable` hands a
request to the few that could, in the table's order, instead of asking all of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, cast

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import IntentRequest, Response

from skill import alexa
from skill.names import RequestType
from skill.ports import Feature

#: A request a handler could take: (request type, intent name), the name None for any
#: (and for every request type but IntentRequest).
Route = tuple[str, str | None]


class IntentHandler(AbstractRequestHandler):
    """Handles IntentRequests whose intent is one of `intent_names`."""

    intent_names: frozenset[str] = frozenset()

    def can_handle(self, handler_input: HandlerInput) -> bool:
        request = handler_input.request_envelope.request
        if not isinstance(request, IntentRequest):
            return False
        # An IntentRequest may arrive without an intent; it then matches no handler.
        return getattr(request.intent, "name", None) in self.intent_names

    def routes(self) -> Iterable[Route]:
        return ((RequestType.INTENT, name) for name in self.intent_names)


class IntentRoute(IntentHandler):
    """Intents answered by one feature, e.g. AMAZON.HelpIntent -> conversation.help_prompt."""

    def __init__(self, intent_names: Iterable[str], feature: Feature) -> None:
        self.intent_names = frozenset(intent_names)
        self._feature = feature

    def handle(self, handler_input: HandlerInput) -> Response:
        return alexa.respond(handler_input, self._feature)

    def __repr__(self) -> str:
        return f"IntentRoute({sorted(self.intent_names)}, {self._feature.__qualname__})"


class RequestRoute(AbstractRequestHandler):
    """A request type (LaunchRequest ...) answered by one feature."""

    def __init__(self, request_type: str, feature: Feature) -> None:
        self.request_type = request_type
        self._feature = feature

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return getattr(handler_input.request_envelope.request, "object_type", None) == (
            self.request_type
        )

    def handle(self, handler_input: HandlerInput) -> Response:
        return alexa.respond(handler_input, self._feature)

    def routes(self) -> Iterable[Route]:
        return ((self.request_type, None),)


class RouteTable(AbstractRequestHandler):
    """Every request handler behind one `can_handle`: a dict lookup on the request's type
    and intent name gives the handlers that could take it, tried in the table's order.

    The SDK asks each registered handler in turn (some 30 `can_handle` calls for a plain
    AMAZON.StopIntent); this asks one to three, and picks the same handler: the first in
    the table whose `can_handle` is true. A handler without `routes` is asked about every
    request, in its place (tests/test_dispatch.py checks the choice against the SDK's scan).
    """

    def __init__(self, handlers: Sequence[AbstractRequestHandler]) -> None:
        self.handlers = tuple(handlers)
        by_type: dict[str, list[int]] = {}  # routes with any intent name, by request type
        by_intent: dict[Route, list[int]] = {}
        anywhere: list[int] = []  # handlers that declare no routes
        for index, handler in enumerate(self.handlers):
            routes = getattr(handler, "routes", None)
            if routes is None:
                anywhere.append(index)
                continue
            for kind, name in routes():
                target = (
                    by_type.setdefault(kind, [])
                    if name is None
                    else by_intent.setdefault((kind, name), [])
                )
                target.append(index)

        def chain(*groups: list[int]) -> tuple[AbstractRequestHandler, ...]:
            return tuple(self.handlers[i] for i in sorted({i for g in groups for i in g}))

        self._by_type = {kind: chain(found, anywhere) for kind, found in by_type.items()}
        self._by_intent = {
            route: chain(found, by_type.get(route[0], []), anywhere)
            for route, found in by_intent.items()
        }
        self._anywhere = chain(anywhere)

    def _candidates(self, handler_input: HandlerInput) -> tuple[AbstractRequestHandler, ...]:
        request = handler_input.request_envelope.request
        kind: Any = getattr(request, "object_type", None)
        if isinstance(request, IntentRequest):
            found = self._by_intent.get((kind, getattr(request.intent, "name", None)))
            if found is not None:
                return found
        return (
            self._by_type.get(kind, self._anywhere) if isinstance(kind, str) else (self._anywhere)
        )

    def chosen(self, handler_input: HandlerInput) -> AbstractRequestHandler | None:
        """The handler the SDK's scan of `handlers` would choose, or None."""
        for handler in self._candidates(handler_input):
            if handler.can_handle(handler_input):
                return handler
        return None

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return self.chosen(handler_input) is not None

    def handle(self, handler_input: HandlerInput) -> Response:
        handler = self.chosen(handler_input)
        assert handler is not None  # the SDK asked can_handle first
        return cast(Response, handler.handle(handler_input))  # whatever it returns, as is
