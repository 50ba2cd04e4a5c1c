"""Duplicate pages: the finder lists likely duplicates; the merge screen makes two records one."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from klient.core.exceptions import NotAllowed, VersionConflict
from klient.core.models import User
from klient.core.pagination import DEFAULT_LIMIT, InvalidCursor
from klient.customers.duplicates import (
    DuplicatePage,
    company_duplicates,
    contact_duplicates,
    duplicate_dismiss,
    duplicate_dismissal_allowed,
    duplicate_dismissals_restore,
    duplicate_dismissed_count,
)
from klient.customers.models import Company, Contact, DuplicateDismissal
from klient.customers.selectors import can_see_commercial_terms
from klient.customers.services import (
    COMPANY_MERGE_FIELDS,
    CONTACT_MERGE_FIELDS,
    MERGE_DROP,
    MERGE_KEEP,
    company_merge,
    contact_merge,
    merge_default_choices,
)


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _handle_dismissal(request: HttpRequest, kind: str) -> None:
    """Mark one pair "not a duplicate" for everyone, or list this kind's dismissed pairs again."""
    user = _user(request)
    try:
        if request.POST.get("restore"):
            restored = duplicate_dismissals_restore(kind=kind, actor=user)
            messages.success(
                request,
                ngettext(
                    "%(count)d pair marked “not a duplicate” is listed again.",
                    "%(count)d pairs marked “not a duplicate” are listed again.",
                    restored,
                )
                % {"count": restored},
            )
            return
        try:
            first, second = (int(part) for part in request.POST.get("dismiss", "").split("-"))
        except ValueError:
            messages.error(request, _("Choose a pair to dismiss."))
            return
        duplicate_dismiss(kind=kind, first_id=first, second_id=second, actor=user)
    except NotAllowed as error:
        messages.error(request, str(error))
        return
    messages.success(request, _("The pair is marked “not a duplicate”."))


def _finder(request: HttpRequest, *, kind: str, find: Any, can_merge: bool) -> HttpResponse:
    if request.method == "POST":
        _handle_dismissal(request, kind)
        # Back to the page the pair was on: a keyset cursor stays valid when pairs drop out.
        return redirect(request.get_full_path())
    user = _user(request)
    try:
        page: DuplicatePage = find(user=user, cursor=request.GET.get("cursor"), limit=DEFAULT_LIMIT)
    except InvalidCursor:
        messages.error(request, _("That page link is no longer valid; showing the first page."))
        page = find(user=user, cursor=None, limit=DEFAULT_LIMIT)
    is_company = kind == DuplicateDismissal.Kind.COMPANY
    return render(
        request,
        "customers/duplicates.html",
        {
            "page": page,
            "kind": kind,
            "can_merge": can_merge,
            "can_dismiss": duplicate_dismissal_allowed(kind=kind, user=user),
            "dismissed_count": duplicate_dismissed_count(kind=kind, user=user),
            "record_template": "customers/duplicates_company.html"
            if is_company
            else "customers/duplicates_contact.html",
            "merge_url": "customers:company_merge" if is_company else "customers:contact_merge",
        },
    )


@login_required
@permission_required("customers.view_company", raise_exception=True)
@require_http_methods(["GET", "POST"])
def company_duplicates_view(request: HttpRequest) -> HttpResponse:
    """Likely duplicate companies, best first; a pair can be merged or marked "not a duplicate"."""
    user = _user(request)
    return _finder(
        request,
        kind=DuplicateDismissal.Kind.COMPANY,
        find=company_duplicates,
        can_merge=user.has_perm("customers.change_company") and user.has_perm("customers.delete_company"),
    )


@login_required
@permission_required("customers.view_contact", raise_exception=True)
@require_http_methods(["GET", "POST"])
def contact_duplicates_view(request: HttpRequest) -> HttpResponse:
    """Likely duplicate contacts (one person entered twice), best first."""
    user = _user(request)
    return _finder(
        request,
        kind=DuplicateDismissal.Kind.CONTACT,
        find=contact_duplicates,
        can_merge=user.has_perm("customers.change_contact") and user.has_perm("customers.delete_contact"),
    )


def _display(instance: models.Model, name: str) -> str:
    """A field's value as a person reads it; empty values show as an empty string."""
    field = instance._meta.get_field(name)
    value = getattr(instance, name)
    if value is None or value == "" or value == []:
        return ""
    if getattr(field, "choices", None):
        return str(getattr(instance, f"get_{name}_display")())
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if hasattr(value, "code") and hasattr(value, "name"):  # a django-countries Country
        return str(value.name) if value.code else ""
    if isinstance(value, datetime.datetime):
        return str(formats.localize(timezone.localtime(value)))
    if isinstance(value, datetime.date):
        return str(formats.localize(value))
    if isinstance(value, list):
        return ", ".join(
            str(item.get("value", "")) if isinstance(item, dict) else str(item) for item in value
        )
    return str(value)


def _merge_rows(
    keep: models.Model, drop: models.Model, fields: list[str], chosen: dict[str, str]
) -> list[dict[str, Any]]:
    """One row per field: its label, both values, and the value chosen (only fields that differ offer a
    choice; equal ones are shown for context)."""
    rows = []
    for name in fields:
        if getattr(keep, name) in (None, "", False, []) and getattr(drop, name) in (None, "", False, []):
            continue  # nothing on either side (an unset flag included): nothing to choose or to see
        keep_value, drop_value = _display(keep, name), _display(drop, name)
        if not keep_value and not drop_value:
            continue
        rows.append(
            {
                "name": name,
                "label": str(keep._meta.get_field(name).verbose_name),  # type: ignore[union-attr]
                "keep": keep_value,
                "drop": drop_value,
                "differs": keep_value != drop_value,
                "choice": chosen.get(name, MERGE_KEEP),
            }
        )
    return rows


def _posted_choices(request: HttpRequest, fields: list[str]) -> dict[str, str]:
    return {
        name: request.POST[f"choice_{name}"]
        for name in fields
        if request.POST.get(f"choice_{name}") in (MERGE_KEEP, MERGE_DROP)
    }


def _posted_version(request: HttpRequest, name: str) -> int | None:
    value = request.POST.get(name, "")
    return int(value) if value.isdigit() else None


def _merge_screen(
    request: HttpRequest,
    *,
    model: type[Company] | type[Contact],
    pk: int,
    drop_pk: int,
    fields: list[str],
    merge: Any,
    back: str,
) -> HttpResponse:
    user = _user(request)
    if pk == drop_pk:
        messages.error(request, _("A record cannot be merged with itself."))
        return redirect(back)
    related = ["owner", "team", "parent"] if model is Company else ["company", "previous"]
    pair = model.objects.visible_to(user).select_related(*related).in_bulk([pk, drop_pk])
    if len(pair) != 2:
        raise Http404
    keep, drop = pair[pk], pair[drop_pk]
    chosen = merge_default_choices(keep=keep, drop=drop, fields=fields)
    status, errors = 200, []
    if request.method == "POST":
        chosen.update(_posted_choices(request, fields))
        try:
            merged = merge(
                keep=keep,
                drop=drop,
                actor=user,
                values=chosen,
                keep_version=_posted_version(request, "keep_version") or keep.version,
                drop_version=_posted_version(request, "drop_version") or drop.version,
            )
        except VersionConflict:
            status = 409
            messages.error(
                request,
                _(
                    "Someone else changed one of these records while you were choosing. Nothing was merged: "
                    "the screen now shows the current values; check your choices and merge again."
                ),
            )
            pair = model.objects.select_related(*related).in_bulk([pk, drop_pk])
            if len(pair) != 2:
                raise Http404 from None
            keep, drop = pair[pk], pair[drop_pk]
            chosen = merge_default_choices(keep=keep, drop=drop, fields=fields)
        except (ValidationError, NotAllowed) as error:
            status = 400
            errors = error.messages if isinstance(error, ValidationError) else [str(error)]
        else:
            messages.success(
                request,
                _("“%(dropped)s” was merged into “%(kept)s”.") % {"dropped": drop, "kept": merged},
            )
            if isinstance(merged, Company):
                return redirect("customers:company_detail", pk=merged.pk)
            return redirect("customers:contact_detail", pk=merged.pk)
    return render(
        request,
        "customers/merge.html",
        {
            "keep": keep,
            "drop": drop,
            "is_company": model is Company,
            "rows": _merge_rows(keep, drop, fields, chosen),
            "errors": errors,
            "back": back,
            "swap_url": request.path.replace(f"/{pk}/merge/{drop_pk}/", f"/{drop_pk}/merge/{pk}/"),
        },
        status=status,
    )


@login_required
@permission_required(["customers.change_company", "customers.delete_company"], raise_exception=True)
@require_http_methods(["GET", "POST"])
def company_merge_view(request: HttpRequest, pk: int, drop_pk: int) -> HttpResponse:
    """Two companies side by side: choose each field's value, then merge the second into the first."""
    with_terms = can_see_commercial_terms(_user(request))
    fields = [name for name in COMPANY_MERGE_FIELDS if with_terms or name not in Company.COMMERCIAL_FIELDS]
    return _merge_screen(
        request,
        model=Company,
        pk=pk,
        drop_pk=drop_pk,
        fields=fields,
        merge=company_merge,
        back=reverse("customers:company_duplicates"),
    )


@login_required
@permission_required(["customers.change_contact", "customers.delete_contact"], raise_exception=True)
@require_http_methods(["GET", "POST"])
def contact_merge_view(request: HttpRequest, pk: int, drop_pk: int) -> HttpResponse:
    """Two contacts side by side: choose each field's value, then merge the second into the first."""
    return _merge_screen(
        request,
        model=Contact,
        pk=pk,
        drop_pk=drop_pk,
        fields=CONTACT_MERGE_FIELDS,
        merge=contact_merge,
        back=reverse("customers:contact_duplicates"),
    )
