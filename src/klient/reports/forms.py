"""Forms of the report screens."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from klient.reports.services import COMMENT_MAX_LENGTH

GROUP_CHOICES = [
    ("rep", _("By rep")),
    ("day", _("By day")),
    ("segment", _("By segment")),
    ("hour", _("Best hours to call")),
]


class CallAnalysisFilterForm(forms.Form):
    """The period (days on the viewer's clock) and the grouping of the call-result analysis."""

    start = forms.DateField(
        label=_("From"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    end = forms.DateField(label=_("Until"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    group = forms.ChoiceField(label=_("Group"), choices=GROUP_CHOICES, initial="rep")

    def __init__(self, data: Any, *, start: datetime.date, end: datetime.date) -> None:
        values = {"start": start.isoformat(), "end": end.isoformat(), "group": "rep"}
        values.update({name: data[name] for name in values if data.get(name)})
        super().__init__(values)


class MonthlyReportCommentForm(forms.Form):
    """The user's comment on their monthly report."""

    comment = forms.CharField(
        label=_("Your comment"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        max_length=COMMENT_MAX_LENGTH,
    )
