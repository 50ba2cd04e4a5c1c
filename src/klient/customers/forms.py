"""Forms of the company pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from klient.core.models import Role, Team, User
from klient.core.widgets import FastSelect
from klient.customers.models import Company


def country_choices() -> list[tuple[str, str]]:
    """ISO countries named in the active language, with an empty choice first."""
    return [("", "—"), *((code, str(name)) for code, name in countries)]


def any_country_choices() -> list[tuple[str, str]]:
    """Countries for a filter: "any country" first."""
    return [("", str(_("Any country"))), *((code, str(name)) for code, name in countries)]


class CompanyForm(forms.Form):
    """Create or change a company; commercial terms appear only for users allowed to see them."""

    name = forms.CharField(label=_("Name"), max_length=200)
    legal_name = forms.CharField(label=_("Legal name"), max_length=300, required=False)
    country = forms.ChoiceField(
        label=_("Country"), choices=country_choices, required=False, widget=FastSelect
    )
    tax_id = forms.CharField(label=_("Tax id"), max_length=50, required=False)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none(), required=False)
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.all(), required=False)
    payment_terms_days = forms.IntegerField(
        label=_("Payment terms (days)"), min_value=0, max_value=365, required=False
    )
    discount_percent = forms.DecimalField(
        label=_("Discount %"), min_value=0, max_value=100, max_digits=5, decimal_places=2, required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, with_terms: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner_field = self.fields["owner"]
        assert isinstance(owner_field, forms.ModelChoiceField)
        owner_field.queryset = (
            User.objects.filter(is_active=True).exclude(role=Role.PORTAL).order_by("username")
        )
        if not with_terms:
            for name in Company.COMMERCIAL_FIELDS:
                del self.fields[name]

    @classmethod
    def initial_for(cls, company: Company) -> dict[str, Any]:
        """Initial values from a stored company."""
        return {
            "name": company.name,
            "legal_name": company.legal_name,
            "country": str(company.country or ""),
            "tax_id": company.tax_id,
            "owner": company.owner_id,
            "team": company.team_id,
            "payment_terms_days": company.payment_terms_days,
            "discount_percent": company.discount_percent,
            "version": company.version,
        }

    def service_data(self) -> dict[str, Any]:
        """The cleaned values a service takes (without the version)."""
        data = {name: value for name, value in self.cleaned_data.items() if name != "version"}
        data["country"] = data.get("country") or ""
        return data


class CompanyFilterForm(forms.Form):
    """The filter bar of the company list."""

    q = forms.CharField(label=_("Search"), required=False)
    owner = forms.ChoiceField(label=_("Owner"), required=False)
    team = forms.ChoiceField(label=_("Team"), required=False)
    country = forms.ChoiceField(
        label=_("Country"), choices=any_country_choices, required=False, widget=FastSelect
    )
    sort = forms.ChoiceField(
        label=_("Sort"),
        required=False,
        choices=[
            ("name", _("Name A–Z")),
            ("-name", _("Name Z–A")),
            ("-created", _("Newest first")),
            ("created", _("Oldest first")),
            ("country", _("Country")),
        ],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner_field = self.fields["owner"]
        team_field = self.fields["team"]
        assert isinstance(owner_field, forms.ChoiceField) and isinstance(team_field, forms.ChoiceField)
        owner_field.choices = [("", _("Anyone")), ("me", _("Me"))]
        team_field.choices = [("", _("Any team")), *((str(t.pk), t.name) for t in Team.objects.all())]


class AccountTeamForm(forms.Form):
    """Add a colleague to a company's account team."""

    user = forms.ModelChoiceField(label=_("Colleague"), queryset=User.objects.none())
    role = forms.CharField(label=_("Role on the account"), max_length=100, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user_field = self.fields["user"]
        assert isinstance(user_field, forms.ModelChoiceField)
        user_field.queryset = (
            User.objects.filter(is_active=True).exclude(role=Role.PORTAL).order_by("username")
        )
