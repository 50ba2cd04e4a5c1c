"""Forms of the mail screens."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from klient.customers.models import Company, Contact
from klient.mail.models import MailPurpose
from klient.mail.selectors import template_choices


def _template_field(*, required: bool, initial: str = "") -> forms.ChoiceField:
    empty = [] if required else [("", _("— none: write the message —"))]
    return forms.ChoiceField(
        label=_("Template"),
        required=required,
        initial=initial,
        choices=[*empty, *((template.code, template.name) for template in template_choices())],
    )


class SendEmailForm(forms.Form):
    """A message to one contact of a company: from a template, or written here."""

    contact = forms.ChoiceField(label=_("To"))
    template = forms.ChoiceField(label=_("Template"), required=False)
    purpose = forms.ChoiceField(
        label=_("Purpose"),
        required=False,
        choices=[("", _("The template's (or none)")), *MailPurpose.choices],
        help_text=_("Commercial proposals count towards your proposal target and carry an unsubscribe link."),
    )
    subject = forms.CharField(
        label=_("Subject"), max_length=200, required=False, help_text=_("Not needed with a template.")
    )
    body = forms.CharField(
        label=_("Message"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Not needed with a template."),
    )

    def __init__(self, *args: Any, company: Company, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.company = company
        self.contacts = {
            str(contact.pk): contact
            for contact in Contact.objects.filter(company=company, left_on__isnull=True)
            .exclude(email="")
            .order_by("last_name", "first_name", "id")[:200]
        }
        self.fields["contact"] = forms.ChoiceField(
            label=_("To"),
            choices=[(pk, f"{contact} <{contact.email}>") for pk, contact in self.contacts.items()],
        )
        self.fields["template"] = _template_field(required=False)
        self.order_fields(["contact", "template", "purpose", "subject", "body"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("template"):
            if not data.get("subject"):
                self.add_error("subject", _("Give the message a subject, or choose a template."))
            if not (data.get("body") or "").strip():
                self.add_error("body", _("Write the message, or choose a template."))
        return data

    @property
    def chosen_contact(self) -> Contact:
        return self.contacts[self.cleaned_data["contact"]]


class MailingForm(forms.Form):
    """The template of a mailing; the companies come from the company list's selection."""

    template = forms.ChoiceField(label=_("Template"))
    selection = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["template"] = _template_field(required=True, initial="proposal")
        self.order_fields(["template", "selection"])
