"""Checks a Jira base URL before any credential is sent to it.

The service sends an API token to whatever URL a user saves, so the URL must not point at
internal addresses (cloud metadata, VPC hosts, loopback) or hosts outside the allowed Jira
domains. Names are resolved and every address checked, because an allowed-looking name can
resolve to a private address. DNS can change after the check (rebinding), so the Jira client
checks again with ``checked_addresses`` on every request and connects only to an address it
has just checked (``jira.client.PinnedAdapter``); it never follows redirects either.

Jira Cloud answers on the scheme's default port only, so another port on a Cloud host is
refused unless an ``allowed_hosts`` entry names it (``acme.atlassian.net:8443``).
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Sequence
from fnmatch import fnmatchcase
from urllib.parse import SplitResult, urlsplit

GATEWAY_HOST = "api.atlassian.com"
_CLOUD_PATH = re.compile(
    r"/ex/jira/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})", re.IGNORECASE
)
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
# A last label like "1", "0x7f" or "017" makes a name that C resolvers read as an IPv4 number.
_NUMERIC_LABEL = re.compile(r"(?:0x[0-9a-f]*|[0-9]+)")
_DEFAULT_PORTS = {"https": 443, "http": 80}
_METADATA = frozenset(
    {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
)
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_LOOPBACK_NAMES = frozenset({"localhost"})
# Atlassian's Cloud domains: sites, the scoped-token gateway, legacy sites.
CLOUD_HOSTS = ("*.atlassian.net", "*.atlassian.com", "*.jira.com")
# A netloc with brackets: one IPv6 literal, then at most ":<port>".
_BRACKETED = re.compile(r"(?:[^@]*@)?\[[^\[\]@]*\](?::[0-9]*)?")

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class InvalidJiraUrl(ValueError):
    """The URL is refused; the message says what to change."""


class UnresolvedJiraHost(InvalidJiraUrl):
    """The host name did not resolve (a typo, or DNS failing for now)."""


def resolve_host(host: str) -> list[str]:
    """Every address ``host`` resolves to (IPv4 and IPv6), via the system resolver."""
    infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def normalize_jira_url(
    url: str,
    *,
    allowed_hosts: Sequence[str],
    allow_loopback: bool,
    resolve: Callable[[str], list[str]] = resolve_host,
) -> str:
    """The canonical base URL (``https://host[:port][/ex/jira/<cloudId>]``) or InvalidJiraUrl.

    ``allowed_hosts`` are shell-style patterns (``*.atlassian.net``, ``api.atlassian.com``),
    each optionally with the one non-default port it also admits on a Cloud host
    (``acme.atlassian.net:8443``). ``allow_loopback`` (local stack only) also admits
    ``http://`` and ``https://`` to 127.0.0.0/8, ::1 and localhost, on any port.
    """
    text = url.strip()
    if not text:
        raise InvalidJiraUrl(
            "The Jira URL is empty: give the site URL, e.g. https://acme.atlassian.net"
        )
    if any(ch.isspace() or ord(ch) < 0x20 or ch == "\\" for ch in text):
        raise InvalidJiraUrl("The Jira URL contains spaces, control characters or backslashes")
    if "?" in text:
        raise InvalidJiraUrl("Remove the query string ('?...') from the Jira URL")
    if "#" in text:
        raise InvalidJiraUrl("Remove the fragment ('#...') from the Jira URL")

    try:
        parts = urlsplit(text)
    except ValueError:
        parts = None
    if parts is None or (
        ("[" in parts.netloc or "]" in parts.netloc) and not _BRACKETED.fullmatch(parts.netloc)
    ):
        raise InvalidJiraUrl(
            "The Jira URL is malformed: check the host (an IPv6 address goes in brackets, "
            "e.g. http://[::1]:8080)"
        )
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not text.lower().startswith(f"{scheme}://"):
        raise InvalidJiraUrl(
            "The Jira URL must start with https://, e.g. https://acme.atlassian.net"
        )
    if "@" in parts.netloc:
        raise InvalidJiraUrl("Remove the user name/password ('user@') from the Jira URL")

    host = _host(parts.netloc, parts.hostname)
    port = _port(parts)
    loopback = allow_loopback and is_loopback_host(host)
    if scheme == "http" and not loopback:
        raise InvalidJiraUrl("The Jira URL must use https:// (http:// is refused)")

    path = _path(parts.path, host, loopback)
    if is_ip_literal(host) and not loopback:
        raise InvalidJiraUrl(
            f"The Jira host {host!r} is an IP address; use the Jira site's name, "
            "e.g. https://acme.atlassian.net"
        )
    if not loopback and not _allowed(host, allowed_hosts):
        allowed = ", ".join(allowed_hosts) or "none are configured"
        raise InvalidJiraUrl(f"The Jira host {host!r} is not allowed; allowed hosts: {allowed}")
    if port == _DEFAULT_PORTS[scheme]:
        port = None
    # Before resolving, so that the refusal names the port whatever DNS says.
    if port is not None and not loopback and not _port_allowed(host, port, allowed_hosts):
        raise InvalidJiraUrl(
            f"The Jira URL's port {port} is refused: Jira Cloud ({host}) answers on port 443 "
            f"only, so remove ':{port}' (an operator can allow it by adding '{host}:{port}' to "
            "AllowedJiraHosts)"
        )
    if not is_ip_literal(host):
        checked_addresses(host, _resolve(host, resolve), allow_loopback=allow_loopback)

    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc += f":{port}"
    return f"{scheme}://{netloc}{path}"


def _host(netloc: str, hostname: str | None) -> str:
    """The lowercased host; a name or an IP literal, never a numeric IPv4 trick."""
    if not hostname:
        raise InvalidJiraUrl("The Jira URL has no host name: e.g. https://acme.atlassian.net")
    if not hostname.isascii():
        raise InvalidJiraUrl(
            "The Jira host has non-ASCII characters: use its ASCII (punycode, xn--) form"
        )
    host = hostname.lower()
    if netloc.startswith("["):
        if "%" in host:
            raise InvalidJiraUrl("Remove the zone id ('%...') from the Jira URL's IPv6 address")
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise InvalidJiraUrl(f"The Jira host [{host}] is not a valid IPv6 address") from None
        return host
    host = host.removesuffix(".")
    try:
        ipaddress.IPv4Address(host)
    except ValueError:
        pass
    else:
        return host
    labels = host.split(".")
    if not all(_LABEL.fullmatch(label) for label in labels):
        raise InvalidJiraUrl(
            f"The Jira host {host!r} is not a valid host name (letters, digits, '-' and '.' only)"
        )
    if _NUMERIC_LABEL.fullmatch(labels[-1]):
        raise InvalidJiraUrl(
            f"The Jira host {host!r} is a numeric IP address form; use the Jira site's name"
        )
    return host


def _port(parts: SplitResult) -> int | None:
    try:
        port = parts.port
    except ValueError:
        raise InvalidJiraUrl("The Jira URL's port must be a number from 1 to 65535") from None
    if port == 0:
        raise InvalidJiraUrl("The Jira URL's port must be a number from 1 to 65535")
    return port


def gateway_cloud_id(url: str) -> str | None:
    """The cloudId a normalized gateway URL (``.../ex/jira/<cloudId>``) names; None for a site."""
    match = _CLOUD_PATH.search(urlsplit(url).path)
    return None if match is None else match.group(1).lower()


# A Data Center base URL may carry the context path Jira is deployed under (/jira): plain
# segments only, so nothing in it can climb out (``..``) or be read as an escape.
_CONTEXT_PATH = re.compile(r"(?:/[A-Za-z0-9_~-][A-Za-z0-9._~-]{0,63}){1,4}")


def _path(path: str, host: str, loopback: bool) -> str:
    """'' for a site; ``/ex/jira/<cloudId>`` for the scoped-token gateway (and the emulator);
    a context path for a Data Center base URL (not on a Cloud host, which has none)."""
    path = path.removesuffix("/")
    gateway = host == GATEWAY_HOST or loopback
    match = _CLOUD_PATH.fullmatch(path)
    if match and gateway:
        return f"/ex/jira/{match.group(1).lower()}"
    if host == GATEWAY_HOST:
        raise InvalidJiraUrl(
            "On api.atlassian.com the Jira URL must be https://api.atlassian.com/ex/jira/<cloudId> "
            "(the cloudId is at https://<site>.atlassian.net/_edge/tenant_info)"
        )
    cloud = any(fnmatchcase(host, name) for name in CLOUD_HOSTS)
    first = path.split("/")[1].casefold() if path.count("/") else ""
    if path and not cloud and _CONTEXT_PATH.fullmatch(path) and first not in _NOT_CONTEXT:
        return path
    if path:
        raise InvalidJiraUrl(
            f"Remove the path {path!r} from the Jira URL: give only the site, "
            "e.g. https://acme.atlassian.net, or on Data Center its base URL, with the "
            "context path Jira runs under if any (https://jira.example.com/jira)"
        )
    return ""


# First segments that name a Jira page or API, never a context path.
_NOT_CONTEXT = frozenset({"rest", "secure", "browse", "ex", "plugins", "servicedesk", "projects"})


def _allowed(host: str, patterns: Sequence[str]) -> bool:
    return any(fnmatchcase(host, name) for name, _ in map(_pattern, patterns) if name)


def _port_allowed(host: str, port: int, patterns: Sequence[str]) -> bool:
    """A non-default port: any on a non-Cloud host; on a Cloud host, one an entry names."""
    if not any(fnmatchcase(host, cloud) for cloud in CLOUD_HOSTS):
        return True
    return any(named == port and fnmatchcase(host, name) for name, named in map(_pattern, patterns))


def _pattern(entry: str) -> tuple[str, int | None]:
    """``"acme.atlassian.net:8443"`` → ``("acme.atlassian.net", 8443)``; no port → None."""
    name, colon, port = entry.strip().lower().rpartition(":")
    if colon and port.isdigit():
        return name, int(port)
    return entry.strip().lower(), None


def is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def is_loopback_host(host: str) -> bool:
    """localhost, or an IP literal in 127.0.0.0/8 or ::1."""
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _resolve(host: str, resolve: Callable[[str], list[str]]) -> list[str]:
    try:
        addresses = resolve(host)
    except (OSError, UnicodeError, ValueError):
        addresses = []
    if not addresses:
        raise UnresolvedJiraHost(
            f"The Jira host {host!r} could not be resolved; check the site name for typos"
        )
    return addresses


def checked_addresses(host: str, addresses: Sequence[str], *, allow_loopback: bool) -> list[str]:
    """``addresses`` of ``host`` (zone ids dropped, each once), if every one is public (or
    loopback, if allowed); else InvalidJiraUrl naming the first that is not."""
    checked: dict[str, None] = {}
    for text in addresses:
        try:
            address = ipaddress.ip_address(text.split("%", 1)[0])
        except ValueError:
            raise InvalidJiraUrl(
                f"The Jira host {host!r} resolved to something that is not an IP address"
            ) from None
        problem = "" if allow_loopback and _unwrap(address).is_loopback else _non_public(address)
        if problem:
            raise InvalidJiraUrl(
                f"The Jira host {host!r} resolves to {address}, {problem}; "
                "use a Jira site reachable on the public internet"
            )
        checked[str(address)] = None
    if not checked:
        raise UnresolvedJiraHost(f"The Jira host {host!r} could not be resolved")
    return list(checked)


def _unwrap(address: Address) -> Address:
    """The IPv4 address inside an IPv4-mapped, 6to4, Teredo or NAT64 IPv6 address."""
    if isinstance(address, ipaddress.IPv4Address):
        return address
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in ipaddress.ip_network("64:ff9b::/96"):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


def _non_public(address: Address) -> str:
    """Why ``address`` (or the IPv4 inside it) is not a public unicast address; '' if it is."""
    for candidate in dict.fromkeys((_unwrap(address), address)):
        if candidate in _METADATA:
            return "a cloud metadata address"
        if candidate.is_loopback:
            return "a loopback address"
        if candidate.is_link_local:
            return "a link-local address"
        if candidate.is_unspecified:
            return "an unspecified address"
        if candidate.is_multicast:
            return "a multicast address"
        if isinstance(candidate, ipaddress.IPv4Address) and candidate in _CGNAT:
            return "a carrier-grade NAT address"
        if isinstance(candidate, ipaddress.IPv6Address) and candidate.is_site_local:
            return "a site-local address"
        if candidate.is_private:
            return "a private address"
        if candidate.is_reserved:
            return "a reserved address"
        if not candidate.is_global:
            return "not a public address"
    return ""
