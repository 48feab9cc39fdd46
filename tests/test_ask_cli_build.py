"""The pinned ASK CLI (tools/ask-cli, `make ask-cli`): the real `ask` binary, and
`ask deploy`'s code build step.

The binary runs with a throwaway HOME (a fake ASK profile and fake AWS keys, nothing
real) and every AWS endpoint pointed at a closed port on 127.0.0.1: `ask --version`,
`ask deploy --help`, and `ask deploy --target skill-infrastructure`, which runs
hooks/build.sh on a fresh copy of the project and then fails at its first network call.
tests/ask_cli_build.js loads the CLI's own modules to ask which build flow it picks.
Everything runs on a copy of the project with no `build/` and no `.ask/`, as a fresh
clone would be.

Without node or the installed CLI these tests skip, saying so; .ci/run installs the
CLI and sets ASK_CLI_REQUIRED=1, which turns that skip into a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest

from skill.dev.bundle import ZIP_NAME
from testing import ROOT
from testing.lambda_python import lambda_python

PROJECT = ROOT
DRIVER = PROJECT / "tests" / "ask_cli_build.js"
ASK_CLI_PACKAGE = PROJECT / "tools" / "ask-cli"
ASK_CLI_DIR = Path(os.environ.get("ASK_CLI_DIR") or ASK_CLI_PACKAGE / "node_modules" / "ask-cli")
ASK = ASK_CLI_DIR.parent / ".bin" / "ask"
"""The one way to run the pinned CLI: npm's link to it, with package.json's overrides."""
NODE_TIMEOUT = 600
DEPLOY_TIMEOUT = 300
"""The build (pip, compileall) takes about 10 s with a warm pip cache; the network
failure that ends the deploy is immediate (a closed local port)."""
SKILL_ID = "amzn1.ask.skill.00000000-0000-0000-0000-000000000000"


def _unavailable(reason: str) -> None:
    if os.environ.get("ASK_CLI_REQUIRED"):
        pytest.fail(f"ASK_CLI_REQUIRED is set but {reason}")
    pytest.skip(f"{reason}: run `make ask-cli` to test ask deploy's build step")


@pytest.fixture(scope="module")
def ask_cli() -> Path:
    if shutil.which("node") is None:
        _unavailable("node is not installed")
    if shutil.which("git") is None or not (PROJECT / ".git").exists():
        _unavailable("this is not a git checkout (the fresh copy is made from git ls-files)")
    if not (ASK_CLI_DIR / "dist" / "lib").is_dir() or not ASK.exists():
        _unavailable(f"the ASK CLI is not installed in {ASK_CLI_DIR}")
    pinned = json.loads((ASK_CLI_PACKAGE / "package.json").read_text("utf-8"))
    installed = json.loads((ASK_CLI_DIR / "package.json").read_text("utf-8"))
    assert installed["version"] == pinned["dependencies"]["ask-cli"], (
        f"{ASK_CLI_DIR} holds ask-cli {installed['version']}, not the pinned "
        f"{pinned['dependencies']['ask-cli']}: run `make ask-cli`"
    )
    return ASK_CLI_DIR


def fresh_copy(target: Path) -> Path:
    """The project's files as a clone would have them: tracked and new, never ignored
    (so no build/, .ask/, .venv/ or node_modules/)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=PROJECT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = PROJECT / name
        if source.is_file():  # deleted but not yet committed files are listed too
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)  # keeps hooks/build.sh executable
    assert not (target / "build").exists() and not (target / ".ask").exists()
    return target


def run_ask_cli(
    ask_cli: Path, project: Path, mode: str, python: str = sys.executable
) -> subprocess.CompletedProcess[str]:
    # The copy has no .venv: the hook takes this interpreter from $PYTHON.
    env = {**os.environ, "PYTHON": python}
    return subprocess.run(
        ["node", str(DRIVER), str(ask_cli), mode],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=NODE_TIMEOUT,
        check=False,
    )


def code_list(result: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    assert result.returncode == 0, result.stderr
    listed: list[dict[str, Any]] = json.loads(result.stdout.strip().splitlines()[-1])
    return listed


def test_ask_cli_picks_the_projects_build_hook(ask_cli: Path, tmp_path: Path) -> None:
    project = fresh_copy(tmp_path)
    (code,) = code_list(run_ask_cli(ask_cli, project, "select"))
    assert code["buildFlow"] == "CustomBuildFlow"
    assert code["src"] == "./lambda"
    assert Path(code["build"]["file"]) == project / ".ask" / "lambda" / "build.zip"


def test_without_the_hook_the_ask_cli_would_zip_the_entry_point_alone(
    ask_cli: Path, tmp_path: Path
) -> None:
    """Why hooks/build.sh exists: lambda/ has no requirements.txt, so the CLI's only
    other choice is its zip-only flow, a bundle without the skill or the SDK."""
    project = fresh_copy(tmp_path)
    shutil.rmtree(project / "hooks")
    (code,) = code_list(run_ask_cli(ask_cli, project, "select"))
    assert code["buildFlow"] == "ZipOnlyBuildFlow"


def closed_port() -> int:
    """A local TCP port nothing listens on (bound, then released): connect is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def throwaway_home(home: Path) -> dict[str, str]:
    """A HOME with a fake ASK CLI profile and fake AWS keys, and an environment that
    sends every ASK and AWS call to a closed local port. No variable of the real
    ASK_*/AWS_* environment gets through."""
    (home / ".ask").mkdir(parents=True)
    (home / ".aws").mkdir()
    token = {
        "access_token": "Atza|not-a-real-token",
        "refresh_token": "Atzr|not-a-real-token",
        "token_type": "bearer",
        "expires_in": 3600,
        "expires_at": "2099-01-01T00:00:00.000Z",  # never refreshed (no call to LWA)
    }
    profile = {"aws_profile": "default", "token": token, "vendor_id": "MNOTAVENDOR"}
    config = {"profiles": {"default": profile}}
    (home / ".ask" / "cli_config").write_text(json.dumps(config), "utf-8")
    (home / ".aws" / "credentials").write_text(
        "[default]\naws_access_key_id = AKIANOTAREALKEY00000\n"
        "aws_secret_access_key = not/a/real/secret\n",
        "utf-8",
    )
    (home / ".aws" / "config").write_text("[default]\nregion = us-east-1\n", "utf-8")
    nowhere = f"http://127.0.0.1:{closed_port()}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ASK_"))}
    # pip (the build hook) and the Python 3.12 lookup keep reading the real user's
    # settings, not the throwaway HOME's.
    real_home = Path.home()
    for pip_conf in (real_home / ".config" / "pip" / "pip.conf", real_home / ".pip" / "pip.conf"):
        if pip_conf.is_file() and "PIP_CONFIG_FILE" not in env:
            env["PIP_CONFIG_FILE"] = str(pip_conf)
    env.setdefault("PIP_CACHE_DIR", str(real_home / ".cache" / "pip"))
    env.setdefault("PYENV_ROOT", str(real_home / ".pyenv"))
    return {
        **env,
        "HOME": str(home),
        "AWS_ENDPOINT_URL": nowhere,  # every AWS SDK v3 client (S3, CloudFormation)
        "ASK_SMAPI_SERVER_BASE_URL": nowhere,  # the Alexa Skill Management API
        "AWS_EC2_METADATA_DISABLED": "true",
        "NO_UPDATE_NOTIFIER": "1",
    }


def run_ask(
    project: Path, home: Path, *args: str, python: str = sys.executable
) -> subprocess.CompletedProcess[str]:
    """The real `ask` binary in `project`, with `home` as HOME (see throwaway_home)."""
    env = throwaway_home(home)
    # The copy has no .venv: the hook takes this interpreter from $PYTHON.
    env["PYTHON"] = python
    return subprocess.run(
        [str(ASK), *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=DEPLOY_TIMEOUT,
        check=False,
    )


PLACEHOLDER_URL_LINE = "privacy_policy_url: https://skill.example.com/privacy\n"


def set_up_as_an_operator(project: Path) -> None:
    """What an operator sets before deploying (the deploy refuses placeholders): the
    privacy policy's address (manifest.yaml, then the generator, as `make model` runs it)
    and the operator named in the policy (ask-resources.json)."""
    manifest_yaml = project / "skill" / "dev" / "model" / "manifest.yaml"
    text = manifest_yaml.read_text("utf-8")
    assert text.count(PLACEHOLDER_URL_LINE) == 1
    real = "privacy_policy_url: https://bedtime.operator.dev/privacy\n"
    manifest_yaml.write_text(text.replace(PLACEHOLDER_URL_LINE, real), "utf-8")
    subprocess.run(
        [sys.executable, "-m", "skill.dev.model.build"],
        cwd=project,
        capture_output=True,
        check=True,
        timeout=120,
    )
    resources_path = project / "ask-resources.json"
    resources = json.loads(resources_path.read_text("utf-8"))
    user_config = resources["profiles"]["default"]["skillInfrastructure"]["userConfig"]
    user_config["cfn"]["parameters"].update(
        OperatorName="Test Operator", OperatorContact="privacy@operator.dev"
    )
    resources_path.write_text(json.dumps(resources, indent=2) + "\n", "utf-8")


def test_ask_deploy_refuses_a_placeholder_privacy_address(ask_cli: Path, tmp_path: Path) -> None:
    """A fresh clone as committed: the hook stops the deploy before building anything."""
    project = fresh_copy(tmp_path / "clone")
    (project / ".ask").mkdir()
    states = {"askcliStatesVersion": "2020-03-31", "profiles": {"default": {"skillId": SKILL_ID}}}
    (project / ".ask" / "ask-states.json").write_text(json.dumps(states), "utf-8")
    result = run_ask(project, tmp_path / "home", "deploy", "--target", "skill-infrastructure")
    said = result.stdout + result.stderr
    assert result.returncode != 0
    assert "set privacy_policy_url in skill/dev/model/manifest.yaml" in said, said
    assert not (project / "build").exists()
    assert "ECONNREFUSED" not in said  # stopped before any network call


def make_deploy(project: Path, home: Path, *make_args: str) -> subprocess.CompletedProcess[str]:
    """`make deploy` in `project` (a fresh copy: no .venv, so the check runs with this
    Python) with the pinned CLI linked in and `home` as HOME (see throwaway_home)."""
    (project / "tools" / "ask-cli" / "node_modules").symlink_to(ASK_CLI_DIR.parent)
    env = throwaway_home(home)
    return subprocess.run(
        ["make", "--no-print-directory", "deploy", f"PYTHON={sys.executable}", *make_args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=DEPLOY_TIMEOUT,
        check=False,
    )


def test_make_deploy_refuses_before_ask_deploy_uploads_anything(
    ask_cli: Path, tmp_path: Path
) -> None:
    """`ask deploy` uploads the skill package before its build hook runs
    (dist/lib/commands/deploy/index.js, deployResources), so `make deploy` checks first."""
    project = fresh_copy(tmp_path / "clone")
    result = make_deploy(project, tmp_path / "home")
    said = result.stdout + result.stderr
    assert result.returncode != 0
    assert "deploy refused: skill.json has no privacy policy address: set " in said, said
    assert "set privacy_policy_url in skill/dev/model/manifest.yaml" in said
    assert "Deploy Skill Metadata" not in said and "ECONNREFUSED" not in said, said


def test_make_deploy_runs_the_pinned_ask_deploy_once_nothing_is_a_placeholder(
    ask_cli: Path, tmp_path: Path
) -> None:
    """Set up, `make deploy` goes on to `ask deploy`, whose first step is the skill
    package upload (with the real address), refused by the closed port."""
    project = fresh_copy(tmp_path / "clone")
    set_up_as_an_operator(project)
    uploaded = json.loads((project / "interaction_model" / "skill.json").read_text("utf-8"))
    locales = uploaded["manifest"]["privacyAndCompliance"]["locales"]
    assert {info["privacyPolicyUrl"] for info in locales.values()} == {
        "https://bedtime.operator.dev/privacy"
    }
    result = make_deploy(project, tmp_path / "home", "DEPLOY_ARGS=--target skill-metadata")
    said = result.stdout + result.stderr
    assert "deploy refused" not in said, said
    assert "Deploy Skill Metadata" in said and "ECONNREFUSED" in said, said
    assert result.returncode != 0


def test_ask_version_is_the_pinned_one(ask_cli: Path, tmp_path: Path) -> None:
    """The CLI starts: with antlr4ts 0.5.0-dev (npm's pick without the override)
    every command died with `Class extends value undefined` before printing anything."""
    result = run_ask(PROJECT, tmp_path / "home", "--version")
    assert result.returncode == 0, result.stderr
    pinned = json.loads((ASK_CLI_PACKAGE / "package.json").read_text("utf-8"))
    assert result.stdout.strip() == pinned["dependencies"]["ask-cli"] == "2.30.7"


def test_antlr4ts_resolves_to_the_override(ask_cli: Path) -> None:
    package = json.loads((ASK_CLI_PACKAGE / "package.json").read_text("utf-8"))
    lock = json.loads((ASK_CLI_PACKAGE / "package-lock.json").read_text("utf-8"))
    wanted = package["overrides"]["antlr4ts"]
    locked = {
        name: entry["version"]
        for name, entry in lock["packages"].items()
        if name.endswith("node_modules/antlr4ts")
    }
    assert locked and set(locked.values()) == {wanted}, locked


def test_ask_deploy_help(ask_cli: Path, tmp_path: Path) -> None:
    result = run_ask(PROJECT, tmp_path / "home", "deploy", "--help")
    assert result.returncode == 0, result.stderr
    assert "--target" in result.stdout and "skill-infrastructure" in result.stdout


@pytest.fixture(scope="module")
def deployed_build(ask_cli: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """`ask deploy --target skill-infrastructure` on a fresh copy: the real binary, the
    real hook, the real builder, pip; then the first AWS call, refused."""
    lambda_python()  # the build compiles the bundle with it
    project = fresh_copy(tmp_path_factory.mktemp("clone"))
    set_up_as_an_operator(project)
    # The skill itself was "deployed" before (its id is what the stack is keyed to).
    (project / ".ask").mkdir()
    states = {"askcliStatesVersion": "2020-03-31", "profiles": {"default": {"skillId": SKILL_ID}}}
    (project / ".ask" / "ask-states.json").write_text(json.dumps(states), "utf-8")
    started = time.monotonic()
    result = run_ask(
        project, tmp_path_factory.mktemp("home"), "deploy", "--target", "skill-infrastructure"
    )
    return {
        "project": project,
        "result": result,
        "seconds": time.monotonic() - started,
        "build": {"file": str(project / ".ask" / "lambda" / "build.zip")},
    }


def test_ask_deploy_runs_the_hook_and_stops_at_the_network(
    deployed_build: dict[str, Any],
) -> None:
    result: subprocess.CompletedProcess[str] = deployed_build["result"]
    said = result.stdout + result.stderr
    assert "Skill code built successfully" in said, said
    assert "with build flow CustomBuildFlow" in said, said
    # The one failure: the S3 upload of the built zip, refused by the closed port.
    assert result.returncode != 0
    assert "Failed to upload code build to S3" in said and "ECONNREFUSED" in said, said
    assert "Class extends value undefined" not in said
    assert deployed_build["seconds"] < DEPLOY_TIMEOUT


def test_ask_deploy_builds_the_bundle_on_a_fresh_clone(deployed_build: dict[str, Any]) -> None:
    project: Path = deployed_build["project"]
    uploaded = Path(deployed_build["build"]["file"])
    # What the CLI uploads is byte for byte the project's own bundle.
    assert uploaded.read_bytes() == (project / "build" / ZIP_NAME).read_bytes()
    with zipfile.ZipFile(uploaded) as archive:
        names = set(archive.namelist())
        entry = archive.read("lambda_function.py")
    assert entry == (PROJECT / "lambda" / "lambda_function.py").read_bytes()
    assert {"skill/__init__.py", "skill/dispatch.py", "ask_sdk_core/__init__.py"} <= names
    assert "aws_sdk_signers/signers.py" in names  # DynamoDB's signer; no botocore
    assert not any(name.startswith("botocore/") for name in names)


def test_a_failed_build_fails_ask_deploy(ask_cli: Path, tmp_path: Path) -> None:
    project = fresh_copy(tmp_path)
    failing = shutil.which("false")
    assert failing is not None
    result = run_ask_cli(ask_cli, project, "build", python=failing)
    assert result.returncode != 0
    assert "hooks/build.sh" in result.stderr
    assert not (project / ".ask" / "lambda" / "build.zip").exists()


def test_hook_has_a_windows_twin() -> None:
    """On Windows the CLI looks for hooks/build.ps1; without it, the zip-only flow."""
    ps1 = (PROJECT / "hooks" / "build.ps1").read_text("utf-8")
    assert "build-lambda --out build" in ps1
    assert os.access(PROJECT / "hooks" / "build.sh", os.X_OK)
