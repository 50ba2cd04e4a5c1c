"""The home page and the navigation: what each role is offered."""

import datetime
import re

import pytest
import time_machine

from klient.customers.services import company_create, company_update

pytestmark = pytest.mark.django_db


def nav_keys(page: str) -> list[str]:
    return re.findall(r'data-nav="([^"]+)"', page)


def recent(page: str) -> list[str]:
    section = page.split("My companies, recently changed", 1)[1].split("</section>", 1)[0]
    return re.findall(r'<a href="/companies/\d+/">([^<]+)</a>', section)


def test_it_lists_the_users_own_companies_most_recently_changed_first(login, alice, bob):
    start = datetime.datetime(2026, 3, 1, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        first = company_create(actor=alice, name="First")
        company_create(actor=alice, name="Second")
        company_create(actor=bob, name="Bob's")
    with time_machine.travel(start + datetime.timedelta(hours=1), tick=False):
        company_update(company=first, actor=alice, version=1, tax_id="PL1")

    page = login(alice).get("/").content.decode()

    assert "Hello, Alice" in page
    assert recent(page) == ["First", "Second"]


def test_it_shows_at_most_ten(login, alice):
    for index in range(12):
        company_create(actor=alice, name=f"Company {index:02}")
    assert len(recent(login(alice).get("/").content.decode())) == 10


def test_a_manager_sees_only_companies_they_own_there(login, mike, alice):
    company_create(actor=alice, name="Alice's")
    page = login(mike).get("/").content.decode()
    assert recent(page) == []
    assert "You own no companies yet." in page


@pytest.mark.parametrize(
    ("persona", "keys"),
    [
        (
            "alice",
            [
                "home",
                "my_day",
                "companies",
                "contacts",
                "deals",
                "catalog",
                "contracts",
                "kb",
                "competitors",
                "call_lists",
                "calendar",
                "greetings",
                "mail",
                "reports",
                "delegations",
            ],
        ),
        (
            "mike",
            [
                "home",
                "my_day",
                "companies",
                "contacts",
                "deals",
                "catalog",
                "contracts",
                "kb",
                "competitors",
                "call_lists",
                "calendar",
                "greetings",
                "mail",
                "targets",
                "reports",
                "delegations",
            ],
        ),
        (
            "sam",
            [
                "home",
                "my_day",
                "companies",
                "contacts",
                "catalog",
                "service_desk",
                "satisfaction",
                "kb",
                "calendar",
                "mail",
                "delegations",
            ],
        ),
        (
            "root",
            [
                "home",
                "my_day",
                "companies",
                "contacts",
                "deals",
                "catalog",
                "contracts",
                "service_desk",
                "satisfaction",
                "kb",
                "competitors",
                "call_lists",
                "calendar",
                "greetings",
                "mail",
                "targets",
                "reports",
                "delegations",
                "admin",
                "webhooks",
            ],
        ),
    ],
)
def test_the_navigation_follows_the_role(request, login, persona, keys):
    user = request.getfixturevalue(persona)
    page = login(user).get("/").content.decode()
    assert nav_keys(page) == keys


def test_the_portal_home_offers_no_company_links(login, paula):
    page = login(paula).get("/").content.decode()
    assert "/companies/" not in page
    assert "My companies" not in page


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/"


def test_a_portal_customer_is_sent_to_the_portal(login, paula):
    response = login(paula).get("/")
    assert (response.status_code, response["Location"]) == (302, "/portal/")
