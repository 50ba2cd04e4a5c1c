"""The embeddable web form: shown in other sites' frames, refuses bots (honeypot, too fast, too old, too
many) storing nothing, and turns a valid request into exactly one ticket matched to its sender."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from klient.service.models import Channel, MessageKind, Ticket, TicketMessage

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def _shown(client: Client, at: datetime.datetime, query: str = "") -> dict[str, str]:
    """The form as shown at `at`: its signed stamp."""
    with time_machine.travel(at, tick=False):
        page = client.get(f"/portal/form/{query}").content.decode()
    stamp = re.search(r'name="stamp" value="([^"]+)"', page)
    assert stamp is not None
    return {"stamp": stamp.group(1)}


def _request(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "Marta Nowak",
        "email": "marta@mleczarnia.example.pl",
        "subject": "Where is my order?",
        "body": "Order 17 has not arrived.",
        "website": "",
        **overrides,
    }


def _send(client: Client, data: dict[str, Any], at: datetime.datetime, query: str = "", **extra: Any) -> Any:
    with time_machine.travel(at, tick=False):
        return client.post(f"/portal/form/{query}", data, **extra)


def test_the_form_may_be_framed_by_other_sites(support):
    response = Client().get("/portal/form/?lang=pl")

    assert response.status_code == 200
    assert "X-Frame-Options" not in response
    assert "frame-ancestors *" in response["Content-Security-Policy"]
    assert '<html lang="pl"' in response.content.decode()


def test_other_portal_pages_may_not_be_framed(support):
    response = Client().get("/portal/login/")
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_a_valid_request_opens_exactly_one_ticket_matched_to_its_sender(marta, mleczarnia, support):
    client = Client()
    data = {
        **_shown(client, START),
        **_request(file=SimpleUploadedFile("order.pdf", b"%PDF", "application/pdf")),
    }

    response = _send(client, data, START + datetime.timedelta(seconds=5), "?lang=pl")

    ticket = Ticket.objects.get()
    assert response.status_code == 200
    assert f'data-ticket="{ticket.number}"' in response.content.decode()
    assert ticket.reference in response.content.decode()
    assert (ticket.channel, ticket.company, ticket.contact, ticket.subject, ticket.language) == (
        Channel.WEB_FORM,
        mleczarnia,
        marta,
        "Where is my order?",
        "pl",
    )
    message = TicketMessage.objects.get()
    assert (message.kind, message.sender_email, message.sender_name, message.body_text) == (
        MessageKind.WEB_FORM,
        "marta@mleczarnia.example.pl",
        "Marta Nowak",
        "Order 17 has not arrived.",
    )
    assert [a.filename for a in message.attachments.all()] == ["order.pdf"]


def test_an_unknown_sender_gets_a_ticket_without_company(support):
    client = Client()
    data = {**_shown(client, START), **_request(email="someone@gmail.com")}

    _send(client, data, START + datetime.timedelta(seconds=10))

    ticket = Ticket.objects.get()
    assert (ticket.company, ticket.contact, ticket.requester_email) == (None, None, "someone@gmail.com")


def test_a_filled_honeypot_is_refused_and_nothing_stored(support):
    client = Client()
    data = {**_shown(client, START), **_request(website="http://spam.example")}

    response = _send(client, data, START + datetime.timedelta(seconds=30))

    assert response.status_code == 400
    assert "This field must stay empty." in response.content.decode()
    assert Ticket.objects.count() == 0 and TicketMessage.objects.count() == 0


def test_a_form_sent_faster_than_three_seconds_is_refused(support):
    client = Client()
    data = {**_shown(client, START), **_request()}

    response = _send(client, data, START + datetime.timedelta(seconds=2))

    assert response.status_code == 400
    assert "The form was sent too fast." in response.content.decode()
    assert Ticket.objects.count() == 0


def test_a_form_older_than_a_day_is_refused(support):
    client = Client()
    data = {**_shown(client, START), **_request()}

    response = _send(client, data, START + datetime.timedelta(days=1, seconds=1))

    assert response.status_code == 400
    assert "The form is more than a day old." in response.content.decode()
    assert Ticket.objects.count() == 0


def test_a_forged_stamp_is_refused(support):
    response = _send(Client(), {"stamp": "12345", **_request()}, START)

    assert response.status_code == 400
    assert "The form is not valid any more." in response.content.decode()
    assert Ticket.objects.count() == 0


def test_a_missing_field_is_named(support):
    client = Client()
    data = {**_shown(client, START), **_request(email="")}

    response = _send(client, data, START + datetime.timedelta(seconds=5))

    assert response.status_code == 400
    assert 'data-error-for="email"' in response.content.decode()
    assert Ticket.objects.count() == 0


def test_one_address_sends_at_most_three_requests_an_hour(support):
    client = Client()
    statuses = []
    for minute in range(4):
        at = START + datetime.timedelta(minutes=minute)
        data = {**_shown(client, at), **_request(subject=f"Request {minute}")}
        statuses.append(
            _send(
                client, data, at + datetime.timedelta(seconds=5), REMOTE_ADDR=f"10.0.0.{minute}"
            ).status_code
        )

    assert statuses == [200, 200, 200, 429]
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == ["Request 0", "Request 1", "Request 2"]


def test_one_network_sends_at_most_ten_requests_an_hour(support):
    client = Client()
    statuses = []
    for n in range(11):
        at = START + datetime.timedelta(minutes=n)
        data = {**_shown(client, at), **_request(email=f"person{n}@gmail.com")}
        statuses.append(_send(client, data, at + datetime.timedelta(seconds=5)).status_code)

    assert statuses == [200] * 10 + [429]
    assert Ticket.objects.count() == 10


def test_the_page_speaks_the_language_asked_for(support):
    page = Client().get("/portal/form/?lang=ru").content.decode()
    assert '<html lang="ru"' in page
    assert 'name="website"' in page and 'class="visually-hidden" aria-hidden="true"' in page
