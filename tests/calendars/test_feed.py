"""The personal iCalendar feed: read by two standard parsers with exact events and UTC times, its window,
its secret revocable address (profile page and API), and one query for the activities whatever their
number."""

from __future__ import annotations

import datetime
import re

import icalendar
import pytest
import time_machine
import vobject
from django.db import connection
from django.test.utils import CaptureQueriesContext

from klient.activities.calendars.models import CalendarFeed
from klient.activities.models import Activity
from klient.core.models import AuditEntry
from klient.core.services import delegation_create
from klient.customers.services import company_create
from tests.calendars.conftest import WARSAW, YEREVAN, at

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 2, 11, 0, tzinfo=datetime.UTC)
UTC = datetime.UTC


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def _feed_path(client) -> str:
    """The feed's path as the profile page shows it."""
    body = client.get("/me/").content.decode()
    url = re.search(r'id="calendar-feed-url" value="([^"]+)"', body).group(1)
    return url.removeprefix("http://testserver")


def _events(body: bytes) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(body)
    return {str(event["summary"]): event for event in calendar.walk("VEVENT")}


def test_the_feed_gives_each_activity_as_an_event_in_utc_read_by_icalendar(
    client, login, alice, acme, jan, record
):
    alice.timezone = "Europe/Warsaw"
    alice.save(update_fields=["timezone"])
    winter = record(
        alice,
        acme,
        "meeting",
        "Contract review",
        contact=jan,
        notes="Agenda: prices",
        due_at=at(WARSAW, 2026, 1, 15, 9, 0),
        duration=3600,
    )
    summer = record(alice, acme, "visit", "Summer visit", due_at=at(WARSAW, 2026, 7, 15, 9, 0), duration=5400)
    call = record(
        alice,
        acme,
        "call",
        "Called Jan",
        contact=jan,
        done_at=at(WARSAW, 2026, 2, 20, 14, 0),
        outcome="reached",
    )
    path = _feed_path(login(alice))

    response = client.get(path)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(response.content)
    assert str(calendar["X-WR-CALNAME"]) == "Klient: Alice Archer"
    assert (str(calendar["VERSION"]), str(calendar["METHOD"])) == ("2.0", "PUBLISH")
    events = _events(response.content)
    assert sorted(events) == ["Call: Called Jan", "Meeting: Contract review", "Visit: Summer visit"]
    meeting = events["Meeting: Contract review"]
    # 09:00 in Warsaw is 08:00 UTC in winter and 07:00 UTC in summer.
    assert meeting.decoded("dtstart") == datetime.datetime(2026, 1, 15, 8, 0, tzinfo=UTC)
    assert meeting.decoded("dtend") == datetime.datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
    assert "DTSTART:20260115T080000Z" in response.content.decode()
    assert str(meeting["uid"]) == f"activity-{winter.pk}@127.0.0.1"
    assert str(meeting["description"]) == (
        "Agenda: prices\nCompany: Acme\nContact: Jan Kowalski (jan@acme.example)"
    )
    assert str(meeting["location"]) == "ul. Prosta 1, 00-001 Warsaw"
    assert str(meeting["url"]) == f"http://testserver/companies/{acme.pk}/"
    assert str(meeting["status"]) == "CONFIRMED"
    assert meeting.decoded("last-modified") == winter.updated_at.astimezone(UTC)
    visit = events["Visit: Summer visit"]
    assert visit.decoded("dtstart") == datetime.datetime(2026, 7, 15, 7, 0, tzinfo=UTC)
    assert visit.decoded("dtend") == datetime.datetime(2026, 7, 15, 8, 30, tzinfo=UTC)
    assert str(visit["uid"]) == f"activity-{summer.pk}@127.0.0.1"
    done_call = events["Call: Called Jan"]
    # A call without a duration fills 30 minutes; calls are not somewhere, so they have no location.
    assert done_call.decoded("dtstart") == datetime.datetime(2026, 2, 20, 13, 0, tzinfo=UTC)
    assert done_call.decoded("dtend") == datetime.datetime(2026, 2, 20, 13, 30, tzinfo=UTC)
    assert "location" not in done_call
    assert str(done_call["uid"]) == f"activity-{call.pk}@127.0.0.1"


def test_the_feed_is_read_the_same_by_vobject_for_a_user_in_yerevan(client, login, carol, record):
    carol.timezone = "Asia/Yerevan"
    carol.save(update_fields=["timezone"])
    south = company_create(actor=carol, name="Ararat Trading", city="Yerevan")
    meeting = record(carol, south, "meeting", "Quarterly review", due_at=at(YEREVAN, 2026, 3, 10, 9, 0))
    task = record(
        carol, south, "task", "Send the offer", due_at=at(YEREVAN, 2026, 8, 1, 18, 30), duration=900
    )

    body = client.get(_feed_path(login(carol))).content

    calendar = vobject.readOne(body.decode())
    events = sorted(calendar.vevent_list, key=lambda event: event.dtstart.value)
    assert [event.summary.value for event in events] == ["Meeting: Quarterly review", "Task: Send the offer"]
    assert [event.uid.value for event in events] == [
        f"activity-{meeting.pk}@127.0.0.1",
        f"activity-{task.pk}@127.0.0.1",
    ]
    # Yerevan is UTC+4 all year.
    assert [(event.dtstart.value, event.dtend.value) for event in events] == [
        (datetime.datetime(2026, 3, 10, 5, 0, tzinfo=UTC), datetime.datetime(2026, 3, 10, 5, 30, tzinfo=UTC)),
        (
            datetime.datetime(2026, 8, 1, 14, 30, tzinfo=UTC),
            datetime.datetime(2026, 8, 1, 14, 45, tzinfo=UTC),
        ),
    ]
    assert [event.dtstart.value.utcoffset() for event in events] == [datetime.timedelta(0)] * 2
    assert events[0].location.value == "Yerevan"
    assert calendar.contents["x-wr-calname"][0].value == "Klient: Carol Carter"


def test_the_feed_covers_ninety_days_back_and_a_year_ahead(client, login, alice, acme, record):
    inside = [
        record(alice, acme, "task", "Oldest kept", due_at=NOW - datetime.timedelta(days=90)),
        record(alice, acme, "task", "Last one ahead", due_at=NOW + datetime.timedelta(days=365, seconds=-1)),
    ]
    record(alice, acme, "task", "Too old", due_at=NOW - datetime.timedelta(days=90, seconds=1))
    record(alice, acme, "task", "Too far", due_at=NOW + datetime.timedelta(days=365))
    record(alice, acme, "note", "Notes stay out", done_at=NOW)
    events = _events(client.get(_feed_path(login(alice))).content)
    assert sorted(events) == ["Task: Last one ahead", "Task: Oldest kept"]
    assert sorted(str(event["uid"]) for event in events.values()) == sorted(
        f"activity-{activity.pk}@127.0.0.1" for activity in inside
    )


def test_the_feed_holds_only_the_users_own_activities_even_for_a_deputy(
    client, login, alice, bob, mike, acme, record
):
    record(alice, acme, "meeting", "Alice's", due_at=NOW + datetime.timedelta(days=1))
    bobs_company = company_create(actor=bob, name="Bob's")
    record(bob, bobs_company, "call", "Bob's", due_at=NOW + datetime.timedelta(days=1))
    delegation_create(absent_user=alice, deputy=bob, starts_on=NOW.date(), ends_on=NOW.date(), actor=mike)
    assert sorted(_events(client.get(_feed_path(login(bob))).content)) == ["Call: Bob's"]
    assert sorted(_events(client.get(_feed_path(login(alice))).content)) == ["Meeting: Alice's"]


def test_a_company_handed_to_another_team_leaves_the_feed(client, login, alice, carol, root, acme, record):
    from klient.customers.services import company_update

    record(alice, acme, "meeting", "Kept", due_at=NOW + datetime.timedelta(days=1))
    path = _feed_path(login(alice))
    assert sorted(_events(client.get(path).content)) == ["Meeting: Kept"]
    acme.refresh_from_db()
    company_update(company=acme, actor=root, version=acme.version, owner=carol, team=carol.team)
    assert _events(client.get(path).content) == {}


def test_the_base_url_setting_names_the_links_and_uids(
    client, login, alice, acme, record, settings, monkeypatch
):
    monkeypatch.setenv("KLIENT_BASE_URL", "https://crm.example.com")
    settings.BASE_URL = "https://crm.example.com"
    meeting = record(alice, acme, "meeting", "Review", due_at=NOW + datetime.timedelta(days=1))
    body = login(alice).get("/me/").content.decode()
    url = re.search(r'id="calendar-feed-url" value="([^"]+)"', body).group(1)
    assert re.fullmatch(r"https://crm\.example\.com/calendar/feed/[\w-]{43}\.ics", url)
    event = _events(client.get(url.removeprefix("https://crm.example.com")).content)["Meeting: Review"]
    assert str(event["uid"]) == f"activity-{meeting.pk}@crm.example.com"
    assert str(event["url"]) == f"https://crm.example.com/companies/{acme.pk}/"


def test_revoking_from_the_profile_page_makes_a_new_address_and_the_old_one_404(client, login, alice):
    signed_in = login(alice)
    old = _feed_path(signed_in)
    assert client.get(old).status_code == 200
    assert _feed_path(signed_in) == old  # the same address until revoked
    audit_before = AuditEntry.objects.filter(content_type__model="calendarfeed").count()

    response = signed_in.post("/calendar/feed/revoke/", follow=True)

    assert response.redirect_chain == [("/me/#calendar-feed", 302)]
    assert "Your calendar feed has a new address." in response.content.decode()
    new = _feed_path(signed_in)
    assert new != old
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    feed = CalendarFeed.objects.get(user=alice)
    assert (feed.token, feed.renewed_at) == (new.removeprefix("/calendar/feed/").removesuffix(".ics"), NOW)
    assert AuditEntry.objects.filter(content_type__model="calendarfeed").count() == audit_before + 1
    entry = AuditEntry.objects.filter(content_type__model="calendarfeed").order_by("-id").first()
    assert (entry.action, entry.actor, entry.changes["token"]["to"]) == ("update", alice, "…")
    assert feed.token not in str(entry.changes)


def test_an_unknown_token_and_a_user_who_left_get_404(client, login, alice):
    path = _feed_path(login(alice))
    assert client.get("/calendar/feed/not-a-token.ics").status_code == 404
    alice.is_active = False
    alice.save(update_fields=["is_active"])
    assert client.get(path).status_code == 404


def test_the_profile_page_of_a_portal_user_has_no_feed(login, paula):
    body = login(paula).get("/me/").content.decode()
    assert "calendar-feed" not in body
    assert not CalendarFeed.objects.exists()


def test_the_api_gives_the_feed_address_and_revokes_it(client, api, alice, sam, paula):
    alice_api = api(alice)
    url = alice_api.get("/me").json()["calendar_feed_url"]
    assert re.fullmatch(r"http://testserver/calendar/feed/[\w-]{43}\.ics", url)
    assert alice_api.get("/me").json()["calendar_feed_url"] == url

    response = alice_api.post("/me/calendar-feed/revoke", {})

    assert response.status_code == 200
    new = response.json()["calendar_feed_url"]
    assert new != url and re.fullmatch(r"http://testserver/calendar/feed/[\w-]{43}\.ics", new)
    assert alice_api.get("/me").json()["calendar_feed_url"] == new
    assert client.get(url.removeprefix("http://testserver")).status_code == 404
    assert client.get(new.removeprefix("http://testserver")).status_code == 200
    assert api(paula).get("/me").json()["calendar_feed_url"] is None


def test_a_read_only_token_cannot_revoke_the_feed(api, alice):
    url = api(alice).get("/me").json()["calendar_feed_url"]
    response = api(alice, read_only=True).post("/me/calendar-feed/revoke", {})
    assert response.status_code == 403
    assert api(alice).get("/me").json()["calendar_feed_url"] == url


def _bulk(owner, company, count):
    activities = []
    for number in range(count):
        due = NOW + datetime.timedelta(minutes=10 * number)
        activities.append(
            Activity(kind="call", company=company, owner=owner, subject=f"Call {number}", due_at=due, at=due)
        )
    Activity.objects.bulk_create(activities, batch_size=1000)


def test_the_feed_of_ten_thousand_activities_reads_them_in_one_query(client, login, alice, acme):
    path = _feed_path(login(alice))
    _bulk(alice, acme, 1)
    with CaptureQueriesContext(connection) as one:
        assert len(_events(client.get(path).content)) == 1
    _bulk(alice, acme, 9_999)
    with CaptureQueriesContext(connection) as many:
        body = client.get(path).content
    # Counted, not parsed: the parsers read the same feed in the tests above.
    assert (body.count(b"BEGIN:VEVENT\r\n"), body.count(b"END:VEVENT\r\n")) == (10_000, 10_000)
    assert body.count(b"\r\nUID:activity-") == 10_000
    assert len(many) == len(one)
    activity_queries = [query["sql"] for query in many if 'FROM "activities_activity"' in query["sql"]]
    assert len(activity_queries) == 1
