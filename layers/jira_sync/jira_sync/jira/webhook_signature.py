"""Jira webhook signatures: ``X-Hub-Signature: sha256=<hex HMAC-SHA256 of the raw body>``.

The webhook route is public, so the signature is the only proof that Jira sent a delivery.
Anything that is not exactly one well-formed ``sha256=`` value is refused rather than
guessed at, and the check never raises: a malformed header is an attacker's input, not a bug.
"""

from __future__ import annotations

import hashlib
import hmac
import re

MAX_BODY_BYTES = 1024 * 1024
"""Bodies over 1 MiB are refused by the caller before they are hashed."""

_PREFIX = "sha256="
# Literal ASCII ranges: Unicode digits such as "٣" never count as hex.
_HEADER = re.compile(r"sha256=([0-9a-fA-F]{64})")


def _digest(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes) -> str:
    """The header value Jira would send for ``body``; for tests and the local stack's tools.

    An empty secret is refused: a signature keyed with nothing proves nothing.
    """
    if not secret:
        raise ValueError("webhook secret must not be empty")
    return _PREFIX + _digest(secret, body)


def verify_signature(secret: str, body: bytes, header: str | None) -> bool:
    """True only when ``header`` is exactly one ``sha256=<64 hex>`` value matching ``body``.

    Surrounding whitespace is ignored; any other deviation (another algorithm, a wrong
    length, several values, an empty secret) is a refusal. The HMAC is computed whatever the
    header looks like, so a malformed one costs the same time as a wrong one; the comparison
    is constant-time.
    """
    if not isinstance(secret, str) or not secret:
        return False
    if not isinstance(body, bytes | bytearray | memoryview):
        return False
    try:
        expected = _digest(secret, bytes(body))
    except UnicodeEncodeError:  # a secret with lone surrogates cannot be what Jira keyed with
        return False
    match = _HEADER.fullmatch(header.strip()) if isinstance(header, str) else None
    given = match.group(1).lower() if match is not None else "-" * 64
    return hmac.compare_digest(expected.encode("ascii"), given.encode("ascii")) and (
        match is not None
    )
