"""The whole local stack as one object: what `python -m devstack` and the test fixtures start.

Start order is chosen for speed: DynamoDB Local and moto boot as child processes while the Jira
emulator starts in-process; resources are created once both answer, each from its own child.
Before that the ports are checked (a taken one is named, with what holds it, in `PortInUse`) and
the API is bound, answering 503 until the stack is ready. `stop()` undoes everything `start()`
did, also after a failed start.
"""

from __future__ import annotations

import errno
import os
import sys
import threading
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Literal, Self

import boto3

from devstack import aws_emulators, dead_letters, leftovers, ports, resources
from devstack.bus_watch import BusWatch
from devstack.http_adapter import ApiGateway
from devstack.intrinsics import Resolver, StackContext
from devstack.jira_emulator import JiraEmulator, flavors
from devstack.jira_emulator.flavors import Flavor
from devstack.lambda_pool import AwsEndpoints, FunctionPool, InvokeResult, worker_environment
from devstack.processes import LogBuffer, LogLine, ManagedProcess, free_port
from devstack.sqs_poller import SqsPoller
from devstack.template import Route, StackTemplate, load

REPO_ROOT = Path(__file__).resolve().parent.parent
STACK_NAME = "jira-sync-local"
REGION = "us-east-1"
DynamoDbChoice = Literal["auto", "local", "moto"]


class Devstack:
    """Jira emulator + AWS emulators + resources and routes from the template + Lambda workers."""

    def __init__(
        self,
        *,
        template: str | Path = "template.yaml",
        api_port: int = 0,
        jira_port: int = 0,
        dynamodb_port: int = 0,
        moto_port: int = 0,
        dynamodb: DynamoDbChoice | None = None,
        parameter_overrides: Mapping[str, str] | None = None,
        start_jira: bool = True,
        jira_flavor: Flavor = flavors.CLOUD,
        webhook_retry_delays: Sequence[float] | None = None,
        max_workers_per_function: int = 4,
        echo: Callable[[LogLine], None] | None = None,
        root: Path = REPO_ROOT,
        ready_timeout_s: float = 60.0,
    ) -> None:
        template_path = Path(template)
        self.template_path = template_path if template_path.is_absolute() else root / template_path
        self.root = root
        choice = dynamodb or os.environ.get("DEVSTACK_DYNAMODB") or "auto"
        if choice not in ("auto", "local", "moto"):
            raise ValueError(f"dynamodb must be auto, local or moto, not {choice!r}")
        self._dynamodb_choice: DynamoDbChoice = choice  # type: ignore[assignment]
        self._ports = {
            "api": api_port,
            "jira": jira_port,
            "dynamodb": dynamodb_port,
            "moto": moto_port,
        }
        self._parameter_overrides = dict(parameter_overrides or {})
        self._start_jira = start_jira
        self.jira_flavor = jira_flavor
        self._webhook_retry_delays = webhook_retry_delays
        self._max_workers = max_workers_per_function
        self._ready_timeout_s = ready_timeout_s
        self.log_buffer = LogBuffer(echo=echo)

        self.dynamodb_backend: Literal["dynamodb-local", "moto"] = "moto"
        self.dynamodb_fallback_reason: str | None = None
        self.jira: JiraEmulator | None = None
        self.stack: StackTemplate = StackTemplate()
        self.resolver: Resolver | None = None
        self.queue_urls: dict[str, str] = {}
        self.pools: dict[str, FunctionPool] = {}
        self.api: ApiGateway | None = None
        self._processes: list[ManagedProcess] = []
        self.leftovers: list[leftovers.Leftover] = []
        self._pollers: list[SqsPoller] = []
        self._bus_watch: BusWatch | None = None
        self._stopped = threading.Event()
        self._clients: dict[str, Any] = {}
        self._clients_lock = threading.Lock()

    # -- endpoints ----------------------------------------------------------------------------

    @property
    def api_url(self) -> str:
        return self._require(self.api).url

    @property
    def jira_url(self) -> str:
        return self._require(self.jira).base_url

    @property
    def moto_endpoint(self) -> str:
        return f"http://127.0.0.1:{self._ports['moto']}"

    @property
    def dynamodb_endpoint(self) -> str:
        if self.dynamodb_backend == "moto":
            return self.moto_endpoint
        return f"http://127.0.0.1:{self._ports['dynamodb']}"

    @property
    def routes(self) -> list[Route]:
        return list(self.stack.routes)

    @property
    def table_name(self) -> str:
        """The table of the template (the one named `Table` when there are several)."""
        tables = {table.logical_id: table.name for table in self.stack.tables}
        if len(tables) == 1:
            return next(iter(tables.values()))
        return tables["Table"]

    @property
    def event_bus_name(self) -> str:
        buses = {bus.logical_id: bus.name for bus in self.stack.event_buses}
        if len(buses) == 1:
            return next(iter(buses.values()))
        return buses["EventBus"]

    def replay_dead_letters(self) -> dict[str, int]:
        """``make replay-dlq`` for this stack: dead letters back to their source queues."""
        return dead_letters.replay(self.client("sqs"), self.stack)

    def client(self, service: str) -> Any:
        """A boto3 client for `service` on the local emulators (never real AWS); cached."""
        with self._clients_lock:
            if service not in self._clients:
                endpoint = self.dynamodb_endpoint if service == "dynamodb" else self.moto_endpoint
                self._clients[service] = boto3.client(
                    service,  # type: ignore[call-overload]
                    endpoint_url=endpoint,
                    region_name=REGION,
                    aws_access_key_id="testing",
                    aws_secret_access_key="testing",
                )
            return self._clients[service]

    def logs(self, source: str | None = None) -> list[str]:
        """Captured output lines of the workers (source = a function's logical id) and the API."""
        return [line.text for line in self.log_buffer.lines(source)]

    def invoke(self, function: str, event: dict[str, Any]) -> InvokeResult:
        """Invoke a function directly (as `aws lambda invoke` would), by logical id."""
        return self.pools[function].invoke(event)

    def child_pids(self) -> list[int]:
        pids = [process.pid for process in self._processes]
        for pool in self.pools.values():
            pids.extend(pool.worker_pids())
        return pids

    def reset_jira(self) -> None:
        """Back to the emulator's default seed, through its control API."""
        request = urllib.request.Request(
            f"{self.jira_url}/_emulator/reset", method="POST", data=b""
        )
        with urllib.request.urlopen(request, timeout=10):
            pass

    def wipe_table(self) -> int:
        """Delete every item of every table; returns the number deleted."""
        dynamodb = self.client("dynamodb")
        return sum(resources.wipe_table(dynamodb, table.name) for table in self.stack.tables)

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> Self:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        self.leftovers = leftovers.find()
        ports.check(self._ports, self.leftovers)
        for leftover in self.leftovers:  # none holds a port we need, or check() said so
            sys.stderr.write(f"devstack: still running: {leftover.describe()}\n")
        for name in ("dynamodb", "moto"):
            if self._ports[name] == 0:
                self._ports[name] = free_port()
        context = StackContext(
            stack_name=STACK_NAME, region=REGION, sqs_endpoint=self.moto_endpoint
        )
        self.stack, self.resolver = load(
            self.template_path, context=context, parameter_overrides=self._parameter_overrides
        )
        # Bound first (the functions' environment needs its port), answering 503 until ready.
        self.api = self._listen(
            "api",
            lambda: ApiGateway(
                self.stack.routes,
                self.invoke,
                api_id=self._api_id(),
                account_id=context.account_id,
                logs=self.log_buffer,
                port=self._ports["api"],
                ready=False,
            ),
        )
        self.api.start()
        jar = self._choose_dynamodb()
        # Child processes boot while the emulator starts.
        moto = aws_emulators.start_moto(self._ports["moto"], self.log_buffer)
        self._processes.append(moto)
        waits = [(moto, f"{self.moto_endpoint}/moto-api/", "moto")]
        if jar is not None:
            dynamodb = aws_emulators.start_dynamodb_local(
                jar, self._ports["dynamodb"], self.log_buffer
            )
            self._processes.append(dynamodb)
            waits.append((dynamodb, self.dynamodb_endpoint, "dynamodb"))
        if self._start_jira:
            self._listen("jira", self._start_jira_emulator)
        with ThreadPoolExecutor(max_workers=len(waits)) as executor:
            futures = [
                executor.submit(
                    aws_emulators.wait_ready,
                    process,
                    url,
                    port=self._ports[name],
                    variable=ports.VARIABLES[name],
                    timeout_s=self._ready_timeout_s,
                )
                for process, url, name in waits
            ]
            for future in futures:
                future.result()
        resources.create_tables(self.client("dynamodb"), self.stack)
        self.queue_urls = resources.create_queues(self.client("sqs"), self.stack)
        resources.create_event_buses_and_rules(self.client("events"), self.stack)
        self._start_functions(self.api.url)
        self.api.mark_ready()

    def _listen[T](self, name: str, bind: Callable[[], T]) -> T:
        """`bind()`; a port taken since `ports.check` is reported as the check reports it."""
        try:
            return bind()
        except OSError as error:
            if error.errno != errno.EADDRINUSE:
                raise
            port, variable = self._ports[name], ports.VARIABLES[name]
            raise ports.PortInUse(ports.busy_message(port, variable, self.leftovers)) from None

    def _choose_dynamodb(self) -> aws_emulators.DynamoDbLocalJar | None:
        """DynamoDB Local's jar, or None with `dynamodb_fallback_reason` saying why moto is used."""
        if self._dynamodb_choice == "moto":
            self.dynamodb_fallback_reason = (
                "moto was asked for (dynamodb='moto' / DEVSTACK_DYNAMODB=moto)"
            )
            return None
        found = aws_emulators.find_dynamodb_local(self.root)
        if not isinstance(found, str):
            self.dynamodb_backend = "dynamodb-local"
            return found
        if self._dynamodb_choice == "local":
            raise RuntimeError(f"DynamoDB Local cannot run: {found}")
        self.dynamodb_fallback_reason = found
        sys.stderr.write(f"devstack: DynamoDB Local unavailable ({found}); FELL BACK to moto\n")
        return None

    def _start_functions(self, api_url: str) -> None:
        endpoints = AwsEndpoints(
            dynamodb=self.dynamodb_endpoint, moto=self.moto_endpoint, region=REGION
        )
        # The emulator's search is consistent at once, unlike Jira Cloud's: a short settle will do.
        extra = {
            "JIRA_SYNC_ALLOW_LOOPBACK": "1",
            "JIRA_SYNC_PUBLIC_BASE_URL": api_url,
            "JIRA_SYNC_SEARCH_SETTLE_SECONDS": "1",
            # The emulator holds a request no longer than its faults say: tests wait seconds.
            "JIRA_SYNC_JIRA_REQUEST_LIFETIME_SECONDS": "4",
        }
        if self.jira is not None:
            # The emulator serves the scoped-token gateway's paths (/ex/jira/<cloudId>) too
            # (a Data Center flavour answers them 404, as api.atlassian.com knows no DC site).
            extra["JIRA_SYNC_ATLASSIAN_GATEWAY_URL"] = self.jira.base_url
        for logical_id, spec in self.stack.functions.items():
            env = worker_environment(spec, endpoints, extra=extra)
            self.pools[logical_id] = FunctionPool(
                spec, env, self.log_buffer, max_workers=self._max_workers
            )
        sqs = self.client("sqs")
        for trigger in self.stack.sqs_triggers:
            if not trigger.enabled:
                continue
            poller = SqsPoller(
                trigger,
                self.queue_urls[trigger.queue_logical_id],
                sqs,
                self.pools[trigger.function].invoke,
                region=REGION,
                logs=self.log_buffer,
            )
            self._pollers.append(poller)
            poller.start()
        self._bus_watch = BusWatch(sqs, self.client("events"), self.event_bus_name, self.log_buffer)
        self._bus_watch.start()

    def _start_jira_emulator(self) -> None:
        kwargs: dict[str, Any] = {
            "host": "127.0.0.1",
            "port": self._ports["jira"],
            "flavor": self.jira_flavor,
        }
        if self._webhook_retry_delays is not None:
            kwargs["webhook_retry_delays"] = tuple(self._webhook_retry_delays)
        emulator = JiraEmulator(**kwargs)
        emulator.start()
        self.jira = emulator

    def _api_id(self) -> str:
        resolver = self._require(self.resolver)
        for logical_id, resource in resolver.resources.items():
            if str(resource.get("Type")) == "AWS::Serverless::HttpApi":
                return resolver.api_id(str(logical_id))
        return resolver.api_id("ServerlessHttpApi")

    def stop(self) -> None:
        """Stop pollers, the API, workers, the emulator and every child process. Idempotent."""
        if self._stopped.is_set():
            return
        self._stopped.set()
        for poller in self._pollers:
            poller.stop()
        if self._bus_watch is not None:
            self._bus_watch.stop()
        if self.api is not None:
            self.api.stop()
        for pool in self.pools.values():
            pool.stop()
        if self.jira is not None:
            self.jira.stop()
        for process in reversed(self._processes):
            process.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @staticmethod
    def _require[T](value: T | None) -> T:
        if value is None:
            raise RuntimeError("the devstack is not started")
        return value
