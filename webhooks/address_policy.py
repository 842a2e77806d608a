"""Where a webhook may be delivered: http(s) URLs whose host resolves only
to public internet addresses. Nothing else.

A webhook is a request our server makes to a URL a stranger typed, so
without this policy it is a server-side request forgery tool: it would
reach the machine itself (127.0.0.1, ::1, "localhost"), the private
network behind it (10/8, 172.16/12, 192.168/16, fc00::/7), a carrier's
shared network (100.64/10), link-local services and the cloud metadata
endpoints that hand out credentials (169.254.169.254, fd00:ec2::254,
metadata.google.internal, Azure's 168.63.129.16), or multicast, reserved
and unspecified addresses. So:

- only `http` and `https` (no `file:`, `gopher:`, `ftp:`...), with a host,
  and no user name or password in the URL (they would be sent to the
  receiver in clear and hide what the URL really names);
- the host is resolved and *every* address it resolves to must be public: a
  name that resolves to one public and one private address is refused, as
  is a literal IP in any spelling (decimal `2130706433`, IPv4-mapped IPv6
  `::ffff:10.0.0.1`, NAT64, 6to4 and Teredo forms are unwrapped);
- the check runs at registration (a clear 400) and again at every delivery
  attempt, and the delivery connects to the very address that was checked
  (webhooks.transport), so a name that is re-pointed after the check (DNS
  rebinding) cannot make us connect to a private address;
- redirects are never followed (a 3xx is a failed attempt: its Location
  could be anything, and was never checked).

`AIKB_WEBHOOKS_ALLOW_LOOPBACK` (default off) lets loopback addresses
through, and nothing else: tests deliver to a receiver on 127.0.0.1. It
must stay off in production.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError

ALLOWED_SCHEMES = {"http", "https"}
DEFAULT_PORTS = {"http": 80, "https": 443}

# Cloud metadata services, by name and by address (the link-local and
# private ones are refused anyway; named here for a clearer message).
METADATA_HOSTS = {"metadata.google.internal", "metadata.goog", "metadata", "instance-data", "instance-data.ec2.internal"}
METADATA_ADDRESSES = {
    ipaddress.ip_address("169.254.169.254"),  # AWS, GCP, Azure, OpenStack, DigitalOcean...
    ipaddress.ip_address("169.254.170.2"),  # AWS ECS task metadata
    ipaddress.ip_address("fd00:ec2::254"),  # AWS over IPv6
    ipaddress.ip_address("168.63.129.16"),  # Azure's wire server (a public address)
    ipaddress.ip_address("100.100.100.200"),  # Alibaba Cloud
}
CGNAT = ipaddress.ip_network("100.64.0.0/10")
NAT64 = ipaddress.ip_network("64:ff9b::/96")

WHY = "webhooks are delivered only to public internet addresses."


class RefusedAddress(ValueError):
    """A webhook URL, or an address its host resolves to, that we never send to."""


@dataclass(frozen=True)
class Target:
    """A URL that passed the policy, with the addresses it was checked at:
    the delivery connects to one of these, never to a fresh lookup."""

    scheme: str
    host: str  # as written (lower case), for the Host header and TLS
    port: int
    path: str  # path and query, as sent in the request line
    addresses: tuple[str, ...]


def loopback_allowed() -> bool:
    return bool(getattr(settings, "AIKB_WEBHOOKS_ALLOW_LOOPBACK", False))


def _embedded_ipv4(ip):
    """The IPv4 address inside an IPv6 form that reaches it (IPv4-mapped,
    NAT64, 6to4, Teredo), or None."""
    if ip.version != 6:
        return None
    if ip.ipv4_mapped:
        return ip.ipv4_mapped
    if ip in NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour:
        return ip.sixtofour
    if ip.teredo:
        return ip.teredo[1]
    return None


def _kind(ip, allow_loopback: bool) -> str | None:
    """What kind of address `ip` is, when it is one we never send to."""
    embedded = _embedded_ipv4(ip)
    if embedded is not None:
        inner = _kind(embedded, allow_loopback)
        return f"a way to reach {embedded}, {inner}" if inner else None
    if ip in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if ip.is_loopback:
        return None if allow_loopback else "a loopback address"
    if ip.is_unspecified:
        return "the unspecified address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.version == 4 and ip in CGNAT:
        return "a shared (carrier-grade NAT) address"
    if ip.is_multicast:
        return "a multicast address"
    if ip.is_reserved:
        return "a reserved address"
    if ip.is_private:
        return "a private address"
    if not ip.is_global:
        return "a reserved address"
    return None


def address_kind(address: str, allow_loopback: bool | None = None) -> str | None:
    """What kind of address `address` (an IP address as text) is when we
    never send to it ("a private address"); None for a public internet
    address (or loopback, where allowed)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone (fe80::1%eth0)
    return _kind(ip, loopback_allowed() if allow_loopback is None else allow_loopback)


def refusal_for(address: str, host: str | None = None, allow_loopback: bool | None = None) -> str | None:
    """Why we never send to `address` (that `host` resolved to), in words; None when we may."""
    kind = address_kind(address, allow_loopback)
    if kind is None:
        return None
    if host and host != address:
        return f"{host} resolves to {address}, {kind}: {WHY}"
    return f"{address} is {kind}: {WHY}"


def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (an IP literal resolves to itself)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise RefusedAddress(f"The host {host} could not be resolved ({error}).") from None
    addresses = []
    for _family, _type, _proto, _name, sockaddr in infos:
        if sockaddr[0] not in addresses:
            addresses.append(sockaddr[0])
    if not addresses:
        raise RefusedAddress(f"The host {host} resolves to no address.")
    return addresses


def check_url(url: str) -> Target:
    """The URL's target, checked now; raises RefusedAddress with the reason
    in words when the URL or any address its host resolves to is refused."""
    if not isinstance(url, str) or not url.strip():
        raise RefusedAddress("Give the receiver's URL, e.g. https://example.org/aikb-webhooks.")
    if any(ord(c) < 33 for c in url):
        raise RefusedAddress("The URL contains spaces or control characters.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise RefusedAddress(f"The URL is not valid: {error}.") from None
    scheme = parts.scheme.lower()
    if not scheme:
        raise RefusedAddress("The URL has no scheme: start it with https:// (or http://).")
    if scheme not in ALLOWED_SCHEMES:
        raise RefusedAddress(f"The scheme {scheme!r} is not allowed: use http or https.")
    if parts.username is not None or parts.password is not None:
        raise RefusedAddress("The URL may not contain a user name or password; put a token in its path or query.")
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise RefusedAddress("The URL names no host.")
    if host in METADATA_HOSTS or host.endswith(".metadata.google.internal"):
        raise RefusedAddress(f"{host} is a cloud metadata service: {WHY}")
    port = port or DEFAULT_PORTS[scheme]
    addresses = resolve(host, port)
    for address in addresses:
        reason = refusal_for(address, host)
        if reason:
            raise RefusedAddress(reason)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(scheme=scheme, host=host, port=port, path=path, addresses=tuple(addresses))


def validate_receiver_url(url: str) -> None:
    """The policy as a field validator (the model, its admin form, the API)."""
    try:
        check_url(url)
    except RefusedAddress as refusal:
        raise ValidationError(str(refusal), code="refused_address") from None
