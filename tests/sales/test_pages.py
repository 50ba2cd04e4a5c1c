"""Deal screens: the board (figures per column, moving a card as the board's script does), the list, the
deal form (new, from a company, stale), a deal's page and the forecast; constant queries per page."""

import datetime
import re
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from klient.customers.services import company_create
from klient.sales.models import Deal
from klient.sales.services import deal_create

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 10, 9, 0, tzinfo=datetime.UTC)
FETCH = {"HTTP_X_REQUESTED_WITH": "fetch"}


def _deal(alice, acme, title="Pallets", amount="100", **extra):
    return deal_create(
        actor=alice,
        company=acme,
        title=title,
        amount=Decimal(amount),
        currency="EUR",
        expected_close_date=datetime.date(2026, 4, 1),
        next_step="Call back",
        **extra,
    )


def _column(page: str, stage_id: int) -> str:
    match = re.search(rf'<section class="board-column" data-stage="{stage_id}".*?</section>', page, re.S)
    assert match, stage_id
    return match.group(0)


def test_the_board_shows_each_column_with_its_figures_and_cards(login, alice, acme, stages):
    _deal(alice, acme, "First", "100")
    _deal(alice, acme, "Second", "250.50")
    page = login(alice).get("/deals/").content.decode()
    qualification = _column(page, stages["Qualification"].pk)
    assert "<span data-count>2</span>" in qualification
    assert "<span data-total>€350.50</span>" in qualification
    assert "<span data-weighted>€35.05</span>" in qualification
    assert qualification.count('class="board-card"') == 2
    assert "<span data-count>0</span>" in _column(page, stages["Proposal"].pk)


def test_a_card_shows_the_deals_link_company_amount_close_date_and_next_step(login, alice, acme, stages):
    deal = _deal(alice, acme, "Pallets for spring", "1234.5")
    undated = _deal(alice, acme, "Racks", "10")
    # As an import may leave it: no close date.
    Deal.objects.filter(pk=undated.pk).update(expected_close_date=None, next_step="Send samples")
    alice.language = "pl"
    alice.save(update_fields=["language"])
    page = login(alice).get("/deals/").content.decode()
    cards = re.findall(r'<li class="board-card".*?</li>', _column(page, stages["Qualification"].pk), re.S)
    assert sorted(" ".join(card.split()) for card in cards) == [
        f'<li class="board-card" data-deal="{deal.pk}" data-version="1" draggable="true"> '
        f'<a href="/deals/{deal.pk}/">Pallets for spring</a> <small>Acme</small> '
        '<span data-amount>1 234,50 €</span> <small class="muted">01-04-2026 · Call back</small> </li>',
        f'<li class="board-card" data-deal="{undated.pk}" data-version="1" draggable="true"> '
        f'<a href="/deals/{undated.pk}/">Racks</a> <small>Acme</small> '
        '<span data-amount>10,00 €</span> <small class="muted">Send samples</small> </li>',
    ]


def test_the_board_reads_the_same_number_of_queries_whatever_the_deals(login, alice, acme, stages):
    _deal(alice, acme)
    client = login(alice)
    client.get("/deals/")
    with CaptureQueriesContext(connection) as few:
        client.get("/deals/")
    for index in range(12):
        _deal(alice, acme, f"Deal {index}", stage=stages["Proposal" if index % 2 else "Negotiation"])
    with CaptureQueriesContext(connection) as many:
        client.get("/deals/")
    assert len(many) == len(few) + 2  # two more columns with cards, one query each


def test_dropping_a_card_moves_the_deal_and_the_board_reads_it_back(login, alice, acme, stages):
    deal = _deal(alice, acme)
    client = login(alice)
    moved = client.post(f"/deals/{deal.pk}/move/", {"stage": stages["Proposal"].pk, "version": 1}, **FETCH)
    assert (moved.status_code, moved.json()) == (200, {"ok": True, "message": ""})
    assert (Deal.objects.get().stage, Deal.objects.get().version) == (stages["Proposal"], 2)
    fragment = client.get("/deals/", HTTP_HX_REQUEST="true").content.decode()
    assert fragment.startswith('<div id="board"')
    assert f'data-deal="{deal.pk}" data-version="2"' in _column(fragment, stages["Proposal"].pk)


def test_a_drop_on_lost_without_a_reason_or_with_a_stale_version_changes_nothing(login, alice, acme, stages):
    deal = _deal(alice, acme)
    client = login(alice)
    no_reason = client.post(f"/deals/{deal.pk}/move/", {"stage": stages["Lost"].pk, "version": 1}, **FETCH)
    assert (no_reason.status_code, no_reason.json()) == (
        409,
        {"ok": False, "message": "Say why the deal was lost."},
    )
    stale = client.post(f"/deals/{deal.pk}/move/", {"stage": stages["Won"].pk, "version": 7}, **FETCH)
    assert stale.status_code == 409
    assert stale.json()["message"] == "Someone changed this deal meanwhile: the board now shows it as it is."
    assert (Deal.objects.get().stage, Deal.objects.get().version) == (stages["Qualification"], 1)
    lost = client.post(
        f"/deals/{deal.pk}/move/",
        {"stage": stages["Lost"].pk, "version": 1, "lost_reason": "Budget cut"},
        **FETCH,
    )
    assert lost.json()["ok"] is True
    assert (Deal.objects.get().status, Deal.objects.get().lost_reason) == ("lost", "Budget cut")


def test_someone_who_cannot_see_the_deal_cannot_move_it(login, carol, alice, acme, stages):
    deal = _deal(alice, acme)
    response = login(carol).post(
        f"/deals/{deal.pk}/move/", {"stage": stages["Won"].pk, "version": 1}, **FETCH
    )
    assert response.status_code == 404
    assert Deal.objects.get().stage == stages["Qualification"]


def test_a_deal_is_opened_from_a_company_with_the_form(login, alice, acme, stages):
    client = login(alice)
    form = client.get(f"/deals/new/?company={acme.pk}").content.decode()
    assert f'<option value="{acme.pk}" selected>Acme</option>' in form
    response = client.post(
        f"/deals/new/?company={acme.pk}",
        {
            "title": "Racks",
            "company": acme.pk,
            "stage": stages["Needs analysis"].pk,
            "amount": "900",
            "currency": "EUR",
            "expected_close_date": "2026-05-31",
            "next_step": "Visit the warehouse",
            "owner": alice.pk,
        },
    )
    deal = Deal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/deals/{deal.pk}/"
    assert (deal.title, deal.stage, deal.amount, deal.probability) == (
        "Racks",
        stages["Needs analysis"],
        Decimal("900.00"),
        25,
    )


def test_the_form_names_what_is_missing_and_refuses_a_stale_version(login, alice, acme, stages):
    client = login(alice)
    missing = client.post(
        "/deals/new/",
        {
            "title": "Racks",
            "company": acme.pk,
            "stage": stages["Proposal"].pk,
            "amount": "1",
            "currency": "EUR",
            "owner": alice.pk,
        },
    )
    assert missing.status_code == 400
    page = missing.content.decode()
    assert "An open deal needs a next step." in page
    assert "An open deal needs an expected close date." in page
    deal = _deal(alice, acme)
    stale = client.post(
        f"/deals/{deal.pk}/edit/",
        {
            "title": "Renamed",
            "stage": stages["Qualification"].pk,
            "amount": "100",
            "currency": "EUR",
            "expected_close_date": "2026-04-01",
            "next_step": "Call back",
            "owner": alice.pk,
            "version": 9,
        },
    )
    assert stale.status_code == 400
    assert "Someone changed this deal meanwhile." in stale.content.decode()
    assert Deal.objects.get(pk=deal.pk).title == "Pallets"


def test_the_list_filters_by_status_and_words(login, alice, acme, stages):
    _deal(alice, acme, "Pallets for Acme")
    beta = company_create(actor=alice, name="Beta Foods", country="PL")
    won = _deal(alice, beta, "Crates")
    won.stage = stages["Won"]
    won.status = "won"
    won.save()
    client = login(alice)
    everything = client.get("/deals/list/").content.decode()
    assert everything.count("<tr data-deal=") == 2
    assert client.get("/deals/list/?status=won").content.decode().count("<tr data-deal=") == 1
    assert 'data-deal="' + str(won.pk) + '"' in client.get("/deals/list/?q=beta").content.decode()
    assert client.get("/deals/list/?q=zzz").content.decode().count("<tr data-deal=") == 0


def test_the_forecast_page_shows_the_weighted_month(login, mike, alice, acme, stages):
    with time_machine.travel(NOW, tick=False):
        _deal(alice, acme, "April", "1000", stage=stages["Proposal"])
        page = login(mike).get("/deals/forecast/").content.decode()
    assert "<th>Apr 2026</th>" in page
    assert "<span data-weighted>€500.00</span>" in page


def test_a_deal_page_shows_its_facts_and_history(login, alice, acme):
    deal = _deal(alice, acme, source="fair")
    page = login(alice).get(f"/deals/{deal.pk}/").content.decode()
    assert '<dd data-field="amount">€100.00</dd>' in page
    assert '<span data-field="stage">Qualification</span>' in page
    assert '<tr data-field="title"><td>Title</td><td>—</td><td>Pallets</td></tr>' in page


def test_the_client_card_lists_the_company_deals_for_the_sales_side_only(login, alice, sam, acme, stages):
    open_deal = _deal(alice, acme, "Racks", "300")
    card = login(alice).get(f"/companies/{acme.pk}/").content.decode()
    assert f'<li data-deal="{open_deal.pk}"><a href="/deals/{open_deal.pk}/">Racks</a> · €300.00' in card
    assert f'href="/deals/new/?company={acme.pk}"' in card
    assert 'id="deals"' not in login(sam).get(f"/companies/{acme.pk}/").content.decode()
