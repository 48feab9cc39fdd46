"""skill/dev/lazy_services.py against the pinned ask-sdk-model (1.82.0).

The rewrite is applied to the real installed source, and the rewritten factory carries
real reminder and settings API calls (over HTTPS to the fake Alexa API), so an SDK
upgrade that changes what the rewrite relies on fails here, not on Lambda.
"""

from __future__ import annotations

import importlib.metadata
import shutil
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import ask_sdk_core.skill
import ask_sdk_model
import pytest
from ask_sdk_model.services import ApiConfiguration, ServiceClientFactory

from skill.dev import bundle
from skill.dev.lazy_services import (
    FACTORY_MODULE,
    FACTORY_PATH,
    MARKER,
    LazyServicesError,
    lazy_factory_source,
    patch_bundle,
)
from skill.reminders.port import Outcome
from testing.fake_alexa_api import FakeAlexaApi, fake_alexa_api
from tests import test_reminders_service as reminders
from tests.locks import locked_versions

SITE = Path(ask_sdk_model.__file__).resolve().parent.parent
SOURCE = (SITE / FACTORY_PATH).read_text(encoding="utf-8")
LAZY = {
    "DeviceAddressServiceClient": "device_address",
    "DirectiveServiceClient": "directive",
    "EndpointEnumerationServiceClient": "endpoint_enumeration",
    "ListManagementServiceClient": "list_management",
    "MonetizationServiceClient": "monetization",
    "ReminderManagementServiceClient": "reminder_management",
    "TimerManagementServiceClient": "timer_management",
    "UpsServiceClient": "ups",
}
UNUSED = ("datastore", "proactive_events", "skill_messaging")


def test_written_for_the_pinned_sdk() -> None:
    assert importlib.metadata.version("ask-sdk-model") == "1.82.0"
    assert locked_versions(bundle.REQUIREMENTS)["ask-sdk-model"] == "1.82.0"


def test_every_getter_of_the_pinned_factory_becomes_lazy() -> None:
    patched, lazy = lazy_factory_source(SOURCE)
    assert lazy == LAZY
    assert len(patched.splitlines()) == len(SOURCE.splitlines())  # tracebacks keep lines
    code = [line for line in patched.splitlines() if not line.lstrip().startswith("#")]
    for name, module in LAZY.items():
        line = f"            from .{module} import {name}; return {name}(self.api_configuration)"
        assert line in code
    for module in UNUSED:
        assert f"from .{module} import" not in "\n".join(code)
    assert patched.count(MARKER) == len(LAZY) + len(UNUSED)


def lazy_factory_module() -> ModuleType:
    """The rewritten factory, executed as a module of the installed package."""
    patched, _ = lazy_factory_source(SOURCE)
    module = ModuleType(FACTORY_MODULE + "_lazy")
    module.__package__ = "ask_sdk_model.services"
    module.__file__ = str(SITE / FACTORY_PATH)
    exec(compile(patched, module.__file__, "exec", dont_inherit=True), module.__dict__)
    return module


def test_the_rewritten_getters_build_the_sdks_own_clients() -> None:
    lazy = lazy_factory_module()
    assert not hasattr(lazy, "UpsServiceClient")  # not a module global any more
    configuration = ApiConfiguration(api_endpoint="https://api.amazonalexa.com")
    factory = lazy.ServiceClientFactory(configuration)
    stock = ServiceClientFactory(configuration)
    for getter in [name for name in vars(ServiceClientFactory) if name.startswith("get_")]:
        client = getattr(factory, getter)()
        assert type(client) is type(getattr(stock, getter)())
        assert client._api_endpoint == "https://api.amazonalexa.com"


@pytest.fixture
def lazy_skill(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeAlexaApi]:
    """Every skill built in the test hands its handlers the rewritten factory."""
    monkeypatch.setattr(
        ask_sdk_core.skill, "ServiceClientFactory", lazy_factory_module().ServiceClientFactory
    )
    with fake_alexa_api(locale="en-GB", time_zone="Europe/London") as server:
        yield server
    assert not server.server_errors, server.server_errors


def test_reminders_and_settings_work_through_the_lazy_factory(lazy_skill: FakeAlexaApi) -> None:
    created = reminders.create(lazy_skill)  # the time zone (ups), then list and create
    assert created.outcome is Outcome.CREATED, created
    assert created.reminder_id is not None
    assert reminders.find(lazy_skill).first == (created.reminder_id, created.time)
    assert reminders.delete_all(lazy_skill).outcome is Outcome.DELETED
    assert [call.path.rsplit("/", 1)[-1] for call in lazy_skill.calls] == [
        "System.timeZone",
        "reminders",
        "reminders",
        "reminders",
        "reminders",
        created.reminder_id,
    ]


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            ("from .ups import UpsServiceClient\n", "from .ups import (UpsServiceClient)\n"),
            "import",
        ),
        (("from .ups import UpsServiceClient\n", ""), "UpsServiceClient"),
        (
            (
                "return UpsServiceClient(self.api_configuration)",
                "return UpsServiceClient(api_configuration=self.api_configuration)",
            ),
            "UpsServiceClient",
        ),
        (("# type: () -> UpsServiceClient", "assert UpsServiceClient"), "UpsServiceClient"),
        (("import typing\n", "import typing\nfrom .ups import helper\n"), "import"),
    ],
    ids=["import-shape", "import-gone", "getter-changed", "second-use", "other-import"],
)
def test_an_sdk_that_changed_shape_is_refused(change: tuple[str, str], problem: str) -> None:
    old, new = change
    assert old in SOURCE
    with pytest.raises(LazyServicesError, match=problem):
        lazy_factory_source(SOURCE.replace(old, new, 1))


def test_no_client_imports_at_all_is_refused() -> None:
    without = "".join(
        line for line in SOURCE.splitlines(keepends=True) if "ServiceClient\n" not in line
    )
    with pytest.raises(LazyServicesError):
        lazy_factory_source(without)


def test_the_bundle_copy_is_rewritten_once(tmp_path: Path) -> None:
    target = tmp_path / FACTORY_PATH
    target.parent.mkdir(parents=True)
    shutil.copy(SITE / FACTORY_PATH, target)
    assert patch_bundle(tmp_path) == LAZY
    assert target.read_text(encoding="utf-8") == lazy_factory_source(SOURCE)[0]
    with pytest.raises(LazyServicesError, match="already"):
        patch_bundle(tmp_path)
    with pytest.raises(LazyServicesError, match="not found"):
        patch_bundle(tmp_path / "empty")


def test_a_changed_sdk_stops_the_bundle_build(tmp_path: Path) -> None:
    (tmp_path / FACTORY_PATH).parent.mkdir(parents=True)
    changed = SOURCE.replace("from .ups import UpsServiceClient\n", "")
    (tmp_path / FACTORY_PATH).write_text(changed, encoding="utf-8")
    with pytest.raises(bundle.BundleError, match="ask-sdk-model changed"):
        bundle.patch_sdk(tmp_path)
    assert (tmp_path / FACTORY_PATH).read_text(encoding="utf-8") == changed
