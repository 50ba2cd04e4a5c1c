"""Forms of the deal screens: a deal (new or changed), moving it to another stage."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from klient.core.models import Role, User
from klient.core.widgets import FastSelect
from klient.customers.forms import CompanyChoiceField, currency_choices
from klient.customers.models import Company, CompanySource, Contact
from klient.sales.competitors.models import Competitor
from klient.sales.models import Deal, Stage, StageKind


class DealForm(forms.Form):
    """A deal's fields; the company only when it is new."""

    title = forms.CharField(label=_("Title"), max_length=200)
    company = CompanyChoiceField(label=_("Company"), queryset=Company.objects.none())
    contact = forms.ModelChoiceField(label=_("Contact"), queryset=Contact.objects.none(), required=False)
    stage = forms.ModelChoiceField(label=_("Stage"), queryset=Stage.objects.none(), widget=FastSelect)
    amount = forms.DecimalField(label=_("Amount"), max_digits=18, decimal_places=2, min_value=0, initial=0)
    currency = forms.ChoiceField(label=_("Currency"), choices=currency_choices, widget=FastSelect)
    expected_close_date = forms.DateField(
        label=_("Expected close date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    next_step = forms.CharField(label=_("Next step"), max_length=200, required=False)
    next_step_date = forms.DateField(
        label=_("Next step date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    source = forms.ChoiceField(label=_("Source"), choices=[("", "—"), *CompanySource.choices], required=False)
    competitors = forms.ModelMultipleChoiceField(
        label=_("Competitors"), queryset=Competitor.objects.none(), required=False
    )
    lost_reason = forms.CharField(label=_("Lost reason"), max_length=200, required=False)
    lost_to = forms.ModelChoiceField(label=_("Lost to"), queryset=Competitor.objects.none(), required=False)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none(), widget=FastSelect)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(
        self, *args: Any, user: User, deal: Deal | None = None, company: Company | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        company = deal.company if deal is not None else company
        company_field = self.fields["company"]
        assert isinstance(company_field, CompanyChoiceField)
        if deal is not None:
            del self.fields["company"]
        else:
            company_field.limit_to(user=user, exclude=None, current=company)
        contact_field = self.fields["contact"]
        assert isinstance(contact_field, forms.ModelChoiceField)
        contact_field.queryset = (
            Contact.objects.filter(company=company).order_by("last_name", "first_name")
            if company is not None
            else Contact.objects.none()
        )
        if company is None:
            del self.fields["contact"]
        stage_field = self.fields["stage"]
        assert isinstance(stage_field, forms.ModelChoiceField)
        stage_field.queryset = Stage.objects.filter(pipeline__is_active=True).select_related("pipeline")
        competitors = Competitor.objects.filter(is_active=True).order_by("name")
        for name in ("competitors", "lost_to"):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = competitors
        owner_field = self.fields["owner"]
        assert isinstance(owner_field, forms.ModelChoiceField)
        owner_field.queryset = (
            User.objects.filter(is_active=True).exclude(role=Role.PORTAL).order_by("username")
        )

    def _post_clean(self) -> None:
        """Nothing: the services validate the deal."""


class DealMoveForm(forms.Form):
    """Moving a deal on the board or from its page; a lost stage asks why and to whom."""

    stage = forms.ModelChoiceField(label=_("Stage"), queryset=Stage.objects.select_related("pipeline"))
    version = forms.IntegerField(widget=forms.HiddenInput)
    lost_reason = forms.CharField(label=_("Lost reason"), max_length=200, required=False)
    lost_to = forms.ModelChoiceField(
        label=_("Lost to"), queryset=Competitor.objects.filter(is_active=True), required=False
    )

    def lost(self) -> bool:
        stage = self.cleaned_data.get("stage")
        return stage is not None and stage.kind == StageKind.LOST
