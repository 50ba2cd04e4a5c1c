"""Win/loss by competitor: deals closed in the period where the competitor was named or which were lost to
it, counted once each, with the win rate and amounts in the base currency; only deals the user sees."""

import datetime
from decimal import Decimal

import pytest
import time_machine

from klient.sales.competitors.services import competitor_create
from klient.sales.services import deal_create, deal_update

pytestmark = pytest.mark.django_db

CLOSED = datetime.datetime(2026, 3, 10, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def rivals(mike):
    return (
        competitor_create(actor=mike, name="PaletPol"),
        competitor_create(actor=mike, name="Boxer"),
    )


def _closed(alice, acme, stages, stage, amount, competitors, **extra):
    deal = deal_create(
        actor=alice,
        company=acme,
        title=f"{stage} {amount}",
        amount=Decimal(amount),
        currency="EUR",
        expected_close_date=datetime.date(2026, 3, 1),
        next_step="Call",
        competitors=[competitor.pk for competitor in competitors],
    )
    with time_machine.travel(CLOSED, tick=False):
        deal_update(deal=deal, actor=alice, version=1, stage=stages[stage], **extra)
    return deal


def test_each_competitor_is_counted_once_per_deal_with_its_win_rate(
    api, login, alice, carol, acme, stages, rivals
):
    paletpol, boxer = rivals
    _closed(alice, acme, stages, "Won", "100", [paletpol, boxer])
    _closed(alice, acme, stages, "Won", "50", [paletpol])
    _closed(alice, acme, stages, "Lost", "300", [paletpol, boxer], lost_reason="Price", lost_to=paletpol)
    _closed(alice, acme, stages, "Lost", "70", [], lost_reason="Price", lost_to=boxer)
    deal_create(
        actor=alice,
        company=acme,
        title="Open",
        amount=Decimal(1),
        currency="EUR",
        expected_close_date=datetime.date(2026, 4, 1),
        next_step="Call",
        competitors=[boxer.pk],
    )
    body = api(alice).get("/competitors/win-loss", start="2026-03-01", end="2026-03-31").json()
    assert body["items"] == [
        {
            "competitor": boxer.pk,
            "name": "Boxer",
            "competed": 3,
            "won": 1,
            "lost_to": 1,
            "lost_other": 1,
            "win_rate": "33.3",
            "won_amount": "100",
            "lost_amount": "70",
            "open": 1,
        },
        {
            "competitor": paletpol.pk,
            "name": "PaletPol",
            "competed": 3,
            "won": 2,
            "lost_to": 1,
            "lost_other": 0,
            "win_rate": "66.7",
            "won_amount": "150",
            "lost_amount": "300",
            "open": 0,
        },
    ]
    assert api(alice).get("/competitors/win-loss", start="2026-04-01", end="2026-04-30").json()["items"] == [
        {
            "competitor": boxer.pk,
            "name": "Boxer",
            "competed": 0,
            "won": 0,
            "lost_to": 0,
            "lost_other": 0,
            "win_rate": None,
            "won_amount": "0",
            "lost_amount": "0",
            "open": 1,
        }
    ]
    assert api(carol).get("/competitors/win-loss", start="2026-03-01", end="2026-03-31").json()["items"] == []
    page = login(alice).get("/deals/win-loss/?start=2026-03-01&end=2026-03-31").content.decode()
    assert f'<tr data-competitor="{paletpol.pk}">' in page
    assert "<td data-win-rate>66.7 %</td>" in page
