"""The Jira client connects to the address it checked, over real HTTP to the Jira emulator.

Names resolve through a resolver the test controls (the client's ``resolve`` seam), so a name
can point at the emulator, or be rebound between the URL check and the call, without DNS. The
emulator's request log is the witness of what reached "Jira"; a TLS relay with a certificate
for the name only shows that the certificate is still checked against the name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from jira_sync.jira.client import JiraClient
from jira_sync.jira.errors import JiraUnavailable
from jira_sync.jira.urls import normalize_jira_url
from tests.e2e.test_jira_client import SVC, assert_secret_free, exception_texts
from tests.support.tls_relay import CertFiles, TlsRelay, make_certificates

NAME = "jira.example.test"
PUBLIC = "104.192.141.1"


class Resolver:
    """Answers each call with the next of ``answers`` (the last one repeats), records names."""

    def __init__(self, *answers: list[str]) -> None:
        self.answers = list(answers)
        self.asked: list[str] = []

    def __call__(self, host: str) -> list[str]:
        self.asked.append(host)
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


def api_requests(jira: Any) -> list[dict[str, Any]]:
    log = requests.get(f"{jira.base_url}/_emulator/requests", timeout=10).json()
    entries: list[dict[str, Any]] = log["requests"] if isinstance(log, dict) else log
    return entries


def named_client(jira: Any, resolve: Callable[[str], list[str]], **kwargs: Any) -> JiraClient:
    """A client of ``http://jira.example.test:<emulator port>``: only ``resolve`` knows it."""
    return JiraClient(f"http://{NAME}:{jira.port}", *SVC, resolve=resolve, **kwargs)


def test_given_a_name_only_the_resolver_knows_then_the_call_goes_to_its_checked_address(
    jira: Any,
) -> None:
    resolve = Resolver(["127.0.0.1"])
    client = named_client(jira, resolve, allow_loopback=True)

    assert client.myself().email_address == SVC[0]
    client.myself()

    assert resolve.asked == [NAME, NAME]  # checked again for every request
    assert [entry["path"] for entry in api_requests(jira)] == ["/rest/api/3/myself"] * 2


def test_given_a_name_rebound_to_loopback_after_the_check_then_nothing_is_sent(jira: Any) -> None:
    resolve = Resolver([PUBLIC], ["127.0.0.1"])
    url = normalize_jira_url(
        "https://acme.atlassian.net",
        allowed_hosts=["*.atlassian.net"],
        allow_loopback=False,
        resolve=resolve,
    )
    client = JiraClient(url, *SVC, resolve=resolve)

    with pytest.raises(JiraUnavailable) as info:
        client.myself()

    assert "resolves to 127.0.0.1, a loopback address" in info.value.message
    assert info.value.uncertain is False
    assert resolve.asked == ["acme.atlassian.net", "acme.atlassian.net"]
    assert_secret_free(exception_texts(info.value), *SVC)


def test_given_the_production_policy_when_a_name_resolves_to_the_emulator_then_refused(
    jira: Any,
) -> None:
    client = named_client(jira, Resolver(["127.0.0.1"]))

    with pytest.raises(JiraUnavailable, match="loopback address"):
        client.myself()

    assert api_requests(jira) == []


def test_given_a_kept_alive_connection_when_the_name_moves_to_a_private_address_then_refused(
    jira: Any,
) -> None:
    resolve = Resolver(["127.0.0.1"], ["10.0.0.5"])
    client = named_client(jira, resolve, allow_loopback=True)
    client.myself()

    with pytest.raises(JiraUnavailable, match=r"10\.0\.0\.5, a private address"):
        client.myself()

    assert len(api_requests(jira)) == 1


def test_given_a_refused_first_address_then_the_next_checked_one_is_connected(
    jira: Any,
) -> None:
    # Nothing listens on 127.0.0.2 (the emulator is bound to 127.0.0.1 only).
    client = named_client(jira, Resolver(["127.0.0.2", "127.0.0.1"]), allow_loopback=True)

    assert client.myself().email_address == SVC[0]
    assert len(api_requests(jira)) == 1


def test_given_a_name_that_does_not_resolve_then_a_retryable_not_sent_error(jira: Any) -> None:
    client = named_client(jira, Resolver([]), allow_loopback=True, sleep=lambda _: None)

    with pytest.raises(JiraUnavailable, match="could not be resolved") as info:
        client.myself()

    assert info.value.uncertain is False
    assert api_requests(jira) == []


@pytest.fixture
def certificates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CertFiles:
    """The test CA, trusted through ``session.verify`` (these variables would override it)."""
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    return make_certificates(tmp_path, [NAME])


@pytest.fixture
def relay(jira: Any, certificates: CertFiles) -> Iterator[TlsRelay]:
    with TlsRelay(certificates, ("127.0.0.1", jira.port)) as running:
        yield running


def test_given_https_to_a_pinned_address_then_tls_is_verified_against_the_name(
    jira: Any, relay: TlsRelay, certificates: CertFiles
) -> None:
    client = JiraClient(
        f"https://{NAME}:{relay.port}", *SVC, resolve=Resolver(["127.0.0.1"]), allow_loopback=True
    )
    client.session.verify = str(certificates.ca_file)

    assert client.myself().email_address == SVC[0]
    assert relay.server_names == [NAME]
    assert relay.host_headers == [f"{NAME}:{relay.port}"]


def test_given_a_certificate_for_another_name_then_the_handshake_fails_and_nothing_is_sent(
    jira: Any, relay: TlsRelay, certificates: CertFiles
) -> None:
    other = "other.example.test"
    client = JiraClient(
        f"https://{other}:{relay.port}", *SVC, resolve=Resolver(["127.0.0.1"]), allow_loopback=True
    )
    client.session.verify = str(certificates.ca_file)

    with pytest.raises(JiraUnavailable, match="TLS handshake failed"):
        client.myself()

    assert relay.server_names == [other]
    assert api_requests(jira) == []
