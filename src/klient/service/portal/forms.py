"""Forms of the customer portal: sign-in (password or emailed link), a new ticket, a reply, the profile,
the rating, and the anonymous web form with its spam checks (a honeypot field and a signed time stamp)."""

from __future__ import annotations

import time
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm
from django.core import signing
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from klient.service.models import TicketType
from klient.service.portal.services import CUSTOMER_TYPES
from klient.service.services import FileInput

MAX_FILES = 5
MAX_FILE_BYTES = 10 * 1024 * 1024
FORM_SALT = "klient.service.portal.web-form"
# A person takes at least this long to fill the web form; a form older than a day is stale.
FORM_MIN_SECONDS = 3
FORM_MAX_SECONDS = 24 * 60 * 60


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (at most MAX_FILES, each at most MAX_FILE_BYTES)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        items = data if isinstance(data, list | tuple) else ([data] if data else [])
        files = [super(MultipleFileField, self).clean(item, initial) for item in items]
        files = [item for item in files if item]
        if len(files) > MAX_FILES:
            raise forms.ValidationError(_("Attach at most %(count)d files.") % {"count": MAX_FILES})
        for item in files:
            if item.size and item.size > MAX_FILE_BYTES:
                raise forms.ValidationError(
                    _("%(name)s is larger than %(size)d MB.")
                    % {"name": item.name, "size": MAX_FILE_BYTES // (1024 * 1024)}
                )
        return files


def file_inputs(files: list[UploadedFile]) -> list[FileInput]:
    """Uploaded files as the ticket services take them."""
    return [
        FileInput(
            filename=item.name or "attachment",
            content=item.read(),
            content_type=item.content_type or "application/octet-stream",
        )
        for item in files
    ]


class PortalPasswordForm(AuthenticationForm):
    """Sign-in with the address and a password (django-axes counts failures as on the staff page)."""

    username = forms.CharField(
        label=_("Email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    def clean_username(self) -> str:
        # Portal users are named by their address, kept in lower case.
        return str(self.cleaned_data.get("username", "")).strip().lower()


class SignInLinkForm(forms.Form):
    email = forms.EmailField(label=_("Email"), max_length=254)


class TicketForm(forms.Form):
    """A new ticket: what kind of request, its subject, the text and files."""

    type = forms.ChoiceField(
        label=_("Kind of request"),
        choices=[(t.value, t.label) for t in CUSTOMER_TYPES],
        initial=TicketType.QUESTION,
    )
    subject = forms.CharField(label=_("Subject"), max_length=255)
    body = forms.CharField(
        label=_("Describe your request"), max_length=50_000, widget=forms.Textarea(attrs={"rows": 8})
    )
    attachments = MultipleFileField(label=_("Attachments"))


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"), max_length=50_000, required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    attachments = MultipleFileField(label=_("Attachments"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("body") or "").strip() and not data.get("attachments"):
            self.add_error("body", _("Write your reply."))
        return data


class ProfileForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language"), choices=lambda: [(code, str(name)) for code, name in settings.LANGUAGES]
    )


class PortalSetPasswordForm(SetPasswordForm):
    """A new password (no old one asked: a link-signed-in customer may never have had one)."""


class RatingForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Rating"), choices=[(n, str(n)) for n in range(1, 6)], coerce=int, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )


def form_stamp(now: float | None = None) -> str:
    """The signed time the web form was shown at."""
    return signing.dumps(int(now if now is not None else time.time()), salt=FORM_SALT)


class WebForm(forms.Form):
    """The anonymous request form. `website` is a honeypot: hidden from people, filled by bots; `stamp`
    is the signed time the form was shown: a submission sooner than 3 seconds or later than a day after
    is refused."""

    name = forms.CharField(label=_("Your name"), max_length=200)
    email = forms.EmailField(label=_("Your email"), max_length=254)
    subject = forms.CharField(label=_("Subject"), max_length=255)
    body = forms.CharField(
        label=_("Your request"), max_length=50_000, widget=forms.Textarea(attrs={"rows": 8})
    )
    file = forms.FileField(label=_("Attachment"), required=False)
    website = forms.CharField(label=_("Leave this field empty"), required=False, max_length=200)
    stamp = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, now: float | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.now = now if now is not None else time.time()
        if not self.is_bound:
            self.initial["stamp"] = form_stamp(self.now)
        self.fields["website"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})

    def clean_website(self) -> str:
        value: str = self.cleaned_data.get("website", "")
        if value:
            raise forms.ValidationError(_("This field must stay empty."))
        return value

    def clean_stamp(self) -> str:
        value: str = self.cleaned_data["stamp"]
        try:
            shown = int(signing.loads(value, salt=FORM_SALT))
        except (signing.BadSignature, TypeError, ValueError):
            raise forms.ValidationError(_("The form is not valid any more. Load the page again.")) from None
        elapsed = self.now - shown
        if elapsed < FORM_MIN_SECONDS:
            raise forms.ValidationError(_("The form was sent too fast. Wait a moment and send it again."))
        if elapsed > FORM_MAX_SECONDS:
            raise forms.ValidationError(_("The form is more than a day old. Load the page again."))
        return value

    def clean_file(self) -> UploadedFile | None:
        item: UploadedFile | None = self.cleaned_data.get("file")
        if item is not None and item.size and item.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                _("%(name)s is larger than %(size)d MB.")
                % {"name": item.name, "size": MAX_FILE_BYTES // (1024 * 1024)}
            )
        return item
