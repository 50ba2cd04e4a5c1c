"""Competitors' forms: a competitor's fields (managers), and a competitor's supply to a company (sellers)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from klient.catalog.selectors import products_by_sku
from klient.customers.forms import country_choices
from klient.sales.competitors.models import Competitor, CompetitorSupply


class CompetitorForm(forms.Form):
    """A competitor's fields; the version read travels along when editing."""

    name = forms.CharField(label=_("name"), max_length=200)
    website = forms.CharField(label=_("website"), max_length=200, required=False)
    country = forms.ChoiceField(label=_("country"), choices=country_choices, required=False)
    strengths = forms.CharField(
        label=_("strengths"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    weaknesses = forms.CharField(
        label=_("weaknesses"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    notes = forms.CharField(label=_("notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    is_active = forms.BooleanField(label=_("active"), required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    @classmethod
    def for_competitor(cls, competitor: Competitor) -> CompetitorForm:
        return cls(
            initial={
                "name": competitor.name,
                "website": competitor.website,
                "country": str(competitor.country or ""),
                "strengths": competitor.strengths,
                "weaknesses": competitor.weaknesses,
                "notes": competitor.notes,
                "is_active": competitor.is_active,
                "version": competitor.version,
            }
        )

    def values(self) -> dict[str, Any]:
        """competitor_create's and competitor_update's arguments."""
        return {name: self.cleaned_data[name] for name in Competitor.AUDITED_FIELDS}


class SupplyForm(forms.Form):
    """Which competitor supplies the company with what, at what price (amount and currency together)."""

    competitor = forms.ModelChoiceField(label=_("competitor"), queryset=Competitor.objects.none())
    description = forms.CharField(label=_("what they supply"), max_length=300)
    product = forms.CharField(
        label=_("our competing product"),
        max_length=64,
        required=False,
        help_text=_("The SKU of our product it competes with."),
    )
    price = forms.DecimalField(
        label=_("their price"), min_value=0, max_digits=18, decimal_places=4, required=False
    )
    currency = forms.CharField(
        label=_("currency"), max_length=3, required=False, help_text=_("ISO 4217 code, e.g. PLN, EUR.")
    )
    since = forms.DateField(label=_("since"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args: Any, supply: CompetitorSupply | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Active competitors; a retired one stays choosable on the supply that has it.
        wanted = Q(is_active=True)
        if supply is not None:
            wanted |= Q(pk=supply.competitor_id)
        field = self.fields["competitor"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Competitor.objects.filter(wanted).order_by("name", "id")

    @classmethod
    def for_supply(cls, supply: CompetitorSupply) -> SupplyForm:
        return cls(
            supply=supply,
            initial={
                "competitor": supply.competitor_id,
                "description": supply.description,
                "product": supply.product.sku if supply.product else "",
                "price": supply.price,
                "currency": supply.currency,
                "since": supply.since,
                "note": supply.note,
                "version": supply.version,
            },
        )

    def values(self) -> dict[str, Any]:
        """supply_create's and supply_update's arguments; ValidationError naming `product` for an unknown
        SKU."""
        data = self.cleaned_data
        product = None
        sku = data["product"].strip()
        if sku:
            product = products_by_sku([sku]).get(sku.lower())
            if product is None:
                raise ValidationError({"product": _("No product with the SKU “%(sku)s”.") % {"sku": sku}})
        return {
            "competitor": data["competitor"],
            "description": data["description"],
            "product": product,
            "price": data["price"],
            "currency": data["currency"],
            "since": data["since"],
            "note": data["note"],
        }
