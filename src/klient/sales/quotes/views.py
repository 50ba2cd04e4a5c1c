"""Quote screens: the list, a quote's page (lines with availability and analogues, totals, the actions
its state allows, revisions and history), the form with its lines table, the staff PDF, and the quotes
sections of the client card and of the deal page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from klient.catalog.models import Unit
from klient.catalog.selectors import lines_stock, products_by_sku
from klient.core.audit import history_for
from klient.core.exceptions import NotAllowed, VersionConflict
from klient.core.l10n import format_number
from klient.core.models import User
from klient.core.pagination import request_page
from klient.customers.filters import CompanyFilter
from klient.customers.models import Company
from klient.customers.selectors import company_get
from klient.sales.models import Deal
from klient.sales.quotes.forms import (
    MassProposalForm,
    QuoteForm,
    line_formset,
    mass_line_formset,
    posted_rows,
)
from klient.sales.quotes.models import MassProposal, PriceSource, Quote, QuoteStatus
from klient.sales.quotes.selectors import (
    mass_proposal_get,
    mass_proposal_list,
    quote_get,
    quote_list,
)
from klient.sales.quotes.services import (
    MASS_PROPOSAL_MAX_COMPANIES,
    LineInput,
    discount_limit,
    mass_proposal_create,
    mass_proposal_rate,
    needs_approval,
    public_url,
    quote_approve,
    quote_create,
    quote_request_approval,
    quote_revise,
    quote_send,
    quote_update,
)
from klient.sales.selectors import deal_get

PAGE_SIZE = 50
HISTORY_SIZE = 20
# Quotes the client card and the deal page show, newest first.
CARD_QUOTES = 10
QUOTE_FIELDS = ["contact", "deal", "language", "currency", "valid_until", "introduction"]
ANSWERED = {QuoteStatus.SENT, QuoteStatus.ACCEPTED, QuoteStatus.DECLINED}


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _quote(request: HttpRequest, pk: int) -> Quote:
    try:
        return quote_get(user=_user(request), pk=pk)
    except Quote.DoesNotExist:
        raise Http404 from None


def _problem(error: ValidationError | NotAllowed) -> str:
    return " ".join(error.messages) if isinstance(error, ValidationError) else str(error)


def card_quotes(user: User, company: Company) -> dict[str, Any] | None:
    """The client card's quotes section: the latest ten (one query); None for a user who may not see
    quotes."""
    if not user.has_perm("quotes.view_quote"):
        return None
    quotes = list(Quote.objects.filter(company=company).order_by("-created_at", "-id")[: CARD_QUOTES + 1])
    return {
        "items": quotes[:CARD_QUOTES],
        "more": len(quotes) > CARD_QUOTES,
        "can_add": user.has_perm("quotes.add_quote"),
    }


def deal_quotes(user: User, deal: Deal) -> dict[str, Any] | None:
    """The deal page's quotes section: the deal's latest quotes (one query); None for a user who may not
    see quotes."""
    if not user.has_perm("quotes.view_quote"):
        return None
    quotes = list(Quote.objects.filter(deal=deal).order_by("-created_at", "-id")[: CARD_QUOTES + 1])
    return {
        "items": quotes[:CARD_QUOTES],
        "more": len(quotes) > CARD_QUOTES,
        "can_add": user.has_perm("quotes.add_quote"),
    }


@login_required
@permission_required("quotes.view_quote", raise_exception=True)
def quote_list_view(request: HttpRequest) -> HttpResponse:
    """Quotes in a table, newest first, filtered by status, owner or words (number or company)."""
    user = _user(request)
    status = request.GET.get("status", "")
    status = status if status in QuoteStatus.values else ""
    q = request.GET.get("q", "").strip()
    mine = request.GET.get("owner") == "me"
    quotes = quote_list(user=user, status=status, owner_id=user.pk if mine else None, q=q)
    page, next_query = request_page(request, quotes, ordering=["-created_at", "-id"], limit=PAGE_SIZE)
    return render(
        request,
        "quotes/quote_list.html",
        {
            "quotes": page.items,
            "status": status,
            "statuses": QuoteStatus.choices,
            "q": q,
            "mine": mine,
            "next_query": next_query,
            "can_add": user.has_perm("quotes.add_quote"),
        },
    )


@login_required
@permission_required("quotes.view_quote", raise_exception=True)
def quote_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A quote: header, lines with what the warehouses have (analogues of a short line), totals, the
    actions its state allows, the customer's view and answer, revisions and history."""
    user = _user(request)
    quote = _quote(request, pk)
    lines = list(quote.lines.all())
    stock = lines_stock(lines, company=quote.company, currency=quote.currency, on=quote.issued_on)
    units = dict(Unit.choices)
    newer = Quote.objects.filter(previous=quote).only("id", "number", "revision").first()
    history = list(history_for(Quote, quote.pk).order_by("-at", "-id")[:HISTORY_SIZE])
    waiting = needs_approval(quote)
    may_change = user.has_perm("quotes.change_quote") and quote.is_editable
    return render(
        request,
        "quotes/quote_detail.html",
        {
            "quote": quote,
            "rows": [(line, units.get(line.unit, line.unit), stock[line.pk]) for line in lines],
            "short_count": sum(1 for line in lines if stock[line.pk].is_short),
            "newer": newer,
            "history": history,
            "field_labels": _field_labels(),
            "needs_approval": waiting,
            "discount_limit": f"{format_number(discount_limit())}\u00a0%",
            "can_edit": may_change,
            "can_request_approval": may_change and waiting and quote.status != QuoteStatus.AWAITING_APPROVAL,
            "can_approve": user.has_perm("quotes.approve_quote") and quote.is_editable and waiting,
            "can_send": may_change and not waiting,
            "can_revise": user.has_perm("quotes.add_quote") and quote.status in ANSWERED and newer is None,
            "public_url": public_url(quote) if quote.sent_at else "",
            "can_ask_logistics": user.has_perm("catalog.add_logisticsrequest"),
            "can_notify_restock": user.has_perm("catalog.add_restocknotice"),
            **_quote_order(user, quote),
        },
    )


def _quote_order(user: User, quote: Quote) -> dict[str, Any]:
    """The quote's order (for those who see orders) and whether one may be made of it: one query."""
    from klient.sales.orders.models import Order

    if quote.status != QuoteStatus.ACCEPTED or not user.has_perm("orders.view_order"):
        return {"order": None, "can_order": False}
    order = Order.objects.filter(quote=quote).only("id", "number").first()
    return {"order": order, "can_order": order is None and user.has_perm("orders.add_order")}


def _field_labels() -> dict[str, str]:
    labels = {
        field.name: capfirst(str(field.verbose_name))
        for field in Quote._meta.get_fields()
        if hasattr(field, "verbose_name")
    }
    labels["lines"] = str(_("Lines"))
    return labels


@login_required
@permission_required("quotes.view_quote", raise_exception=True)
def quote_pdf_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The quote's PDF as the customer gets it, to download."""
    from klient.sales.quotes.documents import quote_filename, quote_pdf

    quote = _quote(request, pk)
    response = HttpResponse(quote_pdf(quote), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{quote_filename(quote)}"'
    return response


def _company_of(request: HttpRequest, user: User) -> tuple[Company | None, Deal | None]:
    """The company (and deal) a new quote is for: from ?company= or ?deal=, or the posted company."""
    try:
        if request.GET.get("deal", "").isdigit():
            deal = deal_get(user=user, pk=int(request.GET["deal"]))
            return deal.company, deal
        if request.GET.get("company", "").isdigit():
            return company_get(user=user, pk=int(request.GET["company"])), None
    except (Deal.DoesNotExist, Company.DoesNotExist):
        raise Http404 from None
    posted = request.POST.get("company", "") if request.method == "POST" else ""
    if posted.isdigit():
        return Company.objects.visible_to(user).filter(pk=int(posted)).first(), None
    return None, None


def _line_inputs(formset: Any) -> tuple[list[LineInput], list[int]]:
    """The filled rows as the service's lines, and each one's row number; an unknown SKU is an error on
    its row (all the SKUs are looked up in one query)."""
    filled = [form for form in formset.forms if form.is_filled]
    products = products_by_sku(form.cleaned_data["sku"] for form in filled)
    inputs: list[LineInput] = []
    rows: list[int] = []
    for row, form in enumerate(formset.forms):
        if not form.is_filled:
            continue
        product = products.get(form.cleaned_data["sku"].lower())
        if product is None:
            form.add_error("sku", _("No product has this SKU."))
            continue
        data = form.cleaned_data
        inputs.append(
            LineInput(product, data.get("quantity"), data.get("discount_percent"), data.get("unit_price"))
        )
        rows.append(row)
    return inputs, rows


def _errors_to_forms(form: QuoteForm, formset: Any, rows: list[int], error: ValidationError) -> None:
    """A service's errors on their fields: `lines[2].quantity` on the third filled row's quantity."""
    for key, texts in error.message_dict.items():
        for text in texts:
            if key.startswith("lines[") and "]" in key:
                index, _dot, name = key[len("lines[") :].partition("]")
                name = name.lstrip(".")
                if index.isdigit() and int(index) < len(rows):
                    row = formset.forms[rows[int(index)]]
                    row.add_error(name if name in row.fields else None, text)
                    continue
            if key in form.fields:
                form.add_error(key, text)
            else:
                form.add_error(None, text)


def _initial_rows(quote: Quote) -> list[dict[str, Any]]:
    return [
        {
            "sku": line.sku,
            "quantity": line.quantity,
            "discount_percent": line.discount_percent or None,
            "unit_price": line.unit_price if line.price_source == PriceSource.MANUAL else None,
        }
        for line in quote.lines.all()
    ]


def _form_view(request: HttpRequest, quote: Quote | None) -> HttpResponse:
    user = _user(request)
    company, deal = (quote.company, quote.deal) if quote is not None else _company_of(request, user)
    status = 200
    if request.method == "POST" and "add_lines" not in request.POST:
        form = QuoteForm(request.POST, user=user, quote=quote, company=company)
        formset = line_formset(request.POST)
        saved = _save(request, form, formset, quote)
        if saved is not None:
            messages.success(request, _("Quote saved."))
            return redirect("quotes:quote_detail", pk=saved.pk)
        status = 400
    elif request.method == "POST":
        # "Add lines": what was typed comes back unchecked, with more empty rows.
        form = QuoteForm(initial=request.POST.dict(), user=user, quote=quote, company=company)
        formset = line_formset(initial=posted_rows(request.POST))
    else:
        if quote is not None:
            initial: dict[str, Any] = {name: getattr(quote, name) for name in QUOTE_FIELDS}
            initial["version"] = quote.version
            rows = _initial_rows(quote)
        else:
            initial = {"deal": deal.pk if deal else None}
            rows = []
        form = QuoteForm(initial=initial, user=user, quote=quote, company=company)
        formset = line_formset(initial=rows)
    return render(
        request,
        "quotes/quote_form.html",
        {"form": form, "formset": formset, "quote": quote, "company": company, "deal": deal},
        status=status,
    )


def _save(request: HttpRequest, form: QuoteForm, formset: Any, quote: Quote | None) -> Quote | None:
    """Validate the form and the rows and call the service; None (errors on the forms) when it fails."""
    user = _user(request)
    # Every check runs, so that one answer shows all the errors: fields, rows, unknown SKUs.
    valid = [form.is_valid(), formset.is_valid()]
    lines, rows = _line_inputs(formset)
    if not all(valid) or any(row.errors for row in formset.forms):
        return None
    data: dict[str, Any] = {name: form.cleaned_data.get(name) for name in QUOTE_FIELDS if name in form.fields}
    # An empty language, currency or date means "the default" for a new quote, "unchanged" for another.
    data = {
        name: value for name, value in data.items() if value or name in {"contact", "deal", "introduction"}
    }
    try:
        if quote is None:
            company = form.cleaned_data.get("company") or _company_of(request, user)[0]
            if company is None:
                raise Http404
            return quote_create(actor=user, company=company, lines=lines, **data)
        return quote_update(
            quote=quote, actor=user, version=form.cleaned_data.get("version") or 0, lines=lines, **data
        )
    except VersionConflict:
        form.add_error(
            None, _("Someone changed this quote meanwhile. Nothing was saved: reload it to see their change.")
        )
    except NotAllowed as error:
        form.add_error(None, str(error))
    except ValidationError as error:
        _errors_to_forms(form, formset, rows, error)
    return None


@login_required
@permission_required("quotes.add_quote", raise_exception=True)
@require_http_methods(["GET", "POST"])
def quote_create_view(request: HttpRequest) -> HttpResponse:
    return _form_view(request, None)


@login_required
@permission_required("quotes.change_quote", raise_exception=True)
@require_http_methods(["GET", "POST"])
def quote_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    quote = _quote(request, pk)
    if not quote.is_editable:
        messages.error(request, _("A sent quote is not changed: make a new revision."))
        return redirect("quotes:quote_detail", pk=pk)
    return _form_view(request, quote)


def _act(request: HttpRequest, pk: int, action: Any, done: str) -> HttpResponse:
    """Run a state change on a visible quote and go back to its page with what happened."""
    quote = _quote(request, pk)
    try:
        result = action(quote=quote, actor=_user(request))
    except (ValidationError, NotAllowed) as error:
        messages.error(request, _problem(error))
        return redirect("quotes:quote_detail", pk=pk)
    messages.success(request, done)
    return redirect("quotes:quote_detail", pk=result.pk)


@login_required
@permission_required("quotes.change_quote", raise_exception=True)
@require_POST
def quote_send_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Email the quote with its PDF to its contact."""
    return _act(request, pk, quote_send, _("Quote sent."))


@login_required
@permission_required("quotes.change_quote", raise_exception=True)
@require_POST
def quote_request_approval_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask the team lead to approve the quote's discounts."""
    return _act(request, pk, quote_request_approval, _("Approval requested."))


@login_required
@permission_required("quotes.approve_quote", raise_exception=True)
@require_POST
def quote_approve_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve the quote's discounts as they stand."""
    return _act(request, pk, quote_approve, _("Discounts approved."))


@login_required
@permission_required("quotes.add_quote", raise_exception=True)
@require_POST
def quote_revise_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A new revision of a sent or answered quote, opened for editing."""
    return _act(request, pk, quote_revise, _("New revision made: change it and send it again."))


# --- mass proposals ------------------------------------------------------------------------------------


def _selection_from(query: QueryDict) -> CompanyFilter:
    """The company list's filter a query names; ticked rows of the list come as `selected=<id>:<version>`."""
    company_filter = CompanyFilter.from_query(query)
    ticked = [value.split(":")[0] for value in query.getlist("selected")]
    company_filter.ids = sorted({*company_filter.ids, *(int(pk) for pk in ticked if pk.isdigit())})
    return company_filter


def _mass_lines(formset: Any) -> list[LineInput] | None:
    """The filled rows as the service's lines; None (errors on their rows) when a SKU is unknown."""
    filled = [form for form in formset.forms if form.is_filled]
    products = products_by_sku(form.cleaned_data["sku"] for form in filled)
    inputs: list[LineInput] = []
    for form in filled:
        product = products.get(form.cleaned_data["sku"].lower())
        if product is None:
            form.add_error("sku", _("No product has this SKU."))
            continue
        inputs.append(
            LineInput(product, form.cleaned_data["quantity"], form.cleaned_data["discount_percent"])
        )
    return None if len(inputs) < len(filled) else inputs


def _mass_errors(form: MassProposalForm, formset: Any, error: ValidationError) -> None:
    """A service's errors on their fields: `lines[1].quantity` on the second filled row."""
    filled = [row for row in formset.forms if row.is_filled]
    for key, texts in error.message_dict.items():
        for text in texts:
            index, _dot, name = key.removeprefix("lines[").partition("]")
            if key.startswith("lines[") and index.isdigit() and int(index) < len(filled):
                row = filled[int(index)]
                name = name.lstrip(".")
                row.add_error(name if name in row.fields else None, text)
            elif key in form.fields and key != "selection":
                form.add_error(key, text)
            else:
                form.add_error(None, text)


@login_required
@permission_required("quotes.add_quote", raise_exception=True)
@require_http_methods(["GET", "POST"])
def mass_proposal_new_view(request: HttpRequest) -> HttpResponse:
    """One offer to the companies of the company list's filter or ticked rows: the lines (SKU, quantity,
    discount), how long it is valid and an introduction; confirmed, each company's quote is written and
    the sending is queued."""
    user = _user(request)
    if request.method == "POST" and "confirm" not in request.POST:
        # Ticked rows posted from the company list's bulk bar: show the form for them.
        return redirect(f"{reverse('quotes:mass_proposal_new')}?{_selection_from(request.POST).to_query()}")
    source = QueryDict(request.POST.get("selection", "")) if request.method == "POST" else request.GET
    company_filter = _selection_from(source)
    selection = company_filter.to_query()
    context: dict[str, Any] = {"is_filtering": company_filter.is_filtering, "selection": selection}
    if not company_filter.is_filtering:
        return render(request, "quotes/mass_proposal_new.html", context)
    companies = company_filter.apply(Company.objects.visible_to(user), username=user.username)
    chosen = list(companies.values_list("pk", flat=True)[: MASS_PROPOSAL_MAX_COMPANIES + 1])
    status = 200
    if request.method == "POST":
        form = MassProposalForm(request.POST)
        formset = mass_line_formset(request.POST)
        valid = [form.is_valid(), formset.is_valid()]
        lines = _mass_lines(formset) if all(valid) else None
        if lines is not None and not any(row.errors for row in formset.forms):
            try:
                mass_proposal = mass_proposal_create(
                    actor=user,
                    companies=chosen,
                    lines=lines,
                    valid_until=form.cleaned_data.get("valid_until"),
                    note=form.cleaned_data.get("note") or "",
                )
            except NotAllowed as error:
                form.add_error(None, str(error))
            except ValidationError as error:
                _mass_errors(form, formset, error)
            else:
                messages.success(
                    request,
                    _("Quotes written: %(count)d, sent at most %(rate)d a minute.")
                    % {"count": mass_proposal.queued_count, "rate": mass_proposal.rate_per_minute},
                )
                return redirect("quotes:mass_proposal_detail", pk=mass_proposal.pk)
        status = 400
    else:
        form = MassProposalForm(initial={"selection": selection})
        formset = mass_line_formset()
    context.update(
        form=form,
        formset=formset,
        company_count=len(chosen),
        too_many=len(chosen) > MASS_PROPOSAL_MAX_COMPANIES,
        max_companies=MASS_PROPOSAL_MAX_COMPANIES,
        rate=mass_proposal_rate(),
    )
    return render(request, "quotes/mass_proposal_new.html", context, status=status)


@login_required
@permission_required("quotes.view_quote", raise_exception=True)
def mass_proposal_list_view(request: HttpRequest) -> HttpResponse:
    """The mass proposals the user sees (a manager: the team's too), newest first, with their counts."""
    mass_proposals = mass_proposal_list(user=_user(request))
    page, next_query = request_page(request, mass_proposals, ordering=["-created_at", "-id"], limit=PAGE_SIZE)
    return render(
        request,
        "quotes/mass_proposal_list.html",
        {"mass_proposals": page.items, "next_query": next_query},
    )


@login_required
@permission_required("quotes.view_quote", raise_exception=True)
def mass_proposal_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A mass proposal: each company's contact, quote and status, with why a company was left out or
    failed; refreshed every few seconds while it is sending."""
    try:
        mass_proposal = mass_proposal_get(user=_user(request), pk=pk)
    except MassProposal.DoesNotExist:
        raise Http404 from None
    context = {"mass_proposal": mass_proposal, "items": list(mass_proposal.items.all())}
    if request.headers.get("HX-Request"):
        return render(request, "quotes/mass_proposal_detail.html#progress", context)
    return render(request, "quotes/mass_proposal_detail.html", context)
