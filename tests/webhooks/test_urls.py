"""Where a webhook may go: https:// on public addresses only, unless WEBHOOKS_ALLOW_INSECURE (development)
also allows http:// and private, loopback and link-local addresses."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from klient.core.models import User
from klient.webhooks.models import WebhookSubscription
from klient.webhooks.services import webhook_subscription_create, webhook_target

pytestmark = pytest.mark.django_db
PUBLIC = "https://93.184.215.14/hooks?source=klient"
HTTPS_ONLY = "Only https:// URLs are accepted, e.g. https://example.com/hooks."


def _refusal(url: str) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as refused:
        webhook_target(url)
    return refused.value.message_dict


def test_a_public_https_url_is_accepted_with_its_address_and_path() -> None:
    target = webhook_target(PUBLIC)
    assert (target.scheme, target.host, target.port, target.path, target.addresses) == (
        "https",
        "93.184.215.14",
        443,
        "/hooks?source=klient",
        ("93.184.215.14",),
    )


@pytest.mark.parametrize("url", ["http://93.184.215.14/hooks", "ftp://93.184.215.14/", "93.184.215.14/hooks"])
def test_only_https_is_accepted(url: str) -> None:
    assert _refusal(url) == {"url": [HTTPS_ONLY]}


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("https://127.0.0.1/hooks", "127.0.0.1"),
        ("https://10.1.2.3/", "10.1.2.3"),
        ("https://192.168.0.10/", "192.168.0.10"),
        ("https://172.16.5.5/", "172.16.5.5"),
        ("https://169.254.169.254/latest/meta-data", "169.254.169.254"),
        ("https://[::1]/", "::1"),
        ("https://[fe80::1]/", "fe80::1"),
        ("https://[::ffff:127.0.0.1]/", "::ffff:127.0.0.1"),
        ("https://0.0.0.0/", "0.0.0.0"),  # noqa: S104 - the address refused, not one listened on
    ],
)
def test_private_loopback_and_link_local_addresses_are_refused(url: str, address: str) -> None:
    refusal = _refusal(url)
    assert list(refusal) == ["url"]
    [message] = refusal["url"]
    assert message.endswith(f"({address}); webhooks go only to public addresses.")
    assert "is a private, loopback or link-local address" in message


def test_localhost_is_refused_whichever_loopback_address_it_resolves_to_first() -> None:
    [message] = _refusal("https://localhost:8443/hooks")["url"]
    assert message.startswith("“localhost” is a private, loopback or link-local address (")


def test_a_host_that_resolves_to_a_private_address_is_refused_by_its_address(monkeypatch: Any) -> None:
    def resolve(host: str, port: int, **kwargs: Any) -> list[Any]:
        assert host == "hooks.example.com"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", port))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    assert _refusal("https://hooks.example.com/x") == {
        "url": [
            "“hooks.example.com” is a private, loopback or link-local address (10.0.0.7); "
            "webhooks go only to public addresses."
        ]
    }


def test_a_host_that_does_not_resolve_is_refused(monkeypatch: Any) -> None:
    def fail(*args: Any, **kwargs: Any) -> list[Any]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", fail)
    assert _refusal("https://nowhere.example/x") == {
        "url": ["The host “nowhere.example” cannot be resolved."]
    }


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https:///hooks", "Give the URL a host name, e.g. https://example.com/hooks."),
        ("https://user:pass@93.184.215.14/", "Leave the user name and password out of the URL."),
        ("https://93.184.215.14:99999/", "The port is not a number from 1 to 65535."),
        ("https://93.184.215.14/" + "a" * 500, "At most 500 characters."),
    ],
)
def test_malformed_urls_are_refused_naming_the_field(url: str, message: str) -> None:
    assert _refusal(url) == {"url": [message]}


def test_the_insecure_setting_allows_http_and_loopback_but_not_other_schemes(insecure: None) -> None:
    target = webhook_target("http://127.0.0.1:8000/hooks")
    assert (target.scheme, target.port, target.addresses) == ("http", 8000, ("127.0.0.1",))
    assert webhook_target("https://10.1.2.3/").addresses == ("10.1.2.3",)
    assert _refusal("ftp://127.0.0.1/") == {"url": [HTTPS_ONLY]}


def test_a_refused_url_saves_nothing(root: User) -> None:
    with pytest.raises(ValidationError) as refused:
        webhook_subscription_create(
            actor=root, name="Metadata", url="https://169.254.169.254/", events=["quote.sent"]
        )
    assert list(refused.value.message_dict) == ["url"]
    assert WebhookSubscription.objects.count() == 0
