"""Forms of the account pages: sign-in second step, preferences, tokens, delegations."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from klient.core.models import Role, User, timezone_choices


class OtpForm(forms.Form):
    """The six-digit code from an authenticator app."""

    token = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class PreferencesForm(forms.Form):
    """A user's own language and time zone."""

    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    timezone = forms.ChoiceField(label=_("Time zone"), choices=timezone_choices)


class TokenForm(forms.Form):
    """A new personal access token."""

    name = forms.CharField(label=_("Name"), max_length=100)
    is_read_only = forms.BooleanField(label=_("Read only"), required=False)
    expires_on = forms.DateField(
        label=_("Expires on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class DelegationForm(forms.Form):
    """Name a deputy for a period."""

    absent_user = forms.ModelChoiceField(label=_("Absent user"), queryset=User.objects.none())
    deputy = forms.ModelChoiceField(label=_("Deputy"), queryset=User.objects.none())
    starts_on = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("Until"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)

    def __init__(self, *args: Any, absent_choices: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["absent_user"].queryset = absent_choices  # type: ignore[attr-defined]
        self.fields["deputy"].queryset = (  # type: ignore[attr-defined]
            User.objects.filter(is_active=True).exclude(role=Role.PORTAL).order_by("username")
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts_on: datetime.date | None = data.get("starts_on")
        ends_on: datetime.date | None = data.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("The last day is before the first day."))
        return data
