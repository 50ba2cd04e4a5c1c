"""Mail intake pages for administrators: the quarantine (messages that could not be processed, with the
reason, their headers and a safe text preview, the raw .eml, and "Process again"), the IMAP mailboxes
`klient fetchmail` polls (list, add, edit, test the connection), and the log addresses."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from klient.core.exceptions import NotAllowed
from klient.core.models import User
from klient.core.pagination import request_page
from klient.service import intake
from klient.service.models import InboundMail, LogAddress, Mailbox, Queue

PAGE_SIZE = 50
QUARANTINE = "service.manage_quarantine"


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _quarantined(pk: int) -> InboundMail:
    inbound = InboundMail.objects.quarantined().filter(pk=pk).first()
    if inbound is None:
        raise Http404
    return inbound


@login_required
@permission_required(QUARANTINE, raise_exception=True)
def quarantine_list_view(request: HttpRequest) -> HttpResponse:
    """Quarantined messages, newest first: when, from, subject, size and why."""
    q = request.GET.get("q", "").strip()
    rows = InboundMail.objects.quarantined()
    if q:
        rows = rows.filter(intake.quarantine_search(q))
    page, next_query = request_page(request, rows, ordering=["-received_at", "-id"], limit=PAGE_SIZE)
    return render(
        request,
        "service/intake/quarantine_list.html",
        {"items": page.items, "q": q, "next_query": next_query},
    )


@login_required
@permission_required(QUARANTINE, raise_exception=True)
def quarantine_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """One quarantined message: the reason, its headers and its text (never its HTML), and the actions."""
    inbound = _quarantined(pk)
    preview = intake.quarantine_preview(inbound)
    return render(request, "service/intake/quarantine_detail.html", {"inbound": inbound, **preview})


@login_required
@permission_required(QUARANTINE, raise_exception=True)
def quarantine_raw_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The message byte for byte, as a .eml file to open in a mail client."""
    inbound = _quarantined(pk)
    response = HttpResponse(bytes(inbound.raw), content_type="message/rfc822")
    response["Content-Disposition"] = f'attachment; filename="quarantine-{inbound.pk}.eml"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@permission_required(QUARANTINE, raise_exception=True)
@require_POST
def quarantine_reprocess_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Process the message again; say what became of it."""
    inbound = _quarantined(pk)
    try:
        outcome = intake.reprocess(inbound=inbound, actor=_user(request))
    except (ValidationError, NotAllowed) as error:
        messages.error(
            request, " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        )
        return redirect("service:quarantine_detail", pk=inbound.pk)
    if outcome.status == intake.Status.QUARANTINED:
        messages.error(request, _("Still quarantined: %(reason)s") % {"reason": outcome.reason})
        return redirect("service:quarantine_detail", pk=inbound.pk)
    if outcome.ticket is not None:
        messages.success(
            request,
            _("Processed: %(status)s, ticket T-%(number)s.")
            % {"status": outcome.status, "number": outcome.ticket},
        )
    else:
        messages.success(request, _("Processed: %(status)s.") % {"status": outcome.status})
    return redirect("service:quarantine_list")


# --- mailboxes -------------------------------------------------------------------------------------------


class MailboxForm(forms.ModelForm):
    """An IMAP mailbox; the password is kept when left empty on an edit."""

    password = forms.CharField(
        label=gettext_lazy("password"), required=False, widget=forms.PasswordInput(render_value=False)
    )

    class Meta:
        model = Mailbox
        fields = [
            "name",
            "host",
            "port",
            "use_ssl",
            "username",
            "password",
            "folder",
            "queue",
            "delete_after",
            "is_active",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        queue_field = self.fields["queue"]
        assert isinstance(queue_field, forms.ModelChoiceField)
        queue_field.queryset = Queue.objects.filter(is_active=True)
        if not self.instance.pk:
            self.fields["password"].required = True

    def clean_password(self) -> str:
        password = str(self.cleaned_data.get("password") or "")
        return password or (self.instance.password if self.instance.pk else "")


@login_required
@permission_required("service.view_mailbox", raise_exception=True)
def mailbox_list_view(request: HttpRequest) -> HttpResponse:
    """The mailboxes polled, with when each was last polled and its last error."""
    mailboxes = list(Mailbox.objects.select_related("queue").order_by("name"))
    return render(
        request,
        "service/intake/mailbox_list.html",
        {
            "mailboxes": mailboxes,
            "can_change": _user(request).has_perm("service.change_mailbox"),
            "can_add": _user(request).has_perm("service.add_mailbox"),
        },
    )


def _mailbox_form(request: HttpRequest, mailbox: Mailbox | None) -> HttpResponse:
    form = MailboxForm(request.POST or None, instance=mailbox)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            saved = form.save()
        messages.success(request, _("Mailbox %(name)s saved.") % {"name": saved.name})
        return redirect("service:mailbox_list")
    return render(request, "service/intake/mailbox_form.html", {"form": form, "mailbox": mailbox})


@login_required
@permission_required("service.add_mailbox", raise_exception=True)
@require_http_methods(["GET", "POST"])
def mailbox_create_view(request: HttpRequest) -> HttpResponse:
    """Add a mailbox to poll."""
    return _mailbox_form(request, None)


@login_required
@permission_required("service.change_mailbox", raise_exception=True)
@require_http_methods(["GET", "POST"])
def mailbox_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a mailbox (the password stays unless a new one is typed)."""
    return _mailbox_form(request, get_object_or_404(Mailbox, pk=pk))


@login_required
@permission_required("service.change_mailbox", raise_exception=True)
@require_POST
def mailbox_test_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Sign in to the mailbox and open its folder, and say whether that worked (nothing is fetched)."""
    mailbox = get_object_or_404(Mailbox, pk=pk)
    error = intake.mailbox_test(mailbox=mailbox)
    if error:
        messages.error(
            request, _("%(name)s: the connection failed: %(error)s") % {"name": mailbox.name, "error": error}
        )
    else:
        messages.success(request, _("%(name)s: connected, the folder opens.") % {"name": mailbox.name})
    return redirect("service:mailbox_list")


# --- log addresses ---------------------------------------------------------------------------------------


class LogAddressForm(forms.ModelForm):
    class Meta:
        model = LogAddress
        fields = ["email"]

    def clean_email(self) -> str:
        return str(self.cleaned_data["email"]).strip().lower()


@login_required
@permission_required("service.view_logaddress", raise_exception=True)
@require_http_methods(["GET", "POST"])
def log_address_list_view(request: HttpRequest) -> HttpResponse:
    """The log addresses, and a form to add one."""
    user = _user(request)
    form = LogAddressForm(request.POST or None)
    if request.method == "POST":
        if not user.has_perm("service.add_logaddress"):
            raise PermissionDenied
        if form.is_valid():
            form.save()
            messages.success(
                request,
                _("Mail BCC'd to %(email)s is now logged on the contacts' timelines.")
                % {"email": form.cleaned_data["email"]},
            )
            return redirect("service:log_address_list")
    return render(
        request,
        "service/intake/log_address_list.html",
        {
            "addresses": list(LogAddress.objects.order_by("email")),
            "form": form,
            "can_add": user.has_perm("service.add_logaddress"),
            "can_delete": user.has_perm("service.delete_logaddress"),
        },
    )


@login_required
@permission_required("service.delete_logaddress", raise_exception=True)
@require_POST
def log_address_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove a log address (mail to it is then treated as any other mail)."""
    address = get_object_or_404(LogAddress, pk=pk)
    address.delete()
    messages.success(request, _("%(email)s removed.") % {"email": address.email})
    return redirect("service:log_address_list")


urlpatterns: list[URLPattern] = [
    path("mail/quarantine/", quarantine_list_view, name="quarantine_list"),
    path("mail/quarantine/<int:pk>/", quarantine_detail_view, name="quarantine_detail"),
    path("mail/quarantine/<int:pk>/raw.eml", quarantine_raw_view, name="quarantine_raw"),
    path("mail/quarantine/<int:pk>/reprocess/", quarantine_reprocess_view, name="quarantine_reprocess"),
    path("mail/mailboxes/", mailbox_list_view, name="mailbox_list"),
    path("mail/mailboxes/new/", mailbox_create_view, name="mailbox_create"),
    path("mail/mailboxes/<int:pk>/edit/", mailbox_edit_view, name="mailbox_edit"),
    path("mail/mailboxes/<int:pk>/test/", mailbox_test_view, name="mailbox_test"),
    path("mail/log-addresses/", log_address_list_view, name="log_address_list"),
    path("mail/log-addresses/<int:pk>/delete/", log_address_delete_view, name="log_address_delete"),
]
