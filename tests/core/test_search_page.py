"""The global search page: visible companies, then contacts with their company; htmx fragment."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from klient.core.search import index_text
from klient.customers.models import Company, Contact
from klient.customers.services import company_create, contact_create

pytestmark = pytest.mark.django_db


def results(response) -> list[str]:
    block = re.search(
        r'<ul class="plain-list" data-results="companies">(.*?)</ul>', response.content.decode(), re.S
    )
    return re.findall(r'<a href="/companies/\d+/">([^<]+)</a>', block.group(1)) if block else []


@pytest.fixture
def companies(alice, carol):
    company_create(actor=alice, name="Zażółć Sp. z o.o.", tax_id="PL5213")
    company_create(actor=alice, name="Ćevapi")
    company_create(actor=alice, name="Ромашка")
    company_create(actor=carol, name="Zażółć Południe")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("zazolc", ["Zażółć Sp. z o.o."]),
        ("CEVAPI", ["Ćevapi"]),
        ("ромашка", ["Ромашка"]),
        ("5213", ["Zażółć Sp. z o.o."]),
    ],
)
def test_it_finds_the_users_companies(login, alice, companies, query, expected):
    assert results(login(alice).get("/search/", {"q": query})) == expected


def test_it_finds_nothing_the_user_may_not_see(login, carol, alice, companies):
    assert results(login(carol).get("/search/", {"q": "zazolc"})) == ["Zażółć Południe"]
    page = login(carol).get("/search/", {"q": "cevapi"}).content.decode()
    assert "Nothing found for “cevapi”." in page


def test_an_empty_query_lists_nothing(login, alice, companies):
    page = login(alice).get("/search/").content.decode()
    assert "data-results" not in page


def test_it_shows_at_most_20_and_says_so(login, alice):
    Company.objects.bulk_create(
        Company(name=f"Acme {index:02}", owner=alice, search_text=f"acme {index:02}") for index in range(25)
    )
    response = login(alice).get("/search/", {"q": "acme"})
    assert results(response) == [f"Acme {index:02}" for index in range(20)]
    assert "Showing the first 20 matches; add words to narrow the search." in response.content.decode()


def test_htmx_gets_the_results_only(login, alice, companies):
    response = login(alice).get("/search/", {"q": "cevapi"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "<html" not in body
    assert results(response) == ["Ćevapi"]


def test_a_portal_customer_finds_no_companies(login, paula, companies):
    page = login(paula).get("/search/", {"q": "zazolc"}).content.decode()
    assert "Zażółć" not in page.split("<main", 1)[1]


def contact_results(response) -> list[str]:
    block = re.search(
        r'<ul class="plain-list" data-results="contacts">(.*?)</ul>', response.content.decode(), re.S
    )
    if not block:
        return []
    return [
        f"{person} · {company}"
        for person, company in re.findall(
            r'<a href="/companies/contacts/\d+/">([^<]+)</a>.*?<a href="/companies/\d+/" data-company>([^<]+)</a>',
            block.group(1),
        )
    ]


def test_it_shows_companies_then_contacts_with_their_company(login, alice, carol):
    zazolc = company_create(actor=alice, name="Zażółć Sp. z o.o.", phone="+48 22 123 45 67", country="PL")
    contact_create(
        actor=alice, company=zazolc, first_name="Jan", last_name="Kowalski", mobile="+48 601 000 111"
    )
    hidden = company_create(actor=carol, name="Kowalski Trade")
    contact_create(actor=carol, company=hidden, first_name="Ewa", last_name="Kowalski")
    response = login(alice).get("/search/", {"q": "kowalski"})
    assert results(response) == ["Zażółć Sp. z o.o."]  # found by its contact
    assert contact_results(response) == ["Jan Kowalski · Zażółć Sp. z o.o."]
    page = response.content.decode()
    assert page.index('data-results="companies"') < page.index('data-results="contacts"')
    phone = login(alice).get("/search/", {"q": "601 000 111"})
    assert results(phone) == ["Zażółć Sp. z o.o."]
    assert contact_results(phone) == ["Jan Kowalski · Zażółć Sp. z o.o."]
    assert contact_results(login(carol).get("/search/", {"q": "kowalski"})) == [
        "Ewa Kowalski · Kowalski Trade"
    ]


@pytest.mark.parametrize("rows", [1, 30])
def test_it_runs_the_same_number_of_queries_however_many_match(login, alice, rows):
    companies = Company.objects.bulk_create(
        Company(
            name=f"Acme {index:02}",
            owner=alice,
            team=alice.team,
            search_text=index_text([f"Acme {index:02}"]),
        )
        for index in range(rows)
    )
    Contact.objects.bulk_create(
        Contact(company=company, last_name=f"Acme {index:02}", search_text=f"acme {index:02}")
        for index, company in enumerate(companies)
    )
    client = login(alice)
    client.get("/search/", {"q": "acme"})  # the session and the user are cached from here on
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/search/", {"q": "acme"})
    assert len(results(response)) == min(rows, 20)
    assert len(contact_results(response)) == min(rows, 20)
    # Session, user, permissions, delegations, visibility; then for companies and for contacts one query
    # each, after one that picks the plan (SQLite counts the matches, PostgreSQL fetches the longest
    # word's: see klient.core.search).
    assert len(queries.captured_queries) == 10
