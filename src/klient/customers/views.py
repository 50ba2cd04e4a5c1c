"""Company pages: list, card, create, edit, delete, history, export."""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from klient.core.exceptions import NotAllowed, VersionConflict
from klient.core.models import User
from klient.core.pagination import DEFAULT_LIMIT, InvalidCursor, keyset_paginate
from klient.customers.filters import CompanyFilter
from klient.customers.forms import AccountTeamForm, CompanyFilterForm, CompanyForm
from klient.customers.models import Company
from klient.customers.selectors import (
    account_team_list,
    can_see_commercial_terms,
    company_get,
    company_history,
    company_list,
)
from klient.customers.services import (
    account_team_add,
    account_team_remove,
    company_create,
    company_delete,
    company_update,
)


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _visible_company(request: HttpRequest, pk: int) -> Company:
    try:
        return company_get(user=_user(request), pk=pk)
    except Company.DoesNotExist as error:
        raise Http404 from error


def _filter_from(request: HttpRequest) -> tuple[CompanyFilterForm, CompanyFilter]:
    form = CompanyFilterForm(request.GET or None)
    values = form.cleaned_data if form.is_valid() else {}
    company_filter = CompanyFilter(**{k: v or "" for k, v in values.items()})
    if not company_filter.sort:
        company_filter.sort = "name"
    return form, company_filter


@login_required
@permission_required("customers.view_company", raise_exception=True)
def company_list_view(request: HttpRequest) -> HttpResponse:
    """The company list: filters, sorting and keyset pagination; htmx asks for the rows only."""
    user = _user(request)
    form, company_filter = _filter_from(request)
    queryset = company_filter.apply(company_list(user=user), username=user.username)
    try:
        page = keyset_paginate(
            queryset, ordering=company_filter.ordering, cursor=request.GET.get("cursor"), limit=DEFAULT_LIMIT
        )
    except InvalidCursor:
        messages.error(request, _("That page link is no longer valid; showing the first page."))
        page = keyset_paginate(queryset, ordering=company_filter.ordering, cursor=None, limit=DEFAULT_LIMIT)
    query = request.GET.copy()
    query.pop("cursor", None)
    context = {
        "filter_form": form,
        "page": page,
        "base_query": query.urlencode(),
        "with_terms": can_see_commercial_terms(user),
        "can_add": user.has_perm("customers.add_company"),
    }
    template = (
        "customers/company_list.html#rows"
        if request.headers.get("HX-Request") == "true" and request.GET.get("cursor")
        else "customers/company_list.html"
    )
    return render(request, template, context)


@login_required
@permission_required("customers.view_company", raise_exception=True)
def company_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The client card (first form): header, facts, terms when allowed, history tab."""
    user = _user(request)
    company = _visible_company(request, pk)
    return render(
        request,
        "customers/company_detail.html",
        {
            "company": company,
            "with_terms": can_see_commercial_terms(user),
            "can_change": user.has_perm("customers.change_company"),
            "can_delete": user.has_perm("customers.delete_company"),
            "account_team": account_team_list(company=company),
            "account_team_form": AccountTeamForm(),
        },
    )


@login_required
@permission_required("customers.change_company", raise_exception=True)
@require_POST
def company_account_team_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Put a colleague on the account team from the card."""
    company = _visible_company(request, pk)
    form = AccountTeamForm(request.POST)
    if form.is_valid():
        try:
            account_team_add(
                company=company,
                user=form.cleaned_data["user"],
                role=form.cleaned_data["role"],
                actor=_user(request),
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Account team updated."))
    else:
        messages.error(request, _("Choose a colleague to add."))
    return redirect("customers:company_detail", pk=pk)


@login_required
@permission_required("customers.change_company", raise_exception=True)
@require_POST
def company_account_team_remove_view(request: HttpRequest, pk: int, user_id: int) -> HttpResponse:
    """Take a colleague off the account team."""
    company = _visible_company(request, pk)
    member = account_team_list(company=company).filter(user_id=user_id).first()
    if member is None:
        raise Http404
    account_team_remove(company=company, user=member.user, actor=_user(request))
    messages.success(request, _("Account team updated."))
    return redirect("customers:company_detail", pk=pk)


@login_required
@permission_required("customers.view_company", raise_exception=True)
def company_history_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The History tab: who changed which field from what to what."""
    user = _user(request)
    company = _visible_company(request, pk)
    try:
        page = company_history(
            user=user, company=company, cursor=request.GET.get("cursor"), limit=DEFAULT_LIMIT
        )
    except InvalidCursor as error:
        raise Http404 from error
    template = (
        "customers/company_history.html#history"
        if request.headers.get("HX-Request") == "true"
        else "customers/company_history.html"
    )
    return render(request, template, {"company": company, "page": page, "field_labels": _field_labels()})


def _field_labels() -> dict[str, str]:
    labels = {
        field.name: str(field.verbose_name)
        for field in Company._meta.get_fields()
        if hasattr(field, "verbose_name")
    }
    labels["account_team"] = str(_("Account team"))
    return labels


@login_required
@permission_required("customers.add_company", raise_exception=True)
@require_http_methods(["GET", "POST"])
def company_create_view(request: HttpRequest) -> HttpResponse:
    """A new company, owned by the creator unless they choose another owner."""
    user = _user(request)
    with_terms = can_see_commercial_terms(user)
    form = CompanyForm(
        request.POST or None, with_terms=with_terms, initial={"owner": user.pk, "team": user.team_id}
    )
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        if data.get("owner") is None:
            data.pop("owner")
        try:
            company = company_create(actor=user, **data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Company “%(name)s” created.") % {"name": company.name})
            return redirect("customers:company_detail", pk=company.pk)
    return render(request, "customers/company_form.html", {"form": form, "company": None})


@login_required
@permission_required("customers.change_company", raise_exception=True)
@require_http_methods(["GET", "POST"])
def company_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a company; a stale form is refused with a clear message, never silently overwritten."""
    user = _user(request)
    company = _visible_company(request, pk)
    with_terms = can_see_commercial_terms(user)
    form = CompanyForm(request.POST or None, with_terms=with_terms, initial=CompanyForm.initial_for(company))
    conflict = False
    if request.method == "POST" and form.is_valid():
        version = form.cleaned_data.get("version") or company.version
        try:
            company = company_update(company=company, actor=user, version=version, **form.service_data())
        except VersionConflict:
            conflict = True
            messages.error(
                request,
                _(
                    "Someone else changed this company while you were editing. Your changes were not saved: "
                    "the form now shows the current values; apply your change again."
                ),
            )
            company = _visible_company(request, pk)
            form = CompanyForm(with_terms=with_terms, initial=CompanyForm.initial_for(company))
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("customers:company_detail", pk=company.pk)
    status = 409 if conflict else 200
    return render(request, "customers/company_form.html", {"form": form, "company": company}, status=status)


@login_required
@permission_required("customers.delete_company", raise_exception=True)
@require_POST
def company_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete after confirmation (the card's delete button posts here)."""
    company = _visible_company(request, pk)
    version = request.POST.get("version")
    try:
        company_delete(
            company=company,
            actor=_user(request),
            version=int(version) if version and version.isdigit() else None,
        )
    except VersionConflict:
        messages.error(request, _("Someone else changed this company; look at it again before deleting."))
        return redirect("customers:company_detail", pk=pk)
    except NotAllowed as error:
        messages.error(request, str(error))
        return redirect("customers:company_detail", pk=pk)
    messages.success(request, _("Company “%(name)s” deleted.") % {"name": company.name})
    return redirect("customers:company_list")


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
@permission_required("customers.view_company", raise_exception=True)
def company_export_view(request: HttpRequest) -> StreamingHttpResponse:
    """CSV of the filtered, visible companies; commercial terms only with the permission."""
    user = _user(request)
    _form, company_filter = _filter_from(request)
    queryset = company_filter.apply(company_list(user=user), username=user.username).order_by(
        *company_filter.ordering
    )
    with_terms = can_see_commercial_terms(user)
    header = ["id", "name", "legal_name", "country", "tax_id", "owner", "team"]
    if with_terms:
        header += list(Company.COMMERCIAL_FIELDS)
    writer = csv.writer(_Echo())

    def rows() -> Any:
        yield "\ufeff" + writer.writerow(header)
        for company in queryset.iterator(chunk_size=2000):
            row: list[Any] = [
                company.pk,
                company.name,
                company.legal_name,
                str(company.country or ""),
                company.tax_id,
                company.owner.username if company.owner else "",
                company.team.name if company.team else "",
            ]
            if with_terms:
                # Zero days or a zero discount is a term, not a blank: only None is left empty.
                row += [
                    "" if value is None else value
                    for value in (company.payment_terms_days, company.discount_percent)
                ]
            yield writer.writerow(row)

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="companies.csv"'
    return response


def _add_errors(form: CompanyForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, messages_ in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages_)
    else:
        form.add_error(None, error.messages)
