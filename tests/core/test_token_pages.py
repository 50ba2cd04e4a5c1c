"""The API tokens page: a new token is shown once, then only its prefix; revoking stops it at once."""

import datetime
import re

import pytest

from klient.core.models import ApiToken
from klient.core.services import api_token_create
from tests.conftest import ApiClient

pytestmark = pytest.mark.django_db


def shown_token(page: str) -> str | None:
    match = re.search(r"<code data-new-token>([^<]+)</code>", page)
    return match.group(1) if match else None


def test_a_new_token_is_shown_once_then_only_its_prefix(login, alice):
    client = login(alice)

    created = client.post("/me/tokens/", {"name": "Laptop", "is_read_only": "on"})

    assert created.status_code == 200
    page = created.content.decode()
    raw = shown_token(page)
    token = ApiToken.objects.get()
    assert (token.user, token.name, token.is_read_only, token.expires_at) == (alice, "Laptop", True, None)
    assert raw.startswith("kl_")
    assert token.prefix == raw[:10]
    assert "Token created. Copy it now: it will not be shown again." in page
    assert ApiClient(raw).get("/me").json()["username"] == "alice"

    later = client.get("/me/tokens/").content.decode()
    assert shown_token(later) is None
    assert raw not in later
    assert f"<code>{token.prefix}…</code>" in later
    assert "Read only" in later


def test_a_token_with_an_expiry_date_ends_that_day_in_the_users_time_zone(login, alice):
    alice.timezone = "Europe/Warsaw"
    alice.save(update_fields=["timezone"])
    login(alice).post("/me/tokens/", {"name": "Short", "expires_on": "2026-03-02"})
    expires_at = ApiToken.objects.get().expires_at
    assert expires_at.astimezone(datetime.UTC) == datetime.datetime(
        2026, 3, 2, 22, 59, 59, 999999, tzinfo=datetime.UTC
    )


def test_a_token_needs_a_name(login, alice):
    response = login(alice).post("/me/tokens/", {"name": ""})
    assert "This field is required." in response.content.decode()
    assert shown_token(response.content.decode()) is None
    assert ApiToken.objects.count() == 0


def test_the_page_lists_only_the_users_own_tokens(login, alice, bob):
    api_token_create(user=bob, name="Bob's laptop")
    api_token_create(user=alice, name="Alice's laptop")
    page = login(alice).get("/me/tokens/").content.decode()
    assert "Alice&#x27;s laptop" in page
    assert "Bob&#x27;s laptop" not in page


def test_revoking_stops_the_token_at_once(login, alice):
    token, raw = api_token_create(user=alice, name="Laptop")
    client = login(alice)

    response = client.post(f"/me/tokens/{token.pk}/revoke/")

    assert response.status_code == 302
    assert response["Location"] == "/me/tokens/"
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert ApiClient(raw).get("/me").status_code == 401
    page = client.get("/me/tokens/").content.decode()
    assert "Token “Laptop” revoked." in page
    assert "<td>Revoked</td>" in page
    assert f"/me/tokens/{token.pk}/revoke/" not in page


def test_nobody_else_can_revoke_a_token(login, alice, bob, root):
    token, raw = api_token_create(user=alice, name="Laptop")
    assert login(bob).post(f"/me/tokens/{token.pk}/revoke/").status_code == 404
    assert login(root).post(f"/me/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert ApiClient(raw).get("/me").status_code == 200
