"""Bearer tokens: read-only tokens refuse writes; revoked, expired and unknown tokens get 401."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from klient.core.exceptions import NotAllowed
from klient.core.models import ApiToken, AuditEntry
from klient.core.services import api_token_authenticate, api_token_create, api_token_revoke
from klient.customers.models import Company
from klient.customers.services import company_create
from tests.conftest import ApiClient

pytestmark = pytest.mark.django_db

UNAUTHENTICATED = {"detail": "Authentication required: send `Authorization: Bearer <token>`.", "errors": []}
READ_ONLY = {"detail": "This token is read-only.", "errors": []}


def db_snapshot() -> tuple:
    return (
        list(Company.objects.order_by("pk").values_list("pk", "name", "version")),
        AuditEntry.objects.count(),
    )


def test_a_read_only_token_reads_but_never_writes(api, alice):
    company = company_create(actor=alice, name="Acme")
    client = api(alice, read_only=True)
    before = db_snapshot()

    assert [c["name"] for c in client.get("/companies").json()["items"]] == ["Acme"]
    assert client.get(f"/companies/{company.pk}").json()["version"] == 1
    assert client.get("/me").json()["username"] == "alice"

    for response in (
        client.post("/companies", {"name": "Beta"}),
        client.patch(f"/companies/{company.pk}", {"version": 1, "name": "Acme 2"}),
        client.delete(f"/companies/{company.pk}"),
        client.patch("/me", {"language": "pl"}),
        client.post(f"/companies/{company.pk}/account-team", {"username": "alice"}),
    ):
        assert response.status_code == 403
        assert response.json() == READ_ONLY
    assert db_snapshot() == before
    alice.refresh_from_db()
    assert alice.language == "en"


def test_a_revoked_token_gets_401(alice):
    token, raw = api_token_create(user=alice, name="laptop")
    client = ApiClient(raw)
    assert client.get("/me").status_code == 200

    api_token_revoke(token=token, actor=alice)

    response = client.get("/me")
    assert response.status_code == 401
    assert response.json() == UNAUTHENTICATED
    assert response["WWW-Authenticate"] == 'Bearer realm="klient"'


def test_an_expired_token_gets_401(alice):
    now = timezone.now()
    _token, raw = api_token_create(user=alice, name="short", expires_at=now + datetime.timedelta(hours=1))
    assert ApiClient(raw).get("/me").status_code == 200
    with time_machine.travel(now + datetime.timedelta(hours=1, seconds=1)):
        assert ApiClient(raw).get("/me").status_code == 401


def test_a_disabled_users_token_gets_401(alice):
    _token, raw = api_token_create(user=alice, name="laptop")
    alice.is_active = False
    alice.save(update_fields=["is_active"])
    assert ApiClient(raw).get("/me").json() == UNAUTHENTICATED


@pytest.mark.parametrize("raw", ["", "kl_not-a-real-token", "not-ours", "Basic abc"])
def test_unknown_tokens_get_401(alice, raw):
    response = ApiClient(raw).get("/me")
    assert response.status_code == 401
    assert response.json() == UNAUTHENTICATED


def test_only_a_digest_is_stored_and_use_is_recorded(alice):
    with time_machine.travel(datetime.datetime(2026, 3, 2, 12, 0, tzinfo=datetime.UTC), tick=False):
        token, raw = api_token_create(user=alice, name="laptop")
        assert raw.startswith("kl_")
        assert token.prefix == raw[:10]
        assert raw not in str(ApiToken.objects.filter(pk=token.pk).values().get())
        ApiClient(raw).get("/me")
    token.refresh_from_db()
    assert token.last_used_at == datetime.datetime(2026, 3, 2, 12, 0, tzinfo=datetime.UTC)


def test_a_token_is_refused_a_name_made_of_spaces(alice):
    with pytest.raises(ValidationError) as error:
        api_token_create(user=alice, name="   ")
    assert error.value.message_dict == {"name": ["Give the token a name."]}
    assert ApiToken.objects.count() == 0


def test_only_the_owner_or_an_administrator_revokes_a_token(alice, bob, root):
    token, raw = api_token_create(user=alice, name="laptop")
    with pytest.raises(NotAllowed):
        api_token_revoke(token=token, actor=bob)
    assert api_token_authenticate(raw) is not None
    api_token_revoke(token=token, actor=root)
    assert api_token_authenticate(raw) is None


def test_the_session_of_the_ui_also_reads_the_api(login, alice):
    company_create(actor=alice, name="Acme")
    response = login(alice).get("/api/v1/companies")
    assert [c["name"] for c in response.json()["items"]] == ["Acme"]


def test_a_session_write_without_csrf_token_is_refused(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post("/api/v1/companies", {"name": "Acme"}, content_type="application/json")
    assert response.status_code == 403
    assert Company.objects.count() == 0
