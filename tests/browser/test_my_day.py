"""My Day in the browser: a contact's birthday today is on the rep's day; one click sends the greeting in
the contact's language through a real SMTP server, the item then says "greeted" and offers no second
send."""

import datetime

import pytest
import time_machine
from playwright.sync_api import expect

from klient.activities.greetings.models import GreetingSent
from klient.customers.services import company_create, contact_create
from klient.mail.models import OutboxMessage

pytestmark = pytest.mark.django_db(transaction=True)

MORNING = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _in_the_morning():
    with time_machine.travel(MORNING, tick=True):
        yield


def test_a_birthday_greeting_is_sent_once_from_my_day(page, sign_in, alice, smtp_sink):
    acme = company_create(actor=alice, name="Acme")
    anna = contact_create(
        actor=alice,
        company=acme,
        first_name="Anna",
        last_name="Nowak",
        email="anna@acme.example",
        language="pl",
        birthday=datetime.date(1985, 3, 2),
    )
    contact_create(
        actor=alice, company=acme, first_name="Piotr", last_name="Lis", birthday=datetime.date(1979, 3, 5)
    )
    sign_in(page, "alice")
    page.goto("/activities/my-day/")

    greetings = page.locator("#group-greetings")
    anna_item = greetings.locator(".myday-item", has_text="Birthday: Anna Nowak (Acme)")
    expect(anna_item.locator("[data-field=detail]")).to_have_text("today")
    # Piotr has no email address: his birthday is shown, with no button.
    piotr_item = greetings.locator(".myday-item", has_text="Birthday: Piotr Lis (Acme)")
    expect(piotr_item.locator("[data-field=detail]")).to_have_text("in 3 days")
    expect(piotr_item.locator("[data-action=item-action]")).to_have_count(0)

    anna_item.locator("[data-action=item-action]").click()
    page.wait_for_url("**/activities/my-day/")
    expect(page.locator(".flash-success")).to_have_text("Greeting sent to Anna Nowak.")
    anna_item = page.locator("#group-greetings .myday-item", has_text="Birthday: Anna Nowak (Acme)")
    expect(anna_item.locator("[data-field=detail]")).to_have_text("greeted")
    expect(anna_item.locator("[data-action=item-action]")).to_have_count(0)

    assert list(GreetingSent.objects.values_list("contact_id", "occasion", "year")) == [
        (anna.pk, "birthday", 2026)
    ]
    message = OutboxMessage.objects.get()
    assert (message.to_email, message.status) == ("anna@acme.example", "sent")
    assert smtp_sink.recipients() == ["anna@acme.example"]
    # Written in Anna's language (Polish, the shipped birthday template), whatever the rep's.
    assert smtp_sink.subjects() == ["Wszystkiego najlepszego z okazji urodzin!"]
    assert "Anna" in smtp_sink.bodies()[0]
    assert page.problems == []
