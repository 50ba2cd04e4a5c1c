"""The order screens: the list with its filters, an order's page (lines, totals, the status and date
form with its version, the delay notices), the "Create order" button of an accepted quote, the client
card's "Send current rates" for a key account, the `klient import orders` command, who may see what,
and a constant number of queries on the list and on an order's page."""

import datetime
import json
import re
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from klient.catalog.models import Analog, Stock, Warehouse
from klient.core.context_processors import navigation_for
from klient.customers.models import Company
from klient.mail.models import OutboxMessage
from klient.sales.orders.models import Order, OrderDelayNotice
from klient.sales.orders.services import order_create_from_quote, order_update
from tests.orders.conftest import accepted_quote

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime.datetime(2026, 12, 6, 9, 0, tzinfo=datetime.UTC), tick=False):
        yield


def field(html, name):
    match = re.search(rf'data-field="{name}">(.*?)</', html, re.S)
    assert match, f"no field {name}"
    return match.group(1).strip()


def form(order, **changes):
    data = {
        "status": order.status,
        "promised_date": order.promised_date.isoformat(),
        "is_delayed": "on" if order.is_delayed else "",
        "delay_reason": order.delay_reason,
        "external_id": order.external_id,
        "version": str(order.version),
    }
    data.update(changes)
    return {name: value for name, value in data.items() if value != ""}


def test_an_accepted_quotes_page_offers_to_create_the_order_and_then_links_it(login, alice, rita, quote):
    client = login(alice)
    page = client.get(f"/quotes/{quote.pk}/").content.decode()
    assert 'data-action="create-order"' in page
    assert 'data-action="create-order"' not in login(rita).get(f"/quotes/{quote.pk}/").content.decode()

    response = client.post("/orders/new/", {"quote": quote.pk})
    order = Order.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/orders/{order.pk}/"
    page = client.get(f"/quotes/{quote.pk}/").content.decode()
    assert 'data-action="create-order"' not in page
    assert f'href="/orders/{order.pk}/" data-action="order"' in page
    again = client.post("/orders/new/", {"quote": quote.pk})
    assert again["Location"] == f"/quotes/{quote.pk}/"
    assert Order.objects.count() == 1


def test_the_order_page_shows_lines_totals_and_saves_a_delay_once(login, alice, order):
    client = login(alice)
    page = client.get(f"/orders/{order.pk}/").content.decode()
    assert page.count("<tr data-line=") == 2
    assert (field(page, "subtotal"), field(page, "tax_total")) == ("€55.00", "€12.65")
    assert 'data-form="order-update"' in page and "data-empty" in page

    posted = form(order, promised_date="2027-01-10", delay_reason="Late steel")
    response = client.post(f"/orders/{order.pk}/", posted)
    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.version, order.promised_date) == (2, datetime.date(2027, 1, 10))
    page = client.get(f"/orders/{order.pk}/").content.decode()
    assert page.count("<tr data-notice=") == 1
    assert "Order saved." in page

    stale = client.post(f"/orders/{order.pk}/", {**posted, "promised_date": "2027-02-01"})
    assert stale.status_code == 200
    assert "Someone changed this order meanwhile" in stale.content.decode()
    order.refresh_from_db()
    assert (order.version, order.promised_date) == (2, datetime.date(2027, 1, 10))
    assert OutboxMessage.objects.filter(key__startswith="order-delay:").count() == 1
    assert OrderDelayNotice.objects.count() == 1


def test_who_may_see_and_change_an_order(login, carol, sam, rita, lena, order):
    assert login(carol).get(f"/orders/{order.pk}/").status_code == 404
    assert login(sam).get("/orders/").status_code == 403
    assert login(sam).get(f"/orders/{order.pk}/").status_code == 403
    read_only = login(rita).get(f"/orders/{order.pk}/").content.decode()
    assert 'data-form="order-update"' not in read_only
    assert login(rita).post(f"/orders/{order.pk}/", form(order, status="shipped")).status_code == 403
    assert login(lena).post(f"/orders/{order.pk}/", form(order, status="shipped")).status_code == 302
    order.refresh_from_db()
    assert (order.status, order.version) == ("shipped", 2)


def test_the_list_filters_delayed_orders_with_a_constant_number_of_queries(
    login, alice, acme, russian, products, order
):
    client = login(alice)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/orders/").content.decode().count("data-order=") == 1
    for _ in range(3):
        order_create_from_quote(quote=accepted_quote(alice, acme, russian, products), actor=alice)
    with CaptureQueriesContext(connection) as many:
        assert client.get("/orders/").content.decode().count("data-order=") == 4
    assert len(many) == len(few)
    order_update(order=order, actor=alice, version=1, is_delayed=True)
    delayed = client.get("/orders/", {"delayed": "1"}).content.decode()
    assert re.findall(r'data-order="(\d+)"', delayed) == [str(order.pk)]


def test_the_order_page_reads_the_same_number_of_queries_whatever_its_notices(login, alice, order):
    client = login(alice)
    with CaptureQueriesContext(connection) as few:
        assert client.get(f"/orders/{order.pk}/").status_code == 200
    for version, day in ((1, 10), (2, 11), (3, 12)):
        order_update(order=order, actor=alice, version=version, promised_date=datetime.date(2027, 1, day))
    with CaptureQueriesContext(connection) as many:
        html = client.get(f"/orders/{order.pk}/").content.decode()
    assert html.count("<tr data-notice=") == 3
    assert len(many) == len(few)


def test_the_client_card_sends_current_rates_to_a_key_account(login, alice, tom, acme, russian, products):
    client = login(alice)
    assert 'data-form="send-rates"' not in client.get(f"/companies/{acme.pk}/").content.decode()
    Company.objects.filter(pk=acme.pk).update(is_key_account=True)
    card = client.get(f"/companies/{acme.pk}/").content.decode()
    assert 'data-form="send-rates"' in card
    assert f'<option value="{russian.pk}">' in card

    response = client.post(f"/orders/rates/{acme.pk}/", {"contact": russian.pk})
    assert response["Location"] == f"/companies/{acme.pk}/"
    [message] = OutboxMessage.objects.filter(key__startswith="rates:")
    assert (message.contact_id, message.language) == (russian.pk, "ru")
    assert login(tom).post(f"/orders/rates/{acme.pk}/", {"contact": russian.pk}).status_code == 403


def run_import(path, *options, user="lena"):
    out = StringIO()
    try:
        call_command("import", "orders", str(path), "--user", user, *options, stdout=out)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return code, json.loads(out.getvalue().strip().splitlines()[-1])


def test_klient_import_orders_checks_every_row_and_a_dry_run_stores_nothing(tmp_path, lena, order):
    path = tmp_path / "orders.csv"
    path.write_text(
        "Number;Status;Promised date;Delay reason;Delayed\n"
        "O-2026-00001;in_production;10.01.2027;Late steel;yes\n"
        "O-2026-00002;shipped;;;\n"
        "O-2026-00001;;;;maybe\n",
        encoding="utf-8",
    )
    code, summary = run_import(path, "--dry-run")
    assert code == 1
    assert summary == {
        "kind": "orders",
        "rows": 3,
        "updated": 1,
        "unchanged": 0,
        "rejected": 2,
        "dry_run": True,
        "errors": [
            {"row": 3, "field": "number", "message": "No order “O-2026-00002”, or you may not see it."},
            {"row": 4, "field": "is_delayed", "message": "Enter yes or no."},
        ],
    }
    order.refresh_from_db()
    assert (order.version, OrderDelayNotice.objects.count()) == (1, 0)

    path.write_text(
        "Number;Status;Promised date;Delay reason;Delayed\nO-2026-00001;in_production;10.01.2027;Late steel;yes\n",
        encoding="utf-8",
    )
    assert run_import(path)[0] == 0
    order.refresh_from_db()
    assert (order.status, order.promised_date, order.is_delayed, order.version) == (
        "in_production",
        datetime.date(2027, 1, 10),
        True,
        2,
    )
    assert OrderDelayNotice.objects.count() == 1
    assert run_import(path)[1]["unchanged"] == 1


def test_logistics_reach_orders_from_the_menu_and_sellers_from_the_deals_board(login, alice, lena):
    assert [item.url for item in navigation_for(lena) if item.key == "orders"] == ["/orders/"]
    assert "orders" not in [item.key for item in navigation_for(alice)]
    assert 'href="/orders/" data-action="orders"' in login(alice).get("/deals/").content.decode()


def test_an_open_orders_short_line_shows_the_restock_date_analogues_and_actions(
    login, alice, order, products
):
    pallet, foil, rack = products
    main = Warehouse.objects.get(code="main")
    Stock.objects.create(
        product=pallet, warehouse=main, available=Decimal(1), restock_date=datetime.date(2026, 12, 20)
    )
    Stock.objects.create(product=foil, warehouse=main, available=Decimal(50))
    Stock.objects.create(product=rack, warehouse=main, available=Decimal(8))
    Analog.objects.create(product=pallet, analog=rack, note="Holds more")
    client = login(alice)

    html = client.get(f"/orders/{order.pk}/").content.decode()

    short = re.search(r'<tr data-line="1">(.*?)</tr>', html, re.S).group(1)
    enough = re.search(r'<tr data-line="2">(.*?)</tr>', html, re.S).group(1)
    assert 'data-stock="short">Short: 1 available<' in short
    assert "More expected on 12/20/2026" in short
    assert f'data-analog="{rack.pk}"' in short and "8 in stock" in short and "<em>Holds more</em>" in short
    assert re.search(r"data-analog-price>[^<]*1,234\.56", short)
    assert 'data-action="ask-logistics"' in short and 'name="source" value="O-2026-00001"' in short
    assert 'data-action="notify-restock"' in short
    assert 'data-stock="ok">In stock: 50<' in enough
    assert 'data-short="1"' in html

    # Once shipped, the warehouses' stock is no longer the order's concern.
    Order.objects.filter(pk=order.pk).update(status="shipped")
    assert 'data-field="availability"' not in client.get(f"/orders/{order.pk}/").content.decode()
