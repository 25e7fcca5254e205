"""The Jira URL check: what is refused, why, and the normalised form of what is accepted."""

from __future__ import annotations

import socket
from collections.abc import Callable

import pytest

from jira_sync.jira.urls import InvalidJiraUrl, normalize_jira_url

ALLOWED = ("*.atlassian.net", "api.atlassian.com")
CLOUD_ID = "11111111-2222-4333-8444-555555555555"
PUBLIC = "104.192.141.1"


def resolver(table: dict[str, list[str]]) -> Callable[[str], list[str]]:
    """A resolver answering from ``table``; unknown names fail like getaddrinfo does."""
    asked: list[str] = []

    def resolve(host: str) -> list[str]:
        asked.append(host)
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return table[host]

    resolve.asked = asked  # type: ignore[attr-defined]
    return resolve


PUBLIC_NAMES = resolver(
    {"acme.atlassian.net": [PUBLIC], "api.atlassian.com": [PUBLIC, "2406:da18::1"]}
)


def check(
    url: str, *, allow_loopback: bool = False, resolve: Callable[[str], list[str]] = PUBLIC_NAMES
) -> str:
    return normalize_jira_url(
        url, allowed_hosts=ALLOWED, allow_loopback=allow_loopback, resolve=resolve
    )


def refused(url: str, **kwargs: object) -> str:
    with pytest.raises(InvalidJiraUrl) as info:
        check(url, **kwargs)  # type: ignore[arg-type]
    return str(info.value)


def test_given_a_site_url_then_it_is_returned_unchanged() -> None:
    assert check("https://acme.atlassian.net") == "https://acme.atlassian.net"


def test_given_a_trailing_slash_and_upper_case_host_then_both_are_normalised() -> None:
    assert check("https://ACME.Atlassian.NET/") == "https://acme.atlassian.net"


def test_given_surrounding_whitespace_then_it_is_stripped() -> None:
    assert check("  https://acme.atlassian.net \n") == "https://acme.atlassian.net"


def test_given_the_explicit_default_port_then_it_is_dropped() -> None:
    assert check("https://acme.atlassian.net:443/") == "https://acme.atlassian.net"


def test_given_another_port_that_an_allowed_entry_names_then_it_is_kept() -> None:
    url = "https://acme.atlassian.net:8443"
    allowed = (*ALLOWED, "acme.atlassian.net:8443")
    kept = normalize_jira_url(
        url, allowed_hosts=allowed, allow_loopback=False, resolve=PUBLIC_NAMES
    )
    assert kept == url


@pytest.mark.parametrize("port", ["99999", "abc", "0"])
def test_given_an_invalid_port_then_it_is_refused(port: str) -> None:
    assert "port" in refused(f"https://acme.atlassian.net:{port}")


def test_given_the_scoped_token_gateway_with_a_cloud_id_then_it_is_accepted() -> None:
    url = f"https://api.atlassian.com/ex/jira/{CLOUD_ID.upper()}/"
    assert check(url) == f"https://api.atlassian.com/ex/jira/{CLOUD_ID}"


def test_given_the_gateway_without_cloud_id_then_the_message_says_where_to_find_it() -> None:
    message = refused("https://api.atlassian.com")
    assert "/ex/jira/<cloudId>" in message
    assert "tenant_info" in message


def test_given_the_gateway_with_a_malformed_cloud_id_then_it_is_refused() -> None:
    assert "/ex/jira/<cloudId>" in refused("https://api.atlassian.com/ex/jira/not-a-uuid")


def test_given_a_cloud_id_path_on_a_site_then_it_is_refused() -> None:
    assert "Remove the path" in refused(f"https://acme.atlassian.net/ex/jira/{CLOUD_ID}")


def test_given_http_to_a_public_site_then_https_is_required() -> None:
    assert "https://" in refused("http://acme.atlassian.net")


@pytest.mark.parametrize(
    "url", ["ftp://acme.atlassian.net", "acme.atlassian.net", "https:acme.atlassian.net"]
)
def test_given_no_or_another_scheme_then_it_is_refused(url: str) -> None:
    assert "must start with https://" in refused(url)


@pytest.mark.parametrize("path", ["/jira", "/secure/Dashboard.jspa", "/rest/api/3", "//"])
def test_given_a_path_then_it_is_refused(path: str) -> None:
    assert "Remove the path" in refused(f"https://acme.atlassian.net{path}")


DC_NAMES = resolver({"jira.example.com": [PUBLIC]})


@pytest.mark.parametrize("path", ["/jira", "/apps/jira-9", "/jira/"])
def test_given_a_data_center_context_path_then_it_is_kept(path: str) -> None:
    url = f"https://jira.example.com{path}"
    kept = normalize_jira_url(
        url, allowed_hosts=["jira.example.com"], allow_loopback=False, resolve=DC_NAMES
    )

    assert kept == url.removesuffix("/")


@pytest.mark.parametrize(
    "path", ["/rest/api/2", "/secure/Dashboard.jspa", "/browse/SEC-1", "/a/../b", "/%2e%2e", "//"]
)
def test_given_a_page_or_an_odd_path_on_data_center_then_it_is_refused(path: str) -> None:
    with pytest.raises(InvalidJiraUrl) as info:
        normalize_jira_url(
            f"https://jira.example.com{path}",
            allowed_hosts=["jira.example.com"],
            allow_loopback=False,
            resolve=DC_NAMES,
        )

    assert "Remove the path" in str(info.value)


@pytest.mark.parametrize("url", ["https://acme.atlassian.net?x=1", "https://acme.atlassian.net/?"])
def test_given_a_query_then_it_is_refused(url: str) -> None:
    assert "query" in refused(url)


def test_given_a_fragment_then_it_is_refused() -> None:
    assert "fragment" in refused("https://acme.atlassian.net/#top")


@pytest.mark.parametrize(
    "url",
    [
        "https://user:pass@acme.atlassian.net",
        "https://evil.com@acme.atlassian.net",
        "https://acme.atlassian.net@evil.com",
    ],
)
def test_given_userinfo_then_it_is_refused(url: str) -> None:
    assert "user name" in refused(url)


def test_given_a_host_outside_the_allowed_patterns_then_it_is_refused() -> None:
    resolve = resolver({"evil.com": [PUBLIC]})
    message = refused("https://evil.com", resolve=resolve)
    assert "not allowed" in message
    assert "*.atlassian.net" in message


@pytest.mark.parametrize(
    "url",
    [
        "https://atlassian.net",
        "https://evil.com/.atlassian.net",
        "https://acme.atlassian.net.evil.com",
        "https://evilatlassian.net",
        "https://localhost",
    ],
)
def test_given_a_look_alike_of_an_allowed_host_then_it_is_refused(url: str) -> None:
    resolve = resolver(
        {
            name: [PUBLIC]
            for name in (
                "atlassian.net",
                "evil.com",
                "acme.atlassian.net.evil.com",
                "evilatlassian.net",
            )
        }
    )
    with pytest.raises(InvalidJiraUrl):
        check(url, resolve=resolve)


def test_given_an_allowed_name_that_resolves_to_a_private_address_then_it_is_refused() -> None:
    resolve = resolver({"acme.atlassian.net": ["10.0.0.5"]})
    message = refused("https://acme.atlassian.net", resolve=resolve)
    assert "10.0.0.5" in message
    assert "private" in message


def test_given_a_name_with_one_private_address_among_public_ones_then_it_is_refused() -> None:
    resolve = resolver({"acme.atlassian.net": [PUBLIC, "2406:da18::1", "192.168.1.4"]})
    assert "192.168.1.4" in refused("https://acme.atlassian.net", resolve=resolve)


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("169.254.169.254", "metadata"),
        ("fd00:ec2::254", "metadata"),
        ("169.254.10.1", "link-local"),
        ("fe80::1", "link-local"),
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("0.0.0.0", "unspecified"),  # noqa: S104 - an address to refuse, not a bind
        ("::", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("100.64.0.1", "carrier-grade NAT"),
        ("172.16.0.1", "private"),
        ("fd12:3456::1", "private"),
        ("240.0.0.1", "address"),
        ("::ffff:10.0.0.5", "private"),
        ("::ffff:169.254.169.254", "metadata"),
        ("64:ff9b::a00:5", "private"),
        ("2002:a00:5::1", "private"),
    ],
)
def test_given_a_name_resolving_to_a_non_public_address_then_it_is_refused(
    address: str, why: str
) -> None:
    resolve = resolver({"acme.atlassian.net": [address]})
    message = refused("https://acme.atlassian.net", resolve=resolve)
    assert why in message
    assert address in message or address.removeprefix("::ffff:") in message


def test_given_a_name_that_does_not_resolve_then_the_message_says_so() -> None:
    message = refused("https://nosuchsite.atlassian.net", resolve=resolver({}))
    assert "could not be resolved" in message


def test_given_an_allowed_name_then_every_resolved_address_is_checked_by_that_name() -> None:
    resolve = resolver({"acme.atlassian.net": [PUBLIC]})
    check("https://acme.atlassian.net", resolve=resolve)
    assert resolve.asked == ["acme.atlassian.net"]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "url",
    [
        "https://169.254.169.254",
        "https://10.0.0.5",
        "https://104.192.141.1",
        "https://[::1]",
        "https://[fe80::1]",
        "https://[2406:da18::1]",
        "https://[::ffff:127.0.0.1]",
    ],
)
def test_given_an_ip_literal_host_then_it_is_refused(url: str) -> None:
    assert "IP address" in refused(url)


@pytest.mark.parametrize(
    "host", ["2130706433", "0x7f.1", "0x7f000001", "017700000001", "127.1", "10.0.5", "1.2.3.0x4"]
)
def test_given_a_numeric_ip_trick_then_it_is_refused_even_with_loopback_allowed(host: str) -> None:
    for allow_loopback in (False, True):
        with pytest.raises(InvalidJiraUrl, match="IP address"):
            check(f"http://{host}", allow_loopback=allow_loopback, resolve=resolver({}))


@pytest.mark.parametrize(
    "host", ["acme_site.atlassian.net", "ac me.atlassian.net", "-acme.atlassian.net"]
)
def test_given_an_invalid_host_name_then_it_is_refused(host: str) -> None:
    with pytest.raises(InvalidJiraUrl):
        check(f"https://{host}")


def test_given_a_backslash_trick_then_it_is_refused() -> None:
    with pytest.raises(InvalidJiraUrl, match="backslash"):
        check("https://evil.com\\@acme.atlassian.net")


def test_given_a_non_ascii_host_then_the_punycode_form_is_asked_for() -> None:
    assert "punycode" in refused("https://äcme.atlassian.net")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1:8080/", "http://127.0.0.1:8080"),
        ("http://127.5.6.7:8080", "http://127.5.6.7:8080"),
        ("http://[::1]:8080", "http://[::1]:8080"),
        ("http://localhost:8080", "http://localhost:8080"),
        ("https://127.0.0.1:8443", "https://127.0.0.1:8443"),
        (f"http://127.0.0.1:8080/ex/jira/{CLOUD_ID}", f"http://127.0.0.1:8080/ex/jira/{CLOUD_ID}"),
    ],
)
def test_given_loopback_allowed_then_loopback_urls_are_accepted(url: str, expected: str) -> None:
    resolve = resolver({"localhost": ["127.0.0.1", "::1"]})
    assert check(url, allow_loopback=True, resolve=resolve) == expected


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080",
        "https://127.0.0.1:8443",
        "http://[::1]:8080",
        "http://localhost:8080",
    ],
)
def test_given_loopback_not_allowed_then_loopback_urls_are_refused(url: str) -> None:
    with pytest.raises(InvalidJiraUrl):
        check(url, resolve=resolver({"localhost": ["127.0.0.1"]}))


def test_given_loopback_allowed_when_localhost_resolves_elsewhere_then_it_is_refused() -> None:
    resolve = resolver({"localhost": ["127.0.0.1", "10.1.2.3"]})
    assert "10.1.2.3" in refused("http://localhost:8080", allow_loopback=True, resolve=resolve)


def test_given_loopback_allowed_then_private_addresses_are_still_refused() -> None:
    resolve = resolver({"acme.atlassian.net": ["10.0.0.5"]})
    with pytest.raises(InvalidJiraUrl, match="private"):
        check("https://acme.atlassian.net", allow_loopback=True, resolve=resolve)
    with pytest.raises(InvalidJiraUrl, match="IP address"):
        check("https://10.0.0.5", allow_loopback=True, resolve=resolve)


def test_given_no_allowed_hosts_then_every_remote_site_is_refused() -> None:
    with pytest.raises(InvalidJiraUrl, match="none are configured"):
        normalize_jira_url(
            "https://acme.atlassian.net",
            allowed_hosts=(),
            allow_loopback=False,
            resolve=PUBLIC_NAMES,
        )


def test_given_the_default_resolver_then_localhost_resolves_to_loopback_only() -> None:
    # The system resolver on this machine: localhost is in /etc/hosts, no network involved.
    assert (
        normalize_jira_url("http://localhost:1", allowed_hosts=(), allow_loopback=True)
        == "http://localhost:1"
    )


@pytest.mark.parametrize("url", ["", "   ", "https://", "https:///path"])
def test_given_no_host_then_it_is_refused(url: str) -> None:
    with pytest.raises(InvalidJiraUrl):
        check(url)


def test_invalid_jira_url_is_a_value_error() -> None:
    assert issubclass(InvalidJiraUrl, ValueError)
