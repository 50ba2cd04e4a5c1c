"""Activity screens: logging a call from the client card."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from klient.activities.forms import CallLogForm
from klient.activities.services import activity_create
from klient.core.models import User
from klient.customers.models import Company
from klient.customers.selectors import company_get
from klient.customers.views import card_context


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@login_required
@permission_required("activities.add_activity", raise_exception=True)
@require_POST
def call_log_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Save a call logged from the client card, and its next step; back to the card's timeline."""
    user = _user(request)
    try:
        company = company_get(user=user, pk=pk)
    except Company.DoesNotExist:
        raise Http404 from None
    form = CallLogForm(request.POST, company=company, user=user)
    if form.is_valid():
        try:
            activity_create(actor=user, company=company, **form.values())
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                name = {"next_step.subject": "next_subject", "next_step.due_at": "next_due"}.get(field, field)
                for message in errors:
                    form.add_error(name if name in form.fields else None, message)
        else:
            messages.success(request, _("Call logged."))
            return redirect(reverse("customers:company_detail", args=[pk]) + "#timeline")
    # What was typed stays in the form, open.
    context = card_context(request, company, call_form=form, call_form_open=True)
    return render(request, "customers/company_detail.html", context, status=400)
