"""The customer's side of a quote, without signing in: the page of its public link in the quote's
language (each visit counted), the answer through its form (once), and what the page says when the
quote cannot be answered."""

import datetime
from decimal import Decimal

import pytest
import time_machine

from klient.core.models import AuditEntry
from klient.mail.models import OutboxMessage
from klient.sales.quotes.models import Quote
from klient.sales.quotes.services import LineInput, quote_create, quote_revise, quote_send
from klient.webhooks.models import WebhookDelivery
from klient.webhooks.services import webhook_subscription_create

pytestmark = pytest.mark.django_db

NOON = datetime.datetime(2026, 3, 2, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _noon():
    with time_machine.travel(NOON, tick=False):
        yield


@pytest.fixture
def quote(alice, acme, contact, products):
    """Alice's quote to Acme in Polish: 3 euro pallets and 2 racks, 2499.12 + 574.80 VAT = 3073.92 EUR."""
    pallet, _foil, rack = products
    return quote_create(
        actor=alice, company=acme, contact=contact, lines=[LineInput(pallet, "3"), LineInput(rack, "2")]
    )


@pytest.fixture
def sent(alice, quote):
    return quote_send(quote=quote, actor=alice)


def page_of(quote):
    return f"/q/{quote.token}/"


def answer(client, quote, verdict, comment=""):
    return client.post(f"/q/{quote.token}/answer/", {"answer": verdict, "comment": comment})


def test_an_unknown_link_is_not_found_and_counts_nothing(client, sent):
    assert client.get("/q/not-a-token/").status_code == 404
    assert client.get("/q/not-a-token/pdf/").status_code == 404
    assert answer(client, Quote(token="not-a-token"), "accept").status_code == 404
    sent.refresh_from_db()
    assert (sent.view_count, sent.first_viewed_at, sent.status) == (0, None, "sent")


def test_the_page_shows_the_quote_in_polish_and_counts_each_view(client, sent):
    response = client.get(page_of(sent))
    assert response.status_code == 200
    assert response["Content-Language"] == "pl"
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    body = response.content.decode()
    assert '<html lang="pl"' in body
    assert '<meta name="robots" content="noindex, nofollow">' in body
    assert "Q-2026-00001" in body
    assert "2 marca 2026" in body and "1 kwietnia 2026" in body  # dates in Polish
    assert "Paleta euro" in body and "Regał paletowy" in body
    assert 'data-total="subtotal">2\xa0499,12\xa0€<' in body
    assert 'data-total="tax">574,80\xa0€<' in body
    assert 'data-total="total"><strong>3\xa0073,92\xa0€</strong>' in body
    assert f'href="/q/{sent.token}/pdf/"' in body
    assert 'value="accept"' in body and 'value="decline"' in body
    assert f'data-api="/api/v1/public/quotes/{sent.token}/"' in body
    assert 'id="main-nav"' not in body and "/logout/" not in body  # no staff navigation
    sent.refresh_from_db()
    assert (sent.view_count, sent.first_viewed_at) == (1, NOON)

    with time_machine.travel(NOON + datetime.timedelta(hours=2), tick=False):
        client.get(page_of(sent))
    sent.refresh_from_db()
    assert (sent.view_count, sent.first_viewed_at) == (2, NOON)


def test_the_pdf_downloads_under_its_file_name(client, sent):
    response = client.get(f"/q/{sent.token}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="quote-Q-2026-00001.pdf"'
    assert response.content.startswith(b"%PDF-")


def test_accepting_through_the_form_tells_the_owner_and_the_subscribers_once(client, root, alice, sent):
    webhook_subscription_create(
        actor=root, name="CRM sync", url="https://93.184.215.14/hooks", events=["quote.accepted"]
    )
    mails_before = OutboxMessage.objects.count()

    response = answer(client, sent, "accept", "  Proszę o dostawę w kwietniu.  ")

    assert response.status_code == 302
    assert response["Location"] == page_of(sent)
    sent.refresh_from_db()
    assert (sent.status, sent.answered_at, sent.answer_comment) == (
        "accepted",
        NOON,
        "Proszę o dostawę w kwietniu.",
    )
    assert OutboxMessage.objects.count() == mails_before + 1
    mail = OutboxMessage.objects.latest("pk")
    assert mail.to_email == alice.email
    assert mail.subject == "Acme accepted quote Q-2026-00001"
    assert list(WebhookDelivery.objects.values_list("event", flat=True)) == ["quote.accepted"]
    body = client.get(page_of(sent)).content.decode()
    assert 'data-quote-state="accepted"' in body
    assert "Proszę o dostawę w kwietniu." in body
    assert 'value="accept"' not in body


def test_a_second_answer_is_refused_and_changes_nothing(client, sent):
    answer(client, sent, "decline", "Za drogo")
    sent.refresh_from_db()
    state = (sent.status, sent.answered_at, sent.answer_comment, sent.version)
    counts = (OutboxMessage.objects.count(), AuditEntry.objects.count(), WebhookDelivery.objects.count())

    with time_machine.travel(NOON + datetime.timedelta(hours=1), tick=False):
        response = answer(client, sent, "accept", "Jednak tak")

    assert response.status_code == 409
    assert 'data-quote-state="declined"' in response.content.decode()
    sent.refresh_from_db()
    assert (sent.status, sent.answered_at, sent.answer_comment, sent.version) == state
    assert (
        OutboxMessage.objects.count(),
        AuditEntry.objects.count(),
        WebhookDelivery.objects.count(),
    ) == counts


def test_a_form_without_a_verdict_is_refused(client, sent):
    response = answer(client, sent, "maybe", "Hmm")
    assert response.status_code == 400
    body = response.content.decode()
    assert 'role="alert" data-answer-error>' in body
    assert ">Hmm</textarea>" in body  # what was typed stays
    sent.refresh_from_db()
    assert (sent.status, sent.answered_at) == ("sent", None)


def test_a_draft_shows_no_buttons_cannot_be_answered_and_is_not_counted(client, quote):
    body = client.get(page_of(quote)).content.decode()
    assert 'data-quote-state="draft"' in body
    assert 'value="accept"' not in body
    assert answer(client, quote, "accept").status_code == 409
    quote.refresh_from_db()
    assert (quote.status, quote.answered_at, quote.view_count) == ("draft", None, 0)


def test_a_replaced_quote_says_so_and_links_the_newer_one(client, alice, acme, contact, products):
    first = quote_create(
        actor=alice, company=acme, contact=contact, language="en", lines=[LineInput(products[0], "1")]
    )
    sent = quote_send(quote=first, actor=alice)
    newer = quote_send(quote=quote_revise(quote=sent, actor=alice), actor=alice)
    body = client.get(page_of(sent)).content.decode()
    assert 'data-quote-state="superseded"' in body
    assert "This proposal was replaced by a newer one." in body
    assert f'href="/q/{newer.token}/"' in body
    assert 'value="accept"' not in body
    assert answer(client, sent, "accept").status_code == 409
    sent.refresh_from_db()
    assert sent.status == "superseded"


def test_an_expired_quote_says_so(client, sent):
    with time_machine.travel(NOON + datetime.timedelta(days=31), tick=False):
        body = client.get(page_of(sent)).content.decode()
        refused = answer(client, sent, "accept")
    assert 'data-quote-state="expired"' in body
    assert 'value="accept"' not in body
    assert refused.status_code == 409
    sent.refresh_from_db()
    assert sent.status == "sent"


def test_answers_from_one_address_are_limited(client, quote):
    statuses = [answer(client, quote, "accept").status_code for _attempt in range(11)]
    assert statuses == [409] * 10 + [429]


def test_the_totals_are_those_of_the_quote(sent):
    assert (sent.subtotal, sent.tax_total, sent.total) == (
        Decimal("2499.12"),
        Decimal("574.80"),
        Decimal("3073.92"),
    )
