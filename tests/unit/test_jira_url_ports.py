"""The URL check on ports and malformed hosts, and the address check the transport shares."""

from __future__ import annotations

import pytest

from jira_sync.jira.urls import (
    InvalidJiraUrl,
    UnresolvedJiraHost,
    checked_addresses,
    normalize_jira_url,
)
from tests.unit.test_jira_url import ALLOWED, CLOUD_ID, PUBLIC, resolver


def check(url: str, *, allowed: tuple[str, ...] = ALLOWED, allow_loopback: bool = False) -> str:
    return normalize_jira_url(
        url,
        allowed_hosts=allowed,
        allow_loopback=allow_loopback,
        resolve=resolver({"acme.atlassian.net": [PUBLIC], "jira.corp.example": [PUBLIC]}),
    )


@pytest.mark.parametrize(
    "url",
    [
        "http://[::1",
        "http://[]:8320",
        "https://[::1]x",
        "http://[::1]]",
        "http://a]b",
        "https://[acme.atlassian.net]",
        "http://[127.0.0.1]:8080",
    ],
)
@pytest.mark.parametrize("allow_loopback", [False, True])
def test_given_a_malformed_host_then_refused_with_what_to_fix(
    url: str, allow_loopback: bool
) -> None:
    with pytest.raises(InvalidJiraUrl) as info:
        check(url, allow_loopback=allow_loopback)

    assert "malformed" in str(info.value) or "IPv6" in str(info.value)


@pytest.mark.parametrize(
    "url",
    [
        "https://acme.atlassian.net:22",
        "https://acme.atlassian.net:8443",
        "https://legacy.jira.com:8080",
        f"https://api.atlassian.com:8443/ex/jira/{CLOUD_ID}",
    ],
)
def test_given_a_cloud_host_on_another_port_then_the_port_is_named_before_any_lookup(
    url: str,
) -> None:
    resolve = resolver({})
    port = url.split(":")[2].split("/")[0]

    with pytest.raises(InvalidJiraUrl) as info:
        normalize_jira_url(
            url,
            allowed_hosts=(*ALLOWED, "*.jira.com"),
            allow_loopback=True,
            resolve=resolve,
        )

    assert f"port {port}" in str(info.value)
    assert "443" in str(info.value)
    assert resolve.asked == []  # type: ignore[attr-defined]


def test_given_an_entry_naming_a_port_then_that_port_only_is_admitted() -> None:
    allowed = ("*.atlassian.net:8443", "api.atlassian.com")

    assert check("https://acme.atlassian.net:8443", allowed=allowed) == (
        "https://acme.atlassian.net:8443"
    )
    assert check("https://acme.atlassian.net", allowed=allowed) == "https://acme.atlassian.net"
    with pytest.raises(InvalidJiraUrl, match="port 22"):
        check("https://acme.atlassian.net:22", allowed=allowed)


def test_given_a_non_cloud_allowed_host_then_its_port_is_the_operators_choice() -> None:
    allowed = ("jira.corp.example",)

    assert check("https://jira.corp.example:8443", allowed=allowed) == (
        "https://jira.corp.example:8443"
    )


def test_given_loopback_allowed_then_the_emulator_keeps_any_port() -> None:
    assert check("http://127.0.0.1:8080", allow_loopback=True) == "http://127.0.0.1:8080"


def test_given_addresses_then_each_is_checked_once_without_its_zone() -> None:
    found = checked_addresses(
        "acme.atlassian.net", [PUBLIC, PUBLIC, "2406:da18::1%eth0"], allow_loopback=False
    )

    assert found == [PUBLIC, "2406:da18::1"]


def test_given_no_address_then_the_host_is_unresolved() -> None:
    with pytest.raises(UnresolvedJiraHost):
        checked_addresses("acme.atlassian.net", [], allow_loopback=False)


@pytest.mark.parametrize(
    ("addresses", "allow_loopback", "why"),
    [
        (["127.0.0.1"], False, "loopback"),
        ([PUBLIC, "10.0.0.5"], True, "private"),
        (["169.254.169.254"], True, "metadata"),
    ],
)
def test_given_a_refused_address_among_them_then_it_is_named(
    addresses: list[str], allow_loopback: bool, why: str
) -> None:
    with pytest.raises(InvalidJiraUrl, match=why):
        checked_addresses("acme.atlassian.net", addresses, allow_loopback=allow_loopback)
