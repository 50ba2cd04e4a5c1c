"""Mail screens: send an email from the client card, the outbox, mailings, and the unsubscribe link."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from klient.core.models import User
from klient.core.pagination import InvalidCursor, keyset_paginate
from klient.customers.filters import CompanyFilter
from klient.customers.models import Company
from klient.customers.selectors import company_get
from klient.mail.forms import MailingForm, SendEmailForm
from klient.mail.models import MailTemplate, OutboxStatus
from klient.mail.selectors import mailing_list, mailing_progress, outbox_list
from klient.mail.services import (
    SEND_PERMISSION,
    contact_language,
    mail_template_send,
    mail_to_contact,
    mailing_create,
    mailing_plan,
    template_render,
    unsubscribe_by_token,
)

PAGE_SIZE = 50


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _add_errors(form: Any, error: ValidationError) -> None:
    for field, errors in error.message_dict.items():
        for message in errors:
            form.add_error(field if field in form.fields else None, message)


@login_required
@permission_required(SEND_PERMISSION, raise_exception=True)
@require_http_methods(["GET", "POST"])
def send_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Write (or pick a template for) an email to a contact of the company, preview it, send it."""
    user = _user(request)
    try:
        company = company_get(user=user, pk=pk)
    except Company.DoesNotExist:
        raise Http404 from None
    if request.method == "GET":
        form = SendEmailForm(initial={"contact": request.GET.get("contact", "")}, company=company)
        return render(request, "mail/send.html", {"company": company, "form": form})
    form = SendEmailForm(request.POST, company=company)
    preview: dict[str, str] | None = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            if request.POST.get("action") == "preview":
                preview = _preview(user, form)
            else:
                if data["template"]:
                    mail_template_send(
                        actor=user,
                        contact=form.chosen_contact,
                        code=data["template"],
                        purpose=data["purpose"],
                    )
                else:
                    mail_to_contact(
                        actor=user,
                        contact=form.chosen_contact,
                        subject=data["subject"],
                        body=data["body"],
                        purpose=data["purpose"],
                    )
                messages.success(
                    request, _("Email to %(email)s queued.") % {"email": form.chosen_contact.email}
                )
                return redirect(reverse("customers:company_detail", args=[pk]) + "#timeline")
        except ValidationError as error:
            _add_errors(form, error)
    status = 200 if preview is not None else 400
    return render(
        request, "mail/send.html", {"company": company, "form": form, "preview": preview}, status=status
    )


def _preview(user: User, form: SendEmailForm) -> dict[str, str]:
    """What the contact would receive (before the unsubscribe footer a proposal gets)."""
    data = form.cleaned_data
    contact = form.chosen_contact
    language = contact_language(contact=contact, actor=user)
    if data["template"]:
        context = {"contact": contact, "company": contact.company, "sender": user}
        subject, body = template_render(code=data["template"], language=language, context=context)
    else:
        subject, body = data["subject"], data["body"]
    return {"to": f"{contact} <{contact.email}>", "subject": subject, "body": body, "language": language}


@login_required
@permission_required("mail.view_outboxmessage", raise_exception=True)
def outbox_view(request: HttpRequest) -> HttpResponse:
    """The messages the user sent (managers: their team's too), newest first, with their status."""
    user = _user(request)
    status = request.GET.get("status", "")
    status = status if status in OutboxStatus.values else ""
    try:
        page = keyset_paginate(
            outbox_list(user=user, status=status or None),
            ordering=["-created_at", "-id"],
            cursor=request.GET.get("cursor"),
            limit=PAGE_SIZE,
        )
    except InvalidCursor:
        raise Http404 from None
    return render(
        request,
        "mail/outbox.html",
        {"page": page, "status": status, "statuses": OutboxStatus.choices},
    )


def _selection_from(query: QueryDict) -> CompanyFilter:
    """The company list's filter a query names; ticked rows of the list come as `selected=<id>:<version>`."""
    company_filter = CompanyFilter.from_query(query)
    ticked = [value.split(":")[0] for value in query.getlist("selected")]
    company_filter.ids = sorted({*company_filter.ids, *(int(pk) for pk in ticked if pk.isdigit())})
    return company_filter


@login_required
@permission_required("mail.add_mailing", raise_exception=True)
@require_http_methods(["GET", "POST"])
def mailing_new_view(request: HttpRequest) -> HttpResponse:
    """A mailing to the companies of the company list's filter or ticked rows: a preview of who it
    reaches and who is left out, and a sample message; confirmed, it is queued."""
    user = _user(request)
    if request.method == "POST" and "confirm" not in request.POST:
        # Ticked rows posted from the company list's bulk bar: show the preview for them.
        return redirect(f"{reverse('mail:mailing_new')}?{_selection_from(request.POST).to_query()}")
    source = QueryDict(request.POST.get("selection", "")) if request.method == "POST" else request.GET
    company_filter = _selection_from(source)
    selection = company_filter.to_query()
    form = MailingForm(
        request.POST if request.method == "POST" else None,
        initial={"selection": selection, "template": request.GET.get("template", "proposal")},
    )
    context: dict[str, Any] = {
        "form": form,
        "selection": selection,
        "selection_items": [(key, value) for key, values in QueryDict(selection).lists() for value in values],
        "is_filtering": company_filter.is_filtering,
    }
    if not company_filter.is_filtering:
        return render(request, "mail/mailing_new.html", context)
    companies = company_filter.apply(Company.objects.visible_to(user), username=user.username)
    if request.method == "POST" and form.is_valid():
        template = MailTemplate.objects.filter(code=form.cleaned_data["template"], is_active=True).first()
        try:
            if template is None:
                raise ValidationError({"template": _("Choose a template.")})
            with transaction.atomic():
                mailing = mailing_create(
                    actor=user, template=template, companies=companies, selection=selection
                )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(
                request, _("Mailing queued: %(count)d messages.") % {"count": mailing.queued_count}
            )
            return redirect("mail:mailing_detail", pk=mailing.pk)
    code = form.data.get("template") if form.is_bound else form.initial.get("template")
    try:
        recipients, skipped = mailing_plan(companies=companies)
    except ValidationError as error:
        _add_errors(form, error)
        recipients, skipped = [], []
    context.update(recipients=recipients, skipped=skipped, sample=_sample(user, code or "", recipients))
    context["skipped_counts"] = _counts(reason for _company, reason in skipped)
    return render(request, "mail/mailing_new.html", context, status=400 if form.errors else 200)


def _counts(reasons: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for reason in reasons:
        counts[reason] = counts.get(reason, 0) + 1
    return counts


def _sample(user: User, code: str, recipients: list[Any]) -> dict[str, str] | None:
    """The first recipient's message, as they would read it."""
    if not recipients or not code:
        return None
    _company, contact = recipients[0]
    language = contact_language(contact=contact, actor=user)
    context = {"contact": contact, "company": contact.company, "sender": user}
    try:
        subject, body = template_render(code=code, language=language, context=context)
    except ValidationError:
        return None
    return {"to": f"{contact} <{contact.email}>", "subject": subject, "body": body, "language": language}


@login_required
@permission_required("mail.view_mailing", raise_exception=True)
def mailing_list_view(request: HttpRequest) -> HttpResponse:
    """The user's mailings (managers: their team's too), newest first."""
    mailings = list(mailing_list(user=_user(request))[:PAGE_SIZE])
    return render(request, "mail/mailings.html", {"mailings": mailings})


@login_required
@permission_required("mail.view_mailing", raise_exception=True)
def mailing_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A mailing's progress (refreshed while it runs) and the companies it left out, with why."""
    mailing = mailing_list(user=_user(request)).filter(pk=pk).first()
    if mailing is None:
        raise Http404
    context = {"mailing": mailing, "progress": mailing_progress(mailing=mailing)}
    if request.headers.get("HX-Request"):
        return render(request, "mail/mailing_detail.html#progress", context)
    return render(request, "mail/mailing_detail.html", context)


@csrf_exempt  # mail programs unsubscribe with a one-click POST (RFC 8058), without a session or token
@require_http_methods(["GET", "POST"])
def unsubscribe_view(request: HttpRequest, token: str) -> HttpResponse:
    """Following the link in a message unsubscribes its address from proposals and mailings; no sign-in."""
    try:
        entry = unsubscribe_by_token(token=token)
    except ValidationError:
        return render(request, "mail/unsubscribe.html", {"is_valid": False}, status=400)
    return render(request, "mail/unsubscribe.html", {"is_valid": True, "email": entry.email})
