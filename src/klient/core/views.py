"""Account pages: sign-in (with optional TOTP), home, search, preferences, tokens, delegations."""

from __future__ import annotations

import datetime

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from klient.core.exceptions import NotAllowed
from klient.core.forms import DelegationForm, OtpForm, PreferencesForm, TokenForm
from klient.core.models import Delegation, Role, User
from klient.core.selectors import api_token_list, delegation_absent_choices, delegation_list
from klient.core.services import (
    api_token_create,
    api_token_revoke,
    can_manage_delegations_of,
    delegation_cancel,
    delegation_create,
    user_update_preferences,
)
from klient.core.visibility import delegators
from klient.customers.models import Company, Contact
from klient.customers.selectors import company_list, search_results

OTP_PENDING_KEY = "klient_otp_pending_user"
OTP_BACKEND_KEY = "klient_otp_pending_backend"
SEARCH_LIMIT = 20


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _staff_user(request: HttpRequest) -> User:
    """The signed-in user when they are staff; portal customers are refused (403)."""
    user = _user(request)
    if user.role == Role.PORTAL:
        raise PermissionDenied
    return user


def safe_next(request: HttpRequest, fallback: str) -> str:
    """Where to go back to: the `next` field or parameter when it is a path of this site, else `fallback`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    """Password first; users with an authenticator app then give a code on a second step."""
    if request.user.is_authenticated:
        return redirect("core:home")  # which sends portal customers on to the portal
    form = AuthenticationForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.get_user()
        if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            request.session[OTP_PENDING_KEY] = user.pk
            request.session[OTP_BACKEND_KEY] = getattr(
                user, "backend", "django.contrib.auth.backends.ModelBackend"
            )
            next_url = safe_next(request, "")
            target = reverse("core:login_otp")
            return redirect(f"{target}?next={next_url}" if next_url else target)
        login(request, user)
        return HttpResponseRedirect(safe_next(request, reverse("core:home")))
    return render(request, "registration/login.html", {"form": form, "next": request.GET.get("next", "")})


@require_http_methods(["GET", "POST"])
def login_otp_view(request: HttpRequest) -> HttpResponse:
    """Second sign-in step: the code from the user's authenticator app."""
    user_id = request.session.get(OTP_PENDING_KEY)
    user = User.objects.filter(pk=user_id, is_active=True).first() if user_id else None
    if user is None:
        return redirect("core:login")
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"].strip().replace(" ", "")
        device = next(
            (d for d in TOTPDevice.objects.filter(user=user, confirmed=True) if d.verify_token(token)),
            None,
        )
        if device is None:
            form.add_error("token", _("That code is not valid. Check the time on your phone and try again."))
        else:
            backend = request.session.pop(OTP_BACKEND_KEY, "django.contrib.auth.backends.ModelBackend")
            request.session.pop(OTP_PENDING_KEY, None)
            login(request, user, backend=backend)
            otp_login(request, device)
            return HttpResponseRedirect(safe_next(request, reverse("core:home")))
    return render(request, "registration/login_otp.html", {"form": form, "next": request.GET.get("next", "")})


@login_required
def home_view(request: HttpRequest) -> HttpResponse:
    """Start page: the user's recent companies and delegations in force. Portal customers have the portal."""
    user = _user(request)
    if user.role == Role.PORTAL:
        return redirect("portal:ticket_list")
    recent = []
    if user.has_perm("customers.view_company"):
        recent = list(company_list(user=user).filter(owner=user).order_by("-updated_at", "-id")[:10])
    today = timezone.localdate()
    return render(
        request,
        "core/home.html",
        {
            "recent_companies": recent,
            "standing_in_for": delegators(user),
            "my_deputies": Delegation.objects.active_on(today)
            .filter(absent_user=user)
            .select_related("deputy"),
        },
    )


@login_required
def search_view(request: HttpRequest) -> HttpResponse:
    """Global search: companies first, then contacts with their company; later issues add deals and tickets."""
    user = _user(request)
    query = request.GET.get("q", "").strip()
    companies: list[Company] = []
    contacts: list[Contact] = []
    if query:
        companies, contacts = search_results(user=user, query=query, limit=SEARCH_LIMIT)
    template = (
        "core/search.html#results" if request.headers.get("HX-Request") == "true" else "core/search.html"
    )
    context = {"query": query, "companies": companies, "contacts": contacts, "limit": SEARCH_LIMIT}
    return render(request, template, context)


@require_POST
def set_language_view(request: HttpRequest) -> HttpResponse:
    """Switch language: saved on the user when signed in, in a cookie otherwise."""
    language = request.POST.get("language", "")
    if language not in dict(settings.LANGUAGES):
        messages.error(request, _("Unknown language."))
        return redirect(safe_next(request, reverse("core:home")))
    user = request.user
    if isinstance(user, User) and user.is_authenticated:
        user_update_preferences(user=user, language=language)
    translation.activate(language)
    response = redirect(safe_next(request, reverse("core:home")))
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 3600,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite="Lax",
    )
    return response


@login_required
@require_http_methods(["GET", "POST"])
def profile_view(request: HttpRequest) -> HttpResponse:
    """The user's own settings: language, time zone, two-factor sign-in, links to tokens."""
    user = _user(request)
    form = PreferencesForm(
        request.POST or None, initial={"language": user.language, "timezone": user.timezone}
    )
    if request.method == "POST" and form.is_valid():
        user_update_preferences(
            user=user, language=form.cleaned_data["language"], timezone_name=form.cleaned_data["timezone"]
        )
        translation.activate(user.language)
        messages.success(request, _("Your preferences were saved."))
        return redirect("core:profile")
    return render(
        request,
        "core/profile.html",
        {"form": form, "has_two_factor": TOTPDevice.objects.filter(user=user, confirmed=True).exists()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup_view(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app: scan the QR code, confirm with a code."""
    user = _user(request)
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first() or TOTPDevice.objects.create(
        user=user, name="authenticator", confirmed=False
    )
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"].strip().replace(" ", "")):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
            otp_login(request, device)
            messages.success(
                request, _("Two-factor sign-in is on. You will be asked for a code when you sign in.")
            )
            return redirect("core:profile")
        form.add_error("token", _("That code is not valid. Check the time on your phone and try again."))
    qr_svg = segno.make(device.config_url, error="m").svg_inline(scale=4)
    return render(
        request,
        "core/two_factor_setup.html",
        {"form": form, "qr_svg": qr_svg, "secret": _base32(device.bin_key)},
    )


def _base32(key: bytes) -> str:
    import base64

    return base64.b32encode(key).decode().rstrip("=")


@login_required
@require_POST
def two_factor_disable_view(request: HttpRequest) -> HttpResponse:
    """Turn two-factor sign-in off; the password is asked again."""
    user = _user(request)
    if authenticate(request, username=user.username, password=request.POST.get("password", "")) is None:
        messages.error(request, _("The password is not correct; two-factor sign-in stays on."))
        return redirect("core:profile")
    TOTPDevice.objects.filter(user=user).delete()
    messages.success(request, _("Two-factor sign-in is off."))
    return redirect("core:profile")


@login_required
@require_http_methods(["GET", "POST"])
def token_list_view(request: HttpRequest) -> HttpResponse:
    """The user's API tokens: create (shown once) and revoke."""
    user = _user(request)
    form = TokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        expires_on = form.cleaned_data.get("expires_on")
        expires_at = (
            datetime.datetime.combine(expires_on, datetime.time.max, tzinfo=user.tzinfo)
            if expires_on
            else None
        )
        _token, new_token = api_token_create(
            user=user,
            name=form.cleaned_data["name"],
            is_read_only=form.cleaned_data["is_read_only"],
            expires_at=expires_at,
        )
        messages.success(request, _("Token created. Copy it now: it will not be shown again."))
        form = TokenForm()
    return render(
        request,
        "core/tokens.html",
        {"form": form, "tokens": api_token_list(user=user), "new_token": new_token},
    )


@login_required
@require_POST
def token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Revoke one of the user's tokens."""
    user = _user(request)
    token = api_token_list(user=user).filter(pk=pk).first()
    if token is None:
        raise Http404
    api_token_revoke(token=token, actor=user)
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("core:token_list")


@login_required
@require_http_methods(["GET", "POST"])
def delegation_list_view(request: HttpRequest) -> HttpResponse:
    """Deputies: the user's own and, for managers, their team's; naming a new one."""
    user = _staff_user(request)
    absent_choices = delegation_absent_choices(user=user)
    form = DelegationForm(
        request.POST or None, absent_choices=absent_choices, initial={"absent_user": user.pk}
    )
    if request.method == "POST" and form.is_valid():
        try:
            delegation_create(actor=user, **form.cleaned_data)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        except NotAllowed as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Deputy named."))
            return redirect("core:delegation_list")
    today = timezone.localdate()
    delegations = list(delegation_list(user=user)[:200])
    return render(
        request,
        "core/delegations.html",
        {
            "form": form,
            "delegations": delegations,
            "today": today,
            # A deputy sees the delegation but only the absent user or their manager may end it.
            "can_end": {d.pk for d in delegations if can_manage_delegations_of(user, d.absent_user)},
        },
    )


@login_required
@require_POST
def delegation_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    """End a delegation now."""
    user = _staff_user(request)
    delegation = delegation_list(user=user).filter(pk=pk).first()
    if delegation is None:
        raise Http404
    try:
        delegation_cancel(delegation=delegation, actor=user)
    except NotAllowed as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Delegation ended."))
    return redirect("core:delegation_list")
