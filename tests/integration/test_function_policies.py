"""Every AWS call a function makes is one its IAM policy in template.yaml allows.

Neither moto nor the devstack enforce IAM, so a call missing from a function's policy would only
fail once deployed (AccessDenied). Here each function's handler runs in process (moto, the Jira
emulator) through its main paths, each path in a new "container" with the environment the
template gives that function. Every AWS API call is recorded through botocore's public event
hooks on boto3's default session (``provide-client-params`` for its parameters, ``before-call``
for the call itself; nothing is faked or patched), turned into the IAM actions and resources it
is authorised as, and checked against the function's policy: inline statements, SAM policy
templates, the Globals, and what SAM attaches itself (basic execution, X-Ray, SQS polling).

- ``test_the_policy_allows_every_action[...]``: every action is allowed by some statement.
- ``test_the_policy_allows_every_resource[...]``: ... on the resource the call names (a table,
  an index, a secret, a bus, a queue), as the template's ``Resource`` resolves on this stack.
- ``test_every_path_ran_as_it_should``: the paths did what they are meant to (else the
  recording would prove little).

The stack is named so that its resources carry the names ``tests.support.moto_aws`` uses.
Statement ``Condition`` blocks are not evaluated (treated as met).
"""

from __future__ import annotations

import contextlib
import copy
import functools
import importlib
import importlib.util
import json
import re
import sys
import time
import traceback
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import boto3
import pytest
import requests
from moto import mock_aws

from devstack import template as stack_template
from devstack.intrinsics import Resolver, StackContext
from devstack.jira_emulator import JiraEmulator
from jira_sync.jira.webhook_signature import sign
from tests.support.moto_aws import (
    ENDPOINT_VARIABLES,
    SECRET_PREFIX,
    TABLE_NAME,
    create_table_from_template,
    forget_container_state,
)

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
CONTEXT = StackContext(stack_name=TABLE_NAME.removesuffix("-Table"))
REGION, ACCOUNT = CONTEXT.region, CONTEXT.account_id
DOMAIN = "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"
WEBHOOK_SECRET = "policy-webhook-secret-0123456789"
REFUSED = {"errorMessages": [], "errors": {"summary": "refused by the test"}}

# What the devstack adds to each function's environment (README: "What `make run` starts"),
# and what Lambda itself sets that the code reads.
LOCAL_ENVIRONMENT = {
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "JIRA_SYNC_ALLOW_LOOPBACK": "1",
    "JIRA_SYNC_SEARCH_SETTLE_SECONDS": "1",
    "JIRA_SYNC_JIRA_REQUEST_LIFETIME_SECONDS": "4",
    "POWERTOOLS_TRACE_DISABLED": "1",
    "POWERTOOLS_METRICS_DISABLED": "true",
}


def _template_functions() -> list[str]:
    template = stack_template.decode(TEMPLATE)
    resources = template.get("Resources") or {}
    return sorted(
        str(name)
        for name, resource in resources.items()
        if resource.get("Type") in ("AWS::Serverless::Function", "AWS::Lambda::Function")
    )


FUNCTIONS = _template_functions()


@functools.cache
def stack() -> tuple[stack_template.StackTemplate, Resolver]:
    """The template read the way the devstack reads it, for the stack named as moto_aws names
    its resources."""
    spec, resolver = stack_template.load(TEMPLATE, context=CONTEXT)
    assert resolver.physical_name("Table") == TABLE_NAME
    return spec, resolver


# -- the function's policy, from template.yaml -------------------------------------------------


@dataclass(frozen=True)
class Statement:
    effect: str
    actions: tuple[str, ...]
    not_actions: tuple[str, ...]
    resources: tuple[str, ...]
    not_resources: tuple[str, ...]
    origin: str

    def covers_action(self, action: str) -> bool:
        if self.not_actions:
            return not any(_glob(p, action, case=False) for p in self.not_actions)
        return any(_glob(p, action, case=False) for p in self.actions)

    def covers_resource(self, resource: str) -> bool:
        if self.not_resources:
            return not any(_glob(p, resource, case=True) for p in self.not_resources)
        return any(_glob(p, resource, case=True) for p in self.resources)

    def covers_every_resource(self) -> bool:
        return not self.not_resources and "*" in self.resources


def _glob(pattern: str, value: str, *, case: bool) -> bool:
    """IAM's wildcards: ``*`` any run of characters (``/`` and ``:`` too), ``?`` one."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, 0 if case else re.IGNORECASE) is not None


@dataclass(frozen=True)
class Policy:
    function: str
    statements: tuple[Statement, ...]

    def allows(self, action: str, resource: str | None = None) -> bool:
        """Whether an Allow covers ``action`` (on ``resource``; None: on some resource) and no
        Deny does."""
        for statement in self.statements:
            if (
                statement.effect == "Deny"
                and statement.covers_action(action)
                and (
                    statement.covers_every_resource()
                    or (resource is not None and statement.covers_resource(resource))
                )
            ):
                return False
        return any(
            statement.effect == "Allow"
            and statement.covers_action(action)
            and (resource is None or statement.covers_resource(resource))
            for statement in self.statements
        )

    def resources_for(self, action: str) -> list[str]:
        return sorted(
            {
                resource
                for s in self.statements
                if s.effect == "Allow" and s.covers_action(action)
                for resource in s.resources
            }
        )

    def allowed_actions(self) -> list[str]:
        return sorted({a for s in self.statements if s.effect == "Allow" for a in s.actions})


_LOGS = ("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents")
_XRAY = (
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "xray:GetSamplingStatisticSummaries",
)
# The AWS managed policies SAM attaches (or a template may name), by their actions.
MANAGED_POLICIES: dict[str, tuple[str, ...]] = {
    "AWSLambdaBasicExecutionRole": _LOGS,
    "AWSXrayWriteOnlyAccess": _XRAY,
    "AWSXRayDaemonWriteAccess": _XRAY,
    "AWSLambdaSQSQueueExecutionRole": (
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
        *_LOGS,
    ),
}
# Event sources for which SAM adds a managed policy to the function's role.
EVENT_SOURCE_POLICIES = {"SQS": "AWSLambdaSQSQueueExecutionRole"}


@functools.cache
def sam_policy_templates() -> dict[str, Any]:
    """SAM's policy templates (samtranslator's own file, from the SAM CLI's virtualenv)."""
    candidates = sorted(
        ROOT.glob(".venv-sam/lib/python*/site-packages/samtranslator/policy_templates_data/*.json")
    )
    if not candidates:
        pytest.fail(
            "template.yaml uses a SAM policy template, and samtranslator's "
            "policy_templates.json is not in .venv-sam (run `make install`)"
        )
    templates: dict[str, Any] = json.loads(candidates[0].read_text())["Templates"]
    return templates


def _sam_template_statements(name: str, parameters: Any) -> list[Any]:
    spec = sam_policy_templates()[name]
    declared = spec.get("Parameters") or {}
    given = parameters if isinstance(parameters, Mapping) else {}

    def substitute(value: Any) -> Any:
        if isinstance(value, Mapping):
            if set(value) == {"Ref"} and value["Ref"] in declared:
                return given[value["Ref"]]
            return {k: substitute(v) for k, v in value.items()}
        if isinstance(value, list):
            return [substitute(v) for v in value]
        return value

    statements = substitute(spec["Definition"])["Statement"]
    return statements if isinstance(statements, list) else [statements]


def _as_tuple(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    return tuple(str(v) for v in (value if isinstance(value, list) else [value]))


def _statements(document: Mapping[str, Any], origin: str, resolver: Resolver) -> list[Statement]:
    raw = resolver.resolve(document.get("Statement") or [])
    return [
        Statement(
            effect=str(s.get("Effect", "Allow")),
            actions=_as_tuple(s.get("Action")),
            not_actions=_as_tuple(s.get("NotAction")),
            resources=_as_tuple(s.get("Resource")),
            not_resources=_as_tuple(s.get("NotResource")),
            origin=f"{origin} {s.get('Sid', '')}".strip(),
        )
        for s in (raw if isinstance(raw, list) else [raw])
    ]


def _managed(name_or_arn: str, origin: str) -> list[Statement]:
    name = name_or_arn.rsplit("/", 1)[-1]
    if name not in MANAGED_POLICIES:
        pytest.fail(
            f"{origin}: managed policy {name_or_arn!r} is not known to this test: add its "
            "actions to MANAGED_POLICIES"
        )
    return [Statement("Allow", MANAGED_POLICIES[name], (), ("*",), (), f"{origin} {name}")]


def function_policy(function: str) -> Policy:
    """Every statement the function's role gets, as SAM would build it."""
    _, resolver = stack()
    template = resolver.template
    resource = template["Resources"][function]
    props = resource.get("Properties") or {}
    global_props = (template.get("Globals") or {}).get("Function") or {}
    statements: list[Statement] = []
    if resource.get("Type") == "AWS::Lambda::Function" or "Role" in props:
        statements += _role_statements(function, props.get("Role"), resolver)
        return Policy(function, tuple(statements))

    def listed(value: Any) -> list[Any]:
        return [] if value is None else value if isinstance(value, list) else [value]

    policies = listed(global_props.get("Policies")) + listed(props.get("Policies"))
    for index, entry in enumerate(policies):
        origin = f"Policies[{index}]"
        if isinstance(entry, str):
            statements += _managed(entry, origin)
        elif isinstance(entry, Mapping) and "Statement" in entry:
            statements += _statements(entry, origin, resolver)
        elif isinstance(entry, Mapping) and len(entry) == 1:
            ((name, parameters),) = entry.items()
            if name in ("Ref", "Fn::GetAtt", "Fn::Sub", "Fn::If"):
                pytest.fail(f"{function} {origin}: a managed policy named by {name} is not read")
            document = {"Statement": _sam_template_statements(str(name), parameters)}
            statements += _statements(document, f"{origin} {name}", resolver)
        else:
            pytest.fail(f"{function} {origin}: cannot read {entry!r}")
    statements += _managed("AWSLambdaBasicExecutionRole", "SAM")
    tracing = props.get("Tracing", global_props.get("Tracing"))
    if tracing == "Active":
        statements += _managed("AWSXrayWriteOnlyAccess", "SAM (Tracing: Active)")
    for event_id, event in (props.get("Events") or {}).items():
        managed = EVENT_SOURCE_POLICIES.get(str(event.get("Type")))
        if managed is not None:
            statements += _managed(managed, f"SAM (Events.{event_id})")
    return Policy(function, tuple(statements))


def _role_statements(function: str, role: Any, resolver: Resolver) -> list[Statement]:
    """A role of the template named by ``!GetAtt Role.Arn``: its inline and managed policies."""
    match role:
        case {"Fn::GetAtt": [str(name), "Arn"]} | {"Fn::GetAtt": str(name)} if (
            name.split(".")[0] in resolver.template["Resources"]
        ):
            role_id = name.split(".")[0]
        case _:
            pytest.fail(f"{function}: its Role {role!r} is not a role of template.yaml")
    props = resolver.template["Resources"][role_id].get("Properties") or {}
    statements: list[Statement] = []
    for index, policy in enumerate(props.get("Policies") or []):
        statements += _statements(
            policy["PolicyDocument"], f"{role_id}.Policies[{index}]", resolver
        )
    for arn in resolver.resolve(props.get("ManagedPolicyArns") or []):
        statements += _managed(str(arn), f"{role_id}.ManagedPolicyArns")
    return statements


# -- an AWS call, as IAM authorises it ---------------------------------------------------------


@dataclass(frozen=True)
class Need:
    """One authorisation a call needs: ``action`` on ``resource`` (None: not worked out)."""

    action: str
    resource: str | None
    operation: str


# boto3 service names whose IAM prefix differs.
IAM_PREFIX = {"stepfunctions": "states", "elbv2": "elasticloadbalancing", "sesv2": "ses"}
_DYNAMODB_ITEM_ACTIONS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
    "Get": "GetItem",
}


def _arn(service: str, resource: str) -> str:
    return f"arn:aws:{service}:{REGION}:{ACCOUNT}:{resource}"


def _table(name: str, index: str | None = None) -> str:
    if name.startswith("arn:"):
        return name if index is None else f"{name}/index/{index}"
    return _arn("dynamodb", f"table/{name}" + ("" if index is None else f"/index/{index}"))


def _queue(url: str) -> str:
    account, name = url.rstrip("/").split("/")[-2:]
    return f"arn:aws:sqs:{REGION}:{account}:{name}"


def needs(service: str, operation: str, params: Mapping[str, Any]) -> list[Need]:
    """The authorisations one call needs: DynamoDB's transactions item by item, the rest
    ``<service>:<Operation>`` on the resource the parameters name."""
    prefix = IAM_PREFIX.get(service, service)
    call = f"{service}.{operation}"
    action = f"{prefix}:{operation}"
    if service == "dynamodb":
        if operation in ("TransactWriteItems", "TransactGetItems"):
            found: list[Need] = []
            for item in params.get("TransactItems", []):
                ((kind, body),) = item.items()
                found.append(
                    Need(
                        f"dynamodb:{_DYNAMODB_ITEM_ACTIONS[kind]}",
                        _table(body["TableName"]),
                        f"{call}[{kind}]",
                    )
                )
            return found
        if operation in ("BatchGetItem", "BatchWriteItem"):
            return [Need(action, _table(t), call) for t in params.get("RequestItems", {})]
        if "TableName" in params:
            return [Need(action, _table(params["TableName"], params.get("IndexName")), call)]
        return [Need(action, None, call)]
    if service == "secretsmanager":
        name = params.get("SecretId", params.get("Name"))
        if name is None:
            return [Need(action, None, call)]
        # A secret's ARN ends in "-" and six random characters.
        arn = name if name.startswith("arn:") else _arn("secretsmanager", f"secret:{name}-AbCdEf")
        return [Need(action, arn, call)]
    if service == "events" and operation == "PutEvents":
        buses = {str(e.get("EventBusName") or "default") for e in params.get("Entries", [])}
        return [
            Need(
                action, bus if bus.startswith("arn:") else _arn("events", f"event-bus/{bus}"), call
            )
            for bus in sorted(buses)
        ]
    if service == "sqs":
        if "QueueUrl" in params:
            return [Need(action, _queue(params["QueueUrl"]), call)]
        if operation == "GetQueueUrl":
            owner = params.get("QueueOwnerAWSAccountId") or ACCOUNT
            return [Need(action, f"arn:aws:sqs:{REGION}:{owner}:{params['QueueName']}", call)]
    return [Need(action, None, call)]


# -- recording the calls ----------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    function: str
    path: str
    service: str
    operation: str
    params: Mapping[str, Any]
    where: str
    """The innermost frame of the service's own code that made the call."""


_PARAMS_KEY = "policy_test_params"
_OWN_CODE = (str(ROOT / "layers"), str(ROOT / "functions"))


def _caller(frame: FrameType | None) -> str:
    while frame is not None:
        filename = frame.f_code.co_filename
        if filename.startswith(_OWN_CODE):
            relative = Path(filename).relative_to(ROOT)
            return f"{relative}:{frame.f_lineno} {frame.f_code.co_name}()"
        frame = frame.f_back
    return "?"


class Recorder:
    """Every AWS call made through boto3's default session while a function's handler runs."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.current: tuple[str, str] | None = None
        boto3.setup_default_session()
        assert boto3.DEFAULT_SESSION is not None
        events = boto3.DEFAULT_SESSION.events
        events.register("provide-client-params.*.*", self._params)
        events.register("before-call.*.*", self._call)

    @staticmethod
    def _params(params: Mapping[str, Any], context: dict[str, Any], **_: Any) -> None:
        context[_PARAMS_KEY] = copy.deepcopy(dict(params))

    def _call(self, model: Any, context: dict[str, Any], **_: Any) -> None:
        if self.current is None:
            return
        function, path = self.current
        self.calls.append(
            Call(
                function,
                path,
                model.service_model.service_name,
                model.name,
                context.get(_PARAMS_KEY, {}),
                _caller(sys._getframe(1)),
            )
        )

    def of(self, function: str) -> list[Call]:
        return [call for call in self.calls if call.function == function]


@dataclass
class Recording:
    recorder: Recorder
    problems: list[str] = field(default_factory=list)


class Driver:
    """Runs handlers as Lambda would: one container per function, its template environment."""

    def __init__(self, recording: Recording, monkeypatch: pytest.MonkeyPatch) -> None:
        self.recording = recording
        self.recorder = recording.recorder
        self.monkeypatch = monkeypatch
        self.container: str | None = None
        self.spec, resolver = stack()
        # A queue's Ref (its URL on the devstack's moto) -> its URL on this moto.
        sqs = boto3.client("sqs")
        self.queue_urls = {
            str(resolver.ref(queue.logical_id)): sqs.get_queue_url(QueueName=queue.name)["QueueUrl"]
            for queue in self.spec.queues
        }
        # Queued retries come back at once (only the delay differs).
        self.extra = {"JIRA_SYNC_RETRY_FIRST_DELAY_SECONDS": "0"}

    def _new_container(self, function: str) -> None:
        environment = self.spec.functions[function].environment
        every = {key for spec in self.spec.functions.values() for key in spec.environment}
        for key in every - environment.keys():
            self.monkeypatch.delenv(key, raising=False)
        for key, value in {**environment, **LOCAL_ENVIRONMENT, **self.extra}.items():
            self.monkeypatch.setenv(key, self.queue_urls.get(value, value))
        self.monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", self.spec.functions[function].name)
        forget_container_state()
        self.container = function

    @contextlib.contextmanager
    def path(
        self, function: str, name: str, *, warm: bool = False, aws_calls: bool = True
    ) -> Iterator[Callable[[dict[str, Any]], Any]]:
        """One path of ``function``: yields ``invoke(event)``; a failure is noted, not raised
        (``test_every_path_ran_as_it_should`` reports it), so the other paths still run."""
        if not warm or self.container != function:
            self._new_container(function)
        before = len(self.recorder.calls)
        spec = self.spec.functions[function]

        def invoke(event: dict[str, Any]) -> Any:
            module_name = ".".join(
                [*spec.code_dir.relative_to(ROOT).parts, *spec.handler.split(".")[:-1]]
            )
            self.recorder.current = (function, name)
            try:
                module = importlib.import_module(module_name)
                handler = getattr(module, spec.handler.rsplit(".", 1)[-1])
                return handler(event, LambdaContext(spec))
            finally:
                self.recorder.current = None

        try:
            yield invoke
            if aws_calls and len(self.recorder.calls) == before:
                raise AssertionError("no AWS call was seen (does the code use its own session?)")
        except Exception:
            self.recording.problems.append(f"{function} / {name}:\n{traceback.format_exc()}")


class LambdaContext:
    """The parts of Lambda's context object the handlers read."""

    function_version = "$LATEST"
    aws_request_id = "7b0c1d2e-3f40-4a5b-8c6d-7e8f90a1b2c3"

    def __init__(self, spec: stack_template.FunctionSpec) -> None:
        self.function_name = spec.name
        self.invoked_function_arn = spec.arn
        self.memory_limit_in_mb = spec.memory_mb
        self.log_group_name = f"/aws/lambda/{spec.name}"
        self.log_stream_name = "2026/01/01/[$LATEST]0123456789abcdef"
        self._timeout_ms = spec.timeout_s * 1000

    def get_remaining_time_in_millis(self) -> int:
        return self._timeout_ms


# -- events -----------------------------------------------------------------------------------


def api(
    method: str,
    route: str,
    params: Mapping[str, str] | None = None,
    body: Any = None,
    *,
    raw_body: str | None = None,
    headers: Mapping[str, str] | None = None,
    route_method: str | None = None,
) -> dict[str, Any]:
    """An API Gateway HTTP API (payload 2.0) event for ``method route``."""
    path = route
    for key, value in (params or {}).items():
        path = path.replace("{" + key + "}", value)
    route_key = f"{route_method or method} {route}"
    text = raw_body if raw_body is not None else None if body is None else json.dumps(body)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"content-type": "application/json", "host": DOMAIN, **(headers or {})},
        "requestContext": {
            "accountId": ACCOUNT,
            "apiId": DOMAIN.split(".")[0],
            "domainName": DOMAIN,
            "domainPrefix": DOMAIN.split(".")[0],
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.10",
                "userAgent": "policy-test",
            },
            "requestId": "policy-test",
            "routeKey": route_key,
            "stage": "$default",
            "timeEpoch": int(time.time() * 1000),
        },
        "isBase64Encoded": False,
    }
    if params:
        event["pathParameters"] = dict(params)
    if text is not None:
        event["body"] = text
    return event


def body_of(response: Mapping[str, Any]) -> Any:
    return json.loads(response["body"]) if response.get("body") else None


def expect_status(response: Mapping[str, Any], status: int) -> Any:
    assert response["statusCode"] == status, (response["statusCode"], response.get("body"))
    return body_of(response)


class Queue:
    """A queue of the stack on moto, fed to its function as Lambda's event source mapping
    does (its own calls are Lambda's, not the function's: they are not recorded)."""

    def __init__(self, function: str) -> None:
        spec, _ = stack()
        (trigger,) = [t for t in spec.sqs_triggers if t.function == function]
        self.arn = trigger.queue_arn
        self.client = boto3.client("sqs")
        self.url = self.client.get_queue_url(QueueName=self.arn.rsplit(":", 1)[-1])["QueueUrl"]

    def send(self, bus_event: Mapping[str, Any]) -> None:
        self.client.send_message(QueueUrl=self.url, MessageBody=json.dumps(bus_event))

    def batch(self) -> dict[str, Any]:
        received = self.client.receive_message(
            QueueUrl=self.url, MaxNumberOfMessages=10, AttributeNames=["All"]
        )
        records = [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": message.get("Attributes", {}),
                "messageAttributes": {},
                "md5OfBody": message["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": self.arn,
                "awsRegion": REGION,
            }
            for message in received.get("Messages", [])
        ]
        assert records, "the queue gave no message"
        return {"Records": records}

    def settle(self, batch: Mapping[str, Any], answer: Mapping[str, Any]) -> list[str]:
        """Deletes what the function acknowledged; returns the ids it reported as failed."""
        failed = [item["itemIdentifier"] for item in answer["batchItemFailures"]]
        for record in batch["Records"]:
            if record["messageId"] not in failed:
                self.client.delete_message(QueueUrl=self.url, ReceiptHandle=record["receiptHandle"])
        return failed

    def bring_back(self, batch: Mapping[str, Any]) -> None:
        for record in batch["Records"]:
            self.client.change_message_visibility(
                QueueUrl=self.url, ReceiptHandle=record["receiptHandle"], VisibilityTimeout=0
            )


def bus_event(event_id: str, detail_type: str, detail: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "version": "0",
        "id": event_id,
        "detail-type": detail_type,
        "source": "findings",
        "account": ACCOUNT,
        "time": "2026-12-02T10:00:00Z",
        "region": REGION,
        "resources": [],
        "detail": dict(detail),
    }


def pull_request(issue_id: str, number: int) -> dict[str, Any]:
    return {
        "issue_id": issue_id,
        "pull_request": {
            "url": f"https://github.com/acme/api/pull/{number}",
            "title": "Escape the q parameter",
            "repository": "acme/api",
            "number": number,
        },
    }


def state_of(issue_id: str) -> str | None:
    from jira_sync.store.issues import get_issue_item

    record = get_issue_item(issue_id)
    return None if record is None else record.state


def fault(jira: JiraEmulator, **spec: Any) -> None:
    requests.post(f"{jira.base_url}/_emulator/faults", json=spec, timeout=10).raise_for_status()


def clear_faults(jira: JiraEmulator) -> None:
    requests.delete(f"{jira.base_url}/_emulator/faults", timeout=10).raise_for_status()


def jira_issue_id(jira: JiraEmulator, key: str) -> str:
    response = requests.get(
        f"{jira.base_url}/rest/api/3/issue/{key}", auth=("svc@example.com", "svc-token"), timeout=10
    )
    response.raise_for_status()
    return str(response.json()["id"])


# -- the paths --------------------------------------------------------------------------------


def drive(d: Driver, jira: JiraEmulator) -> None:
    """Every path, in the order a user's day would take them (later paths use earlier ones)."""
    credentials, tickets, transitions = (
        "CredentialsFunction",
        "TicketsFunction",
        "TransitionsFunction",
    )
    webhooks, remediation = "WebhooksFunction", "RemediationFunction"
    one = "/credentials/{credential_id}"
    ticket = "/issues/{issue_id}/ticket"
    credential_body: dict[str, Any] = {
        "name": "Security",
        "url": jira.base_url,
        "email": "svc@example.com",
        "api_token": "svc-token",
        "project_key": "SEC",
        "webhook_secret": WEBHOOK_SECRET,
        "state_map": {"open": "To Do", "in progress": "In Progress", "resolved": "Done"},
        "remediation_map": {"pull_request_merged": "resolved"},
    }
    credential_body["auto_create"] = {"min_severity": "high", "snapshot": True}

    # CredentialsFunction: create, get, list, patch (token too), validate; delete one unused.
    ids: dict[str, str] = {}
    with d.path(credentials, "create a credential") as invoke:
        created = invoke(api("POST", "/credentials", body=credential_body))
        ids["main"] = expect_status(created, 201)["credential_id"]
    credential_id = ids["main"]
    with d.path(credentials, "get a credential") as invoke:
        expect_status(invoke(api("GET", one, {"credential_id": credential_id})), 200)
    with d.path(credentials, "list credentials") as invoke:
        expect_status(invoke(api("GET", "/credentials")), 200)
    with d.path(credentials, "patch a credential (labels, a new token: re-checked)") as invoke:
        patch = {"labels": ["security"], "api_token": "svc-token"}
        expect_status(invoke(api("PATCH", one, {"credential_id": credential_id}, patch)), 200)
    with d.path(credentials, "validate a credential") as invoke:
        answer = expect_status(
            invoke(api("POST", one + "/validate", {"credential_id": credential_id})), 200
        )
        assert answer["ok"] is True, answer
    with d.path(credentials, "create a second credential") as invoke:
        spare = {**credential_body, "name": "Spare"}
        ids["spare"] = expect_status(invoke(api("POST", "/credentials", body=spare)), 201)[
            "credential_id"
        ]
    with d.path(credentials, "delete a credential no ticket uses") as invoke:
        expect_status(invoke(api("DELETE", one, {"credential_id": ids["spare"]})), 204)

    # TicketsFunction: create (with a snapshot), replay, get, unlink.
    keys: dict[str, str] = {}

    def create(issue_id: str, snapshot: bool = False) -> dict[str, Any]:
        request: dict[str, Any] = {
            "credential_id": credential_id,
            "issue": {
                "name": f"SQL injection in /search ({issue_id})",
                "description": "The **q** parameter.",
                "severity": "high",
            },
        }
        if snapshot:
            request["snapshot"] = {"rows": [{"asset": "api.example.com", "port": 443}]}
        return api("POST", ticket, {"issue_id": issue_id}, request)

    with d.path(tickets, "create a ticket with a snapshot") as invoke:
        answer = expect_status(invoke(create("finding-1", snapshot=True)), 201)
        assert answer["attachment"]["status"] == "uploaded", answer
        keys["finding-1"] = answer["jira"]["key"]
    for issue_id in ("finding-2", "finding-3"):
        with d.path(tickets, "create a ticket") as invoke:
            keys[issue_id] = expect_status(invoke(create(issue_id)), 201)["jira"]["key"]
    with d.path(tickets, "the same create again (replayed)", warm=True) as invoke:
        assert expect_status(invoke(create("finding-2")), 201)["jira"]["key"] == keys["finding-2"]
    with d.path(tickets, "a create Jira refuses: the claim is released") as invoke:
        fault(jira, method="POST", path="/rest/api/3/issue", status=400, body=REFUSED)
        try:
            answer = invoke(create("finding-9"))
        finally:
            clear_faults(jira)
        assert 400 <= answer["statusCode"] < 500, answer
        assert state_of("finding-9") is None, "the claimed item is left"
    with d.path(tickets, "get an issue") as invoke:
        expect_status(invoke(api("GET", "/issues/{issue_id}", {"issue_id": "finding-1"})), 200)
    with d.path(tickets, "unlink a ticket") as invoke:
        expect_status(invoke(api("DELETE", ticket, {"issue_id": "finding-3"})), 204)

    # TransitionsFunction: a linked ticket moved; an unlinked issue changed locally only.
    state = "/issues/{issue_id}/state"
    with d.path(transitions, "change state: the linked ticket transitions") as invoke:
        answer = expect_status(
            invoke(api("PUT", state, {"issue_id": "finding-1"}, {"state": "in progress"})), 200
        )
        assert answer["jira"]["transition"], answer
    with d.path(transitions, "change state of an issue without a ticket") as invoke:
        expect_status(
            invoke(api("PUT", state, {"issue_id": "finding-3"}, {"state": "resolved"})), 200
        )

    # WebhooksFunction: a signed status change (applied), its redelivery, an unsigned one.
    key = keys.get("finding-1", "SEC-1")
    delivery = json.dumps(
        {
            "timestamp": int(time.time() * 1000) + 1000,
            "webhookEvent": "jira:issue_updated",
            "user": {"accountId": "712020:alice"},
            "issue": {
                "key": key,
                "self": f"{jira.base_url}/rest/api/2/issue/{jira_issue_id(jira, key)}",
                "fields": {"status": {"name": "Done"}},
            },
            "changelog": {
                "items": [
                    {
                        "field": "status",
                        "fieldId": "status",
                        "fromString": "In Progress",
                        "toString": "Done",
                    }
                ]
            },
        }
    )
    hook = "/webhooks/jira/{credential_id}/{issue_key}"
    hook_params = {"credential_id": credential_id, "issue_key": key}
    signed = {
        "x-hub-signature": sign(WEBHOOK_SECRET, delivery.encode()),
        "x-atlassian-webhook-identifier": "policy-delivery-1",
    }

    def webhook(headers: Mapping[str, str]) -> dict[str, Any]:
        return api(
            "POST", hook, hook_params, raw_body=delivery, headers=headers, route_method="ANY"
        )

    with d.path(webhooks, "a signed webhook changes the status") as invoke:
        expect_status(invoke(webhook(signed)), 200)
        assert state_of("finding-1") == "resolved", state_of("finding-1")
    with d.path(webhooks, "the same delivery again", warm=True) as invoke:
        expect_status(invoke(webhook(signed)), 200)
    with d.path(webhooks, "an unsigned webhook", aws_calls=False) as invoke:
        expect_status(invoke(webhook({})), 200)

    # RemediationFunction, fed from its queue as Lambda does.
    queue = Queue(remediation)
    unavailable = {"method": "POST", "path": "*/transitions", "status": 503}
    with d.path(transitions, "change state while Jira is unavailable: retry queued") as invoke:
        fault(jira, **unavailable)
        try:
            answer = invoke(api("PUT", state, {"issue_id": "finding-1"}, {"state": "open"}))
        finally:
            clear_faults(jira)
        assert expect_status(answer, 200)["jira"]["transition"] == "pending", answer

    def deliver(
        name: str,
        *events: Mapping[str, Any],
        warm: bool = False,
        check: Callable[[], None] | None = None,
    ) -> None:
        for event in events:
            queue.send(event)
        with d.path(remediation, name, warm=warm) as invoke:
            batch = queue.batch()
            answer = invoke(batch)
            assert queue.settle(batch, answer) == [], answer
            if check is not None:
                check()

    def resolved(issue_id: str) -> Callable[[], None]:
        def check() -> None:
            assert state_of(issue_id) == "resolved", state_of(issue_id)

        return check

    def opened_again(issue_id: str) -> Callable[[], None]:
        def check() -> None:
            assert state_of(issue_id) == "open", state_of(issue_id)
            status = requests.get(
                f"{jira.base_url}/rest/api/3/issue/{keys[issue_id]}",
                auth=("svc@example.com", "svc-token"),
                timeout=10,
            ).json()["fields"]["status"]["name"]
            assert status == "To Do", status

        return check

    deliver(
        "a queued transition retry (from the transitions function)",
        check=opened_again("finding-1"),
    )
    with d.path(remediation, "pull request merged, Jira unavailable: retry queued") as invoke:
        queue.send(
            bus_event(
                "policy-event-6",
                "Remediation Pull Request Merged",
                pull_request("finding-1", 11),
            )
        )
        batch = queue.batch()
        fault(jira, **unavailable)
        try:
            answer = invoke(batch)
        finally:
            clear_faults(jira)
        assert queue.settle(batch, answer) == [], answer
    deliver("a queued transition retry (from itself)", check=resolved("finding-1"))

    merged = bus_event(
        "policy-event-1", "Remediation Pull Request Merged", pull_request("finding-2", 7)
    )
    deliver("pull request merged: comment, transition, event", merged, check=resolved("finding-2"))
    deliver("the same event again (duplicate)", merged, warm=True)

    opened = bus_event(
        "policy-event-2", "Remediation Pull Request Opened", pull_request("finding-2", 8)
    )
    with d.path(remediation, "Jira answers 429 with Retry-After: visibility changed") as invoke:
        fault(jira, method="POST", path="*/comment", status=429, headers={"Retry-After": "30"})
        queue.send(opened)
        rate_limited = queue.batch()
        try:
            answer = invoke(rate_limited)
        finally:
            clear_faults(jira)
        failed = queue.settle(rate_limited, answer)
        assert failed == [rate_limited["Records"][0]["messageId"]], answer
        queue.bring_back(rate_limited)
    with d.path(remediation, "redelivered after the 429 (receive count 2)") as invoke:
        batch = queue.batch()
        assert batch["Records"][0]["attributes"]["ApproximateReceiveCount"] == "2", batch
        assert queue.settle(batch, invoke(batch)) == []

    deliver(
        "pull request for an issue without a ticket: recorded",
        bus_event(
            "policy-event-3", "Remediation Pull Request Merged", pull_request("finding-3", 9)
        ),
    )
    deliver(
        "pull request for an unknown issue: refused, published",
        bus_event(
            "policy-event-4", "Remediation Pull Request Merged", pull_request("finding-none", 10)
        ),
    )
    detected = bus_event(
        "policy-event-5",
        "Finding Detected",
        {
            "issue_id": "finding-4",
            "credential_id": credential_id,
            "issue": {
                "name": "Exposed admin console on 10.0.0.5",
                "description": "Port 8443 answers with the **admin** login page.",
                "severity": "high",
                "labels": ["internet-facing"],
            },
            "snapshot": {"rows": [{"host": "10.0.0.5", "port": 8443}]},
        },
    )

    def linked() -> None:
        from jira_sync.store.issues import get_issue_item

        record = get_issue_item("finding-4")
        assert record is not None
        assert record.jira is not None, record

    deliver("finding detected: a ticket auto-created", detected, check=linked)

    refused = copy.deepcopy(detected)
    refused["id"], refused["detail"]["issue_id"] = "policy-event-7", "finding-10"
    with d.path(remediation, "finding detected, Jira refuses the create") as invoke:
        queue.send(refused)
        batch = queue.batch()
        fault(jira, method="POST", path="/rest/api/3/issue", status=400, body=REFUSED)
        try:
            answer = invoke(batch)
        finally:
            clear_faults(jira)
        assert queue.settle(batch, answer) == [], answer
        assert state_of("finding-10") is None, "the claimed item is left"

    # CredentialsFunction again: a credential with linked tickets is not deleted.
    with d.path(credentials, "delete a credential tickets use: refused") as invoke:
        expect_status(invoke(api("DELETE", one, {"credential_id": credential_id})), 409)


@pytest.fixture(scope="module")
def recorded(jira_emulator: JiraEmulator) -> Iterator[Recording]:
    jira_emulator.reset()
    spec, _ = stack()
    with pytest.MonkeyPatch.context() as monkeypatch:
        for name in ENDPOINT_VARIABLES:
            monkeypatch.delenv(name, raising=False)
        for key, value in LOCAL_ENVIRONMENT.items():
            monkeypatch.setenv(key, value)
        forget_container_state()
        with mock_aws():
            recording = Recording(Recorder())
            create_table_from_template()
            sqs = boto3.client("sqs")
            for queue in sorted(spec.queues, key=lambda q: q.redrive_policy is not None):
                attributes: dict[Any, str] = dict(queue.attributes)
                if queue.redrive_policy:
                    attributes["RedrivePolicy"] = queue.redrive_policy
                sqs.create_queue(QueueName=queue.name, Attributes=attributes)
            for bus in spec.event_buses:
                boto3.client("events").create_event_bus(Name=bus.name)
            assert spec.functions["TicketsFunction"].environment["JIRA_SYNC_SECRET_PREFIX"] == (
                SECRET_PREFIX
            )
            try:
                drive(Driver(recording, monkeypatch), jira_emulator)
            except Exception:
                recording.problems.append(f"the paths stopped:\n{traceback.format_exc()}")
            yield recording
            forget_container_state()
            boto3.DEFAULT_SESSION = None
    jira_emulator.reset()


# -- the checks -------------------------------------------------------------------------------


def _places(calls: list[tuple[Call, Need]]) -> str:
    lines = []
    by_site: dict[tuple[str, str], list[str]] = defaultdict(list)
    for call, need in calls:
        paths = by_site[(need.operation, call.where)]
        if call.path not in paths:
            paths.append(call.path)
    for (operation, where), paths in sorted(by_site.items()):
        lines.append(f"      {operation} at {where}, on: " + "; ".join(repr(p) for p in paths))
    return "\n".join(lines)


@pytest.mark.parametrize("function", FUNCTIONS)
def test_the_policy_allows_every_action(function: str, recorded: Recording) -> None:
    calls = recorded.recorder.of(function)
    assert calls, f"{function}: no path drove it here; add its paths to drive()"
    policy = function_policy(function)
    missing: dict[str, list[tuple[Call, Need]]] = defaultdict(list)
    for call in calls:
        for need in needs(call.service, call.operation, call.params):
            if not policy.allows(need.action):
                missing[need.action].append((call, need))
    assert not missing, (
        f"{function}'s policies in template.yaml do not allow {len(missing)} action(s) it "
        "calls:\n"
        + "\n".join(f"  {action}\n{_places(found)}" for action, found in sorted(missing.items()))
        + f"\n  (allowed: {', '.join(policy.allowed_actions())})"
    )


@pytest.mark.parametrize("function", FUNCTIONS)
def test_the_policy_allows_every_resource(function: str, recorded: Recording) -> None:
    calls = recorded.recorder.of(function)
    assert calls, f"{function}: no path drove it here; add its paths to drive()"
    policy = function_policy(function)
    refused: dict[tuple[str, str], list[tuple[Call, Need]]] = defaultdict(list)
    for call in calls:
        for need in needs(call.service, call.operation, call.params):
            if need.resource is None or not policy.allows(need.action):
                continue  # not worked out, or already reported by the action test
            if not policy.allows(need.action, need.resource):
                refused[(need.action, need.resource)].append((call, need))
    assert not refused, (
        f"{function}'s policies in template.yaml allow these actions, but not on the resource "
        "called:\n"
        + "\n".join(
            f"  {action} on {resource} (allowed on: {', '.join(policy.resources_for(action))})\n"
            + _places(found)
            for (action, resource), found in sorted(refused.items())
        )
    )


def test_every_path_ran_as_it_should(recorded: Recording) -> None:
    assert not recorded.problems, "\n".join(recorded.problems)


def test_a_transaction_is_authorised_item_by_item() -> None:
    table = TABLE_NAME
    found = needs(
        "dynamodb",
        "TransactWriteItems",
        {
            "TransactItems": [
                {"Put": {"TableName": table}},
                {"Update": {"TableName": table}},
                {"Delete": {"TableName": table}},
                {"ConditionCheck": {"TableName": table}},
            ]
        },
    )
    assert [n.action for n in found] == [
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "dynamodb:ConditionCheckItem",
    ]
    assert {n.resource for n in found} == {_table(table)}
    (get,) = needs(
        "dynamodb", "TransactGetItems", {"TransactItems": [{"Get": {"TableName": table}}]}
    )
    assert get.action == "dynamodb:GetItem"
    (query,) = needs("dynamodb", "Query", {"TableName": table, "IndexName": "gsi1"})
    assert query.resource == _table(table, "gsi1")


def test_a_policy_is_read_with_wildcards_and_denies() -> None:
    def statement(effect: str, actions: tuple[str, ...], resources: tuple[str, ...]) -> Statement:
        return Statement(effect, actions, (), resources, (), "test")

    policy = Policy(
        "F",
        (
            statement("Allow", ("dynamodb:Get*", "sqs:SendMessage"), (_table("t"),)),
            statement("Deny", ("sqs:SendMessage",), ("*",)),
        ),
    )
    assert policy.allows("dynamodb:GetItem", _table("t"))
    assert policy.allows("DynamoDB:getitem")
    assert not policy.allows("dynamodb:GetItem", _table("t", "gsi1"))
    assert not policy.allows("dynamodb:Query")
    assert not policy.allows("sqs:SendMessage")
