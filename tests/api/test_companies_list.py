"""GET /api/v1/companies: {"items", "next"}, keyset cursors, search, filters, sorting."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from klient.core.pagination import encode_cursor
from klient.customers.services import company_create

pytestmark = pytest.mark.django_db

NAMES = ["Golf", "Alfa", "Echo", "Charlie", "Foxtrot", "Bravo", "Delta"]  # created in this order


@pytest.fixture
def seven(alice):
    start = datetime.datetime(2026, 3, 1, 9, 0, tzinfo=datetime.UTC)
    created = []
    for minute, name in enumerate(NAMES):
        with time_machine.travel(start + datetime.timedelta(minutes=minute), tick=False):
            created.append(company_create(actor=alice, name=name))
    return created


def follow(client, **params) -> tuple[list[str], int]:
    """Every page of the list: the names in order and how many pages it took."""
    names, pages, cursor = [], 0, None
    while True:
        body = client.get("/companies", **params, **({"cursor": cursor} if cursor else {})).json()
        assert set(body) == {"items", "next"}
        names += [item["name"] for item in body["items"]]
        pages += 1
        cursor = body["next"]
        if cursor is None:
            return names, pages


def test_it_answers_items_and_next(api, alice):
    with time_machine.travel(datetime.datetime(2026, 3, 2, 12, 0, tzinfo=datetime.UTC), tick=False):
        company = company_create(actor=alice, name="Acme", legal_name="Acme S.A.", country="PL", tax_id="PL1")
    assert api(alice).get("/companies").json() == {
        "items": [
            {
                "id": company.pk,
                "name": "Acme",
                "legal_name": "Acme S.A.",
                "tax_id": "PL1",
                "registration_number": "",
                "country": "PL",
                "city": "",
                "legal_address": "",
                "billing_address": "",
                "delivery_address": "",
                "phone": "",
                "phone_e164": "",
                "other_phones": "",
                "email": "",
                "website": "",
                "industry": "",
                "size": "",
                "segment": "",
                "status": "prospect",
                "status_reason": "",
                "source": "",
                "owner": "alice",
                "team": "North",
                "parent": None,
                "tags": [],
                "document_language": "",
                "document_currency": "",
                "is_key_account": False,
                "external_id": "",
                "card_reviewed_at": None,
                "last_contact_at": None,
                "version": 1,
                "created_at": "2026-03-02T12:00:00Z",
                "updated_at": "2026-03-02T12:00:00Z",
                "price_type": None,
                "payment_terms_days": None,
                "credit_limit": None,
                "discount_percent": None,
                "individual_services": "",
                "delivery_terms": "",
            }
        ],
        "next": None,
    }


def test_following_next_gives_every_company_once_in_name_order(api, alice, seven):
    client = api(alice)
    first = client.get("/companies", limit=3).json()
    assert [item["name"] for item in first["items"]] == ["Alfa", "Bravo", "Charlie"]
    assert first["next"] == encode_cursor(["Charlie", seven[3].pk])

    names, pages = follow(client, limit=3)
    assert names == sorted(NAMES)
    assert pages == 3


def test_newest_first_pages_by_creation_time(api, alice, seven):
    names, pages = follow(api(alice), limit=3, sort="-created")
    assert names == list(reversed(NAMES))
    assert pages == 3


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", sorted(NAMES)),
        ("-name", sorted(NAMES, reverse=True)),
        ("created", NAMES),
        ("unknown", sorted(NAMES)),  # an unknown sort falls back to the default
    ],
)
def test_it_sorts(api, alice, seven, sort, expected):
    assert follow(api(alice), limit=2, sort=sort)[0] == expected


@pytest.mark.parametrize("cursor", ["garbage", "!!!", encode_cursor(["Alfa"]), encode_cursor(["Alfa", "x"])])
def test_an_invalid_cursor_gets_400_in_the_error_format(api, alice, seven, cursor):
    response = api(alice).get("/companies", cursor=cursor)
    assert response.status_code == 400
    assert response.json() == {
        "detail": "The cursor is not valid.",
        "errors": [{"field": "cursor", "message": "not a cursor of this list"}],
    }


def test_a_cursor_made_for_one_sort_is_refused_by_another_with_other_types(api, alice, seven):
    by_name = api(alice).get("/companies", limit=3).json()["next"]
    response = api(alice).get("/companies", limit=3, sort="-created", cursor=by_name)
    assert response.status_code == 400


@pytest.mark.parametrize("limit", [0, 201, "x"])
def test_a_limit_out_of_range_gets_422_naming_the_field(api, alice, limit):
    response = api(alice).get("/companies", limit=limit)
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "The request is not valid."
    assert [error["field"] for error in body["errors"]] == ["limit"]


@pytest.fixture
def multilingual(alice):
    for name in ["Zażółć Sp. z o.o.", "Ćevapi", "Ромашка", "Acme", "Արարատ"]:
        company_create(actor=alice, name=name)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("zazolc", ["Zażółć Sp. z o.o."]),
        ("ZAZOLC sp", ["Zażółć Sp. z o.o."]),
        ("cevapi", ["Ćevapi"]),
        ("ĆEVAPI", ["Ćevapi"]),
        ("ромашка", ["Ромашка"]),
        ("РОМАШКА", ["Ромашка"]),
        ("արարատ", ["Արարատ"]),
        ("nothing", []),
    ],
)
def test_q_ignores_case_and_diacritics(api, alice, multilingual, query, expected):
    body = api(alice).get("/companies", q=query).json()
    assert [item["name"] for item in body["items"]] == expected
    assert body["next"] is None


def test_q_searches_only_what_the_caller_may_see(api, alice, carol):
    company_create(actor=carol, name="Zażółć Południe")
    company_create(actor=alice, name="Zażółć Północ")
    assert [c["name"] for c in api(alice).get("/companies", q="zazolc").json()["items"]] == ["Zażółć Północ"]


def test_it_filters_by_owner_country_and_team(api, alice, bob, mike, south):
    company_create(actor=alice, name="Alice PL", country="PL")
    company_create(actor=alice, name="Alice DE", country="DE")
    company_create(actor=bob, name="Bob PL", country="PL")
    company_create(actor=mike, name="Mike South", team=south)
    client = api(mike)

    def names(**params):
        return [item["name"] for item in client.get("/companies", **params).json()["items"]]

    assert names() == ["Alice DE", "Alice PL", "Bob PL", "Mike South"]
    assert names(owner="me") == ["Mike South"]
    assert names(owner="alice") == ["Alice DE", "Alice PL"]
    assert names(country="pl") == ["Alice PL", "Bob PL"]
    assert names(team=str(south.pk)) == ["Mike South"]
    assert names(owner="alice", country="PL") == ["Alice PL"]
    assert names(team="not-a-number") == ["Alice DE", "Alice PL", "Bob PL", "Mike South"]


def test_it_issues_the_same_number_of_queries_for_1_and_for_50_companies(api, alice):
    client = api(alice)
    company_create(actor=alice, name="Only")
    client.get("/companies")  # token last-used timestamp written once, outside the counts
    with CaptureQueriesContext(connection) as one:
        assert len(client.get("/companies").json()["items"]) == 1
    for index in range(49):
        company_create(actor=alice, name=f"Company {index:02}")
    with CaptureQueriesContext(connection) as fifty:
        assert len(client.get("/companies").json()["items"]) == 50
    assert len(one) == len(fifty)
