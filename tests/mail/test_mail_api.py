"""POST /mail, GET /mail/outbox, POST/GET /mailings."""

from __future__ import annotations

import datetime

import pytest
import time_machine

from klient.activities.models import Activity
from klient.core.models import User
from klient.customers.models import Company, Contact
from klient.customers.services import company_create, contact_create
from klient.mail.models import Mailing, OutboxMessage
from tests.smtp import Sink

pytestmark = pytest.mark.django_db
NOON = datetime.datetime(2026, 3, 2, 12, 0, tzinfo=datetime.UTC)


def _nothing_made() -> tuple[int, int, int]:
    return OutboxMessage.objects.count(), Activity.objects.count(), Mailing.objects.count()


def test_it_queues_a_template_in_the_contacts_language(
    api, smtp_sink: Sink, alice: User, jan: Contact, django_capture_on_commit_callbacks
) -> None:
    with time_machine.travel(NOON, tick=False), django_capture_on_commit_callbacks(execute=True):
        response = api(alice).post("/mail", {"contact_id": jan.pk, "template": "birthday", "key": "b-2026"})
    assert response.status_code == 201, response.json()
    body = response.json()
    message = OutboxMessage.objects.get()
    assert body == {
        "id": message.pk,
        "status": "queued",  # the answer was written before the commit; the row is sent by now
        "to": "jan@acme.example",
        "to_name": "Jan Kowalski",
        "subject": "Wszystkiego najlepszego z okazji urodzin!",
        "purpose": "greeting",
        "language": "pl",
        "contact": jan.pk,
        "company": jan.company_id,
        "sender": "alice",
        "mailing": None,
        "activity": Activity.objects.get().pk,
        "attempts": 0,
        "next_attempt_at": "2026-03-02T12:00:00Z",
        "last_error": "",
        "created_at": "2026-03-02T12:00:00Z",
        "sent_at": None,
        "message_id": message.message_id,
    }
    assert message.status == "sent" and len(smtp_sink.messages) == 1
    again = api(alice).post("/mail", {"contact_id": jan.pk, "template": "birthday", "key": "b-2026"})
    assert again.status_code == 200
    assert again.json()["id"] == message.pk and again.json()["status"] == "sent"
    assert _nothing_made() == (1, 1, 0)


def test_it_queues_free_text_and_names_missing_fields(api, alice: User, jan: Contact) -> None:
    missing = api(alice).post("/mail", {"contact_id": jan.pk, "subject": "  "})
    assert missing.status_code == 422
    assert sorted(error["field"] for error in missing.json()["errors"]) == ["body", "subject"]
    assert _nothing_made() == (0, 0, 0)
    sent = api(alice).post(
        "/mail", {"contact_id": jan.pk, "subject": "Delivery", "body": "It ships Monday.", "purpose": "other"}
    )
    assert sent.status_code == 201
    assert (sent.json()["subject"], sent.json()["purpose"]) == ("Delivery", "other")
    activity = Activity.objects.get()
    assert (activity.purpose, activity.notes) == ("", "It ships Monday.")


def test_refused_requests_create_nothing(api, alice: User, rita: User, acme: Company, sue: Contact) -> None:
    nobody = contact_create(actor=alice, company=acme, first_name="No", last_name="Mail")
    no_address = api(alice).post("/mail", {"contact_id": nobody.pk, "template": "proposal"})
    assert no_address.status_code == 422
    assert no_address.json()["errors"] == [{"field": "contact", "message": "No Mail has no email address."}]
    invisible = api(alice).post("/mail", {"contact_id": sue.pk, "subject": "Hi", "body": "Hi"})
    assert invisible.status_code == 404
    assert invisible.json()["errors"][0]["field"] == "contact_id"
    jan = contact_create(actor=alice, company=acme, first_name="Jan", email="jan@acme.example")
    forbidden = api(rita).post("/mail", {"contact_id": jan.pk, "subject": "Hi", "body": "Hi"})
    assert forbidden.status_code == 403
    unknown = api(alice).post("/mail", {"contact_id": jan.pk, "template": "nope"})
    assert unknown.status_code == 422
    assert unknown.json()["errors"] == [{"field": "template", "message": "No mail template “nope”."}]
    assert _nothing_made() == (0, 0, 0)


def test_the_outbox_shows_own_messages_and_managers_their_teams(
    api, alice: User, bob: User, carol: User, mike: User, jan: Contact, sue: Contact
) -> None:
    acme_for_bob = company_create(actor=bob, name="Bobco")
    bobs = contact_create(actor=bob, company=acme_for_bob, first_name="B", email="b@bobco.example")
    with time_machine.travel(NOON, tick=False):
        first = api(alice).post("/mail", {"contact_id": jan.pk, "subject": "One", "body": "1"}).json()["id"]
    with time_machine.travel(NOON + datetime.timedelta(minutes=1), tick=False):
        second = api(bob).post("/mail", {"contact_id": bobs.pk, "subject": "Two", "body": "2"}).json()["id"]
        api(carol).post("/mail", {"contact_id": sue.pk, "subject": "Three", "body": "3"})
    assert [m["id"] for m in api(alice).get("/mail/outbox").json()["items"]] == [first]
    assert [m["id"] for m in api(mike).get("/mail/outbox").json()["items"]] == [second, first]
    page = api(mike).get("/mail/outbox", limit=1).json()
    assert [m["id"] for m in page["items"]] == [second]
    assert [m["id"] for m in api(mike).get("/mail/outbox", limit=1, cursor=page["next"]).json()["items"]] == [
        first
    ]
    assert api(alice).get("/mail/outbox", status="sent").json()["items"] == []
    assert api(alice).get(f"/mail/outbox/{second}").status_code == 404
    assert api(mike).get(f"/mail/outbox/{second}").json()["subject"] == "Two"


def test_a_mailing_by_ids_and_its_progress(api, alice: User, jan: Contact) -> None:
    empty = company_create(actor=alice, name="Empty Ltd")
    with time_machine.travel(NOON, tick=False):
        response = api(alice).post("/mailings", {"companies": [jan.company_id, empty.pk]})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert {
        key: body[key] for key in ("template", "created_by", "company_count", "queued_count", "skipped")
    } == {
        "template": "proposal",
        "created_by": "alice",
        "company_count": 2,
        "queued_count": 1,
        "skipped": {"no_address": 1},
    }
    assert body["skipped_companies"] == [{"company": empty.pk, "name": "Empty Ltd", "reason": "no_address"}]
    assert body["progress"] == {
        "queued": 1,
        "sending": 0,
        "sent": 0,
        "failed": 0,
        "total": 1,
        "is_finished": False,
    }
    assert api(alice).get(f"/mailings/{body['id']}").json() == body
    assert [item["id"] for item in api(alice).get("/mailings").json()["items"]] == [body["id"]]


def test_a_mailing_by_the_company_lists_filter(api, alice: User, jan: Contact) -> None:
    other = company_create(actor=alice, name="Other", country="DE")
    contact_create(actor=alice, company=other, first_name="O", email="o@other.example")
    response = api(alice).post("/mailings", {"filter": {"country": "DE"}})
    assert response.status_code == 201
    assert list(OutboxMessage.objects.values_list("to_email", flat=True)) == ["o@other.example"]


def test_refused_mailings_create_nothing(api, alice: User, sam: User, jan: Contact, sue: Contact) -> None:
    invisible = api(alice).post("/mailings", {"companies": [jan.company_id, sue.company_id]})
    assert invisible.status_code == 404
    assert invisible.json()["errors"][0]["field"] == "companies"
    forbidden = api(sam).post("/mailings", {"companies": [jan.company_id]})  # service desk: no mailings
    assert forbidden.status_code == 403
    nothing = api(alice).post("/mailings", {})
    assert nothing.status_code == 422
    assert nothing.json()["errors"] == [
        {"field": "companies", "message": "Name the companies: ids or filters."}
    ]
    assert _nothing_made() == (0, 0, 0)
