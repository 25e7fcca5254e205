"""Resolve CloudFormation intrinsic functions to the local stack's names and ARNs.

The devstack builds its resources, routes and function environments from template.yaml, so
every `Ref`, `!Sub`, `!GetAtt`, `!If` ... the template uses must turn into the value the local
stack really has (a table name on DynamoDB Local, a queue URL on moto). Anything this module
cannot resolve raises `UnresolvableError` instead of guessing: a wrong ARN would be a silent bug.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

NO_VALUE: Any = object()
"""Stand-in for `AWS::NoValue`; dropped from the dict or list that holds it."""

_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


class UnresolvableError(ValueError):
    """The template uses an intrinsic (or a target) the local stack cannot stand in for."""


@dataclass(frozen=True)
class StackContext:
    """Pseudo-parameter values of the local stack (moto's default account, us-east-1)."""

    stack_name: str = "jira-sync-local"
    region: str = "us-east-1"
    account_id: str = "123456789012"
    partition: str = "aws"
    url_suffix: str = "amazonaws.com"
    sqs_endpoint: str = "http://127.0.0.1:5000"

    @property
    def stack_id(self) -> str:
        digest = hashlib.sha256(self.stack_name.encode()).hexdigest()
        uuid = f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"
        return (
            f"arn:{self.partition}:cloudformation:{self.region}:{self.account_id}:"
            f"stack/{self.stack_name}/{uuid}"
        )


# Property holding each type's physical name, when the template may set one.
_NAME_PROPERTY = {
    "AWS::DynamoDB::Table": "TableName",
    "AWS::SQS::Queue": "QueueName",
    "AWS::Events::EventBus": "Name",
    "AWS::Events::Rule": "Name",
    "AWS::Serverless::Function": "FunctionName",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::Serverless::LayerVersion": "LayerName",
    "AWS::Lambda::LayerVersion": "LayerName",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::SecretsManager::Secret": "Name",
    "AWS::SNS::Topic": "TopicName",
    "AWS::CloudWatch::Alarm": "AlarmName",
}


def plain(value: Any) -> Any:
    """Copy cfn-lint's node subclasses (str_node, dict_node ...) into plain Python values."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    return value


@dataclass
class Resolver:
    """Resolves intrinsics of one template against one local stack."""

    template: Mapping[str, Any]
    context: StackContext = field(default_factory=StackContext)
    parameter_overrides: Mapping[str, str] = field(default_factory=dict)
    _names: dict[str, str] = field(default_factory=dict, init=False, repr=False)
    _resolving: set[str] = field(default_factory=set, init=False, repr=False)
    _conditions: dict[str, bool] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        declared = self.template.get("Parameters") or {}
        unknown = set(self.parameter_overrides) - set(declared)
        if unknown:
            raise UnresolvableError(f"parameter overrides for undeclared parameters: {unknown}")

    # -- entry points -------------------------------------------------------------------------

    @property
    def resources(self) -> Mapping[str, Any]:
        return self.template.get("Resources") or {}

    def resolve(self, value: Any) -> Any:
        """Resolve every intrinsic inside `value`; `AWS::NoValue` entries are dropped."""
        if isinstance(value, Mapping):
            if len(value) == 1:
                (key,) = value.keys()
                if key == "Ref" or key.startswith("Fn::") or key == "Condition":
                    if key == "Condition" and not isinstance(value[key], str):
                        return {"Condition": self.resolve(value[key])}
                    return self._intrinsic(str(key), value[key])
            out: dict[str, Any] = {}
            for k, v in value.items():
                resolved = self.resolve(v)
                if resolved is not NO_VALUE:
                    out[str(k)] = resolved
            return out
        if isinstance(value, list | tuple):
            items = [self.resolve(v) for v in value]
            return [item for item in items if item is not NO_VALUE]
        return plain(value)

    def condition(self, name: str) -> bool:
        """Value of a named condition of the template's `Conditions` section."""
        if name not in self._conditions:
            conditions = self.template.get("Conditions") or {}
            if name not in conditions:
                raise UnresolvableError(f"unknown condition {name!r}")
            self._conditions[name] = bool(self._condition_value(conditions[name]))
        return self._conditions[name]

    def exists(self, logical_id: str) -> bool:
        """A resource with a false `Condition` is not created."""
        resource = self.resources.get(logical_id)
        if resource is None:
            return False
        condition = resource.get("Condition")
        return condition is None or self.condition(str(condition))

    def parameter(self, name: str) -> str | list[str]:
        declared = (self.template.get("Parameters") or {}).get(name)
        if declared is None:
            raise UnresolvableError(f"unknown parameter {name!r}")
        if name in self.parameter_overrides:
            raw: Any = self.parameter_overrides[name]
        elif "Default" in declared:
            raw = declared["Default"]
        else:
            raise UnresolvableError(f"parameter {name!r} has no Default and no override")
        kind = str(declared.get("Type", "String"))
        if kind == "CommaDelimitedList" or kind.startswith("List<"):
            if isinstance(raw, list):
                return [str(v) for v in raw]
            return [part.strip() for part in str(raw).split(",")] if str(raw) else []
        return str(raw)

    def physical_name(self, logical_id: str) -> str:
        """The name the local stack gives a resource: its name property, else stack-LogicalId."""
        if logical_id in self._names:
            return self._names[logical_id]
        resource = self._resource(logical_id)
        kind = str(resource.get("Type"))
        props = resource.get("Properties") or {}
        name_property = _NAME_PROPERTY.get(kind)
        if logical_id in self._resolving:
            raise UnresolvableError(f"circular reference through {logical_id!r}")
        self._resolving.add(logical_id)
        try:
            explicit = self.resolve(props[name_property]) if name_property in props else None
        finally:
            self._resolving.discard(logical_id)
        if explicit not in (None, NO_VALUE, ""):
            name = str(explicit)
        else:
            name = f"{self.context.stack_name}-{logical_id}"
            if kind == "AWS::SQS::Queue" and self.resolve(props.get("FifoQueue", False)) is True:
                name += ".fifo"
        self._names[logical_id] = name
        return name

    def ref(self, name: str) -> Any:
        pseudo = self._pseudo(name)
        if pseudo is not None:
            return pseudo
        if name in (self.template.get("Parameters") or {}):
            return self.parameter(name)
        resource = self._resource(name)
        kind = str(resource.get("Type"))
        physical = self.physical_name(name)
        ctx = self.context
        match kind:
            case "AWS::SQS::Queue":
                return f"{ctx.sqs_endpoint}/{ctx.account_id}/{physical}"
            case "AWS::Serverless::LayerVersion" | "AWS::Lambda::LayerVersion":
                return self._arn("lambda", f"layer:{physical}:1")
            case "AWS::SecretsManager::Secret" | "AWS::SNS::Topic":
                return self.get_att(name, "Arn")
            case "AWS::Serverless::HttpApi" | "AWS::ApiGatewayV2::Api":
                return self.api_id(name)
            case _:
                return physical

    def get_att(self, logical_id: str, attribute: str) -> Any:
        resource = self._resource(logical_id)
        kind = str(resource.get("Type"))
        name = self.physical_name(logical_id)
        arns = {
            "AWS::DynamoDB::Table": lambda: self._arn("dynamodb", f"table/{name}"),
            "AWS::SQS::Queue": lambda: self._arn("sqs", name),
            "AWS::Events::EventBus": lambda: self._arn("events", f"event-bus/{name}"),
            "AWS::Events::Rule": lambda: self._arn(
                "events", f"rule/{self._rule_path(name, logical_id)}"
            ),
            "AWS::Serverless::Function": lambda: self._arn("lambda", f"function:{name}"),
            "AWS::Lambda::Function": lambda: self._arn("lambda", f"function:{name}"),
            "AWS::Logs::LogGroup": lambda: self._arn("logs", f"log-group:{name}:*"),
            "AWS::SecretsManager::Secret": lambda: self._arn("secretsmanager", f"secret:{name}"),
            "AWS::SNS::Topic": lambda: self._arn("sns", name),
            "AWS::CloudWatch::Alarm": lambda: self._arn("cloudwatch", f"alarm:{name}"),
        }
        if attribute == "Arn" and kind in arns:
            return arns[kind]()
        if kind == "AWS::SQS::Queue" and attribute == "QueueName":
            return name
        if kind == "AWS::SQS::Queue" and attribute == "QueueUrl":
            return self.ref(logical_id)
        if kind == "AWS::Events::EventBus" and attribute == "Name":
            return name
        raise UnresolvableError(
            f"devstack cannot resolve !GetAtt {logical_id}.{attribute} ({kind})"
        )

    def api_id(self, logical_id: str) -> str:
        """A stable 10-character id shaped like API Gateway's."""
        digest = hashlib.sha256(f"{self.context.stack_name}/{logical_id}".encode()).hexdigest()
        return digest[:10]

    # -- internals ----------------------------------------------------------------------------

    def _resource(self, logical_id: str) -> Mapping[str, Any]:
        resource = self.resources.get(logical_id)
        if resource is None:
            raise UnresolvableError(f"unknown resource or parameter {logical_id!r}")
        return resource  # type: ignore[no-any-return]

    def _arn(self, service: str, resource: str) -> str:
        ctx = self.context
        return f"arn:{ctx.partition}:{service}:{ctx.region}:{ctx.account_id}:{resource}"

    def _rule_path(self, rule_name: str, logical_id: str) -> str:
        bus = (self._resource(logical_id).get("Properties") or {}).get("EventBusName")
        if bus is None:
            return rule_name
        bus_name = str(self.resolve(bus)).rsplit("/", 1)[-1]
        return rule_name if bus_name == "default" else f"{bus_name}/{rule_name}"

    def _pseudo(self, name: str) -> Any:
        ctx = self.context
        return {
            "AWS::StackName": ctx.stack_name,
            "AWS::Region": ctx.region,
            "AWS::AccountId": ctx.account_id,
            "AWS::Partition": ctx.partition,
            "AWS::URLSuffix": ctx.url_suffix,
            "AWS::StackId": ctx.stack_id,
            "AWS::NotificationARNs": [],
            "AWS::NoValue": NO_VALUE,
        }.get(name)

    def _condition_value(self, value: Any) -> Any:
        if isinstance(value, Mapping) and len(value) == 1:
            (key,) = value.keys()
            if key == "Condition":
                return self.condition(str(value[key]))
        return self.resolve(value)

    def _intrinsic(self, name: str, arg: Any) -> Any:
        match name:
            case "Ref":
                return self.ref(str(arg))
            case "Condition":
                return self.condition(str(arg))
            case "Fn::GetAtt":
                parts = str(arg).split(".", 1) if isinstance(arg, str) else [str(a) for a in arg]
                if len(parts) != 2:
                    raise UnresolvableError(f"malformed Fn::GetAtt {arg!r}")
                return self.get_att(parts[0], self.resolve(parts[1]))
            case "Fn::Sub":
                return self._sub(arg)
            case "Fn::Join":
                delimiter, items = arg
                resolved = self.resolve(items)
                return str(delimiter).join(str(item) for item in resolved)
            case "Fn::Select":
                index, items = arg
                resolved_items = self.resolve(items)
                return resolved_items[int(self.resolve(index))]
            case "Fn::Split":
                delimiter, source = arg
                return str(self.resolve(source)).split(str(delimiter))
            case "Fn::If":
                condition, when_true, when_false = arg
                return self.resolve(when_true if self.condition(str(condition)) else when_false)
            case "Fn::Equals":
                left, right = (self._condition_value(v) for v in arg)
                return _comparable(left) == _comparable(right)
            case "Fn::Not":
                (inner,) = arg
                return not self._condition_value(inner)
            case "Fn::And":
                return all(self._condition_value(v) for v in arg)
            case "Fn::Or":
                return any(self._condition_value(v) for v in arg)
            case "Fn::FindInMap":
                map_name, top, second = (str(self.resolve(v)) for v in arg[:3])
                try:
                    return plain(self.template["Mappings"][map_name][top][second])
                except KeyError as error:
                    raise UnresolvableError(
                        f"Fn::FindInMap: no {map_name}/{top}/{second}"
                    ) from error
            case "Fn::Base64":
                return base64.b64encode(str(self.resolve(arg)).encode()).decode()
            case "Fn::GetAZs":
                return [f"{self.context.region}{zone}" for zone in "abc"]
            case _:
                raise UnresolvableError(f"devstack does not resolve {name}")

    def _sub(self, arg: Any) -> str:
        if isinstance(arg, str):
            text, variables = arg, {}
        else:
            text, raw_variables = arg
            variables = {str(k): self.resolve(v) for k, v in raw_variables.items()}

        def substitute(match: re.Match[str]) -> str:
            expression = match.group(1)
            if expression.startswith("!"):
                return "${" + expression[1:] + "}"
            if expression in variables:
                return str(variables[expression])
            if "." in expression and not expression.startswith("AWS::"):
                logical_id, attribute = expression.split(".", 1)
                return str(self.get_att(logical_id, attribute))
            value = self.ref(expression)
            if isinstance(value, list):
                raise UnresolvableError(f"Fn::Sub of list-valued ${{{expression}}}")
            return str(value)

        return _SUB_VARIABLE.sub(substitute, str(text))


def _comparable(value: Any) -> Any:
    return value if isinstance(value, list | bool) else str(value)
