"""The duplicate finder: pairs of visible records with exact scores and reasons, paged, dismissable."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from klient.core.models import User
from klient.core.pagination import InvalidCursor
from klient.customers.duplicates import (
    COMPANY_REASONS,
    company_duplicates,
    contact_duplicates,
    dismissal_key,
    score,
)
from klient.customers.services import company_create, contact_create


def _rows(page):
    return [(pair.first.name, pair.second.name, pair.score, pair.reasons) for pair in page.items]


@pytest.fixture
def companies(alice, bob, carol, mike):
    """North's companies (seen by mike) and one of South's (not seen by mike)."""
    made = {
        "acme_pl": company_create(actor=alice, name="Acme", country="PL", tax_id="PL1234563218"),
        "acme_sp": company_create(
            actor=bob, name="ACME sp. z o.o.", country="PL", tax_id="123-456-32-18", website="acme.pl"
        ),
        "acme_de": company_create(
            actor=alice, name="Acme", country="DE", website="https://www.acme.pl/kontakt"
        ),
        "beta": company_create(actor=alice, name="Beta", country="PL", phone="22 555 01 02"),
        "gamma": company_create(actor=bob, name="Gamma", country="PL", phone="+48 22 555 01 02"),
        "zeta": company_create(actor=alice, name="Zeta", country="PL"),
        "delta": company_create(actor=carol, name="Delta", country="PL", tax_id="1234563218"),
    }
    return made


def test_it_scores_each_pair_by_its_reasons(companies, mike):
    page = company_duplicates(user=mike)
    assert _rows(page) == [
        ("Acme", "ACME sp. z o.o.", 96, ["tax_id", "name_country"]),
        ("ACME sp. z o.o.", "Acme", 65, ["website", "similar_name"]),
        ("Beta", "Gamma", 40, ["phone"]),
        ("Acme", "Acme", 30, ["similar_name"]),
    ]
    assert [pair.labels for pair in page.items] == [
        ["Same tax id", "Same name and country"],
        ["Same website", "Same name in another country"],
        ["Same phone"],
        ["Same name in another country"],
    ]
    assert [(pair.first_id, pair.second_id) for pair in page.items][1] == (
        companies["acme_sp"].pk,
        companies["acme_de"].pk,
    )
    assert page.next_cursor is None


def test_it_pairs_only_companies_the_user_can_see(companies, alice, root):
    # alice sees her own three Acme/Beta/Zeta companies only.
    assert _rows(company_duplicates(user=alice)) == [("Acme", "Acme", 30, ["similar_name"])]
    # root sees South's Delta too, with the same tax id as two of North's.
    assert [row[:3] for row in _rows(company_duplicates(user=root))] == [
        ("Acme", "ACME sp. z o.o.", 96),
        ("Acme", "Delta", 90),
        ("ACME sp. z o.o.", "Delta", 90),
        ("ACME sp. z o.o.", "Acme", 65),
        ("Beta", "Gamma", 40),
        ("Acme", "Acme", 30),
    ]


def test_a_dismissed_pair_is_left_out(companies, mike):
    dismissed = [dismissal_key("company", companies["acme_sp"].pk, companies["acme_pl"].pk)]
    assert [row[:2] for row in _rows(company_duplicates(user=mike, dismissed=dismissed))] == [
        ("ACME sp. z o.o.", "Acme"),
        ("Beta", "Gamma"),
        ("Acme", "Acme"),
    ]


def test_it_pages_with_a_cursor(companies, mike):
    first = company_duplicates(user=mike, limit=3)
    assert [pair.score for pair in first.items] == [96, 65, 40]
    second = company_duplicates(user=mike, limit=3, cursor=first.next_cursor)
    assert ([pair.score for pair in second.items], second.next_cursor) == ([30], None)
    with pytest.raises(InvalidCursor):
        company_duplicates(user=mike, cursor="bm90LWEtY3Vyc29y")


def test_a_large_group_pairs_each_member_with_the_oldest_only(alice):
    made = [company_create(actor=alice, name=f"Shop {n}", phone="+48 22 000 00 00") for n in range(12)]
    page = company_duplicates(user=alice)
    assert [(pair.first_id, pair.second_id) for pair in page.items] == [
        (made[0].pk, other.pk) for other in made[1:]
    ]
    assert {pair.score for pair in page.items} == {40}


def test_the_query_count_does_not_grow_with_the_duplicates(alice):
    company_create(actor=alice, name="One", tax_id="111")
    company_create(actor=alice, name="One", tax_id="111")
    fresh = User.objects.get(pk=alice.pk)  # visibility is cached on the user object: start cold
    with CaptureQueriesContext(connection) as few:
        assert len(company_duplicates(user=fresh).items) == 1
    for n in range(20):
        company_create(actor=alice, name=f"Two {n}", website=f"two{n % 5}.example", phone=f"+4822100{n:04d}")
    fresh = User.objects.get(pk=alice.pk)
    with CaptureQueriesContext(connection) as many:
        assert len(company_duplicates(user=fresh).items) == 31
    # Delegations, role visibility, one query per key (names give two reasons), the page's rows.
    assert len(many) == len(few) == 7


def test_scores_combine_as_independent_chances():
    assert score([], COMPANY_REASONS) == 0
    assert score(["phone"], COMPANY_REASONS) == 40
    assert score(["tax_id", "name_country", "website", "phone"], COMPANY_REASONS) == 99
    assert score(["website", "phone"], COMPANY_REASONS) == 70


@pytest.fixture
def people(alice, carol):
    x = company_create(actor=alice, name="X", country="PL")
    y = company_create(actor=alice, name="Y", country="PL")
    z = company_create(actor=carol, name="Z", country="PL")
    return {
        "ana": contact_create(
            actor=alice, company=x, first_name="Ana", last_name="Novak", email="ana@acme.pl"
        ),
        "anna": contact_create(
            actor=alice, company=y, first_name="Anna", last_name="Novak", email="ANA@acme.pl"
        ),
        "ana2": contact_create(
            actor=alice, company=x, first_name="Ána", last_name="Novak", phone="22 100 20 30"
        ),
        "jan": contact_create(
            actor=alice, company=y, first_name="Jan", last_name="Kos", mobile="+48 22 100 20 30"
        ),
        "eve": contact_create(
            actor=carol, company=z, first_name="Ana", last_name="Novak", email="ana@acme.pl"
        ),
        "solo": contact_create(
            actor=alice, company=y, first_name="Ana", last_name="Novak", mobile="+48 600 000 001"
        ),
    }


def test_it_finds_contacts_by_email_phone_and_name_at_one_company(people, alice):
    page = contact_duplicates(user=alice)
    assert [(pair.first_id, pair.second_id, pair.score, pair.reasons) for pair in page.items] == [
        (people["ana"].pk, people["anna"].pk, 80, ["email"]),
        (people["ana"].pk, people["ana2"].pk, 60, ["name_company"]),
        (people["ana2"].pk, people["jan"].pk, 50, ["phone"]),
    ]
    assert [pair.labels for pair in page.items] == [
        ["Same email"],
        ["Same name at the same company"],
        ["Same phone"],
    ]
    assert page.items[0].second.company.name == "Y"


def test_contacts_of_other_teams_are_not_paired(people, carol):
    assert contact_duplicates(user=carol).items == []


def test_the_contact_finder_query_count_does_not_grow_with_the_duplicates(alice):
    company = company_create(actor=alice, name="Acme", country="PL")
    contact_create(actor=alice, company=company, first_name="Ana", email="ana@acme.pl")
    contact_create(actor=alice, company=company, first_name="Ann", email="ana@acme.pl")
    fresh = User.objects.get(pk=alice.pk)
    with CaptureQueriesContext(connection) as few:
        assert len(contact_duplicates(user=fresh).items) == 1
    for n in range(15):
        contact_create(actor=alice, company=company, first_name="Jan", last_name=f"Kos {n % 5}")
        contact_create(actor=alice, company=company, first_name=f"P{n}", mobile=f"+48 600 000 0{n % 3:02d}")
    fresh = User.objects.get(pk=alice.pk)
    with CaptureQueriesContext(connection) as many:
        assert len(contact_duplicates(user=fresh).items) == 1 + 5 * 3 + 3 * 10
    # Delegations, role visibility, one query per key (email, numbers, name at a company), the page's rows.
    assert len(many) == len(few) == 6
