"""Reads of quotes: lists, one quote with its lines, and what the warehouses have of each line's product
(with the analogues of a product out of stock)."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from klient.core.models import User
from klient.core.search import fold
from klient.sales.quotes.models import MassProposal, MassProposalItem, Quote, QuoteLine


def quote_list(
    *,
    user: User,
    company_id: int | None = None,
    deal_id: int | None = None,
    status: str = "",
    owner_id: int | None = None,
    q: str = "",
) -> QuerySet[Quote]:
    """The quotes the user sees, filtered; `q` matches the number or the company's name."""
    quotes = Quote.objects.visible_to(user).select_related("company", "contact", "owner")
    if company_id is not None:
        quotes = quotes.filter(company_id=company_id)
    if deal_id is not None:
        quotes = quotes.filter(deal_id=deal_id)
    if status:
        quotes = quotes.filter(status=status)
    if owner_id is not None:
        quotes = quotes.filter(owner_id=owner_id)
    for word in fold(q).split():
        quotes = quotes.filter(number__icontains=word) | quotes.filter(company__search_text__contains=word)
    return quotes


def quote_get(*, user: User, pk: int) -> Quote:
    """One visible quote with its lines (in order) and their products; Quote.DoesNotExist otherwise."""
    return (
        Quote.objects.visible_to(user)
        .select_related("company", "contact", "deal", "owner", "approved_by", "price_list", "previous")
        .prefetch_related(Prefetch("lines", queryset=QuoteLine.objects.order_by("position")))
        .get(pk=pk)
    )


def mass_proposal_get(*, user: User, pk: int) -> MassProposal:
    """One mass proposal the user may see (theirs; a manager's team's; all for admins), with its items'
    companies, contacts and quotes; MassProposal.DoesNotExist otherwise."""
    items = MassProposalItem.objects.select_related("company", "contact", "quote").order_by("id")
    return (
        MassProposal.objects.visible_to(user)
        .select_related("created_by")
        .prefetch_related(Prefetch("items", queryset=items))
        .get(pk=pk)
    )


def mass_proposal_list(*, user: User) -> QuerySet[MassProposal]:
    """The mass proposals the user may see, newest first."""
    return MassProposal.objects.visible_to(user).select_related("created_by")
