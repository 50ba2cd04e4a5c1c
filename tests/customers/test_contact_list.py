"""The contact list: each ContactFilter's exact result set, the page, its pages and its query count."""

import datetime
import re

import pytest
import time_machine
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from klient.core.pagination import encode_cursor
from klient.customers.filters import ContactFilter
from klient.customers.models import Contact
from klient.customers.services import company_create, contact_create

pytestmark = pytest.mark.django_db

ROW = re.compile(r'<tr data-contact="(\d+)">\s*<td data-name><a href="[^"]+">([^<]+)</a>')
NOW = datetime.datetime(2026, 6, 15, 12, 0, tzinfo=datetime.UTC)


def rows(response) -> list[str]:
    return [name for _pk, name in ROW.findall(response.content.decode())]


@pytest.fixture
def people(alice, carol):
    acme = company_create(actor=alice, name="Acme", country="PL")
    beta = company_create(actor=alice, name="Beta", country="DE")
    south = company_create(actor=carol, name="Southern")
    contact_create(
        actor=alice,
        company=acme,
        first_name="Anna",
        last_name="Nowak",
        email="anna@acme.pl",
        buying_role="decision_maker",
        language="pl",
        birthday=datetime.date(1980, 6, 30),
        marketing_consent=True,
    )
    contact_create(
        actor=alice,
        company=acme,
        first_name="Jan",
        last_name="Kowalski",
        phone="+48 22 123 45 67",
        buying_role="user",
        language="pl",
        birthday=datetime.date(1975, 7, 1),
    )
    contact_create(
        actor=alice,
        company=beta,
        first_name="Hans",
        last_name="Müller",
        mobile="+49 151 2345678",
        other_emails=["hans@beta.de"],
        language="en",
        left_on=datetime.date(2026, 1, 31),
    )
    contact_create(
        actor=alice,
        company=beta,
        first_name="Ida",
        last_name="Berg",
        other_phones=["+49 30 1234567"],
        buying_role="gatekeeper",
    )
    contact_create(actor=carol, company=south, first_name="Sue", last_name="South", email="sue@south.example")
    return {"acme": acme, "beta": beta, "south": south}


def names(contact_filter: ContactFilter) -> list[str]:
    queryset = contact_filter.apply(Contact.objects.all(), username="alice").order_by("last_name")
    return [contact.last_name for contact in queryset]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["Berg", "Kowalski", "Müller", "Nowak", "South"]),
        ("q=anna", ["Nowak"]),
        ("buying_role=decision_maker", ["Nowak"]),
        ("buying_role=gatekeeper", ["Berg"]),
        ("buying_role=nonsense", ["Berg", "Kowalski", "Müller", "Nowak", "South"]),
        ("language=pl", ["Kowalski", "Nowak"]),
        ("language=en", ["Müller"]),
        ("has_left=true", ["Müller"]),
        ("has_left=false", ["Berg", "Kowalski", "Nowak", "South"]),
        ("has_email=true", ["Müller", "Nowak", "South"]),  # Müller by another email
        ("has_email=false", ["Berg", "Kowalski"]),
        ("has_phone=true", ["Berg", "Kowalski", "Müller"]),  # phone, mobile, another phone
        ("has_phone=false", ["Nowak", "South"]),
        ("consent=true", ["Nowak"]),
        ("consent=false", ["Berg", "Kowalski", "Müller", "South"]),
        ("birthday_this_month=true", ["Nowak"]),
        ("birthday_this_month=false", ["Berg", "Kowalski", "Müller", "Nowak", "South"]),
        ("language=pl&buying_role=user", ["Kowalski"]),
    ],
)
def test_each_filter_gives_exactly_its_contacts(people, query, expected):
    with time_machine.travel(NOW, tick=False):
        assert names(ContactFilter.from_query(QueryDict(query))) == expected


def test_it_filters_by_company(people):
    assert names(ContactFilter(company=str(people["beta"].pk))) == ["Berg", "Müller"]


def test_birthday_this_month_follows_the_calendar(people):
    with time_machine.travel(datetime.datetime(2026, 7, 10, tzinfo=datetime.UTC), tick=False):
        assert names(ContactFilter(birthday_this_month=True)) == ["Kowalski"]


def test_the_page_lists_the_visible_contacts_by_last_name(login, alice, carol, people):
    assert rows(login(alice).get("/companies/contacts/")) == [
        "Ida Berg",
        "Jan Kowalski",
        "Hans Müller",
        "Anna Nowak",
    ]
    assert rows(login(carol).get("/companies/contacts/")) == ["Sue South"]


def test_the_page_filters_by_the_url_and_names_the_company(login, alice, people):
    response = login(alice).get(f"/companies/contacts/?company={people['beta'].pk}&sort=-name")
    body = response.content.decode()
    assert rows(response) == ["Hans Müller", "Ida Berg"]
    assert "People at Beta" in body
    assert 'href="?sort=-name" aria-label="Show the people of every company"' in body


def test_a_company_the_user_cannot_see_lists_nobody(login, alice, people):
    response = login(alice).get(f"/companies/contacts/?company={people['south'].pk}")
    assert rows(response) == []
    assert "No contacts match." in response.content.decode()
    assert "Southern" not in response.content.decode()


def test_a_portal_customer_may_not_open_the_list(login, paula):
    assert login(paula).get("/companies/contacts/").status_code == 403


def test_show_more_pages_by_last_name_over_ties(login, alice):
    company = company_create(actor=alice, name="Acme")
    Contact.objects.bulk_create(
        Contact(company=company, first_name=f"P{index:02}", last_name="Same") for index in range(53)
    )
    client = login(alice)
    first = client.get("/companies/contacts/")
    assert rows(first) == [f"P{index:02} Same" for index in range(50)]
    last = Contact.objects.get(first_name="P49")
    cursor = encode_cursor(["Same", "P49", last.pk])
    assert f'href="?sort=name&amp;cursor={cursor}" data-next-page' in first.content.decode()
    more = client.get(f"/companies/contacts/?sort=name&cursor={cursor}", headers={"HX-Request": "true"})
    assert rows(more) == ["P50 Same", "P51 Same", "P52 Same"]
    assert "<html" not in more.content.decode()


def test_it_issues_the_same_number_of_queries_for_3_and_for_50_rows(login, alice):
    company = company_create(actor=alice, name="Acme")
    other = company_create(actor=alice, name="Beta")
    client = login(alice)
    Contact.objects.bulk_create(Contact(company=company, last_name=f"A{index:02}") for index in range(3))
    client.get("/companies/contacts/")
    with CaptureQueriesContext(connection) as three:
        assert len(rows(client.get("/companies/contacts/?has_left=false"))) == 3
    Contact.objects.bulk_create(
        Contact(company=other if index % 2 else company, last_name=f"B{index:02}") for index in range(47)
    )
    with CaptureQueriesContext(connection) as fifty:
        assert len(rows(client.get("/companies/contacts/?has_left=false"))) == 50
    assert len(three) == len(fifty)
