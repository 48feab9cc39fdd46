"""The CloudFormation stack `ask deploy` creates (infrastructure/cfn-deployer/skill-stack.yaml).

cfn-lint validates the template in `make lint`; these tests read it with cfn-lint's
own loader (which understands !Ref, !GetAtt and !Sub) and check what matters for the
skill: the memory table, a least-privilege role, the environment the skill reads,
the Alexa trigger restricted to the skill id, and log retention. The role's table
actions are compared with what the SDK adapter really calls, against a moto server.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode import decode

from skill.config import Settings
from skill.dev.bundle import LAMBDA_PLATFORM, LAMBDA_PYTHON
from skill.persistence.dynamodb import EXPIRES_AT, build_dynamodb_adapter
from testing import LAMBDA_ENTRY, ROOT
from testing.envelopes import APPLICATION_ID
from tests.test_persistence_dynamodb import (
    endpoint_of,
    make_client,
    make_resource,
    start_server,
    stop_server,
)

PROJECT = ROOT
TEMPLATE = PROJECT / "infrastructure" / "cfn-deployer" / "skill-stack.yaml"
ENTRY = LAMBDA_ENTRY

# What @ask-cli/cfn-deployer passes to every stack (ask-cli 2.30.7,
# lib/builtins/deploy-delegates/cfn-deployer/index.js, _mapStackParameters).
ASK_CLI_PARAMETERS = {
    "SkillId",
    "LambdaRuntime",
    "LambdaHandler",
    "CodeBucket",
    "CodeKey",
    "CodeVersion",
}


def _plain(value: Any) -> Any:
    return json.loads(json.dumps(value))


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    decoded, problems = decode(str(TEMPLATE))
    assert not problems, problems
    assert decoded is not None
    template: dict[str, Any] = _plain(decoded)
    return template


@pytest.fixture(scope="module")
def resources(template: dict[str, Any]) -> dict[str, Any]:
    resources: dict[str, Any] = template["Resources"]
    return resources


def _one(resources: dict[str, Any], kind: str) -> tuple[str, dict[str, Any]]:
    found = [(name, res) for name, res in resources.items() if res["Type"] == kind]
    assert len(found) == 1, f"expected one {kind}, found {[name for name, _ in found]}"
    return found[0]


SKILL_FUNCTION = "SkillFunction"
PRIVACY_FUNCTION = "PrivacyPageFunction"
ARCHITECTURE_OF_PLATFORM = {"arm64": "aarch64", "x86_64": "x86_64"}
"""Lambda's architecture names, and the machine names in wheel platform tags."""


def _function(resources: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The skill's function (the other one serves only the privacy page)."""
    functions = {n for n, r in resources.items() if r["Type"] == "AWS::Lambda::Function"}
    assert functions == {SKILL_FUNCTION, PRIVACY_FUNCTION}
    return SKILL_FUNCTION, resources[SKILL_FUNCTION]


def _log_group_of(resources: dict[str, Any], function: str) -> tuple[str, dict[str, Any]]:
    (found,) = [
        (name, r)
        for name, r in resources.items()
        if r["Type"] == "AWS::Logs::LogGroup"
        and r["Properties"]["LogGroupName"] == {"Fn::Sub": f"/aws/lambda/${{{function}}}"}
    ]
    return found


def _role_statements(
    resources: dict[str, Any], function_name: str = SKILL_FUNCTION
) -> list[dict[str, Any]]:
    """Every policy statement the function's role carries, inline or attached."""
    function = resources[function_name]
    role_ref = function["Properties"]["Role"]
    assert role_ref["Fn::GetAtt"][1] == "Arn"
    role_name = role_ref["Fn::GetAtt"][0]
    role = resources[role_name]
    assert role["Type"] == "AWS::IAM::Role"
    # No managed policies (AWSLambdaBasicExecutionRole allows every log group).
    assert "ManagedPolicyArns" not in role["Properties"]
    documents = [policy["PolicyDocument"] for policy in role["Properties"].get("Policies", [])]
    for resource in resources.values():
        if resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::RolePolicy"):
            props = resource["Properties"]
            if {"Ref": role_name} in props.get("Roles", []) or props.get("RoleName") == {
                "Ref": role_name
            }:
                documents.append(props["PolicyDocument"])
        assert resource["Type"] != "AWS::IAM::ManagedPolicy"
    statements = [statement for document in documents for statement in document["Statement"]]
    for statement in statements:
        assert statement["Effect"] == "Allow"
        assert "NotAction" not in statement and "NotResource" not in statement
    return statements


def _actions(statement: dict[str, Any]) -> set[str]:
    actions = statement["Action"]
    return {actions} if isinstance(actions, str) else set(actions)


# --- what the ASK CLI passes and reads back -------------------------------------------


OUR_PARAMETERS = {"OperatorName", "OperatorContact", "ReservedConcurrency"}
"""Passed from skillInfrastructure.userConfig.cfn.parameters in ask-resources.json."""


def test_parameters_are_the_ones_the_ask_cli_passes(template: dict[str, Any]) -> None:
    parameters = template["Parameters"]
    assert set(parameters) == ASK_CLI_PARAMETERS | OUR_PARAMETERS
    # Required: the CLI always passes them, so no defaults that could hide a mismatch.
    assert all("Default" not in parameters[name] for name in ASK_CLI_PARAMETERS)
    user_config = json.loads((PROJECT / "ask-resources.json").read_text(encoding="utf-8"))[
        "profiles"
    ]["default"]["skillInfrastructure"]["userConfig"]
    assert set(user_config["cfn"]["parameters"]) == OUR_PARAMETERS


def test_runtime_and_handler_match_the_bundle_and_ask_resources(
    template: dict[str, Any], resources: dict[str, Any]
) -> None:
    profile = json.loads((PROJECT / "ask-resources.json").read_text(encoding="utf-8"))
    user_config = profile["profiles"]["default"]["skillInfrastructure"]["userConfig"]
    assert user_config["runtime"] == f"python{LAMBDA_PYTHON}"
    assert user_config["handler"] == f"{ENTRY.stem}.lambda_handler"
    parameters = template["Parameters"]
    # The template refuses any other runtime or handler at deploy time.
    assert parameters["LambdaRuntime"]["AllowedValues"] == [user_config["runtime"]]
    assert parameters["LambdaHandler"]["AllowedValues"] == [user_config["handler"]]
    props = _function(resources)[1]["Properties"]
    assert props["Runtime"] == {"Ref": "LambdaRuntime"}
    assert props["Handler"] == {"Ref": "LambdaHandler"}
    (architecture,) = props["Architectures"]
    assert architecture == "arm64"
    # The bundle's wheels are for that machine: manylinux2014_aarch64.
    assert LAMBDA_PLATFORM.endswith(f"_{ARCHITECTURE_OF_PLATFORM[architecture]}")
    assert props["Code"] == {
        "S3Bucket": {"Ref": "CodeBucket"},
        "S3Key": {"Ref": "CodeKey"},
        "S3ObjectVersion": {"Ref": "CodeVersion"},
    }


def test_skill_endpoint_output_is_the_function_arn(
    template: dict[str, Any], resources: dict[str, Any]
) -> None:
    name, _ = _function(resources)
    # The CLI looks for exactly this output key (cfn-deployer/helper.js).
    assert template["Outputs"]["SkillEndpoint"]["Value"] == {"Fn::GetAtt": [name, "Arn"]}


def test_skill_id_parameter_accepts_skill_ids_only(template: dict[str, Any]) -> None:
    pattern = re.compile(template["Parameters"]["SkillId"]["AllowedPattern"])
    assert pattern.fullmatch("amzn1.ask.skill.0b3f12c4-8e1d-4c8a-9a5e-2f6d3b1c7e90")
    assert not pattern.fullmatch("")
    assert not pattern.fullmatch("*")


def test_ask_resources_uses_the_cfn_deployer_with_this_template() -> None:
    resources = json.loads((PROJECT / "ask-resources.json").read_text(encoding="utf-8"))
    infra = resources["profiles"]["default"]["skillInfrastructure"]
    assert infra["type"] == "@ask-cli/cfn-deployer"
    assert (PROJECT / infra["userConfig"]["templatePath"]).resolve() == TEMPLATE
    # Parameters the CLI reserves must not be set by hand (it refuses to deploy).
    assert not set(infra["userConfig"].get("cfn", {}).get("parameters", {})) & (ASK_CLI_PARAMETERS)


# --- the table ------------------------------------------------------------------------


def test_table_is_on_demand_keyed_by_id_with_point_in_time_recovery(
    resources: dict[str, Any],
) -> None:
    _, table = _one(resources, "AWS::DynamoDB::Table")
    props = table["Properties"]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert "ProvisionedThroughput" not in props
    assert props["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert props["AttributeDefinitions"] == [{"AttributeName": "id", "AttributeType": "S"}]
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    # A name of its own per stack: two deployments never share one table.
    assert "TableName" not in props


def test_table_is_protected_and_forgets_after_400_days(resources: dict[str, Any]) -> None:
    _, table = _one(resources, "AWS::DynamoDB::Table")
    props = table["Properties"]
    assert props["DeletionProtectionEnabled"] is True
    # The attribute every write sets (skill/persistence/dynamodb.py).
    assert props["TimeToLiveSpecification"] == {"AttributeName": EXPIRES_AT, "Enabled": True}


# --- the role -------------------------------------------------------------------------


def test_role_may_only_touch_items_of_its_own_table(resources: dict[str, Any]) -> None:
    table_name, _ = _one(resources, "AWS::DynamoDB::Table")
    dynamodb = [
        s
        for s in _role_statements(resources)
        if any(a.startswith("dynamodb:") for a in _actions(s))
    ]
    assert len(dynamodb) == 1
    assert _actions(dynamodb[0]) == {
        "dynamodb:GetItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
    }
    assert dynamodb[0]["Resource"] == {"Fn::GetAtt": [table_name, "Arn"]}


@pytest.mark.parametrize("function", [SKILL_FUNCTION, PRIVACY_FUNCTION])
def test_role_may_only_write_its_own_log_group(resources: dict[str, Any], function: str) -> None:
    group_name, _ = _log_group_of(resources, function)
    logs = [
        s
        for s in _role_statements(resources, function)
        if any(a.startswith("logs:") for a in _actions(s))
    ]
    assert len(logs) == 1
    assert _actions(logs[0]) == {"logs:CreateLogStream", "logs:PutLogEvents"}
    assert logs[0]["Resource"] == {"Fn::GetAtt": [group_name, "Arn"]}


def test_role_grants_nothing_else(resources: dict[str, Any]) -> None:
    for statement in _role_statements(resources):
        actions = _actions(statement)
        assert all(":" in a and "*" not in a for a in actions), actions
        assert {a.split(":")[0] for a in actions} in ({"dynamodb"}, {"logs"})
        assert statement["Resource"] != "*"
    # The public privacy page's role can write its logs and nothing else.
    for statement in _role_statements(resources, PRIVACY_FUNCTION):
        assert {a.split(":")[0] for a in _actions(statement)} == {"logs"}
    assert (
        resources[PRIVACY_FUNCTION]["Properties"]["Role"]
        != resources[SKILL_FUNCTION]["Properties"]["Role"]
    )


@pytest.fixture
def dynamodb_endpoint() -> Iterator[str]:
    server = start_server()
    try:
        yield endpoint_of(server)
    finally:
        stop_server(server)


def test_role_allows_exactly_the_calls_the_adapter_makes(
    resources: dict[str, Any], dynamodb_endpoint: str
) -> None:
    """Remember, update, recall and forget a listener on a table shaped like the
    template's, recording every DynamoDB operation: the policy must allow exactly those."""
    _, table = _one(resources, "AWS::DynamoDB::Table")
    props = table["Properties"]
    resource = make_resource(dynamodb_endpoint)
    name = f"bedtime-{uuid.uuid4().hex[:8]}"
    resource.create_table(
        TableName=name,
        KeySchema=props["KeySchema"],
        AttributeDefinitions=props["AttributeDefinitions"],
        BillingMode=props["BillingMode"],
    ).wait_until_exists()

    called: set[str] = set()

    client = make_client(dynamodb_endpoint)
    plain_call = client._call

    def record(operation: str, request: dict[str, Any]) -> dict[str, Any]:
        called.add(f"dynamodb:{operation}")
        return plain_call(operation, request)

    client._call = record  # type: ignore[method-assign]
    adapter = build_dynamodb_adapter(name, dynamodb_client=client)
    user = "amzn1.ask.account.TEST"
    assert adapter.get_attributes(user) == {}
    adapter.save_attributes(user, {"visits": 1, "dose": 0.5})
    assert adapter.get_attributes(user) == {"visits": 1, "dose": 0.5}
    assert adapter.update_attributes(user, lambda stored: {**stored, "visits": 2})["visits"] == 2
    adapter.delete_attributes(user)
    assert adapter.get_attributes(user) == {}

    allowed = set().union(
        *(_actions(s) for s in _role_statements(resources) if "dynamodb:GetItem" in _actions(s))
    )
    assert called == allowed


# --- the function ---------------------------------------------------------------------


def test_function_environment_names_the_table_and_the_skill(resources: dict[str, Any]) -> None:
    table_name, _ = _one(resources, "AWS::DynamoDB::Table")
    variables = _function(resources)[1]["Properties"]["Environment"]["Variables"]
    assert variables == {
        "SKILL_DYNAMODB_TABLE": {"Ref": table_name},
        "ALEXA_SKILL_ID": {"Ref": "SkillId"},
    }
    # The names are the ones the skill reads.
    settings = Settings.from_env({"SKILL_DYNAMODB_TABLE": "t", "ALEXA_SKILL_ID": APPLICATION_ID})
    assert settings.dynamodb_table == "t"
    assert settings.skill_id == APPLICATION_ID


def test_function_timeout_ends_before_alexa_stops_waiting(resources: dict[str, Any]) -> None:
    props = _function(resources)[1]["Properties"]
    assert 3 <= props["Timeout"] < 8
    assert 128 <= props["MemorySize"] <= 1769


def _permissions_of(resources: dict[str, Any], function_name: str) -> list[dict[str, Any]]:
    return [
        r
        for r in resources.values()
        if r["Type"] == "AWS::Lambda::Permission"
        and r["Properties"]["FunctionName"]
        in ({"Ref": function_name}, {"Fn::GetAtt": [function_name, "Arn"]})
    ]


def test_only_this_skill_may_invoke_the_function(resources: dict[str, Any]) -> None:
    function_name, _ = _function(resources)
    permissions = _permissions_of(resources, function_name)
    assert len(permissions) == 1
    # No function URL on the skill's function: only Alexa reaches it.
    assert all(
        r["Properties"]["TargetFunctionArn"] != {"Fn::GetAtt": [function_name, "Arn"]}
        for r in resources.values()
        if r["Type"] == "AWS::Lambda::Url"
    )
    props = permissions[0]["Properties"]
    assert props["Action"] == "lambda:InvokeFunction"
    assert props["Principal"] == "alexa-appkit.amazon.com"
    assert props["EventSourceToken"] == {"Ref": "SkillId"}
    assert props["FunctionName"] in (
        {"Ref": function_name},
        {"Fn::GetAtt": [function_name, "Arn"]},
    )


@pytest.mark.parametrize("function", [SKILL_FUNCTION, PRIVACY_FUNCTION])
def test_log_group_is_the_functions_with_a_retention_and_outlives_the_stack(
    resources: dict[str, Any], function: str
) -> None:
    _, group = _log_group_of(resources, function)
    assert group["Properties"]["RetentionInDays"] in (7, 14, 30, 60, 90)
    # Kept on tear-down or replacement; it still expires by its retention.
    assert group["DeletionPolicy"] == "Retain"
    assert group["UpdateReplacePolicy"] == "Retain"


@pytest.mark.parametrize("function", [SKILL_FUNCTION, PRIVACY_FUNCTION])
def test_functions_run_on_arm64_log_json_and_are_capped(
    template: dict[str, Any], resources: dict[str, Any], function: str
) -> None:
    props = resources[function]["Properties"]
    assert props["Architectures"] == ["arm64"]
    assert props["LoggingConfig"] == {"LogFormat": "JSON"}
    cap = props["ReservedConcurrentExecutions"]["Fn::If"]
    assert cap[0] == "CapConcurrency" and cap[2] == {"Ref": "AWS::NoValue"}
    assert template["Conditions"]["CapConcurrency"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "ReservedConcurrency"}, "none"]}]
    }
    pattern = re.compile(template["Parameters"]["ReservedConcurrency"]["AllowedPattern"])
    assert pattern.fullmatch("none") and pattern.fullmatch("10")
    assert not pattern.fullmatch("0")  # 0 would throttle every request: not a cap


def test_the_skill_functions_cap_is_the_parameter(resources: dict[str, Any]) -> None:
    cap = resources[SKILL_FUNCTION]["Properties"]["ReservedConcurrentExecutions"]["Fn::If"]
    assert cap[1] == {"Ref": "ReservedConcurrency"}


# --- the privacy page -----------------------------------------------------------------


def test_the_privacy_page_is_public_and_its_address_an_output(
    template: dict[str, Any], resources: dict[str, Any]
) -> None:
    props = resources[PRIVACY_FUNCTION]["Properties"]
    assert props["Handler"] == "skill.privacy_page.handler"
    assert props["Code"] == resources[SKILL_FUNCTION]["Properties"]["Code"]  # one bundle
    assert props["Environment"]["Variables"] == {
        "SKILL_OPERATOR": {"Ref": "OperatorName"},
        "SKILL_CONTACT": {"Ref": "OperatorContact"},
    }
    _, url = _one(resources, "AWS::Lambda::Url")
    assert url["Properties"] == {
        "TargetFunctionArn": {"Fn::GetAtt": [PRIVACY_FUNCTION, "Arn"]},
        "AuthType": "NONE",
    }
    url_name = next(n for n, r in resources.items() if r["Type"] == "AWS::Lambda::Url")
    assert template["Outputs"]["PrivacyPolicyUrl"]["Value"] == {
        "Fn::Sub": f"${{{url_name}.FunctionUrl}}privacy"
    }
    granted = {
        (p["Properties"]["Action"], p["Properties"]["Principal"])
        for p in _permissions_of(resources, PRIVACY_FUNCTION)
    }
    assert granted == {("lambda:InvokeFunctionUrl", "*"), ("lambda:InvokeFunction", "*")}
    for permission in _permissions_of(resources, PRIVACY_FUNCTION):
        # Through the URL only: never a direct Invoke by anyone.
        assert (
            permission["Properties"].get("FunctionUrlAuthType") == "NONE"
            or permission["Properties"].get("InvokedViaFunctionUrl") is True
        )


# --- the template's comments ----------------------------------------------------------


def test_every_file_a_comment_names_exists() -> None:
    """A comment once cited skill/lambda_bundle.py, which does not exist."""
    cited = set(
        re.findall(
            r"\b((?:skill|tests|hooks|infrastructure|lambda)/[\w./-]+\.\w+)",
            TEMPLATE.read_text("utf-8"),
        )
    )
    assert cited
    assert {path for path in cited if not (PROJECT / path).exists()} == set()


# --- policy as code (infrastructure/rules/policy.txt, run by make lint) -----------------

POLICY_RULES = PROJECT / "infrastructure" / "rules" / "policy.txt"
BROKEN = {
    "no point-in-time recovery": (
        "PointInTimeRecoveryEnabled: true",
        "PointInTimeRecoveryEnabled: false",
    ),
    "no deletion protection": (
        "DeletionProtectionEnabled: true",
        "DeletionProtectionEnabled: false",
    ),
    "no TTL": (
        "AttributeName: expires_at\n        Enabled: true",
        "AttributeName: expires_at\n        Enabled: false",
    ),
    "another TTL attribute": ("AttributeName: expires_at", "AttributeName: ttl"),
    "no concurrency cap": (
        "      ReservedConcurrentExecutions: !If [CapConcurrency, !Ref ReservedConcurrency, "
        "!Ref AWS::NoValue]\n",
        "",
    ),
    "text logs": ("        LogFormat: JSON\n      Role:", "        LogFormat: Text\n      Role:"),
    "a 30 s timeout": ("Timeout: 7", "Timeout: 30"),
    "logs kept a year": ("RetentionInDays: 30", "RetentionInDays: 365"),
    "a managed policy": (
        "  SkillFunctionRole:\n    Type: AWS::IAM::Role\n    Properties:\n",
        "  SkillFunctionRole:\n    Type: AWS::IAM::Role\n    Properties:\n"
        "      ManagedPolicyArns: [arn:aws:iam::aws:policy/AdministratorAccess]\n",
    ),
}


def _cfn_lint(*templates: Path) -> subprocess.CompletedProcess[str]:
    cfn_lint = Path(sys.executable).parent / "cfn-lint"  # the venv's, as make lint runs it
    command = [str(cfn_lint), "--custom-rules", str(POLICY_RULES)]
    return subprocess.run(
        [*command, "--format", "parseable", *map(str, templates)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_each_policy_rule_fails_a_template_that_breaks_it(tmp_path: Path) -> None:
    """The template passes the rules (make lint); each broken copy fails with a policy
    rule (E9xxx), so no rule is silently inert."""
    source = TEMPLATE.read_text("utf-8")
    copies = {}
    for number, (what, (good, bad)) in enumerate(BROKEN.items()):
        assert good in source, what
        copies[what] = tmp_path / f"broken{number}.yaml"
        copies[what].write_text(source.replace(good, bad, 1), "utf-8")
    done = _cfn_lint(TEMPLATE, *copies.values())
    failed = {line.split(":", 1)[0] for line in done.stdout.splitlines() if ":E9" in line}
    assert str(TEMPLATE) not in failed, done.stdout
    assert {what for what, path in copies.items() if str(path) not in failed} == set()
