"""Deal screens: the Kanban board of a pipeline (drag a card to move it), the list, a deal's page with its
stage, team, competitors and history, the deal form, and the weighted forecast."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from klient.core.audit import history_for
from klient.core.exceptions import NotAllowed, VersionConflict
from klient.core.l10n import format_money
from klient.core.models import User
from klient.core.pagination import request_page
from klient.customers.models import Company
from klient.customers.selectors import company_get
from klient.sales.competitors.models import Competitor
from klient.sales.forms import DealForm, DealMoveForm
from klient.sales.models import Deal, Pipeline, StageKind
from klient.sales.quotes.views import deal_quotes
from klient.sales.selectors import (
    competitor_win_loss,
    deal_board,
    deal_forecast,
    deal_get,
    deal_list,
    pipelines,
)
from klient.sales.services import deal_create, deal_update, default_pipeline, first_stage

PAGE_SIZE = 50
HISTORY_SIZE = 20
DEAL_FIELDS = [
    "title",
    "contact",
    "amount",
    "currency",
    "expected_close_date",
    "next_step",
    "next_step_date",
    "source",
    "lost_reason",
    "lost_to",
    "owner",
]


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _deal(request: HttpRequest, pk: int) -> Deal:
    try:
        return deal_get(user=_user(request), pk=pk)
    except Deal.DoesNotExist:
        raise Http404 from None


def _errors_to_form(form: Any, error: ValidationError) -> None:
    for field, texts in error.message_dict.items():
        for text in texts:
            form.add_error(field if field in form.fields else None, text)


def _chosen_pipeline(request: HttpRequest) -> Pipeline:
    wanted = request.GET.get("pipeline", "")
    pipeline = Pipeline.objects.filter(pk=int(wanted)).first() if wanted.isdigit() else None
    try:
        return pipeline or default_pipeline()
    except ValidationError:
        raise Http404 from None


@dataclass(frozen=True)
class BoardCard:
    """A card of the board as the page shows it: its texts worked out once per page rather than by a
    template filter per card (a manager's board has 150 cards)."""

    pk: int
    version: int
    url: str
    title: str
    company: str
    amount: str
    when: str


def board_cards(deals: list[Deal]) -> list[BoardCard]:
    """The cards of a column: link, amount in the deal's currency, expected close date and next step."""
    head, tail = reverse("sales:deal_detail", args=[0]).rsplit("0", 1)
    dates: dict[datetime.date, str] = {}
    cards = []
    for deal in deals:
        day = deal.expected_close_date
        if day is not None and day not in dates:
            dates[day] = date_format(day, "SHORT_DATE_FORMAT")
        cards.append(
            BoardCard(
                pk=deal.pk,
                version=deal.version,
                url=f"{head}{deal.pk}{tail}",
                title=deal.title,
                company=deal.company.name,
                amount=format_money(deal.amount, deal.currency),
                when=" · ".join(part for part in (dates.get(day, "") if day else "", deal.next_step) if part),
            )
        )
    return cards


@login_required
@permission_required("sales.view_deal", raise_exception=True)
def deal_board_view(request: HttpRequest) -> HttpResponse:
    """The Kanban board: a column per stage with its count and totals, cards soonest to close first."""
    user = _user(request)
    pipeline = _chosen_pipeline(request)
    mine = request.GET.get("owner") == "me"
    columns = deal_board(user=user, pipeline=pipeline, owner_id=user.pk if mine else None)
    language = get_language() or "en"
    context = {
        "pipeline": pipeline,
        "pipelines": [(item, item.name_in(language)) for item in pipelines()],
        "columns": [
            (column, column.stage.name_in(language), board_cards(column.deals)) for column in columns
        ],
        "mine": mine,
        "base_currency": settings.BASE_CURRENCY,
        "can_move": user.has_perm("sales.change_deal"),
        "can_add": user.has_perm("sales.add_deal"),
        "competitors": Competitor.objects.filter(is_active=True).order_by("name").only("id", "name"),
    }
    template = "sales/_board.html" if request.headers.get("HX-Request") else "sales/deal_board.html"
    return render(request, template, context)


@login_required
@permission_required("sales.view_deal", raise_exception=True)
def deal_list_view(request: HttpRequest) -> HttpResponse:
    """Deals in a table, newest first, filtered by pipeline, status, owner or words."""
    user = _user(request)
    status = request.GET.get("status", "")
    status = status if status in StageKind.values else ""
    q = request.GET.get("q", "").strip()
    mine = request.GET.get("owner") == "me"
    deals = deal_list(user=user, status=status or None, owner_id=user.pk if mine else None, q=q)
    page, next_query = request_page(request, deals, ordering=["-created_at", "-id"], limit=PAGE_SIZE)
    return render(
        request,
        "sales/deal_list.html",
        {
            "deals": page.items,
            "status": status,
            "statuses": StageKind.choices,
            "q": q,
            "mine": mine,
            "next_query": next_query,
            "can_add": user.has_perm("sales.add_deal"),
        },
    )


@login_required
@permission_required("sales.view_deal", raise_exception=True)
def deal_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _deal(request, pk))


def _detail(
    request: HttpRequest, deal: Deal, move_form: DealMoveForm | None = None, status: int = 200
) -> HttpResponse:
    user = _user(request)
    language = get_language() or "en"
    history = list(history_for(Deal, deal.pk).select_related("actor").order_by("-at", "-id")[:HISTORY_SIZE])
    stages = list(deal.pipeline.stages.all())
    form = move_form or DealMoveForm(initial={"stage": deal.stage_id, "version": deal.version})
    stage_field = form.fields["stage"]
    assert isinstance(stage_field, forms.ModelChoiceField)
    stage_field.queryset = deal.pipeline.stages.all()
    stage_field.label_from_instance = lambda stage: stage.name_in(language)  # type: ignore[method-assign,assignment]
    return render(
        request,
        "sales/deal_detail.html",
        {
            "deal": deal,
            "stage_name": deal.stage.name_in(language),
            "stages": [(stage, stage.name_in(language)) for stage in stages],
            "move_form": form,
            "history": history,
            "field_labels": _field_labels(),
            "can_change": user.has_perm("sales.change_deal"),
            "quotes": deal_quotes(user, deal),
        },
        status=status,
    )


def _field_labels() -> dict[str, str]:
    labels = {
        field.name: capfirst(str(field.verbose_name))
        for field in Deal._meta.get_fields()
        if hasattr(field, "verbose_name")
    }
    labels["members"] = str(_("Account team"))
    return labels


@login_required
@permission_required("sales.change_deal", raise_exception=True)
@require_POST
def deal_move_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a deal to another stage: from the board (a fetch, answered in JSON) or from its page."""
    deal = _deal(request, pk)
    is_fetch = request.headers.get("X-Requested-With") == "fetch"
    form = DealMoveForm(request.POST)
    error = ""
    if form.is_valid():
        data: dict[str, Any] = {"stage": form.cleaned_data["stage"]}
        if form.lost():
            data.update(lost_reason=form.cleaned_data["lost_reason"], lost_to=form.cleaned_data["lost_to"])
        try:
            deal_update(deal=deal, actor=_user(request), version=form.cleaned_data["version"], **data)
        except VersionConflict:
            error = _("Someone changed this deal meanwhile: the board now shows it as it is.")
        except (ValidationError, NotAllowed) as problem:
            error = " ".join(problem.messages) if isinstance(problem, ValidationError) else str(problem)
    else:
        error = " ".join(str(text) for texts in form.errors.values() for text in texts)
    if is_fetch:
        return JsonResponse({"ok": not error, "message": error}, status=200 if not error else 409)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Deal moved."))
    return redirect("sales:deal_detail", pk=pk)


def _form_view(request: HttpRequest, deal: Deal | None) -> HttpResponse:
    user = _user(request)
    company: Company | None = None
    if deal is None and request.GET.get("company", "").isdigit():
        try:
            company = company_get(user=user, pk=int(request.GET["company"]))
        except Company.DoesNotExist:
            raise Http404 from None
    if deal is None and request.method == "POST" and request.POST.get("company", "").isdigit():
        company = Company.objects.visible_to(user).filter(pk=int(request.POST["company"])).first()
    if request.method == "POST":
        form = DealForm(request.POST, user=user, deal=deal, company=company)
        if form.is_valid():
            data: dict[str, Any] = {
                name: form.cleaned_data.get(name) for name in DEAL_FIELDS if name in form.fields
            }
            competitors = list(form.cleaned_data.get("competitors") or [])
            try:
                if deal is None:
                    saved = deal_create(
                        actor=user,
                        company=form.cleaned_data["company"],
                        stage=form.cleaned_data["stage"],
                        competitors=[competitor.pk for competitor in competitors],
                        **data,
                    )
                else:
                    saved = deal_update(
                        deal=deal,
                        actor=user,
                        version=form.cleaned_data.get("version") or 0,
                        stage=form.cleaned_data["stage"],
                        competitors=[competitor.pk for competitor in competitors],
                        **data,
                    )
            except VersionConflict:
                form.add_error(None, _("Someone changed this deal meanwhile. Reload it to see their change."))
            except ValidationError as error:
                _errors_to_form(form, error)
            else:
                messages.success(request, _("Deal saved."))
                return redirect("sales:deal_detail", pk=saved.pk)
        status = 400
    else:
        if deal is not None:
            initial: dict[str, Any] = {name: getattr(deal, name) for name in DEAL_FIELDS}
            initial.update(
                stage=deal.stage_id,
                version=deal.version,
                competitors=[item.pk for item in deal.competitors.all()],
            )
        else:
            stage = first_stage(default_pipeline())
            initial = {
                "company": company.pk if company else None,
                "stage": stage.pk,
                "owner": user.pk,
                "currency": (company.document_currency if company else "") or settings.BASE_CURRENCY,
                "expected_close_date": timezone.localdate() + datetime.timedelta(days=30),
            }
        form = DealForm(initial=initial, user=user, deal=deal, company=company)
        status = 200
    return render(
        request, "sales/deal_form.html", {"form": form, "deal": deal, "company": company}, status=status
    )


@login_required
@permission_required("sales.add_deal", raise_exception=True)
@require_http_methods(["GET", "POST"])
def deal_create_view(request: HttpRequest) -> HttpResponse:
    return _form_view(request, None)


@login_required
@permission_required("sales.change_deal", raise_exception=True)
@require_http_methods(["GET", "POST"])
def deal_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _form_view(request, _deal(request, pk))


@login_required
@permission_required("sales.view_deal", raise_exception=True)
def deal_forecast_view(request: HttpRequest) -> HttpResponse:
    """Weighted forecast for the next six months, for everyone the user sees or by owner or team."""
    group_by = request.GET.get("group_by", "")
    group_by = group_by if group_by in {"owner", "team"} else ""
    months, rows = deal_forecast(user=_user(request), start=timezone.localdate(), months=6, group_by=group_by)
    return render(
        request,
        "sales/deal_forecast.html",
        {
            "months": months,
            "rows": [(row, [(row.weighted[month], row.won[month]) for month in months]) for row in rows],
            "group_by": group_by,
            "base_currency": settings.BASE_CURRENCY,
        },
    )


def _day(value: str, default: datetime.date) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value) if value else default
    except ValueError:
        return default


@login_required
@permission_required("sales.view_deal", raise_exception=True)
def win_loss_view(request: HttpRequest) -> HttpResponse:
    """Win/loss by competitor over the deals closed in a period (the last twelve months by default)."""
    today = timezone.localdate()
    end = _day(request.GET.get("end", ""), today)
    start = _day(request.GET.get("start", ""), end - datetime.timedelta(days=365))
    if start > end:
        start, end = end, start
    return render(
        request,
        "sales/win_loss.html",
        {
            "results": competitor_win_loss(user=_user(request), start=start, end=end),
            "start": start,
            "end": end,
            "base_currency": settings.BASE_CURRENCY,
        },
    )
