"""The duplicate finder pages: pairs shown with score and reasons, dismissed in the session, paged."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from klient.customers.services import company_create, contact_create

pytestmark = pytest.mark.django_db


def _pairs(html: str) -> list[tuple[str, str, str]]:
    return re.findall(
        r'<tr data-pair="(\d+-\d+)">\s*<td data-score>(\d+)</td>\s*<td data-reasons>([^<]*)</td>', html
    )


@pytest.fixture
def acme(alice, bob):
    first = company_create(actor=alice, name="Acme", country="PL", tax_id="PL1234563218")
    second = company_create(actor=bob, name="Acme S.A.", country="PL", tax_id="1234563218")
    return first, second


def test_the_finder_lists_pairs_with_score_reasons_and_a_merge_link(acme, login, mike):
    first, second = acme
    html = login(mike).get("/companies/duplicates/").content.decode()
    assert _pairs(html) == [(f"{first.pk}-{second.pk}", "96", "Same tax id, Same name and country")]
    assert f'href="/companies/{first.pk}/merge/{second.pk}/"' in html


def test_who_may_not_merge_sees_no_merge_link(acme, login, alice):
    # Account managers may not delete companies, so they cannot merge them; they can dismiss pairs.
    own = company_create(actor=alice, name="ACME", country="PL")
    html = login(alice).get("/companies/duplicates/").content.decode()
    assert _pairs(html) == [(f"{acme[0].pk}-{own.pk}", "60", "Same name and country")]
    assert ('data-action="merge"' in html, 'data-action="dismiss"' in html) == (False, True)


def test_pairs_out_of_sight_are_not_listed(acme, login, carol):
    html = login(carol).get("/companies/duplicates/").content.decode()
    assert (_pairs(html), "No likely duplicates found." in html) == ([], True)


def test_a_pair_marked_not_a_duplicate_is_hidden_until_restored(acme, login, mike):
    first, second = acme
    client = login(mike)
    response = client.post("/companies/duplicates/", {"dismiss": f"{first.pk}-{second.pk}"})
    assert (response.status_code, response["Location"]) == (302, "/companies/duplicates/")
    assert client.session["duplicates_dismissed"] == [f"company:{first.pk}:{second.pk}"]
    html = client.get("/companies/duplicates/").content.decode()
    assert (_pairs(html), 'data-action="restore"' in html) == ([], True)
    client.post("/companies/duplicates/", {"restore": "1"})
    assert client.session["duplicates_dismissed"] == []
    assert len(_pairs(client.get("/companies/duplicates/").content.decode())) == 1


def test_a_malformed_dismissal_changes_nothing(acme, login, mike):
    client = login(mike)
    response = client.post("/companies/duplicates/", {"dismiss": "x-1"}, follow=True)
    assert "Choose a pair to dismiss." in response.content.decode()
    assert "duplicates_dismissed" not in client.session


def test_the_finder_pages_and_runs_the_same_queries_for_any_page_size(alice, login, mike):
    for n in range(3):
        company_create(actor=alice, name=f"Shop {n}", tax_id=f"77{n}")
        company_create(actor=alice, name=f"Shop {n} Ltd", tax_id=f"77{n}")
    client = login(mike)
    with CaptureQueriesContext(connection) as few:
        client.get("/companies/duplicates/")
    for n in range(3, 60):
        company_create(actor=alice, name=f"Shop {n}", tax_id=f"77{n}")
        company_create(actor=alice, name=f"Shop {n} Ltd", tax_id=f"77{n}")
    with CaptureQueriesContext(connection) as many:
        html = client.get("/companies/duplicates/").content.decode()
    assert len(many) == len(few)
    assert len(_pairs(html)) == 50
    cursor = re.search(r'href="\?cursor=([^"]+)" data-next-page', html)
    assert cursor is not None
    rest = client.get(f"/companies/duplicates/?cursor={cursor.group(1)}").content.decode()
    assert (len(_pairs(rest)), "data-next-page" in rest) == (10, False)


def test_a_bad_cursor_shows_the_first_page(acme, login, mike):
    response = login(mike).get("/companies/duplicates/?cursor=nonsense", follow=True)
    html = response.content.decode()
    assert "That page link is no longer valid" in html
    assert len(_pairs(html)) == 1


def test_the_contact_finder_lists_people_entered_twice(alice, login):
    company = company_create(actor=alice, name="Acme", country="PL")
    first = contact_create(
        actor=alice, company=company, first_name="Ana", last_name="Novak", email="a@acme.pl"
    )
    second = contact_create(
        actor=alice, company=company, first_name="Ana", last_name="Novák", email="A@acme.pl"
    )
    html = login(alice).get("/companies/duplicates/contacts/").content.decode()
    assert _pairs(html) == [(f"{first.pk}-{second.pk}", "92", "Same email, Same name at the same company")]
    assert f'href="/companies/contacts/{first.pk}/merge/{second.pk}/"' in html


def test_the_contact_finder_needs_the_right_to_see_contacts(login, paula):
    assert login(paula).get("/companies/duplicates/contacts/").status_code == 403
