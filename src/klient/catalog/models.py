"""Tables of the catalogue: products and services with their names in each language, analogues,
warehouses and stock, price lists with their prices, and exchange rates."""

from __future__ import annotations

import datetime
from decimal import Decimal

from babel.numbers import get_currency_precision, list_currencies
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from klient.core.models import VersionedModel


def validate_currency(value: str) -> None:
    """Refuse a code that is not an ISO 4217 currency."""
    if value not in list_currencies():
        raise ValidationError(_("“%(value)s” is not an ISO 4217 currency code."), params={"value": value})


def minor_unit(currency: str) -> Decimal:
    """The currency's smallest unit: 0.01 for EUR, 1 for JPY, 0.001 for KWD."""
    return Decimal(1).scaleb(-get_currency_precision(currency))


class Category(models.Model):
    """A group of products (e.g. "Pallets", "Services"); named in each language like products."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    names = models.JSONField(_("names in other languages"), default=dict, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name

    def name_in(self, language: str) -> str:
        return str(self.names.get(language) or self.name)


class Unit(models.TextChoices):
    """Units a product is sold in (the code is what documents and the API show)."""

    PIECE = "pcs", _("piece")
    KILOGRAM = "kg", _("kilogram")
    TONNE = "t", _("tonne")
    METRE = "m", _("metre")
    SQUARE_METRE = "m2", _("square metre")
    CUBIC_METRE = "m3", _("cubic metre")
    LITRE = "l", _("litre")
    PACK = "pack", _("pack")
    PALLET = "pallet", _("pallet")
    HOUR = "h", _("hour")
    DAY = "day", _("day")
    MONTH = "month", _("month")
    SERVICE = "service", _("service")


class Product(VersionedModel):
    """A product or service sold: its SKU, its name and description in the default language and, in
    `names` and `descriptions`, in others ({"pl": …, "zh-hans": …}), unit and VAT rate."""

    sku = models.CharField(_("SKU"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    names = models.JSONField(_("names in other languages"), default=dict, blank=True)
    description = models.TextField(_("description"), blank=True)
    descriptions = models.JSONField(_("descriptions in other languages"), default=dict, blank=True)
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="products",
    )
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices, default=Unit.PIECE)
    vat_rate = models.DecimalField(
        _("VAT rate %"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    is_service = models.BooleanField(_("service (no stock)"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    # SKU and every name, folded (case and diacritics ignored): what the catalogue search reads.
    search_text = models.TextField(editable=False, default="")

    AUDITED_FIELDS = [
        "sku",
        "name",
        "names",
        "description",
        "descriptions",
        "category",
        "unit",
        "vat_rate",
        "is_service",
        "is_active",
    ]

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        indexes = [models.Index(fields=["name", "id"]), models.Index(fields=["category", "name", "id"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(vat_rate__gte=0, vat_rate__lte=100), name="product_vat_rate_range"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.sku})"

    def name_in(self, language: str) -> str:
        """The product's name in a language (its default name where it has none)."""
        return str(self.names.get(language) or self.name)

    def description_in(self, language: str) -> str:
        return str(self.descriptions.get(language) or self.description)


class Analog(models.Model):
    """A product that can stand in for another when it is missing (a substitute), with a note for the
    seller ("same size, 10 % stronger"). One way: `analog` replaces `product`."""

    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="analog_links"
    )
    analog = models.ForeignKey(
        Product, verbose_name=_("analogue"), on_delete=models.CASCADE, related_name="+"
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["product", "id"]
        verbose_name = _("analogue")
        verbose_name_plural = _("analogues")
        constraints = [
            models.UniqueConstraint(fields=["product", "analog"], name="analog_once"),
            models.CheckConstraint(condition=~models.Q(product=models.F("analog")), name="analog_not_itself"),
        ]

    def __str__(self) -> str:
        return f"{self.product} → {self.analog}"


class Warehouse(models.Model):
    """A place stock is kept. A fresh installation has one, "main"."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")

    def __str__(self) -> str:
        return self.name or self.code


class Stock(models.Model):
    """How much of a product a warehouse has available, and when more is expected."""

    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="stock"
    )
    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="stock"
    )
    available = models.DecimalField(_("available"), max_digits=14, decimal_places=3, default=Decimal("0"))
    restock_date = models.DateField(_("expected restock"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["product", "warehouse"]
        verbose_name = _("stock")
        verbose_name_plural = _("stock")
        constraints = [
            models.UniqueConstraint(fields=["product", "warehouse"], name="stock_once"),
            models.CheckConstraint(condition=models.Q(available__gte=0), name="stock_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.product.sku} @ {self.warehouse.code}: {self.available}"


class PriceList(VersionedModel):
    """A price type: prices of products in one currency, valid from and until given days (open-ended
    when empty). A company's price type names the list its documents take prices from."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    currency = models.CharField(_("currency"), max_length=3, validators=[validate_currency])
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    AUDITED_FIELDS = ["name", "currency", "valid_from", "valid_until", "is_active"]

    class Meta:
        ordering = ["name"]
        verbose_name = _("price list")
        verbose_name_plural = _("price lists")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_from__isnull=True)
                | models.Q(valid_until__isnull=True)
                | models.Q(valid_until__gte=models.F("valid_from")),
                name="price_list_dates_in_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.currency})"


class Price(models.Model):
    """A product's price (before VAT) in a price list's currency."""

    price_list = models.ForeignKey(
        PriceList, verbose_name=_("price list"), on_delete=models.CASCADE, related_name="prices"
    )
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="prices"
    )
    amount = models.DecimalField(
        _("price"), max_digits=18, decimal_places=4, validators=[MinValueValidator(0)]
    )

    class Meta:
        ordering = ["price_list", "product"]
        verbose_name = _("price")
        verbose_name_plural = _("prices")
        constraints = [
            models.UniqueConstraint(fields=["price_list", "product"], name="price_once"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.product.sku}: {self.amount} {self.price_list.currency}"


class ExchangeRate(models.Model):
    """How many units of the base currency (settings.KLIENT_BASE_CURRENCY) one unit of `currency` was
    worth on a day. A conversion on a day uses the latest rate on or before it."""

    currency = models.CharField(_("currency"), max_length=3, validators=[validate_currency])
    on = models.DateField(_("date"))
    rate = models.DecimalField(
        _("rate"), max_digits=20, decimal_places=10, validators=[MinValueValidator(Decimal("0.0000000001"))]
    )

    class Meta:
        ordering = ["currency", "-on"]
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        constraints = [
            models.UniqueConstraint(fields=["currency", "on"], name="exchange_rate_once_a_day"),
            models.CheckConstraint(condition=models.Q(rate__gt=0), name="exchange_rate_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.on}: {self.rate}"


class CustomerPrice(VersionedModel):
    """A client's special term on one product (key accounts): a fixed price in a currency, or a discount
    on its price-list price, valid from and until given days (open-ended when empty). A commercial term:
    shown and changed only with the view_commercial_terms permission."""

    company = models.ForeignKey(
        "customers.Company",
        verbose_name=_("company"),
        on_delete=models.CASCADE,
        related_name="customer_prices",
    )
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="customer_prices"
    )
    amount = models.DecimalField(
        _("special price"),
        max_digits=18,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    discount_percent = models.DecimalField(
        _("discount %"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    AUDITED_FIELDS = [
        "product",
        "amount",
        "currency",
        "discount_percent",
        "valid_from",
        "valid_until",
        "note",
    ]

    class Meta:
        ordering = ["company", "product__name"]
        verbose_name = _("customer price")
        verbose_name_plural = _("customer prices")
        constraints = [
            models.UniqueConstraint(fields=["company", "product"], name="customer_price_once"),
            # A fixed price (with its currency) or a discount, never both.
            models.CheckConstraint(
                condition=(
                    models.Q(amount__isnull=False, amount__gte=0, discount_percent__isnull=True)
                    & ~models.Q(currency="")
                )
                | models.Q(amount__isnull=True, discount_percent__gte=0, discount_percent__lte=100),
                name="customer_price_amount_or_discount",
            ),
            models.CheckConstraint(
                condition=models.Q(valid_from__isnull=True)
                | models.Q(valid_until__isnull=True)
                | models.Q(valid_until__gte=models.F("valid_from")),
                name="customer_price_dates_in_order",
            ),
        ]

    def __str__(self) -> str:
        if self.amount is not None:
            return f"{self.product.sku}: {self.amount} {self.currency}"
        return f"{self.product.sku}: −{self.discount_percent} %"

    def is_valid_on(self, day: datetime.date) -> bool:
        return not (self.valid_from and day < self.valid_from) and not (
            self.valid_until and day > self.valid_until
        )


class LogisticsRequestStatus(models.TextChoices):
    """Where logistics are with a request."""

    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class LogisticsRequest(VersionedModel):
    """A seller asks logistics for a product a client wants and the warehouses lack: how much, by when,
    for which company (and which document), given to a logistics user; logistics answer with a status
    and a note (e.g. when it arrives). Shown on the client's timeline."""

    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="logistics_requests"
    )
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3)
    company = models.ForeignKey(
        "customers.Company",
        verbose_name=_("company"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="logistics_requests",
    )
    source = models.CharField(_("for"), max_length=100, blank=True, help_text=_("e.g. the quote's number"))
    due_date = models.DateField(_("due"))
    note = models.TextField(_("note"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=LogisticsRequestStatus.choices,
        default=LogisticsRequestStatus.OPEN,
    )
    answer = models.TextField(_("answer from logistics"), blank=True)
    requested_by = models.ForeignKey(
        "core.User",
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="logistics_requests",
    )
    assignee = models.ForeignKey(
        "core.User",
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="logistics_assignments",
    )
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    AUDITED_FIELDS = ["product", "quantity", "due_date", "note", "status", "answer", "assignee"]

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("logistics request")
        verbose_name_plural = _("logistics requests")
        indexes = [
            models.Index(fields=["status", "due_date", "id"], name="logistics_request_due"),
            models.Index(fields=["company", "-created_at", "-id"], name="logistics_request_company"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0), name="logistics_request_quantity_positive"
            )
        ]

    def __str__(self) -> str:
        return f"{self.product.sku} × {self.quantity}"


class RestockNotice(models.Model):
    """ "Tell the customer when it arrives": a contact is emailed, in their language, once, as soon as
    the warehouses have the product again."""

    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="restock_notices"
    )
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("contact"),
        on_delete=models.CASCADE,
        related_name="restock_notices",
    )
    company = models.ForeignKey(
        "customers.Company",
        verbose_name=_("company"),
        on_delete=models.CASCADE,
        related_name="restock_notices",
    )
    requested_by = models.ForeignKey(
        "core.User", verbose_name=_("requested by"), on_delete=models.CASCADE, related_name="restock_notices"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("restock notice")
        verbose_name_plural = _("restock notices")
        constraints = [
            # One waiting notice per product and contact (a sent one does not block a new one).
            models.UniqueConstraint(
                fields=["product", "contact"],
                condition=models.Q(sent_at__isnull=True),
                name="restock_notice_once",
            )
        ]
        indexes = [models.Index(fields=["product", "sent_at"], name="restock_notice_waiting")]

    def __str__(self) -> str:
        return f"{self.product.sku} → {self.contact}"
