"""Companies and their account teams (first form of the client card)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from klient.core.models import Team, VersionedModel
from klient.core.visibility import company_visibility_q

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from klient.core.models import User


class CompanyQuerySet(models.QuerySet["Company"]):
    """Queries over companies; every read starts from `visible_to`."""

    def visible_to(self, user: User | AnonymousUser) -> CompanyQuerySet:
        """Companies the user may see: by role visibility, account team and delegations in force."""
        condition = company_visibility_q(user)
        return self if condition is None else self.filter(condition)


class Company(VersionedModel):
    """A customer or prospect organisation: the root every customer record hangs from."""

    name = models.CharField(_("name"), max_length=200)
    legal_name = models.CharField(_("legal name"), max_length=300, blank=True)
    country = CountryField(_("country"), blank=True)
    tax_id = models.CharField(_("tax id"), max_length=50, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="companies_owned",
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="companies",
    )
    # Commercial terms: shown and changed only with the view_commercial_terms permission.
    payment_terms_days = models.PositiveIntegerField(
        _("payment terms (days)"), null=True, blank=True, validators=[MaxValueValidator(365)]
    )
    discount_percent = models.DecimalField(
        _("discount %"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    # Folded (lower-case, no diacritics) text of the searchable fields, maintained by the services.
    search_text = models.TextField(editable=False, default="")

    objects = CompanyQuerySet.as_manager()

    COMMERCIAL_FIELDS = ("payment_terms_days", "discount_percent")
    AUDITED_FIELDS = ["name", "legal_name", "country", "tax_id", "owner", "team", *COMMERCIAL_FIELDS]

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        permissions = [("view_commercial_terms", _("Can view commercial terms"))]
        indexes = [
            models.Index(fields=["name", "id"]),
            models.Index(fields=["owner", "name", "id"]),
            models.Index(fields=["team", "name", "id"]),
            models.Index(fields=["-created_at", "-id"]),
        ]

    def __str__(self) -> str:
        return self.name


class AccountTeamMember(models.Model):
    """Another user with a role on a company's account (team selling); they see the company."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="account_team")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account_memberships"
    )
    role = models.CharField(_("role on the account"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("account team member")
        verbose_name_plural = _("account team")
        constraints = [models.UniqueConstraint(fields=["company", "user"], name="account_team_member_unique")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.company}"
