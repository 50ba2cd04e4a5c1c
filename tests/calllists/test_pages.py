"""The call list screens: the list page (a constant number of queries), building from the company filter,
the work page (summary, script, objections in the rep's language, call form), log & next, skip, snooze,
the read pages and the report; invisible lists answer 404 and refusals store nothing."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from klient.activities.calllists.models import CallList, CallListEntry, Objection, ObjectionMark
from klient.activities.calllists.myday import call_list_items
from klient.activities.calllists.services import call_list_build
from klient.activities.models import Activity
from klient.activities.myday import MyDay
from klient.core.models import AuditEntry
from klient.customers.filters import CompanyFilter
from klient.customers.services import company_create
from tests.calllists.conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def fair(alice, prospects, script):
    return call_list_build(
        actor=alice, name="Exhibition 2026", company_filter=CompanyFilter(status=["prospect"]), script=script
    )


def _stored():
    return (
        list(CallListEntry.objects.order_by("pk").values_list("state", "claimed_by", "activity")),
        Activity.objects.count(),
        ObjectionMark.objects.count(),
        AuditEntry.objects.count(),
    )


def test_the_list_page_shows_progress_with_a_constant_number_of_queries(login, alice, prospects, fair):
    client = login(alice)
    client.get("/call-lists/")
    with CaptureQueriesContext(connection) as one:
        body = client.get("/call-lists/").content.decode()
    row = body.split(f'<tr data-call-list="{fair.pk}">')[1].split("</tr>")[0]
    assert "Exhibition 2026" in row and "0 of 3 (3 left)" in row and "Alice Archer" in row
    assert f'href="/call-lists/{fair.pk}/work/"' in row
    for index in range(4):
        call_list_build(actor=alice, name=f"More {index}", company_filter=CompanyFilter(status=["prospect"]))
    with CaptureQueriesContext(connection) as five:
        body = client.get("/call-lists/").content.decode()
    assert body.count("<tr data-call-list=") == 5
    assert len(five) == len(one)


def test_the_nav_offers_call_lists_to_sales_only(login, alice, sam):
    assert 'data-nav="call_lists"' in login(alice).get("/call-lists/").content.decode()
    assert login(sam).get("/call-lists/").status_code == 403
    assert 'data-nav="call_lists"' not in login(sam).get("/").content.decode()


def test_building_from_the_company_filter_query(login, alice, prospects, script):
    client = login(alice)
    page = client.get(
        "/call-lists/new/", {"status": "prospect", "source": "exhibition", "last_contact": "30"}
    )
    body = page.content.decode()
    assert "3 companies match." in body
    assert '<input type="hidden" name="last_contact" value="30">' in body
    response = client.post(
        "/call-lists/new/",
        {
            "status": "prospect",
            "source": "exhibition",
            "last_contact": "30",
            "name": "Exhibition 2026",
            "script": str(script.pk),
            "with_contacts": "on",
        },
    )
    call_list = CallList.objects.get()
    assert response["Location"] == f"/call-lists/{call_list.pk}/"
    assert call_list.entries.count() == 3 and call_list.script == script
    refused = client.post("/call-lists/new/", {"status": "lost", "name": "Nothing"})
    assert refused.status_code == 400
    assert "No company you can see matches the filter." in refused.content.decode()
    assert CallList.objects.count() == 1


def test_the_work_page_shows_the_entry_script_and_objections_in_the_reps_language(login, alice, fair):
    alice.language = "ru"
    alice.save(update_fields=["language"])
    body = login(alice).get(f"/call-lists/{fair.pk}/work/").content.decode()
    entry = CallListEntry.objects.get(claimed_by=alice)
    assert entry.position == 1
    assert "data-company>Alpha</a>" in body
    assert '<a href="tel:+48221234567">+48 22 123 45 67</a>' in body
    assert '<a href="tel:+48601000001">+48 601 000 001</a>' in body
    assert "<strong>Greeting</strong><br>We met at the fair." in body
    assert "Это слишком дорого" in body and "Понимаю. По сравнению с чем?" in body
    assert 'name="outcome"' in body and "data-call-outcome" in body
    assert f'action="/call-lists/{fair.pk}/entries/{entry.pk}/log/"' in body
    # A colleague who does not work the list gets 404 or is sent away; nothing is claimed.
    assert CallListEntry.objects.filter(claimed_by__isnull=False).count() == 1


def test_log_and_next_then_skip_then_snooze(login, alice, fair):
    client = login(alice)
    price = Objection.objects.get(code="too_expensive")
    answer = price.answers.order_by("position").first()
    with time_machine.travel(NOW, tick=False):
        client.get(f"/call-lists/{fair.pk}/work/")
        first = CallListEntry.objects.get(claimed_by=alice)
        response = client.post(
            f"/call-lists/{fair.pk}/entries/{first.pk}/log/",
            {
                "outcome": "interested",
                "direction": "outbound",
                "contact": str(first.contact_id),
                "notes": "Trial order",
                "objection": [str(price.pk)],
                f"answer_{price.pk}": str(answer.pk),
                f"overcome_{price.pk}": "on",
            },
            follow=True,
        )
        assert response.redirect_chain == [(f"/call-lists/{fair.pk}/work/", 302)]
        body = response.content.decode()
        assert "Call logged." in body and "1 of 3" in body and "data-company>Beta</a>" in body
        second = CallListEntry.objects.get(claimed_by=alice)
        client.post(f"/call-lists/{fair.pk}/entries/{second.pk}/skip/", {"reason": "Closed"}, follow=True)
        third = CallListEntry.objects.get(claimed_by=alice)
        alice.timezone = "Europe/Warsaw"
        alice.save(update_fields=["timezone"])
        response = client.post(
            f"/call-lists/{fair.pk}/entries/{third.pk}/snooze/", {"until": "2026-03-02T15:00"}, follow=True
        )
        assert "Nothing to call now" in response.content.decode() and "3 of 3" in response.content.decode()
    call = Activity.objects.get()
    assert (call.outcome.code, call.notes, call.contact_id, call.done_at) == (
        "interested",
        "Trial order",
        first.contact_id,
        NOW,
    )
    assert list(ObjectionMark.objects.values_list("activity", "objection", "answer", "is_overcome")) == [
        (call.pk, price.pk, answer.pk, True)
    ]
    assert list(
        CallListEntry.objects.order_by("position").values_list("state", "skip_reason", "snoozed_until")
    ) == [
        ("done", "", None),
        ("skipped", "Closed", None),
        ("snoozed", "", datetime.datetime(2026, 3, 2, 14, 0, tzinfo=datetime.UTC)),
    ]


def test_a_refused_call_keeps_the_entry_and_stores_nothing(login, alice, fair):
    client = login(alice)
    client.get(f"/call-lists/{fair.pk}/work/")
    entry = CallListEntry.objects.get(claimed_by=alice)
    before = _stored()
    response = client.post(
        f"/call-lists/{fair.pk}/entries/{entry.pk}/log/",
        {"outcome": "not_interested", "direction": "outbound", "notes": "Typed notes"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Say why (this outcome needs a reason)." in body and "Typed notes" in body
    assert _stored() == before


def test_other_people_get_404_and_change_nothing(login, alice, bob, carol, fair):
    before = _stored()
    entry = fair.entries.first()
    for user in (bob, carol):
        client = login(user)
        assert client.get(f"/call-lists/{fair.pk}/").status_code == 404
        assert client.get(f"/call-lists/{fair.pk}/work/").status_code == 404
        assert client.post(f"/call-lists/{fair.pk}/entries/{entry.pk}/skip/", {}).status_code == 404
    assert _stored() == before


def test_the_detail_page_lists_entries_with_a_constant_number_of_queries(login, alice, mike, fair):
    client = login(alice)
    with CaptureQueriesContext(connection) as three:
        body = client.get(f"/call-lists/{fair.pk}/").content.decode()
    assert body.count("<tr data-entry=") == 3 and "Assign</summary>" not in body
    for index in range(5):
        company = company_create(actor=alice, name=f"Zeta {index}")
        CallListEntry.objects.create(call_list=fair, position=10 + index, company=company)
    with CaptureQueriesContext(connection) as eight:
        body = client.get(f"/call-lists/{fair.pk}/").content.decode()
    assert body.count("<tr data-entry=") == 8
    assert len(eight) == len(three)
    assert "Assign</summary>" in login(mike).get(f"/call-lists/{fair.pk}/").content.decode()


def test_scripts_and_objections_pages(login, tom, script):
    body = login(tom).get("/call-lists/scripts/").content.decode()
    assert "Exhibition follow-up" in body and "<strong>Offer</strong><br>Offer the trial order." in body
    assert "Offer the trial order." in login(tom).get(f"/call-lists/scripts/{script.pk}/").content.decode()
    tom.language = "pl"
    tom.save(update_fields=["language"])
    body = login(tom).get("/call-lists/objections/").content.decode()
    assert body.count('<section class="card-section" data-objection=') == 5
    assert "<h2>Mamy już dostawcę</h2>" in body


def test_the_report_page_shows_uses_and_success_rates(login, alice, mike, prospects):
    from klient.activities.services import activity_create

    price = Objection.objects.get(code="too_expensive")
    answer = price.answers.order_by("position").first()
    for overcome in (True, False, True):
        call = activity_create(actor=alice, company=prospects[0], kind="call", subject="Call", done_at=NOW)
        ObjectionMark.objects.create(
            activity=call, objection=price, answer=answer, is_overcome=overcome, owner=alice, at=NOW
        )
    body = (
        login(mike)
        .get("/call-lists/objections/report/", {"start": "2026-03-01", "end": "2026-03-31"})
        .content.decode()
    )
    row = body.split('<tr data-objection="too_expensive"')[1].split("</tr>")[0]
    assert (
        "<td data-used>3</td>" in row
        and "<td data-overcome>2</td>" in row
        and "<td data-rate>66.7 %</td>" in row
    )
    other = login(mike).get("/call-lists/objections/report/", {"start": "2026-04-01", "end": "2026-04-30"})
    assert "No objections were marked on calls in this period." in other.content.decode()


def test_my_day_names_each_list_with_calls_left(alice, bob, fair):
    items = list(call_list_items(MyDay(user=alice, date=NOW.date(), owners=[alice, bob])))
    assert [(item.kind, item.title, item.owner, item.url, item.due) for item in items] == [
        (
            "call_list",
            "Call list “Exhibition 2026”: 3 calls left",
            alice,
            f"/call-lists/{fair.pk}/work/",
            None,
        )
    ]
    CallListEntry.objects.filter(call_list=fair, position__lt=3).update(state="done")
    items = list(call_list_items(MyDay(user=alice, date=NOW.date(), owners=[alice])))
    assert [item.title for item in items] == ["Call list “Exhibition 2026”: 1 call left"]
    CallListEntry.objects.filter(call_list=fair).update(state="skipped")
    assert list(call_list_items(MyDay(user=alice, date=NOW.date(), owners=[alice]))) == []
