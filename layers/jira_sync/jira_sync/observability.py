"""The one Logger and Metrics of the service, shared by the handlers and the layer.

Every line, a handler's or the layer's, goes through the same Powertools Logger: JSON with the
correlation id, service and function name, whatever level Lambda's root logger is left at.

Tracing: Lambda's active tracing (``Tracing: Active``) records every invocation without any SDK.
The X-Ray SDK's subsegments (one per Jira and AWS call) cost more at cold start than the rest of
a handler's imports together, so they are a stack parameter, off by default, and the SDK is
imported only when it is on.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.logging.logger import Logger
from aws_lambda_powertools.metrics import Metrics, MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from jira_sync.caching import once
from jira_sync.settings import trace_subsegments

Handler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]

logger = Logger()


DEFAULT_NAMESPACE = "JiraSync"


@once
def metrics() -> Metrics:
    """Built on first use, so it reads the namespace the environment has then; the template's
    namespace when the environment has none (a flush without one would fail the request)."""
    built = Metrics()
    if not built.namespace:
        built.namespace = DEFAULT_NAMESPACE
    return built


API_GATEWAY_HTTP = correlation_paths.API_GATEWAY_HTTP


def count(name: str) -> None:
    """One occurrence of an outcome, e.g. ``count("TicketCreate_adopted")``."""
    metrics().add_metric(name=name, unit=MetricUnit.Count, value=1)


def lambda_entry(correlation_id_path: str = API_GATEWAY_HTTP) -> Callable[[Handler], Handler]:
    """The one decorator of every handler: context and correlation id on every log line,
    metrics flushed after each invocation, subsegments when the stack turns them on."""

    def decorate(handler: Handler) -> Handler:
        inner = _with_subsegments(handler) if trace_subsegments() else handler

        @functools.wraps(handler)
        def run(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
            try:
                return inner(event, context)
            finally:
                _flush()

        logged: Handler = logger.inject_lambda_context(
            correlation_id_path=correlation_id_path, log_event=False, clear_state=True
        )(run)
        return logged

    return decorate


def _flush() -> None:
    """Emits the invocation's metrics; a metric that cannot be written never fails a request."""
    current = metrics()
    if not current.metric_set:
        return
    try:
        current.flush_metrics()
    except Exception as error:
        current.clear_metrics()
        logger.warning("metrics not emitted", error=type(error).__name__)


def _with_subsegments(handler: Handler) -> Handler:
    from aws_lambda_powertools.tracing import Tracer

    traced: Handler = Tracer().capture_lambda_handler(handler, capture_response=False)
    return traced
