"""The company and contact lists: filters panel, sortable columns, keyset pages, saved views, bulk actions.

Both lists read their filter from the URL (so a view can be bookmarked) through the same filter objects
the API and the exports use. htmx asks for the results alone when a filter changes, and for the next
rows alone on "Show more"; every page runs the same number of queries whatever its size.
"""

from __future__ import annotations

import dataclasses
from html import escape
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django_countries import countries

from klient.core.exceptions import NotAllowed, VersionConflict
from klient.core.models import Role, SavedView, Tag, Team, User
from klient.core.pagination import DEFAULT_LIMIT, InvalidCursor, Page
from klient.core.saved_views import (
    saved_view_delete,
    saved_view_get,
    saved_view_list,
    saved_view_save,
    saved_view_set_default,
)
from klient.core.widgets import FastSelect
from klient.customers.filters import (
    CompanyFilter,
    CompanyFilterPanel,
    ContactFilter,
    ContactFilterPanel,
    Freshness,
    card_freshness,
)
from klient.customers.models import Company, CompanyStatus, Contact
from klient.customers.selectors import can_see_commercial_terms, company_list
from klient.customers.services import company_bulk_update

# Each list: the URL name it lives at and the permission that opens it.
LISTS = {
    "companies": ("customers:company_list", "customers.view_company"),
    "contacts": ("customers:contact_list", "customers.view_contact"),
}
FRESHNESS_LABELS = dict(Freshness.CHOICES)
# What a list row reads (the sort fields among them, for the next page's cursor): a company has some
# fifty columns, and loading only these makes a page of rows several times cheaper.
LIST_COLUMNS = (
    "id",
    "name",
    "version",
    "status",
    "country",
    "is_key_account",
    "created_at",
    "updated_at",
    "last_contact_at",
    "card_reviewed_at",
    "payment_terms_days",
    "owner__username",
    "owner__first_name",
    "owner__last_name",
    "team__name",
)
BULK_ACTIONS = ("assign_owner", "add_tag", "remove_tag", "change_status", "export")


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _page(
    request: HttpRequest, list_filter: CompanyFilter | ContactFilter, queryset: QuerySet[Any]
) -> Page[Any]:
    try:
        return list_filter.paginate(queryset, cursor=request.GET.get("cursor"), limit=DEFAULT_LIMIT)
    except InvalidCursor:
        messages.error(request, _("That page link is no longer valid; showing the first page."))
        return list_filter.paginate(queryset, cursor=None, limit=DEFAULT_LIMIT)


def _sort_links(
    list_filter: CompanyFilter | ContactFilter, columns: tuple[str, ...]
) -> dict[str, dict[str, str]]:
    """For each sortable column: the link that sorts by it (again: the other way round) and the mark."""
    links = {}
    for column in columns:
        current = {column: "ascending", f"-{column}": "descending"}.get(list_filter.sort, "")
        target = f"-{column}" if list_filter.sort == column else column
        links[column] = {
            "url": "?" + dataclasses.replace(list_filter, sort=target).to_query(),
            "mark": current,
        }
    return links


def _render_list(
    request: HttpRequest, template: str, list_filter: CompanyFilter | ContactFilter, context: dict[str, Any]
) -> HttpResponse:
    """The whole page, or for htmx the results (a filter changed) or the next rows ("Show more")."""
    if _is_htmx(request) and request.GET.get("cursor"):
        return render(request, f"{template}#rows", context)
    if _is_htmx(request):
        response = render(request, f"{template}#results", context)
        response["HX-Push-Url"] = f"{request.path}?{context['current_query']}"
        return response
    return render(request, template, context)


class _SavedViews:
    """The user's saved views of one list, read once per request and only when a part of the page
    needs them (the "Show more" rows do not)."""

    def __init__(self, user: User, list_name: str) -> None:
        self.user = user
        self.list_name = list_name
        self._views: list[SavedView] | None = None

    @property
    def views(self) -> list[SavedView]:
        if self._views is None:
            self._views = list(saved_view_list(user=self.user, list_name=self.list_name))
        return self._views

    def context(self, current_query: str) -> dict[str, Any]:
        return {
            "saved_views": self.views,
            "current_view": next((view for view in self.views if view.query == current_query), None),
            "list_name": self.list_name,
        }

    def open_default(self, request: HttpRequest) -> HttpResponse | None:
        """A list opened without any filter opens the user's default view, if they chose one."""
        if request.GET:
            return None
        default = next((view for view in self.views if view.is_default), None)
        if default is None or not default.query:
            return None
        return redirect(f"{request.path}?{default.query}")


def _people() -> list[tuple[int, str, str]]:
    """Active staff as (id, username, name), for the owner filter and the "assign owner" action."""
    users = User.objects.filter(is_active=True).exclude(role=Role.PORTAL).order_by("username")
    return [
        (user.pk, user.username, str(user))
        for user in users.only("pk", "username", "first_name", "last_name")
    ]


@login_required
@permission_required("customers.view_company", raise_exception=True)
def company_list_view(request: HttpRequest) -> HttpResponse:
    """The company list: filters panel, sortable columns, keyset pages, saved views and bulk actions."""
    user = _user(request)
    saved_views = _SavedViews(user, "companies")
    default = saved_views.open_default(request)
    if default is not None:
        return default
    company_filter = CompanyFilter.from_query(request.GET)
    queryset = company_filter.apply(company_list(user=user), username=user.username).only(*LIST_COLUMNS)
    page = _page(request, company_filter, queryset)
    with_terms = can_see_commercial_terms(user)
    current_query = company_filter.to_query()
    is_rows_only = _is_htmx(request) and bool(request.GET.get("cursor"))
    context: dict[str, Any] = {
        "page": page,
        "rows": _company_rows(
            page.items, with_terms=with_terms, can_log_call=user.has_perm("activities.add_activity")
        ),
        "current_query": current_query,
        "with_terms": with_terms,
        "can_add": user.has_perm("customers.add_company"),
        "can_change": user.has_perm("customers.change_company"),
        "sort_links": _sort_links(company_filter, ("name", "country", "last_contact", "card_reviewed")),
        "is_filtering": company_filter.is_filtering,
    }
    if not is_rows_only:
        people = _people()
        tags = list(Tag.objects.order_by("name").values_list("name", flat=True))
        context |= {
            "filter_form": CompanyFilterPanel(
                company_filter,
                owners=[(username, name) for _pk, username, name in people],
                teams=[
                    (str(pk), name) for pk, name in Team.objects.order_by("name").values_list("pk", "name")
                ],
                tags=tags,
            ),
            **(_bulk_fields(people, tags) if context["can_change"] else {}),
            **saved_views.context(current_query),
        }
    return _render_list(request, "customers/company_list.html", company_filter, context)


def _bulk_fields(people: list[tuple[int, str, str]], tags: list[str]) -> dict[str, SafeString]:
    """The bulk bar's choices, built in Python like the filters panel's (they list every colleague)."""
    owners = FastSelect(choices=[("", _("New owner…")), *((pk, name) for pk, _username, name in people)])
    statuses = FastSelect(choices=[("", _("New status…")), *CompanyStatus.choices])
    return {
        "bulk_owner_select": owners.render("owner", "", {"aria-label": _("New owner")}),
        "bulk_status_select": statuses.render("status", "", {"aria-label": _("New status")}),
        "bulk_tag_names": format_html(
            '<datalist id="bulk-tag-names">{}</datalist>',
            format_html_join("", '<option value="{}">', ((name,) for name in tags)),
        ),
    }


def _company_rows(
    companies: list[Company], *, with_terms: bool, can_log_call: bool = False
) -> list[SafeString]:
    """The list's rows as HTML, built in one pass (and one query for the tags).

    Like core.widgets.FastSelect, this is string building on purpose: resolving a dozen template
    lookups per cell made the rows most of the page's time, and format_html's checks of each value
    still took 3 ms for 50 rows. Every text value goes through `escape` (html.escape, as Django's
    escape does); numbers, ids and the markup written here need none.
    """
    tags: dict[int, list[str]] = {company.pk: [] for company in companies}
    tag_rows = Company.tags.through.objects.filter(company_id__in=tags).order_by("tag__name")
    for company_id, name in tag_rows.values_list("company_id", "tag__name") if tags else []:
        tags[company_id].append(name)
    now = timezone.now()
    country_names = {code: escape(str(name)) for code, name in countries}
    status_labels = {value: escape(str(label)) for value, label in CompanyStatus.choices}
    freshness_marks = {
        freshness: (escape(str(FRESHNESS_LABELS[freshness])), escape(str(Freshness.SHORT_LABELS[freshness])))
        for freshness in FRESHNESS_LABELS
    }
    detail_url = reverse("customers:company_detail", args=[0]).removesuffix("0/")
    key_title, key_label, never_label = escape(_("Key account")), escape(_("Key")), escape(_("never"))
    log_call = escape(_("Log call"))
    key_badge = f' <span class="badge" title="{key_title}">{key_label}</span>'
    never = f'<span class="muted">{never_label}</span>'
    rows = []
    for company in companies:
        pk = company.pk
        freshness = card_freshness(company.card_reviewed_at, now)
        label, short = freshness_marks[freshness]
        contacted = company.last_contact_at
        if contacted:
            local = localtime(contacted)
            last_contact = (
                f'<time datetime="{local.isoformat()}">'
                f"{escape(formats.date_format(local, 'SHORT_DATE_FORMAT'))}</time>"
            )
        else:
            last_contact = never
        terms = ""
        if with_terms:
            terms = (
                f"<td>{'—' if company.payment_terms_days is None else int(company.payment_terms_days)}</td>"
            )
        tag_badges = " ".join(f'<span class="badge">{escape(name)}</span>' for name in tags[pk])
        status = escape(company.status)
        call_link = (
            f' <a href="{detail_url}{pk}/?log=call#call-form" class="row-action" data-action="log-call"'
            f' title="{log_call}" aria-label="{log_call}">☎</a>'
            if can_log_call
            else ""
        )
        rows.append(
            SafeString(
                f'<tr data-company="{pk}">'
                f'<td class="select-cell"><input type="checkbox" name="selected" value="{pk}:{int(company.version)}"'
                f' aria-labelledby="company-{pk}"></td>'
                f'<td data-name><a href="{detail_url}{pk}/" id="company-{pk}">{escape(company.name)}</a>'
                f"{key_badge if company.is_key_account else ''}{call_link}</td>"
                f'<td data-status="{status}">{status_labels.get(company.status, status)}</td>'
                f'<td class="wide-only">{country_names.get(str(company.country), "")}</td>'
                f'<td class="wide-only">{escape(str(company.owner)) if company.owner else "—"}</td>'
                f'<td class="wide-only">{escape(company.team.name) if company.team else "—"}</td>'
                f'<td class="wide-only" data-tags>{tag_badges}</td>'
                f'<td class="wide-only">{last_contact}</td>'
                f'<td><span class="freshness freshness-{freshness}" data-freshness="{freshness}"'
                f' title="{label}">{short}</span></td>'
                f"{terms}</tr>"
            )
        )
    return rows


@login_required
@permission_required("customers.view_contact", raise_exception=True)
def contact_list_view(request: HttpRequest) -> HttpResponse:
    """The contact list: filters panel, sortable name column, keyset pages and saved views."""
    user = _user(request)
    saved_views = _SavedViews(user, "contacts")
    default = saved_views.open_default(request)
    if default is not None:
        return default
    contact_filter = ContactFilter.from_query(request.GET)
    queryset = contact_filter.apply(
        Contact.objects.visible_to(user).select_related("company"), username=user.username
    )
    page = _page(request, contact_filter, queryset)
    current_query = contact_filter.to_query()
    context: dict[str, Any] = {
        "page": page,
        "current_query": current_query,
        "sort_links": _sort_links(contact_filter, ("name", "updated")),
        "is_filtering": contact_filter.is_filtering,
    }
    if not (_is_htmx(request) and request.GET.get("cursor")):
        company = None
        if contact_filter.company.isdigit():
            company = company_list(user=user).filter(pk=int(contact_filter.company)).first()
        context |= {
            "filter_form": ContactFilterPanel(contact_filter),
            "company": company,
            "without_company": "?" + dataclasses.replace(contact_filter, company="").to_query(),
            **saved_views.context(current_query),
        }
    return _render_list(request, "customers/contact_list.html", contact_filter, context)


def _list_url(list_name: str, query: str = "") -> str:
    url = reverse(LISTS[list_name][0])
    return f"{url}?{query}" if query else url


def _canonical_query(list_name: str, query: str) -> str:
    """The query a saved view keeps: the list's own filter, written the one canonical way."""
    list_filter = CompanyFilter if list_name == "companies" else ContactFilter
    return list_filter.from_query(QueryDict(query)).to_query()


@login_required
@require_POST
def saved_view_save_view(request: HttpRequest) -> HttpResponse:
    """Keep the list's current filters under a name (optionally as the view the list opens with)."""
    user = _user(request)
    list_name = request.POST.get("list_name", "")
    if list_name not in LISTS:
        raise Http404
    if not user.has_perm(LISTS[list_name][1]):
        raise PermissionDenied
    query = _canonical_query(list_name, request.POST.get("query", ""))
    try:
        view = saved_view_save(
            user=user,
            list_name=list_name,
            name=request.POST.get("name", ""),
            query=query,
            is_default=request.POST.get("is_default") == "on",
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(_list_url(list_name, query))
    messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
    return redirect(_list_url(list_name, view.query))


def _own_view(request: HttpRequest, pk: int) -> SavedView:
    try:
        return saved_view_get(user=_user(request), pk=pk)
    except SavedView.DoesNotExist as error:  # someone else's view answers as one that does not exist
        raise Http404 from error


@login_required
@require_POST
def saved_view_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete one of the user's saved views."""
    view = _own_view(request, pk)
    saved_view_delete(user=_user(request), view=view)
    messages.success(request, _("View “%(name)s” deleted.") % {"name": view.name})
    return redirect(_list_url(view.list_name, _canonical_query(view.list_name, "")))


@login_required
@require_POST
def saved_view_default_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Make a saved view the one its list opens with, or (with is_default=off) stop that."""
    view = _own_view(request, pk)
    is_default = request.POST.get("is_default", "on") == "on"
    saved_view_set_default(user=_user(request), view=view, is_default=is_default)
    if is_default:
        messages.success(request, _("The list now opens with “%(name)s”.") % {"name": view.name})
    else:
        messages.success(request, _("The list now opens without filters."))
    return redirect(_list_url(view.list_name, view.query))


def _selection(request: HttpRequest) -> dict[int, int]:
    """The ticked rows as {id: version shown}; a row's checkbox value is "id:version"."""
    selected: dict[int, int] = {}
    for value in request.POST.getlist("selected"):
        pk, _sep, version = value.partition(":")
        if pk.isdigit() and version.isdigit():
            selected[int(pk)] = int(version)
    return selected


@login_required
@permission_required("customers.view_company", raise_exception=True)
@require_POST
def company_bulk_view(request: HttpRequest) -> HttpResponse:
    """Apply one action to the ticked companies: assign owner, add or remove a tag, change status, export."""
    user = _user(request)
    back_filter = CompanyFilter.from_query(QueryDict(request.POST.get("back", "")))
    back = _list_url("companies", back_filter.to_query())
    action = request.POST.get("action", "")
    selection = _selection(request)
    if action not in BULK_ACTIONS:
        messages.error(request, _("Choose an action."))
        return redirect(back)
    if not selection:
        messages.error(request, _("Tick the companies to change first."))
        return redirect(back)
    if action == "export":
        export = CompanyFilter(ids=list(selection), sort=back_filter.sort)
        return redirect(f"{reverse('customers:company_export')}?{export.to_query()}")
    if not user.has_perm("customers.change_company"):
        raise PermissionDenied
    try:
        changes = _bulk_changes(request, action)
        result = company_bulk_update(companies=list(selection), actor=user, versions=selection, **changes)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(back)
    except NotAllowed as error:
        messages.error(request, str(error))
        return redirect(back)
    except VersionConflict:
        messages.error(
            request, _("Someone else changed these companies just now; nothing was saved. Try again.")
        )
        return redirect(back)
    _report(request, user, result.changed, result.unchanged, result.refused)
    return redirect(back)


def _bulk_changes(request: HttpRequest, action: str) -> dict[str, Any]:
    """The service's keyword arguments for a bulk action, from the bulk bar's fields."""
    if action == "assign_owner":
        owner_id = request.POST.get("owner", "")
        owner = (
            User.objects.filter(pk=int(owner_id), is_active=True).select_related("team").first()
            if owner_id.isdigit()
            else None
        )
        if owner is None:
            raise ValidationError({"owner": _("Choose the new owner.")})
        return {"owner": owner}
    if action in {"add_tag", "remove_tag"}:
        name = request.POST.get("tag", "").strip()
        if not name:
            raise ValidationError({"tag": _("Give the tag.")})
        return {"add_tags" if action == "add_tag" else "remove_tags": [name]}
    return {"status": request.POST.get("status", ""), "status_reason": request.POST.get("status_reason", "")}


def _report(
    request: HttpRequest, user: User, changed: list[int], unchanged: list[int], refused: dict[int, str]
) -> None:
    """Say what a bulk action did, naming every refused company the user may see (and why)."""
    if changed:
        messages.success(
            request,
            ngettext("%(count)d company changed.", "%(count)d companies changed.", len(changed))
            % {"count": len(changed)},
        )
    if unchanged:
        messages.info(
            request,
            ngettext(
                "%(count)d company was already so.", "%(count)d companies were already so.", len(unchanged)
            )
            % {"count": len(unchanged)},
        )
    if refused:
        names = dict(Company.objects.visible_to(user).filter(pk__in=refused).values_list("pk", "name"))
        for pk, reason in refused.items():
            label = names.get(pk) or _("Company #%(id)s") % {"id": pk}
            messages.error(
                request, _("%(company)s was not changed: %(reason)s") % {"company": label, "reason": reason}
            )
