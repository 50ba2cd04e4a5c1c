"""A greeting goes out once and only once, into a real SMTP server, in the contact's language: from the
one-click button (My Day's action) and from the API; the second click, and a refused request, send and
store nothing."""

import datetime

import pytest
import time_machine
from django.db import IntegrityError, transaction

from klient.activities.greetings.models import GreetingSent
from klient.activities.greetings.myday import greetings_source
from klient.activities.models import Activity
from klient.activities.myday import MyDay
from klient.core.models import AuditEntry
from klient.customers.services import contact_create
from klient.mail.models import OutboxMessage

pytestmark = pytest.mark.django_db

MORNING = datetime.datetime(2026, 2, 25, 8, 0, tzinfo=datetime.UTC)


def _stored():
    return (
        list(GreetingSent.objects.values_list("contact_id", "occasion", "year")),
        OutboxMessage.objects.count(),
        Activity.objects.count(),
        AuditEntry.objects.count(),
    )


def test_the_button_sends_the_birthday_greeting_once_in_the_contacts_language(
    login, smtp_sink, alice, anna, django_capture_on_commit_callbacks
):
    client = login(alice)
    url = f"/greetings/send/{anna.pk}/birthday/2026/"
    with time_machine.travel(MORNING, tick=False), django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"next": "/greetings/?days=7"})
    assert response.status_code == 302
    assert response["Location"] == "/greetings/?days=7"
    assert smtp_sink.recipients() == ["anna@acme.example"]
    assert smtp_sink.subjects() == ["Wszystkiego najlepszego z okazji urodzin!"]
    assert "najserdeczniejsze życzenia urodzinowe" in smtp_sink.bodies()[0]
    greeting = GreetingSent.objects.get()
    assert (greeting.contact, greeting.occasion, greeting.year, greeting.sent_by) == (
        anna,
        "birthday",
        2026,
        alice,
    )
    assert greeting.message_id == OutboxMessage.objects.get().pk
    email_activity = Activity.objects.get()
    assert (email_activity.kind, email_activity.purpose, email_activity.contact, email_activity.owner) == (
        "email",
        "greeting",
        anna,
        alice,
    )
    before = _stored()

    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(url, {"next": "/greetings/?days=7"}, follow=True)
    assert "Anna Nowak has already been greeted: nothing was sent." in again.content.decode()
    assert len(smtp_sink.messages) == 1
    assert _stored() == before


def test_the_api_answers_201_then_409_and_sends_one_mail(
    api, smtp_sink, alice, anna, django_capture_on_commit_callbacks
):
    body = {"contact_id": anna.pk, "occasion": "professional-pl-builders-day", "year": 2026}
    with time_machine.travel(MORNING, tick=False), django_capture_on_commit_callbacks(execute=True):
        first = api(alice).post("/greetings", body)
    assert first.status_code == 201, first.json()
    greeting = GreetingSent.objects.get()
    expected = {
        "id": greeting.pk,
        "contact": anna.pk,
        "occasion": "professional-pl-builders-day",
        "year": 2026,
        "sent_at": "2026-02-25T08:00:00Z",
        "sent_by": "alice",
        "message": OutboxMessage.objects.get().pk,
    }
    assert first.json() == expected
    assert smtp_sink.subjects() == ["Najlepsze życzenia z okazji: Dzień Budowlańca"]
    before = _stored()
    with django_capture_on_commit_callbacks(execute=True):
        second = api(alice).post("/greetings", body)
    assert second.status_code == 409
    assert second.json() == {
        "detail": "This greeting has already been sent.",
        "errors": [{"field": "occasion", "message": "already sent"}],
        "greeting": expected,
    }
    assert len(smtp_sink.messages) == 1
    assert _stored() == before


def test_the_database_refuses_a_second_row_for_the_same_greeting(alice, anna):
    GreetingSent.objects.create(contact=anna, occasion="birthday", year=2026, sent_by=alice)
    with pytest.raises(IntegrityError), transaction.atomic():
        GreetingSent.objects.create(contact=anna, occasion="birthday", year=2026, sent_by=alice)
    GreetingSent.objects.create(contact=anna, occasion="birthday", year=2027, sent_by=alice)
    assert GreetingSent.objects.count() == 2


def test_refused_requests_send_and_store_nothing(
    api, login, smtp_sink, alice, carol, rita, anna, django_capture_on_commit_callbacks
):
    bare = contact_create(
        actor=alice, company=anna.company, last_name="Bez", birthday=datetime.date(1980, 5, 5)
    )
    before = _stored()
    with django_capture_on_commit_callbacks(execute=True):
        hidden = api(carol).post("/greetings", {"contact_id": anna.pk, "occasion": "birthday", "year": 2026})
        forbidden = api(rita).post(
            "/greetings", {"contact_id": anna.pk, "occasion": "birthday", "year": 2026}
        )
        no_address = api(alice).post(
            "/greetings", {"contact_id": bare.pk, "occasion": "birthday", "year": 2026}
        )
        no_occasion = api(alice).post(
            "/greetings", {"contact_id": anna.pk, "occasion": "public-07-04", "year": 2026}
        )
        page_hidden = login(carol).post(f"/greetings/send/{anna.pk}/birthday/2026/")
        page_forbidden = login(rita).post(f"/greetings/send/{anna.pk}/birthday/2026/")
    assert hidden.status_code == 404
    assert hidden.json()["errors"] == [
        {"field": "contact_id", "message": "No contact with this id, or you may not see it."}
    ]
    assert forbidden.status_code == 403
    assert no_address.status_code == 422
    assert no_address.json()["errors"] == [
        {"field": "contact", "message": "The contact has no email address."}
    ]
    assert no_occasion.status_code == 422
    assert no_occasion.json()["errors"] == [
        {"field": "occasion", "message": "The contact has no such occasion in 2026."}
    ]
    assert (page_hidden.status_code, page_forbidden.status_code) == (404, 403)
    assert smtp_sink.messages == []
    assert _stored() == before


def test_my_day_offers_the_greeting_then_shows_it_greeted(
    alice, anna, smtp_sink, django_capture_on_commit_callbacks
):
    contact_create(
        actor=alice,
        company=anna.company,
        first_name="Ewa",
        last_name="Bez",
        birthday=datetime.date(1975, 3, 2),
    )
    day = MyDay(user=alice, date=datetime.date(2026, 2, 25), owners=[alice])
    items = list(greetings_source(day))
    assert [(i.kind, i.title, i.due, i.detail, i.action_url, i.action_label, i.owner) for i in items] == [
        (
            "birthday",
            "Birthday: Anna Nowak (Acme)",
            datetime.date(2026, 2, 28),
            "in 3 days",
            f"/greetings/send/{anna.pk}/birthday/2026/",
            "Send greeting",
            alice,
        ),
        # No email address: no button.
        ("birthday", "Birthday: Ewa Bez (Acme)", datetime.date(2026, 3, 2), "in 5 days", "", "", alice),
    ]
    assert (items[0].company, items[0].contact, items[0].url) == (
        anna.company,
        anna,
        f"/companies/contacts/{anna.pk}/",
    )
    with time_machine.travel(MORNING, tick=False), django_capture_on_commit_callbacks(execute=True):
        from klient.activities.greetings.services import greeting_send

        greeting_send(actor=alice, contact=anna, code="birthday", year=2026)
    first = next(iter(greetings_source(day)))
    assert (first.detail, first.action_url, first.action_label) == ("greeted", "", "")


def test_the_greetings_page_lists_the_occasions_with_their_buttons(login, alice, anna):
    with time_machine.travel(MORNING, tick=False):
        body = login(alice).get("/greetings/?days=7").content.decode()
    rows = body.split('data-list="occasions"')[1].split("</table>")[0]
    assert rows.count("<tr data-occasion=") == 1
    assert f'data-occasion="birthday:birthday:{anna.pk}"' in rows
    assert "Birthday: Anna Nowak (Acme)" in rows
    assert f'action="/greetings/send/{anna.pk}/birthday/2026/"' in rows
