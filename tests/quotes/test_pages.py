"""The quote screens: the form with its lines table (errors on their row, "Add lines", a stale version),
a quote's page with exact totals, availability and analogues, sending with the PDF, the approval of a
discount above the limit, revisions, the client card and deal sections, who may see what, and a constant
number of queries on the list and on a quote's page."""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from klient.catalog.models import Analog, Product, Stock, Warehouse
from klient.mail.models import OutboxMessage
from klient.sales.quotes.models import Quote, QuoteStatus
from klient.sales.quotes.services import LineInput, quote_create, quote_send
from klient.sales.services import deal_create

pytestmark = pytest.mark.django_db

EMPTY_ROWS = {
    "lines-TOTAL_FORMS": "5",
    "lines-INITIAL_FORMS": "5",
    "lines-MIN_NUM_FORMS": "0",
    "lines-MAX_NUM_FORMS": "1000",
}


def rows(*lines, total=5):
    """The posted lines table: each line a (sku, quantity, discount, unit price) tuple, then empty rows."""
    data = {**EMPTY_ROWS, "lines-TOTAL_FORMS": str(total), "lines-INITIAL_FORMS": str(total)}
    for index, line in enumerate(lines):
        for name, value in zip(("sku", "quantity", "discount_percent", "unit_price"), line, strict=False):
            data[f"lines-{index}-{name}"] = value
    return data


def row_html(html, index):
    match = re.search(rf'<tr data-row="{index}">(.*?)</tr>', html, re.S)
    assert match, f"no row {index}"
    return match.group(1)


def field(html, name):
    match = re.search(rf'data-field="{name}">(.*?)</', html, re.S)
    assert match, f"no field {name}"
    return match.group(1).strip()


def make_quote(alice, acme, contact, products, *, discount=None, quantity="3"):
    return quote_create(
        actor=alice,
        company=acme,
        contact=contact,
        lines=[LineInput(products[0], quantity, discount), LineInput(products[1], "10")],
    )


def test_the_form_writes_a_quote_priced_for_the_client_with_exact_totals(login, alice, acme, contact):
    client = login(alice)
    page = client.get(f"/quotes/new/?company={acme.pk}").content.decode()
    assert page.count("<tr data-row=") == 5
    assert f'<option value="{contact.pk}">' in page
    response = client.post(
        f"/quotes/new/?company={acme.pk}",
        {
            "company": acme.pk,
            "contact": contact.pk,
            "introduction": "As agreed",
            **rows(("pal-1", "3"), ("FOIL-1", "10", "5"), ("", "")),
        },
    )
    quote = Quote.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/quotes/{quote.pk}/"
    assert (quote.company, quote.contact, quote.owner, quote.status) == (
        acme,
        contact,
        alice,
        QuoteStatus.DRAFT,
    )
    assert (quote.language, quote.currency, quote.introduction) == ("pl", "EUR", "As agreed")
    # 3 × 10.00 = 30.00 + 6.90 VAT; 10 × 2.50 − 5 % = 23.75 + 5.46 VAT (5.4625 rounded).
    assert [(line.sku, line.line_subtotal, line.line_tax) for line in quote.lines.all()] == [
        ("PAL-1", Decimal("30.0000"), Decimal("6.9000")),
        ("FOIL-1", Decimal("23.7500"), Decimal("5.4600")),
    ]
    html = client.get(f"/quotes/{quote.pk}/").content.decode()
    assert field(html, "subtotal") == "€53.75"
    assert field(html, "tax_total") == "€12.36"
    assert field(html, "total") == "<strong>€66.11"
    assert 'data-field="status">Draft<' in html
    assert 'data-action="send"' in html and 'data-action="request-approval"' not in html


def test_a_deal_gives_the_company_and_the_deal(login, alice, acme, contact):
    deal = deal_create(
        actor=alice,
        company=acme,
        title="Racks",
        amount="100",
        currency="EUR",
        expected_close_date=datetime.date(2026, 12, 31),
        next_step="Send the quote",
    )
    client = login(alice)
    page = client.get(f"/quotes/new/?deal={deal.pk}").content.decode()
    assert f'<option value="{deal.pk}" selected>Racks</option>' in page
    client.post(f"/quotes/new/?deal={deal.pk}", {"deal": deal.pk, **rows(("RACK-1", "1"))})
    quote = Quote.objects.get()
    assert (quote.company, quote.deal, quote.total) == (acme, deal, Decimal("1518.5100"))
    deal_page = client.get(f"/deals/{deal.pk}/").content.decode()
    assert f'data-quote="{quote.pk}"' in deal_page and "€1,518.51" in deal_page
    assert f"/quotes/new/?deal={deal.pk}" in deal_page


def test_an_unknown_sku_and_a_service_error_land_on_their_rows(login, alice, acme, contact):
    client = login(alice)
    response = client.post(
        f"/quotes/new/?company={acme.pk}",
        {"company": acme.pk, **rows(("PAL-1", "1"), ("NOPE-9", "2"), ("FOIL-1", "4", "120"))},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-error="sku">No product has this SKU.<' in row_html(html, 1)
    assert 'data-error="discount_percent">Ensure this value is less than or equal to 100.<' in row_html(
        html, 2
    )
    assert "field-error" not in row_html(html, 0)
    # The service numbers the filled rows (lines[1] is the third row here, the second being empty).
    response = client.post(
        f"/quotes/new/?company={acme.pk}",
        {"company": acme.pk, **rows(("PAL-1", "1"), ("", ""), ("FOIL-1", "0"))},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert 'data-error="quantity">The quantity is more than 0.<' in row_html(html, 2)
    assert "field-error" not in row_html(html, 0)
    # A quantity without a SKU, and no lines at all.
    html = client.post(
        f"/quotes/new/?company={acme.pk}", {"company": acme.pk, **rows(("", "3"))}
    ).content.decode()
    assert "Give the product&#x27;s SKU." in row_html(html, 0)
    html = client.post(f"/quotes/new/?company={acme.pk}", {"company": acme.pk, **rows()}).content.decode()
    assert "Add at least one line." in html
    assert Quote.objects.count() == 0


def test_add_lines_keeps_what_was_typed_and_saves_nothing(login, alice, acme):
    response = login(alice).post(
        f"/quotes/new/?company={acme.pk}",
        {"company": acme.pk, "introduction": "Draft", "add_lines": "1", **rows(("PAL-1", "7"), ("NOPE", ""))},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<tr data-row=") == 10
    assert 'value="PAL-1"' in row_html(html, 0) and 'value="7"' in row_html(html, 0)
    assert "field-error" not in html
    assert ">\nDraft</textarea>" in html
    assert Quote.objects.count() == 0


def test_editing_with_a_stale_version_saves_nothing(login, alice, bob, acme, contact, products):
    quote = make_quote(alice, acme, contact, products)
    client = login(alice)
    page = client.get(f"/quotes/{quote.pk}/edit/").content.decode()
    assert page.count("<tr data-row=") == 7
    assert 'name="version" value="1"' in page
    saved = client.post(
        f"/quotes/{quote.pk}/edit/",
        {"contact": contact.pk, "version": "1", "introduction": "New", **rows(("PAL-1", "5"))},
    )
    assert saved.status_code == 302
    quote.refresh_from_db()
    assert (quote.version, quote.introduction, quote.total) == (2, "New", Decimal("61.5000"))
    stale = client.post(
        f"/quotes/{quote.pk}/edit/",
        {"contact": contact.pk, "version": "1", "introduction": "Mine", **rows(("PAL-1", "9"))},
    )
    assert stale.status_code == 400
    assert "Someone changed this quote meanwhile." in stale.content.decode()
    quote.refresh_from_db()
    assert (quote.version, quote.introduction, quote.total) == (2, "New", Decimal("61.5000"))
    assert list(quote.lines.values_list("quantity", flat=True)) == [Decimal("5.000")]


def test_sending_from_the_page_queues_one_mail_with_the_pdf(login, alice, acme, contact, products):
    quote = make_quote(alice, acme, contact, products)
    client = login(alice)
    response = client.post(f"/quotes/{quote.pk}/send/", follow=True)
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.SENT
    message = OutboxMessage.objects.get()
    assert message.to_email == "jan.nowak@acme.example"
    [attachment] = message.attachments.all()
    assert attachment.filename == f"quote-{quote.number}.pdf"
    assert attachment.mimetype == "application/pdf"
    assert bytes(attachment.content).startswith(b"%PDF")
    html = response.content.decode()
    assert "Quote sent." in html
    assert f'/q/{quote.token}/" data-field="public_url"' in html
    assert 'data-action="send"' not in html and 'data-action="edit-quote"' not in html
    assert 'data-action="revise"' in html
    # Sending again is refused with a message and sends nothing more.
    again = client.post(f"/quotes/{quote.pk}/send/", follow=True)
    assert "This quote was sent already." in again.content.decode()
    assert OutboxMessage.objects.count() == 1


def test_a_send_refused_by_the_service_shows_why(login, alice, acme, products):
    quote = quote_create(actor=alice, company=acme, lines=[LineInput(products[0], "1")])
    html = login(alice).post(f"/quotes/{quote.pk}/send/", follow=True).content.decode()
    assert "Choose a contact with an email address to send the quote to." in html
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.DRAFT
    assert OutboxMessage.objects.count() == 0


def test_a_discount_above_the_limit_needs_the_managers_approval(login, alice, mike, acme, contact, products):
    quote = make_quote(alice, acme, contact, products, discount="20")
    as_alice = login(alice)
    html = as_alice.get(f"/quotes/{quote.pk}/").content.decode()
    assert "A discount above 15\xa0% needs a manager's approval before the quote is sent." in html
    assert 'data-action="send"' not in html and 'data-action="request-approval"' in html
    refused = as_alice.post(f"/quotes/{quote.pk}/send/", follow=True).content.decode()
    assert "Discounts above 15 % need a manager&#x27;s approval first." in refused
    assert OutboxMessage.objects.count() == 0
    assert as_alice.post(f"/quotes/{quote.pk}/approve/").status_code == 403

    as_alice.post(f"/quotes/{quote.pk}/request-approval/")
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.AWAITING_APPROVAL
    assert list(OutboxMessage.objects.values_list("to_email", flat=True)) == ["mike@example.com"]
    html = as_alice.get(f"/quotes/{quote.pk}/").content.decode()
    assert "Approval has been asked for." in html and 'data-action="request-approval"' not in html

    as_mike = login(mike)
    assert 'data-action="approve"' in as_mike.get(f"/quotes/{quote.pk}/").content.decode()
    approved = as_mike.post(f"/quotes/{quote.pk}/approve/", follow=True).content.decode()
    assert "Discounts approved." in approved
    quote.refresh_from_db()
    assert (quote.status, quote.approved_by) == (QuoteStatus.DRAFT, mike)
    assert field(approved, "approved_by").startswith("Mike Miller · ")

    as_alice.post(f"/quotes/{quote.pk}/send/")
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.SENT
    assert list(OutboxMessage.objects.order_by("pk").values_list("to_email", flat=True)) == [
        "mike@example.com",
        "jan.nowak@acme.example",
    ]


def test_a_new_revision_links_both_ways(login, alice, acme, contact, products):
    quote = make_quote(alice, acme, contact, products)
    quote_send(quote=quote, actor=alice)
    client = login(alice)
    response = client.post(f"/quotes/{quote.pk}/revise/")
    revision = Quote.objects.get(previous=quote)
    assert response["Location"] == f"/quotes/{revision.pk}/"
    html = client.get(f"/quotes/{revision.pk}/").content.decode()
    assert f"Quote {quote.number}/2" in html
    assert f'<a href="/quotes/{quote.pk}/" data-revision="previous">← {quote.number}</a>' in html
    old = client.get(f"/quotes/{quote.pk}/").content.decode()
    assert f'<a href="/quotes/{revision.pk}/" data-revision="next">{quote.number}/2 →</a>' in old
    assert 'data-action="revise"' not in old
    refused = client.post(f"/quotes/{quote.pk}/revise/", follow=True).content.decode()
    assert "This quote has a newer revision already." in refused
    assert Quote.objects.count() == 2
    # A sent quote's edit page sends back to the quote.
    assert client.get(f"/quotes/{quote.pk}/edit/")["Location"] == f"/quotes/{quote.pk}/"


def test_the_page_shows_stock_restock_dates_and_the_analogues_of_a_short_line(
    login, alice, acme, contact, products
):
    pallet, foil, rack = products
    main = Warehouse.objects.get(code="main")
    Stock.objects.create(
        product=pallet, warehouse=main, available=Decimal(1), restock_date=datetime.date(2026, 3, 10)
    )
    Stock.objects.create(product=foil, warehouse=main, available=Decimal(50))
    Stock.objects.create(product=rack, warehouse=main, available=Decimal(8))
    Analog.objects.create(product=pallet, analog=rack, note="Holds more")
    quote = make_quote(alice, acme, contact, products)
    html = login(alice).get(f"/quotes/{quote.pk}/").content.decode()
    short, enough = row_html_line(html, 1), row_html_line(html, 2)
    assert 'data-stock="short">Short: 1 available<' in short
    assert "More expected on 03/10/2026" in short
    assert f'data-analog="{rack.pk}"' in short and "8 in stock" in short and "<em>Holds more</em>" in short
    assert 'data-stock="ok">In stock: 50<' in enough
    assert 'data-short="1"' in html and "1 line is out of stock" in html


def row_html_line(html, position):
    match = re.search(rf'<tr data-line="{position}">(.*?)</tr>', html, re.S)
    assert match, f"no line {position}"
    return match.group(1)


def test_the_pdf_downloads_as_an_attachment(login, alice, acme, contact, products):
    quote = make_quote(alice, acme, contact, products)
    response = login(alice).get(f"/quotes/{quote.pk}/pdf/")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="quote-{quote.number}.pdf"'
    assert response.content.startswith(b"%PDF")


def test_the_list_filters_by_status_owner_and_words(login, alice, mike, acme, contact, products):
    mine = make_quote(alice, acme, contact, products)
    theirs = make_quote(mike, acme, contact, products)
    quote_send(quote=theirs, actor=mike)
    client = login(alice)
    html = client.get("/quotes/").content.decode()
    assert html.count("data-quote=") == 2
    assert '<td data-field="total">€67.65</td>' in html
    assert [int(pk) for pk in re.findall(r'data-quote="(\d+)"', html)] == [theirs.pk, mine.pk]
    only_mine = client.get("/quotes/?owner=me").content.decode()
    assert re.findall(r'data-quote="(\d+)"', only_mine) == [str(mine.pk)]
    sent = client.get("/quotes/?status=sent").content.decode()
    assert re.findall(r'data-quote="(\d+)"', sent) == [str(theirs.pk)]
    assert client.get(f"/quotes/?q={mine.number}").content.decode().count("data-quote=") == 1
    assert client.get("/quotes/?q=acme").content.decode().count("data-quote=") == 2
    assert "No quotes found." in client.get("/quotes/?q=nothing").content.decode()


def test_the_client_card_shows_the_latest_quotes(login, alice, acme, contact, products):
    quote = make_quote(alice, acme, contact, products)
    html = login(alice).get(f"/companies/{acme.pk}/").content.decode()
    assert f'<li data-quote="{quote.pk}"><a href="/quotes/{quote.pk}/">{quote.number}</a> · €67.65' in html
    assert f"/quotes/new/?company={acme.pk}" in html


def test_carol_of_another_team_finds_nothing(login, alice, carol, acme, contact, products):
    quote = make_quote(alice, acme, contact, products)
    client = login(carol)
    for path in ("", "edit/", "pdf/"):
        assert client.get(f"/quotes/{quote.pk}/{path}").status_code == 404
    for path in ("send/", "request-approval/", "revise/", "edit/"):
        assert client.post(f"/quotes/{quote.pk}/{path}").status_code == 404
    assert client.get(f"/quotes/new/?company={acme.pk}").status_code == 404
    assert "No quotes found." in client.get("/quotes/").content.decode()
    quote.refresh_from_db()
    assert (quote.status, quote.version, OutboxMessage.objects.count()) == (QuoteStatus.DRAFT, 1, 0)


def test_a_service_agent_may_not_use_quotes(login, alice, sam, acme, contact, products):
    quote = make_quote(alice, acme, contact, products)
    client = login(sam)
    for path in ("/quotes/", "/quotes/new/", f"/quotes/{quote.pk}/", f"/quotes/{quote.pk}/pdf/"):
        assert client.get(path).status_code == 403
    for action in ("send", "request-approval", "approve", "revise", "edit"):
        assert client.post(f"/quotes/{quote.pk}/{action}/").status_code == 403
    quote.refresh_from_db()
    assert (quote.status, quote.version, OutboxMessage.objects.count()) == (QuoteStatus.DRAFT, 1, 0)


def test_the_list_reads_the_same_number_of_queries_whatever_the_quotes(login, alice, acme, contact, products):
    client = login(alice)
    make_quote(alice, acme, contact, products)
    client.get("/quotes/")
    with CaptureQueriesContext(connection) as few:
        assert client.get("/quotes/").status_code == 200
    for _ in range(4):
        make_quote(alice, acme, contact, products)
    with CaptureQueriesContext(connection) as many:
        assert client.get("/quotes/").content.decode().count("data-quote=") == 5
    assert len(many) == len(few)


def test_a_quotes_page_reads_the_same_number_of_queries_whatever_its_lines(
    login, alice, acme, contact, products
):
    pallet, foil, rack = products
    extra = [Product.objects.create(sku=f"X-{n}", name=f"Extra {n}", vat_rate=Decimal(23)) for n in range(4)]
    for product in extra:
        Analog.objects.create(product=pallet, analog=product, note="")
    client = login(alice)
    small = quote_create(actor=alice, company=acme, contact=contact, lines=[LineInput(pallet, "1")])
    client.get(f"/quotes/{small.pk}/")
    with CaptureQueriesContext(connection) as few:
        assert client.get(f"/quotes/{small.pk}/").status_code == 200
    big = quote_create(
        actor=alice,
        company=acme,
        contact=contact,
        lines=[LineInput(product, "2", None, "1") for product in [pallet, foil, rack, *extra]],
    )
    with CaptureQueriesContext(connection) as many:
        html = client.get(f"/quotes/{big.pk}/").content.decode()
    assert html.count("<tr data-line=") == 7
    assert len(many) == len(few)


def test_without_a_company_the_form_asks_for_one(login, alice, carol, acme):
    client = login(alice)
    page = client.get("/quotes/new/").content.decode()
    assert f'<option value="{acme.pk}">Acme</option>' in page
    assert 'name="contact"' not in page
    refused = client.post("/quotes/new/", {"company": "", **rows(("PAL-1", "1"))})
    assert refused.status_code == 400 and Quote.objects.count() == 0
    # A company the writer may not see is no choice either.
    other = login(carol).post("/quotes/new/", {"company": acme.pk, **rows(("PAL-1", "1"))})
    assert other.status_code == 400 and Quote.objects.count() == 0
    saved = client.post("/quotes/new/", {"company": acme.pk, **rows(("PAL-1", "2"))})
    quote = Quote.objects.get()
    assert saved["Location"] == f"/quotes/{quote.pk}/"
    assert (quote.company, quote.contact, quote.total) == (acme, None, Decimal("24.6000"))


def test_the_deals_board_links_to_the_quotes(login, alice):
    assert 'href="/quotes/" data-action="quotes"' in login(alice).get("/deals/").content.decode()
