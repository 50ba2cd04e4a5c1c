"""Forms of the call list screens."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from klient.activities.calllists.models import CallScript, Objection
from klient.activities.calllists.services import ObjectionUse
from klient.core.models import Role, User
from klient.core.visibility import user_team_ids


def assignable_users(actor: User) -> list[User]:
    """Whom the actor may give a list to: members of their teams (everyone for administrators)."""
    users = User.objects.filter(is_active=True).exclude(role=Role.PORTAL).order_by("username")
    if not actor.is_superuser:
        users = users.filter(team_id__in=user_team_ids(actor))
    return [user for user in users if user.has_perm("calllists.view_calllist")]


class _UserChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj} ({obj.username})" if str(obj) != obj.username else obj.username


class AssignForm(forms.Form):
    """Who works the list, and whether its entries are dealt out among them."""

    users = _UserChoice(
        label=_("Assign to"), queryset=User.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    round_robin = forms.BooleanField(
        label=_("Deal the entries out in turn (round robin)"),
        required=False,
        help_text=_("Otherwise each of them takes the next entry to call."),
    )

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["users"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = User.objects.filter(pk__in=[user.pk for user in assignable_users(actor)]).order_by(
            "username"
        )


class CallListBuildForm(forms.Form):
    """A new call list's name, script and assignment; the companies come from the company filter."""

    name = forms.CharField(label=_("Name"), max_length=200)
    script = forms.ModelChoiceField(label=_("Script"), queryset=CallScript.objects.none(), required=False)
    with_contacts = forms.BooleanField(
        label=_("With a contact of each company"), required=False, initial=True
    )

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        script = self.fields["script"]
        assert isinstance(script, forms.ModelChoiceField)
        script.queryset = CallScript.objects.filter(is_active=True).order_by("name")
        if actor.has_perm("calllists.change_calllist"):
            assign = AssignForm(*args, actor=actor, **kwargs)
            self.fields["users"] = assign.fields["users"]
            self.fields["users"].required = False
            self.fields["users"].help_text = _("Nobody: the list is yours.")
            self.fields["round_robin"] = assign.fields["round_robin"]


class SkipForm(forms.Form):
    """Why the entry is skipped (optional)."""

    reason = forms.CharField(label=_("Reason for skipping"), max_length=200, required=False)


class SnoozeForm(forms.Form):
    """Until when the entry is put aside, on the rep's clock."""

    until = forms.DateTimeField(
        label=_("Call again at"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_until(self) -> datetime.datetime:
        until: datetime.datetime = self.cleaned_data["until"]
        # The time is typed on the rep's clock, whatever zone the request runs in.
        typed = timezone.localtime(until).replace(tzinfo=None) if timezone.is_aware(until) else until
        return typed.replace(tzinfo=self.user.tzinfo)


def objection_uses(data: Any, library: list[Objection]) -> tuple[list[ObjectionUse], list[str]]:
    """The objections ticked on the call form (`objection` values), each with `answer_<id>` and
    `overcome_<id>`; and the errors of what could not be read."""
    by_id = {objection.pk: objection for objection in library}
    uses: list[ObjectionUse] = []
    errors: list[str] = []
    for raw in data.getlist("objection"):
        objection = by_id.get(int(raw)) if str(raw).isdigit() else None
        if objection is None:
            errors.append(str(_("Unknown objection.")))
            continue
        answer_id = data.get(f"answer_{objection.pk}", "")
        answers = {answer.pk: answer for answer in objection.answers.all()}
        answer = answers.get(int(answer_id)) if str(answer_id).isdigit() else None
        if answer_id and answer is None:
            errors.append(str(_("Unknown answer.")))
            continue
        uses.append(
            ObjectionUse(objection, answer, data.get(f"overcome_{objection.pk}") in {"on", "1", "true"})
        )
    return uses, errors
