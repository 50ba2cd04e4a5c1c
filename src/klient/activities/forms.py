"""Forms of the activity screens."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from klient.activities.models import CallOutcome, Direction, Metric, Period
from klient.activities.targets import SALES_ROLES, can_set_targets, people_to_follow
from klient.core.models import Role, Team, User
from klient.core.visibility import user_team_ids
from klient.customers.models import Company, Contact


class CallLogForm(forms.Form):
    """A call just made, with its outcome and, optionally, the next step: typed and saved at once.

    The fields come in the order a rep fills them with the keyboard: outcome first (it has the focus),
    then who, what, and the follow-up; Enter in any one-line field saves."""

    outcome = forms.ChoiceField(label=_("Outcome"))
    outcome_reason = forms.CharField(label=_("Reason"), max_length=200, required=False)
    contact = forms.ChoiceField(label=_("Contact"), required=False)
    direction = forms.ChoiceField(label=_("Direction"), choices=Direction.choices, initial=Direction.OUTBOUND)
    subject = forms.CharField(
        label=_("Subject"), max_length=200, required=False, help_text=_("The outcome when left empty.")
    )
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    next_subject = forms.CharField(label=_("Next step"), max_length=200, required=False)
    next_due = forms.DateTimeField(
        label=_("Next step due"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    duration = forms.IntegerField(min_value=0, max_value=24 * 3600, required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, company: Company, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.company = company
        self.user = user
        outcomes = CallOutcome.objects.filter(is_active=True)
        outcome_field = self.fields["outcome"]
        assert isinstance(outcome_field, forms.ChoiceField)
        outcome_field.choices = [("", "—"), *((outcome.code, outcome.label) for outcome in outcomes)]
        contacts = Contact.objects.filter(company=company, left_on__isnull=True).order_by(
            "last_name", "first_name"
        )
        contact_field = self.fields["contact"]
        assert isinstance(contact_field, forms.ChoiceField)
        contact_field.choices = [("", "—"), *((str(person.pk), str(person)) for person in contacts[:200])]
        self.fields["outcome"].widget.attrs.update(autofocus=True, **{"data-call-outcome": ""})

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("next_due") and not data.get("next_subject"):
            self.add_error("next_subject", _("Say what the next step is."))
        if data.get("next_subject") and not data.get("next_due"):
            self.add_error("next_due", _("Give the next step a due time."))
        return data

    def values(self) -> dict[str, Any]:
        """activity_create's arguments for this call, done now."""
        data = self.cleaned_data
        outcome = CallOutcome.objects.get(code=data["outcome"])
        values: dict[str, Any] = {
            "kind": "call",
            "direction": data["direction"],
            "subject": data["subject"] or outcome.label,
            "notes": data["notes"],
            "outcome": outcome,
            "outcome_reason": data["outcome_reason"],
            "done_at": timezone.now(),
            "duration": data.get("duration"),
            "contact": Contact.objects.filter(company=self.company, pk=data["contact"]).first()
            if data["contact"]
            else None,
        }
        if data.get("next_subject"):
            due: datetime.datetime = data["next_due"]
            if timezone.is_naive(due):
                due = due.replace(tzinfo=self.user.tzinfo)
            values["next_step"] = {"subject": data["next_subject"], "due_at": due}
        return values


class TargetForm(forms.Form):
    """A target for one member of the manager's teams, one of their teams, or (administrators) a role."""

    holder = forms.ChoiceField(label=_("For"))
    metric = forms.ChoiceField(label=_("Metric"), choices=Metric.choices)
    period = forms.ChoiceField(label=_("Period"), choices=Period.choices)
    value = forms.IntegerField(
        label=_("Target"), min_value=0, max_value=100_000, help_text=_("0 switches the metric off.")
    )
    starts_on = forms.DateField(
        label=_("From"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._people = {
            f"user:{person.pk}": person
            for person in people_to_follow(actor).filter(role__in=SALES_ROLES)
            if can_set_targets(actor, user=person)
        }
        teams = Team.objects.all() if actor.is_superuser else Team.objects.filter(pk__in=user_team_ids(actor))
        self._teams = {f"team:{team.pk}": team for team in teams.order_by("name")}
        self._roles = {f"role:{role}": role for role in SALES_ROLES} if actor.is_superuser else {}
        choices: list[Any] = [("", "—")]
        if self._people:
            choices.append(
                (
                    _("People"),
                    [
                        (key, person.get_full_name() or person.username)
                        for key, person in self._people.items()
                    ],
                )
            )
        if self._teams:
            choices.append((_("Teams"), [(key, team.name) for key, team in self._teams.items()]))
        if self._roles:
            choices.append((_("Roles"), [(key, Role(role).label) for key, role in self._roles.items()]))
        holder = self.fields["holder"]
        assert isinstance(holder, forms.ChoiceField)
        holder.choices = choices

    def values(self) -> dict[str, Any]:
        """The target_set arguments."""
        data = self.cleaned_data
        key = data["holder"]
        return {
            "metric": data["metric"],
            "period": data["period"],
            "value": data["value"],
            "starts_on": data["starts_on"],
            "user": self._people.get(key),
            "team": self._teams.get(key),
            "role": self._roles.get(key, ""),
        }
