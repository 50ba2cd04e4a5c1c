"""Forms of the quote screens: a quote's fields and its lines (rows of SKU, quantity, discount, price)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from klient.core.models import User
from klient.core.widgets import FastSelect
from klient.customers.forms import CompanyChoiceField, currency_choices, language_choices
from klient.customers.models import Company, Contact
from klient.sales.models import Deal
from klient.sales.quotes.models import Quote
from klient.sales.quotes.services import MAX_LINES

# Empty rows a new form shows, and how many more "Add lines" gives.
EMPTY_ROWS = 5


class QuoteForm(forms.Form):
    """A quote's fields; the company only when it is new and not given."""

    company = CompanyChoiceField(label=_("Company"), queryset=Company.objects.none())
    contact = forms.ModelChoiceField(label=_("Contact"), queryset=Contact.objects.none(), required=False)
    deal = forms.ModelChoiceField(label=_("Deal"), queryset=Deal.objects.none(), required=False)
    language = forms.ChoiceField(
        label=_("Language"),
        choices=language_choices,
        required=False,
        help_text=_("Empty: the contact's, else the company's language for documents."),
    )
    currency = forms.ChoiceField(
        label=_("Currency"),
        choices=currency_choices,
        required=False,
        widget=FastSelect,
        help_text=_("Empty: the company's currency for documents, else its price type's."),
    )
    valid_until = forms.DateField(
        label=_("Valid until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    introduction = forms.CharField(
        label=_("Introduction"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args: Any,
        user: User,
        quote: Quote | None = None,
        company: Company | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        company = quote.company if quote is not None else company
        if quote is not None or company is not None:
            del self.fields["company"]
        else:
            company_field = self.fields["company"]
            assert isinstance(company_field, CompanyChoiceField)
            company_field.limit_to(user=user, exclude=None, current=None)
            del self.fields["contact"], self.fields["deal"]
            return
        contact_field = self.fields["contact"]
        assert isinstance(contact_field, forms.ModelChoiceField)
        contact_field.queryset = Contact.objects.filter(company=company).order_by("last_name", "first_name")
        deal_field = self.fields["deal"]
        assert isinstance(deal_field, forms.ModelChoiceField)
        deal_field.queryset = Deal.objects.filter(company=company).order_by("-created_at", "-id")
        if quote is None:
            del self.fields["version"]


class QuoteLineForm(forms.Form):
    """A row of the lines table: a product by SKU and a quantity; the discount and the unit price only
    when they differ from the client's."""

    sku = forms.CharField(label=_("SKU"), max_length=64, required=False)
    quantity = forms.DecimalField(label=_("Quantity"), max_digits=14, decimal_places=3, required=False)
    discount_percent = forms.DecimalField(
        label=_("Discount %"), max_digits=5, decimal_places=2, min_value=0, max_value=100, required=False
    )
    unit_price = forms.DecimalField(
        label=_("Unit price"), max_digits=18, decimal_places=4, min_value=0, required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["aria-label"] = str(field.label)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        sku = (data.get("sku") or "").strip()
        data["sku"] = sku
        other = any(data.get(name) is not None for name in ("quantity", "discount_percent", "unit_price"))
        if sku and data.get("quantity") is None and "quantity" not in self.errors:
            self.add_error("quantity", _("Give the quantity."))
        elif not sku and other:
            self.add_error("sku", _("Give the product's SKU."))
        return data

    @property
    def is_filled(self) -> bool:
        return bool(getattr(self, "cleaned_data", {}).get("sku"))


QuoteLineFormSet = forms.formset_factory(
    QuoteLineForm, extra=0, max_num=MAX_LINES, absolute_max=MAX_LINES, validate_max=True
)


def line_formset(data: Any = None, *, initial: list[dict[str, Any]] | None = None) -> Any:
    """The lines' rows: posted (bound), or those given and some empty ones after them."""
    if data is not None:
        return QuoteLineFormSet(data, prefix="lines")
    rows = list(initial or [])
    return QuoteLineFormSet(prefix="lines", initial=rows + [{}] * EMPTY_ROWS)


def posted_rows(data: Any) -> list[dict[str, Any]]:
    """The posted rows as they were typed (for "Add lines": shown again, unchecked, with more rows)."""
    total = str(data.get("lines-TOTAL_FORMS", ""))
    count = min(int(total), MAX_LINES - EMPTY_ROWS) if total.isdigit() else 0
    names = list(QuoteLineForm.base_fields)
    return [{name: data.get(f"lines-{index}-{name}", "") for name in names} for index in range(count)]


class MassProposalForm(forms.Form):
    """A mass proposal's fields; the companies come from the company list's selection, the lines from
    the lines table (without prices: each company gets its own)."""

    valid_until = forms.DateField(
        label=_("Valid until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Empty: the usual number of days from today."),
    )
    note = forms.CharField(
        label=_("Introduction"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Opens every quote."),
    )
    selection = forms.CharField(widget=forms.HiddenInput, required=False)


class MassProposalLineForm(QuoteLineForm):
    """A row of a mass proposal's lines: SKU, quantity and, when it differs from each client's, discount."""

    unit_price = None  # type: ignore[assignment]  # each company gets its own price


MassProposalLineFormSet = forms.formset_factory(
    MassProposalLineForm, extra=0, max_num=MAX_LINES, absolute_max=MAX_LINES, validate_max=True
)


def mass_line_formset(data: Any = None) -> Any:
    """The mass proposal's rows: posted (bound), or empty ones."""
    if data is not None:
        return MassProposalLineFormSet(data, prefix="lines")
    return MassProposalLineFormSet(prefix="lines", initial=[{}] * EMPTY_ROWS)
