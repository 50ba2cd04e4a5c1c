"""Greetings and events screens: occasions to greet, events and their invitations, and the page where an
invited contact answers (no sign-in)."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from klient.activities.greetings.forms import EventForm, HolidayForm, InvitationAnswerForm, InviteForm
from klient.activities.greetings.models import Event, Invitation, InvitationStatus, ProfessionalHoliday
from klient.activities.greetings.myday import greeting_send_url, occasion_title
from klient.activities.greetings.selectors import (
    MAX_DAYS,
    event_get,
    event_list,
    invitation_candidates,
    invitation_get,
    invitation_list,
    occasions_between,
)
from klient.activities.greetings.services import (
    ANSWERS,
    GreetingAlreadySent,
    contact_language,
    event_create,
    event_invite,
    greeting_send,
    holiday_create,
    holiday_update,
    invitation_answer,
    invitation_from_token,
)
from klient.core.models import User
from klient.core.views import safe_next
from klient.core.visibility import delegators, local_today
from klient.customers.models import Contact

DEFAULT_DAYS = 14


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@login_required
@permission_required("greetings.view_greetingsent", raise_exception=True)
@require_GET
def greeting_list_view(request: HttpRequest) -> HttpResponse:
    """Birthdays and holidays of the contacts of the user's companies (and of those they stand in for)."""
    user = _user(request)
    days = request.GET.get("days", "")
    period = min(int(days), MAX_DAYS) if days.isdigit() and int(days) > 0 else DEFAULT_DAYS
    today = local_today(user)
    end = today + datetime.timedelta(days=period - 1)
    occasions = occasions_between(owners=[user, *delegators(user)], start=today, end=end)
    rows = [
        {
            "occasion": occasion,
            "title": occasion_title(occasion),
            "send_url": greeting_send_url(occasion)
            if occasion.contact.email and not occasion.is_greeted
            else "",
        }
        for occasion in occasions
    ]
    return render(
        request,
        "greetings/greeting_list.html",
        {"rows": rows, "start": today, "end": end, "days": period, "day_choices": (7, 14, 31, 62, 92)},
    )


@login_required
@permission_required("greetings.add_greetingsent", raise_exception=True)
@require_POST
def greeting_send_view(request: HttpRequest, contact_id: int, code: str, year: int) -> HttpResponse:
    """Send one greeting (the one-click button of My Day and of the greetings page); back to `next`."""
    user = _user(request)
    contact = Contact.objects.visible_to(user).select_related("company").filter(pk=contact_id).first()
    if contact is None:
        raise Http404
    back = safe_next(request, reverse("greetings:greeting_list"))
    try:
        greeting_send(actor=user, contact=contact, code=code, year=year)
    except GreetingAlreadySent:
        messages.info(request, _("%(name)s has already been greeted: nothing was sent.") % {"name": contact})
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Greeting sent to %(name)s.") % {"name": contact})
    return redirect(back)


@login_required
@permission_required("greetings.view_professionalholiday", raise_exception=True)
@require_GET
def holiday_list_view(request: HttpRequest) -> HttpResponse:
    """The professional holiday calendar, each with its date this year."""
    user = _user(request)
    year = local_today(user).year
    language = translation.get_language() or "en"
    holidays = [
        {"holiday": holiday, "name": holiday.name_in(language), "date": holiday.date_in(year)}
        for holiday in ProfessionalHoliday.objects.all()
    ]
    return render(
        request,
        "greetings/holiday_list.html",
        {
            "holidays": holidays,
            "year": year,
            "can_edit": user.has_perm("greetings.change_professionalholiday"),
        },
    )


@login_required
@permission_required("greetings.view_event", raise_exception=True)
@require_http_methods(["GET", "POST"])
def event_list_view(request: HttpRequest) -> HttpResponse:
    """Events, newest first, with their invitation counts; managers and reps plan new ones here."""
    user = _user(request)
    form = EventForm(request.POST or None, user=user)
    if request.method == "POST":
        if not user.has_perm("greetings.add_event"):
            return render(request, "403.html", status=403)
        if form.is_valid():
            try:
                event = event_create(actor=user, **form.values())
            except ValidationError as error:
                for name, errors in error.message_dict.items():
                    for message in errors:
                        form.add_error(name if name in form.fields else None, message)
            else:
                messages.success(request, _("Event planned."))
                return redirect("greetings:event_detail", pk=event.pk)
    events = list(event_list(user=user)[:200])
    return render(
        request,
        "greetings/event_list.html",
        {"events": events, "form": form, "can_add": user.has_perm("greetings.add_event")},
        status=400 if form.errors else 200,
    )


def _event_page(
    request: HttpRequest, event: Event, *, invite_form: InviteForm | None = None, status: int = 200
) -> HttpResponse:
    user = _user(request)
    shown = request.GET.get("status", "")
    invitations = invitation_list(
        user=user, event=event, status=shown if shown in InvitationStatus.values else None
    )
    return render(
        request,
        "greetings/event_detail.html",
        {
            "event": event,
            "not_answered": event.invited_count - event.accepted_count - event.declined_count,  # type: ignore[attr-defined]
            "invitations": list(invitations[:500]),
            "shown": shown,
            "statuses": InvitationStatus.choices,
            "invite_form": invite_form or InviteForm(),
            "can_invite": user.has_perm("greetings.add_invitation"),
            "can_answer": user.has_perm("greetings.change_invitation"),
        },
        status=status,
    )


@login_required
@permission_required("greetings.view_event", raise_exception=True)
@require_GET
def event_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """An event: its details, how many were invited, accepted, declined or have not answered, and who."""
    try:
        event = event_get(user=_user(request), pk=pk)
    except Event.DoesNotExist:
        raise Http404 from None
    return _event_page(request, event)


@login_required
@permission_required("greetings.add_invitation", raise_exception=True)
@require_POST
def event_invite_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Invite contacts by id or by a company filter; each gets the invitation mail once."""
    user = _user(request)
    try:
        event = event_get(user=user, pk=pk)
    except Event.DoesNotExist:
        raise Http404 from None
    form = InviteForm(request.POST)
    if form.is_valid():
        contacts = invitation_candidates(
            user=user, contact_ids=form.cleaned_data["contact_ids"], company_filter=form.company_filter()
        )
        try:
            result = event_invite(event=event, actor=user, contacts=contacts)
        except ValidationError as error:
            for message in error.messages:
                form.add_error("contact_ids", message)
        else:
            messages.success(
                request,
                _(
                    "Invited: %(invited)d. Already invited: %(already)d. Without an email address: %(without)d."
                )
                % {
                    "invited": len(result.invited),
                    "already": len(result.already_invited),
                    "without": len(result.without_email),
                },
            )
            return redirect("greetings:event_detail", pk=event.pk)
    return _event_page(request, event, invite_form=form, status=400)


@login_required
@permission_required("greetings.change_invitation", raise_exception=True)
@require_POST
def invitation_answer_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Set the answer a rep heard on the phone."""
    user = _user(request)
    try:
        invitation = invitation_get(user=user, pk=pk)
    except Invitation.DoesNotExist:
        raise Http404 from None
    form = InvitationAnswerForm(request.POST)
    if form.is_valid():
        invitation_answer(invitation=invitation, status=form.cleaned_data["status"], actor=user)
        messages.success(request, _("Answer of %(name)s saved.") % {"name": invitation.contact})
    else:
        messages.error(request, _("Choose an answer."))
    return redirect(reverse("greetings:event_detail", args=[invitation.event_id]) + "#invitations")


@require_http_methods(["GET", "POST"])
def invitation_reply_view(request: HttpRequest, token: str, answer: str) -> HttpResponse:
    """The page of the links in an invitation: in the contact's language, no sign-in. Opening it shows the
    question (mail scanners open links too); the button records the answer."""
    invitation = invitation_from_token(token)
    if invitation is None or answer not in ANSWERS:
        raise Http404
    language = contact_language(invitation.contact, invitation.invited_by)
    with translation.override(language):
        recorded = False
        if request.method == "POST":
            invitation = invitation_answer(invitation=invitation, status=ANSWERS[answer])
            recorded = True
        response = render(
            request,
            "greetings/invitation_reply.html",
            {
                "invitation": invitation,
                "event": invitation.event,
                "answer": answer,
                "recorded": recorded,
                "reply_language": language,
            },
        )
    response["Content-Language"] = language
    return response


def _holiday_form_page(request: HttpRequest, holiday: ProfessionalHoliday | None) -> HttpResponse:
    user = _user(request)
    form = HolidayForm(request.POST or None, instance=holiday)
    if request.method == "POST" and form.is_valid():
        try:
            if holiday is None:
                holiday_create(actor=user, **form.values())
            else:
                holiday_update(holiday=holiday, actor=user, **form.values())
        except ValidationError as error:
            for name, errors in error.message_dict.items():
                for message in errors:
                    form.add_error(name if name in form.fields else None, message)
        else:
            messages.success(request, _("The holiday calendar is saved."))
            return redirect("greetings:holiday_list")
    return render(
        request,
        "greetings/holiday_form.html",
        {"form": form, "holiday": holiday},
        status=400 if form.errors else 200,
    )


@login_required
@permission_required("greetings.add_professionalholiday", raise_exception=True)
@require_http_methods(["GET", "POST"])
def holiday_create_view(request: HttpRequest) -> HttpResponse:
    """Add a professional holiday (sales managers)."""
    return _holiday_form_page(request, None)


@login_required
@permission_required("greetings.change_professionalholiday", raise_exception=True)
@require_http_methods(["GET", "POST"])
def holiday_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a professional holiday (sales managers)."""
    holiday = ProfessionalHoliday.objects.filter(pk=pk).first()
    if holiday is None:
        raise Http404
    return _holiday_form_page(request, holiday)
