"""Tables of deals: pipelines with their stages (each with a probability), deals moving through them, and
each deal's account team (team selling)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import ExpressionWrapper, F, Q
from django.utils.translation import gettext_lazy as _

from klient.catalog.models import validate_currency
from klient.core.models import VersionedModel
from klient.core.visibility import company_visibility_q, visible_company_ids
from klient.customers.models import CompanySource

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from klient.core.models import User


class StageKind(models.TextChoices):
    """Whether a deal in the stage is still open, or closed won or lost."""

    OPEN = "open", _("Open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class Pipeline(models.Model):
    """A sales process: its stages in order. New deals go to the default pipeline unless told otherwise."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    names = models.JSONField(_("names in other languages"), default=dict, blank=True)
    is_default = models.BooleanField(_("default"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("pipeline")
        verbose_name_plural = _("pipelines")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_pipeline"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def name_in(self, language: str) -> str:
        return str(self.names.get(language) or self.name)


class Stage(models.Model):
    """A step of a pipeline with the probability (%) that a deal in it closes won; the won and lost
    stages close a deal."""

    pipeline = models.ForeignKey(
        Pipeline, verbose_name=_("pipeline"), on_delete=models.CASCADE, related_name="stages"
    )
    name = models.CharField(_("name"), max_length=100)
    names = models.JSONField(_("names in other languages"), default=dict, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    probability = models.PositiveSmallIntegerField(_("probability %"), validators=[MaxValueValidator(100)])
    kind = models.CharField(_("kind"), max_length=4, choices=StageKind.choices, default=StageKind.OPEN)

    class Meta:
        ordering = ["pipeline", "position", "id"]
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        constraints = [
            models.UniqueConstraint(fields=["pipeline", "name"], name="stage_name_once"),
            models.CheckConstraint(condition=Q(probability__lte=100), name="stage_probability_at_most_100"),
        ]

    def __str__(self) -> str:
        return f"{self.pipeline.name}: {self.name}"

    def name_in(self, language: str) -> str:
        return str(self.names.get(language) or self.name)


def _on_deal_team(user: User | AnonymousUser) -> Q:
    """Deals whose account team the user is on (none for an anonymous user)."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    return Q(id__in=DealMember.objects.filter(user_id=user.pk).values("deal_id"))


class DealQuerySet(models.QuerySet["Deal"]):
    """Queries over deals; a deal is visible when its company is, or to the members of its team."""

    def visible_to(self, user: User | AnonymousUser, *, in_index_order: bool = False) -> DealQuerySet:
        """Deals of the companies the user sees, and those whose account team the user is on.

        The companies come as a subquery: the union of the visibility's branches (each read through
        an index of its own) where there are few. `in_index_order`: for a query that reads the first
        rows of an ordering index, the company test is one SQLite cannot answer with the company
        index, so it walks the ordering index and stops early instead of sorting every match."""
        deals, condition = self.with_visibility(user, in_index_order=in_index_order)
        return deals if condition is None else deals.filter(condition)

    def with_visibility(
        self, user: User | AnonymousUser, *, in_index_order: bool = True
    ) -> tuple[DealQuerySet, Q | None]:
        """The queryset (with what the condition refers to) and visible_to's condition, None when the
        user sees every deal: for aggregates that count the visible deals among all of them."""
        companies = visible_company_ids(user)
        if companies is None:
            return self, None
        if in_index_order:
            deals = self.alias(
                visible_company=ExpressionWrapper(F("company_id") + 0, output_field=models.BigIntegerField())
            )
            condition = Q(visible_company__in=companies)
        else:
            deals = self
            condition = Q(company_id__in=companies)
        return deals, condition | _on_deal_team(user)

    def visible_through_company(self, user: User | AnonymousUser) -> DealQuerySet:
        """The deals visible_to gives, tested on each deal's own company (a join) instead of against the
        set of visible companies. For a query that stops after the first rows of an ordering index among
        many visible deals: building the set (tens of thousands of companies for a sales manager) costs
        more than looking up the few companies read."""
        condition = company_visibility_q(user, prefix="company__")
        if condition is None:
            return self
        return self.filter(condition | _on_deal_team(user))


class Deal(VersionedModel):
    """A sale in progress with one company: how much, in which currency, when it should close, the next
    step (required while open), where it came from, who competes for it and, once lost, why and to whom.
    `amount_base` is the amount in the base currency at the rate of the day it was last set, so boards
    and forecasts add deals of any currency; `probability` is the stage's when the deal entered it."""

    title = models.CharField(_("title"), max_length=200)
    company = models.ForeignKey(
        "customers.Company", verbose_name=_("company"), on_delete=models.CASCADE, related_name="deals"
    )
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deals",
    )
    pipeline = models.ForeignKey(
        Pipeline, verbose_name=_("pipeline"), on_delete=models.PROTECT, related_name="deals"
    )
    stage = models.ForeignKey(Stage, verbose_name=_("stage"), on_delete=models.PROTECT, related_name="deals")
    status = models.CharField(_("status"), max_length=4, choices=StageKind.choices, default=StageKind.OPEN)
    probability = models.PositiveSmallIntegerField(_("probability %"), default=0)
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2, default=0)
    currency = models.CharField(_("currency"), max_length=3, validators=[validate_currency])
    amount_base = models.DecimalField(
        _("amount in the base currency"), max_digits=18, decimal_places=2, default=0
    )
    expected_close_date = models.DateField(_("expected close date"), null=True, blank=True)
    next_step = models.CharField(_("next step"), max_length=200, blank=True)
    next_step_date = models.DateField(_("next step date"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=20, choices=CompanySource.choices, blank=True)
    competitors = models.ManyToManyField(
        "competitors.Competitor", verbose_name=_("competitors"), blank=True, related_name="deals"
    )
    lost_reason = models.CharField(_("lost reason"), max_length=200, blank=True)
    lost_to = models.ForeignKey(
        "competitors.Competitor",
        verbose_name=_("lost to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deals_lost",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="deals"
    )
    team = models.ForeignKey(
        "core.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deals",
    )
    stage_changed_at = models.DateTimeField(_("in this stage since"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    objects = DealQuerySet.as_manager()

    AUDITED_FIELDS = [
        "title",
        "contact",
        "pipeline",
        "stage",
        "status",
        "amount",
        "currency",
        "expected_close_date",
        "next_step",
        "next_step_date",
        "source",
        "lost_reason",
        "lost_to",
        "owner",
        "team",
    ]

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        indexes = [
            # The board: a stage's open deals, soonest to close first; its recently closed ones.
            models.Index(fields=["stage", "status", "expected_close_date", "id"], name="deal_board"),
            models.Index(fields=["stage", "status", "closed_at"], name="deal_board_closed"),
            # The board's figures and the forecast add up deals from these alone (covering indexes).
            models.Index(
                fields=["status", "pipeline", "stage", "company", "amount_base", "probability"],
                name="deal_figures",
            ),
            models.Index(
                fields=[
                    "status",
                    "expected_close_date",
                    "company",
                    "owner",
                    "team",
                    "amount_base",
                    "probability",
                ],
                name="deal_forecast",
            ),
            # Deals closed in a period: the board's closed stages and the forecast's won amounts.
            models.Index(
                fields=[
                    "status",
                    "closed_at",
                    "pipeline",
                    "stage",
                    "company",
                    "owner",
                    "team",
                    "amount_base",
                    "probability",
                ],
                name="deal_closed",
            ),
            models.Index(fields=["company", "-created_at"], name="deal_company"),
            # The list, newest first: walked in order (see selectors.deal_list).
            models.Index(fields=["-created_at", "-id"], name="deal_created"),
            # A rep's deals; the forecast by owner reads it alone.
            models.Index(
                fields=["owner", "status", "expected_close_date", "company", "amount_base", "probability"],
                name="deal_owner",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="deal_amount_not_negative"),
            models.CheckConstraint(condition=Q(probability__lte=100), name="deal_probability_at_most_100"),
        ]

    def __str__(self) -> str:
        return self.title


class DealMember(models.Model):
    """A colleague on a deal's account team (team selling), with their part in it."""

    deal = models.ForeignKey(Deal, verbose_name=_("deal"), on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="deal_memberships",
    )
    role = models.CharField(_("part"), max_length=100, blank=True)

    class Meta:
        ordering = ["deal", "user__username"]
        verbose_name = _("deal team member")
        verbose_name_plural = _("deal team members")
        constraints = [models.UniqueConstraint(fields=["deal", "user"], name="deal_member_once")]

    def __str__(self) -> str:
        return f"{self.deal}: {self.user}"
