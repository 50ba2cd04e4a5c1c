"""Reads of deals: lists, the Kanban board of a pipeline (counts and totals per stage, the deals closing
soonest), and the weighted forecast by month, owner or team. Totals are in the base currency."""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Sum,
)
from django.utils import timezone

from klient.core.models import User
from klient.core.search import fold
from klient.core.visibility import company_visibility_q, visible_company_ids
from klient.customers.models import Company
from klient.sales.models import Deal, Pipeline, Stage, StageKind

# Deals a board column shows; the column's count and totals cover all of them.
BOARD_CARDS = 25
ZERO = Decimal(0)


def deal_list(
    *,
    user: User,
    pipeline_id: int | None = None,
    stage_id: int | None = None,
    status: str | None = None,
    owner_id: int | None = None,
    company_id: int | None = None,
    q: str = "",
) -> QuerySet[Deal]:
    """The deals the user sees, filtered; `q` matches the title or the company's name. Newest first, a
    page is read by walking the deals' creation order and testing each one's company when the user sees
    a good share of all companies, else from the set of the companies the user sees."""
    if company_id is None and sees_a_large_share(user):
        deals = Deal.objects.visible_through_company(user)
    else:
        deals = Deal.objects.visible_to(user)
    deals = deals.select_related("company", "stage", "owner", "pipeline")
    if pipeline_id is not None:
        deals = deals.filter(pipeline_id=pipeline_id)
    if stage_id is not None:
        deals = deals.filter(stage_id=stage_id)
    if status:
        deals = deals.filter(status=status)
    if owner_id is not None:
        deals = deals.filter(owner_id=owner_id)
    if company_id is not None:
        deals = deals.filter(company_id=company_id)
    for word in fold(q).split():
        deals = deals.filter(Q(title__icontains=word) | Q(company__search_text__contains=word))
    return deals


# A user who sees at least this share of the companies has a list's page found by walking its order: about
# the page's length divided by the share rows are read.
LARGE_SHARE = 0.05
SHARE_SECONDS = 300


def sees_a_large_share(user: User) -> bool:
    """Whether the user sees at least LARGE_SHARE of the companies (counted at most every five minutes
    per user: it only chooses how a list is read, never what it holds)."""
    companies = visible_company_ids(user)
    if companies is None:
        return True
    key = f"visible-share:{user.pk}"
    share: float | None = cache.get(key)
    if share is None:
        total = Company.objects.count()
        share = Company.objects.filter(pk__in=companies).count() / total if total else 1.0
        cache.set(key, share, SHARE_SECONDS)
    return share >= LARGE_SHARE


def deal_get(*, user: User, pk: int) -> Deal:
    """One visible deal with what its page shows; Deal.DoesNotExist when absent or not visible."""
    return (
        Deal.objects.visible_to(user)
        .select_related("company", "contact", "stage", "pipeline", "owner", "team", "lost_to")
        .prefetch_related("competitors", "members__user")
        .get(pk=pk)
    )


def pipelines() -> list[Pipeline]:
    """Active pipelines with their stages in order (two queries)."""
    return list(Pipeline.objects.filter(is_active=True).prefetch_related("stages"))


@dataclass
class BoardColumn:
    """A stage on the board: how many deals it holds, their total and weighted total (base currency),
    and the first BOARD_CARDS of them, soonest to close first."""

    stage: Stage
    count: int = 0
    total: Decimal = ZERO
    weighted: Decimal = ZERO
    deals: list[Deal] = field(default_factory=list)


def deal_board(
    *, user: User, pipeline: Pipeline, owner_id: int | None = None, cards: int = BOARD_CARDS
) -> list[BoardColumn]:
    """The pipeline's stages with their deals: open stages hold open deals, the won and lost stages those
    closed in the last 30 days. Two queries for the figures and one per stage for the cards."""
    stages = list(pipeline.stages.all())
    columns = {stage.pk: BoardColumn(stage) for stage in stages}
    since = timezone.now() - datetime.timedelta(days=30)
    deals = Deal.objects.filter(pipeline=pipeline)
    if owner_id is not None:
        deals = deals.filter(owner_id=owner_id)
    # Open deals: their covering index is read once and each deal's company looked up in the set of
    # visible companies. Recently closed deals are few: each one's company is read instead of the set.
    open_deals = deals.filter(status=StageKind.OPEN)
    closed_deals = deals.filter(status__in=[StageKind.WON, StageKind.LOST], closed_at__gte=since)
    for shown in (
        open_deals.visible_to(user, in_index_order=True),
        closed_deals.visible_through_company(user),
    ):
        for stage_id, figures in _stage_figures(shown).items():
            column = columns.get(stage_id)
            if column is not None:
                column.count = figures["count"]
                column.total = figures["total"]
                column.weighted = figures["weighted"]
    in_stage = (
        _stage_sizes(pipeline, owner_id, open_deals, closed_deals) if company_visibility_q(user) else {}
    )
    # The visibility condition is built once (building it costs more than a card query).
    walked = functools.cache(lambda: deals.visible_through_company(user))
    read = functools.cache(lambda: deals.visible_to(user))
    for stage in stages:
        column = columns[stage.pk]
        if not column.count:
            continue
        # Walk the stage's index in order, testing each deal's company, when the first cards are found
        # after a few rows; otherwise (the user sees few of the stage's deals) read the visible ones.
        walk = cards * in_stage.get(stage.pk, column.count) <= WALK_ROWS * column.count
        stage_deals = (walked() if walk else read()).filter(stage=stage)
        if stage.kind == StageKind.OPEN:
            chosen = stage_deals.filter(status=StageKind.OPEN).order_by("expected_close_date", "id")
        else:
            chosen = stage_deals.filter(status=stage.kind, closed_at__gte=since).order_by("-closed_at", "-id")
        column.deals = list(chosen.select_related("company", "owner").only(*CARD_FIELDS)[:cards])
    return [columns[stage.pk] for stage in stages]


# At most about this many index rows are walked to find a stage's cards among the deals the user sees.
WALK_ROWS = 3000
# How long the stages' sizes are kept: they only choose how the cards are read, so a stale one costs time
# at worst, never a wrong card.
STAGE_SIZES_SECONDS = 300


def _stage_sizes(
    pipeline: Pipeline, owner_id: int | None, open_deals: QuerySet[Deal], closed_deals: QuerySet[Deal]
) -> dict[int, int]:
    """How many deals each stage holds, seen or not (how far a walk for the cards may go); counted at
    most every few minutes per pipeline (and owner), as counting them costs as much as a card query."""
    key = f"deal-board-stage-sizes:{pipeline.pk}:{owner_id or ''}"
    sizes: dict[int, int] | None = cache.get(key)
    if sizes is None:
        sizes = {}
        for shown in (open_deals, closed_deals):
            sizes.update(
                shown.order_by().values("stage_id").annotate(all=Count("id")).values_list("stage_id", "all")
            )
        cache.set(key, sizes, STAGE_SIZES_SECONDS)
    return sizes


def _stage_figures(deals: QuerySet[Deal]) -> dict[int, dict[str, Any]]:
    """Per stage: the count, total and weighted total of the deals."""
    weighted = ExpressionWrapper(
        F("amount_base") * F("probability") / 100, output_field=DecimalField(max_digits=24, decimal_places=4)
    )
    rows = (
        deals.order_by()
        .values("stage_id")
        .annotate(count=Count("id"), total=Sum("amount_base"), weighted=Sum(weighted))
    )
    return {
        row["stage_id"]: {
            "count": row["count"],
            "total": Decimal(row["total"] or 0).quantize(Decimal("0.01")),
            "weighted": Decimal(row["weighted"] or 0).quantize(Decimal("0.01")),
        }
        for row in rows
    }


# What a board card shows.
CARD_FIELDS = (
    "id",
    "version",
    "title",
    "company_id",
    "company__name",
    "amount",
    "currency",
    "expected_close_date",
    "next_step",
    "owner_id",
    "owner__username",
    "closed_at",
    "stage_id",
    "status",
)


@dataclass
class ForecastRow:
    """One group (an owner, a team, or everyone) with its weighted open amount and won amount per month."""

    key: Any
    label: str
    weighted: dict[datetime.date, Decimal]
    won: dict[datetime.date, Decimal]

    @property
    def weighted_total(self) -> Decimal:
        return sum(self.weighted.values(), ZERO)

    @property
    def won_total(self) -> Decimal:
        return sum(self.won.values(), ZERO)


def month_starts(start: datetime.date, months: int) -> list[datetime.date]:
    first = start.replace(day=1)
    result = []
    for offset in range(months):
        year, month = divmod(first.month - 1 + offset, 12)
        result.append(datetime.date(first.year + year, month + 1, 1))
    return result


def deal_forecast(
    *, user: User, start: datetime.date, months: int, group_by: str = "", pipeline_id: int | None = None
) -> tuple[list[datetime.date], list[ForecastRow]]:
    """Weighted forecast of the deals the user sees, per month from `start`: open deals count at
    amount × probability in the month they are expected to close; won deals at their amount in the month
    they closed. `group_by`: "owner", "team" or "" (one row). Amounts in the base currency."""
    columns = month_starts(start, months)
    end = month_starts(columns[-1], 2)[1]
    deals = Deal.objects.visible_to(user, in_index_order=True)
    if pipeline_id is not None:
        deals = deals.filter(pipeline_id=pipeline_id)
    group = {"owner": "owner_id", "team": "team_id"}.get(group_by)
    keys = [group] if group else []
    weighted = ExpressionWrapper(
        F("amount_base") * F("probability") / 100, output_field=DecimalField(max_digits=24, decimal_places=4)
    )
    open_rows = (
        deals.filter(status=StageKind.OPEN, expected_close_date__gte=columns[0], expected_close_date__lt=end)
        .order_by()
        .values(*keys, "expected_close_date")
        .annotate(amount=Sum(weighted))
    )
    # Won deals in the months are few: each one's company is read rather than the set of visible ones,
    # and they are put in their month here (in the current time zone, as the months are).
    zone = timezone.get_current_timezone()
    won = Deal.objects.visible_through_company(user).filter(
        status=StageKind.WON,
        closed_at__gte=datetime.datetime.combine(columns[0], datetime.time(), zone),
        closed_at__lt=datetime.datetime.combine(end, datetime.time(), zone),
    )
    if pipeline_id is not None:
        won = won.filter(pipeline_id=pipeline_id)
    won_rows = won.order_by().values_list(group or "status", "closed_at", "amount_base")
    rows: dict[Any, ForecastRow] = {}

    def row_for(key: Any) -> ForecastRow:
        if key not in rows:
            rows[key] = ForecastRow(key, "", dict.fromkeys(columns, ZERO), dict.fromkeys(columns, ZERO))
        return rows[key]

    for record in open_rows:
        month = record["expected_close_date"].replace(day=1)
        target = row_for(record[group] if group else None)
        target.weighted[month] += Decimal(record["amount"] or 0)
    for key, closed_at, amount in won_rows:
        month = timezone.localtime(closed_at, zone).date().replace(day=1)
        target = row_for(key if group else None)
        target.won[month] += Decimal(amount)
    _label_rows(rows, group_by)
    for row in rows.values():
        row.weighted = {month: value.quantize(Decimal("0.01")) for month, value in row.weighted.items()}
        row.won = {month: value.quantize(Decimal("0.01")) for month, value in row.won.items()}
    return columns, sorted(rows.values(), key=lambda row: (row.key is None, row.label.casefold()))


def _label_rows(rows: dict[Any, ForecastRow], group_by: str) -> None:
    from klient.core.models import Team

    ids = [key for key in rows if key is not None]
    if group_by == "owner":
        names = {user.pk: user.get_full_name() or user.username for user in User.objects.filter(pk__in=ids)}
    elif group_by == "team":
        names = dict(Team.objects.filter(pk__in=ids).values_list("pk", "name"))
    else:
        names = {}
    for key, row in rows.items():
        row.label = names.get(key, "—") if group_by else ""


CARD_DEALS = 10


def card_deals(user: User, company: Any) -> dict[str, Any] | None:
    """The client card's deals section: open deals first, then the latest closed (one query); None for a
    user who may not see deals."""
    if not user.has_perm("sales.view_deal"):
        return None
    deals = list(
        Deal.objects.filter(company=company)
        .select_related("stage")
        .order_by("closed_at", "expected_close_date", "-id")[: CARD_DEALS + 1]
    )
    return {
        "items": deals[:CARD_DEALS],
        "more": len(deals) > CARD_DEALS,
        "can_add": user.has_perm("sales.add_deal"),
    }


@dataclass
class CompetitorResult:
    """Deals closed in a period against one competitor: won (it competed), lost to it, lost to someone
    else while it competed; amounts in the base currency; open deals it competes in now."""

    competitor_id: int
    name: str
    won: int = 0
    lost_to: int = 0
    lost_other: int = 0
    won_amount: Decimal = ZERO
    lost_amount: Decimal = ZERO
    open: int = 0

    @property
    def competed(self) -> int:
        return self.won + self.lost_to + self.lost_other

    @property
    def win_rate(self) -> Decimal | None:
        """Won of the closed deals it competed in, %, to one decimal; None with none."""
        if not self.competed:
            return None
        return (Decimal(100) * self.won / self.competed).quantize(Decimal("0.1"))


def competitor_win_loss(*, user: User, start: datetime.date, end: datetime.date) -> list[CompetitorResult]:
    """Win/loss by competitor over the deals the user sees that closed from `start` to `end` (both
    included), most contested first. A deal counts for a competitor named on it, or the one it was lost
    to."""
    from klient.sales.competitors.models import Competitor

    deals = Deal.objects.visible_to(user)
    closed = deals.filter(closed_at__date__gte=start, closed_at__date__lte=end).exclude(status=StageKind.OPEN)
    through = Deal.competitors.through
    seen: dict[int, set[int]] = {}  # competitor: deals counted
    results: dict[int, CompetitorResult] = {}

    def result(competitor_id: int) -> CompetitorResult:
        if competitor_id not in results:
            results[competitor_id] = CompetitorResult(competitor_id, "")
        return results[competitor_id]

    rows = list(
        through.objects.filter(deal__in=closed.values("pk")).values_list(
            "competitor_id", "deal_id", "deal__status", "deal__lost_to_id", "deal__amount_base"
        )
    )
    rows += [
        (lost_to_id, deal_id, StageKind.LOST, lost_to_id, amount)
        for deal_id, lost_to_id, amount in closed.filter(
            status=StageKind.LOST, lost_to__isnull=False
        ).values_list("id", "lost_to_id", "amount_base")
    ]
    for competitor_id, deal_id, status, lost_to_id, amount in rows:
        if deal_id in seen.setdefault(competitor_id, set()):
            continue
        seen[competitor_id].add(deal_id)
        entry = result(competitor_id)
        if status == StageKind.WON:
            entry.won += 1
            entry.won_amount += amount
        elif lost_to_id == competitor_id:
            entry.lost_to += 1
            entry.lost_amount += amount
        else:
            entry.lost_other += 1
    open_counts = (
        through.objects.filter(deal__in=deals.filter(status=StageKind.OPEN).values("pk"))
        .values("competitor_id")
        .annotate(count=Count("deal_id"))
    )
    for row in open_counts:
        result(row["competitor_id"]).open = row["count"]
    names = dict(Competitor.objects.filter(pk__in=list(results)).values_list("pk", "name"))
    for entry in results.values():
        entry.name = names.get(entry.competitor_id, "")
    return sorted(results.values(), key=lambda entry: (-entry.competed, -entry.open, entry.name.casefold()))
