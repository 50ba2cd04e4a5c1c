"""Events and invitations: planning, inviting by id and by company filter (once per contact, mail in the
contact's language through a real SMTP server), the personal accept/decline links, answers set by a rep,
counts on the event page, and refusals that change and send nothing."""

import datetime
import re

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from klient.activities.greetings.models import Event, Invitation
from klient.activities.greetings.services import event_create
from klient.core.models import AuditEntry
from klient.customers.services import company_create, contact_create
from klient.mail.models import OutboxMessage

pytestmark = pytest.mark.django_db

NOON = datetime.datetime(2026, 3, 2, 12, 0, tzinfo=datetime.UTC)
FAIR = {
    "name": "Budma 2026",
    "kind": "fair",
    "starts_at": "2026-05-12T09:00:00+02:00",
    "ends_at": "2026-05-15T17:00:00+02:00",
    "place": "Poznań",
    "description": "Hall 5, stand 12",
}


@pytest.fixture
def fair(alice):
    return event_create(
        actor=alice,
        name="Budma 2026",
        kind="fair",
        starts_at=datetime.datetime(2026, 5, 12, 7, 0, tzinfo=datetime.UTC),
        ends_at=datetime.datetime(2026, 5, 15, 15, 0, tzinfo=datetime.UTC),
        place="Poznań",
    )


def _invitations():
    return list(Invitation.objects.order_by("pk").values_list("contact_id", "status", "answered_by_id"))


def _stored():
    return _invitations(), OutboxMessage.objects.count(), AuditEntry.objects.count()


def test_an_event_is_planned_and_read_back_exactly(api, alice, bob):
    with time_machine.travel(NOON, tick=False):
        created = api(alice).post("/events", FAIR)
    assert created.status_code == 201, created.json()
    event = Event.objects.get()
    expected = {
        "id": event.pk,
        "name": "Budma 2026",
        "kind": "fair",
        "starts_at": "2026-05-12T07:00:00Z",
        "ends_at": "2026-05-15T15:00:00Z",
        "place": "Poznań",
        "description": "Hall 5, stand 12",
        "owner": "alice",
        "invited": 0,
        "accepted": 0,
        "declined": 0,
        "not_answered": 0,
        "version": 1,
    }
    assert created.json() == expected
    assert api(bob).get(f"/events/{event.pk}").json() == expected
    assert api(bob).get("/events").json() == {"items": [expected], "next": None}


def test_an_event_that_ends_before_it_starts_is_refused(api, alice):
    response = api(alice).post("/events", {**FAIR, "ends_at": "2026-05-11T09:00:00+02:00"})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "ends_at", "message": "The event ends before it starts."}]
    assert Event.objects.count() == 0


def test_contacts_are_invited_once_each_in_their_language_and_answer_through_their_link(
    api, alice, acme, anna, fair, smtp_sink, django_capture_on_commit_callbacks
):
    ivan = contact_create(
        actor=alice,
        company=acme,
        first_name="Ivan",
        last_name="Petrov",
        email="ivan@acme.example",
        language="ru",
    )
    mute = contact_create(actor=alice, company=acme, first_name="No", last_name="Mail")
    other = company_create(actor=alice, name="Retailer", industry="Retail")
    contact_create(actor=alice, company=other, last_name="Shop", email="shop@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        response = api(alice).post(
            f"/events/{fair.pk}/invitations",
            {"contacts": [anna.pk], "company_filter": {"industry": "construction"}},
        )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert [(item["contact"], item["status"], item["invited_by"]) for item in body["invited"]] == [
        (anna.pk, "invited", "alice"),
        (ivan.pk, "invited", "alice"),
    ]
    assert (body["already_invited"], body["without_email"]) == ([], [mute.pk])
    assert sorted(smtp_sink.recipients()) == ["anna@acme.example", "ivan@acme.example"]
    by_address = {to[0]: message for _f, to, message in smtp_sink.messages}
    subjects = dict(zip([to[0] for _f, to, _m in smtp_sink.messages], smtp_sink.subjects(), strict=True))
    assert subjects == {
        "anna@acme.example": "Zaproszenie: Budma 2026",
        "ivan@acme.example": "Приглашение: Budma 2026",
    }
    bodies = dict(zip([to[0] for _f, to, _m in smtp_sink.messages], smtp_sink.bodies(), strict=True))
    anna_accept = re.search(
        r"Wezmę udział: http://[^/]+(/greetings/reply/\S+/accept/)", bodies["anna@acme.example"]
    )
    ivan_decline = re.search(
        r"Не смогу прийти: http://[^/]+(/greetings/reply/\S+/decline/)", bodies["ivan@acme.example"]
    )
    assert anna_accept and ivan_decline, bodies
    assert "Poznań" in bodies["anna@acme.example"]
    assert by_address["anna@acme.example"]["To"].endswith("<anna@acme.example>")

    # A second invitation of the same people sends nothing.
    with django_capture_on_commit_callbacks(execute=True):
        again = api(alice).post(f"/events/{fair.pk}/invitations", {"contacts": [anna.pk, ivan.pk]})
    assert again.json() == {"invited": [], "already_invited": [anna.pk, ivan.pk], "without_email": []}
    assert len(smtp_sink.messages) == 2

    # Opening the link (no sign-in) asks in the contact's language and changes nothing.
    visitor = Client()
    before = _invitations()
    page = visitor.get(anna_accept.group(1))
    assert page.status_code == 200 and page["Content-Language"] == "pl"
    assert '<html lang="pl"' in page.content.decode()
    assert _invitations() == before
    # The button records the answer of exactly this invitation.
    with time_machine.travel(NOON, tick=False):
        answered = visitor.post(anna_accept.group(1))
    assert answered.status_code == 200 and "data-recorded" in answered.content.decode()
    assert _invitations() == [(anna.pk, "accepted", None), (ivan.pk, "invited", None)]
    assert Invitation.objects.get(contact=anna).answered_at == NOON
    visitor.post(ivan_decline.group(1))
    assert _invitations() == [(anna.pk, "accepted", None), (ivan.pk, "declined", None)]
    counts = api(alice).get(f"/events/{fair.pk}").json()
    assert (counts["invited"], counts["accepted"], counts["declined"], counts["not_answered"]) == (2, 1, 1, 0)


def test_a_forged_or_unknown_link_changes_nothing(alice, anna, fair, django_capture_on_commit_callbacks):
    from klient.activities.greetings.services import event_invite, invitation_token

    with django_capture_on_commit_callbacks(execute=True):
        invitation = event_invite(event=fair, actor=alice, contacts=[anna]).invited[0]
    token = invitation_token(invitation)
    before = _stored()
    visitor = Client()
    assert visitor.post(f"/greetings/reply/{token}x/accept/").status_code == 404
    assert visitor.post(f"/greetings/reply/{token}/maybe/").status_code == 404
    assert visitor.post("/greetings/reply/MQ/accept/").status_code == 404
    assert _stored() == before


def test_a_rep_sets_the_answer_heard_on_the_phone_and_others_cannot(
    api, login, alice, carol, rita, anna, fair, django_capture_on_commit_callbacks
):
    from klient.activities.greetings.services import event_invite

    with django_capture_on_commit_callbacks(execute=True):
        invitation = event_invite(event=fair, actor=alice, contacts=[anna]).invited[0]
    before = _stored()
    assert api(carol).post(f"/invitations/{invitation.pk}/answer", {"status": "accepted"}).status_code == 404
    assert api(rita).post(f"/invitations/{invitation.pk}/answer", {"status": "accepted"}).status_code == 403
    assert (
        login(carol)
        .post(f"/greetings/invitations/{invitation.pk}/answer/", {"status": "accepted"})
        .status_code
        == 404
    )
    assert _stored() == before
    answered = api(alice).post(f"/invitations/{invitation.pk}/answer", {"status": "declined"})
    assert answered.status_code == 200
    assert (answered.json()["status"], answered.json()["answered_by"]) == ("declined", "alice")
    page = login(alice).post(f"/greetings/invitations/{invitation.pk}/answer/", {"status": "accepted"})
    assert page["Location"] == f"/greetings/events/{fair.pk}/#invitations"
    assert _invitations() == [(anna.pk, "accepted", alice.pk)]


def test_inviting_contacts_one_may_not_see_invites_and_sends_nobody(
    api, alice, anna, sue, fair, smtp_sink, django_capture_on_commit_callbacks
):
    before = _stored()
    with django_capture_on_commit_callbacks(execute=True):
        response = api(alice).post(f"/events/{fair.pk}/invitations", {"contacts": [anna.pk, sue.pk]})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "contacts", "message": "Some contacts do not exist, or you may not see them."}
    ]
    assert smtp_sink.messages == []
    assert _stored() == before


def test_the_event_page_shows_the_counts_and_the_invited_with_constant_queries(
    login, alice, acme, fair, django_capture_on_commit_callbacks
):
    from klient.activities.greetings.services import event_invite, invitation_answer

    def invite(count):
        people = [
            contact_create(
                actor=alice,
                company=acme,
                last_name=f"Guest{len(_invitations()) + n}",
                email=f"g{len(_invitations()) + n}@acme.example",
            )
            for n in range(count)
        ]
        with django_capture_on_commit_callbacks(execute=True):
            return event_invite(event=fair, actor=alice, contacts=people).invited

    def page():
        client = login(alice)
        client.get("/")  # the session and the user are loaded once, outside the count
        with CaptureQueriesContext(connection) as queries:
            body = client.get(f"/greetings/events/{fair.pk}/").content.decode()
        return body, len(queries)

    first = invite(1)
    _body, few = page()
    more = invite(4)
    invitation_answer(invitation=first[0], status="accepted", actor=alice)
    invitation_answer(invitation=more[0], status="declined")
    body, many = page()
    assert few == many
    assert '<dd data-count="invited">5</dd>' in body
    assert '<dd data-count="accepted">1</dd>' in body
    assert '<dd data-count="declined">1</dd>' in body
    assert '<dd data-count="invited-not-answered">3</dd>' in body
    rows = body.split('data-list="invitations"')[1].split("</table>")[0]
    assert rows.count("<tr data-invitation=") == 5
    assert f'data-invitation="{first[0].pk}" data-status="accepted"' in rows


def test_more_than_two_hundred_contacts_at_once_are_refused_and_nobody_is_invited(
    api, alice, acme, fair, monkeypatch
):
    from klient.activities.greetings import services

    monkeypatch.setattr(services, "MAX_INVITATIONS", 2)
    people = [
        contact_create(
            actor=alice, company=acme, first_name="P", last_name=f"L{index}", email=f"p{index}@acme.example"
        )
        for index in range(3)
    ]
    before = _stored()
    response = api(alice).post(
        f"/events/{fair.pk}/invitations", {"contacts": [person.pk for person in people]}
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "contacts", "message": "At most 2 contacts at a time: narrow the selection."}
    ]
    assert _stored() == before


def test_a_company_filter_that_is_not_an_object_is_refused(api, alice, fair):
    before = _stored()
    response = api(alice).post(f"/events/{fair.pk}/invitations", {"company_filter": "everyone"})
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["company_filter"]
    assert _stored() == before
