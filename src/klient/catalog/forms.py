"""The catalogue's forms: stock of a product in a warehouse (logistics), and a product's fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from klient.catalog.models import Product, Unit, Warehouse
from klient.catalog.selectors import products_by_sku


class StockForm(forms.Form):
    warehouse = forms.ModelChoiceField(
        label=_("warehouse"), queryset=Warehouse.objects.filter(is_active=True), empty_label=None
    )
    available = forms.DecimalField(label=_("available"), min_value=0, max_digits=14, decimal_places=3)
    restock_date = forms.DateField(
        label=_("expected restock"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class ProductForm(forms.Form):
    """A product's fields, with its name and description in each of the installation's other languages."""

    sku = forms.CharField(label=_("SKU"), max_length=64)
    name = forms.CharField(label=_("name"), max_length=200)
    description = forms.CharField(
        label=_("description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    category = forms.CharField(label=_("category"), max_length=100, required=False)
    unit = forms.ChoiceField(label=_("unit"), choices=Unit.choices)
    vat_rate = forms.DecimalField(
        label=Product._meta.get_field("vat_rate").verbose_name, min_value=0, max_value=100, decimal_places=2
    )
    is_service = forms.BooleanField(label=_("service (no stock)"), required=False)
    is_active = forms.BooleanField(label=_("active"), required=False, initial=True)
    # The version read, when editing: a stale one is refused.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    analogs = forms.CharField(
        label=_("analogues"),
        required=False,
        help_text=_("SKUs of the products that can replace it, separated by commas."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for code, language in settings.LANGUAGES:
            if code == "en":
                continue
            self.fields[f"name_{code}"] = forms.CharField(
                label=_("name (%(language)s)") % {"language": language}, max_length=200, required=False
            )

    @classmethod
    def for_product(cls, product: Product) -> ProductForm:
        initial: dict[str, Any] = {
            "sku": product.sku,
            "name": product.name,
            "description": product.description,
            "category": product.category.name if product.category else "",
            "unit": product.unit,
            "vat_rate": product.vat_rate,
            "is_service": product.is_service,
            "is_active": product.is_active,
            "analogs": ", ".join(link.analog.sku for link in product.analog_links.select_related("analog")),
            "version": product.version,
        }
        initial.update({f"name_{code}": text for code, text in product.names.items()})
        return cls(initial=initial)

    def values(self) -> dict[str, Any]:
        """product_create's and product_update's arguments."""
        data = self.cleaned_data
        names = {code: data.get(f"name_{code}", "") for code, _language in settings.LANGUAGES if code != "en"}
        skus = [sku.strip() for sku in data["analogs"].replace(";", ",").split(",") if sku.strip()]
        found = {key: product.pk for key, product in products_by_sku(skus).items()}
        missing = [sku for sku in skus if sku.lower() not in found]
        if missing:
            raise ValidationError({"analogs": _("No product with the SKU “%(sku)s”.") % {"sku": missing[0]}})
        return {
            "sku": data["sku"],
            "name": data["name"],
            "names": {code: text for code, text in names.items() if text},
            "description": data["description"],
            "category": data["category"] or None,
            "unit": data["unit"],
            "vat_rate": data["vat_rate"],
            "is_service": data["is_service"],
            "is_active": data["is_active"],
            "analogs": [found[sku.lower()] for sku in skus],
        }


class CustomerPriceForm(forms.Form):
    """A client's special price or discount on a product, from the client card."""

    sku = forms.CharField(label=_("SKU"), max_length=64)
    amount = forms.DecimalField(label=_("Special price"), required=False, max_digits=18, decimal_places=4)
    currency = forms.CharField(label=_("Currency"), required=False, max_length=3)
    discount_percent = forms.DecimalField(
        label=_("or a discount (%)"), required=False, max_digits=5, decimal_places=2
    )
    valid_from = forms.DateField(
        label=_("Valid from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    valid_until = forms.DateField(
        label=_("Valid until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=200)
