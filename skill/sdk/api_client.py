"""The HTTP client the SDK's service clients (Reminders, settings) call Alexa APIs through.

The SDK's `DefaultApiClient` calls `requests` with no timeout, so one slow Alexa API call
could hold the skill past Alexa's deadline for the turn. `TimeoutApiClient` changes only
that: every call gets a timeout and an explicit `verify`; the rest is the SDK's own code.
It rides on the SDK's private `DefaultApiClient._resolve_method` (ask-sdk-core 1.19), so
`_sdk_client` refuses to build without it and tests/test_reminders_service.py checks that
the timeout reaches `requests`: an upgrade that moves it fails loudly.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable
from typing import Any

from ask_sdk_model.services import ApiClient, ApiClientRequest, ApiClientResponse

from skill.config import Settings

logger = logging.getLogger(__name__)

#: Seconds for each of connect and read; well inside Alexa's 8 s for the whole turn.
DEFAULT_TIMEOUT: float = Settings.api_timeout


class TimeoutApiClient(ApiClient):
    """The SDK's `DefaultApiClient`, with a timeout and an explicit `verify` on every request.

    `timeout` is in seconds (connect and read each). `verify` is True (the default trust
    store) or the path of a CA bundle; False is refused so that TLS checks cannot be
    switched off by accident.
    """

    def __init__(
        self,
        timeout: float = DEFAULT_TIMEOUT,
        verify: bool | str | os.PathLike[str] = True,
    ) -> None:
        if not timeout > 0:
            raise ValueError(f"timeout must be positive, not {timeout!r}")
        if verify is False:
            raise ValueError("verify=False would accept any certificate; pass a CA bundle path")
        self.timeout = float(timeout)
        self.verify: bool | str = True if verify is True else os.fspath(verify)
        self._client: ApiClient | None = None

    def invoke(self, request: ApiClientRequest) -> ApiClientResponse:
        if self._client is None:
            self._client = _sdk_client(self.timeout, self.verify)
        return self._client.invoke(request)


def _sdk_client(timeout: float, verify: bool | str) -> ApiClient:
    """The SDK's client, its `requests` call bound to our timeout and verify."""
    # Imported on the first Alexa API call, not at cold start: it imports `requests`,
    # and most requests never call an API.
    from ask_sdk_core.api_client import DefaultApiClient

    if not callable(getattr(DefaultApiClient, "_resolve_method", None)):
        raise RuntimeError(
            "ask-sdk-core's DefaultApiClient has no _resolve_method: TimeoutApiClient "
            "was written for 1.19 and cannot bind its timeout; update skill/sdk/api_client.py"
        )

    class BoundDefaultApiClient(DefaultApiClient):
        def _resolve_method(self, request: ApiClientRequest) -> Callable[..., Any]:
            method = super()._resolve_method(request)
            return functools.partial(method, timeout=timeout, verify=verify)

    return BoundDefaultApiClient()
