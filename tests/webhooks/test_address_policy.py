"""Every refusal of webhooks.address_policy, and what it lets through."""

import pytest

from webhooks.address_policy import RefusedAddress, check_url, refusal_for

PUBLIC_V4 = "93.184.216.34"
PUBLIC_V6 = "2606:2800:220:1:248:1893:25c8:1946"


@pytest.mark.parametrize("url, words", [
    ("ftp://example.org/hook", "scheme 'ftp' is not allowed"),
    ("file:///etc/passwd", "scheme 'file' is not allowed"),
    ("gopher://example.org/", "scheme 'gopher' is not allowed"),
    ("javascript:alert(1)", "scheme 'javascript' is not allowed"),
    ("example.org/hook", "has no scheme"),
    ("https://user:secret@example.org/hook", "user name or password"),
    ("https://user@example.org/hook", "user name or password"),
    ("https:///hook", "names no host"),
    ("https://exa mple.org/", "spaces or control characters"),
    ("https://example.org:99999/", "not valid"),
    ("", "Give the receiver's URL"),
])
def test_malformed_and_non_http_urls_are_refused(url, words):
    with pytest.raises(RefusedAddress, match=words):
        check_url(url)


@pytest.mark.parametrize("host", ["metadata.google.internal", "METADATA.google.internal.", "metadata.goog",
                                  "computeMetadata.metadata.google.internal"])
def test_metadata_service_names_are_refused_before_any_lookup(host, fake_dns):
    fake_dns(host.lower().rstrip("."), [PUBLIC_V4])
    with pytest.raises(RefusedAddress, match="cloud metadata service"):
        check_url(f"http://{host}/computeMetadata/v1/")
    assert fake_dns.looked_up == []


@pytest.mark.parametrize("address, kind", [
    ("169.254.169.254", "a cloud metadata address"),
    ("fd00:ec2::254", "a cloud metadata address"),
    ("168.63.129.16", "a cloud metadata address"),
    ("100.100.100.200", "a cloud metadata address"),
    ("127.0.0.1", "a loopback address"),
    ("127.8.9.10", "a loopback address"),
    ("::1", "a loopback address"),
    ("0.0.0.0", "the unspecified address"),
    ("::", "the unspecified address"),
    ("169.254.10.1", "a link-local address"),
    ("fe80::1", "a link-local address"),
    ("10.0.0.1", "a private address"),
    ("172.16.5.4", "a private address"),
    ("192.168.1.1", "a private address"),
    ("fc00::1", "a private address"),
    ("100.64.0.1", "a shared (carrier-grade NAT) address"),
    ("100.127.255.254", "a shared (carrier-grade NAT) address"),
    ("224.0.0.251", "a multicast address"),
    ("ff02::1", "a multicast address"),
    ("240.0.0.1", "a reserved address"),
    ("192.0.2.10", "a private address"),  # documentation range
    ("::ffff:10.0.0.1", "a way to reach 10.0.0.1, a private address"),
    ("::ffff:127.0.0.1", "a way to reach 127.0.0.1, a loopback address"),
    ("::ffff:169.254.169.254", "a way to reach 169.254.169.254, a cloud metadata address"),
    ("64:ff9b::a9fe:a9fe", "a way to reach 169.254.169.254, a cloud metadata address"),
    ("2002:c0a8:101::1", "a way to reach 192.168.1.1, a private address"),
])
def test_refused_addresses_as_ip_literals(address, kind):
    host = f"[{address}]" if ":" in address else address
    with pytest.raises(RefusedAddress) as refused:
        check_url(f"https://{host}/hook")
    assert str(refused.value) == f"{address} is {kind}: webhooks are delivered only to public internet addresses."


@pytest.mark.parametrize("spelling", ["2130706433", "0x7f000001", "017700000001", "127.1"])
def test_other_spellings_of_loopback_are_refused(spelling):
    with pytest.raises(RefusedAddress, match="127.0.0.1, a loopback address"):
        check_url(f"http://{spelling}/")


def test_a_name_resolving_to_loopback_is_refused_when_loopback_is_not_allowed(fake_dns, settings):
    settings.AIKB_WEBHOOKS_ALLOW_LOOPBACK = False
    fake_dns("hooks.newsroom.example", ["127.0.0.1"])
    with pytest.raises(RefusedAddress) as refused:
        check_url("https://hooks.newsroom.example/aikb")
    assert str(refused.value) == (
        "hooks.newsroom.example resolves to 127.0.0.1, a loopback address: "
        "webhooks are delivered only to public internet addresses."
    )


def test_localhost_is_refused(settings):
    settings.AIKB_WEBHOOKS_ALLOW_LOOPBACK = False
    with pytest.raises(RefusedAddress, match="loopback"):
        check_url("http://localhost:8000/")


def test_every_address_of_a_name_must_be_public(fake_dns):
    fake_dns("mixed.example", [PUBLIC_V4, "10.1.2.3"])
    with pytest.raises(RefusedAddress, match="mixed.example resolves to 10.1.2.3, a private address"):
        check_url("https://mixed.example/")


def test_a_name_that_does_not_resolve_is_refused():
    with pytest.raises(RefusedAddress, match="could not be resolved"):
        check_url("https://no-such-host.invalid/hook")


def test_public_addresses_pass_with_what_the_delivery_connects_to(fake_dns):
    fake_dns("hooks.newsroom.example", [PUBLIC_V4, PUBLIC_V6])
    target = check_url("HTTPS://Hooks.Newsroom.Example./in/aikb?token=abc")
    assert target.scheme == "https" and target.host == "hooks.newsroom.example" and target.port == 443
    assert target.path == "/in/aikb?token=abc"
    assert target.addresses == (PUBLIC_V4, PUBLIC_V6)
    assert check_url(f"http://{PUBLIC_V4}:8080").path == "/"


def test_the_setting_allows_loopback_and_nothing_else(settings, fake_dns):
    settings.AIKB_WEBHOOKS_ALLOW_LOOPBACK = True
    assert check_url("http://127.0.0.1:9000/x").addresses == ("127.0.0.1",)
    assert refusal_for("::1") is None
    for address in ("10.0.0.1", "169.254.169.254", "192.168.0.1", "0.0.0.0", "100.64.0.1"):
        assert refusal_for(address), address
    fake_dns("metadata.google.internal", ["127.0.0.1"])
    with pytest.raises(RefusedAddress, match="metadata"):
        check_url("http://metadata.google.internal/")


def test_loopback_is_refused_by_default(settings):
    del settings.AIKB_WEBHOOKS_ALLOW_LOOPBACK  # not set: off
    assert refusal_for("127.0.0.1")
