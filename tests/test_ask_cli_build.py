"""`ask deploy`'s code build step, run offline by the ASK CLI's own code.

tests/ask_cli_build.js loads the pinned npm `ask-cli` (tools/ask-cli, `make ask-cli`)
and runs exactly what `ask deploy` runs before it touches AWS: ResourcesConfig reads
ask-resources.json, SkillCodeController picks a build flow for code.default.src and
executes it. Here it runs on a copy of the project with no `build/` and no `.ask/`,
as a fresh clone would be.

Without node or the installed CLI these tests skip, saying so; .ci/run installs the
CLI and sets ASK_CLI_REQUIRED=1, which turns that skip into a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from skill.dev.bundle import ZIP_NAME
from testing import ROOT

PROJECT = ROOT
DRIVER = PROJECT / "tests" / "ask_cli_build.js"
ASK_CLI_PACKAGE = PROJECT / "tools" / "ask-cli"
ASK_CLI_DIR = Path(os.environ.get("ASK_CLI_DIR") or ASK_CLI_PACKAGE / "node_modules" / "ask-cli")
NODE_TIMEOUT = 600


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
    if not (ASK_CLI_DIR / "dist" / "lib").is_dir():
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


@pytest.fixture(scope="module")
def deployed_build(ask_cli: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The ASK CLI's build step on a fresh copy: the real hook, the real builder, pip."""
    project = fresh_copy(tmp_path_factory.mktemp("clone"))
    (code,) = code_list(run_ask_cli(ask_cli, project, "build"))
    return {"project": project, **code}


def test_ask_deploy_builds_the_bundle_on_a_fresh_clone(deployed_build: dict[str, Any]) -> None:
    project: Path = deployed_build["project"]
    assert deployed_build["buildFlow"] == "CustomBuildFlow"
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
