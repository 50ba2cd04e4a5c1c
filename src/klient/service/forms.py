"""Forms of the service desk's pages: a ticket's header fields, the reply box, a phone ticket, merge,
link, time spent, copy addresses, the complaint fields, and the setup of queues, routing rules,
categories and macros. Forms parse input; the services check and save."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from klient.core.models import User
from klient.customers.forms import CompanyChoiceField
from klient.customers.models import Company, Contact
from klient.service.models import (
    Assignment,
    Category,
    Macro,
    Priority,
    Queue,
    RoutingRule,
    SlaPolicy,
    Ticket,
    TicketStatus,
    TicketType,
)

DATE = forms.DateInput(attrs={"type": "date"})


def agents() -> Any:
    """Active users who work on tickets (service roles and administrators)."""
    from klient.core.roles import SERVICE_ROLES

    return User.objects.filter(is_active=True, role__in=[*SERVICE_ROLES, "admin"]).order_by(
        "first_name", "username"
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class TicketHeaderForm(forms.Form):
    """A ticket's fields an agent changes from its page."""

    status = forms.ChoiceField(label=_("Status"), choices=TicketStatus.choices)
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)
    type = forms.ChoiceField(label=_("Type"), choices=TicketType.choices)
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.none(), required=False)
    queue = forms.ModelChoiceField(label=_("Queue"), queryset=Queue.objects.none())
    assignee = forms.ModelChoiceField(label=_("Assignee"), queryset=User.objects.none(), required=False)
    company = CompanyChoiceField(label=_("Company"), queryset=Company.objects.none(), required=False)
    contact = forms.ModelChoiceField(label=_("Contact"), queryset=Contact.objects.none(), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: User, ticket: Ticket, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(is_active=True)  # type: ignore[attr-defined]
        self.fields["queue"].queryset = Queue.objects.filter(is_active=True)  # type: ignore[attr-defined]
        self.fields["assignee"].queryset = agents()  # type: ignore[attr-defined]
        company_field = self.fields["company"]
        assert isinstance(company_field, CompanyChoiceField)
        company_field.limit_to(user=user, exclude=None, current=ticket.company)
        contacts = (
            Contact.objects.filter(company_id=ticket.company_id)
            if ticket.company_id
            else Contact.objects.none()
        )
        self.fields["contact"].queryset = contacts.order_by("last_name", "first_name")  # type: ignore[attr-defined]


class ComplaintForm(forms.Form):
    """A complaint's root cause, corrective action, compensation and due date."""

    root_cause = forms.CharField(
        label=_("Root cause"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    corrective_action = forms.CharField(
        label=_("Corrective action"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    compensation = forms.CharField(
        label=_("Compensation"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    complaint_due = forms.DateField(label=_("Due date"), required=False, widget=DATE)
    version = forms.IntegerField(widget=forms.HiddenInput)


class ReplyForm(forms.Form):
    """The reply box: a public reply (mailed) or an internal note, the status after it, files, and the
    macro it came from (whose fields are set when it is sent)."""

    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 8}), max_length=100_000)
    public = forms.TypedChoiceField(
        label=_("Send as"),
        choices=[("1", _("Public reply")), ("0", _("Internal note"))],
        coerce=lambda value: value == "1",
        initial="1",
        widget=forms.RadioSelect,
    )
    status = forms.ChoiceField(
        label=_("Status after the reply"),
        choices=[("", _("As the macro sets, else pending customer")), *TicketStatus.choices],
        required=False,
    )
    macro = forms.ModelChoiceField(label=_("Macro"), queryset=Macro.objects.none(), required=False)
    attachments = MultipleFileField(label=_("Attachments"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["macro"].queryset = Macro.objects.filter(is_active=True)  # type: ignore[attr-defined]


class PhoneTicketForm(forms.Form):
    """A request an agent takes by phone (or any other way) and logs as a ticket."""

    company = CompanyChoiceField(label=_("Company"), queryset=Company.objects.none(), required=False)
    contact = forms.ModelChoiceField(label=_("Contact"), queryset=Contact.objects.none(), required=False)
    requester_name = forms.CharField(label=_("Caller's name"), max_length=200, required=False)
    requester_email = forms.EmailField(label=_("Caller's email"), required=False)
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=[
            ("phone", _("Phone")),
            ("email", _("Email")),
            ("portal", _("Portal")),
            ("web_form", _("Web form")),
        ],
    )
    subject = forms.CharField(label=_("Subject"), max_length=255)
    body = forms.CharField(label=_("What the customer asked"), widget=forms.Textarea(attrs={"rows": 6}))
    type = forms.ChoiceField(label=_("Type"), choices=TicketType.choices)
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, initial=Priority.NORMAL)
    queue = forms.ModelChoiceField(
        label=_("Queue"),
        queryset=Queue.objects.none(),
        required=False,
        help_text=_("Left empty: routing decides."),
    )
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.none(), required=False)

    def __init__(self, *args: Any, user: User, company: Company | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        company_field = self.fields["company"]
        assert isinstance(company_field, CompanyChoiceField)
        company_field.limit_to(user=user, exclude=None, current=company)
        contacts = Contact.objects.visible_to(user)
        self.fields["contact"].queryset = contacts  # type: ignore[attr-defined]
        # Only the chosen company's contacts are offered; any visible contact is accepted.
        self.fields["contact"].widget.choices = [
            ("", "—"),
            *(
                (contact.pk, str(contact))
                for contact in (
                    contacts.filter(company=company).order_by("last_name", "first_name") if company else []
                )
            ),
        ]
        self.fields["queue"].queryset = Queue.objects.filter(is_active=True)  # type: ignore[attr-defined]
        self.fields["category"].queryset = Category.objects.filter(is_active=True)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("company") or data.get("contact") or data.get("requester_email")):
            raise forms.ValidationError(_("Choose the company or contact, or give the caller's email."))
        return data


class MergeForm(forms.Form):
    into = forms.IntegerField(label=_("Merge into ticket number"), min_value=1)


class LinkForm(forms.Form):
    other = forms.IntegerField(label=_("Ticket number"), min_value=1)
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[
            ("related", _("Related")),
            ("follow_up", _("Follow-up of")),
            ("duplicate", _("Duplicate of")),
        ],
    )


class TimeSpentForm(forms.Form):
    minutes = forms.IntegerField(label=_("Minutes"), min_value=1, max_value=24 * 60)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class ParticipantForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
    name = forms.CharField(label=_("Name"), max_length=200, required=False)


# --- setup ---------------------------------------------------------------------------------------------


class QueueForm(forms.ModelForm):
    """A queue's settings; its members are the agents ticked, each taking new tickets or not."""

    class Meta:
        model = Queue
        fields = [
            "name",
            "email",
            "lead",
            "assignment",
            "reassign_on_breach",
            "sla_policy",
            "acknowledge",
            "is_active",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = agents()  # type: ignore[attr-defined]
        self.fields["sla_policy"].queryset = SlaPolicy.objects.filter(is_active=True)  # type: ignore[attr-defined]
        self.fields["assignment"].choices = Assignment.choices  # type: ignore[attr-defined]


class RoutingRuleForm(forms.ModelForm):
    """A routing rule: its conditions (each left empty holds for every ticket), queue and priority."""

    company = CompanyChoiceField(label=_("Company"), queryset=Company.objects.none(), required=False)

    class Meta:
        model = RoutingRule
        fields = [
            "name",
            "order",
            "recipient",
            "category",
            "company",
            "key_account",
            "language",
            "queue",
            "set_priority",
            "is_active",
        ]

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        company_field = self.fields["company"]
        assert isinstance(company_field, CompanyChoiceField)
        company_field.limit_to(
            user=user, exclude=None, current=self.instance.company if self.instance.company_id else None
        )
        self.fields["language"] = forms.ChoiceField(
            label=_("Language"), choices=[("", "—"), *settings.LANGUAGES], required=False
        )


class CategoryForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = ["name", "is_active"]


class MacroForm(forms.Form):
    """A macro: its name, one text per language, and the fields it sets."""

    name = forms.CharField(label=_("Name"), max_length=100)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    set_status = forms.ChoiceField(
        label=_("Sets status"), choices=[("", "—"), *TicketStatus.choices], required=False
    )
    set_priority = forms.ChoiceField(
        label=_("Sets priority"), choices=[("", "—"), *Priority.choices], required=False
    )
    set_type = forms.ChoiceField(
        label=_("Sets type"), choices=[("", "—"), *TicketType.choices], required=False
    )
    set_category = forms.ModelChoiceField(
        label=_("Sets category"), queryset=Category.objects.none(), required=False
    )
    set_queue = forms.ModelChoiceField(
        label=_("Moves to queue"), queryset=Queue.objects.none(), required=False
    )
    assign_to_me = forms.BooleanField(label=_("Assigns the ticket to whoever applies it"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["set_category"].queryset = Category.objects.filter(is_active=True)  # type: ignore[attr-defined]
        self.fields["set_queue"].queryset = Queue.objects.filter(is_active=True)  # type: ignore[attr-defined]
        for code, name in settings.LANGUAGES:
            self.fields[f"text_{code}"] = forms.CharField(
                label=_("Text in %(language)s") % {"language": name},
                required=False,
                widget=forms.Textarea(attrs={"rows": 5}),
                help_text=_(
                    "Variables: {{ contact.name }}, {{ company.name }}, {{ ticket.reference }}, {{ agent.name }}"
                )
                if code == "en"
                else "",
            )

    @staticmethod
    def initial_for(macro: Macro) -> dict[str, Any]:
        actions = macro.actions or {}
        initial: dict[str, Any] = {
            "name": macro.name,
            "is_active": macro.is_active,
            "set_status": actions.get("status", ""),
            "set_priority": actions.get("priority", ""),
            "set_type": actions.get("type", ""),
            "set_category": actions.get("category"),
            "set_queue": actions.get("queue"),
            "assign_to_me": actions.get("assignee") == "me",
        }
        for text in macro.texts.all():
            initial[f"text_{text.language}"] = text.body
        return initial

    def texts(self) -> dict[str, str]:
        return {code: self.cleaned_data.get(f"text_{code}", "") for code, _name in settings.LANGUAGES}

    def actions(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "status": data.get("set_status") or "",
            "priority": data.get("set_priority") or "",
            "type": data.get("set_type") or "",
            "category": data["set_category"].pk if data.get("set_category") else None,
            "queue": data["set_queue"].pk if data.get("set_queue") else None,
            "assignee": "me" if data.get("assign_to_me") else None,
        }
