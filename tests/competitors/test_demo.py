"""The demo competitors: eight, on the demo companies of their markets with prices in their currencies,
each with its audit entry; loading again makes nothing."""

import pytest

from klient.core.models import AuditEntry
from klient.customers.models import Company
from klient.sales.competitors.demo import COMPETITORS, demo_competitors_load
from klient.sales.competitors.models import Competitor, CompetitorSupply

pytestmark = pytest.mark.django_db


def test_the_demo_makes_eight_competitors_on_companies_of_their_markets_once(mike):
    countries = ["PL", "BA", "HR", "RS", "AM", "CN", "RU", "GB"]
    for number, country in enumerate(countries * 2):
        Company.objects.create(
            name=f"Demo {number}", country=country, external_id=f"DEMO-{number:05d}", owner=mike
        )
    assert demo_competitors_load(mike) == 8
    assert Competitor.objects.count() == 8
    supplies = list(CompetitorSupply.objects.select_related("company", "competitor"))
    markets = {name: (countries, currency) for name, _c, _w, _s, _k, countries, currency in COMPETITORS}
    # Every company of a market has one or two of its competitors; the British ones have none.
    assert {supply.company.external_id for supply in supplies} == {
        f"DEMO-{number:05d}" for number in range(16) if countries[number % 8] != "GB"
    }
    for supply in supplies:
        market, currency = markets[supply.competitor.name]
        assert str(supply.company.country) in market
        assert supply.currency in ("", currency)
        assert (supply.price is None) == (supply.currency == "")
        assert supply.recorded_by == mike
    assert AuditEntry.objects.filter(content_type__model="competitor").count() == 8
    assert AuditEntry.objects.filter(content_type__model="competitorsupply").count() == len(supplies)
    before = (Competitor.objects.count(), CompetitorSupply.objects.count(), AuditEntry.objects.count())
    assert demo_competitors_load(mike) == 0
    assert (
        Competitor.objects.count(),
        CompetitorSupply.objects.count(),
        AuditEntry.objects.count(),
    ) == before
