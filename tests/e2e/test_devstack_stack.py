"""The local stack end to end: emulators, resources from a template, the API adapter, workers,
the SQS poller, and `python -m devstack` shutting down every process it started."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from devstack.aws_emulators import find_dynamodb_local
from devstack.processes import free_port
from devstack.stack import Devstack

REPO_ROOT = Path(__file__).resolve().parents[2]

HANDLERS = '''
import json, os

import boto3

SECRET = "s3cr3t-token-value"


def health(event, context):
    return {"statusCode": 200, "headers": {"content-type": "application/json"},
            "body": json.dumps({"status": "ok"})}


def echo(event, context):
    return {"statusCode": 200, "headers": {"content-type": "application/json", "x-echo": "1"},
            "body": json.dumps(event)}


def bare(event, context):
    return {"hello": "world"}


def crash(event, context):
    print(json.dumps({"level": "INFO", "message": "about to fail"}))
    raise RuntimeError("crashed on purpose")


def write(event, context):
    """Reach the emulators through the endpoints the devstack put in the environment."""
    body = json.loads(event["body"])
    boto3.client("dynamodb").put_item(
        TableName=os.environ["TABLE"], Item={"pk": {"S": body["pk"]}, "v": {"S": "written"}})
    boto3.client("secretsmanager").create_secret(Name=body["pk"], SecretString=SECRET)
    boto3.client("events").put_events(Entries=[{
        "EventBusName": os.environ["BUS"], "Source": "findings",
        "DetailType": "Finding Detected", "Detail": json.dumps({"pk": body["pk"] + "-event"})}])
    return {"statusCode": 201, "body": json.dumps({"table": os.environ["TABLE"]})}


def consume(event, context):
    """Count every delivery in the table; report bodies starting with "fail" as failures."""
    table = boto3.client("dynamodb")
    failures = []
    for record in event["Records"]:
        body = record["body"]
        try:
            key = json.loads(body)["detail"]["pk"]
        except (ValueError, KeyError, TypeError):
            key = body
        table.update_item(
            TableName=os.environ["TABLE"], Key={"pk": {"S": key}},
            UpdateExpression="ADD deliveries :one", ExpressionAttributeValues={":one": {"N": "1"}})
        if key.startswith("fail"):
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
'''

TEMPLATE = """
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.13
    Timeout: 10
    CodeUri: fn/
    Environment:
      Variables:
        TABLE: !Ref Table
        BUS: !Ref Bus
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      Auth: {DefaultAuthorizer: AWS_IAM, EnableIamAuthorizer: true}
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
          Projection: {ProjectionType: ALL}
      TimeToLiveSpecification: {AttributeName: expires_at, Enabled: true}
  Bus:
    Type: AWS::Events::EventBus
    Properties: {Name: !Sub "${AWS::StackName}-bus"}
  Dlq:
    Type: AWS::SQS::Queue
  Work:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 1
      RedrivePolicy: {deadLetterTargetArn: !GetAtt Dlq.Arn, maxReceiveCount: 2}
  FindingsToWork:
    Type: AWS::Events::Rule
    Properties:
      EventBusName: !Ref Bus
      EventPattern: {source: [findings], detail-type: [Finding Detected]}
      Targets: [{Id: work, Arn: !GetAtt Work.Arn}]
  ApiFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.echo
      Events:
        Echo: {Type: HttpApi, Properties: {ApiId: !Ref Api, Method: ANY, Path: "/echo/{id}"}}
        Hook:
          Type: HttpApi
          Properties:
            ApiId: !Ref Api
            Method: POST
            Path: "/hooks/{proxy+}"
            Auth: {Authorizer: NONE}
  HealthFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.health
      Events:
        Health: {Type: HttpApi, Properties: {ApiId: !Ref Api, Method: GET, Path: /health}}
  BareFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.bare
      Events:
        Bare: {Type: HttpApi, Properties: {ApiId: !Ref Api, Method: GET, Path: /bare}}
  CrashFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.crash
      Events:
        Crash: {Type: HttpApi, Properties: {ApiId: !Ref Api, Method: GET, Path: /crash}}
  WriteFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.write
      Events:
        Write: {Type: HttpApi, Properties: {ApiId: !Ref Api, Method: POST, Path: /write}}
  Consumer:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.consume
      Events:
        Work:
          Type: SQS
          Properties:
            Queue: !GetAtt Work.Arn
            BatchSize: 10
            FunctionResponseTypes: [ReportBatchItemFailures]
"""


def write_project(root: Path) -> Path:
    (root / "fn").mkdir(parents=True)
    (root / "fn" / "app.py").write_text(HANDLERS)
    path = root / "template.yaml"
    path.write_text(textwrap.dedent(TEMPLATE))
    return path


def eventually(check: Callable[[], Any], timeout_s: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.2)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Devstack]:
    template = write_project(tmp_path_factory.mktemp("mini"))
    devstack = Devstack(template=template, start_jira=False).start()
    try:
        yield devstack
    finally:
        devstack.stop()


def test_given_template_when_started_then_table_has_its_indexes_and_ttl(stack: Devstack) -> None:
    dynamodb = stack.client("dynamodb")

    table = dynamodb.describe_table(TableName=stack.table_name)["Table"]
    ttl = dynamodb.describe_time_to_live(TableName=stack.table_name)["TimeToLiveDescription"]

    assert stack.table_name == "jira-sync-local-Table"
    assert [index["IndexName"] for index in table["GlobalSecondaryIndexes"]] == ["byG"]
    assert table["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"}


def test_given_template_when_started_then_queue_redrive_and_rule_targets_exist(
    stack: Devstack,
) -> None:
    sqs = stack.client("sqs")
    events = stack.client("events")

    attributes = sqs.get_queue_attributes(QueueUrl=stack.queue_urls["Work"], AttributeNames=["All"])
    targets = events.list_targets_by_rule(
        Rule="jira-sync-local-FindingsToWork", EventBusName=stack.event_bus_name
    )

    redrive = json.loads(attributes["Attributes"]["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"].endswith(":jira-sync-local-Dlq")
    assert int(redrive["maxReceiveCount"]) == 2
    assert attributes["Attributes"]["VisibilityTimeout"] == "1"
    assert [t["Arn"] for t in targets["Targets"]] == [
        "arn:aws:sqs:us-east-1:123456789012:jira-sync-local-Work"
    ]


def test_given_routes_when_recorded_then_authorization_of_each_route_is_known(
    stack: Devstack,
) -> None:
    auth = {route.route_key: route.authorization for route in stack.routes}

    assert auth["GET /health"] == "AWS_IAM"
    assert auth["POST /hooks/{proxy+}"] == "NONE"


def test_given_request_when_served_then_handler_gets_the_v2_event_over_http(
    stack: Devstack,
) -> None:
    response = requests.put(
        f"{stack.api_url}/echo/a%20b?x=1&x=2",
        data=b"\x89PNG\x00",
        headers={"Content-Type": "image/png", "Cookie": "c=1; d=2"},
        timeout=30,
    )

    assert response.status_code == 200
    assert response.headers["x-echo"] == "1"
    assert "apigw-requestid" in response.headers
    event = response.json()
    assert event["routeKey"] == "ANY /echo/{id}"
    assert event["pathParameters"] == {"id": "a b"}
    assert event["queryStringParameters"] == {"x": "1,2"}
    assert event["cookies"] == ["c=1", "d=2"]
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\x89PNG\x00"
    assert event["requestContext"]["http"]["method"] == "PUT"


def test_given_greedy_route_when_served_then_proxy_parameter_spans_segments(
    stack: Devstack,
) -> None:
    response = requests.post(f"{stack.api_url}/hooks/cred/SEC-1", json={"a": 1}, timeout=30)

    event = response.json()
    assert event["pathParameters"] == {"proxy": "cred/SEC-1"}
    assert json.loads(event["body"]) == {"a": 1}
    assert event["isBase64Encoded"] is False


def test_given_bare_return_value_when_served_then_200_json(stack: Devstack) -> None:
    response = requests.get(f"{stack.api_url}/bare", timeout=30)

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"hello": "world"}


def test_given_unknown_route_when_served_then_404_like_api_gateway(stack: Devstack) -> None:
    response = requests.get(f"{stack.api_url}/nope", timeout=30)

    assert response.status_code == 404
    assert response.json() == {"message": "Not Found"}


def test_given_handler_crash_when_served_then_500_and_traceback_only_in_logs(
    stack: Devstack,
) -> None:
    response = requests.get(f"{stack.api_url}/crash", timeout=30)

    assert response.status_code == 500
    assert response.json() == {"message": "Internal Server Error"}
    # The worker's output is read by another thread, as Lambda ships logs after the answer.
    deadline = time.monotonic() + 10
    while True:
        logs = "\n".join(stack.logs("CrashFunction"))
        if "[ERROR] RuntimeError" in logs:
            break
        assert time.monotonic() < deadline, logs
        time.sleep(0.05)
    assert '{"level": "INFO", "message": "about to fail"}' in logs
    assert "[ERROR] RuntimeError: crashed on purpose" in logs


def test_given_body_over_10_mb_when_served_then_413(stack: Devstack) -> None:
    response = requests.post(
        f"{stack.api_url}/hooks/x", data=b"x" * (10 * 1024 * 1024 + 1), timeout=60
    )

    assert response.status_code == 413


def test_given_handler_using_boto3_when_served_then_it_reaches_the_local_emulators(
    stack: Devstack,
) -> None:
    response = requests.post(f"{stack.api_url}/write", json={"pk": "from-handler"}, timeout=30)

    assert response.status_code == 201
    assert response.json() == {"table": stack.table_name}
    item = stack.client("dynamodb").get_item(
        TableName=stack.table_name, Key={"pk": {"S": "from-handler"}}
    )
    assert item["Item"]["v"] == {"S": "written"}
    secret = stack.client("secretsmanager").get_secret_value(SecretId="from-handler")
    assert secret["SecretString"] == "s3cr3t-token-value"
    # The event went bus -> rule -> queue -> poller -> Consumer, which counted it in the table.
    eventually(
        lambda: (
            stack.client("dynamodb")
            .get_item(TableName=stack.table_name, Key={"pk": {"S": "from-handler-event"}})
            .get("Item")
        )
    )
    assert not any("s3cr3t-token-value" in line for line in stack.logs())


def test_given_batch_with_a_failing_message_when_polled_then_only_it_is_retried_then_sent_to_dlq(
    stack: Devstack,
) -> None:
    sqs = stack.client("sqs")
    dynamodb = stack.client("dynamodb")
    for body in ("ok-1", "ok-2", "fail-1"):
        sqs.send_message(QueueUrl=stack.queue_urls["Work"], MessageBody=body)

    def deliveries(key: str) -> int:
        item = dynamodb.get_item(TableName=stack.table_name, Key={"pk": {"S": key}}).get("Item")
        return int(item["deliveries"]["N"]) if item else 0

    dead = eventually(
        lambda: sqs.receive_message(QueueUrl=stack.queue_urls["Dlq"], WaitTimeSeconds=1).get(
            "Messages"
        ),
        timeout_s=60,
    )

    assert [message["Body"] for message in dead] == ["fail-1"]
    assert deliveries("fail-1") == 2  # maxReceiveCount
    assert deliveries("ok-1") == 1
    assert deliveries("ok-2") == 1


def test_given_table_with_items_when_wiped_then_empty_and_schema_kept(stack: Devstack) -> None:
    dynamodb = stack.client("dynamodb")
    for index in range(30):
        dynamodb.put_item(TableName=stack.table_name, Item={"pk": {"S": f"wipe-{index}"}})

    deleted = stack.wipe_table()

    assert deleted >= 30
    assert dynamodb.scan(TableName=stack.table_name)["Count"] == 0
    assert dynamodb.describe_table(TableName=stack.table_name)["Table"]["TableStatus"] == "ACTIVE"


def test_given_no_dynamodb_local_package_when_looked_up_then_reason_names_npm(
    tmp_path: Path,
) -> None:
    found = find_dynamodb_local(tmp_path)

    assert isinstance(found, str)
    assert "npm install" in found or "java" in found


def test_given_no_dynamodb_local_jar_when_started_then_dynamodb_falls_back_to_moto_and_says_why(
    tmp_path: Path,
) -> None:
    template = write_project(tmp_path)
    # `root` is where node_modules/ is looked for: here there is none.
    with Devstack(template=template, start_jira=False, dynamodb="auto", root=tmp_path) as devstack:
        response = requests.post(f"{devstack.api_url}/write", json={"pk": "on-moto"}, timeout=30)
        item = devstack.client("dynamodb").get_item(
            TableName=devstack.table_name, Key={"pk": {"S": "on-moto"}}
        )

    assert devstack.dynamodb_backend == "moto"
    assert devstack.dynamodb_endpoint == devstack.moto_endpoint
    assert "npm install" in (devstack.dynamodb_fallback_reason or "")
    assert response.status_code == 201
    assert item["Item"]["v"] == {"S": "written"}


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="process tree is read from /proc")
@pytest.mark.parametrize("dynamodb", ["auto", "moto"])
def test_given_running_devstack_cli_when_sigterm_then_every_child_process_is_gone(
    tmp_path: Path, dynamodb: str
) -> None:
    template = write_project(tmp_path)
    ports = {
        name: str(free_port())
        for name in ("API_PORT", "JIRA_EMULATOR_PORT", "DYNAMODB_PORT", "MOTO_PORT")
    }
    env = {**os.environ, **ports, "DEVSTACK_DYNAMODB": dynamodb}
    process = subprocess.Popen(
        [sys.executable, "-m", "devstack", "--template", str(template), "--quiet"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        api = f"http://127.0.0.1:{ports['API_PORT']}"

        def healthy() -> bool:
            try:
                return requests.get(f"{api}/health", timeout=5).status_code == 200
            except requests.RequestException:
                return False

        eventually(healthy, timeout_s=90)
        children = _descendants(process.pid)
        commands = [_cmdline(pid) for pid in children]
        assert any("moto.server" in command for command in commands)
        assert any("lambda_worker.py" in command for command in commands)
        java_expected = dynamodb == "auto" and not isinstance(find_dynamodb_local(REPO_ROOT), str)
        java = [command for command in commands if "DynamoDBLocal.jar" in command]
        assert bool(java) == java_expected
        assert all("-disableTelemetry" in command for command in java)

        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    assert process.returncode == 0
    text = output.decode(errors="replace")
    assert "IAM authorization is NOT emulated" in text
    assert f"http://127.0.0.1:{ports['JIRA_EMULATOR_PORT']}" in text
    if dynamodb == "moto":
        assert "DynamoDB (moto FALLBACK)" in text
        assert "fell back to moto because: moto was asked for" in text
    leftovers = [pid for pid in children if _alive(pid)]
    assert leftovers == []
