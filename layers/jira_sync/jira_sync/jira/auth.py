"""Jira auth (Basic ``login:token``, or a Data Center personal access token as ``Bearer``)
whose repr, str and pickled form never show the token."""

from __future__ import annotations

import base64
import hashlib
from typing import NoReturn

import requests
from requests.auth import AuthBase

REDACTED = "****"


class _SecretAuth(AuthBase):
    """One ``Authorization`` header, kept only here and written onto each outgoing request;
    it is never put on the session's default headers, so nothing that prints a session shows
    it. ``redact`` removes every form of the secret from a text (longest first, so a whole
    header goes before its parts)."""

    email: str | None = None
    digest = ""
    _header: str
    _secrets: tuple[str, ...]

    def _keep(self, header: str, *secrets: str) -> None:
        self._header = header
        self._secrets = tuple(sorted({item for item in (header, *secrets) if item}, key=len)[::-1])

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = self._header
        return request

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text

    def __str__(self) -> str:
        return repr(self)

    def __reduce__(self) -> NoReturn:
        raise TypeError(f"{type(self).__name__} holds a secret and cannot be pickled")


class JiraBasicAuth(_SecretAuth):
    """``Authorization: Basic base64(login:token)``; the token, the pair and its base64 are
    redacted."""

    def __init__(self, email: str, api_token: str) -> None:
        self.email = email
        pair = f"{email}:{api_token}"
        encoded = base64.b64encode(pair.encode("utf-8")).decode("ascii")
        self._keep(f"Basic {encoded}", encoded, pair, api_token)

    def __repr__(self) -> str:
        return f"JiraBasicAuth(email={self.email!r}, api_token={REDACTED!r})"


class JiraBearerAuth(_SecretAuth):
    """``Authorization: Bearer <token>``: a Data Center personal access token (Jira 8.14
    and later; Jira 11 turns basic auth off by default)."""

    def __init__(self, token: str) -> None:
        self.digest = "pat:" + hashlib.sha256(token.encode("utf-8")).hexdigest()[:32]
        self._keep(f"Bearer {token}", token)

    def __repr__(self) -> str:
        return f"JiraBearerAuth(token={REDACTED!r})"
