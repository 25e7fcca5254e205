"""When to try a Jira call again and how long to wait, bounded by the Lambda's time left."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})
# Statuses whose Retry-After header is honoured (Jira sends it on these).
RETRY_AFTER_STATUSES = frozenset({429, 503})

_random = random.SystemRandom()


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How a client retries idempotent calls.

    ``max_attempts`` counts the first try. Backoff is exponential with "equal jitter"
    (half fixed, half random) so that concurrent Lambdas spread out. A ``Retry-After`` longer
    than ``max_retry_after`` is not waited for: the error is raised with ``retry_after`` set so
    the caller can re-queue with that delay. ``deadline_margin`` is kept free at the end of the
    invocation for the caller to record the outcome; an attempt is only started when at least
    ``min_attempt_seconds`` remain after that margin.
    """

    max_attempts: int = 3
    backoff_base: float = 0.5
    backoff_cap: float = 8.0
    max_retry_after: float = 60.0
    deadline_margin: float = 1.0
    min_attempt_seconds: float = 0.5

    def backoff(self, retry_number: int) -> float:
        """Seconds to wait before retry ``retry_number`` (1 for the first retry)."""
        ceiling = min(self.backoff_cap, self.backoff_base * 2.0 ** (retry_number - 1))
        return ceiling / 2 + _random.uniform(0, ceiling / 2)


def is_idempotent(method: str, override: bool | None) -> bool:
    """The caller's word when given, else whether HTTP defines ``method`` as idempotent."""
    if override is not None:
        return override
    return method.upper() in IDEMPOTENT_METHODS


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or HTTP-date); None if unreadable."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if math.isfinite(seconds) else None
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = now or datetime.now(UTC)
    return max(0.0, (when - current).total_seconds())
