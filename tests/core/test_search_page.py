"""The global search page: visible companies only, case and diacritics ignored, htmx fragment."""

import re

import pytest

from klient.customers.models import Company
from klient.customers.services import company_create

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
