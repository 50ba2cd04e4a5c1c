"""Working a call list in the browser: the rep opens the list assigned to them, reads the script, logs
"no answer" with the keyboard, skips the next entry, logs "interested" with an objection overcome, and
sees the progress; the database holds exactly those calls and marks."""

import pytest
from playwright.sync_api import expect

from klient.activities.calllists.models import (
    CallListEntry,
    CallScript,
    CallScriptStep,
    Objection,
    ObjectionMark,
)
from klient.activities.calllists.services import call_list_build
from klient.activities.models import Activity
from klient.customers.filters import CompanyFilter
from klient.customers.services import company_create

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_rep_works_an_assigned_list_with_the_keyboard(page, sign_in, alice, mike):
    script = CallScript.objects.create(name="Fair follow-up")
    CallScriptStep.objects.create(script=script, position=1, title="Greeting", prompt="We met at the fair.")
    for name in ("Alpha", "Beta", "Gamma", "Delta"):
        company_create(
            actor=alice, name=name, status="prospect", source="exhibition", phone="+48 22 123 45 67"
        )
    call_list = call_list_build(
        actor=mike,
        name="Exhibition 2026",
        company_filter=CompanyFilter(status=["prospect"], source="exhibition", sort="name"),
        script=script,
        assignees=[alice],
    )
    price = Objection.objects.get(code="too_expensive")
    answer = price.answers.order_by("position").first()

    sign_in(page, "alice")
    page.click('[data-nav="call_lists"]')
    page.click(f'tr[data-call-list="{call_list.pk}"] [data-action="work"]')
    expect(page.locator("[data-company]")).to_have_text("Alpha")
    expect(page.locator('[data-script] [data-step="1"]')).to_contain_text("We met at the fair.")
    outcome = page.locator("select[name=outcome]")
    expect(outcome).to_be_focused()
    outcome.select_option("no_answer")
    outcome.press("Enter")

    expect(page.locator("[data-company]")).to_have_text("Beta")
    expect(page.locator("[data-progress-count]")).to_have_text("1 of 4")
    page.fill("[data-skip-form] input[name=reason]", "Closed down")
    page.click('[data-action="skip"]')

    expect(page.locator("[data-company]")).to_have_text("Delta")  # sorted by name: Alpha, Beta, Delta, Gamma
    expect(page.locator("[data-progress-count]")).to_have_text("2 of 4")
    objection = page.locator('[data-objection="too_expensive"]')
    objection.locator("input[name=objection]").check()
    objection.locator(f"select[name=answer_{price.pk}]").select_option(str(answer.pk))
    objection.locator(f"input[name=overcome_{price.pk}]").check()
    outcome = page.locator("select[name=outcome]")
    outcome.select_option("interested")
    outcome.focus()
    outcome.press("Enter")

    expect(page.locator("[data-company]")).to_have_text("Gamma")
    expect(page.locator("[data-progress-count]")).to_have_text("3 of 4")
    calls = list(
        Activity.objects.order_by("pk").values_list("company__name", "outcome__code", "owner__username")
    )
    assert calls == [("Alpha", "no_answer", "alice"), ("Delta", "interested", "alice")]
    assert list(
        ObjectionMark.objects.values_list("activity__company__name", "objection", "answer", "is_overcome")
    ) == [("Delta", price.pk, answer.pk, True)]
    assert list(
        CallListEntry.objects.order_by("position").values_list("company__name", "state", "skip_reason")
    ) == [
        ("Alpha", "done", ""),
        ("Beta", "skipped", "Closed down"),
        ("Delta", "done", ""),
        ("Gamma", "open", ""),
    ]
    assert page.problems == []
