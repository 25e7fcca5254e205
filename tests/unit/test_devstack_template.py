"""The devstack reads tables, queues, rules, routes and function settings from the template."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from devstack.intrinsics import Resolver, StackContext, UnresolvableError
from devstack.template import decode, load

REPO_ROOT = Path(__file__).resolve().parents[2]
CONTEXT = StackContext(stack_name="jira-sync-local", sqs_endpoint="http://127.0.0.1:5555")


def write_template(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "template.yaml"
    path.write_text(textwrap.dedent(body))
    return path


def resolver_for(tmp_path: Path, body: str, **overrides: str) -> Resolver:
    return Resolver(decode(write_template(tmp_path, body)), CONTEXT, overrides)


INTRINSICS_TEMPLATE = """
    Parameters:
      Stage: {Type: String, Default: dev}
      Hosts: {Type: CommaDelimitedList, Default: "a.example,b.example"}
      Size: {Type: Number, Default: 7}
      Empty: {Type: String, Default: ""}
    Mappings:
      Sizes:
        dev: {Memory: 256}
    Conditions:
      IsProd: !Equals [!Ref Stage, prod]
      NotProd: !Not [!Condition IsProd]
      HasEmpty: !Not [!Equals [!Ref Empty, ""]]
      Both: !And [!Condition NotProd, !Equals [!Ref Size, 7]]
      Either: !Or [!Condition IsProd, !Condition HasEmpty]
    Resources:
      Table:
        Type: AWS::DynamoDB::Table
        Properties:
          KeySchema: [{AttributeName: pk, KeyType: HASH}]
      NamedTable:
        Type: AWS::DynamoDB::Table
        Properties:
          TableName: !Sub "${AWS::StackName}-${Stage}-items"
      Queue:
        Type: AWS::SQS::Queue
      Bus:
        Type: AWS::Events::EventBus
        Properties:
          Name: !Sub "${AWS::StackName}-bus"
      ProdOnly:
        Type: AWS::SQS::Queue
        Condition: IsProd
    """


def test_given_refs_when_resolved_then_parameters_pseudo_parameters_and_resources_have_local_values(
    tmp_path: Path,
) -> None:
    resolver = resolver_for(tmp_path, INTRINSICS_TEMPLATE)

    assert resolver.resolve({"Ref": "Stage"}) == "dev"
    assert resolver.resolve({"Ref": "Size"}) == "7"
    assert resolver.resolve({"Ref": "Hosts"}) == ["a.example", "b.example"]
    assert resolver.resolve({"Ref": "AWS::Region"}) == "us-east-1"
    assert resolver.resolve({"Ref": "AWS::AccountId"}) == "123456789012"
    assert resolver.resolve({"Ref": "Table"}) == "jira-sync-local-Table"
    assert resolver.resolve({"Ref": "NamedTable"}) == "jira-sync-local-dev-items"
    assert resolver.resolve({"Ref": "Bus"}) == "jira-sync-local-bus"
    assert resolver.resolve({"Ref": "Queue"}) == (
        "http://127.0.0.1:5555/123456789012/jira-sync-local-Queue"
    )


def test_given_parameter_override_when_resolved_then_override_wins_over_default(
    tmp_path: Path,
) -> None:
    resolver = resolver_for(tmp_path, INTRINSICS_TEMPLATE, Stage="prod")

    assert resolver.resolve({"Fn::Sub": "${Stage}"}) == "prod"
    assert resolver.condition("IsProd") is True
    assert resolver.exists("ProdOnly") is True


def test_given_override_of_undeclared_parameter_when_resolver_built_then_refused(
    tmp_path: Path,
) -> None:
    with pytest.raises(UnresolvableError, match="Nope"):
        resolver_for(tmp_path, INTRINSICS_TEMPLATE, Nope="x")


def test_given_get_att_when_resolved_then_arns_follow_each_service_format(tmp_path: Path) -> None:
    resolver = resolver_for(tmp_path, INTRINSICS_TEMPLATE)

    assert resolver.resolve({"Fn::GetAtt": ["Table", "Arn"]}) == (
        "arn:aws:dynamodb:us-east-1:123456789012:table/jira-sync-local-Table"
    )
    assert resolver.resolve({"Fn::GetAtt": "Queue.Arn"}) == (
        "arn:aws:sqs:us-east-1:123456789012:jira-sync-local-Queue"
    )
    assert resolver.resolve({"Fn::GetAtt": ["Queue", "QueueName"]}) == "jira-sync-local-Queue"
    assert resolver.resolve({"Fn::GetAtt": ["Bus", "Arn"]}) == (
        "arn:aws:events:us-east-1:123456789012:event-bus/jira-sync-local-bus"
    )


def test_given_sub_forms_when_resolved_then_variables_attributes_and_escapes_substitute(
    tmp_path: Path,
) -> None:
    resolver = resolver_for(tmp_path, INTRINSICS_TEMPLATE)

    assert resolver.resolve({"Fn::Sub": "${Table.Arn}/index/gsi1"}) == (
        "arn:aws:dynamodb:us-east-1:123456789012:table/jira-sync-local-Table/index/gsi1"
    )
    assert resolver.resolve({"Fn::Sub": "https://x.${AWS::Region}.${AWS::URLSuffix}"}) == (
        "https://x.us-east-1.amazonaws.com"
    )
    assert resolver.resolve({"Fn::Sub": ["${A}-${Stage}", {"A": {"Ref": "Table"}}]}) == (
        "jira-sync-local-Table-dev"
    )
    assert resolver.resolve({"Fn::Sub": "${!Literal}"}) == "${Literal}"


def test_given_conditions_when_evaluated_then_if_not_and_or_equals_follow_them(
    tmp_path: Path,
) -> None:
    resolver = resolver_for(tmp_path, INTRINSICS_TEMPLATE)

    assert resolver.condition("IsProd") is False
    assert resolver.condition("NotProd") is True
    assert resolver.condition("Both") is True
    assert resolver.condition("Either") is False
    assert resolver.resolve({"Fn::If": ["NotProd", "small", "large"]}) == "small"
    assert resolver.exists("ProdOnly") is False


def test_given_no_value_when_resolved_then_key_and_list_item_are_dropped(tmp_path: Path) -> None:
    resolver = resolver_for(tmp_path, INTRINSICS_TEMPLATE)

    value = {
        "Keep": 1,
        "Drop": {"Fn::If": ["IsProd", "x", {"Ref": "AWS::NoValue"}]},
        "List": ["a", {"Fn::If": ["IsProd", "b", {"Ref": "AWS::NoValue"}]}],
    }

    assert resolver.resolve(value) == {"Keep": 1, "List": ["a"]}


def test_given_join_select_split_find_in_map_when_resolved_then_values_compose(
    tmp_path: Path,
) -> None:
    resolver = resolver_for(tmp_path, INTRINSICS_TEMPLATE)

    assert resolver.resolve({"Fn::Join": ["/", ["a", {"Ref": "Stage"}]]}) == "a/dev"
    assert resolver.resolve({"Fn::Select": [1, {"Ref": "Hosts"}]}) == "b.example"
    assert resolver.resolve({"Fn::Select": ["0", {"Fn::Split": [",", "x,y"]}]}) == "x"
    assert resolver.resolve({"Fn::FindInMap": ["Sizes", {"Ref": "Stage"}, "Memory"]}) == 256


def test_given_unknown_attribute_or_intrinsic_when_resolved_then_error_instead_of_guess(
    tmp_path: Path,
) -> None:
    resolver = resolver_for(tmp_path, INTRINSICS_TEMPLATE)

    with pytest.raises(UnresolvableError, match=r"Table\.StreamArn"):
        resolver.resolve({"Fn::GetAtt": ["Table", "StreamArn"]})
    with pytest.raises(UnresolvableError, match="ImportValue"):
        resolver.resolve({"Fn::ImportValue": "x"})
    with pytest.raises(UnresolvableError, match="Missing"):
        resolver.resolve({"Ref": "Missing"})


STACK_TEMPLATE = """
    Transform: AWS::Serverless-2016-10-31
    Globals:
      Function:
        Runtime: python3.13
        Timeout: 12
        MemorySize: 256
        Layers: [!Ref Layer]
        Environment:
          Variables:
            TABLE: !Ref Table
            SHARED: global
    Resources:
      Layer:
        Type: AWS::Serverless::LayerVersion
        Properties:
          ContentUri: layer/
      Api:
        Type: AWS::Serverless::HttpApi
        Properties:
          Auth:
            DefaultAuthorizer: AWS_IAM
            EnableIamAuthorizer: true
      Table:
        Type: AWS::DynamoDB::Table
        Properties:
          BillingMode: PAY_PER_REQUEST
          AttributeDefinitions:
            - {AttributeName: pk, AttributeType: S}
            - {AttributeName: g, AttributeType: S}
          KeySchema: [{AttributeName: pk, KeyType: HASH}]
          GlobalSecondaryIndexes:
            - IndexName: byG
              KeySchema: [{AttributeName: g, KeyType: HASH}]
              Projection: {ProjectionType: KEYS_ONLY}
          TimeToLiveSpecification: {AttributeName: expires_at, Enabled: true}
          PointInTimeRecoverySpecification: {PointInTimeRecoveryEnabled: true}
      Dlq:
        Type: AWS::SQS::Queue
      Work:
        Type: AWS::SQS::Queue
        Properties:
          VisibilityTimeout: 45
          RedrivePolicy:
            deadLetterTargetArn: !GetAtt Dlq.Arn
            maxReceiveCount: 3
      Bus:
        Type: AWS::Events::EventBus
        Properties: {Name: !Sub "${AWS::StackName}-bus"}
      ToWork:
        Type: AWS::Events::Rule
        Properties:
          EventBusName: !Ref Bus
          EventPattern: {source: [findings], detail-type: [Finding Detected]}
          Targets:
            - Id: work
              Arn: !GetAtt Work.Arn
      Api1:
        Type: AWS::Serverless::Function
        Properties:
          CodeUri: fn/
          Handler: app.handler
          Timeout: 3
          Environment:
            Variables:
              SHARED: own
              URL: !Sub "https://${Api}.execute-api.${AWS::Region}.${AWS::URLSuffix}"
          Events:
            Get:
              Type: HttpApi
              Properties: {ApiId: !Ref Api, Method: get, Path: "/things/{id}"}
            Hook:
              Type: HttpApi
              Properties:
                ApiId: !Ref Api
                Method: POST
                Path: "/hooks/{proxy+}"
                Auth: {Authorizer: NONE}
            Tick:
              Type: Schedule
              Properties: {Schedule: rate(1 minute)}
      Consumer:
        Type: AWS::Serverless::Function
        Properties:
          CodeUri: fn/
          Handler: app.consume
          Events:
            Queue:
              Type: SQS
              Properties:
                Queue: !GetAtt Work.Arn
                BatchSize: 5
                FunctionResponseTypes: [ReportBatchItemFailures]
    """


def test_given_sam_template_when_loaded_then_table_keeps_schema_indexes_and_ttl(
    tmp_path: Path,
) -> None:
    stack, _ = load(write_template(tmp_path, STACK_TEMPLATE), context=CONTEXT)

    (table,) = stack.tables
    assert table.name == "jira-sync-local-Table"
    assert table.ttl_attribute == "expires_at"
    assert table.create_kwargs["BillingMode"] == "PAY_PER_REQUEST"
    assert table.create_kwargs["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    assert table.create_kwargs["GlobalSecondaryIndexes"][0]["IndexName"] == "byG"
    assert "PointInTimeRecoverySpecification" not in table.create_kwargs


def test_given_queue_with_redrive_when_loaded_then_policy_names_the_dlq_arn(
    tmp_path: Path,
) -> None:
    stack, _ = load(write_template(tmp_path, STACK_TEMPLATE), context=CONTEXT)

    queues = {queue.logical_id: queue for queue in stack.queues}
    assert queues["Work"].attributes == {"VisibilityTimeout": "45"}
    assert json.loads(queues["Work"].redrive_policy or "") == {
        "deadLetterTargetArn": "arn:aws:sqs:us-east-1:123456789012:jira-sync-local-Dlq",
        "maxReceiveCount": 3,
    }
    assert queues["Dlq"].redrive_policy is None


def test_given_rule_when_loaded_then_pattern_is_json_and_target_is_the_queue_arn(
    tmp_path: Path,
) -> None:
    stack, _ = load(write_template(tmp_path, STACK_TEMPLATE), context=CONTEXT)

    (rule,) = stack.rules
    assert rule.event_bus_name == "jira-sync-local-bus"
    assert json.loads(rule.put_rule_kwargs["EventPattern"]) == {
        "source": ["findings"],
        "detail-type": ["Finding Detected"],
    }
    assert rule.targets == [
        {"Id": "work", "Arn": "arn:aws:sqs:us-east-1:123456789012:jira-sync-local-Work"}
    ]


def test_given_functions_when_loaded_then_globals_merge_and_function_values_win(
    tmp_path: Path,
) -> None:
    stack, _ = load(write_template(tmp_path, STACK_TEMPLATE), context=CONTEXT)

    api = stack.functions["Api1"]
    assert api.timeout_s == 3
    assert api.memory_mb == 256
    assert api.handler == "app.handler"
    assert api.code_dir == (tmp_path / "fn").resolve()
    assert api.layer_dirs == ((tmp_path / "layer").resolve(),)
    assert api.environment["TABLE"] == "jira-sync-local-Table"
    assert api.environment["SHARED"] == "own"
    assert api.environment["URL"].endswith(".execute-api.us-east-1.amazonaws.com")
    assert stack.functions["Consumer"].environment["SHARED"] == "global"
    assert stack.functions["Consumer"].timeout_s == 12


def test_given_http_api_events_when_loaded_then_routes_keep_method_path_and_authorization(
    tmp_path: Path,
) -> None:
    stack, _ = load(write_template(tmp_path, STACK_TEMPLATE), context=CONTEXT)

    routes = {route.route_key: route for route in stack.routes}
    assert set(routes) == {"GET /things/{id}", "POST /hooks/{proxy+}"}
    assert routes["GET /things/{id}"].authorization == "AWS_IAM"
    assert routes["POST /hooks/{proxy+}"].authorization == "NONE"
    assert routes["POST /hooks/{proxy+}"].function == "Api1"


def test_given_sqs_event_and_unsupported_event_when_loaded_then_trigger_kept_and_other_reported(
    tmp_path: Path,
) -> None:
    stack, _ = load(write_template(tmp_path, STACK_TEMPLATE), context=CONTEXT)

    (trigger,) = stack.sqs_triggers
    assert trigger.function == "Consumer"
    assert trigger.queue_logical_id == "Work"
    assert trigger.batch_size == 5
    assert trigger.report_batch_item_failures is True
    assert stack.not_emulated == ["Api1.Tick: event type Schedule not wired"]


def test_given_repository_template_when_loaded_then_health_route_table_and_bus_come_from_it() -> (
    None
):
    stack, _ = load(REPO_ROOT / "template.yaml", context=CONTEXT)

    routes = {route.route_key: route for route in stack.routes}
    assert routes["GET /health"].function == "CredentialsFunction"
    assert routes["GET /health"].authorization == "AWS_IAM"
    assert [table.name for table in stack.tables] == ["jira-sync-local-Table"]
    assert [bus.name for bus in stack.event_buses] == ["jira-sync-local-bus"]
    credentials = stack.functions["CredentialsFunction"]
    assert credentials.layer_dirs == ((REPO_ROOT / "layers" / "jira_sync").resolve(),)
    assert credentials.environment["JIRA_SYNC_TABLE_NAME"] == "jira-sync-local-Table"
    assert credentials.environment["JIRA_SYNC_SECRET_PREFIX"] == "jira-sync-local/credentials/"


def test_given_rule_targeting_a_function_when_loaded_then_reported_as_not_delivered(
    tmp_path: Path,
) -> None:
    body = """
        Resources:
          Bus:
            Type: AWS::Events::EventBus
            Properties: {Name: local-bus}
          Direct:
            Type: AWS::Events::Rule
            Properties:
              EventBusName: !GetAtt Bus.Arn
              EventPattern: {source: [x]}
              Targets: [{Id: fn, Arn: "arn:aws:lambda:us-east-1:123456789012:function:f"}]
        """
    stack, resolver = load(write_template(tmp_path, body), context=CONTEXT)

    assert stack.rules[0].event_bus_name == "local-bus"
    assert resolver.get_att("Direct", "Arn") == (
        "arn:aws:events:us-east-1:123456789012:rule/local-bus/jira-sync-local-Direct"
    )
    assert stack.not_emulated == [
        "Direct: target fn (arn:aws:lambda:us-east-1:123456789012:function:f) gets no deliveries"
    ]
