"""The calendar and SLA policy pages: a manager writes the hours one line per weekday, sees the next
opening and checks a due time with the calculator; the targets are a table per priority; an agent is
refused and nothing changes."""

from __future__ import annotations

import pytest
import time_machine

from klient.core.models import AuditEntry
from klient.service.models import BusinessCalendar, SlaPolicy, SlaTarget

pytestmark = pytest.mark.django_db

HOURS = {f"hours_{day}": "09:00-13:00, 14:00-18:00" for day in ("mon", "tue", "wed", "thu", "fri")}


def test_a_manager_creates_a_calendar_from_weekday_lines(login, vera):
    response = login(vera).post(
        "/service/calendars/new/",
        {
            "name": "Kraków",
            "timezone": "Europe/Warsaw",
            "holiday_country": "PL",
            "closed_days": "2026-12-31\n2027-01-02",
            **HOURS,
            "hours_sat": "",
        },
    )
    calendar = BusinessCalendar.objects.get(name="Kraków")
    assert response.status_code == 302
    assert response["Location"] == f"/service/calendars/{calendar.pk}/"
    assert calendar.hours == {
        day: [["09:00", "13:00"], ["14:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")
    }
    assert (calendar.holiday_country, calendar.closed_days) == ("PL", ["2026-12-31", "2027-01-02"])


def test_the_calendar_page_shows_the_next_opening_and_calculates_a_due_time(login, vera):
    calendar = BusinessCalendar.objects.create(
        name="Kraków",
        timezone="Europe/Warsaw",
        hours={day: [["09:00", "13:00"], ["14:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")},
        holiday_country="PL",
    )
    # Sat 2026-12-05 noon: the next opening is Mon 7 Dec 09:00 CET. Calculator: Mon 12:30 + 60 min = 30 min
    # to 13:00 and 30 from 14:00 → 14:30.
    with time_machine.travel("2026-12-05T12:00:00Z", tick=False):
        response = login(vera).get(
            f"/service/calendars/{calendar.pk}/", {"start": "2026-12-07 12:30", "minutes": "60"}
        )
    body = response.content.decode()
    assert response.status_code == 200
    assert "<strong data-next-opening>2026-12-07 09:00 (Europe/Warsaw)</strong>" in body
    assert "<strong data-due>2026-12-07 14:30 (Europe/Warsaw)</strong>" in body
    assert 'value="09:00-13:00, 14:00-18:00"' in body


def test_bad_hours_are_named_on_the_form_and_nothing_is_saved(login, vera):
    calendar = BusinessCalendar.objects.get(is_default=True)
    before = (calendar.hours, AuditEntry.objects.count())
    response = login(vera).post(
        f"/service/calendars/{calendar.pk}/",
        {
            "name": calendar.name,
            "timezone": "UTC",
            "hours_mon": "09:00-13:00, 12:00-18:00",
            "hours_tue": "nine to five",
        },
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "Write the hours as 09:00-17:00 (several separated by commas)." in body
    calendar.refresh_from_db()
    assert (calendar.hours, AuditEntry.objects.count()) == before


def test_a_manager_sets_a_policys_targets_in_the_table(login, vera):
    calendar = BusinessCalendar.objects.get(is_default=True)
    response = login(vera).post(
        "/service/sla-policies/new/",
        {
            "name": "Key accounts",
            "calendar": calendar.pk,
            "order": 10,
            "is_active": "on",
            "key_account": "on",
            "channels": ["email", "portal"],
            "urgent_first_response_minutes": 15,
            "urgent_resolution_minutes": 120,
            "normal_first_response_minutes": 60,
            "normal_next_response_minutes": 120,
            "normal_resolution_minutes": 480,
        },
    )
    policy = SlaPolicy.objects.get(name="Key accounts")
    assert response.status_code == 302
    assert response["Location"] == f"/service/sla-policies/{policy.pk}/"
    assert policy.conditions == {"channels": ["email", "portal"], "key_account": True}
    assert list(
        SlaTarget.objects.filter(policy=policy)
        .order_by("priority")
        .values_list("priority", "first_response_minutes", "next_response_minutes", "resolution_minutes")
    ) == [("normal", 60, 120, 480), ("urgent", 15, None, 120)]
    listing = login(vera).get("/service/sla-policies/").content.decode()
    assert "15 / — / 120" in listing
    assert "60 / 120 / 480" in listing


def test_an_agent_is_refused_and_nothing_changes(login, sam):
    calendar = BusinessCalendar.objects.get(is_default=True)
    policy = SlaPolicy.objects.get(is_default=True)
    before = (BusinessCalendar.objects.count(), SlaPolicy.objects.count(), AuditEntry.objects.count())
    client = login(sam)
    answers = [
        client.get("/service/calendars/").status_code,
        client.post("/service/calendars/new/", {"name": "Mine", "timezone": "UTC"}).status_code,
        client.post(f"/service/calendars/{calendar.pk}/", {"name": "Mine", "timezone": "UTC"}).status_code,
        client.get("/service/sla-policies/").status_code,
        client.post(f"/service/sla-policies/{policy.pk}/", {"name": "Mine"}).status_code,
    ]
    assert answers == [403, 403, 403, 403, 403]
    assert (BusinessCalendar.objects.count(), SlaPolicy.objects.count(), AuditEntry.objects.count()) == before
