"""The merge screens: two records side by side, a choice per field, a version check, then one record."""

from __future__ import annotations

import re

import pytest
from django.contrib.contenttypes.models import ContentType

from klient.core.models import AuditEntry, Role
from klient.customers.models import Company, Contact
from klient.customers.services import company_create, company_update, contact_create

pytestmark = pytest.mark.django_db


def _checked(html: str) -> dict[str, str]:
    return dict(re.findall(r'name="choice_(\w+)" value="(keep|drop)" checked', html))


@pytest.fixture
def acme(alice, bob):
    keep = company_create(actor=alice, name="Acme", country="PL", tax_id="PL1234563218")
    drop = company_create(
        actor=bob, name="Acme S.A.", country="PL", tax_id="1234563218", city="Gdańsk", industry="Tools"
    )
    contact_create(actor=bob, company=drop, first_name="Ola", last_name="Lis")
    return keep, drop


def test_the_screen_shows_both_records_with_the_default_choices(acme, login, mike):
    keep, drop = acme
    response = login(mike).get(f"/companies/{keep.pk}/merge/{drop.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    # Differing fields offer a choice: the kept value, or the other's where the kept one is empty.
    assert _checked(html) == {
        "name": "keep",
        "tax_id": "keep",
        "city": "drop",
        "industry": "drop",
        "owner": "keep",
    }
    assert f'name="keep_version" value="{keep.version}"' in html
    assert f'href="/companies/{drop.pk}/merge/{keep.pk}/"' in html


def test_merging_through_the_screen(acme, login, mike, bob):
    keep, drop = acme
    client = login(mike)
    response = client.post(
        f"/companies/{keep.pk}/merge/{drop.pk}/",
        {
            "keep_version": "1",
            "drop_version": "1",
            "choice_name": "drop",
            "choice_industry": "keep",
            "choice_owner": "drop",
        },
    )
    assert (response.status_code, response["Location"]) == (302, f"/companies/{keep.pk}/")
    merged = Company.objects.get()
    assert (merged.pk, merged.name, merged.city, merged.industry, merged.owner, merged.version) == (
        keep.pk,
        "Acme S.A.",
        "Gdańsk",
        "",
        bob,
        2,
    )
    assert Contact.objects.get().company_id == keep.pk
    card = client.get(f"/companies/{keep.pk}/").content.decode()
    assert "“Acme S.A.” was merged into “Acme S.A.”." in card


def test_a_stale_screen_is_refused_and_shows_the_current_values(acme, login, mike, alice):
    keep, drop = acme
    company_update(company=keep, actor=alice, version=1, city="Sopot")
    audit_before = AuditEntry.objects.count()
    response = login(mike).post(
        f"/companies/{keep.pk}/merge/{drop.pk}/", {"keep_version": "1", "drop_version": "1"}
    )
    html = response.content.decode()
    assert response.status_code == 409
    assert "Someone else changed one of these records while you were choosing. Nothing was merged" in html
    assert 'name="keep_version" value="2"' in html
    assert "Sopot" in html
    assert Company.objects.count() == 2
    assert AuditEntry.objects.count() == audit_before


@pytest.mark.parametrize(
    ("username", "status"),
    [("alice", 403), ("sam", 403), ("sue", 404)],
    ids=["account-manager", "service-agent", "manager-of-another-team"],
)
def test_a_refused_merge_changes_nothing(acme, login, make_user, south, sam, username, status):
    keep, drop = acme
    users = {"alice": keep.owner, "sam": sam, "sue": make_user("sue", Role.SALES_MANAGER, south)}
    client = login(users[username])
    assert client.get(f"/companies/{keep.pk}/merge/{drop.pk}/").status_code == status
    response = client.post(
        f"/companies/{keep.pk}/merge/{drop.pk}/", {"keep_version": "1", "drop_version": "1"}
    )
    assert response.status_code == status
    assert list(Company.objects.order_by("pk").values_list("pk", "version")) == [(keep.pk, 1), (drop.pk, 1)]


def test_a_company_cannot_be_merged_with_itself(acme, login, mike):
    keep, _drop = acme
    response = login(mike).post(f"/companies/{keep.pk}/merge/{keep.pk}/", follow=True)
    assert "A record cannot be merged with itself." in response.content.decode()
    assert Company.objects.count() == 2


def test_an_unknown_choice_leaves_the_default(alice, login, mike):
    keep = company_create(actor=alice, name="Acme", status="lost", status_reason="Price")
    drop = company_create(actor=alice, name="Acme", email="office@acme.example")
    response = login(mike).post(
        f"/companies/{keep.pk}/merge/{drop.pk}/",
        {"keep_version": "1", "drop_version": "1", "choice_name": "bogus"},
    )
    assert response.status_code == 302  # an unknown choice is ignored: the default stands
    merged = Company.objects.get()
    assert (merged.status, merged.status_reason, merged.email) == ("lost", "Price", "office@acme.example")


def test_merging_two_contacts_through_the_screen(alice, login):
    company = company_create(actor=alice, name="Acme", country="PL")
    keep = contact_create(
        actor=alice, company=company, first_name="Ana", last_name="Novak", email="a@acme.pl"
    )
    drop = contact_create(
        actor=alice, company=company, first_name="Ana", last_name="Novák", email="ana@acme.pl", position="CFO"
    )
    client = login(alice)
    html = client.get(f"/companies/contacts/{keep.pk}/merge/{drop.pk}/").content.decode()
    assert _checked(html) == {"last_name": "keep", "email": "keep", "position": "drop"}
    response = client.post(
        f"/companies/contacts/{keep.pk}/merge/{drop.pk}/",
        {"keep_version": "1", "drop_version": "1", "choice_last_name": "drop"},
    )
    assert (response.status_code, response["Location"]) == (302, f"/companies/contacts/{keep.pk}/")
    merged = Contact.objects.get()
    assert (merged.last_name, merged.email, merged.other_emails, merged.position) == (
        "Novák",
        "a@acme.pl",
        ["ana@acme.pl"],
        "CFO",
    )
    deleted = AuditEntry.objects.get(
        content_type=ContentType.objects.get_for_model(Contact), object_id=drop.pk, action="delete"
    )
    assert deleted.changes["merged_into"]["to"] == keep.pk
