"""The customer portal's pages under /portal/: sign-in (password or a one-time link by mail), the
customer's tickets (their own, or their company's as allowed), a ticket with its public messages, a new
ticket, a reply, closing and rating, the profile; the rating page of the resolution mail's link; the
embeddable web form; and, for staff, the invitation of a contact and the satisfaction results."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from functools import wraps
from typing import Any

from csp.decorators import csp_replace
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from klient.core.exceptions import NotAllowed
from klient.core.models import User
from klient.core.views import safe_next
from klient.customers.models import Contact
from klient.mail.services import language_code
from klient.service.models import DONE_STATUSES, Satisfaction, Ticket, TicketAttachment, TicketStatus
from klient.service.portal.forms import (
    PortalPasswordForm,
    PortalSetPasswordForm,
    ProfileForm,
    RatingForm,
    ReplyForm,
    SignInLinkForm,
    TicketForm,
    WebForm,
    file_inputs,
)
from klient.service.portal.models import PortalAccount
from klient.service.portal.selectors import (
    portal_attachment_get,
    portal_ticket_get,
    portal_ticket_list,
    public_messages,
    satisfaction_visible,
)
from klient.service.portal.services import (
    portal_account_of,
    portal_invite,
    portal_profile_update,
    portal_reply,
    portal_signed_in,
    portal_ticket_close,
    portal_ticket_open,
    sign_in_link_request,
    sign_in_link_use,
    web_form_submit,
)
from klient.service.satisfaction import satisfaction_rate, satisfaction_summary, ticket_for_rating_token

TICKETS_PER_PAGE = 25
# The web form: at most this many submissions an hour from one address (IP) and for one email.
WEB_FORM_PER_IP_PER_HOUR = 10
WEB_FORM_PER_EMAIL_PER_HOUR = 3
# Link requests from one IP an hour (each account gets at most a few links an hour anyway).
LINK_REQUESTS_PER_IP_PER_HOUR = 20
RECENT_RATINGS = 50

View = Callable[..., HttpResponseBase]


def _add_errors(form: Any, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, texts in error.message_dict.items():
            form.add_error(name if name in form.fields else None, texts)
    else:
        form.add_error(None, error.messages)


def _over_limit(key: str, limit: int, *, count: bool = True) -> bool:
    """Whether `key` has been counted `limit` times this hour (counting this time when `count`)."""
    cache.add(key, 0, timeout=60 * 60)
    current = cache.get(key, 0)
    if current >= limit:
        return True
    if count:
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, timeout=60 * 60)
    return False


def _client_ip(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))


def portal_view(view: View) -> View:
    """Pages for signed-in portal customers only: the anonymous are sent to the portal's sign-in, staff
    and portal users without an account are refused. The account is passed to the view."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("portal:login"))
        account = portal_account_of(request.user)
        if account is None:
            raise PermissionDenied
        return view(request, account, *args, **kwargs)

    return wrapped


def _ticket_or_404(account: PortalAccount, number: int) -> Ticket:
    try:
        return portal_ticket_get(account, number)
    except Ticket.DoesNotExist:
        raise Http404 from None


def _help_url(language: str) -> str:
    # The public knowledge base lives at /help/ (in the customer's language).
    return f"/help/?lang={language}"


def _context(account: PortalAccount | None, **extra: Any) -> dict[str, Any]:
    language = account.user.language if account else translation.get_language()
    return {
        "account": account,
        "help_url": _help_url(language or "en"),
        "brand": settings.DOCUMENT_COMPANY_NAME,
        **extra,
    }


# --- sign-in ---------------------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    """Sign in with the address and a password, or ask for a sign-in link by mail."""
    if portal_account_of(request.user) is not None:
        return redirect("portal:ticket_list")
    form = PortalPasswordForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.get_user()
        account = portal_account_of(user)
        if account is None:
            # Staff and accounts without a contact are not told apart from a wrong password.
            form.add_error(None, form.get_invalid_login_error())
        else:
            login(request, user)
            portal_signed_in(account=account)
            return redirect(safe_next(request, reverse("portal:ticket_list")))
    return render(
        request,
        "portal/login.html",
        _context(None, form=form, link_form=SignInLinkForm(), next=request.GET.get("next", "")),
    )


@never_cache
@require_POST
def link_request_view(request: HttpRequest) -> HttpResponse:
    """Mail a sign-in link; the answer is the same whether the address has an account or not."""
    form = SignInLinkForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "portal/login.html",
            _context(None, form=PortalPasswordForm(request), link_form=form, next=""),
            status=400,
        )
    if not _over_limit(f"portal-link-ip:{_client_ip(request)}", LINK_REQUESTS_PER_IP_PER_HOUR):
        sign_in_link_request(email=form.cleaned_data["email"])
    return render(request, "portal/link_sent.html", _context(None, email=form.cleaned_data["email"]))


@never_cache
@require_http_methods(["GET", "POST"])
def link_sign_in_view(request: HttpRequest, token: str) -> HttpResponse:
    """A sign-in link from the mail: a button signs in (mail scanners that open links do not use it up)."""
    if request.method == "POST":
        try:
            account = sign_in_link_use(token=token)
        except ValidationError as error:
            return render(
                request,
                "portal/link_invalid.html",
                _context(None, error=" ".join(error.messages)),
                status=400,
            )
        login(request, account.user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("portal:ticket_list")
    return render(request, "portal/link_sign_in.html", _context(None, token=token))


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("portal:login")


# --- tickets ---------------------------------------------------------------------------------------------


@portal_view
@require_GET
def ticket_list_view(request: HttpRequest, account: PortalAccount) -> HttpResponse:
    """The customer's tickets, newest first; open or done ones only with ?status=."""
    status = request.GET.get("status", "")
    page = Paginator(portal_ticket_list(account, status=status), TICKETS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "portal/ticket_list.html", _context(account, page=page, status=status))


@portal_view
@require_http_methods(["GET", "POST"])
def ticket_new_view(request: HttpRequest, account: PortalAccount) -> HttpResponse:
    """Open a ticket: the kind of request, subject, text and files."""
    form = TicketForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ticket = portal_ticket_open(
                account=account,
                subject=data["subject"],
                body=data["body"],
                type=data["type"],
                files=file_inputs(data["attachments"]),
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(
                request, _("Your request %(reference)s was received.") % {"reference": ticket.reference}
            )
            return redirect("portal:ticket_detail", number=ticket.number)
    return render(request, "portal/ticket_new.html", _context(account, form=form))


def _detail(request: HttpRequest, account: PortalAccount, ticket: Ticket, **forms: Any) -> HttpResponse:
    satisfaction = Satisfaction.objects.filter(ticket=ticket).first()
    is_done = ticket.status in DONE_STATUSES
    rating_form = forms.get("rating_form") or RatingForm(
        initial={"rating": satisfaction.rating, "comment": satisfaction.comment}
        if satisfaction and satisfaction.rating
        else None
    )
    return render(
        request,
        "portal/ticket_detail.html",
        _context(
            account,
            ticket=ticket,
            messages_shown=list(public_messages(ticket)),
            reply_form=forms.get("reply_form") or ReplyForm(),
            rating_form=rating_form,
            satisfaction=satisfaction,
            can_close=ticket.status != TicketStatus.CLOSED,
            can_rate=is_done,
        ),
        status=400 if forms else 200,
    )


@portal_view
@require_GET
def ticket_detail_view(request: HttpRequest, account: PortalAccount, number: int) -> HttpResponse:
    """A ticket as the customer sees it: its public messages and files, never internal notes."""
    return _detail(request, account, _ticket_or_404(account, number))


@portal_view
@require_POST
def ticket_reply_view(request: HttpRequest, account: PortalAccount, number: int) -> HttpResponse:
    ticket = _ticket_or_404(account, number)
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            portal_reply(
                account=account,
                ticket=ticket,
                body=form.cleaned_data["body"],
                files=file_inputs(form.cleaned_data["attachments"]),
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Your reply was added."))
            return redirect("portal:ticket_detail", number=ticket.number)
    return _detail(request, account, ticket, reply_form=form)


@portal_view
@require_POST
def ticket_close_view(request: HttpRequest, account: PortalAccount, number: int) -> HttpResponse:
    ticket = _ticket_or_404(account, number)
    portal_ticket_close(account=account, ticket=ticket)
    messages.success(request, _("The ticket is closed. You can still rate it and reply to reopen it."))
    return redirect("portal:ticket_detail", number=ticket.number)


@portal_view
@require_POST
def ticket_rate_view(request: HttpRequest, account: PortalAccount, number: int) -> HttpResponse:
    ticket = _ticket_or_404(account, number)
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            satisfaction_rate(
                ticket=ticket,
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
                contact=account.contact,
                actor=account.user,
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Thank you for your rating."))
            return redirect("portal:ticket_detail", number=ticket.number)
    return _detail(request, account, ticket, rating_form=form)


@portal_view
@require_GET
def attachment_view(
    request: HttpRequest, account: PortalAccount, number: int, attachment_id: int
) -> FileResponse:
    """A file of a public message on one of the customer's tickets."""
    try:
        attachment = portal_attachment_get(account, number=number, attachment_id=attachment_id)
    except (Ticket.DoesNotExist, TicketAttachment.DoesNotExist):
        raise Http404 from None
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.filename,
        content_type=attachment.content_type or "application/octet-stream",
    )


@portal_view
@require_http_methods(["GET", "POST"])
def profile_view(request: HttpRequest, account: PortalAccount) -> HttpResponse:
    """The customer's language and password."""
    user = account.user
    profile_form = ProfileForm(initial={"language": user.language})
    password_form = PortalSetPasswordForm(user)
    if request.method == "POST" and request.POST.get("form") == "language":
        profile_form = ProfileForm(request.POST)
        if profile_form.is_valid():
            portal_profile_update(account=account, language=profile_form.cleaned_data["language"])
            translation.activate(user.language)
            messages.success(request, _("Your language is saved."))
            return redirect("portal:profile")
    elif request.method == "POST" and request.POST.get("form") == "password":
        password_form = PortalSetPasswordForm(user, request.POST)
        if password_form.is_valid():
            password_form.save()
            update_session_auth_hash(request, user)
            messages.success(request, _("Your password is saved."))
            return redirect("portal:profile")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "portal/profile.html",
        _context(account, profile_form=profile_form, password_form=password_form),
        status=status,
    )


# --- rating by the mail's link ------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def rate_view(request: HttpRequest, token: str) -> HttpResponse:
    """The rating page of the resolution mail's link: 1–5 and a comment, no sign-in; rating again
    replaces the rating."""
    try:
        ticket = ticket_for_rating_token(token)
    except Ticket.DoesNotExist:
        raise Http404 from None
    with translation.override(language_code(ticket.language) or "en"):
        satisfaction = Satisfaction.objects.filter(ticket=ticket).first()
        form = RatingForm(
            request.POST or None,
            initial={"rating": satisfaction.rating, "comment": satisfaction.comment}
            if satisfaction and satisfaction.rating
            else None,
        )
        thanks = False
        status = 200
        if request.method == "POST":
            if form.is_valid():
                try:
                    satisfaction = satisfaction_rate(
                        ticket=ticket,
                        rating=form.cleaned_data["rating"],
                        comment=form.cleaned_data["comment"],
                        contact=ticket.contact,
                    )
                    thanks = True
                except ValidationError as error:
                    _add_errors(form, error)
            if not thanks:
                status = 400
        response = render(
            request,
            "portal/rate.html",
            _context(
                None,
                ticket=ticket,
                form=form,
                satisfaction=satisfaction,
                thanks=thanks,
                can_rate=ticket.status in DONE_STATUSES,
            ),
            status=status,
        )
    return response


# --- the web form ---------------------------------------------------------------------------------------


@never_cache
@csrf_exempt  # shown in other sites' iframes, where no cookie of ours is sent; the stamp and limits guard it
@xframe_options_exempt
@csp_replace({"frame-ancestors": ["*"]})
@require_http_methods(["GET", "POST"])
def web_form_view(request: HttpRequest) -> HttpResponse:
    """The embeddable anonymous request form (in ?lang=, else the browser's language). Spam checks: an
    empty honeypot field, at least 3 seconds and at most a day between showing and sending, and at most
    a few requests an hour from one address and for one email. A valid request opens one ticket."""
    language = language_code(request.GET.get("lang", "")) or translation.get_language() or "en"
    with translation.override(language):
        form = WebForm(request.POST or None, request.FILES or None)
        status = 200
        ticket = None
        if request.method == "POST":
            if _over_limit(f"portal-form-ip:{_client_ip(request)}", WEB_FORM_PER_IP_PER_HOUR):
                form.is_valid()
                form.add_error(None, _("Too many requests from your network. Try again in an hour."))
                status = 429
            elif form.is_valid():
                email = form.cleaned_data["email"].strip().lower()
                if _over_limit(f"portal-form-email:{email}", WEB_FORM_PER_EMAIL_PER_HOUR):
                    form.add_error("email", _("Too many requests from this address. Try again in an hour."))
                    status = 429
                else:
                    upload = form.cleaned_data.get("file")
                    ticket = web_form_submit(
                        name=form.cleaned_data["name"],
                        email=email,
                        subject=form.cleaned_data["subject"],
                        body=form.cleaned_data["body"],
                        language=language,
                        files=file_inputs([upload]) if upload else [],
                    )
            else:
                status = 400
        response = render(
            request,
            "portal/web_form.html",
            {"form": form, "ticket": ticket, "language": language, "brand": settings.DOCUMENT_COMPANY_NAME},
            status=status,
        )
    return response


# --- staff: invitations and satisfaction ---------------------------------------------------------------------


@login_required
@permission_required("customers.change_contact", raise_exception=True)
@require_POST
def invite_view(request: HttpRequest, contact_id: int) -> HttpResponse:
    """Invite a contact to the portal (from the contact card or a ticket): a sign-in link by mail."""
    user = request.user
    assert isinstance(user, User)
    contact = Contact.objects.visible_to(user).filter(pk=contact_id).first()
    if contact is None:
        raise Http404
    back = safe_next(request, reverse("customers:contact_detail", args=[contact.pk]))
    try:
        account = portal_invite(
            contact=contact,
            actor=user,
            can_see_company_tickets=request.POST.get("can_see_company_tickets") in {"1", "on", "true"},
        )
    except NotAllowed as error:
        raise PermissionDenied(str(error)) from None
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(back)
    messages.success(
        request,
        _("%(name)s was sent a sign-in link to the portal at %(email)s.")
        % {"name": contact.full_name, "email": account.user.email},
    )
    return redirect(back)


def _period_start(months: int) -> datetime.datetime:
    today = timezone.localdate()
    first = today.replace(day=1)
    for _step in range(months - 1):
        first = (first - datetime.timedelta(days=1)).replace(day=1)
    return datetime.datetime.combine(first, datetime.time.min, tzinfo=timezone.get_current_timezone())


@login_required
@permission_required("service.view_ticket", raise_exception=True)
@require_GET
def satisfaction_view(request: HttpRequest) -> HttpResponse:
    """Satisfaction results for the service desk: average and count per agent and per month over a
    period, and the recent ratings with their comments, of the tickets the user sees."""
    user = request.user
    assert isinstance(user, User)
    try:
        months = min(max(int(request.GET.get("months", "3")), 1), 24)
    except ValueError:
        months = 3
    start = _period_start(months)
    ratings = satisfaction_visible(user).filter(
        Q(rated_at__gte=start) | Q(rated_at__isnull=True, asked_at__gte=start)
    )
    summary = satisfaction_summary(ratings)
    recent = list(
        ratings.filter(rating__isnull=False)
        .select_related("ticket", "agent")
        .order_by("-rated_at", "-id")[:RECENT_RATINGS]
    )
    return render(
        request,
        "portal/satisfaction.html",
        {
            "summary": summary,
            "recent": recent,
            "months": months,
            "periods": [1, 3, 6, 12],
            "start": start.date(),
        },
    )
