"""The Kanban board (counts, totals and weighted totals per stage in the base currency, the cards closing
soonest first, closed deals of the last 30 days) and the weighted forecast by month, owner and team."""

import datetime
from decimal import Decimal

import pytest
import time_machine

from klient.customers.services import company_create
from klient.sales.services import deal_create, deal_update

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 10, 9, 0, tzinfo=datetime.UTC)


def _deal(actor, company, title, amount, close, stage=None, currency="EUR", **extra):
    return deal_create(
        actor=actor,
        company=company,
        title=title,
        amount=Decimal(amount),
        currency=currency,
        expected_close_date=close,
        next_step="Call",
        stage=stage,
        **extra,
    )


@pytest.fixture
def deals(alice, bob, acme, stages, pln_rate):
    beta = company_create(actor=bob, name="Beta", country="PL")
    with time_machine.travel(NOW - datetime.timedelta(days=45), tick=False):
        old = _deal(alice, acme, "Old loss", "999", datetime.date(2026, 2, 1))
        deal_update(deal=old, actor=alice, version=1, stage=stages["Lost"], lost_reason="Price")
    with time_machine.travel(NOW, tick=False):
        made = {
            "late": _deal(alice, acme, "Late", "100", datetime.date(2026, 4, 20)),
            "soon": _deal(alice, acme, "Soon", "200", datetime.date(2026, 3, 20)),
            "bobs": _deal(bob, beta, "Bob's", "300", datetime.date(2026, 3, 25)),
            "zloty": _deal(
                alice, acme, "Złoty", "1000", datetime.date(2026, 4, 2), stages["Proposal"], "PLN"
            ),
            "won": _deal(alice, acme, "Won one", "400", datetime.date(2026, 3, 5)),
        }
        deal_update(deal=made["won"], actor=alice, version=1, stage=stages["Won"])
    return made


def _columns(body):
    return {stage["name"]: stage for stage in body["stages"]}


def test_the_board_adds_up_each_stage_in_the_base_currency(api, mike, deals):
    with time_machine.travel(NOW, tick=False):
        body = api(mike).get("/deals/board").json()
    columns = _columns(body)
    assert body["currency"] == "EUR"
    assert [stage["name"] for stage in body["stages"]] == [
        "Qualification",
        "Needs analysis",
        "Proposal",
        "Negotiation",
        "Won",
        "Lost",
    ]
    assert {name: (c["count"], c["total"], c["weighted"]) for name, c in columns.items()} == {
        "Qualification": (3, "600", "60"),
        "Needs analysis": (0, "0", "0"),
        "Proposal": (1, "250", "125"),
        "Negotiation": (0, "0", "0"),
        "Won": (1, "400", "400"),
        "Lost": (0, "0", "0"),  # lost 45 days ago: off the board
    }
    assert [card["title"] for card in columns["Qualification"]["deals"]] == ["Soon", "Bob's", "Late"]
    assert columns["Proposal"]["deals"][0]["amount"] == "1000"
    assert columns["Proposal"]["deals"][0]["currency"] == "PLN"


def test_a_rep_sees_the_board_of_their_own_companies(api, alice, carol, deals):
    with time_machine.travel(NOW, tick=False):
        alices = _columns(api(alice).get("/deals/board").json())
        carols = _columns(api(carol).get("/deals/board").json())
        mine = _columns(api(alice).get("/deals/board", owner="me").json())
    # alice and bob are both in North, but an account manager sees only what she owns.
    assert (alices["Qualification"]["count"], alices["Qualification"]["total"]) == (2, "300")
    assert sum(column["count"] for column in carols.values()) == 0
    assert mine["Qualification"]["count"] == 2


@pytest.mark.parametrize("walk_rows", [0, 1_000_000], ids=["visible-set", "index-walk"])
def test_the_cards_are_the_same_read_from_the_visible_set_or_by_walking_the_index(
    api, monkeypatch, alice, deals, walk_rows
):
    # The board walks a stage's index when the user sees enough of its deals, else reads the visible
    # ones: both give the same cards in the same order, and count only what the user sees.
    monkeypatch.setattr("klient.sales.selectors.WALK_ROWS", walk_rows)
    with time_machine.travel(NOW, tick=False):
        columns = _columns(api(alice).get("/deals/board").json())
    assert [card["title"] for card in columns["Qualification"]["deals"]] == ["Soon", "Late"]
    assert [card["title"] for card in columns["Proposal"]["deals"]] == ["Złoty"]
    assert [card["title"] for card in columns["Won"]["deals"]] == ["Won one"]
    assert columns["Lost"]["deals"] == []  # lost 45 days ago: off the board
    assert sum(column["count"] for column in columns.values()) == 4


def test_the_forecast_weighs_open_deals_by_close_month_and_adds_won_ones(api, mike, deals):
    with time_machine.travel(NOW, tick=False):
        everyone = api(mike).get("/deals/forecast", start="2026-03", months=3).json()
        by_owner = api(mike).get("/deals/forecast", start="2026-03", months=2, group_by="owner").json()
    assert everyone == {
        "currency": "EUR",
        "months": ["2026-03", "2026-04", "2026-05"],
        "rows": [
            {
                "key": None,
                "label": "",
                # March: Soon 200 + Bob's 300 at 10 %; April: Late 100 at 10 % + 250 at 50 %.
                "weighted": {"2026-03": "50", "2026-04": "135", "2026-05": "0"},
                "won": {"2026-03": "400", "2026-04": "0", "2026-05": "0"},
                "weighted_total": "185",
                "won_total": "400",
            }
        ],
    }
    assert [(row["label"], row["weighted"], row["won"]) for row in by_owner["rows"]] == [
        ("Alice Archer", {"2026-03": "20", "2026-04": "135"}, {"2026-03": "400", "2026-04": "0"}),
        ("Bob Baker", {"2026-03": "30", "2026-04": "0"}, {"2026-03": "0", "2026-04": "0"}),
    ]


def test_a_bad_month_is_refused_naming_it(api, mike):
    response = api(mike).get("/deals/forecast", start="March")
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "start", "message": "Give a month as YYYY-MM, e.g. 2026-03."}
    ]
