"""Tables of competitors: the catalogue of competitors, and on each customer which competitor supplies it
with what and at what price."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from klient.catalog.models import Product, validate_currency
from klient.core.models import VersionedModel
from klient.core.visibility import company_visibility_q
from klient.customers.models import Company

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from klient.core.models import User


class Competitor(VersionedModel):
    """A company we compete with: where it is, what it is good and bad at, and what sellers know of it.
    One that is referenced is retired (`is_active` false) rather than deleted."""

    name = models.CharField(_("name"), max_length=200)
    # The name with case and spacing ignored: no two competitors share it ("Fakro" and "FAKRO" are one).
    name_key = models.CharField(max_length=200, unique=True, editable=False)
    website = models.CharField(_("website"), max_length=200, blank=True)
    country = CountryField(_("country"), blank=True)
    strengths = models.TextField(_("strengths"), blank=True)
    weaknesses = models.TextField(_("weaknesses"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The name folded (case and diacritics ignored): what the search reads.
    search_text = models.TextField(editable=False, default="")

    AUDITED_FIELDS = ["name", "website", "country", "strengths", "weaknesses", "notes", "is_active"]

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("competitor")
        verbose_name_plural = _("competitors")
        indexes = [models.Index(fields=["name", "id"])]

    def __str__(self) -> str:
        return self.name


class CompetitorSupplyQuerySet(models.QuerySet["CompetitorSupply"]):
    """Queries over supplies; a supply is visible when its company is."""

    def visible_to(self, user: User | AnonymousUser) -> CompetitorSupplyQuerySet:
        """Supplies of companies the user may see."""
        condition = company_visibility_q(user, prefix="company__")
        return self if condition is None else self.filter(condition)


class CompetitorSupply(VersionedModel):
    """A competitor supplying one of our customers: what (in the seller's words), which of our products
    it competes with, at what price (amount and currency together, or neither), since when."""

    company = models.ForeignKey(
        Company, verbose_name=_("company"), on_delete=models.CASCADE, related_name="competitor_supplies"
    )
    competitor = models.ForeignKey(
        Competitor, verbose_name=_("competitor"), on_delete=models.PROTECT, related_name="supplies"
    )
    description = models.CharField(_("what they supply"), max_length=300)
    product = models.ForeignKey(
        Product,
        verbose_name=_("our competing product"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="competitor_supplies",
    )
    price = models.DecimalField(_("their price"), max_digits=18, decimal_places=4, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True, validators=[validate_currency])
    since = models.DateField(_("since"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    AUDITED_FIELDS = ["competitor", "description", "product", "price", "currency", "since", "note"]

    objects = CompetitorSupplyQuerySet.as_manager()

    class Meta:
        ordering = ["company", "id"]
        verbose_name = _("competitor supply")
        verbose_name_plural = _("competitor supplies")
        indexes = [models.Index(fields=["competitor", "id"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price__isnull=True, currency="")
                | (models.Q(price__isnull=False, price__gte=0) & ~models.Q(currency="")),
                name="competitor_supply_price_with_currency",
            )
        ]

    def __str__(self) -> str:
        return f"{self.competitor} → {self.company}: {self.description}"
