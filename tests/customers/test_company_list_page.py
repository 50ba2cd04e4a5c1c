"""The company list page: filters, sorting, "Show more" pages, and a constant number of queries."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from klient.core.models import Role
from klient.core.pagination import encode_cursor
from klient.customers.models import Company
from klient.customers.services import account_team_add, company_create

pytestmark = pytest.mark.django_db

ROW = re.compile(r'<tr data-company="(\d+)">\s*<td><a href="[^"]+">([^<]+)</a>')


def rows(response) -> list[str]:
    """The company names listed on a page, in order."""
    return [name for _pk, name in ROW.findall(response.content.decode())]


def next_link(response) -> str | None:
    match = re.search(r'<a href="([^"]+)" data-next-page', response.content.decode())
    return match.group(1).replace("&amp;", "&") if match else None


@pytest.fixture
def portfolio(alice, bob, mike, south):
    company_create(actor=alice, name="Alice PL", country="PL")
    company_create(actor=alice, name="Alice DE", country="DE")
    company_create(actor=bob, name="Bob PL", country="PL")
    company_create(actor=mike, name="Mike South", team=south)


def test_it_lists_what_the_user_sees_sorted_by_name(login, mike, portfolio):
    assert rows(login(mike).get("/companies/")) == ["Alice DE", "Alice PL", "Bob PL", "Mike South"]


def test_an_account_manager_sees_only_theirs(login, alice, portfolio):
    assert rows(login(alice).get("/companies/")) == ["Alice DE", "Alice PL"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("owner=me", ["Mike South"]),
        ("country=PL", ["Alice PL", "Bob PL"]),
        ("country=DE&owner=", ["Alice DE"]),
        ("sort=-name", ["Mike South", "Bob PL", "Alice PL", "Alice DE"]),
        ("sort=country", ["Mike South", "Alice DE", "Alice PL", "Bob PL"]),
        ("q=alice", ["Alice DE", "Alice PL"]),
        ("sort=bogus", ["Alice DE", "Alice PL", "Bob PL", "Mike South"]),
    ],
)
def test_it_filters_and_sorts(login, mike, portfolio, query, expected):
    assert rows(login(mike).get(f"/companies/?{query}")) == expected


def test_it_filters_by_team(login, mike, south, north, portfolio):
    client = login(mike)
    assert rows(client.get(f"/companies/?team={south.pk}")) == ["Mike South"]
    assert rows(client.get(f"/companies/?team={north.pk}")) == ["Alice DE", "Alice PL", "Bob PL"]


def test_it_says_so_when_nothing_matches(login, mike, portfolio):
    page = login(mike).get("/companies/?q=nothing-like-this").content.decode()
    assert "No companies match." in page
    assert "data-next-page" not in page


def test_show_more_pages_through_55_companies_50_at_a_time(login, alice):
    Company.objects.bulk_create(
        Company(name=f"Company {index:02}", owner=alice, team=alice.team, search_text=f"company {index:02}")
        for index in range(55)
    )
    client = login(alice)

    first = client.get("/companies/?country=&sort=name")
    assert rows(first) == [f"Company {index:02}" for index in range(50)]
    last_on_first = Company.objects.get(name="Company 49")
    assert next_link(first) == f"?country=&sort=name&cursor={encode_cursor(['Company 49', last_on_first.pk])}"

    second = client.get("/companies/" + next_link(first))
    assert rows(second) == [f"Company {index:02}" for index in range(50, 55)]
    assert next_link(second) is None


def test_show_more_through_htmx_answers_only_the_rows(login, alice):
    Company.objects.bulk_create(
        Company(name=f"Company {index:02}", owner=alice, team=alice.team) for index in range(52)
    )
    client = login(alice)
    cursor = next_link(client.get("/companies/")).split("cursor=")[1]

    fragment = client.get(f"/companies/?cursor={cursor}", headers={"HX-Request": "true"})

    body = fragment.content.decode()
    assert "<html" not in body
    assert rows(fragment) == ["Company 50", "Company 51"]


def test_a_broken_page_link_shows_the_first_page_with_a_message(login, alice):
    company_create(actor=alice, name="Acme")
    response = login(alice).get("/companies/?cursor=broken")
    assert response.status_code == 200
    assert rows(response) == ["Acme"]
    assert "That page link is no longer valid; showing the first page." in response.content.decode()


def test_it_issues_the_same_number_of_queries_for_5_and_for_50_rows(login, alice, bob, south):
    client = login(alice)
    Company.objects.bulk_create(
        Company(name=f"A{index:02}", owner=alice, team=alice.team) for index in range(5)
    )
    client.get("/companies/")  # warm caches that are filled once per process
    with CaptureQueriesContext(connection) as five:
        assert len(rows(client.get("/companies/"))) == 5
    Company.objects.bulk_create(
        Company(name=f"B{index:02}", owner=alice, team=bob.team if index % 2 else south)
        for index in range(45)
    )
    with CaptureQueriesContext(connection) as fifty:
        assert len(rows(client.get("/companies/"))) == 50
    assert len(five) == len(fifty), [q["sql"] for q in fifty.captured_queries]


def test_the_card_issues_the_same_number_of_queries_whatever_its_account_team(login, alice, make_user, north):
    company = company_create(actor=alice, name="Acme")
    client = login(alice)
    account_team_add(company=company, user=make_user("m0", Role.ACCOUNT_MANAGER, north), role="", actor=alice)
    client.get(f"/companies/{company.pk}/")
    with CaptureQueriesContext(connection) as one:
        client.get(f"/companies/{company.pk}/")
    for index in range(1, 6):
        member = make_user(f"m{index}", Role.ACCOUNT_MANAGER, north)
        account_team_add(company=company, user=member, role="backup", actor=alice)
    with CaptureQueriesContext(connection) as six:
        page = client.get(f"/companies/{company.pk}/").content.decode()
    assert page.count("(backup)") == 5
    assert len(one) == len(six)
