"""Forms of the contract screens: a contract's wording, key terms and dates; a new one from a template;
signing, terminating, and the protocol's disputed clauses."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from klient.catalog.models import PriceList
from klient.customers.forms import currency_choices, language_choices
from klient.customers.models import Company, Contact
from klient.sales.contracts.models import ContractTemplate, DisagreementStatus

DATE = forms.DateInput(attrs={"type": "date"})
KEY_TERM_FIELDS = ("payment_terms_days", "discount_percent", "delivery_terms", "price_type")


class ContractForm(forms.Form):
    """A contract's fields as it is written and negotiated; the key terms only for those who may see
    commercial terms."""

    title = forms.CharField(label=_("Title"), max_length=200)
    contact = forms.ModelChoiceField(label=_("Contact"), queryset=Contact.objects.none(), required=False)
    language = forms.ChoiceField(label=_("Language"), choices=language_choices)
    currency = forms.ChoiceField(label=_("Currency"), choices=currency_choices)
    total = forms.DecimalField(label=_("Value"), max_digits=14, decimal_places=2, min_value=0)
    starts_on = forms.DateField(label=_("Starts on"), required=False, widget=DATE)
    ends_on = forms.DateField(label=_("Ends on"), required=False, widget=DATE)
    renewal_notice_days = forms.IntegerField(label=_("Renewal notice (days)"), min_value=0, max_value=365)
    payment_terms_days = forms.IntegerField(
        label=_("Payment terms (days)"), min_value=0, max_value=365, required=False
    )
    discount_percent = forms.DecimalField(
        label=_("Discount %"), max_digits=5, decimal_places=2, min_value=0, max_value=100, required=False
    )
    delivery_terms = forms.CharField(
        label=_("Delivery terms"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )
    price_type = forms.ModelChoiceField(
        label=_("Price type"), queryset=PriceList.objects.order_by("name"), required=False
    )
    body = forms.CharField(
        label=_("Wording"), required=False, max_length=200_000, widget=forms.Textarea(attrs={"rows": 20})
    )
    note = forms.CharField(
        label=_("What changed"),
        required=False,
        max_length=500,
        help_text=_("Kept with the new version of the wording."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, company: Company, with_terms: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        contact_field = self.fields["contact"]
        assert isinstance(contact_field, forms.ModelChoiceField)
        contact_field.queryset = Contact.objects.filter(company=company).order_by("last_name", "first_name")
        if not with_terms:
            for name in KEY_TERM_FIELDS:
                del self.fields[name]


class ContractFromTemplateForm(forms.Form):
    """A new contract with a company from a template."""

    template = forms.ModelChoiceField(
        label=_("Template"), queryset=ContractTemplate.objects.filter(is_active=True).order_by("name", "id")
    )
    contact = forms.ModelChoiceField(label=_("Contact"), queryset=Contact.objects.none(), required=False)
    title = forms.CharField(
        label=_("Title"), max_length=200, required=False, help_text=_("Empty: the template's name.")
    )
    starts_on = forms.DateField(label=_("Starts on"), required=False, widget=DATE)
    ends_on = forms.DateField(
        label=_("Ends on"), required=False, widget=DATE, help_text=_("Empty: the template's duration.")
    )

    def __init__(self, *args: Any, company: Company, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        contact_field = self.fields["contact"]
        assert isinstance(contact_field, forms.ModelChoiceField)
        contact_field.queryset = Contact.objects.filter(company=company).order_by("last_name", "first_name")


class ContractSignForm(forms.Form):
    """The signature of an approved contract: the day, and who signed for the client."""

    signed_on = forms.DateField(label=_("Signed on"), widget=DATE)
    customer_signatory = forms.CharField(label=_("Signed for the client by"), max_length=200)
    version = forms.IntegerField(widget=forms.HiddenInput)


class ContractTerminateForm(forms.Form):
    """An early end of a signed or active contract."""

    terminated_on = forms.DateField(label=_("Ends on"), widget=DATE)
    reason = forms.CharField(label=_("Reason"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput)


class DisagreementForm(forms.Form):
    """A disputed clause: its name, our wording and the client's."""

    clause = forms.CharField(label=_("Clause"), max_length=200)
    our_wording = forms.CharField(
        label=_("Our wording"), required=False, max_length=20_000, widget=forms.Textarea(attrs={"rows": 2})
    )
    their_wording = forms.CharField(
        label=_("Their wording"), required=False, max_length=20_000, widget=forms.Textarea(attrs={"rows": 2})
    )


class DisagreementResolveForm(forms.Form):
    """How a disputed clause is settled."""

    status = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            (DisagreementStatus.RESOLVED.value, DisagreementStatus.RESOLVED.label),
            (DisagreementStatus.WITHDRAWN.value, DisagreementStatus.WITHDRAWN.label),
        ],
    )
    resolution = forms.CharField(
        label=_("Resolution"), required=False, max_length=20_000, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput)
