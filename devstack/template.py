"""Read template.yaml into what the local stack creates and serves.

There is one source of truth for tables, queues, rules, routes and function settings: the SAM
template. This module turns it (through cfn-lint's decoder, which keeps `!Ref`/`!Sub` tags as
`Ref`/`Fn::Sub` mappings) into plain specs; `devstack.resources` creates them and
`devstack.lambda_pool` runs the functions. Unknown event types are reported, never ignored.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cfnlint.decode

from devstack.intrinsics import Resolver, StackContext, UnresolvableError


@dataclass(frozen=True)
class TableSpec:
    logical_id: str
    name: str
    create_kwargs: dict[str, Any]
    ttl_attribute: str | None


@dataclass(frozen=True)
class QueueSpec:
    logical_id: str
    name: str
    arn: str
    attributes: dict[str, str]
    redrive_policy: str | None


@dataclass(frozen=True)
class EventBusSpec:
    logical_id: str
    name: str


@dataclass(frozen=True)
class RuleSpec:
    logical_id: str
    name: str
    event_bus_name: str
    put_rule_kwargs: dict[str, Any]
    targets: list[dict[str, Any]]


@dataclass(frozen=True)
class Route:
    """One HttpApi route; `authorization` is "AWS_IAM", "NONE" or an authorizer's name."""

    method: str
    path: str
    function: str
    authorization: str

    @property
    def route_key(self) -> str:
        return "$default" if self.path == "$default" else f"{self.method} {self.path}"


@dataclass(frozen=True)
class SqsTrigger:
    function: str
    queue_logical_id: str
    queue_arn: str
    batch_size: int
    report_batch_item_failures: bool
    enabled: bool


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    name: str
    arn: str
    handler: str
    code_dir: Path
    layer_dirs: tuple[Path, ...]
    environment: dict[str, str]
    memory_mb: int
    timeout_s: int


@dataclass
class StackTemplate:
    tables: list[TableSpec] = field(default_factory=list)
    queues: list[QueueSpec] = field(default_factory=list)
    event_buses: list[EventBusSpec] = field(default_factory=list)
    rules: list[RuleSpec] = field(default_factory=list)
    functions: dict[str, FunctionSpec] = field(default_factory=dict)
    routes: list[Route] = field(default_factory=list)
    sqs_triggers: list[SqsTrigger] = field(default_factory=list)
    not_emulated: list[str] = field(default_factory=list)
    """Human-readable notes on template parts the local stack does not run."""


def decode(path: Path) -> dict[str, Any]:
    """Parse a CloudFormation/SAM template the way cfn-lint does (short-form tags included)."""
    template, matches = cfnlint.decode.decode(str(path))
    if matches or template is None:
        problems = "; ".join(str(m) for m in matches) or "empty template"
        raise ValueError(f"cannot read {path}: {problems}")
    return template  # type: ignore[no-any-return]


# Properties of AWS::SQS::Queue that are SetQueueAttributes names, as CloudFormation documents.
_QUEUE_ATTRIBUTES = (
    "ContentBasedDeduplication",
    "DeduplicationScope",
    "DelaySeconds",
    "FifoQueue",
    "FifoThroughputLimit",
    "KmsDataKeyReusePeriodSeconds",
    "KmsMasterKeyId",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "SqsManagedSseEnabled",
    "VisibilityTimeout",
)

_TABLE_KEYS = (
    "AttributeDefinitions",
    "KeySchema",
    "GlobalSecondaryIndexes",
    "LocalSecondaryIndexes",
    "BillingMode",
    "ProvisionedThroughput",
    "StreamSpecification",
)


def load(
    path: Path,
    *,
    context: StackContext,
    parameter_overrides: Mapping[str, str] | None = None,
) -> tuple[StackTemplate, Resolver]:
    """Read the template at `path`; relative CodeUri/ContentUri paths are taken from its folder."""
    template = decode(path)
    resolver = Resolver(template, context, dict(parameter_overrides or {}))
    root = path.resolve().parent
    stack = StackTemplate()
    for logical_id, resource in resolver.resources.items():
        if not resolver.exists(logical_id):
            continue
        kind = str(resource.get("Type"))
        props = resolver.resolve(resource.get("Properties") or {})
        match kind:
            case "AWS::DynamoDB::Table":
                stack.tables.append(_table(resolver, logical_id, props))
            case "AWS::SQS::Queue":
                stack.queues.append(_queue(resolver, logical_id, props))
            case "AWS::Events::EventBus":
                stack.event_buses.append(
                    EventBusSpec(logical_id, resolver.physical_name(logical_id))
                )
            case "AWS::Events::Rule":
                rule = _rule(resolver, logical_id, props)
                stack.rules.append(rule)
                stack.not_emulated.extend(
                    f"{logical_id}: target {target['Id']} ({target['Arn']}) gets no deliveries"
                    for target in rule.targets
                    if not str(target.get("Arn", "")).startswith("arn:aws:sqs:")
                )
            case "AWS::Serverless::Function":
                _function(resolver, root, logical_id, stack)
    return stack, resolver


def _table(resolver: Resolver, logical_id: str, props: dict[str, Any]) -> TableSpec:
    name = resolver.physical_name(logical_id)
    kwargs: dict[str, Any] = {"TableName": name}
    for key in _TABLE_KEYS:
        if key in props:
            kwargs[key] = props[key]
    if (
        kwargs.get("BillingMode", "PROVISIONED") == "PROVISIONED"
        and "ProvisionedThroughput" not in kwargs
    ):
        kwargs["ProvisionedThroughput"] = {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
    for index in kwargs.get("GlobalSecondaryIndexes", []):
        if kwargs.get("BillingMode") == "PROVISIONED" and "ProvisionedThroughput" not in index:
            index["ProvisionedThroughput"] = kwargs["ProvisionedThroughput"]
    if "StreamSpecification" in kwargs:
        kwargs["StreamSpecification"] = {"StreamEnabled": True, **kwargs["StreamSpecification"]}
    ttl = props.get("TimeToLiveSpecification") or {}
    ttl_attribute = ttl.get("AttributeName") if ttl.get("Enabled") is True else None
    return TableSpec(logical_id, name, kwargs, ttl_attribute)


def _queue(resolver: Resolver, logical_id: str, props: dict[str, Any]) -> QueueSpec:
    attributes: dict[str, str] = {}
    for key in _QUEUE_ATTRIBUTES:
        if key in props:
            value = props[key]
            attributes[key] = str(value).lower() if isinstance(value, bool) else str(value)
    if "RedriveAllowPolicy" in props:
        attributes["RedriveAllowPolicy"] = _json_attribute(props["RedriveAllowPolicy"])
    redrive = _json_attribute(props["RedrivePolicy"]) if "RedrivePolicy" in props else None
    return QueueSpec(
        logical_id,
        resolver.physical_name(logical_id),
        resolver.get_att(logical_id, "Arn"),
        attributes,
        redrive,
    )


def _json_attribute(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _rule(resolver: Resolver, logical_id: str, props: dict[str, Any]) -> RuleSpec:
    name = resolver.physical_name(logical_id)
    bus = str(props.get("EventBusName", "default")).rsplit("/", 1)[-1]
    kwargs: dict[str, Any] = {"Name": name, "EventBusName": bus}
    if "EventPattern" in props:
        pattern = props["EventPattern"]
        kwargs["EventPattern"] = pattern if isinstance(pattern, str) else json.dumps(pattern)
    for key in ("ScheduleExpression", "State", "Description"):
        if key in props:
            kwargs[key] = props[key]
    targets = []
    for target in props.get("Targets", []):
        target = dict(target)
        if isinstance(target.get("Input"), dict):
            target["Input"] = json.dumps(target["Input"])
        targets.append(target)
    return RuleSpec(logical_id, name, bus, kwargs, targets)


# The function properties the local stack uses (Policies etc. are not resolved: IAM isn't emulated).
_FUNCTION_KEYS = (
    "Runtime",
    "Handler",
    "CodeUri",
    "Layers",
    "Environment",
    "MemorySize",
    "Timeout",
    "Events",
)


def _merge_globals(global_props: Mapping[str, Any], own: Mapping[str, Any]) -> dict[str, Any]:
    """SAM's Globals rules: maps merge (function wins), lists add up, scalars are overridden."""
    merged = dict(global_props)
    for key, value in own.items():
        base = merged.get(key)
        if isinstance(base, Mapping) and isinstance(value, Mapping):
            merged[key] = _merge_globals(base, value)
        elif isinstance(base, list) and isinstance(value, list):
            merged[key] = [*base, *value]
        else:
            merged[key] = value
    return merged


def _function(resolver: Resolver, root: Path, logical_id: str, stack: StackTemplate) -> None:
    resource = resolver.resources[logical_id]
    global_props = ((resolver.template.get("Globals") or {}).get("Function")) or {}
    merged = _merge_globals(global_props, resource.get("Properties") or {})
    props = {key: resolver.resolve(merged[key]) for key in _FUNCTION_KEYS if key in merged}
    runtime = str(props.get("Runtime", ""))
    if not runtime.startswith("python"):
        stack.not_emulated.append(f"{logical_id}: runtime {runtime or '?'} is not run locally")
        return
    name = resolver.physical_name(logical_id)
    layer_dirs = []
    for layer_arn in props.get("Layers", []):
        layer_id = _layer_logical_id(resolver, str(layer_arn))
        if layer_id is None:
            stack.not_emulated.append(f"{logical_id}: external layer {layer_arn} is not available")
            continue
        content = (resolver.resources[layer_id].get("Properties") or {}).get("ContentUri")
        layer_dirs.append((root / str(resolver.resolve(content))).resolve())
    environment = {
        str(k): _env_value(v)
        for k, v in ((props.get("Environment") or {}).get("Variables") or {}).items()
    }
    spec = FunctionSpec(
        logical_id=logical_id,
        name=name,
        arn=resolver.get_att(logical_id, "Arn"),
        handler=str(props["Handler"]),
        code_dir=(root / str(props.get("CodeUri", "."))).resolve(),
        layer_dirs=tuple(layer_dirs),
        environment=environment,
        memory_mb=int(props.get("MemorySize", 128)),
        timeout_s=int(props.get("Timeout", 3)),
    )
    stack.functions[logical_id] = spec
    for event_id, event in (props.get("Events") or {}).items():
        event_type = str(event.get("Type"))
        event_props = event.get("Properties") or {}
        if event_type == "HttpApi":
            route = _route(resolver, logical_id, event_props)
            if route is not None:
                stack.routes.append(route)
            else:
                stack.not_emulated.append(f"{logical_id}.{event_id}: payload format 1.0 not served")
        elif event_type == "SQS":
            stack.sqs_triggers.append(_sqs_trigger(resolver, logical_id, event_props))
        else:
            stack.not_emulated.append(f"{logical_id}.{event_id}: event type {event_type} not wired")


def _env_value(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list | dict):
        raise UnresolvableError(f"environment value {value!r} is not a string")
    return str(value)


_LAYER_TYPES = ("AWS::Serverless::LayerVersion", "AWS::Lambda::LayerVersion")


def _layer_logical_id(resolver: Resolver, layer_arn: str) -> str | None:
    for logical_id, resource in resolver.resources.items():
        if str(resource.get("Type")) in _LAYER_TYPES and resolver.ref(logical_id) == layer_arn:
            return str(logical_id)
    return None


def _route(resolver: Resolver, function: str, props: Mapping[str, Any]) -> Route | None:
    if str(props.get("PayloadFormatVersion", "2.0")) != "2.0":
        return None
    api_id = props.get("ApiId")
    default_auth = "NONE"
    if api_id is not None:
        api = _api_logical_id(resolver, str(api_id))
        api_auth = ((resolver.resources.get(api) or {}).get("Properties") or {}).get("Auth") or {}
        default_auth = str(resolver.resolve(api_auth.get("DefaultAuthorizer", "NONE")))
    authorization = str((props.get("Auth") or {}).get("Authorizer", default_auth))
    path = str(props.get("Path", "$default"))
    method = str(props.get("Method", "ANY")).upper()
    if method == "*":
        method = "ANY"
    return Route(method=method, path=path, function=function, authorization=authorization)


def _api_logical_id(resolver: Resolver, api_id: str) -> str:
    for logical_id, resource in resolver.resources.items():
        is_api = str(resource.get("Type")) == "AWS::Serverless::HttpApi"
        if is_api and resolver.api_id(logical_id) == api_id:
            return str(logical_id)
    raise UnresolvableError(f"HttpApi event refers to an unknown API {api_id!r}")


def _sqs_trigger(resolver: Resolver, function: str, props: Mapping[str, Any]) -> SqsTrigger:
    queue_arn = str(props["Queue"])
    queue_id = next(
        (
            str(logical_id)
            for logical_id, resource in resolver.resources.items()
            if str(resource.get("Type")) == "AWS::SQS::Queue"
            and resolver.get_att(logical_id, "Arn") == queue_arn
        ),
        None,
    )
    if queue_id is None:
        raise UnresolvableError(f"{function}: SQS event source {queue_arn} is not in the template")
    response_types: Sequence[str] = props.get("FunctionResponseTypes") or []
    return SqsTrigger(
        function=function,
        queue_logical_id=queue_id,
        queue_arn=queue_arn,
        batch_size=int(props.get("BatchSize", 10)),
        report_batch_item_failures="ReportBatchItemFailures" in response_types,
        enabled=props.get("Enabled", True) is not False,
    )
