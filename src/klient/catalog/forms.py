"""The catalogue's forms: stock of a product in a warehouse (logistics)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from klient.catalog.models import Warehouse


class StockForm(forms.Form):
    warehouse = forms.ModelChoiceField(
        label=_("warehouse"), queryset=Warehouse.objects.filter(is_active=True), empty_label=None
    )
    available = forms.DecimalField(label=_("available"), min_value=0, max_digits=14, decimal_places=3)
    restock_date = forms.DateField(
        label=_("expected restock"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
