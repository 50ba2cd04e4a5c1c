"""GET /api/v1/contacts: visible contacts only, filters, search, `updated_since`, keyset pages."""

import dataclasses
import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from klient.customers.contacts_api import ContactFilterParams
from klient.customers.filters import ContactFilter
from klient.customers.services import company_create, contact_create, contact_update

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 3, 1, 9, 0, tzinfo=datetime.UTC)


def at(minutes: int) -> datetime.datetime:
    return START + datetime.timedelta(minutes=minutes)


def last_names(client, **params) -> list[str]:
    response = client.get("/contacts", **params)
    assert response.status_code == 200, response.json()
    return [item["last_name"] for item in response.json()["items"]]


def test_the_query_parameters_are_the_fields_of_the_list_filter_and_updated_since():
    assert set(ContactFilterParams.model_fields) == {
        field.name for field in dataclasses.fields(ContactFilter)
    } | {"updated_since"}


@pytest.fixture
def people(alice, carol):
    acme = company_create(actor=alice, name="Acme", country="PL")
    beta = company_create(actor=alice, name="Beta", country="PL")
    south = company_create(actor=carol, name="South Ltd")
    made = {}
    for minute, (company, first, last, extra) in enumerate(
        [
            (
                acme,
                "Zofia",
                "Wójcik",
                {"language": "pl", "phone": "601 234 567", "buying_role": "decision_maker"},
            ),
            (acme, "Jan", "Nowak", {"left_on": datetime.date(2025, 12, 31), "email": "jan@acme.pl"}),
            (beta, "Иван", "Петров", {"language": "ru", "marketing_consent": True}),
            (south, "Ana", "Anić", {"language": "bs"}),
        ]
    ):
        with time_machine.travel(at(minute), tick=False):
            made[last] = contact_create(
                actor=alice if company != south else carol,
                company=company,
                first_name=first,
                last_name=last,
                **extra,
            )
    return {"acme": acme, "beta": beta, "south": south, **made}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["Nowak", "Wójcik", "Петров"]),
        ({"sort": "-name"}, ["Петров", "Wójcik", "Nowak"]),
        ({"has_left": "true"}, ["Nowak"]),
        ({"has_left": "false"}, ["Wójcik", "Петров"]),
        ({"language": "ru"}, ["Петров"]),
        ({"language": "bs"}, []),
        ({"q": "wojcik"}, ["Wójcik"]),
        ({"q": "ПЕТРОВ"}, ["Петров"]),
        ({"q": "601234567"}, ["Wójcik"]),
        ({"buying_role": "decision_maker"}, ["Wójcik"]),
        ({"has_email": "true"}, ["Nowak"]),
        ({"has_phone": "true"}, ["Wójcik"]),
        ({"consent": "true"}, ["Петров"]),
    ],
)
def test_it_lists_and_filters_the_contacts_of_visible_companies(api, alice, people, params, expected):
    assert last_names(api(alice), **params) == expected


def test_it_filters_by_company(api, alice, people):
    client = api(alice)
    assert last_names(client, company=people["acme"].pk) == ["Nowak", "Wójcik"]
    assert last_names(client, company=people["south"].pk) == []


def test_every_item_is_the_full_contact(api, alice, people):
    item = api(alice).get("/contacts", company=people["beta"].pk).json()["items"][0]
    assert item["company"] == people["beta"].pk
    assert (item["first_name"], item["last_name"], item["language"], item["marketing_consent"]) == (
        "Иван",
        "Петров",
        "ru",
        True,
    )
    assert item["marketing_consent_at"] == "2026-03-01T09:02:00Z"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"company": "acme"}, "company"),
        ({"has_left": "maybe"}, "has_left"),
        ({"buying_role": "boss"}, "buying_role"),
        ({"updated_since": "today"}, "updated_since"),
        ({"updated_since": "0.5"}, "updated_since"),
        ({"limit": 0}, "limit"),
    ],
)
def test_a_filter_value_that_cannot_be_read_gets_422_naming_it(api, alice, params, field):
    response = api(alice).get("/contacts", **params)
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == [field]


def test_updated_since_pages_through_changes_oldest_first(api, alice, people):
    with time_machine.travel(at(10), tick=False):
        contact_update(contact=people["Wójcik"], actor=alice, version=1, position="CEO")
    client = api(alice)
    first = client.get("/contacts", sort="updated", limit=2).json()
    assert [item["last_name"] for item in first["items"]] == ["Nowak", "Петров"]
    second = client.get("/contacts", sort="updated", limit=2, cursor=first["next"]).json()
    assert ([item["last_name"] for item in second["items"]], second["next"]) == (["Wójcik"], None)
    assert last_names(client, sort="updated", updated_since="2026-03-01T09:02:00Z") == ["Петров", "Wójcik"]
    assert last_names(client, sort="updated", updated_since="2026-03-01T09:10:00Z") == ["Wójcik"]


def test_a_cursor_of_another_list_is_refused(api, alice, people):
    client = api(alice)
    by_name = client.get("/contacts", limit=1).json()["next"]
    response = client.get("/contacts", sort="updated", cursor=by_name)
    assert response.status_code == 400
    assert response.json() == {
        "detail": "The cursor is not valid.",
        "errors": [{"field": "cursor", "message": "not a cursor of this list"}],
    }


def test_the_same_number_of_queries_for_1_and_for_50_contacts(api, alice):
    acme = company_create(actor=alice, name="Acme")
    contact_create(actor=alice, company=acme, last_name="First", other_phones=["601 234 567"])
    client = api(alice)
    client.get("/contacts")  # token last-used timestamp written once, outside the counts
    with CaptureQueriesContext(connection) as one:
        assert len(client.get("/contacts").json()["items"]) == 1
    for index in range(49):
        company = company_create(actor=alice, name=f"Company {index}")
        contact_create(actor=alice, company=company, last_name=f"Person {index:02}", other_emails=["a@b.pl"])
    with CaptureQueriesContext(connection) as fifty:
        assert len(client.get("/contacts", sort="updated").json()["items"]) == 50
    assert len(one) == len(fifty)
