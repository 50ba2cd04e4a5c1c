"""Order screens: the list, an order's page (lines, totals, the status and date form, the delay notices
and history), making the order of an accepted quote, sending a key account its current rates, and the
client card's rates button."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from klient.catalog.models import Unit
from klient.catalog.selectors import lines_stock
from klient.core.audit import history_for
from klient.core.exceptions import NotAllowed, VersionConflict
from klient.core.models import User
from klient.core.pagination import request_page
from klient.customers.models import Company, Contact
from klient.customers.selectors import company_get
from klient.sales.contracts.models import Contract
from klient.sales.orders.forms import OrderForm
from klient.sales.orders.models import Order, OrderStatus
from klient.sales.orders.selectors import order_delay_notices, order_get, order_list
from klient.sales.orders.services import (
    order_create_from_contract,
    order_create_from_quote,
    order_update,
    rates_send,
)
from klient.sales.quotes.models import Quote

PAGE_SIZE = 50
HISTORY_SIZE = 20
FORM_FIELDS = ["status", "promised_date", "is_delayed", "delay_reason", "external_id"]


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _order(request: HttpRequest, pk: int) -> Order:
    try:
        return order_get(user=_user(request), pk=pk)
    except Order.DoesNotExist:
        raise Http404 from None


def _problem(error: ValidationError | NotAllowed) -> str:
    return " ".join(error.messages) if isinstance(error, ValidationError) else str(error)


def card_rates(user: User, company: Company) -> dict[str, Any] | None:
    """The client card's "Send current rates" form: for a key account with contacts that have an email,
    to a user who sees commercial terms and sends mail (one query); None otherwise."""
    if not (
        company.is_key_account
        and user.has_perm("customers.view_commercial_terms")
        and user.has_perm("mail.send_mail")
    ):
        return None
    contacts = list(
        Contact.objects.filter(company=company).exclude(email="").order_by("last_name", "first_name", "pk")
    )
    return {"contacts": contacts}


@login_required
@permission_required("orders.view_order", raise_exception=True)
def order_list_view(request: HttpRequest) -> HttpResponse:
    """Orders in a table, newest first, filtered by status, delay or words (number, ERP id, company)."""
    user = _user(request)
    status = request.GET.get("status", "")
    status = status if status in OrderStatus.values else ""
    delayed = request.GET.get("delayed") == "1"
    q = request.GET.get("q", "").strip()
    orders = order_list(user=user, status=status, is_delayed=True if delayed else None, q=q)
    page, next_query = request_page(request, orders, ordering=["-created_at", "-id"], limit=PAGE_SIZE)
    return render(
        request,
        "orders/order_list.html",
        {
            "orders": page.items,
            "status": status,
            "statuses": OrderStatus.choices,
            "delayed": delayed,
            "q": q,
            "next_query": next_query,
        },
    )


def _field_labels() -> dict[str, str]:
    labels = {
        field.name: capfirst(str(field.verbose_name))
        for field in Order._meta.get_fields()
        if hasattr(field, "verbose_name")
    }
    return labels


def _initial(order: Order) -> dict[str, Any]:
    return {name: getattr(order, name) for name in FORM_FIELDS} | {"version": order.version}


@login_required
@permission_required("orders.view_order", raise_exception=True)
@require_http_methods(["GET", "POST"])
def order_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """An order: its lines and totals, the status and date form (for those who change orders), the
    delay notices sent to the customer, and history. A later date or a delay emails the contact."""
    user = _user(request)
    order = _order(request, pk)
    can_change = user.has_perm("orders.change_order")
    form = OrderForm(initial=_initial(order))
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied
        form = OrderForm(request.POST)
        if form.is_valid():
            data = {name: form.cleaned_data[name] for name in FORM_FIELDS}
            try:
                saved = order_update(order=order, actor=user, version=form.cleaned_data["version"], **data)
            except VersionConflict:
                form.add_error(
                    None,
                    _(
                        "Someone changed this order meanwhile. Nothing was saved: reload it to see their change."
                    ),
                )
            except (ValidationError, NotAllowed) as error:
                form.add_error(None, _problem(error))
            else:
                failure = getattr(saved, "delay_failure", "")
                if failure:
                    messages.warning(
                        request,
                        _("Order saved, but the customer was not told of the delay: %(reason)s")
                        % {"reason": failure},
                    )
                else:
                    messages.success(request, _("Order saved."))
                return redirect("orders:order_detail", pk=pk)
    units = dict(Unit.choices)
    lines = list(order.lines.all())
    # Until it ships, each line says whether the warehouses have enough, and what to do when not.
    waiting = order.status in {OrderStatus.CONFIRMED, OrderStatus.IN_PRODUCTION}
    stock = (
        lines_stock(lines, company=order.company, currency=order.currency, on=timezone.localdate())
        if waiting
        else {}
    )
    return render(
        request,
        "orders/order_detail.html",
        {
            "order": order,
            "rows": [(line, units.get(line.unit, line.unit), stock.get(line.pk)) for line in lines],
            "with_stock": waiting,
            "short_count": sum(1 for entry in stock.values() if entry.is_short),
            "can_ask_logistics": user.has_perm("catalog.add_logisticsrequest"),
            "can_notify_restock": user.has_perm("catalog.add_restocknotice"),
            "form": form if can_change else None,
            "notices": list(order_delay_notices(order)),
            "history": list(history_for(Order, order.pk).order_by("-at", "-id")[:HISTORY_SIZE]),
            "field_labels": _field_labels(),
        },
    )


@login_required
@permission_required("orders.add_order", raise_exception=True)
@require_POST
def order_create_view(request: HttpRequest) -> HttpResponse:
    """Make the order of an accepted quote (the quote page's button) or under a signed contract with its
    lines (the contract page's button) and open it."""
    user = _user(request)
    if "contract" in request.POST:
        return _order_from_contract(request, user)
    try:
        quote = Quote.objects.visible_to(user).select_related("company").get(pk=int(request.POST["quote"]))
    except (KeyError, ValueError, Quote.DoesNotExist):
        raise Http404 from None
    try:
        order = order_create_from_quote(quote=quote, actor=user)
    except (ValidationError, NotAllowed) as error:
        messages.error(request, _problem(error))
        return redirect("quotes:quote_detail", pk=quote.pk)
    messages.success(request, _("Order %(number)s made.") % {"number": order.number})
    return redirect("orders:order_detail", pk=order.pk)


def _order_from_contract(request: HttpRequest, user: User) -> HttpResponse:
    try:
        contract = (
            Contract.objects.visible_to(user).select_related("company").get(pk=int(request.POST["contract"]))
        )
    except (KeyError, ValueError, Contract.DoesNotExist):
        raise Http404 from None
    try:
        order = order_create_from_contract(contract=contract, actor=user)
    except (ValidationError, NotAllowed) as error:
        messages.error(request, _problem(error))
        return redirect("contracts:contract_detail", pk=contract.pk)
    messages.success(request, _("Order %(number)s made.") % {"number": order.number})
    return redirect("orders:order_detail", pk=order.pk)


@login_required
@permission_required("customers.view_commercial_terms", raise_exception=True)
@require_POST
def rates_send_view(request: HttpRequest, company_pk: int) -> HttpResponse:
    """Email a key account's contact their current prices, from the client card."""
    user = _user(request)
    try:
        company = company_get(user=user, pk=company_pk)
    except Company.DoesNotExist:
        raise Http404 from None
    contact_id = request.POST.get("contact", "")
    contact = (
        Contact.objects.filter(company=company, pk=int(contact_id)).first() if contact_id.isdigit() else None
    )
    if contact is None:
        messages.error(request, _("Choose a contact of this company."))
        return redirect("customers:company_detail", pk=company.pk)
    try:
        message = rates_send(company=company, actor=user, contact=contact)
    except (ValidationError, NotAllowed) as error:
        messages.error(request, _problem(error))
    else:
        messages.success(request, _("Current rates sent to %(email)s.") % {"email": message.to_email})
    return redirect("customers:company_detail", pk=company.pk)
