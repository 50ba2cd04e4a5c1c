"""The calendar in a browser: the week view puts a meeting in its day's column, "Next" moves to the next
week (htmx, with the address updated), and an entry opens its client card."""

import datetime

import pytest
from playwright.sync_api import expect

from klient.activities.services import activity_create
from klient.customers.services import company_create, contact_create

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_meeting_is_in_its_days_column_and_next_goes_to_the_following_week(
    page, sign_in, screenshot, alice
):
    company = company_create(actor=alice, name="Acme", city="Warsaw")
    jan = contact_create(
        actor=alice, company=company, first_name="Jan", last_name="Kowalski", email="jan@acme.example"
    )
    today = datetime.datetime.now(datetime.UTC).date()  # alice's time zone is UTC
    monday = today - datetime.timedelta(days=today.weekday())
    wednesday = monday + datetime.timedelta(days=2)
    next_tuesday = monday + datetime.timedelta(days=8)
    activity_create(
        actor=alice,
        company=company,
        kind="meeting",
        subject="Contract review",
        contact=jan,
        due_at=datetime.datetime.combine(wednesday, datetime.time(10, 0), tzinfo=datetime.UTC),
    )
    activity_create(
        actor=alice,
        company=company,
        kind="call",
        subject="Follow-up call",
        due_at=datetime.datetime.combine(next_tuesday, datetime.time(9, 30), tzinfo=datetime.UTC),
    )
    sign_in(page, "alice")
    page.click("[data-nav=calendar]")
    page.wait_for_url("**/calendar/")

    columns = page.locator(".calendar-week > section")
    expect(columns).to_have_count(7)
    expect(columns.first).to_have_attribute("data-day", monday.isoformat())
    meeting_column = page.locator(f'.calendar-week [data-day="{wednesday.isoformat()}"]')
    expect(meeting_column.locator("[data-entry]")).to_have_count(1)
    expect(meeting_column).to_contain_text("10:00")
    expect(meeting_column).to_contain_text("Contract review")
    expect(meeting_column.locator("[data-action=send-invitation]")).to_be_visible()
    expect(page.locator("[data-entry]")).to_have_count(1)
    expect(page.locator(".calendar-week")).not_to_contain_text("Follow-up call")
    screenshot(page, "calendar-week")

    page.click("[data-nav-next]")
    page.wait_for_url(f"**/calendar/?view=week&date={(monday + datetime.timedelta(days=7)).isoformat()}")
    expect(page.locator(".calendar-week > section").first).to_have_attribute(
        "data-day", (monday + datetime.timedelta(days=7)).isoformat()
    )
    call_column = page.locator(f'.calendar-week [data-day="{next_tuesday.isoformat()}"]')
    expect(call_column).to_contain_text("Follow-up call")
    expect(page.locator("[data-entry]")).to_have_count(1)
    expect(page.locator(".calendar-week")).not_to_contain_text("Contract review")

    page.click("[data-view-link=month]")
    expect(page.locator("table.calendar-month")).to_be_visible()
    expect(page.locator(f'td[data-day="{wednesday.isoformat()}"]')).to_contain_text("Contract review")

    page.click(f'td[data-day="{wednesday.isoformat()}"] >> text=Contract review')
    page.wait_for_url(f"**/companies/{company.pk}/")
    assert page.problems == []
