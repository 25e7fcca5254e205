"""The webhook URL token: a credential's proof of origin where its Jira cannot sign.

Data Center before 10 sends admin webhooks unsigned, so the URL itself must hold a secret.
The token is derived from the webhook secret (an HMAC keyed by it, naming the credential),
never stored: rotating the secret rotates the token, and a table read never reveals it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

_LABEL = b"jira-sync webhook url token\x00"
# 32 base64url characters: 192 bits.
TOKEN_LENGTH = 32


def url_token(webhook_secret: str, credential_id: str) -> str:
    """The token in the credential's webhook URL path."""
    digest = hmac.new(
        webhook_secret.encode("utf-8"), _LABEL + credential_id.encode("ascii"), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii")[:TOKEN_LENGTH]


def token_matches(webhook_secret: str, credential_id: str, given: str | None) -> bool:
    """Whether ``given`` is the credential's token; constant-time, and the HMAC is computed
    whatever ``given`` looks like, so a malformed token costs what a wrong one does."""
    expected = url_token(webhook_secret or "-", credential_id)
    candidate = given if isinstance(given, str) and given.isascii() else ""
    padded = candidate[:TOKEN_LENGTH].ljust(TOKEN_LENGTH, "\x00")
    same = hmac.compare_digest(expected.encode("ascii"), padded.encode("ascii"))
    return same and bool(webhook_secret) and len(candidate) == TOKEN_LENGTH
