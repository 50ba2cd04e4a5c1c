"""Competitors' screens: the catalogue of competitors (searched by name), a competitor's page with the
companies it supplies that the reader can see, the managers' form, and the client card's "Competitors"
section with its add, edit and delete forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from klient.core.exceptions import VersionConflict
from klient.core.models import User
from klient.core.pagination import InvalidCursor, keyset_paginate
from klient.customers.models import Company
from klient.customers.selectors import company_get
from klient.sales.competitors.forms import CompetitorForm, SupplyForm
from klient.sales.competitors.models import Competitor, CompetitorSupply
from klient.sales.competitors.selectors import (
    card_supplies,
    competitor_list,
    supplies_of_competitor,
    supply_get,
)
from klient.sales.competitors.services import (
    competitor_create,
    competitor_update,
    supply_create,
    supply_delete,
    supply_update,
)

PAGE_SIZE = 50
# Companies a competitor's page lists; the API pages through all of them.
PAGE_SUPPLIES = 200


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _add_errors(form: forms.BaseForm, error: ValidationError) -> None:
    for field, field_messages in error.message_dict.items():
        for message in field_messages:
            form.add_error(field if field in form.fields else None, message)


def _competitor(pk: int) -> Competitor:
    try:
        return Competitor.objects.select_related("created_by").get(pk=pk)
    except Competitor.DoesNotExist:
        raise Http404 from None


def _card_url(company_id: int) -> str:
    return reverse("customers:company_detail", args=[company_id]) + "#competitors"


@login_required
@permission_required("competitors.view_competitor", raise_exception=True)
def competitor_list_view(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    try:
        page = keyset_paginate(
            competitor_list(q=q), ordering=["name", "id"], cursor=request.GET.get("cursor"), limit=PAGE_SIZE
        )
    except InvalidCursor:
        raise Http404 from None
    next_query = ""
    if page.next_cursor:
        query = request.GET.copy()
        query["cursor"] = page.next_cursor
        next_query = query.urlencode()
    return render(
        request,
        "competitors/competitor_list.html",
        {
            "competitors": page.items,
            "q": q,
            "next_query": next_query,
            "can_add": _user(request).has_perm("competitors.add_competitor"),
        },
    )


@login_required
@permission_required("competitors.view_competitor", raise_exception=True)
def competitor_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A competitor: its facts, and which of the companies the reader can see it supplies with what."""
    user = _user(request)
    competitor = _competitor(pk)
    supplies: list[CompetitorSupply] | None = None
    more_supplies = False
    if user.has_perm("competitors.view_competitorsupply"):
        rows = list(
            supplies_of_competitor(user=user, competitor=competitor).order_by("id")[: PAGE_SUPPLIES + 1]
        )
        more_supplies = len(rows) > PAGE_SUPPLIES
        supplies = sorted(
            rows[:PAGE_SUPPLIES], key=lambda supply: (supply.company.name.casefold(), supply.pk)
        )
    return render(
        request,
        "competitors/competitor_detail.html",
        {
            "competitor": competitor,
            "supplies": supplies,
            "more_supplies": more_supplies,
            "can_edit": user.has_perm("competitors.change_competitor"),
        },
    )


@login_required
@permission_required("competitors.add_competitor", raise_exception=True)
def competitor_create_view(request: HttpRequest) -> HttpResponse:
    form = CompetitorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            competitor = competitor_create(actor=_user(request), **form.values())
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Competitor saved."))
            return redirect(reverse("competitors:competitor_detail", args=[competitor.pk]))
    status = 400 if request.method == "POST" else 200
    return render(
        request, "competitors/competitor_form.html", {"form": form, "competitor": None}, status=status
    )


@login_required
@permission_required("competitors.change_competitor", raise_exception=True)
def competitor_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    competitor = _competitor(pk)
    if request.method != "POST":
        return render(
            request,
            "competitors/competitor_form.html",
            {"form": CompetitorForm.for_competitor(competitor), "competitor": competitor},
        )
    form = CompetitorForm(request.POST)
    if form.is_valid():
        try:
            version = form.cleaned_data["version"] or competitor.version
            competitor_update(competitor=competitor, actor=_user(request), version=version, **form.values())
        except VersionConflict:
            form.add_error(
                None, _("Someone changed this competitor meanwhile: reload it and make your change again.")
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Competitor saved."))
            return redirect(reverse("competitors:competitor_detail", args=[pk]))
    return render(
        request, "competitors/competitor_form.html", {"form": form, "competitor": competitor}, status=400
    )


def card_section(user: User, company: Company) -> dict[str, Any] | None:
    """The client card's "Competitors" section: the company's supplies (one query) and the add form (one
    query for its choice of competitors); None for whom may not read them. The card checked the company is
    visible."""
    if not user.has_perm("competitors.view_competitorsupply"):
        return None
    can_add = user.has_perm("competitors.add_competitorsupply")
    return {
        "supplies": card_supplies(company=company),
        "form": SupplyForm(auto_id="id_supply_%s") if can_add else None,
        "can_change": user.has_perm("competitors.change_competitorsupply"),
        "can_delete": user.has_perm("competitors.delete_competitorsupply"),
    }


def _visible_company(request: HttpRequest, pk: int) -> Company:
    try:
        return company_get(user=_user(request), pk=pk)
    except Company.DoesNotExist:
        raise Http404 from None


def _visible_supply(request: HttpRequest, pk: int) -> CompetitorSupply:
    try:
        return supply_get(user=_user(request), pk=pk)
    except CompetitorSupply.DoesNotExist:
        raise Http404 from None


def _supply_form_page(
    request: HttpRequest, form: SupplyForm, company: Company, supply: CompetitorSupply | None, status: int
) -> HttpResponse:
    return render(
        request,
        "competitors/supply_form.html",
        {"form": form, "company": company, "supply": supply},
        status=status,
    )


@login_required
@permission_required("competitors.add_competitorsupply", raise_exception=True)
def supply_create_view(request: HttpRequest, company_pk: int) -> HttpResponse:
    """Record a competitor's supply to a company (from the card's form, or this page)."""
    company = _visible_company(request, company_pk)
    form = SupplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            supply_create(actor=_user(request), company=company, **form.values())
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Competitor's supply saved."))
            return redirect(_card_url(company.pk))
    return _supply_form_page(request, form, company, None, 400 if request.method == "POST" else 200)


@login_required
@permission_required("competitors.change_competitorsupply", raise_exception=True)
def supply_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    supply = _visible_supply(request, pk)
    if request.method != "POST":
        return _supply_form_page(request, SupplyForm.for_supply(supply), supply.company, supply, 200)
    form = SupplyForm(request.POST, supply=supply)
    if form.is_valid():
        try:
            version = form.cleaned_data["version"] or supply.version
            supply_update(supply=supply, actor=_user(request), version=version, **form.values())
        except VersionConflict:
            form.add_error(
                None, _("Someone changed this supply meanwhile: reload it and make your change again.")
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Competitor's supply saved."))
            return redirect(_card_url(supply.company_id))
    return _supply_form_page(request, form, supply.company, supply, 400)


@login_required
@permission_required("competitors.delete_competitorsupply", raise_exception=True)
@require_POST
def supply_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    supply = _visible_supply(request, pk)
    supply_delete(supply=supply, actor=_user(request))
    messages.success(request, _("Competitor's supply removed."))
    return redirect(_card_url(supply.company_id))
