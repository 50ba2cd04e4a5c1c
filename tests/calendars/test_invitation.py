"""Meeting invitations: the `meeting` template with an .ics (METHOD:REQUEST) delivered to a real SMTP
server, parsed by two standard parsers; once per version of the meeting; refusals that send nothing;
the button on the calendar and the API endpoint."""

from __future__ import annotations

import datetime

import icalendar
import pytest
import time_machine
import vobject

from klient.activities.calendars.services import meeting_invitation_send
from klient.activities.models import Activity
from klient.activities.services import activity_update
from klient.customers.services import contact_create
from klient.mail.models import OutboxMessage
from tests.calendars.conftest import WARSAW, at

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 1, 12, 11, 0, tzinfo=datetime.UTC)
UTC = datetime.UTC


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def meeting(alice, acme, jan, record):
    alice.timezone = "Europe/Warsaw"
    alice.save(update_fields=["timezone"])
    return record(
        alice,
        acme,
        "meeting",
        "Contract review",
        contact=jan,
        notes="Bring the price list",
        due_at=at(WARSAW, 2026, 1, 15, 9, 0),
        duration=3600,
    )


def _made():
    return OutboxMessage.objects.count(), Activity.objects.filter(kind="email").count()


def _invitation(message):
    """The .ics attachment of a delivered message: (content type, bytes)."""
    parts = [part for part in message.iter_attachments() if part.get_filename() == "invitation.ics"]
    assert len(parts) == 1
    return parts[0].get_content_type(), parts[0].get_param("method"), parts[0].get_payload(decode=True)


def test_the_invitation_reaches_the_contact_with_the_meeting_as_an_ics_request(
    api, smtp_sink, alice, jan, acme, meeting, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api(alice).post(f"/meetings/{meeting.pk}/invitation", {})

    assert response.status_code == 200, response.json()
    message_row = OutboxMessage.objects.get()
    assert response.json() == {
        "id": message_row.pk,
        "to": "jan@acme.example",
        "key": f"meeting-invitation:{meeting.pk}:1",
    }
    assert message_row.status == "sent"
    assert len(smtp_sink.messages) == 1
    _sender, recipients, message = smtp_sink.messages[0]
    assert recipients == ["jan@acme.example"]
    assert message["Subject"] == "Meeting: Contract review"
    body = message.get_body(("plain",)).get_content()
    assert "our meeting “Contract review” on Jan. 15, 2026, 9 a.m." in body
    content_type, method, ics = _invitation(message)
    assert (content_type, method) == ("text/calendar", "REQUEST")

    calendar = icalendar.Calendar.from_ical(ics)
    assert str(calendar["METHOD"]) == "REQUEST"
    (event,) = calendar.walk("VEVENT")
    assert str(event["uid"]) == f"activity-{meeting.pk}@127.0.0.1"
    assert str(event["summary"]) == "Meeting: Contract review"
    assert event.decoded("dtstart") == datetime.datetime(2026, 1, 15, 8, 0, tzinfo=UTC)
    assert event.decoded("dtend") == datetime.datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
    assert str(event["organizer"]) == "mailto:alice@example.com"
    assert event["organizer"].params["CN"] == "Alice Archer"
    attendee = event["attendee"]
    assert str(attendee) == "mailto:jan@acme.example"
    assert (attendee.params["CN"], attendee.params["PARTSTAT"], attendee.params["RSVP"]) == (
        "Jan Kowalski",
        "NEEDS-ACTION",
        "TRUE",
    )
    assert str(event["location"]) == "ul. Prosta 1, 00-001 Warsaw"
    assert str(event["description"]) == (
        "Bring the price list\nCompany: Acme\nContact: Jan Kowalski (jan@acme.example)"
    )

    parsed = vobject.readOne(ics.decode())
    assert parsed.method.value == "REQUEST"
    assert len(parsed.vevent_list) == 1
    assert parsed.vevent.uid.value == f"activity-{meeting.pk}@127.0.0.1"
    assert parsed.vevent.dtstart.value == datetime.datetime(2026, 1, 15, 8, 0, tzinfo=UTC)
    assert parsed.vevent.organizer.value == "mailto:alice@example.com"
    assert parsed.vevent.attendee.value == "mailto:jan@acme.example"
    # The email is on the company's timeline, as every message to a contact.
    email_activity = Activity.objects.get(kind="email")
    assert (email_activity.contact, email_activity.subject, email_activity.owner) == (
        jan,
        "Meeting: Contract review",
        alice,
    )


def test_the_same_uid_is_in_the_organisers_feed(api, client, alice, meeting):
    feed_path = api(alice).get("/me").json()["calendar_feed_url"].removeprefix("http://testserver")
    feed = icalendar.Calendar.from_ical(client.get(feed_path).content)
    invitation = meeting_invitation_send(actor=alice, activity=meeting)
    attachment = invitation.attachments.get()
    invited = icalendar.Calendar.from_ical(bytes(attachment.content))
    assert [str(event["uid"]) for event in invited.walk("VEVENT")] == [
        str(event["uid"]) for event in feed.walk("VEVENT") if "Contract review" in str(event["summary"])
    ]
    assert attachment.mimetype == "text/calendar; method=REQUEST; charset=utf-8"


def test_it_is_sent_once_per_version_of_the_meeting(
    smtp_sink, alice, meeting, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = meeting_invitation_send(actor=alice, activity=meeting)
        again = meeting_invitation_send(actor=alice, activity=meeting)
    assert again.pk == first.pk
    assert (len(smtp_sink.messages), _made()) == (1, (1, 1))

    moved = activity_update(
        activity=meeting, actor=alice, version=meeting.version, due_at=at(WARSAW, 2026, 1, 16, 10, 0)
    )
    with django_capture_on_commit_callbacks(execute=True):
        second = meeting_invitation_send(actor=alice, activity=moved)
    assert second.pk != first.pk and second.key == f"meeting-invitation:{meeting.pk}:2"
    assert (len(smtp_sink.messages), _made()) == (2, (2, 2))
    event = icalendar.Calendar.from_ical(_invitation(smtp_sink.messages[1][2])[2]).walk("VEVENT")[0]
    assert event.decoded("dtstart") == datetime.datetime(2026, 1, 16, 9, 0, tzinfo=UTC)
    assert int(event["sequence"]) == 2


def test_what_cannot_be_sent_is_refused_naming_the_field_and_sends_nothing(
    api, smtp_sink, alice, acme, jan, meeting, record, django_capture_on_commit_callbacks
):
    silent = contact_create(actor=alice, company=acme, first_name="Ewa", last_name="Nowak")
    cases = [
        (record(alice, acme, "call", "A call", contact=jan, due_at=NOW), "kind"),
        (record(alice, acme, "meeting", "Nobody", due_at=NOW + datetime.timedelta(days=1)), "contact"),
        (record(alice, acme, "meeting", "No address", contact=silent, due_at=NOW), "contact"),
        (record(alice, acme, "meeting", "Held", contact=jan, done_at=NOW), "done_at"),
    ]
    before = _made()
    with django_capture_on_commit_callbacks(execute=True):
        for activity, field in cases:
            response = api(alice).post(f"/meetings/{activity.pk}/invitation", {})
            assert response.status_code == 422, field
            assert [error["field"] for error in response.json()["errors"]] == [field]
    assert _made() == before
    assert smtp_sink.messages == []


def test_those_who_may_not_see_or_change_the_meeting_are_refused(
    api, smtp_sink, bob, rita, meeting, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert api(bob).post(f"/meetings/{meeting.pk}/invitation", {}).status_code == 404
        assert api(rita).post(f"/meetings/{meeting.pk}/invitation", {}).status_code == 403
        assert api(bob).post("/meetings/999999/invitation", {}).status_code == 404
    assert _made() == (0, 0)
    assert smtp_sink.messages == []


def test_the_calendar_offers_the_button_on_open_meetings_with_an_address_and_it_sends(
    login, smtp_sink, alice, rita, acme, jan, meeting, record, django_capture_on_commit_callbacks
):
    call = record(alice, acme, "call", "A call", contact=jan, due_at=at(WARSAW, 2026, 1, 15, 11, 0))
    client = login(alice)
    body = client.get("/calendar/?view=week&date=2026-01-15").content.decode()
    entry = body.split(f'data-entry="activity-{meeting.pk}"')[1].split("</li>")[0]
    assert f'action="/calendar/meetings/{meeting.pk}/invitation/"' in entry
    assert 'data-action="send-invitation"' in entry
    assert "Send invitation" in entry
    call_entry = body.split(f'data-entry="activity-{call.pk}"')[1].split("</li>")[0]
    assert "send-invitation" not in call_entry
    assert body.count('data-action="send-invitation"') == 1

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/calendar/meetings/{meeting.pk}/invitation/",
            {"next": "/calendar/?view=week&date=2026-01-15"},
            follow=True,
        )
    assert response.redirect_chain == [("/calendar/?view=week&date=2026-01-15", 302)]
    assert "Invitation to “Contract review” sent to Jan Kowalski." in response.content.decode()
    assert [recipients for _sender, recipients, _message in smtp_sink.messages] == [["jan@acme.example"]]

    # Read-only staff see the calendar without the button, and cannot post it.
    assert "send-invitation" not in login(rita).get("/calendar/?view=week&date=2026-01-15").content.decode()
    assert login(rita).post(f"/calendar/meetings/{meeting.pk}/invitation/").status_code == 403
    assert len(smtp_sink.messages) == 1


def test_a_refusal_in_the_page_says_why_and_sends_nothing(login, smtp_sink, alice, acme, record):
    nobody = record(alice, acme, "meeting", "Nobody", due_at=NOW + datetime.timedelta(days=1))
    response = login(alice).post(f"/calendar/meetings/{nobody.pk}/invitation/", follow=True)
    assert response.redirect_chain == [("/calendar/", 302)]
    assert "Choose the contact to invite first." in response.content.decode()
    assert (_made(), smtp_sink.messages) == ((0, 0), [])
