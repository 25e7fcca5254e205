"""Checks of template.yaml that `sam validate --lint` does not make.

cfn-lint resolves references after the SAM transform, where a dangling reference inside a
function's environment or Globals can vanish or be reported far from its cause, so the template
is walked here as written.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode import decode

ROOT = Path(__file__).resolve().parents[2]
ALLOWED_RUNTIMES = {"python3.13"}
PUBLIC_ROUTES = {
    ("ANY", "/webhooks/jira/{credential_id}/{issue_key}"),
    ("ANY", "/webhooks/jira/{credential_id}/{url_token}/{issue_key}"),
}
PSEUDO_PARAMETERS = {
    "AWS::AccountId",
    "AWS::NotificationARNs",
    "AWS::NoValue",
    "AWS::Partition",
    "AWS::Region",
    "AWS::StackId",
    "AWS::StackName",
    "AWS::URLSuffix",
}
SUB_VARIABLE = re.compile(r"\$\{(?!!)([^}]+)\}")


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    decoded, matches = decode(str(ROOT / "template.yaml"))
    assert not matches, matches
    assert decoded is not None
    return dict(decoded)


def walk(node: Any, path: str = "") -> Iterator[tuple[str, str, Any]]:
    """Yields (location, intrinsic name, argument) for every intrinsic function in `node`."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in {"Ref", "Fn::GetAtt", "Fn::Sub", "Fn::If"}:
                yield path, key, value
            yield from walk(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, f"{path}/{index}")


def sub_targets(argument: Any) -> Iterator[str]:
    text, local_names = (
        (argument[0], set(argument[1])) if isinstance(argument, list) else (argument, set())
    )
    for name in SUB_VARIABLE.findall(text):
        target = name if name.startswith("AWS::") else name.split(".")[0]
        if target not in local_names:
            yield target


def functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: resource
        for name, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
    }


def http_routes(template: dict[str, Any]) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    for name, function in functions(template).items():
        for event in function["Properties"].get("Events", {}).values():
            if event["Type"] == "HttpApi":
                props = event["Properties"]
                yield name, props["Method"].upper(), props["Path"], props


def test_given_the_template_when_walking_intrinsics_then_every_reference_has_a_target(
    template: dict[str, Any],
) -> None:
    known = set(template.get("Parameters", {})) | set(template["Resources"]) | PSEUDO_PARAMETERS
    dangling = []
    for location, intrinsic, argument in walk(template):
        if intrinsic == "Ref":
            targets = [argument]
        elif intrinsic == "Fn::If":
            continue
        elif intrinsic == "Fn::GetAtt":
            targets = [(argument.split(".")[0] if isinstance(argument, str) else argument[0])]
        else:
            targets = list(sub_targets(argument))
        dangling += [
            f"{location}: {intrinsic} {target}" for target in targets if target not in known
        ]
    assert dangling == []


def test_given_the_template_when_reading_conditions_then_each_used_condition_is_defined(
    template: dict[str, Any],
) -> None:
    defined = set(template.get("Conditions", {}))
    used = {
        argument[0] for _location, intrinsic, argument in walk(template) if intrinsic == "Fn::If"
    }
    assert used
    assert used <= defined


def test_given_each_function_then_it_uses_the_layer_and_an_allowed_runtime_on_arm64(
    template: dict[str, Any],
) -> None:
    globals_ = template.get("Globals", {}).get("Function", {})
    assert functions(template), "the template has no function"
    for name, function in functions(template).items():
        props = {**globals_, **function["Properties"]}
        assert props.get("Runtime") in ALLOWED_RUNTIMES, name
        assert props.get("Architectures") == ["arm64"], name
        assert {"Ref": "JiraSyncLayer"} in props.get("Layers", []), name
        assert props.get("Tracing") == "Active", name
        code = ROOT / function["Properties"]["CodeUri"]
        module, _, handler = function["Properties"]["Handler"].rpartition(".")
        source = code / f"{module}.py"
        assert source.is_file(), f"{name}: {source} does not exist"
        assert f"def {handler}(" in source.read_text(), f"{name}: no {handler} in {source}"


def test_given_the_layer_then_it_builds_for_the_runtime_and_architecture(
    template: dict[str, Any],
) -> None:
    layer = template["Resources"]["JiraSyncLayer"]
    assert layer["Metadata"] == {"BuildMethod": "python3.13", "BuildArchitecture": "arm64"}
    content = ROOT / layer["Properties"]["ContentUri"]
    assert (content / "requirements.txt").is_file()
    assert (content / "jira_sync" / "__init__.py").is_file()
    assert not (content / "python").exists(), "SAM's BuildMethod adds python/ itself"


def test_given_the_http_api_then_iam_is_the_default_and_only_the_webhook_route_is_open(
    template: dict[str, Any],
) -> None:
    api = template["Resources"]["HttpApi"]["Properties"]
    assert api["Auth"]["DefaultAuthorizer"] == "AWS_IAM"
    routes = list(http_routes(template))
    assert routes
    open_routes = {
        (method, path)
        for _name, method, path, props in routes
        if props.get("Auth", {}).get("Authorizer") == "NONE"
    }
    assert open_routes <= PUBLIC_ROUTES
    for _name, _method, _path, props in routes:
        assert props.get("ApiId") == {"Ref": "HttpApi"}
        assert props.get("Auth", {}).get("Authorizer", "AWS_IAM") in {"AWS_IAM", "NONE"}


def iam_statements(template: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, function in functions(template).items():
        for policy in function["Properties"].get("Policies", []):
            assert isinstance(policy, dict), f"{name}: write statements, not SAM policy templates"
            assert "Statement" in policy, f"{name}: write statements, not SAM policy templates"
            for statement in policy["Statement"]:
                yield name, statement


def test_given_every_iam_statement_then_no_action_is_a_wildcard(template: dict[str, Any]) -> None:
    statements = list(iam_statements(template))
    assert statements
    for name, statement in statements:
        actions = (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
        for action in actions:
            assert "*" not in action, f"{name}: wildcard action {action}"
        assert statement.get("Resource") not in ("*", ["*"]), f"{name}: resource '*'"


def test_given_secret_permissions_then_they_are_limited_to_this_stacks_prefix(
    template: dict[str, Any],
) -> None:
    for name, statement in iam_statements(template):
        actions = (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
        if any(action.startswith("secretsmanager:") for action in actions):
            resource = statement["Resource"]
            assert isinstance(resource, dict), name
            assert "Fn::Sub" in resource, name
            assert resource["Fn::Sub"].endswith(":secret:${AWS::StackName}/credentials/*"), name


def test_given_the_table_then_it_is_on_demand_with_recovery_and_ttl(
    template: dict[str, Any],
) -> None:
    table = template["Resources"]["Table"]
    props = table["Properties"]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["TimeToLiveSpecification"]["Enabled"] is True
    assert table["DeletionPolicy"] == "Retain"


def test_given_each_function_then_its_log_group_has_a_retention(template: dict[str, Any]) -> None:
    groups = {
        resource["Properties"]["LogGroupName"].get("Fn::Sub", ""): resource["Properties"]
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::Logs::LogGroup"
    }
    for name in functions(template):
        group = groups.get(f"/aws/lambda/${{{name}}}")
        assert group is not None, f"{name} has no log group"
        assert group["RetentionInDays"] == {"Ref": "LogRetentionDays"}


def test_given_the_outputs_then_api_webhook_base_table_and_bus_are_exported(
    template: dict[str, Any],
) -> None:
    assert {"ApiUrl", "WebhookBaseUrl", "TableName", "EventBusName"} <= set(template["Outputs"])
