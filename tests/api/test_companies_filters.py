"""GET /api/v1/companies: the list filters as query parameters, `updated_since` and the sync order."""

import dataclasses
import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from klient.customers.api import CompanyFilterParams
from klient.customers.filters import CompanyFilter
from klient.customers.models import Company
from klient.customers.services import company_create, company_set_tags, company_update

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 3, 1, 9, 0, tzinfo=datetime.UTC)


def at(minutes: int) -> datetime.datetime:
    return START + datetime.timedelta(minutes=minutes)


def names(client, **params) -> list[str]:
    response = client.get("/companies", **params)
    assert response.status_code == 200, response.json()
    return [item["name"] for item in response.json()["items"]]


def test_the_query_parameters_are_the_fields_of_the_list_filter_and_updated_since():
    assert set(CompanyFilterParams.model_fields) == {
        field.name for field in dataclasses.fields(CompanyFilter)
    } | {"updated_since"}


@pytest.fixture
def portfolio(alice):
    companies = {
        "Alfa": company_create(
            actor=alice,
            name="Alfa",
            status="customer",
            segment="Retail",
            industry="Food",
            is_key_account=True,
        ),
        "Bravo": company_create(actor=alice, name="Bravo", status="lost", segment="retail", source="fair"),
        "Charlie": company_create(actor=alice, name="Charlie", industry="food", country="DE"),
    }
    company_set_tags(company=companies["Alfa"], names=["Ključni", "export"], actor=alice)
    company_set_tags(company=companies["Charlie"], names=["export"], actor=alice)
    return companies


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["Alfa", "Bravo", "Charlie"]),
        ({"status": "customer"}, ["Alfa"]),
        ({"status": ["customer", "lost"]}, ["Alfa", "Bravo"]),
        ({"segment": "RETAIL"}, ["Alfa", "Bravo"]),
        ({"industry": "food"}, ["Alfa", "Charlie"]),
        ({"tag": "kljucni"}, ["Alfa"]),
        ({"tag": ["Ključni", "export"]}, ["Alfa", "Charlie"]),
        ({"is_key_account": "true"}, ["Alfa"]),
        ({"is_key_account": "false"}, ["Bravo", "Charlie"]),
        ({"source": "fair"}, ["Bravo"]),
        ({"source": ""}, ["Alfa", "Bravo", "Charlie"]),
        ({"country": "de", "industry": "FOOD"}, ["Charlie"]),
        ({"freshness": "never"}, ["Alfa", "Bravo", "Charlie"]),
        ({"freshness": "fresh"}, []),
        ({"last_contact": "never"}, ["Alfa", "Bravo", "Charlie"]),
        ({"last_contact": "30"}, ["Alfa", "Bravo", "Charlie"]),
    ],
)
def test_it_filters(api, alice, portfolio, params, expected):
    assert names(api(alice), **params) == expected


def test_it_filters_by_parent_and_ids(api, alice, portfolio):
    daughter = company_create(actor=alice, name="Delta", parent=portfolio["Alfa"])
    client = api(alice)
    assert names(client, parent=portfolio["Alfa"].pk) == ["Delta"]
    assert names(client, ids=[portfolio["Bravo"].pk, daughter.pk]) == ["Bravo", "Delta"]


def test_an_unreadable_time_says_how_to_write_one(api, alice):
    assert api(alice).get("/companies", updated_since="1700000000").json()["errors"] == [
        {
            "field": "updated_since",
            "message": "Value error, Enter a date and time in ISO 8601 form, e.g. 2026-03-01T09:00:00Z.",
        }
    ]


def test_the_freshness_filter_follows_the_review(api, alice, portfolio):
    client = api(alice)
    assert client.post(f"/companies/{portfolio['Bravo'].pk}/reviewed", {}).status_code == 200
    assert names(client, freshness="fresh") == ["Bravo"]
    assert names(client, freshness="never") == ["Alfa", "Charlie"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "won"}, "status.0"),
        ({"is_key_account": "maybe"}, "is_key_account"),
        ({"freshness": "old"}, "freshness"),
        ({"last_contact": "soon"}, "last_contact"),
        ({"updated_since": "yesterday"}, "updated_since"),
        ({"updated_since": "0.5"}, "updated_since"),  # not read as seconds since 1970
        ({"parent": "x"}, "parent"),
    ],
)
def test_a_filter_value_that_cannot_be_read_gets_422_naming_it(api, alice, params, field):
    response = api(alice).get("/companies", **params)
    assert response.status_code == 422
    assert response.json()["detail"] == "The request is not valid."
    assert [error["field"] for error in response.json()["errors"]] == [field]


@pytest.fixture
def changes(alice):
    """Five companies created a minute apart; then the second and the fourth changed, in that order."""
    companies = []
    for minute, name in enumerate(["One", "Two", "Three", "Four", "Five"]):
        with time_machine.travel(at(minute), tick=False):
            companies.append(company_create(actor=alice, name=name))
    for minute, company in ((10, companies[1]), (11, companies[3])):
        with time_machine.travel(at(minute), tick=False):
            company_update(company=company, actor=alice, version=1, city="Kraków")
    return companies


def sync(client, **params) -> tuple[list[str], int]:
    """Every page of the sync order: names and how many pages."""
    seen, pages, cursor = [], 0, None
    while True:
        body = client.get(
            "/companies", sort="updated", **params, **({"cursor": cursor} if cursor else {})
        ).json()
        seen += [item["name"] for item in body["items"]]
        pages += 1
        cursor = body["next"]
        if cursor is None:
            return seen, pages


def test_updated_since_pages_through_the_changes_oldest_first(api, alice, changes):
    client = api(alice)
    assert sync(client, limit=2) == (["One", "Three", "Five", "Two", "Four"], 3)
    assert sync(client, limit=2, updated_since="2026-03-01T09:02:00Z") == (
        ["Three", "Five", "Two", "Four"],
        2,
    )
    # Without a zone the time is UTC; the bound is inclusive, so a sync resuming at the last
    # updated_at it saw gets that record again rather than missing one changed in the same instant.
    assert sync(client, limit=10, updated_since="2026-03-01T09:11:00") == (["Four"], 1)
    assert sync(client, updated_since="2026-03-01T10:11:00+01:00") == (["Four"], 1)
    assert sync(client, updated_since="2026-03-01T09:11:00.000001Z") == ([], 1)


def test_a_change_made_while_paging_comes_on_a_later_page(api, alice, changes):
    client = api(alice)
    first = client.get("/companies", sort="updated", limit=2).json()
    assert [item["name"] for item in first["items"]] == ["One", "Three"]
    with time_machine.travel(at(20), tick=False):
        company_update(company=changes[0], actor=alice, version=1, city="Gdańsk")
    seen, cursor = [], first["next"]
    while cursor:
        body = client.get("/companies", sort="updated", limit=2, cursor=cursor).json()
        seen += [item["name"] for item in body["items"]]
        cursor = body["next"]
    assert seen == ["Five", "Two", "Four", "One"]


def test_newest_changes_first(api, alice, changes):
    assert names(api(alice), sort="-updated") == ["Four", "Two", "Five", "Three", "One"]


def test_a_list_page_runs_the_same_number_of_queries_for_1_and_for_40_tagged_companies(api, alice, carol):
    client = api(alice)
    first = company_create(actor=alice, name="Only", parent=company_create(actor=carol, name="Theirs"))
    company_set_tags(company=first, names=["a", "b"], actor=alice)
    client.get("/companies")  # token last-used timestamp written once, outside the counts
    with CaptureQueriesContext(connection) as one:
        assert len(client.get("/companies", sort="updated").json()["items"]) == 1
    for index in range(39):
        company = company_create(actor=alice, name=f"Company {index:02}", parent=first)
        company_set_tags(company=company, names=[f"tag {index}", "a"], actor=alice)
    with CaptureQueriesContext(connection) as forty:
        body = client.get("/companies", sort="updated", updated_since="2026-01-01T00:00:00Z").json()
    assert len(body["items"]) == 40
    assert body["items"][-1]["tags"] == ["a", "tag 38"]
    assert len(one) == len(forty)
    assert Company.objects.count() == 41
