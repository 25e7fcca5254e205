"""Basic auth for Jira whose repr, str and pickled form never show the token."""

from __future__ import annotations

import base64
from typing import NoReturn

import requests
from requests.auth import AuthBase

REDACTED = "****"


class JiraBasicAuth(AuthBase):
    """Adds ``Authorization: Basic base64(email:token)`` to each request.

    The header value is kept only here and written onto each outgoing request; it is never
    put on the session's default headers, so nothing that prints a session shows it.
    """

    def __init__(self, email: str, api_token: str) -> None:
        self.email = email
        pair = f"{email}:{api_token}"
        encoded = base64.b64encode(pair.encode("utf-8")).decode("ascii")
        self._header = f"Basic {encoded}"
        # Longest first so that a whole header is replaced before its parts.
        self._secrets = tuple(
            sorted({item for item in (self._header, encoded, pair, api_token) if item}, key=len)[
                ::-1
            ]
        )

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = self._header
        return request

    def redact(self, text: str) -> str:
        """``text`` with the token, the email:token pair and its base64 replaced."""
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text

    def __repr__(self) -> str:
        return f"JiraBasicAuth(email={self.email!r}, api_token={REDACTED!r})"

    __str__ = __repr__

    def __reduce__(self) -> NoReturn:
        raise TypeError("JiraBasicAuth holds a secret and cannot be pickled")
