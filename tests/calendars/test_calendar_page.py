"""The calendar pages: day, week (from Monday) and month views in the user's time zone, navigation,
links to the client card, whose calendars a user may open, delegation, and a constant query count."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from klient.core.context_processors import navigation_for
from klient.core.services import delegation_create
from klient.customers.services import company_create, contact_create
from tests.calendars.conftest import WARSAW, at

pytestmark = pytest.mark.django_db

# Monday 2 March 2026, noon in Warsaw.
NOW = datetime.datetime(2026, 3, 2, 11, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def warsaw_alice(alice):
    alice.timezone = "Europe/Warsaw"
    alice.save(update_fields=["timezone"])
    return alice


def _day(body: str, date: str) -> str:
    """The HTML of one day's column (week view) or cell (month view)."""
    match = re.search(rf'data-day="{date}"(.*?)</(?:section|td)>', body, re.S)
    assert match, f"no day {date}"
    return match.group(1)


def _entries(html: str) -> list[str]:
    return re.findall(r'data-entry="(activity-\d+)"', html)


def _people(body: str) -> list[str]:
    """The usernames offered by the "Whose calendar" choice ("" is the user's own and their absent
    colleagues')."""
    choice = body.split("data-calendar-user>")[1].split("</select>")[0]
    return re.findall(r'<option value="(\w*)"', choice)


def _days(body: str) -> list[str]:
    return re.findall(r'data-day="(\d{4}-\d\d-\d\d)"', body)


def test_the_week_runs_from_monday_to_sunday_with_each_entry_on_its_local_day(
    login, warsaw_alice, acme, jan, record
):
    meeting = record(
        warsaw_alice, acme, "meeting", "Contract review", contact=jan, due_at=at(WARSAW, 2026, 3, 4, 9, 0)
    )
    # 23:30 on Sunday in Warsaw is 22:30 UTC: still Sunday for her.
    late = record(warsaw_alice, acme, "task", "Send the minutes", due_at=at(WARSAW, 2026, 3, 8, 23, 30))
    # 00:15 on Monday in Warsaw is 23:15 UTC on Sunday: next week for her.
    next_week = record(warsaw_alice, acme, "call", "Early call", due_at=at(WARSAW, 2026, 3, 9, 0, 15))
    done = record(
        warsaw_alice,
        acme,
        "call",
        "Price check",
        done_at=at(WARSAW, 2026, 3, 2, 8, 5),
        due_at=at(WARSAW, 2026, 2, 27, 10, 0),
        outcome="reached",
    )
    record(warsaw_alice, acme, "note", "A note is not in the calendar", done_at=at(WARSAW, 2026, 3, 3, 10, 0))
    record(warsaw_alice, acme, "email", "Neither is an email", done_at=at(WARSAW, 2026, 3, 3, 11, 0))

    body = login(warsaw_alice).get("/calendar/").content.decode()

    assert _days(body) == [f"2026-03-0{day}" for day in range(2, 9)]
    assert "Times in Europe/Warsaw" in body
    assert _entries(_day(body, "2026-03-02")) == [f"activity-{done.pk}"]
    assert _entries(_day(body, "2026-03-04")) == [f"activity-{meeting.pk}"]
    assert _entries(_day(body, "2026-03-08")) == [f"activity-{late.pk}"]
    assert f"activity-{next_week.pk}" not in body
    assert _entries(body) == [f"activity-{done.pk}", f"activity-{meeting.pk}", f"activity-{late.pk}"]
    wednesday = _day(body, "2026-03-04")
    assert '<time datetime="2026-03-04T09:00:00+01:00">09:00</time>' in wednesday
    assert f'<a href="/companies/{acme.pk}/" class="calendar-subject">Contract review</a>' in wednesday
    assert "Acme · Jan Kowalski" in wednesday
    assert "data-done" in _day(body, "2026-03-02") and "data-done" not in wednesday
    assert 'aria-current="date"' in body.split('data-day="2026-03-02"')[1].split(">")[0]


def test_the_same_time_falls_on_another_day_for_a_user_in_utc(login, alice, acme, record):
    call = record(alice, acme, "call", "Early call", due_at=at(WARSAW, 2026, 3, 9, 0, 15))
    body = login(alice).get("/calendar/").content.decode()
    assert _entries(_day(body, "2026-03-08")) == [f"activity-{call.pk}"]
    assert '<time datetime="2026-03-08T23:15:00+00:00">23:15</time>' in body


def test_previous_next_and_today_move_by_the_views_period(login, warsaw_alice, acme, record):
    client = login(warsaw_alice)
    week = client.get("/calendar/?view=week&date=2026-03-05").content.decode()
    assert 'href="/calendar/?view=week&amp;date=2026-02-23"' in week  # previous
    assert 'href="/calendar/?view=week&amp;date=2026-03-09"' in week  # next
    assert 'href="/calendar/?view=week&amp;date=2026-03-02"' in week  # today
    next_week = client.get("/calendar/?view=week&date=2026-03-09").content.decode()
    assert _days(next_week) == [f"2026-03-{day:02d}" for day in range(9, 16)]

    day = client.get("/calendar/?view=day&date=2026-03-01").content.decode()
    assert _days(day) == ["2026-03-01"]
    assert 'href="/calendar/?view=day&amp;date=2026-02-28"' in day
    assert 'href="/calendar/?view=day&amp;date=2026-03-02"' in day

    month = client.get("/calendar/?view=month&date=2026-03-17").content.decode()
    # March 2026 starts on a Sunday and ends on a Tuesday: whole weeks from 23 February to 5 April.
    shown = _days(month)
    assert (shown[0], shown[-1], len(shown)) == ("2026-02-23", "2026-04-05", 42)
    assert 'href="/calendar/?view=month&amp;date=2026-02-01"' in month
    assert 'href="/calendar/?view=month&amp;date=2026-04-01"' in month
    assert "March 2026" in month
    assert 'class="calendar-day is-outside" data-day="2026-02-23"' in month
    assert 'class="calendar-day" data-day="2026-03-03"' in month


def test_the_month_and_day_views_show_the_entries_of_their_days(login, warsaw_alice, acme, record):
    first = record(warsaw_alice, acme, "visit", "Site visit", due_at=at(WARSAW, 2026, 3, 1, 0, 0))
    last = record(warsaw_alice, acme, "task", "Month end", due_at=at(WARSAW, 2026, 3, 31, 23, 59))
    april = record(warsaw_alice, acme, "task", "April", due_at=at(WARSAW, 2026, 4, 1, 0, 0))
    client = login(warsaw_alice)
    month = client.get("/calendar/?view=month&date=2026-03-10").content.decode()
    assert _entries(_day(month, "2026-03-01")) == [f"activity-{first.pk}"]
    assert _entries(_day(month, "2026-03-31")) == [f"activity-{last.pk}"]
    # The grid's days of April are shown with their entries too.
    assert _entries(_day(month, "2026-04-01")) == [f"activity-{april.pk}"]
    day = client.get("/calendar/?view=day&date=2026-03-31").content.decode()
    assert _entries(day) == [f"activity-{last.pk}"]
    empty = client.get("/calendar/?view=day&date=2026-03-30").content.decode()
    assert _entries(empty) == [] and "Nothing planned for this day." in empty


def test_htmx_navigation_gets_the_calendar_alone_and_pushes_its_address(login, alice):
    response = login(alice).get("/calendar/?view=week&date=2026-03-09", headers={"HX-Request": "true"})
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="calendar"')
    assert "<html" not in body
    assert response["HX-Push-Url"] == "/calendar/?view=week&date=2026-03-09"


def test_a_user_sees_only_entries_of_companies_they_may_see(login, alice, bob, carol, acme, record):
    mine = record(alice, acme, "meeting", "Mine", due_at=NOW + datetime.timedelta(hours=2))
    south = company_create(actor=carol, name="Southern")
    record(carol, south, "meeting", "Carol's", due_at=NOW + datetime.timedelta(hours=2))
    bobs = company_create(actor=bob, name="Bob's")
    record(bob, bobs, "meeting", "Bob's", due_at=NOW + datetime.timedelta(hours=3))
    body = login(alice).get("/calendar/").content.decode()
    assert _entries(body) == [f"activity-{mine.pk}"]
    # An account manager picks no one: only her own calendar, and no one else's by name.
    assert "data-calendar-user" not in body
    assert login(alice).get("/calendar/?user=bob").status_code == 404
    assert login(alice).get("/calendar/?user=carol").status_code == 404


def test_a_manager_picks_a_rep_of_his_team_and_sees_their_entries(
    login, alice, bob, carol, mike, tom, record
):
    bobs = company_create(actor=bob, name="Bob's")
    bob_meeting = record(bob, bobs, "meeting", "Bob meets", due_at=NOW + datetime.timedelta(hours=2))
    south = company_create(actor=carol, name="Southern")
    record(carol, south, "meeting", "Carol meets", due_at=NOW + datetime.timedelta(hours=2))
    client = login(mike)
    body = client.get("/calendar/").content.decode()
    assert _people(body) == ["", "mike", "tom", "alice", "bob"]
    assert _entries(body) == []  # his own calendar is empty
    bob_body = client.get("/calendar/?user=bob").content.decode()
    assert _entries(bob_body) == [f"activity-{bob_meeting.pk}"]
    assert '<option value="bob" selected>' in bob_body
    assert 'data-owner="bob"' in bob_body
    assert client.get("/calendar/?user=carol").status_code == 404
    assert client.get("/calendar/?user=nobody").status_code == 404


def test_a_deputy_sees_the_absent_users_entries_during_the_delegation_only(
    login, alice, bob, mike, acme, record
):
    alices = record(alice, acme, "meeting", "Alice's meeting", due_at=NOW + datetime.timedelta(hours=2))
    bobs_company = company_create(actor=bob, name="Bob's")
    bobs = record(bob, bobs_company, "call", "Bob's call", due_at=NOW + datetime.timedelta(hours=1))
    delegation_create(
        absent_user=alice,
        deputy=bob,
        starts_on=datetime.date(2026, 3, 2),
        ends_on=datetime.date(2026, 3, 6),
        actor=mike,
    )
    body = login(bob).get("/calendar/").content.decode()
    assert _entries(body) == [f"activity-{bobs.pk}", f"activity-{alices.pk}"]
    assert 'data-owner="alice"' in body and 'data-owner="bob"' in body
    assert _people(body) == ["", "bob", "alice"]
    assert _entries(login(bob).get("/calendar/?user=alice").content.decode()) == [f"activity-{alices.pk}"]
    with time_machine.travel(datetime.datetime(2026, 3, 9, 9, 0, tzinfo=datetime.UTC), tick=False):
        after = login(bob).get("/calendar/?date=2026-03-02")
        assert _entries(after.content.decode()) == [f"activity-{bobs.pk}"]
        assert login(bob).get("/calendar/?user=alice").status_code == 404


def test_the_calendar_needs_the_right_to_view_activities(client, login, paula, rita):
    assert client.get("/calendar/").status_code == 302
    assert login(paula).get("/calendar/").status_code == 403
    assert login(rita).get("/calendar/").status_code == 200  # read-only staff view activities


def test_the_navigation_offers_the_calendar_to_those_who_may_use_it(alice, paula):
    assert [(item.key, item.url) for item in navigation_for(alice) if item.key == "calendar"] == [
        ("calendar", "/calendar/")
    ]
    assert "calendar" not in [item.key for item in navigation_for(paula)]


@pytest.mark.parametrize("view", ["day", "week", "month"])
def test_a_view_issues_the_same_number_of_queries_for_one_entry_and_for_thirty(
    login, mike, bob, view, record
):
    def count(user, query):
        client = login(user)
        client.get(f"/calendar/?view={view}&date=2026-03-02{query}")  # sessions, permissions warmed
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"/calendar/?view={view}&date=2026-03-02{query}")
        return len(captured), len(_entries(response.content.decode()))

    first = company_create(actor=bob, name="Company 0")
    record(bob, first, "meeting", "Meeting 0", due_at=NOW)
    one = count(bob, ""), count(mike, "&user=bob")
    for number in range(1, 30):
        company = company_create(actor=bob, name=f"Company {number}")
        person = contact_create(
            actor=bob, company=company, first_name=f"P{number}", email=f"p{number}@x.example"
        )
        record(
            bob,
            company,
            ("meeting", "call", "task", "visit")[number % 4],
            f"Entry {number}",
            contact=person,
            due_at=NOW + datetime.timedelta(minutes=number),
        )
    many = count(bob, ""), count(mike, "&user=bob")
    assert (one[0][1], one[1][1], many[0][1], many[1][1]) == (1, 1, 30, 30)
    assert (many[0][0], many[1][0]) == (one[0][0], one[1][0])
