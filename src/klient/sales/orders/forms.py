"""Forms of the order screens: the status, promised date and delay of an order."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from klient.sales.orders.models import OrderStatus


class OrderForm(forms.Form):
    """What the UI changes on an order, with the version it was read at."""

    status = forms.ChoiceField(label=_("Status"), choices=OrderStatus.choices)
    promised_date = forms.DateField(
        label=_("Promised shipping date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    is_delayed = forms.BooleanField(label=_("Delayed"), required=False)
    delay_reason = forms.CharField(
        label=_("Reason for the delay"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("A later date or a delay emails the customer's contact, with this reason."),
    )
    external_id = forms.CharField(label=_("ERP id"), required=False, max_length=100)
    version = forms.IntegerField(widget=forms.HiddenInput)
