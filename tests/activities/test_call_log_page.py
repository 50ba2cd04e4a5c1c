"""Logging a call from the client card: the form (outcome first), what a save stores, and refusals that
keep what was typed and store nothing."""

import datetime

import pytest
import time_machine

from klient.activities.models import Activity
from klient.core.models import AuditEntry
from klient.customers.services import company_create, contact_create

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 2, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
def acme(alice):
    return company_create(actor=alice, name="Acme")


def _stored():
    return list(Activity.objects.values_list("pk", flat=True)), AuditEntry.objects.count()


def test_the_card_offers_the_call_form_with_the_outcome_first_in_the_users_language(login, alice, rita, acme):
    jan = contact_create(actor=alice, company=acme, first_name="Jan", last_name="Kowalski")
    alice.language = "pl"
    alice.save(update_fields=["language"])
    body = login(alice).get(f"/companies/{acme.pk}/").content.decode()
    form = body.split('<details id="call-form"')[1].split("</details>")[0]
    assert 'data-action="log-call"' in body
    assert form.index('name="outcome"') < form.index('name="contact"') < form.index('name="next_subject"')
    assert (
        "autofocus data-call-outcome" in form or "data-call-outcome autofocus" in form or "autofocus" in form
    )
    assert '<option value="offer_made">Złożono ofertę</option>' in form
    assert f'<option value="{jan.pk}">Jan Kowalski</option>' in form
    rita_body = login(rita).get(f"/companies/{acme.pk}/").content.decode()
    assert 'id="call-form"' not in rita_body and 'data-action="log-call"' not in rita_body


def test_a_saved_call_is_done_now_with_its_next_step_in_the_users_time_zone(login, alice, acme):
    jan = contact_create(actor=alice, company=acme, first_name="Jan", last_name="Kowalski")
    alice.timezone = "Europe/Warsaw"
    alice.save(update_fields=["timezone"])
    with time_machine.travel(NOW, tick=False):
        response = login(alice).post(
            f"/activities/calls/{acme.pk}/",
            {
                "outcome": "offer_made",
                "contact": str(jan.pk),
                "direction": "outbound",
                "subject": "",
                "notes": "Wants prices",
                "next_subject": "Send the offer",
                "next_due": "2026-03-03T09:00",
                "duration": "185",
            },
            follow=True,
        )
    assert response.redirect_chain == [(f"/companies/{acme.pk}/#timeline", 302)]
    assert "Call logged." in response.content.decode()
    call, task = Activity.objects.order_by("pk")
    assert (call.kind, call.subject, call.outcome.code, call.contact, call.direction) == (
        "call",
        "Offer made",
        "offer_made",
        jan,
        "outbound",
    )
    assert (call.done_at, call.duration, call.notes, call.owner) == (NOW, 185, "Wants prices", alice)
    assert (task.kind, task.subject, task.follows, task.contact, task.done_at) == (
        "task",
        "Send the offer",
        call,
        jan,
        None,
    )
    assert task.due_at == datetime.datetime(2026, 3, 3, 8, 0, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"outcome": ""}, "This field is required."),
        ({"outcome": "not_interested"}, "Say why (this outcome needs a reason)."),
        ({"outcome": "reached", "next_subject": "Call again"}, "Give the next step a due time."),
        ({"outcome": "reached", "next_due": "2026-03-03T09:00"}, "Say what the next step is."),
    ],
)
def test_a_refused_call_keeps_the_form_open_with_what_was_typed_and_stores_nothing(
    login, alice, acme, data, message
):
    before = _stored()
    response = login(alice).post(
        f"/activities/calls/{acme.pk}/", {"direction": "outbound", "notes": "Typed notes", **data}
    )
    assert response.status_code == 400
    body = response.content.decode()
    form = body.split('<details id="call-form"')[1].split("</details>")[0]
    assert form.startswith(' class="call-form" open>')
    assert message in form
    assert "Typed notes" in form
    assert _stored() == before


def test_log_call_from_the_list_opens_the_card_with_the_call_form_open(login, alice, rita, acme):
    client = login(alice)
    row = client.get("/companies/").content.decode().split(f'<tr data-company="{acme.pk}">')[1]
    assert (
        f'<a href="/companies/{acme.pk}/?log=call#call-form" class="row-action" data-action="log-call"' in row
    )
    opened = client.get(f"/companies/{acme.pk}/", {"log": "call"}).content.decode()
    closed = client.get(f"/companies/{acme.pk}/").content.decode()
    assert '<details id="call-form" class="call-form" open>' in opened
    assert '<details id="call-form" class="call-form">' in closed
    assert 'data-action="log-call"' not in login(rita).get("/companies/").content.decode()


def test_log_call_beside_a_contact_opens_the_form_with_that_contact_chosen(login, alice, acme):
    jan = contact_create(actor=alice, company=acme, first_name="Jan", last_name="Kowalski")
    ewa = contact_create(actor=alice, company=acme, first_name="Ewa", last_name="Nowak")
    client = login(alice)
    card = client.get(f"/companies/{acme.pk}/").content.decode()
    assert f'<a href="?log=call&amp;contact={ewa.pk}#call-form" class="row-action"' in card
    opened = client.get(f"/companies/{acme.pk}/", {"log": "call", "contact": str(ewa.pk)}).content.decode()
    form = opened.split('<details id="call-form"')[1].split("</details>")[0]
    assert f'<option value="{ewa.pk}" selected>Ewa Nowak</option>' in form
    assert f'<option value="{jan.pk}">Jan Kowalski</option>' in form
