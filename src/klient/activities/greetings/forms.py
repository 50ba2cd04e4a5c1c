"""Forms of the greetings and events screens."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from klient.activities.greetings.models import EventKind, InvitationStatus, ProfessionalHoliday
from klient.core.models import User
from klient.customers.filters import CompanyFilter
from klient.customers.models import CompanyStatus

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


class EventForm(forms.Form):
    """A new event: what, when (on the user's clock) and where."""

    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=EventKind.choices)
    starts_at = forms.DateTimeField(label=_("Starts"), widget=DATETIME_INPUT, input_formats=DATETIME_FORMATS)
    ends_at = forms.DateTimeField(label=_("Ends"), widget=DATETIME_INPUT, input_formats=DATETIME_FORMATS)
    place = forms.CharField(label=_("Place"), max_length=300, required=False)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def _aware(self, value: datetime.datetime) -> datetime.datetime:
        return value.replace(tzinfo=self.user.tzinfo) if timezone.is_naive(value) else value

    def values(self) -> dict[str, Any]:
        """event_create's arguments."""
        data = self.cleaned_data
        return {
            "name": data["name"],
            "kind": data["kind"],
            "starts_at": self._aware(data["starts_at"]),
            "ends_at": self._aware(data["ends_at"]),
            "place": data["place"],
            "description": data["description"],
        }


class InviteForm(forms.Form):
    """Whom to invite: contacts by id, or the contacts of the companies a filter of the company list
    matches (industry, country, status, own companies only)."""

    contact_ids = forms.CharField(
        label=_("Contact ids"), required=False, help_text=_("Separated by commas or spaces.")
    )
    industry = forms.CharField(label=_("Industry"), max_length=100, required=False)
    country = forms.CharField(label=_("Country code"), max_length=2, required=False)
    status = forms.MultipleChoiceField(
        label=_("Company status"),
        choices=CompanyStatus.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    mine = forms.BooleanField(label=_("Only the companies I own"), required=False)

    def clean_contact_ids(self) -> list[int]:
        raw = self.cleaned_data["contact_ids"].replace(",", " ").split()
        if not all(item.isdigit() for item in raw):
            raise forms.ValidationError(_("Give contact ids as numbers."))
        return [int(item) for item in raw]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("contact_ids") and not self.company_filter(data).is_filtering:
            raise forms.ValidationError(_("Choose contacts: give their ids or a company filter."))
        return data

    def company_filter(self, data: dict[str, Any] | None = None) -> CompanyFilter:
        """The company list's filter these fields make."""
        data = self.cleaned_data if data is None else data
        return CompanyFilter(
            industry=(data.get("industry") or "").strip(),
            country=(data.get("country") or "").strip().upper(),
            status=list(data.get("status") or []),
            owner="me" if data.get("mine") else "",
        )


class InvitationAnswerForm(forms.Form):
    """The answer a rep heard on the phone."""

    status = forms.ChoiceField(label=_("Answer"), choices=InvitationStatus.choices)


class HolidayForm(forms.ModelForm):
    """A professional holiday of the calendar; industries are typed separated by commas."""

    industries = forms.CharField(
        label=_("Industries"),
        required=False,
        help_text=_("As companies name them, separated by commas; empty: every industry."),
    )

    class Meta:
        model = ProfessionalHoliday
        fields = [
            "code",
            "name",
            "name_pl",
            "name_bs",
            "name_hy",
            "name_zh_hans",
            "name_ru",
            "country",
            "industries",
            "rule",
            "month",
            "day",
            "week",
            "weekday",
            "is_active",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["industries"] = ", ".join(self.instance.industries)
            self.fields["code"].disabled = True

    def clean_industries(self) -> list[str]:
        return [name.strip() for name in self.cleaned_data["industries"].split(",") if name.strip()]

    def _post_clean(self) -> None:
        # The service checks the holiday (and saves it); the model form only reads the fields.
        pass

    def values(self) -> dict[str, Any]:
        """holiday_create / holiday_update's arguments."""
        return {name: self.cleaned_data[name] for name in self.Meta.fields if name in self.cleaned_data}
