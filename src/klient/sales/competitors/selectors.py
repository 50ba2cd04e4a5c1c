"""Reads of competitors: the catalogue (searched by name), and supplies through the visibility of their
companies."""

from __future__ import annotations

from django.db.models import QuerySet

from klient.core.models import User
from klient.core.search import fold
from klient.customers.models import Company
from klient.sales.competitors.models import Competitor, CompetitorSupply

# Supplies shown on a client card; a company rarely has more, and the API lists them all.
CARD_SUPPLIES = 50


def competitor_list(*, q: str = "", active: bool | None = None) -> QuerySet[Competitor]:
    """Competitors whose name contains every word of `q` (case and diacritics ignored), by name."""
    competitors = Competitor.objects.all()
    # A scan of the folded names: a catalogue of competitors is small.
    for word in fold(q).split():
        competitors = competitors.filter(search_text__contains=word)
    if active is not None:
        competitors = competitors.filter(is_active=active)
    return competitors


def _with_details(supplies: QuerySet[CompetitorSupply]) -> QuerySet[CompetitorSupply]:
    return supplies.select_related("competitor", "product", "recorded_by", "company")


def supplies_of_company(*, user: User, company: Company) -> QuerySet[CompetitorSupply]:
    """Who supplies a company the user can see with what (none when the user cannot see it)."""
    return _with_details(CompetitorSupply.objects.visible_to(user).filter(company=company))


def supplies_of_competitor(*, user: User, competitor: Competitor) -> QuerySet[CompetitorSupply]:
    """The supplies of a competitor to the companies the user can see."""
    return _with_details(CompetitorSupply.objects.visible_to(user).filter(competitor=competitor))


def supply_get(*, user: User, pk: int) -> CompetitorSupply:
    """One supply of a company the user can see; CompetitorSupply.DoesNotExist otherwise (the same answer)."""
    return _with_details(CompetitorSupply.objects.visible_to(user)).get(pk=pk)


def card_supplies(*, company: Company) -> list[CompetitorSupply]:
    """The supplies a client card shows, by competitor: one query however many there are (the card
    itself checked the company is visible)."""
    supplies = list(
        CompetitorSupply.objects.filter(company=company)
        .select_related("competitor", "product", "recorded_by")
        .order_by("id")[:CARD_SUPPLIES]
    )
    return sorted(supplies, key=lambda supply: (supply.competitor.name.casefold(), supply.pk))
