"""Catalogue screens: the product list (searched by SKU or any name) and a product's card with its
names, stock per warehouse, analogues and prices; logistics sets stock there."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from klient.catalog.forms import CustomerPriceForm, ProductForm, StockForm
from klient.catalog.models import CustomerPrice, LogisticsRequestStatus, PriceList, Product
from klient.catalog.selectors import (
    analogs_of,
    availability,
    logistics_request_list,
    price_list_prices,
    product_list,
    product_prices,
    products_by_sku,
    with_details,
)
from klient.catalog.services import (
    customer_price_delete,
    customer_price_set,
    logistics_request_create,
    logistics_request_update,
    product_create,
    product_update,
    restock_notice_create,
    stock_set,
)
from klient.core.exceptions import VersionConflict
from klient.core.models import User
from klient.core.pagination import InvalidCursor, keyset_paginate
from klient.customers.models import Company
from klient.customers.selectors import can_see_commercial_terms, company_get

PAGE_SIZE = 50
# "VAT rate %" as the model names it (a "%" in a template's translate tag would be another message).
VAT_LABEL = Product._meta.get_field("vat_rate").verbose_name


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _language() -> str:
    return get_language() or "en"


@login_required
@permission_required("catalog.view_product", raise_exception=True)
def product_list_view(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    language = _language()
    try:
        page = keyset_paginate(
            with_details(product_list(q=q)),
            ordering=["name", "id"],
            cursor=request.GET.get("cursor"),
            limit=PAGE_SIZE,
        )
    except InvalidCursor:
        raise Http404 from None
    rows = [(product, product.name_in(language), availability(product)) for product in page.items]
    next_query = ""
    if page.next_cursor:
        query = request.GET.copy()
        query["cursor"] = page.next_cursor
        next_query = query.urlencode()
    return render(
        request,
        "catalog/product_list.html",
        {
            "rows": rows,
            "q": q,
            "next_query": next_query,
            "vat_label": VAT_LABEL,
            "can_add": _user(request).has_perm("catalog.add_product"),
        },
    )


def _product(pk: int) -> Product:
    try:
        return with_details(Product.objects.select_related("category")).get(pk=pk)
    except Product.DoesNotExist:
        raise Http404 from None


def _card(
    request: HttpRequest, product: Product, form: StockForm | None = None, status: int = 200
) -> HttpResponse:
    user = _user(request)
    language = _language()
    analog_rows = [
        (analog, analog.name_in(language), link.note, availability(analog))
        for link, analog in analogs_of(product)
    ]
    prices = product_prices(product)
    can_set_stock = user.has_perm("catalog.change_stock") and not product.is_service
    if can_set_stock and form is None:
        form = StockForm()
    return render(
        request,
        "catalog/product_detail.html",
        {
            "product": product,
            "name": product.name_in(language),
            "description": product.description_in(language),
            "stock": availability(product),
            "analog_rows": analog_rows,
            "prices": prices,
            "form": form if can_set_stock else None,
            "vat_label": VAT_LABEL,
            "can_edit": user.has_perm("catalog.change_product"),
        },
        status=status,
    )


@login_required
@permission_required("catalog.view_product", raise_exception=True)
def product_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _card(request, _product(pk))


@login_required
@permission_required("catalog.change_stock", raise_exception=True)
@require_POST
def stock_set_view(request: HttpRequest, pk: int) -> HttpResponse:
    product = _product(pk)
    form = StockForm(request.POST)
    if form.is_valid():
        try:
            stock_set(
                actor=_user(request),
                product=product,
                available=form.cleaned_data["available"],
                restock_date=form.cleaned_data["restock_date"],
                warehouse=form.cleaned_data["warehouse"],
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Stock saved."))
            return redirect(reverse("catalog:product_detail", args=[pk]))
    return _card(request, product, form, status=400)


def _product_form_errors(form: ProductForm, error: ValidationError) -> None:
    for field, messages_ in error.message_dict.items():
        for message in messages_:
            form.add_error(field if field in form.fields else None, message)


@login_required
@permission_required("catalog.add_product", raise_exception=True)
def product_create_view(request: HttpRequest) -> HttpResponse:
    form = ProductForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            product = product_create(actor=_user(request), **form.values())
        except ValidationError as error:
            _product_form_errors(form, error)
        else:
            messages.success(request, _("Product saved."))
            return redirect(reverse("catalog:product_detail", args=[product.pk]))
    status = 400 if request.method == "POST" else 200
    return render(request, "catalog/product_form.html", {"form": form, "product": None}, status=status)


@login_required
@permission_required("catalog.change_product", raise_exception=True)
def product_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    product = _product(pk)
    if request.method != "POST":
        return render(
            request,
            "catalog/product_form.html",
            {"form": ProductForm.for_product(product), "product": product},
        )
    form = ProductForm(request.POST)
    if form.is_valid():
        try:
            version = form.cleaned_data["version"] or product.version
            product_update(product=product, actor=_user(request), version=version, **form.values())
        except VersionConflict:
            form.add_error(
                None, _("Someone changed this product meanwhile: reload it and make your change again.")
            )
        except ValidationError as error:
            _product_form_errors(form, error)
        else:
            messages.success(request, _("Product saved."))
            return redirect(reverse("catalog:product_detail", args=[pk]))
    return render(request, "catalog/product_form.html", {"form": form, "product": product}, status=400)


@login_required
@permission_required("catalog.view_pricelist", raise_exception=True)
def price_list_list_view(request: HttpRequest) -> HttpResponse:
    return render(
        request, "catalog/price_list_list.html", {"price_lists": PriceList.objects.order_by("name")}
    )


@login_required
@permission_required("catalog.view_pricelist", raise_exception=True)
def price_list_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        price_list = PriceList.objects.get(pk=pk)
    except PriceList.DoesNotExist:
        raise Http404 from None
    language = _language()
    prices = [(price, price.product.name_in(language)) for price in price_list_prices(price_list)]
    return render(request, "catalog/price_list_detail.html", {"price_list": price_list, "prices": prices})


def _terms_company(request: HttpRequest, company_pk: int) -> Company:
    """A company the user sees, for a user who may keep its special prices (403 otherwise)."""
    user = _user(request)
    if not can_see_commercial_terms(user):
        raise PermissionDenied
    try:
        return company_get(user=user, pk=company_pk)
    except Company.DoesNotExist:
        raise Http404 from None


@login_required
@permission_required("catalog.change_customerprice", raise_exception=True)
@require_POST
def customer_price_set_view(request: HttpRequest, company_pk: int) -> HttpResponse:
    """Give the client a special price or discount from its card (replacing the one on that product)."""
    company = _terms_company(request, company_pk)
    back = reverse("customers:company_detail", args=[company.pk]) + "#special-prices"
    form = CustomerPriceForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for message in errors:
                messages.error(request, f"{label}: {message}" if label else str(message))
        return redirect(back)
    data = dict(form.cleaned_data)
    sku = data.pop("sku")
    product = products_by_sku([sku]).get(sku.strip().lower())
    if product is None:
        messages.error(request, _("No product has the SKU “%(sku)s”.") % {"sku": sku})
        return redirect(back)
    try:
        customer_price_set(company=company, product=product, actor=_user(request), **data)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Special price saved."))
    return redirect(back)


@login_required
@permission_required("catalog.delete_customerprice", raise_exception=True)
@require_POST
def customer_price_delete_view(request: HttpRequest, company_pk: int, product_pk: int) -> HttpResponse:
    """Take a client's special price or discount on a product away."""
    company = _terms_company(request, company_pk)
    term = (
        CustomerPrice.objects.filter(company=company, product_id=product_pk).select_related("product").first()
    )
    if term is None:
        raise Http404
    customer_price_delete(term=term, actor=_user(request))
    messages.success(request, _("Special price removed."))
    return redirect(reverse("customers:company_detail", args=[company.pk]) + "#special-prices")


# --- out of stock: logistics requests and restock notices ----------------------------------------------


def _back(request: HttpRequest, default: str) -> str:
    """Where to return after a POST: the `next` field when it is a path on this site."""
    target = request.POST.get("next", "")
    return target if target.startswith("/") and not target.startswith("//") else default


@login_required
@permission_required("catalog.view_logisticsrequest", raise_exception=True)
def logistics_request_list_view(request: HttpRequest) -> HttpResponse:
    """Logistics requests, soonest due first: all of them for logistics, one's own for sellers."""
    user = _user(request)
    status = request.GET.get("status", "open")
    status = status if status in LogisticsRequestStatus.values else ""  # "all": any status
    mine = request.GET.get("mine") == "1"
    requests = list(logistics_request_list(user=user, status=status, mine=mine)[:200])
    return render(
        request,
        "catalog/logistics_request_list.html",
        {
            "requests": requests,
            "status": status,
            "statuses": LogisticsRequestStatus.choices,
            "mine": mine,
            "can_answer": user.has_perm("catalog.change_logisticsrequest"),
        },
    )


@login_required
@permission_required("catalog.add_logisticsrequest", raise_exception=True)
@require_POST
def logistics_request_create_view(request: HttpRequest) -> HttpResponse:
    """ "Ask logistics" (from a quote line or a product page): one action, then back where it came from."""
    user = _user(request)
    product_id = request.POST.get("product", "")
    product = Product.objects.filter(pk=product_id).first() if product_id.isdigit() else None
    if product is None:
        raise Http404
    company = None
    if request.POST.get("company", "").isdigit():
        try:
            company = company_get(user=user, pk=int(request.POST["company"]))
        except Company.DoesNotExist:
            raise Http404 from None
    back = _back(request, reverse("catalog:product_detail", args=[product.pk]))
    try:
        logistics_request_create(
            actor=user,
            product=product,
            quantity=request.POST.get("quantity", ""),
            company=company,
            note=request.POST.get("note", ""),
            source=request.POST.get("source", ""),
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Logistics were asked for %(sku)s.") % {"sku": product.sku})
    return redirect(back)


@login_required
@permission_required("catalog.change_logisticsrequest", raise_exception=True)
@require_POST
def logistics_request_answer_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Logistics set a request's status and answer from the list."""
    user = _user(request)
    current = logistics_request_list(user=user).filter(pk=pk).first()
    if current is None:
        raise Http404
    version = request.POST.get("version", "")
    try:
        logistics_request_update(
            request=current,
            actor=user,
            version=int(version) if version.isdigit() else -1,
            status=request.POST.get("status", current.status),
            answer=request.POST.get("answer", current.answer),
        )
    except VersionConflict:
        messages.error(request, _("Someone changed this request meanwhile: see it as it is now."))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Request saved."))
    return redirect(_back(request, reverse("catalog:logistics_request_list")))


@login_required
@permission_required("catalog.add_restocknotice", raise_exception=True)
@require_POST
def restock_notice_create_view(request: HttpRequest) -> HttpResponse:
    """ "Tell the customer when it arrives": one action on a quote line."""
    from klient.customers.models import Contact

    user = _user(request)
    product_id, contact_id = request.POST.get("product", ""), request.POST.get("contact", "")
    product = Product.objects.filter(pk=product_id).first() if product_id.isdigit() else None
    contact = (
        Contact.objects.visible_to(user).select_related("company").filter(pk=contact_id).first()
        if contact_id.isdigit()
        else None
    )
    if product is None or contact is None:
        raise Http404
    try:
        restock_notice_create(actor=user, product=product, contact=contact)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("%(person)s will be emailed when %(sku)s is in stock again.")
            % {"person": contact.full_name, "sku": product.sku},
        )
    return redirect(_back(request, reverse("catalog:product_detail", args=[product.pk])))
