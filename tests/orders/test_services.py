"""Orders from accepted quotes (lines and totals copied, one order per quote), the delay notice to the
customer (once per change, in their language, logged, with a webhook), refused changes sending nothing,
and a key account's current rates."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import translation

from klient.catalog.models import CustomerPrice, Unit
from klient.core.exceptions import NotAllowed, VersionConflict
from klient.core.models import AuditEntry
from klient.customers.models import Company, Contact
from klient.mail.models import OutboxMessage
from klient.sales.orders.models import Order, OrderDelayNotice, OrderLine, OrderStatus
from klient.sales.orders.services import order_create_from_quote, order_update, rates_send
from klient.sales.quotes.models import QuoteStatus
from klient.sales.quotes.services import LineInput, quote_create, quote_send
from klient.webhooks.models import WebhookDelivery
from klient.webhooks.services import webhook_subscription_create

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 6)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime.datetime(2026, 12, 6, 9, 0, tzinfo=datetime.UTC), tick=False):
        yield


def delay_messages():
    return list(OutboxMessage.objects.filter(key__startswith="order-delay:").order_by("pk"))


def test_an_accepted_quote_becomes_an_order_with_its_lines_and_totals(alice, quote, russian):
    order = order_create_from_quote(quote=quote, actor=alice)

    assert order.number == "O-2026-00001"
    assert (order.company_id, order.contact_id, order.currency) == (quote.company_id, russian.pk, "EUR")
    assert (order.subtotal, order.tax_total, order.total) == (
        Decimal("55"),
        Decimal("12.65"),
        Decimal("67.65"),
    )
    assert (order.status, order.is_delayed, order.promised_date) == (
        "confirmed",
        False,
        datetime.date(2026, 12, 20),
    )
    assert list(
        OrderLine.objects.filter(order=order).values_list(
            "position",
            "sku",
            "name",
            "unit",
            "quantity",
            "unit_price",
            "discount_percent",
            "tax_rate",
            "line_subtotal",
            "line_tax",
        )
    ) == [
        (
            1,
            "PAL-1",
            "Euro pallet",
            "pcs",
            Decimal("3"),
            Decimal("10"),
            Decimal("0"),
            Decimal("23"),
            Decimal("30"),
            Decimal("6.9"),
        ),
        (
            2,
            "FOIL-1",
            "Stretch foil",
            "kg",
            Decimal("10"),
            Decimal("2.5"),
            Decimal("0"),
            Decimal("23"),
            Decimal("25"),
            Decimal("5.75"),
        ),
    ]
    entry = AuditEntry.objects.get(object_id=order.pk, content_type__model="order")
    assert (entry.action, entry.changes["quote"]["to"], entry.company_id) == (
        "create",
        quote.pk,
        quote.company_id,
    )
    assert delay_messages() == []


def test_a_quote_not_accepted_or_ordered_already_is_refused(alice, acme, russian, products, quote):
    draft = quote_create(actor=alice, company=acme, contact=russian, lines=[LineInput(products[0], "1")])
    sent = quote_send(
        quote=quote_create(actor=alice, company=acme, contact=russian, lines=[LineInput(products[0], "1")]),
        actor=alice,
    )
    for unfit in (draft, sent):
        with pytest.raises(ValidationError) as refused:
            order_create_from_quote(quote=unfit, actor=alice)
        assert refused.value.message_dict == {"quote": ["Only an accepted quote becomes an order."]}
    order_create_from_quote(quote=quote, actor=alice, promised_date=datetime.date(2027, 1, 15))
    with pytest.raises(ValidationError) as twice:
        order_create_from_quote(quote=quote, actor=alice)
    assert twice.value.message_dict == {"quote": ["This quote has an order already: O-2026-00001."]}
    assert list(Order.objects.values_list("number", "promised_date")) == [
        ("O-2026-00001", datetime.date(2027, 1, 15))
    ]


def test_a_later_date_emails_the_contact_once_in_their_language(alice, order, russian):
    later = datetime.date(2027, 1, 10)
    saved = order_update(order=order, actor=alice, version=1, promised_date=later, delay_reason="Late steel")

    [message] = delay_messages()
    assert saved.version == 2
    assert (message.key, message.language, message.to_email, message.purpose) == (
        f"order-delay:{order.pk}:2",
        "ru",
        "jan.nowak@acme.example",
        "other",
    )
    assert order.number in message.subject and order.number in message.body
    assert "10 января 2027" in message.body  # the date as Russian writes it
    assert "Late steel" in message.body
    notice = OrderDelayNotice.objects.get()
    assert (
        notice.old_date,
        notice.new_date,
        notice.reason,
        notice.contact_id,
        notice.message_id,
        notice.failure,
    ) == (
        datetime.date(2026, 12, 20),
        later,
        "Late steel",
        russian.pk,
        message.pk,
        "",
    )

    again = order_update(order=saved, actor=alice, version=2, promised_date=later, delay_reason="Late steel")
    assert again.version == 2
    assert len(delay_messages()) == 1
    assert OrderDelayNotice.objects.count() == 1


def test_an_earlier_date_or_another_change_tells_nobody(alice, order):
    saved = order_update(order=order, actor=alice, version=1, promised_date=datetime.date(2026, 12, 18))
    saved = order_update(
        order=saved, actor=alice, version=2, status=OrderStatus.IN_PRODUCTION, external_id="ERP-1"
    )

    assert (saved.version, saved.status, saved.external_id) == (3, "in_production", "ERP-1")
    assert delay_messages() == []
    assert OrderDelayNotice.objects.count() == 0


def test_marking_an_order_delayed_tells_the_contact_and_the_webhook_subscribers(alice, root, order):
    subscription = webhook_subscription_create(
        actor=root, name="ERP", url="https://93.184.215.14/hooks", events=["order.delayed"]
    )
    saved = order_update(order=order, actor=alice, version=1, is_delayed=True, delay_reason="Strike")

    [message] = delay_messages()
    assert message.key == f"order-delay:{order.pk}:2"
    delivery = WebhookDelivery.objects.get()
    assert (delivery.subscription_id, delivery.event, delivery.key) == (
        subscription.pk,
        "order.delayed",
        f"order.delayed:{order.pk}:2",
    )
    assert delivery.payload == {
        "order": order.pk,
        "number": "O-2026-00001",
        "quote": order.quote_id,
        "contract": None,
        "company": order.company_id,
        "external_id": "",
        "status": "confirmed",
        "old_date": "2026-12-20",
        "promised_date": "2026-12-20",
        "delay_reason": "Strike",
        "customer_notified": True,
    }
    # Still delayed: turning it on again is no change.
    order_update(order=saved, actor=alice, version=2, is_delayed=True)
    assert (len(delay_messages()), WebhookDelivery.objects.count()) == (1, 1)


def test_a_stale_version_is_refused_and_sends_nothing(alice, order):
    order_update(order=order, actor=alice, version=1, status=OrderStatus.IN_PRODUCTION)
    with pytest.raises(VersionConflict):
        order_update(order=order, actor=alice, version=1, promised_date=datetime.date(2027, 2, 1))

    order.refresh_from_db()
    assert (order.version, order.promised_date) == (2, datetime.date(2026, 12, 20))
    assert delay_messages() == []
    assert OrderDelayNotice.objects.count() == 0


def test_without_an_email_the_delay_is_saved_and_logged_as_not_sent(alice, order, russian):
    Contact.objects.filter(pk=russian.pk).update(email="")
    saved = order_update(order=order, actor=alice, version=1, promised_date=datetime.date(2027, 1, 4))

    assert saved.promised_date == datetime.date(2027, 1, 4)
    assert saved.delay_failure == "Jan Nowak has no email address."
    notice = OrderDelayNotice.objects.get()
    assert (notice.message_id, notice.failure) == (None, "Jan Nowak has no email address.")
    assert delay_messages() == []


def test_logistics_change_orders_and_the_owner_signs_the_notice(alice, lena, order):
    order_update(order=order, actor=lena, version=1, promised_date=datetime.date(2027, 1, 4))

    [message] = delay_messages()
    assert (message.sender_id, message.reply_to) == (alice.pk, alice.email)
    with pytest.raises(NotAllowed):
        order_create_from_quote(quote=order.quote, actor=lena)


def test_unknown_fields_and_statuses_are_refused(alice, order):
    with pytest.raises(ValidationError) as refused:
        order_update(order=order, actor=alice, version=1, status="lost")
    assert refused.value.message_dict == {"status": ["“lost” is not an order status."]}
    with pytest.raises(ValidationError):
        order_update(order=order, actor=alice, version=1, total=Decimal(1))
    order.refresh_from_db()
    assert (order.version, order.status) == (1, "confirmed")


def test_rates_go_to_a_key_accounts_contact_with_exact_prices(alice, acme, russian, products):
    Company.objects.filter(pk=acme.pk).update(is_key_account=True, discount_percent=Decimal(10))
    acme.refresh_from_db()
    CustomerPrice.objects.create(company=acme, product=products[2], amount=Decimal("1100.00"), currency="EUR")

    message = rates_send(company=acme, actor=alice, contact=russian)

    assert (message.to_email, message.language, message.purpose) == ("jan.nowak@acme.example", "ru", "other")
    lines = [line for line in message.body.splitlines() if line.startswith(("PAL-1", "FOIL-1", "RACK-1"))]
    # 10.00 and 2.50 less the client's 10 %; the rack at its special price.
    with translation.override("ru"):
        kg, pcs = str(Unit("kg").label), str(Unit("pcs").label)
    assert [line.replace("\xa0", " ").replace("\u202f", " ") for line in lines] == [
        f"FOIL-1 · Stretch foil · {kg}: 2,25 €",
        f"PAL-1 · Euro pallet · {pcs}: 9,00 €",
        f"RACK-1 · Pallet rack · {pcs}: 1 100,00 €",
    ]
    # The same rates again: the same message, nothing new queued.
    assert rates_send(company=acme, actor=alice, contact=russian).pk == message.pk
    assert OutboxMessage.objects.filter(key__startswith="rates:").count() == 1


def test_rates_are_refused_for_a_company_that_is_not_a_key_account(alice, acme, russian, tom):
    with pytest.raises(ValidationError) as refused:
        rates_send(company=acme, actor=alice, contact=russian)
    assert refused.value.message_dict == {"company": ["Current rates are sent to key accounts only."]}
    Company.objects.filter(pk=acme.pk).update(is_key_account=True)
    acme.refresh_from_db()
    with pytest.raises(NotAllowed):
        rates_send(company=acme, actor=tom, contact=russian)
    assert OutboxMessage.objects.filter(key__startswith="rates:").count() == 0


def test_orders_cascade_with_their_company_but_keep_their_quote(alice, order):
    assert order.quote.status == QuoteStatus.ACCEPTED
    order.company.delete()
    assert (Order.objects.count(), OrderLine.objects.count()) == (0, 0)
