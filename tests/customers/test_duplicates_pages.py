"""The duplicate finder pages: pairs shown with score and reasons, marked "not a duplicate" for everyone, paged."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from klient.core.models import AuditEntry
from klient.customers.duplicates import duplicate_dismiss
from klient.customers.models import DuplicateDismissal
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


def _stored() -> list[tuple[str, int, int, str]]:
    return [
        (row.kind, row.first_id, row.second_id, row.dismissed_by.username)
        for row in DuplicateDismissal.objects.select_related("dismissed_by").order_by("id")
    ]


def _dismissed_count(html: str) -> int | None:
    found = re.search(r'data-dismissed-count="(\d+)"', html)
    return int(found.group(1)) if found else None


def test_a_pair_marked_not_a_duplicate_stays_hidden_in_new_sessions_and_for_colleagues(
    acme, login, mike, root
):
    first, second = acme
    client = login(mike)
    response = client.post("/companies/duplicates/", {"dismiss": f"{second.pk}-{first.pk}"}, follow=True)
    assert response.redirect_chain == [("/companies/duplicates/", 302)]
    html = response.content.decode()
    assert "The pair is marked “not a duplicate”." in html
    assert _stored() == [("company", first.pk, second.pk, "mike")]
    assert (_pairs(html), _dismissed_count(html), 'data-action="restore"' in html) == ([], 1, True)
    assert "1 pair marked “not a duplicate”" in html
    # Signed out and in again, and for the administrator who sees both companies: still hidden.
    for again in (login(mike), login(root)):
        html = again.get("/companies/duplicates/").content.decode()
        assert (_pairs(html), _dismissed_count(html)) == ([], 1)
    # Contacts are another list: nothing dismissed there.
    html = client.get("/companies/duplicates/contacts/").content.decode()
    assert (_dismissed_count(html), 'data-action="restore"' in html) == (None, False)


def test_listing_dismissed_pairs_again_brings_back_only_those_the_user_sees(acme, login, mike, root, carol):
    first, second = acme
    theirs = company_create(actor=carol, name="Acme", country="PL")  # South's: mike does not see it
    duplicate_dismiss(kind="company", first_id=first.pk, second_id=second.pk, actor=mike)
    duplicate_dismiss(kind="company", first_id=first.pk, second_id=theirs.pk, actor=root)
    assert _dismissed_count(login(root).get("/companies/duplicates/").content.decode()) == 2
    client = login(mike)
    response = client.post("/companies/duplicates/", {"restore": "1"}, follow=True)
    html = response.content.decode()
    assert "1 pair marked “not a duplicate” is listed again." in html
    assert (_pairs(html), _dismissed_count(html)) == (
        [(f"{first.pk}-{second.pk}", "96", "Same tax id, Same name and country")],
        None,
    )
    assert _stored() == [("company", first.pk, theirs.pk, "root")]
    html = login(root).get("/companies/duplicates/").content.decode()
    assert (_dismissed_count(html), f"{first.pk}-{theirs.pk}" in [pair[0] for pair in _pairs(html)]) == (
        1,
        False,
    )


def test_who_cannot_see_both_companies_is_refused_and_nothing_is_stored(acme, login, carol):
    audit_before = AuditEntry.objects.count()
    first, second = acme
    response = login(carol).post(
        "/companies/duplicates/", {"dismiss": f"{first.pk}-{second.pk}"}, follow=True
    )
    assert response.redirect_chain == [("/companies/duplicates/", 302)]
    assert "Only two records you can see can be marked “not a duplicate”." in response.content.decode()
    assert (_stored(), AuditEntry.objects.count()) == ([], audit_before)


def test_who_may_not_change_companies_gets_no_buttons_and_is_refused(acme, login, mike, sam):
    first, second = acme
    third = company_create(actor=mike, name="Acme")
    duplicate_dismiss(kind="company", first_id=first.pk, second_id=third.pk, actor=mike)
    stored, audit_before = _stored(), AuditEntry.objects.count()
    client = login(sam)  # service agent: sees every company, may change none
    html = client.get("/companies/duplicates/").content.decode()
    assert _pairs(html) == [
        (f"{first.pk}-{second.pk}", "96", "Same tax id, Same name and country"),
        (f"{second.pk}-{third.pk}", "30", "Same name in another country"),
    ]
    assert ('data-action="dismiss"' in html, 'data-action="restore"' in html, _dismissed_count(html)) == (
        False,
        False,
        1,
    )
    for data in ({"dismiss": f"{first.pk}-{second.pk}"}, {"restore": "1"}):
        response = client.post("/companies/duplicates/", data, follow=True)
        assert "You may not change companies." in response.content.decode()
    assert (_stored(), AuditEntry.objects.count()) == (stored, audit_before)


def test_a_malformed_dismissal_changes_nothing(acme, login, mike):
    client = login(mike)
    for value in ("x-1", "1", "1-2-3", ""):
        response = client.post("/companies/duplicates/", {"dismiss": value}, follow=True)
        assert "Choose a pair to dismiss." in response.content.decode()
    assert _stored() == []


def test_dismissing_on_a_later_page_returns_to_that_page(alice, login, mike):
    for n in range(3):
        company_create(actor=alice, name=f"Shop {n}", tax_id=f"77{n}")
        company_create(actor=alice, name=f"Shop {n} Ltd", tax_id=f"77{n}")
    client = login(mike)
    response = client.post("/companies/duplicates/?cursor=abc", {"dismiss": "1-2"})
    assert (response.status_code, response["Location"]) == (302, "/companies/duplicates/?cursor=abc")


def test_the_finder_pages_and_runs_the_same_queries_for_any_page_size(alice, login, mike):
    shops = []
    for n in range(3):
        shops.append(company_create(actor=alice, name=f"Shop {n}", tax_id=f"77{n}"))
        shops.append(company_create(actor=alice, name=f"Shop {n} Ltd", tax_id=f"77{n}"))
    client = login(mike)
    with CaptureQueriesContext(connection) as few:
        client.get("/companies/duplicates/")
    for n in range(3, 70):
        shops.append(company_create(actor=alice, name=f"Shop {n}", tax_id=f"77{n}"))
        shops.append(company_create(actor=alice, name=f"Shop {n} Ltd", tax_id=f"77{n}"))
    # Ten pairs marked "not a duplicate", spread over both pages.
    for n in range(0, 70, 7):
        duplicate_dismiss(kind="company", first_id=shops[2 * n].pk, second_id=shops[2 * n + 1].pk, actor=mike)
    with CaptureQueriesContext(connection) as many:
        html = client.get("/companies/duplicates/").content.decode()
    assert len(many) == len(few)
    assert (len(_pairs(html)), _dismissed_count(html)) == (50, 10)
    cursor = re.search(r'href="\?cursor=([^"]+)" data-next-page', html)
    assert cursor is not None
    rest = client.get(f"/companies/duplicates/?cursor={cursor.group(1)}").content.decode()
    assert (len(_pairs(rest)), "data-next-page" in rest) == (10, False)
    shown = {pair[0] for pair in _pairs(html) + _pairs(rest)}
    assert shown.isdisjoint({f"{shops[2 * n].pk}-{shops[2 * n + 1].pk}" for n in range(0, 70, 7)})


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


def test_a_contact_pair_marked_not_a_duplicate_is_stored_and_listed_again(alice, login, mike):
    company = company_create(actor=alice, name="Acme", country="PL")
    first = contact_create(
        actor=alice, company=company, first_name="Ana", last_name="Novak", email="a@acme.pl"
    )
    second = contact_create(
        actor=alice, company=company, first_name="Anna", last_name="Nowak", email="a@acme.pl"
    )
    response = login(alice).post(
        "/companies/duplicates/contacts/", {"dismiss": f"{second.pk}-{first.pk}"}, follow=True
    )
    assert response.redirect_chain == [("/companies/duplicates/contacts/", 302)]
    assert _stored() == [("contact", first.pk, second.pk, "alice")]
    # mike leads alice's team: a new session of his shows the pair hidden too, and may list it again.
    client = login(mike)
    html = client.get("/companies/duplicates/contacts/").content.decode()
    assert (_pairs(html), _dismissed_count(html), 'data-action="restore"' in html) == ([], 1, True)
    assert _dismissed_count(client.get("/companies/duplicates/").content.decode()) is None
    html = client.post("/companies/duplicates/contacts/", {"restore": "1"}, follow=True).content.decode()
    assert _pairs(html) == [(f"{first.pk}-{second.pk}", "80", "Same email")]
    assert _stored() == []


def test_who_cannot_see_both_contacts_or_change_contacts_is_refused(alice, carol, login, rita):
    company = company_create(actor=alice, name="Acme", country="PL")
    theirs = company_create(actor=carol, name="Zeta", country="PL")
    first = contact_create(actor=alice, company=company, first_name="Ana", email="a@acme.pl")
    second = contact_create(actor=carol, company=theirs, first_name="Ana", email="a@acme.pl")
    audit_before = AuditEntry.objects.count()
    for user, refusal in (
        (alice, "Only two records you can see can be marked “not a duplicate”."),
        (rita, "You may not change contacts."),
    ):
        response = login(user).post(
            "/companies/duplicates/contacts/", {"dismiss": f"{first.pk}-{second.pk}"}, follow=True
        )
        assert refusal in response.content.decode()
    html = login(rita).get("/companies/duplicates/contacts/").content.decode()
    assert (_pairs(html), 'data-action="dismiss"' in html) == (
        [(f"{first.pk}-{second.pk}", "80", "Same email")],
        False,
    )
    assert (_stored(), AuditEntry.objects.count()) == ([], audit_before)


def test_the_contact_finder_runs_the_same_queries_with_dismissed_pairs(alice, login):
    company = company_create(actor=alice, name="Acme", country="PL")
    people = [
        contact_create(actor=alice, company=company, first_name=f"P{n}", email=f"p{n // 2}@acme.pl")
        for n in range(8)
    ]
    client = login(alice)
    with CaptureQueriesContext(connection) as none_dismissed:
        html = client.get("/companies/duplicates/contacts/").content.decode()
    assert len(_pairs(html)) == 4
    for n in (0, 4):
        duplicate_dismiss(kind="contact", first_id=people[n].pk, second_id=people[n + 1].pk, actor=alice)
    with CaptureQueriesContext(connection) as some_dismissed:
        html = client.get("/companies/duplicates/contacts/").content.decode()
    assert (len(_pairs(html)), _dismissed_count(html)) == (2, 2)
    assert len(some_dismissed) == len(none_dismissed)
