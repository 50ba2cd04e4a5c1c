"""A sales manager sets a target for a rep on the targets page and sees the rep's progress move when the
rep logs calls; the rep sees the same target on My Day."""

import datetime

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from klient.activities.models import Target
from klient.activities.services import activity_create
from klient.customers.services import company_create

pytestmark = pytest.mark.django_db(transaction=True)

# Noon, so that calls made "half an hour ago" are today's wherever the test runs.
NOON = datetime.datetime(2026, 3, 2, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _at_noon():
    with time_machine.travel(NOON, tick=True):
        yield


def test_a_manager_sets_a_target_and_sees_progress_move(page, sign_in, sign_out, alice, mike):
    acme = company_create(actor=alice, name="Acme")
    sign_in(page, "mike")
    page.goto("/activities/targets/")
    cell = page.locator('#target-board tr[data-user="alice"] td[data-metric="calls"][data-period="day"]')
    # The account manager role's default: 30 calls a day.
    expect(cell.locator("[data-field=target]")).to_have_text("30")

    form = page.locator("#target-form")
    form.locator("select[name=holder]").select_option(label="Alice Archer")
    form.locator("select[name=metric]").select_option("calls")
    form.locator("select[name=period]").select_option("day")
    form.locator("input[name=value]").fill("5")
    form.locator("[data-action=save-target]").click()
    expect(page.locator(".flash-success")).to_have_text("Target saved.")
    expect(cell.locator("[data-field=target]")).to_have_text("5")
    expect(cell.locator("[data-field=done]")).to_have_text("0")
    target = Target.objects.get(user=alice)
    assert (target.metric, target.period, target.value, target.created_by) == ("calls", "day", 5, mike)

    for minutes in (30, 20):
        activity_create(
            actor=alice,
            company=acme,
            kind="call",
            subject="Call",
            outcome="reached",
            done_at=timezone.now() - datetime.timedelta(minutes=minutes),
        )
    page.reload()
    expect(cell.locator("[data-field=done]")).to_have_text("2")
    expect(cell.locator("[data-field=target]")).to_have_text("5")

    sign_out(page)
    sign_in(page, "alice")
    page.goto("/activities/my-day/")
    mine = page.locator('#progress .progress-item[data-metric="calls"][data-period="day"]')
    expect(mine.locator("[data-field=done]")).to_have_text("2")
    expect(mine.locator("[data-field=target]")).to_have_text("5")
    assert page.problems == []
