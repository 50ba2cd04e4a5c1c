"""The demo deals: about thirty per sales user on the companies they own, across every stage of the default
pipeline, in the companies' currencies: open ones closing over the next six months (with their next step),
won and lost ones closed in the last two months (the lost ones with a reason, some to a competitor).

Deterministic (a fixed random seed) and idempotent: nothing is made again once demo deals exist.
"""

from __future__ import annotations

import datetime
import random
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from klient.catalog.models import ExchangeRate
from klient.core.audit import diff, snapshot
from klient.core.models import AuditAction, AuditEntry, User
from klient.customers.models import Company, CompanySource, CompanyStatus
from klient.sales.competitors.models import Competitor
from klient.sales.models import Deal, DealMember, Pipeline, StageKind

PER_OWNER = 30
TITLES = (
    "EPAL pallets, yearly supply",
    "Stretch film for the new line",
    "Cardboard boxes, seasonal order",
    "Warehouse racks",
    "Packing tape and labels",
    "Returnable crates pilot",
    "Export packaging",
    "Pallet wrapping machine",
)
NEXT_STEPS = (
    "Send the proposal",
    "Call to agree the volume",
    "Visit the warehouse",
    "Demo of the wrapping machine",
    "Confirm delivery terms",
    "Negotiate the discount",
)
LOST_REASONS = ("Price too high", "Chose a competitor", "Project postponed", "No budget this year")
# Of every 20 deals: how many in each stage, by name.
STAGE_WEIGHTS = {
    "Qualification": 5,
    "Needs analysis": 4,
    "Proposal": 4,
    "Negotiation": 3,
    "Won": 3,
    "Lost": 1,
}


def _rates() -> dict[str, Decimal]:
    """The latest stored rate of each currency (the base currency is 1)."""
    rates = {settings.BASE_CURRENCY: Decimal(1)}
    for currency, rate in ExchangeRate.objects.order_by("currency", "on").values_list("currency", "rate"):
        rates[currency] = rate
    return rates


@transaction.atomic
def demo_deals_load(owners: list[User]) -> int:
    """The demo deals, unless they exist; returns how many were made."""
    if Deal.objects.filter(title__in=TITLES).exists():
        return 0
    pipeline = Pipeline.objects.filter(is_default=True).first()
    if pipeline is None:
        return 0
    stages = {stage.name: stage for stage in pipeline.stages.all()}
    if set(STAGE_WEIGHTS) - set(stages):
        return 0  # the default pipeline was changed: leave it alone
    rng = random.Random(2029)  # noqa: S311 - demo data, not secrets
    rates = _rates()
    competitors = list(Competitor.objects.filter(is_active=True).order_by("pk"))
    now = timezone.now()
    today = timezone.localdate()
    names = list(STAGE_WEIGHTS)
    weights = list(STAGE_WEIGHTS.values())
    deals: list[Deal] = []
    for owner in owners:
        companies = list(
            Company.objects.filter(owner=owner, status__in=[CompanyStatus.CUSTOMER, CompanyStatus.PROSPECT])
            .order_by("pk")
            .only("pk", "document_currency", "team_id")[:PER_OWNER]
        )
        for company in companies:
            stage = stages[rng.choices(names, weights)[0]]
            currency = (
                company.document_currency if company.document_currency in rates else settings.BASE_CURRENCY
            )
            amount = Decimal(rng.randint(20, 600) * 100)
            if currency in {"RUB", "AMD"}:
                amount *= 100
            created = now - datetime.timedelta(days=rng.randint(5, 90))
            closed = (
                now - datetime.timedelta(days=rng.randint(0, 60)) if stage.kind != StageKind.OPEN else None
            )
            deals.append(
                Deal(
                    title=rng.choice(TITLES),
                    company=company,
                    pipeline=pipeline,
                    stage=stage,
                    status=stage.kind,
                    probability=stage.probability,
                    amount=amount,
                    currency=currency,
                    amount_base=(amount * rates[currency]).quantize(Decimal("0.01"), ROUND_HALF_UP),
                    expected_close_date=(
                        today + datetime.timedelta(days=rng.randint(3, 180))
                        if closed is None
                        else closed.date()
                    ),
                    next_step=rng.choice(NEXT_STEPS) if stage.kind == StageKind.OPEN else "",
                    source=rng.choice(CompanySource.values),
                    lost_reason=rng.choice(LOST_REASONS) if stage.kind == StageKind.LOST else "",
                    lost_to=rng.choice(competitors) if stage.kind == StageKind.LOST and competitors else None,
                    owner=owner,
                    team_id=owner.team_id,
                    stage_changed_at=closed or created,
                    closed_at=closed,
                    created_at=created,
                    updated_at=closed or created,
                )
            )
    Deal.objects.bulk_create(deals)
    saved = list(
        Deal.objects.filter(title__in=TITLES).select_related("stage__pipeline", "owner", "team", "lost_to")
    )
    links = []
    for deal in saved:
        if competitors and rng.random() < 0.4:
            links.append(Deal.competitors.through(deal_id=deal.pk, competitor_id=rng.choice(competitors).pk))
    Deal.competitors.through.objects.bulk_create(links, ignore_conflicts=True)
    # Team selling: a colleague of the same team on one deal in ten.
    colleagues = {
        owner.pk: [other for other in owners if other.team_id == owner.team_id and other.pk != owner.pk]
        for owner in owners
    }
    DealMember.objects.bulk_create(
        DealMember(deal=deal, user=rng.choice(colleagues[deal.owner_id]), role="Technical support")
        for deal in saved
        if colleagues.get(deal.owner_id) and rng.random() < 0.1
    )
    content_type = ContentType.objects.get_for_model(Deal)
    AuditEntry.objects.bulk_create(
        AuditEntry(
            content_type=content_type,
            object_id=deal.pk,
            object_repr=str(deal)[:200],
            company_id=deal.company_id,
            action=AuditAction.CREATE,
            actor=deal.owner,
            at=deal.created_at,
            changes=diff({}, snapshot(deal, Deal.AUDITED_FIELDS)),
        )
        for deal in saved
    )
    return len(saved)
