"""Mass proposals: one offer to many companies, each quote priced with that company's prices and sent with
its own PDF and email in its contact's language; the companies left out with why; sending throttled in
steps, a failure on one company not stopping the others, a second run sending nothing twice; the pages
and the API, and refused requests changing nothing."""

import datetime
import re
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from klient.activities.models import Activity
from klient.catalog.models import CustomerPrice, Price
from klient.core.exceptions import NotAllowed
from klient.core.models import AuditEntry
from klient.customers.services import company_create, contact_create
from klient.mail.models import OutboxMessage
from klient.mail.services import unsubscribe_record
from klient.sales.quotes import documents
from klient.sales.quotes import services as quote_services
from klient.sales.quotes.documents import quote_pdf
from klient.sales.quotes.models import (
    MassProposal,
    MassProposalItem,
    MassProposalStatus,
    Quote,
    QuoteStatus,
)
from klient.sales.quotes.services import (
    LineInput,
    mass_proposal_create,
    mass_proposal_pace,
    mass_proposal_send_step,
)
from klient.sales.quotes.tasks import mass_proposal_send_task
from tests.quotes.test_documents import pdf_text

pytestmark = pytest.mark.django_db

NOON = datetime.datetime(2026, 3, 2, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
def beta(alice, retail, products):
    """Beta buys at the retail prices in złoty (12.00 and 3.00 PLN), and its buyer reads Russian."""
    Price.objects.bulk_create(
        Price(price_list=retail, product=product, amount=Decimal(amount))
        for product, amount in zip(products, ("12.00", "3.00", "1500.00"), strict=True)
    )
    company = company_create(actor=alice, name="Beta", country="PL", price_type=retail)
    contact_create(actor=alice, company=company, first_name="Ivan", email="ivan@beta.example", language="ru")
    return company


@pytest.fixture
def gamma(alice, wholesale, prices):
    """Gamma has a contact without an email address only."""
    company = company_create(actor=alice, name="Gamma", price_type=wholesale)
    contact_create(actor=alice, company=company, first_name="Gus", phone="+48 601 000 000")
    return company


@pytest.fixture
def southco(carol, wholesale, prices):
    """Carol's company in South: alice does not see it."""
    company = company_create(actor=carol, name="Southco", price_type=wholesale)
    contact_create(actor=carol, company=company, first_name="Sue", email="sue@south.example")
    return company


def lines(products):
    pallet, foil, _rack = products
    return [LineInput(pallet, "3"), LineInput(foil, "10", discount_percent="5")]


def send_all(mass_proposal):
    """Run the job as the worker would (eager in tests: each step queues the next one at once)."""
    return mass_proposal_send_task.delay(mass_proposal.pk).get()


@time_machine.travel(NOON, tick=False)
def test_each_company_gets_its_own_prices_pdf_and_email_in_its_language(
    alice, acme, contact, beta, products, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        mass = mass_proposal_create(actor=alice, companies=[acme, beta], lines=lines(products), note="Oferta")

    mass.refresh_from_db()
    assert (mass.status, mass.company_count, mass.sent_count, mass.skipped_count, mass.failed_count) == (
        MassProposalStatus.DONE,
        2,
        2,
        0,
        0,
    )
    assert mass.finished_at == NOON
    assert mass.lines == [
        {"product": products[0].pk, "sku": "PAL-1", "quantity": "3", "discount_percent": None},
        {"product": products[1].pk, "sku": "FOIL-1", "quantity": "10", "discount_percent": "5"},
    ]
    items = {item.company.name: item for item in mass.items.select_related("company", "quote", "contact")}
    assert {name: (item.status, item.sent_at) for name, item in items.items()} == {
        "Acme": ("sent", NOON),
        "Beta": ("sent", NOON),
    }
    acme_quote, beta_quote = items["Acme"].quote, items["Beta"].quote
    # Acme: wholesale in euros, in Polish: 3 × 10.00 + 10 × 2.50 × 0.95 = 53.75 + 23 % VAT.
    assert (acme_quote.currency, acme_quote.language, acme_quote.subtotal, acme_quote.total) == (
        "EUR",
        "pl",
        Decimal("53.75"),
        Decimal("66.11"),
    )
    # Beta: retail in złoty, in its buyer's Russian: 3 × 12.00 + 10 × 3.00 × 0.95 = 64.50 + VAT.
    assert (beta_quote.currency, beta_quote.language, beta_quote.subtotal, beta_quote.total) == (
        "PLN",
        "ru",
        Decimal("64.50"),
        Decimal("79.34"),
    )
    assert {acme_quote.status, beta_quote.status} == {QuoteStatus.SENT}
    assert acme_quote.introduction == "Oferta" and acme_quote.contact == contact
    messages = {message.to_email: message for message in OutboxMessage.objects.all()}
    assert sorted(messages) == ["ivan@beta.example", "jan.nowak@acme.example"]
    assert {message.status for message in messages.values()} == {"sent"}
    assert (messages["jan.nowak@acme.example"].language, messages["ivan@beta.example"].language) == (
        "pl",
        "ru",
    )
    beta_pdf = messages["ivan@beta.example"].attachments.get()
    assert beta_pdf.filename == f"quote-{beta_quote.number}.pdf"
    text = pdf_text(bytes(beta_pdf.content))
    assert beta_quote.number in text and "Beta" in text and "Acme" not in text
    assert Activity.objects.filter(purpose="proposal").count() == 2


@time_machine.travel(NOON, tick=False)
def test_the_pdf_printed_with_the_others_is_sent_unless_the_quote_changed_since(
    alice, acme, contact, products, django_capture_on_commit_callbacks
):
    quote = quote_services.quote_create(actor=alice, company=acme, contact=contact, lines=lines(products))
    printed = quote_pdf(quote)
    # Changed after it was printed: the PDF given is stale, and the quote is printed again.
    quote_services.quote_update(quote=quote, actor=alice, version=quote.version, introduction="Nowa oferta")
    with django_capture_on_commit_callbacks(execute=True):
        quote_services.quote_send(quote=quote, actor=alice, pdf=printed)
    sent = bytes(OutboxMessage.objects.get().attachments.get().content)
    assert "Nowa oferta" in pdf_text(sent) and "Nowa oferta" not in pdf_text(printed)

    revision = quote_services.quote_revise(quote=Quote.objects.get(pk=quote.pk), actor=alice)
    given = quote_pdf(revision)
    with django_capture_on_commit_callbacks(execute=True):
        quote_services.quote_send(quote=revision, actor=alice, pdf=given)
    assert bytes(OutboxMessage.objects.latest("id").attachments.get().content) == given  # used as it is


@time_machine.travel(NOON, tick=False)
def test_when_printing_together_fails_each_quote_is_printed_alone(
    alice, acme, contact, beta, products, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def broken(quotes):
        raise RuntimeError("out of paper")

    monkeypatch.setattr(documents, "quote_pdfs", broken)
    with django_capture_on_commit_callbacks(execute=True):
        mass = mass_proposal_create(actor=alice, companies=[acme, beta], lines=lines(products))

    mass.refresh_from_db()
    assert (mass.sent_count, mass.failed_count) == (2, 0)
    assert "printing the step's quotes together failed" in caplog.text
    for message in OutboxMessage.objects.select_related("company"):
        text = pdf_text(bytes(message.attachments.get().content))
        assert message.company.name in text and message.subject.rsplit(" · ", 1)[1] in text


@time_machine.travel(NOON, tick=False)
def test_companies_left_out_are_recorded_with_why(
    alice, acme, contact, beta, gamma, southco, products, prices, django_capture_on_commit_callbacks
):
    unsubscribe_record(email="ivan@beta.example")
    # Delta's own discount on pallets (20 %) is above the 15 % limit: its quote would need an approval.
    delta = company_create(actor=alice, name="Delta", price_type=acme.price_type)
    contact_create(actor=alice, company=delta, first_name="Dana", email="dana@delta.example")
    CustomerPrice.objects.create(company=delta, product=products[0], discount_percent=Decimal(20))
    # Epsilon has no price type: its quote cannot be priced.
    epsilon = company_create(actor=alice, name="Epsilon")
    contact_create(actor=alice, company=epsilon, first_name="Eve", email="eve@epsilon.example")
    quotes_before = Quote.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        mass = mass_proposal_create(
            actor=alice,
            companies=[acme.pk, beta.pk, gamma.pk, southco.pk, delta.pk, epsilon.pk, 999_999],
            lines=lines(products),
        )

    mass.refresh_from_db()
    assert (mass.company_count, mass.sent_count, mass.skipped_count, mass.failed_count) == (7, 1, 6, 0)
    assert mass.hidden_companies == [southco.pk, 999_999]
    assert {
        item.company.name: (item.status, item.reason_code, item.reason, item.quote_id is not None)
        for item in mass.items.select_related("company")
    } == {
        "Acme": ("sent", "", "", True),
        "Beta": ("skipped", "unsubscribed", "The contact has unsubscribed from offers", False),
        "Gamma": ("skipped", "no_address", "No current contact with an email address", False),
        "Delta": (
            "skipped",
            "needs_approval",
            "Discounts above 15 % need a manager's approval first.",
            False,
        ),
        "Epsilon": (
            "skipped",
            "invalid",
            "The client has no price for PAL-1: give one. The client has no price for FOIL-1: give one.",
            False,
        ),
    }
    # Only Acme's quote was written (Delta's was taken back) and only Acme got mail.
    assert Quote.objects.count() == quotes_before + 1
    assert list(OutboxMessage.objects.values_list("to_email", flat=True)) == ["jan.nowak@acme.example"]


@time_machine.travel(NOON, tick=False)
def test_a_failure_on_one_company_does_not_stop_the_others(
    alice, acme, contact, beta, products, monkeypatch, django_capture_on_commit_callbacks
):
    real_send = quote_services.quote_send

    def failing_for_beta(*, quote, actor, pdf):
        if quote.company_id == beta.pk:
            raise RuntimeError("printer on fire")
        return real_send(quote=quote, actor=actor, pdf=pdf)

    monkeypatch.setattr(quote_services, "quote_send", failing_for_beta)
    with django_capture_on_commit_callbacks(execute=True):
        mass = mass_proposal_create(actor=alice, companies=[beta, acme], lines=lines(products))

    mass.refresh_from_db()
    assert (mass.status, mass.sent_count, mass.failed_count) == (MassProposalStatus.DONE, 1, 1)
    failed = mass.items.get(company=beta)
    assert (failed.status, failed.reason_code, failed.reason, failed.sent_at) == (
        "failed",
        "send_failed",
        "An unexpected error stopped this quote.",
        None,
    )
    assert failed.quote.status == QuoteStatus.DRAFT  # nothing of its sending was kept
    assert mass.items.get(company=acme).quote.status == QuoteStatus.SENT
    assert list(OutboxMessage.objects.values_list("to_email", flat=True)) == ["jan.nowak@acme.example"]


@time_machine.travel(NOON, tick=False)
def test_a_refusal_of_the_mail_service_is_the_companys_reason(
    alice, acme, contact, beta, products, django_capture_on_commit_callbacks
):
    mass = mass_proposal_create(actor=alice, companies=[acme, beta], lines=lines(products))
    # Between writing and sending, Beta's buyer unsubscribes: the mail service refuses that one.
    unsubscribe_record(email="ivan@beta.example")
    with django_capture_on_commit_callbacks(execute=True):
        mass_proposal_send_step(mass_proposal_id=mass.pk)
    failed = mass.items.get(company=beta)
    assert (failed.status, failed.reason) == ("failed", "ivan@beta.example has unsubscribed from offers.")
    assert mass.items.get(company=acme).status == "sent"


@pytest.mark.parametrize(
    ("rate", "pace"),
    [(60, (10, 10)), (30, (5, 10)), (1, (1, 60)), (7, (1, 9)), (600, (100, 10)), (1000, (166, 10))],
)
def test_the_pace_never_exceeds_the_rate(rate, pace):
    chunk, pause = mass_proposal_pace(rate)
    assert (chunk, pause) == pace
    assert chunk * 60 / pause <= rate


@override_settings(MASS_PROPOSAL_PER_MINUTE=12)
def test_sending_goes_in_steps_of_the_rate_and_requeues_itself(
    alice, wholesale, prices, products, monkeypatch
):
    companies = []
    for number in range(5):
        company = company_create(actor=alice, name=f"Client {number}", price_type=wholesale)
        contact_create(actor=alice, company=company, first_name="Buyer", email=f"buyer{number}@example.com")
        companies.append(company)
    with time_machine.travel(NOON, tick=False):
        # Not committed: the job is not queued, the steps are run by hand below.
        mass = mass_proposal_create(actor=alice, companies=companies, lines=lines(products))
    assert (mass.rate_per_minute, mass.status, mass.queued_count) == (12, MassProposalStatus.QUEUED, 5)
    assert mass_proposal_pace(12) == (2, 10)  # 2 every 10 seconds: 12 a minute

    sent_at = []
    for step, moment in enumerate([NOON, NOON + datetime.timedelta(seconds=10)]):
        with time_machine.travel(moment, tick=False):
            done = mass_proposal_send_step(mass_proposal_id=mass.pk)
        assert done == (2, 3 - 2 * step, 10)
        sent_at.append(moment)
    mass.refresh_from_db()
    assert (mass.status, mass.sent_count, mass.queued_count) == (MassProposalStatus.SENDING, 4, 1)
    assert sorted(mass.items.values_list("sent_at", flat=True).exclude(sent_at=None)) == [
        NOON,
        NOON,
        NOON + datetime.timedelta(seconds=10),
        NOON + datetime.timedelta(seconds=10),
    ]
    assert OutboxMessage.objects.count() == 4

    # The job queues its next step after the pause while some are left, and stops when none are.
    queued = []
    monkeypatch.setattr(
        mass_proposal_send_task, "apply_async", lambda args, countdown: queued.append((args, countdown))
    )
    with time_machine.travel(NOON + datetime.timedelta(seconds=20), tick=False):
        assert mass_proposal_send_task(mass.pk) == 1
    assert queued == []
    mass.refresh_from_db()
    assert (mass.status, mass.sent_count, mass.queued_count) == (MassProposalStatus.DONE, 5, 0)
    assert mass.finished_at == NOON + datetime.timedelta(seconds=20)


@override_settings(MASS_PROPOSAL_PER_MINUTE=6)
def test_the_job_requeues_itself_with_the_pause(alice, acme, contact, beta, products, monkeypatch):
    with time_machine.travel(NOON, tick=False):
        mass = mass_proposal_create(actor=alice, companies=[acme, beta], lines=lines(products))
        queued = []
        monkeypatch.setattr(
            mass_proposal_send_task, "apply_async", lambda args, countdown: queued.append((args, countdown))
        )
        assert mass_proposal_send_task(mass.pk) == 1
    assert queued == [((mass.pk,), 10)]
    assert OutboxMessage.objects.count() == 1


@time_machine.travel(NOON, tick=False)
def test_running_the_job_again_sends_nothing_twice(
    alice, acme, contact, beta, products, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        mass = mass_proposal_create(actor=alice, companies=[acme, beta], lines=lines(products))
    assert OutboxMessage.objects.count() == 2
    audit_entries = AuditEntry.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        assert send_all(mass) == 0
        assert mass_proposal_send_step(mass_proposal_id=mass.pk) == (0, 0, 10)

    assert OutboxMessage.objects.count() == 2
    assert AuditEntry.objects.count() == audit_entries
    assert sorted(mass.items.values_list("status", flat=True)) == ["sent", "sent"]


def test_refused_requests_change_nothing(alice, sam, acme, contact, products):
    before = (MassProposal.objects.count(), Quote.objects.count(), OutboxMessage.objects.count())
    with pytest.raises(NotAllowed, match=r"You may not send proposals\."):
        mass_proposal_create(actor=sam, companies=[acme], lines=lines(products))
    with pytest.raises(ValidationError) as no_lines:
        mass_proposal_create(actor=alice, companies=[acme], lines=[])
    assert no_lines.value.message_dict == {"lines": ["Add at least one line."]}
    with pytest.raises(ValidationError) as bad_line:
        mass_proposal_create(
            actor=alice,
            companies=[acme],
            lines=[LineInput(products[0], "0"), LineInput(products[1], "1", discount_percent="101")],
        )
    assert bad_line.value.message_dict == {
        "lines[0].quantity": ["The quantity is more than 0."],
        "lines[1].discount_percent": ["A discount is at most 100 %."],
    }
    with pytest.raises(ValidationError) as priced:
        mass_proposal_create(
            actor=alice, companies=[acme], lines=[LineInput(products[0], "1", unit_price="9")]
        )
    assert priced.value.message_dict == {
        "lines[0].unit_price": ["Each company gets its own price: leave the price out."]
    }
    with pytest.raises(ValidationError) as nobody:
        mass_proposal_create(actor=alice, companies=[], lines=lines(products))
    assert nobody.value.message_dict == {"companies": ["Choose at least one company."]}
    assert (MassProposal.objects.count(), Quote.objects.count(), OutboxMessage.objects.count()) == before
    assert MassProposalItem.objects.count() == 0


# --- the pages -----------------------------------------------------------------------------------------


def mass_rows(*lines, total=3):
    data = {
        "lines-TOTAL_FORMS": str(total),
        "lines-INITIAL_FORMS": str(total),
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
    }
    for index, line in enumerate(lines):
        for name, value in zip(("sku", "quantity", "discount_percent"), line, strict=False):
            data[f"lines-{index}-{name}"] = value
    return data


@time_machine.travel(NOON, tick=False)
def test_from_the_ticked_companies_to_the_batch_page(
    login, alice, acme, contact, beta, gamma, products, django_capture_on_commit_callbacks
):
    client = login(alice)
    listing = client.get("/companies/").content.decode()
    assert 'data-bulk="mass-proposal"' in listing
    ticked = client.post(
        "/quotes/mass/new/", {"selected": [f"{acme.pk}:1", f"{beta.pk}:1", f"{gamma.pk}:1"], "action": ""}
    )
    assert ticked.status_code == 302
    form_url = ticked["Location"]
    assert form_url.startswith("/quotes/mass/new/?")
    page = client.get(form_url).content.decode()
    assert "3 companies chosen." in page and 'name="lines-0-sku"' in page and "lines-0-unit_price" not in page
    selection = form_url.split("?", 1)[1]

    # An unknown SKU is an error on its row; nothing is written.
    refused = client.post(
        "/quotes/mass/new/", {"confirm": "1", "selection": selection, **mass_rows(("NOPE-1", "1"))}
    )
    assert refused.status_code == 400
    assert "No product has this SKU." in refused.content.decode()
    assert MassProposal.objects.count() == 0 and Quote.objects.count() == 0

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/quotes/mass/new/",
            {"confirm": "1", "selection": selection, "note": "Dzień dobry", **mass_rows(("pal-1", "3"))},
        )
    mass = MassProposal.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/quotes/mass/{mass.pk}/"
    assert (mass.sent_count, mass.skipped_count, mass.status) == (2, 1, MassProposalStatus.DONE)
    html = client.get(f"/quotes/mass/{mass.pk}/").content.decode()
    acme_quote = mass.items.get(company=acme).quote
    assert f'href="/quotes/{acme_quote.pk}/">{acme_quote.label}</a> · €36.90' in html
    assert f'data-item="{gamma.pk}" data-status="skipped"' in html
    assert "No current contact with an email address" in html
    assert 'hx-trigger="every 5s"' not in html  # done: no more polling
    assert sorted(OutboxMessage.objects.values_list("to_email", flat=True)) == [
        "ivan@beta.example",
        "jan.nowak@acme.example",
    ]


def test_the_batch_page_polls_while_sending_and_shows_only_to_whom_it_may(
    login, alice, bob, carol, mike, acme, contact, beta, products
):
    mass = mass_proposal_create(actor=alice, companies=[acme, beta], lines=lines(products))
    page = login(alice).get(f"/quotes/mass/{mass.pk}/")
    html = page.content.decode()
    assert 'hx-trigger="every 5s"' in html and 'data-status="queued"' in html
    partial = login(alice).get(f"/quotes/mass/{mass.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert partial.lstrip().startswith('<section id="mass-progress"') and "<html" not in partial
    # Mike leads alice's team: he sees it; bob (a colleague) and carol (another team) get 404.
    assert login(mike).get(f"/quotes/mass/{mass.pk}/").status_code == 200
    assert login(bob).get(f"/quotes/mass/{mass.pk}/").status_code == 404
    assert login(carol).get(f"/quotes/mass/{mass.pk}/").status_code == 404


def test_the_list_shows_the_mass_proposals_one_may_see_in_a_constant_number_of_queries(
    login, alice, bob, mike, acme, contact, beta, products
):
    mine = [
        mass_proposal_create(actor=alice, companies=[acme, beta], lines=lines(products)) for _ in range(2)
    ]
    client = login(alice)
    with CaptureQueriesContext(connection) as two:
        html = client.get("/quotes/mass/").content.decode()
    assert [int(pk) for pk in re.findall(r'data-mass-proposal="(\d+)"', html)] == [mine[1].pk, mine[0].pk]
    mass_proposal_create(actor=alice, companies=[acme], lines=lines(products))
    with CaptureQueriesContext(connection) as three:
        client.get("/quotes/mass/")
    assert len(three.captured_queries) == len(two.captured_queries)
    # Bob (alice's colleague) sees none of them; mike (their team lead) sees all three.
    assert "No mass proposals yet." in login(bob).get("/quotes/mass/").content.decode()
    assert login(mike).get("/quotes/mass/").content.decode().count("data-mass-proposal=") == 3


def test_the_new_page_without_a_selection_sends_back_to_the_company_list(login, alice):
    html = login(alice).get("/quotes/mass/new/").content.decode()
    assert "Choose the companies first" in html and "data-form" not in html


# --- the API -------------------------------------------------------------------------------------------


@time_machine.travel(NOON, tick=False)
def test_the_api_writes_sends_and_reads_a_mass_proposal(
    api, alice, carol, acme, contact, beta, gamma, southco, products, django_capture_on_commit_callbacks
):
    client = api(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/quotes/mass",
            {
                "companies": [acme.pk, gamma.pk, southco.pk],
                "lines": [{"product": products[0].pk, "quantity": "2", "discount_percent": "10"}],
                "valid_until": "2026-03-31",
                "note": "Hello",
            },
        )
    assert response.status_code == 201, response.json()
    body = response.json()
    mass = MassProposal.objects.get()
    acme_quote = mass.items.get(company=acme).quote
    # Written before the job ran: every company still queued or left out.
    assert {key: body[key] for key in ("id", "status", "company_count", "queued_count", "skipped_count")} == {
        "id": mass.pk,
        "status": "queued",
        "company_count": 3,
        "queued_count": 1,
        "skipped_count": 2,
    }
    assert body["lines"] == [
        {"product": products[0].pk, "sku": "PAL-1", "quantity": "2", "discount_percent": "10"}
    ]
    assert body["items"] == [
        {
            "company": gamma.pk,
            "company_name": "Gamma",
            "contact": None,
            "quote": None,
            "quote_label": None,
            "status": "skipped",
            "reason_code": "no_address",
            "reason": "No current contact with an email address",
            "sent_at": None,
        },
        {
            "company": acme.pk,
            "company_name": "Acme",
            "contact": contact.pk,
            "quote": acme_quote.pk,
            "quote_label": acme_quote.label,
            "status": "queued",
            "reason_code": "",
            "reason": "",
            "sent_at": None,
        },
        {
            "company": southco.pk,
            "company_name": None,
            "contact": None,
            "quote": None,
            "quote_label": None,
            "status": "skipped",
            "reason_code": "not_visible",
            "reason": "No company with this id, or you may not see it",
            "sent_at": None,
        },
    ]
    read = client.get(f"/quotes/mass/{mass.pk}").json()
    assert (read["status"], read["sent_count"], read["items"][1]["status"]) == ("done", 1, "sent")
    assert read["items"][1]["sent_at"] == "2026-03-02T12:00:00Z"
    assert acme_quote.valid_until == datetime.date(2026, 3, 31)
    # 2 × 10.00 − 10 % = 18.00 + 23 % VAT.
    acme_quote.refresh_from_db()
    assert (acme_quote.total, acme_quote.introduction, acme_quote.status) == (
        Decimal("22.14"),
        "Hello",
        "sent",
    )
    # Carol (another team) gets the same 404 as for a mass proposal that does not exist.
    assert api(carol).get(f"/quotes/mass/{mass.pk}").status_code == 404
    assert api(alice).get("/quotes/mass/999999").status_code == 404


def test_the_api_refuses_bad_requests_and_changes_nothing(api, alice, sam, acme, contact, products):
    body = {"companies": [acme.pk], "lines": [{"product": products[0].pk, "quantity": "1"}]}
    assert api(sam).post("/quotes/mass", body).status_code == 403
    unknown = api(alice).post("/quotes/mass", {**body, "lines": [{"product": 999_999, "quantity": "1"}]})
    assert unknown.status_code == 422
    assert unknown.json()["errors"] == [{"field": "lines[0].product", "message": "No product with this id."}]
    zero = api(alice).post("/quotes/mass", {**body, "lines": [{"product": products[0].pk, "quantity": "0"}]})
    assert zero.status_code == 422
    assert zero.json()["errors"] == [
        {"field": "lines[0].quantity", "message": "The quantity is more than 0."}
    ]
    priced = api(alice).post(
        "/quotes/mass", {**body, "lines": [{"product": products[0].pk, "quantity": "1", "unit_price": "1"}]}
    )
    assert priced.status_code == 422
    assert api(alice).post("/quotes/mass", {**body, "companies": []}).status_code == 422
    assert (MassProposal.objects.count(), Quote.objects.count(), OutboxMessage.objects.count()) == (0, 0, 0)
