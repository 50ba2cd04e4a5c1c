"""Company pages: list, client card (with its notes, files and timeline), create, edit, delete, history."""

from __future__ import annotations

import decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Case, Q, When
from django.db.models.functions import Lower
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseForbidden,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from klient.activities.forms import CallLogForm
from klient.catalog.forms import CustomerPriceForm
from klient.catalog.selectors import customer_prices_of
from klient.core.exceptions import NotAllowed, VersionConflict
from klient.core.models import Attachment, User
from klient.core.pagination import DEFAULT_LIMIT, InvalidCursor
from klient.core.search import first_rows, search_companies
from klient.core.services import (
    ATTACHMENT_MAX_BYTES,
    attachment_add,
    attachment_delete,
    can_delete_attachment,
    note_add,
    record_set_tags,
)
from klient.customers.filters import card_freshness
from klient.customers.forms import (
    AccountTeamForm,
    AttachmentForm,
    CompanyForm,
    NoteForm,
    split_names,
)
from klient.customers.models import Company, CompanyStatus, Contact
from klient.customers.selectors import (
    account_team_list,
    can_see_commercial_terms,
    company_get,
    company_history,
)
from klient.customers.services import (
    account_team_add,
    account_team_remove,
    company_create,
    company_delete,
    company_mark_reviewed,
    company_update,
)
from klient.customers.timeline import timeline_page
from klient.sales.competitors.views import card_section as competitors_card_section
from klient.sales.contracts.views import card_contracts
from klient.sales.orders.views import card_rates
from klient.sales.quotes.views import card_quotes
from klient.sales.selectors import card_deals
from klient.service.selectors import card_tickets


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _visible_company(request: HttpRequest, pk: int) -> Company:
    try:
        return company_get(user=_user(request), pk=pk)
    except Company.DoesNotExist as error:
        raise Http404 from error


@login_required
@permission_required("customers.view_company", raise_exception=True)
def company_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The client card: header, key facts, contacts, terms, timeline, files, related companies, team."""
    company = _visible_company(request, pk)
    # "Log call" from a list, or beside a contact, opens the card with the call form open (and its
    # outcome focused), that contact chosen.
    is_logging_call = request.GET.get("log") == "call"
    context = card_context(
        request,
        company,
        call_form_open=is_logging_call,
        call_contact=request.GET.get("contact", "") if is_logging_call else "",
    )
    return render(request, "customers/company_detail.html", context)


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
        field.name: capfirst(str(field.verbose_name))
        for field in Company._meta.get_fields()
        if hasattr(field, "verbose_name")
    }
    labels["account_team"] = str(_("Account team"))
    labels["merged_from"] = str(_("Merged from"))
    labels["merged_into"] = str(_("Merged into"))
    return labels


def _refuse_hidden_terms(request: HttpRequest, form: CompanyForm, with_terms: bool) -> bool:
    """Whether commercial terms were posted by a user who may not set them (the form is then refused)."""
    posted = [name for name in Company.COMMERCIAL_FIELDS if request.POST.get(name, "").strip()]
    if posted and not with_terms:
        form.add_error(None, _("You may not set commercial terms."))
        return True
    return False


@login_required
@permission_required("customers.add_company", raise_exception=True)
@require_http_methods(["GET", "POST"])
def company_create_view(request: HttpRequest) -> HttpResponse:
    """A new company, owned by the creator unless they choose another owner."""
    user = _user(request)
    with_terms = can_see_commercial_terms(user)
    form = CompanyForm(
        request.POST or None,
        user=user,
        with_terms=with_terms,
        initial={"owner": user.pk, "team": user.team_id, "status": CompanyStatus.PROSPECT},
    )
    status = 200
    if request.method == "POST" and _refuse_hidden_terms(request, form, with_terms):
        status = 403
    elif request.method == "POST" and form.is_valid():
        data = form.service_data()
        if data.get("owner") is None:
            data.pop("owner")
        try:
            with transaction.atomic():
                company = company_create(actor=user, **data)
                record_set_tags(instance=company, names=form.tag_names(), actor=user)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Company “%(name)s” created.") % {"name": company.name})
            return redirect("customers:company_detail", pk=company.pk)
    return render(
        request,
        "customers/company_form.html",
        {"form": form, "company": None, "current": {}},
        status=status,
    )


@login_required
@permission_required("customers.change_company", raise_exception=True)
@require_http_methods(["GET", "POST"])
def company_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a company. A stale form is refused with a clear message and loses nothing: it shows what
    the user typed, and beside each field someone else changed, its current value."""
    user = _user(request)
    company = _visible_company(request, pk)
    with_terms = can_see_commercial_terms(user)
    tag_names = list(company.tags.order_by(Lower("name"), "id").values_list("name", flat=True))
    initial = CompanyForm.initial_for(company, tag_names)
    form = CompanyForm(
        request.POST or None, user=user, with_terms=with_terms, company=company, initial=initial
    )
    current: dict[str, str] = {}
    status = 200
    if request.method == "POST" and _refuse_hidden_terms(request, form, with_terms):
        status = 403
    elif request.method == "POST" and form.is_valid():
        version = form.cleaned_data.get("version") or company.version
        try:
            with transaction.atomic():
                company = company_update(company=company, actor=user, version=version, **form.service_data())
                record_set_tags(instance=company, names=form.tag_names(), actor=user)
        except VersionConflict:
            status = 409
            messages.error(
                request,
                _(
                    "Someone else changed this company while you were editing, so nothing was saved. "
                    "Your entries are kept below; “Now:” shows the current value of each field that "
                    "differs. Save again to keep your version."
                ),
            )
            company = _visible_company(request, pk)
            form, current = _form_after_conflict(request, form, company, user, with_terms)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("customers:company_detail", pk=company.pk)
    return render(
        request,
        "customers/company_form.html",
        {"form": form, "company": company, "current": current},
        status=status,
    )


def _form_after_conflict(
    request: HttpRequest, form: CompanyForm, company: Company, user: User, with_terms: bool
) -> tuple[CompanyForm, dict[str, str]]:
    """The user's entries again, now against the current version, and the current value of each field
    where the entry differs from what is stored."""
    tag_names = list(company.tags.order_by(Lower("name"), "id").values_list("name", flat=True))
    stored = CompanyForm.initial_for(company, tag_names)
    current: dict[str, str] = {}
    for name, value in form.cleaned_data.items():
        if name == "version" or name not in stored or (name == "status" and not value):
            continue
        if _comparable(value) != _comparable(stored[name]):
            current[name] = _display(company, name, tag_names)
    data = request.POST.copy()
    data["version"] = str(company.version)
    fresh = CompanyForm(data, user=user, with_terms=with_terms, company=company, initial=stored)
    fresh.is_valid()
    return fresh, current


def _comparable(value: Any) -> str:
    if isinstance(value, models.Model):
        value = value.pk
    if value is None or value is False:
        return ""
    if isinstance(value, decimal.Decimal):
        return str(value.normalize())
    if isinstance(value, str):
        return ", ".join(split_names(value)) if "," in value else value.strip()
    return str(value)


def _display(company: Company, name: str, tag_names: list[str]) -> str:
    """A stored field's value as the card shows it."""
    if name == "tags":
        return ", ".join(tag_names) or "—"
    if name == "country":
        return str(company.country.name) if company.country else "—"
    field = Company._meta.get_field(name)
    value = getattr(company, name)
    if getattr(field, "choices", None):
        value = getattr(company, f"get_{name}_display")()
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    return "—" if value in (None, "") else str(value)


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


def _add_errors(form: forms.BaseForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, messages_ in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages_)
    else:
        form.add_error(None, error.messages)


# ----------------------------------------------------------------------------------------------------------
# The client card: its context, the "reviewed" action, the timeline, notes, files and the company chooser.

CARD_CONTACTS = 25  # more than this and the card links to the contact list
CARD_FILES = 10  # the newest; every file is also on the timeline
CARD_RELATED = 50


def website_url(website: str) -> str:
    """A link for a website as typed: "example.com" → "https://example.com"; only http(s) links."""
    website = website.strip()
    if not website:
        return ""
    if website.lower().startswith(("http://", "https://")):
        return website
    return "https://" + website.lstrip("/")


def card_context(
    request: HttpRequest,
    company: Company,
    *,
    note_form: NoteForm | None = None,
    call_form: CallLogForm | None = None,
    call_form_open: bool = False,
    call_contact: str = "",
) -> dict[str, Any]:
    """Everything the client card shows; a constant number of queries however much the company has."""
    user = _user(request)
    contacts = list(
        Contact.objects.filter(company=company).order_by(
            Case(When(left_on__isnull=True, then=0), default=1), "last_name", "first_name", "id"
        )[: CARD_CONTACTS + 1]
    )
    # The parent and the subsidiaries are looked up by their own indexes first, then checked for
    # visibility: filtering by visibility first can walk every company the user owns.
    family = (
        Q(parent_id=company.pk) | Q(pk=company.parent_id) if company.parent_id else Q(parent_id=company.pk)
    )
    related = sorted(
        Company.objects.visible_to(user)
        .filter(pk__in=Company.objects.filter(family).order_by().values("pk")[: CARD_RELATED + 2])
        .only("id", "name", "status", "parent_id"),
        key=lambda other: (other.name.casefold(), other.pk),
    )
    files = list(
        Attachment.objects.filter(company_id=company.pk).select_related("uploaded_by")[: CARD_FILES + 1]
    )
    for attachment in files:
        attachment.can_delete = can_delete_attachment(user, attachment)  # type: ignore[attr-defined]
    try:
        timeline = timeline_page(company=company, viewer=user, cursor=None)
    except InvalidCursor:  # pragma: no cover - no cursor here
        raise Http404 from None
    can_log_call = user.has_perm("activities.add_activity")
    return {
        "company": company,
        "freshness": card_freshness(company.card_reviewed_at),
        "website_url": website_url(company.website),
        "tags": list(company.tags.order_by(Lower("name"), "id")),
        "contacts": contacts[:CARD_CONTACTS],
        "more_contacts": len(contacts) > CARD_CONTACTS,
        "parent": next((other for other in related if other.pk == company.parent_id), None),
        "subsidiaries": [other for other in related if other.parent_id == company.pk][:CARD_RELATED],
        "files": files[:CARD_FILES],
        "more_files": len(files) > CARD_FILES,
        "timeline": timeline,
        "with_terms": can_see_commercial_terms(user),
        "can_change": user.has_perm("customers.change_company"),
        "can_delete": user.has_perm("customers.delete_company"),
        "can_add_contact": user.has_perm("customers.add_contact"),
        "can_add_note": user.has_perm("core.add_note"),
        "can_upload": user.has_perm("core.add_attachment"),
        "can_log_call": can_log_call,
        "call_form": (call_form or CallLogForm(company=company, user=user, initial={"contact": call_contact}))
        if can_log_call
        else None,
        "call_form_open": call_form_open,
        "account_team": account_team_list(company=company),
        "account_team_form": AccountTeamForm(),
        "note_form": note_form or NoteForm(),
        "attachment_form": AttachmentForm(),
        "max_upload_mb": ATTACHMENT_MAX_BYTES // (1024 * 1024),
        "competitors": competitors_card_section(user, company),
        "deals": card_deals(user, company),
        "quotes": card_quotes(user, company),
        "contracts": card_contracts(user, company),
        "tickets": card_tickets(user, company),
        "rates": card_rates(user, company),
        **_special_prices(user, company),
    }


def _special_prices(user: User, company: Company) -> dict[str, Any]:
    """The card's special prices (commercial terms): read with the permissions, one query."""
    if not (can_see_commercial_terms(user) and user.has_perm("catalog.view_customerprice")):
        return {"special_prices": None}
    can_set = user.has_perm("catalog.change_customerprice")
    return {
        "special_prices": list(customer_prices_of(company)),
        "can_set_prices": can_set,
        "special_price_form": CustomerPriceForm() if can_set else None,
    }


@login_required
@permission_required("customers.change_company", raise_exception=True)
@require_POST
def company_reviewed_view(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Reviewed": the user checked the card is current; the freshness mark starts again."""
    company = _visible_company(request, pk)
    company_mark_reviewed(company=company, actor=_user(request))
    messages.success(request, _("Marked as reviewed."))
    return redirect("customers:company_detail", pk=pk)


@login_required
@permission_required("customers.view_company", raise_exception=True)
def company_timeline_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Older timeline entries: the rows alone for htmx, a page of its own otherwise."""
    company = _visible_company(request, pk)
    try:
        timeline = timeline_page(company=company, viewer=_user(request), cursor=request.GET.get("cursor"))
    except InvalidCursor as error:
        raise Http404 from error
    template = (
        "customers/card_timeline.html#entries"
        if request.headers.get("HX-Request") == "true"
        else "customers/card_timeline.html"
    )
    return render(request, template, {"company": company, "timeline": timeline})


@login_required
@permission_required("core.add_note", raise_exception=True)
@require_POST
def company_note_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a note from the card; it goes to the top of the timeline."""
    company = _visible_company(request, pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            note_add(target=company, company=company, text=form.cleaned_data["text"], actor=_user(request))
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Note added."))
            return redirect(reverse("customers:company_detail", args=[pk]) + "#timeline")
    # What was typed stays in the form.
    return render(
        request, "customers/company_detail.html", card_context(request, company, note_form=form), status=400
    )


@login_required
@permission_required("core.add_attachment", raise_exception=True)
@require_POST
def company_file_upload_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload a file to the card's Files section."""
    company = _visible_company(request, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file to upload."))
    else:
        try:
            attachment = attachment_add(
                target=company, company=company, upload=form.cleaned_data["file"], actor=_user(request)
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("File “%(name)s” uploaded.") % {"name": attachment.name})
    return redirect(reverse("customers:company_detail", args=[pk]) + "#files")


def _visible_attachment(request: HttpRequest, pk: int) -> Attachment:
    """A file of a company the user sees; 404 otherwise (the same answer as a missing file)."""
    attachment = Attachment.objects.filter(pk=pk).first()
    if attachment is None or attachment.company_id is None:
        raise Http404
    _visible_company(request, attachment.company_id)
    return attachment


@login_required
@permission_required("customers.view_company", raise_exception=True)
def attachment_download_view(request: HttpRequest, pk: int) -> FileResponse:
    """Serve a file only to users who see its company (files are never at a public URL)."""
    attachment = _visible_attachment(request, pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    # Always a download, never rendered in the page's origin (an uploaded HTML file runs no script).
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.name, content_type="application/octet-stream"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@permission_required("customers.view_company", raise_exception=True)
@require_POST
def attachment_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete a file: its uploader, or a user with the delete permission."""
    attachment = _visible_attachment(request, pk)
    company_id = attachment.company_id
    try:
        attachment_delete(attachment=attachment, actor=_user(request))
    except NotAllowed as error:
        return HttpResponseForbidden(str(error))
    messages.success(request, _("File “%(name)s” deleted.") % {"name": attachment.name})
    return redirect(reverse("customers:company_detail", args=[company_id]) + "#files")


@login_required
@permission_required("customers.view_company", raise_exception=True)
def company_choices_view(request: HttpRequest) -> HttpResponse:
    """<option>s of visible companies matching `q` (the company chooser's search box refills its select)."""
    query = request.GET.get("q") or request.GET.get("parent_q") or request.GET.get("company_q") or ""
    queryset = Company.objects.visible_to(_user(request))
    exclude = request.GET.get("exclude", "")
    if exclude.isdigit():
        queryset = queryset.exclude(pk=int(exclude))
    matches = list(
        first_rows(search_companies(queryset, query).order_by("name", "id"), CHOICES_LIMIT).values_list(
            "pk", "name"
        )[:CHOICES_LIMIT]
        if query.strip()
        else []
    )
    return render(request, "customers/card_choices.html", {"matches": matches})


CHOICES_LIMIT = 20
