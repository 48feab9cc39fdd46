"""The Lambda entry and its bundle.

The bundle is built once per session with the real pip (PyPI, pip's cache), unzipped,
and run in a Python that sees only the bundle and the standard library, the way
Lambda will. From the repo, the Lambda handler must answer exactly like every other
host, and a cold start must not load the web stack.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import inspect
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from ask_sdk_core.skill import CustomSkill

from skill.__main__ import _parser
from skill.builder import build_skill
from skill.config import Settings
from skill.content import ANSWERS_PATH, ARTICLE_PATH, load_content
from skill.dev import bundle, signers_fix
from skill.dev.bundle import (
    BUNDLE_DIRNAME,
    DEFAULT_OUT,
    LAMBDA_CACHE_TAG,
    LAMBDA_PYTHON,
    LAMBDA_PYTHON_ENV,
    ZIP_NAME,
    BundleError,
    build_bundle,
    check_compiled,
    find_lambda_python,
    zip_folder,
)
from skill.dispatch import invoke_json
from skill.web.app import create_app
from testing import LAMBDA_ENTRY, ROOT
from testing.envelopes import APPLICATION_ID, intent, launch, session_ended
from testing.lambda_python import lambda_python
from testing.readonly import lambda_preexec, remove_read_only, snapshot, unpack_read_only
from testing.talk import plain
from tests import test_persistence_dynamodb as dynamo
from tests.locks import locked_versions, normalize

PROJECT = ROOT
ENTRY = LAMBDA_ENTRY
CONTENT = load_content()
MB = 1_000_000

COLD_START_FORBIDDEN = (
    # The web stack and request-signature verification: Lambda needs neither.
    "flask",
    "werkzeug",
    "gunicorn",
    "ask_sdk_webservice_support",
    "skill.web",
    "skill.web.verification",
    "oscrypto",
    "certvalidator",
    "cryptography",
    # Neither is bundled: DynamoDB memory has a small client of its own (skill/persistence).
    "boto3",
    "botocore",
)

DRIVER = """
import json, sys
sys.path[:0] = sys.argv[1:]
events = json.load(sys.stdin)
import lambda_function
after_import = sorted(sys.modules)
responses = [lambda_function.lambda_handler(event, None) for event in events]
after_requests = sorted(sys.modules)
import ask_sdk_core, skill
import skill.persistence.dynamodb  # the DynamoDB path must be importable too
json.dump(
    {
        "responses": responses,
        "after_import": after_import,
        "after_requests": after_requests,
        "sys_path": sys.path,
        "files": [lambda_function.__file__, skill.__file__, ask_sdk_core.__file__],
    },
    sys.stdout,
)
"""
"""Runs in the subprocess: import the entry, answer `events` (stdin), report as JSON."""


def run_driver(
    python_flags: list[str], paths: list[Path], events: list[dict[str, Any]], home: Path
) -> dict[str, Any]:
    """Run DRIVER in a fresh interpreter whose import path starts with `paths`."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "ALEXA_SKILL_ID": APPLICATION_ID,
        "SKILL_PERSISTENCE": "false",
    }
    done = subprocess.run(
        [sys.executable, *python_flags, "-c", DRIVER, *map(str, paths)],
        input=json.dumps(events),
        capture_output=True,
        text=True,
        cwd=paths[0],
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def forbidden_in(modules: list[str]) -> list[str]:
    return [
        name
        for name in modules
        if any(name == bad or name.startswith(bad + ".") for bad in COLD_START_FORBIDDEN)
    ]


def speech(response: dict[str, Any]) -> str:
    return plain(response["response"]["outputSpeech"]["ssml"])


def events() -> list[dict[str, Any]]:
    """A launch, a one-shot question, a mid-session help and a session end."""
    return [
        launch(),
        intent("TimingIntent", new=True),
        intent("AMAZON.HelpIntent", new=False),
        session_ended(),
    ]


def expected_responses(requests: list[dict[str, Any]], skill_id: str | None) -> list[Any]:
    skill = build_skill(Settings(skill_id=skill_id, persistence=False))
    return [invoke_json(skill, event) for event in requests]


# --- the bundle, built once -------------------------------------------------------------


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`python -m skill build-lambda --out <tmp>`: the real pip, against PyPI."""
    lambda_python()
    out = tmp_path_factory.mktemp("build")
    archive = build_bundle(out)
    assert archive == out / ZIP_NAME
    return out


@pytest.fixture(scope="session")
def unpacked(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("unpacked")
    with zipfile.ZipFile(built / ZIP_NAME) as archive:
        archive.extractall(target)
    return target


@pytest.fixture(scope="session")
def names(built: Path) -> list[str]:
    with zipfile.ZipFile(built / ZIP_NAME) as archive:
        return archive.namelist()


@pytest.fixture(scope="session")
def bundle_run(unpacked: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The unzipped bundle, run with the standard library and nothing else (-I -S)."""
    sent = events()
    result = run_driver(["-I", "-S"], [unpacked], sent, tmp_path_factory.mktemp("home"))
    result["sent"] = sent
    return result


READ_ONLY_DRIVER = """
import importlib._bootstrap_external as external, json, sys
compiled = []
compile_source = external.SourceLoader.source_to_code
def counted(self, data, path, *, _optimize=-1):
    compiled.append(path)
    return compile_source(self, data, path, _optimize=_optimize)
external.SourceLoader.source_to_code = counted
sys.path.insert(0, sys.argv[1])
events = json.load(sys.stdin)
import lambda_function
after_init = sorted(sys.modules)
responses = [lambda_function.lambda_handler(event, None) for event in events]
after_requests = sorted(sys.modules)
from ask_sdk_model.services import ApiConfiguration, ServiceClientFactory
factory = ServiceClientFactory(ApiConfiguration(api_endpoint="https://api.amazonalexa.com"))
clients = [
    type(factory.get_reminder_management_service()).__module__,
    type(factory.get_ups_service()).__module__,
]
json.dump(
    {
        "version": list(sys.version_info[:2]),
        "compiled": compiled,
        "responses": responses,
        "after_init": after_init,
        "after_requests": after_requests,
        "clients": clients,
    },
    sys.stdout,
)
"""
"""Runs in python3.12 -I -S: counts source compiles while the bundle starts and answers."""

SERVICE_CLIENT_PACKAGES = (
    "device_address",
    "directive",
    "endpoint_enumeration",
    "list_management",
    "monetization",
    "reminder_management",
    "timer_management",
    "ups",
    "datastore",
    "proactive_events",
    "skill_messaging",
)


@pytest.fixture(scope="session")
def read_only_run(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The zip unpacked into a read-only folder and run as Lambda would: python3.12 -I -S,
    nothing on the path but the bundle, no write access to it even as root."""
    folder = unpack_read_only(built / ZIP_NAME, tmp_path_factory.mktemp("ro") / "task")
    before = snapshot(folder)
    home = tmp_path_factory.mktemp("home")
    sent = events()
    done = subprocess.run(
        [lambda_interpreter(), "-I", "-S", "-c", READ_ONLY_DRIVER, str(folder)],
        input=json.dumps(sent),
        capture_output=True,
        text=True,
        cwd=home,
        env={"HOME": str(home), "ALEXA_SKILL_ID": APPLICATION_ID, "SKILL_PERSISTENCE": "false"},
        timeout=120,
        check=False,
        preexec_fn=lambda_preexec(),
    )
    assert done.returncode == 0, done.stderr
    yield {
        **json.loads(done.stdout),
        "stderr": done.stderr,
        "sent": sent,
        "wrote": snapshot(folder) - before,
    }
    remove_read_only(folder)


def test_read_only_bundle_starts_without_compiling_any_source(read_only_run: Any) -> None:
    """Every module, ours, the SDK's and the standard library's, comes from a .pyc."""
    assert read_only_run["version"] == [int(part) for part in LAMBDA_PYTHON.split(".")]
    assert read_only_run["compiled"] == []
    assert read_only_run["wrote"] == set()


def test_read_only_bundle_prints_no_warnings(read_only_run: Any) -> None:
    """The SDK's docstrings hold invalid escapes; compiled at build time, they stay quiet."""
    assert "Warning" not in read_only_run["stderr"], read_only_run["stderr"]


def test_read_only_bundle_answers_exactly_like_the_repo(read_only_run: Any) -> None:
    """The same answers (the user agent names the Python version, 3.12 against 3.11)."""
    expected = expected_responses(read_only_run["sent"], skill_id=APPLICATION_ID)
    for response in (*read_only_run["responses"], *expected):
        assert response.pop("userAgent").startswith("ask-python/")
    assert read_only_run["responses"] == expected


def test_service_clients_load_only_when_a_service_is_used(read_only_run: Any) -> None:
    """skill/dev/lazy_services.py: no service client package at INIT or for these requests,
    and the reminder and settings clients still come from the SDK when asked for."""
    for phase in ("after_init", "after_requests"):
        loaded = [
            name
            for name in read_only_run[phase]
            for package in SERVICE_CLIENT_PACKAGES
            if name == f"ask_sdk_model.services.{package}"
            or name.startswith(f"ask_sdk_model.services.{package}.")
        ]
        assert loaded == [], phase
    assert "ask_sdk_model.services.service_client_factory" in read_only_run["after_init"]
    assert read_only_run["clients"] == [
        "ask_sdk_model.services.reminder_management.reminder_management_service_client",
        "ask_sdk_model.services.ups.ups_service_client",
    ]


def test_bundle_carries_no_botocore(names: list[str]) -> None:
    """DynamoDB goes through the skill's own small client, signed by aws-sdk-signers:
    neither botocore nor boto3 (with s3transfer) nor the SDK's DynamoDB adapter ships."""
    assert not any(
        n.startswith(("botocore/", "boto3/", "s3transfer/", "ask_sdk_dynamodb/")) for n in names
    )
    assert "aws_sdk_signers/signers.py" in names


def test_bundle_remembers_a_user_in_dynamodb(
    unpacked: Path, tmp_path: Path, moto: tuple[str, Any]
) -> None:
    """python3.12 -I -S, the bundle's own client and signer (aws-sdk-signers), against moto."""
    endpoint, table = moto
    env = {
        "HOME": str(tmp_path),
        "ALEXA_SKILL_ID": APPLICATION_ID,
        "SKILL_DYNAMODB_TABLE": table.name,
        "AWS_REGION": "us-east-1",  # Lambda sets both
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_ENDPOINT_URL_DYNAMODB": endpoint,
    }
    done = subprocess.run(
        [lambda_interpreter(), "-I", "-S", "-c", DRIVER, str(unpacked)],
        input=json.dumps([launch(), intent("TimingIntent", new=True)]),
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    welcome, answer = json.loads(done.stdout)["responses"]
    assert CONTENT.prompts.welcome in speech(welcome)
    assert CONTENT.answer("timing").speech in speech(answer)  # a one-shot: saved at its end
    stored = table.scan()["Items"]
    assert len(stored) == 1, done.stderr
    loaded = json.loads(done.stdout)["after_requests"]
    # The skill's own client, signed by aws-sdk-signers with asyncio kept out (signers_fix).
    assert "aws_sdk_signers.signers" in loaded
    assert not [m for m in loaded if m.split(".")[0] in ("botocore", "boto3", "asyncio")]


def test_the_signers_fix_keeps_asyncio_out_and_fails_loudly() -> None:
    source = "import hmac\nimport asyncio\nx = 1\n\n    self._signing_lock = asyncio.Lock()\n"
    patched = signers_fix.lazy_asyncio_source(source)
    assert "import asyncio" not in patched
    assert '__import__("asyncio").Lock()' in patched
    assert patched.count("\n") == source.count("\n")  # tracebacks keep their lines
    for changed in (source.replace("asyncio.Lock()", "asyncio.Lock(); asyncio.sleep"), "x = 1\n"):
        with pytest.raises(signers_fix.SignersFixError):
            signers_fix.lazy_asyncio_source(changed)


@pytest.fixture
def moto() -> Iterator[tuple[str, Any]]:
    server = dynamo.start_server()
    try:
        endpoint = dynamo.endpoint_of(server)
        yield endpoint, dynamo.create_table(dynamo.make_resource(endpoint))
    finally:
        dynamo.stop_server(server)


def test_bundle_answers_a_launch_with_the_welcome(bundle_run: dict[str, Any]) -> None:
    welcome = bundle_run["responses"][0]
    assert CONTENT.prompts.welcome in speech(welcome)
    assert not welcome["response"]["shouldEndSession"]


def test_bundle_ends_a_one_shot_question_after_the_answer(bundle_run: dict[str, Any]) -> None:
    answer = bundle_run["responses"][1]
    assert CONTENT.answer("timing").speech in speech(answer)
    assert answer["response"]["shouldEndSession"] is True


def test_bundle_answers_exactly_like_the_repo(bundle_run: dict[str, Any]) -> None:
    expected = expected_responses(bundle_run["sent"], skill_id=APPLICATION_ID)
    assert bundle_run["responses"] == expected


def test_bundle_runs_on_nothing_but_itself_and_the_stdlib(
    bundle_run: dict[str, Any], unpacked: Path
) -> None:
    for file in bundle_run["files"]:
        assert Path(file).is_relative_to(unpacked), file
    outside = [
        entry
        for entry in bundle_run["sys_path"]
        if not Path(entry).is_relative_to(unpacked)
        and not Path(entry).is_relative_to(sys.base_prefix)
    ]
    assert outside == []
    assert not any("site-packages" in entry for entry in bundle_run["sys_path"])


def test_bundle_cold_start_leaves_out_the_web_stack(bundle_run: dict[str, Any]) -> None:
    assert forbidden_in(bundle_run["after_import"]) == []
    assert forbidden_in(bundle_run["after_requests"]) == []


def test_zip_has_the_entry_at_the_top_and_the_content_files(names: list[str]) -> None:
    assert "lambda_function.py" in names
    assert "skill/__init__.py" in names
    assert "skill/content/article.txt" in names
    assert "skill/content/answers.json" in names


def test_zip_content_files_are_the_repo_files(unpacked: Path) -> None:
    bundled = unpacked / "skill" / "content"
    assert (bundled / "article.txt").read_bytes() == ARTICLE_PATH.read_bytes()
    assert (bundled / "answers.json").read_bytes() == ANSWERS_PATH.read_bytes()
    assert (unpacked / "lambda_function.py").read_bytes() == ENTRY.read_bytes()


def test_zip_holds_only_the_skill_and_its_runtime(names: list[str]) -> None:
    tops = {name.split("/", 1)[0] for name in names}
    for unwanted in ("tests", "bench", "interaction_model", ".venv", "lambda", "bin", "build"):
        assert unwanted not in tops
    for web_only in ("flask", "werkzeug", "gunicorn", "ask_sdk_webservice_support", "oscrypto"):
        assert web_only not in tops


def test_zip_ships_the_runtimes_bytecode_for_every_module_and_no_other(names: list[str]) -> None:
    """Each module has the .pyc python3.12 looks for (PEP 3147), hash-based, unchecked."""
    sources = {n for n in names if n.endswith(".py")}
    cached = {n for n in names if "__pycache__/" in n or n.endswith((".pyc", ".pyo"))}
    expected = set()
    for source in sources:
        folder, _, file = source.rpartition("/")
        stem = file.removesuffix(".py")
        expected.add(f"{folder}/__pycache__/{stem}.{LAMBDA_CACHE_TAG}.pyc".lstrip("/"))
    assert LAMBDA_CACHE_TAG == "cpython-312"
    assert "__pycache__/lambda_function.cpython-312.pyc" in expected
    assert cached == expected


def test_bundle_bytecode_is_unchecked_hash_based(built: Path) -> None:
    assert check_compiled(built / BUNDLE_DIRNAME) > 800  # every module of the SDKs and skill
    with zipfile.ZipFile(built / ZIP_NAME) as archive:
        pyc = archive.read("skill/__pycache__/builder.cpython-312.pyc")
    assert int.from_bytes(pyc[4:8], "little") == 0b01  # PEP 552: hash-based, never checked


EM_AARCH64 = 183
"""ELF e_machine of 64-bit ARM, the `arm64` of the stack template."""


def test_every_compiled_file_is_for_arm64(unpacked: Path) -> None:
    """The stack runs on arm64 (Graviton): every native library in the bundle must be an
    aarch64 ELF and none may be for another machine; the rest is pure Python."""
    native: dict[str, int] = {}
    for path in unpacked.rglob("*"):
        if path.is_file():
            with path.open("rb") as file:
                head = file.read(20)
            if head[:4] == b"\x7fELF":
                little = head[5] == 1
                native[path.relative_to(unpacked).as_posix()] = int.from_bytes(
                    head[18:20], "little" if little else "big"
                )
        assert not path.name.endswith((".dylib", ".pyd", ".dll")), path
    assert native, "expected the optional compiled speed-ups (charset_normalizer)"
    wrong = {name: machine for name, machine in native.items() if machine != EM_AARCH64}
    assert wrong == {}
    assert all("x86_64" not in name for name in native)


def test_zip_is_ordered_and_timestamp_free(built: Path, names: list[str]) -> None:
    assert names == sorted(names)
    with zipfile.ZipFile(built / ZIP_NAME) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert {info.external_attr >> 16 for info in archive.infolist()} == {0o100644}


def test_bundle_fits_lambdas_size_limits(built: Path) -> None:
    """50 MB zipped for a direct upload, 250 MB unzipped."""
    zipped = (built / ZIP_NAME).stat().st_size
    with zipfile.ZipFile(built / ZIP_NAME) as archive:
        unzipped = sum(info.file_size for info in archive.infolist())
    assert zipped < 50 * MB
    assert unzipped < 250 * MB


def test_bundle_folder_and_zip_hold_the_same_files(built: Path, names: list[str]) -> None:
    folder = built / BUNDLE_DIRNAME
    on_disk = sorted(
        path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file()
    )
    assert on_disk == names


def test_bundle_installs_exactly_the_pinned_distributions(built: Path) -> None:
    pins = locked_versions(bundle.REQUIREMENTS)
    installed = {}
    for dist_info in (built / BUNDLE_DIRNAME).glob("*.dist-info"):
        name, version = dist_info.name.removesuffix(".dist-info").split("-", 1)
        installed[normalize(name)] = version
    assert installed == pins


# --- the bundle holds exactly what a Lambda request can import -------------------------

IMPORT_ALL = """
import importlib, json, sys
folder = sys.argv[1]
sys.path[:0] = [folder]
failed = {}
for name in sys.argv[2:]:
    try:
        importlib.import_module(name)
    except BaseException as problem:
        failed[name] = f"{type(problem).__name__}: {problem}"
files = [getattr(module, "__file__", None) for module in list(sys.modules.values())]
json.dump(
    {
        "version": list(sys.version_info[:2]),
        "failed": failed,
        "sys_path": sys.path,
        "outside": [f for f in files if f and not f.startswith((folder, sys.base_prefix))],
    },
    sys.stdout,
)
"""
"""Runs in the Lambda runtime's Python: import every module named, report as JSON."""


def lambda_interpreter() -> str:
    """The Lambda runtime's Python (python3.12), the one the build compiles with."""
    return lambda_python()


def bundled_modules(unpacked: Path) -> list[str]:
    """Every module of the bundle's skill package, and the entry point, by import name."""
    modules = ["lambda_function"]
    for path in sorted((unpacked / "skill").rglob("*.py")):
        parts = path.relative_to(unpacked).with_suffix("").parts
        modules.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return modules


def test_bundle_leaves_out_tools_the_cli_and_web_only_modules(names: list[str]) -> None:
    assert [n for n in names if n.startswith(("skill/dev/", "skill/web/"))] == []
    assert "skill/dev/bundle.py" not in names and "skill/__main__.py" not in names
    for web_only in ("app.py", "fast.py", "verification.py", "oscrypto_fix.py"):
        assert (PROJECT / "skill" / "web" / web_only).is_file(), web_only
    assert "skill/builder.py" in names and "skill/persistence/dynamodb.py" in names


def test_every_bundled_module_imports_on_the_lambda_python_alone(
    unpacked: Path, tmp_path: Path
) -> None:
    """python3.12 -I -S with only the bundle on the path: no site-packages, no repo."""
    modules = bundled_modules(unpacked)
    assert "skill.persistence.dynamodb" in modules and "skill.dev" not in modules
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "ALEXA_SKILL_ID": APPLICATION_ID,
        "SKILL_PERSISTENCE": "false",
    }
    done = subprocess.run(
        [lambda_interpreter(), "-I", "-S", "-c", IMPORT_ALL, str(unpacked), *modules],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["version"] == [int(part) for part in LAMBDA_PYTHON.split(".")]
    assert result["failed"] == {}
    assert result["outside"] == []
    assert not any("site-packages" in entry for entry in result["sys_path"])


def test_a_missing_not_bundled_path_stops_the_build(
    tmp_path: Path, no_pip: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A web-only module renamed without updating NOT_BUNDLED would slip into the zip."""
    monkeypatch.setattr(bundle, "NOT_BUNDLED", (*bundle.NOT_BUNDLED, "moved_away.py"))
    with pytest.raises(BundleError, match=r"moved_away\.py"):
        build_bundle(tmp_path)
    assert no_pip == []


# --- requirements and configuration agree ---------------------------------------------


def test_lambda_pins_are_the_tested_versions() -> None:
    pins = locked_versions(bundle.REQUIREMENTS)
    app_pins = locked_versions(PROJECT / "requirements.txt")
    for name, version in pins.items():
        assert app_pins[name] == version, name
        if name == "aws-sdk-signers" and sys.version_info < (3, 12):
            continue  # Python 3.12+ only: the .venv on 3.11 signs with botocore's signer
        assert importlib.metadata.version(name) == version, name
    for core in ("ask-sdk-core", "ask-sdk-model", "ask-sdk-runtime"):
        assert core in pins
    assert "aws-sdk-signers" in pins
    assert "botocore" not in pins and "boto3" not in pins
    for web_only in ("flask", "werkzeug", "gunicorn", "ask-sdk-webservice-support"):
        assert web_only not in pins


def test_ask_deploy_builds_the_default_bundle_through_the_hook() -> None:
    """code.default.src is lambda/ (it exists on a fresh clone); hooks/build.sh builds
    the real bundle into the default folder (tests/test_ask_cli_build.py runs it)."""
    resources = json.loads((PROJECT / "ask-resources.json").read_text(encoding="utf-8"))
    profile = resources["profiles"]["default"]
    assert (PROJECT / profile["code"]["default"]["src"]).resolve() == ENTRY.parent
    deployer = profile["skillInfrastructure"]["userConfig"]
    assert deployer["handler"] == f"{ENTRY.stem}.lambda_handler"
    assert deployer["runtime"] == f"python{LAMBDA_PYTHON}"
    assert inspect.signature(build_bundle).parameters["out"].default == DEFAULT_OUT
    assert _parser().parse_args(["build-lambda"]).out == DEFAULT_OUT
    assert "build-lambda --out build" in (PROJECT / "hooks" / "build.sh").read_text("utf-8")


# --- building, without pip ---------------------------------------------------------------


@pytest.fixture
def no_pip(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Replace the pip step (and the SDK rewrite, which needs pip's files), recording
    where it would have installed."""
    targets: list[Path] = []
    monkeypatch.setattr(bundle, "install_requirements", lambda target, _: targets.append(target))
    monkeypatch.setattr(bundle, "patch_sdk", lambda target: None)
    return targets


def test_the_build_finds_the_lambda_runtimes_python() -> None:
    lambda_python()
    python, magic = find_lambda_python()
    asked = [
        python,
        "-I",
        "-S",
        "-c",
        "import sys, importlib.util as u; print(sys.version_info[:2], u.MAGIC_NUMBER.hex())",
    ]
    said = subprocess.run(asked, capture_output=True, text=True, check=True).stdout.split(") ")
    assert said == [f"({LAMBDA_PYTHON.replace('.', ', ')}", magic.hex() + "\n"]


def test_the_build_refuses_a_python_whose_bytecode_lambda_would_ignore(
    tmp_path: Path, no_pip: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """SKILL_LAMBDA_PYTHON naming this 3.11 venv: its .pyc would be ignored by python3.12."""
    assert sys.version_info[:2] != (3, 12)
    monkeypatch.setenv(LAMBDA_PYTHON_ENV, sys.executable)
    with pytest.raises(BundleError, match=r"is not a working Python 3\.12 .*would be ignored"):
        build_bundle(tmp_path)
    assert not (tmp_path / ZIP_NAME).exists()


def test_the_build_stops_when_no_python_3_12_is_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "executable", str(tmp_path / "no-python"))
    env = {"PATH": str(tmp_path)}
    with pytest.raises(BundleError) as failed:
        find_lambda_python(env, pyenv_root=tmp_path)
    message = str(failed.value)
    assert "no Python 3.12 found" in message
    assert f"{LAMBDA_PYTHON_ENV}=/path/to/python3.12" in message


def test_build_starts_from_a_clean_folder(tmp_path: Path, no_pip: list[Path]) -> None:
    lambda_python()  # the build compiles what it copied
    build_bundle(tmp_path)
    stale = tmp_path / BUNDLE_DIRNAME / "skill" / "removed_module.py"
    stale.write_text("", encoding="utf-8")
    (tmp_path / ZIP_NAME).write_bytes(b"not a zip")

    archive = build_bundle(tmp_path)

    assert not stale.exists()
    with zipfile.ZipFile(archive) as zipped:
        assert "skill/removed_module.py" not in zipped.namelist()
        assert "skill/content/answers.json" in zipped.namelist()
    assert no_pip == [tmp_path / BUNDLE_DIRNAME] * 2


@pytest.mark.parametrize("out", [PROJECT, PROJECT / "skill", PROJECT / "skill" / "content"])
def test_build_refuses_to_clean_away_its_sources(out: Path, no_pip: list[Path]) -> None:
    with pytest.raises(BundleError, match="refusing"):
        build_bundle(out)
    assert ENTRY.is_file()
    assert no_pip == []


def test_zip_bytes_depend_only_on_the_files(tmp_path: Path) -> None:
    folder = tmp_path / "folder"
    (folder / "pkg").mkdir(parents=True)
    (folder / "pkg" / "b.py").write_text("b = 1\n", encoding="utf-8")
    (folder / "a.py").write_text("a = 1\n", encoding="utf-8")
    first = zip_folder(folder, tmp_path / "first.zip").read_bytes()
    os.utime(folder / "a.py", (0, 0))
    (folder / "a.py").chmod(0o600)
    assert zip_folder(folder, tmp_path / "second.zip").read_bytes() == first


def test_pip_failure_is_a_bundle_error_with_pips_words(tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("--no-such-pip-option\n", encoding="utf-8")
    with pytest.raises(BundleError) as failed:
        build_bundle(tmp_path / "out", requirements=requirements)
    message = str(failed.value)
    assert "pip install" in message
    assert "no-such-pip-option" in message
    assert "Traceback" not in message


@pytest.mark.parametrize(
    ("requirement", "pip_says"),
    [
        ("six==1.17.0", "hashes are required"),
        ("six==1.17.0 --hash=sha256:" + "0" * 64, "do not match the hashes"),
    ],
)
def test_bundle_refuses_a_download_its_lock_does_not_vouch_for(
    tmp_path: Path, requirement: str, pip_says: str
) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(requirement + "\n", encoding="utf-8")
    with pytest.raises(BundleError) as failed:
        build_bundle(tmp_path / "out", requirements=requirements)
    assert pip_says in str(failed.value).lower()
    assert not list((tmp_path / "out" / BUNDLE_DIRNAME).glob("six*"))


# --- from the repo: the entry point itself ----------------------------------------------


def test_cold_start_from_the_repo_leaves_out_the_web_stack(tmp_path: Path) -> None:
    """The checkout has Flask and friends installed; importing the entry must not load them."""
    result = run_driver(["-I"], [ENTRY.parent, PROJECT], [launch()], tmp_path)
    assert forbidden_in(result["after_import"]) == []
    assert forbidden_in(result["after_requests"]) == []
    assert CONTENT.prompts.welcome in speech(result["responses"][0])


@pytest.fixture(params=["launch", "one-shot", "help", "session-ended"])
def event(request: pytest.FixtureRequest) -> dict[str, Any]:
    builders: dict[str, Callable[[], dict[str, Any]]] = {
        "launch": launch,
        "one-shot": lambda: intent("TimingIntent", new=True),
        "help": lambda: intent("AMAZON.HelpIntent", new=False),
        "session-ended": session_ended,
    }
    return builders[request.param]()


def test_entry_builds_one_skill_at_init_from_the_environment(
    entry_module: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings: Settings = entry_module.SETTINGS
    assert settings == Settings.from_env(
        {"SKILL_PERSISTENCE": "false", "ALEXA_SKILL_ID": APPLICATION_ID}
    )
    assert isinstance(entry_module.SKILL, CustomSkill)

    def no_rebuilding(settings: Settings | None = None) -> CustomSkill:
        raise AssertionError("the skill is built once, at INIT")

    monkeypatch.setattr(entry_module, "build_skill", no_rebuilding)
    assert entry_module.lambda_handler(launch(), None)["response"]["outputSpeech"]


def test_lambda_handler_answers_like_invoke_json(
    entry_module: ModuleType, event: dict[str, Any]
) -> None:
    by_lambda = entry_module.lambda_handler(event, None)
    assert by_lambda == expected_responses([event], skill_id=APPLICATION_ID)[0]


def test_lambda_handler_answers_like_the_web_endpoint(
    entry_module: ModuleType, event: dict[str, Any]
) -> None:
    app = create_app(Settings(verify_requests=False, persistence=False, skill_id=None))
    posted = app.test_client().post("/", data=json.dumps(event), content_type="application/json")
    assert posted.status_code == 200
    assert posted.get_json() == entry_module.lambda_handler(event, None)
