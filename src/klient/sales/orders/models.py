"""Tables of orders: an order made from an accepted quote or under a signed contract (lines and totals), with a promised
shipping date and a status that the UI, a CSV file or an ERP updates; and the log of the delay notices
sent to the customer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from klient.catalog.models import validate_currency
from klient.core.models import VersionedModel
from klient.core.visibility import company_visibility_q

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from klient.core.models import User


class OrderStatus(models.TextChoices):
    """Where an order is, from confirmation to delivery (or cancellation)."""

    CONFIRMED = "confirmed", _("Confirmed")
    IN_PRODUCTION = "in_production", _("In production")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")


class OrderQuerySet(models.QuerySet["Order"]):
    """Queries over orders; an order is visible when its company is."""

    def visible_to(self, user: User | AnonymousUser) -> OrderQuerySet:
        condition = company_visibility_q(user, prefix="company__")
        return self if condition is None else self.filter(condition)


class Order(VersionedModel):
    """An order: number (O-<year>-<n>), the accepted quote it came from (one order per quote) or the
    signed contract it was placed under, the company and contact, the currency and totals, its status, the promised shipping date, whether
    it is delayed and why, and the ERP's id for it (`external_id`)."""

    number = models.CharField(_("number"), max_length=30, unique=True)
    quote = models.OneToOneField(
        "quotes.Quote",
        verbose_name=_("quote"),
        null=True,
        blank=True,
        on_delete=models.RESTRICT,
        related_name="order",
    )
    # Or the signed contract it was placed under (a contract has any number of orders).
    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("contract"),
        null=True,
        blank=True,
        on_delete=models.RESTRICT,
        related_name="orders",
    )
    company = models.ForeignKey(
        "customers.Company", verbose_name=_("company"), on_delete=models.CASCADE, related_name="orders"
    )
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
    )
    currency = models.CharField(_("currency"), max_length=3, validators=[validate_currency])
    subtotal = models.DecimalField(_("subtotal"), max_digits=18, decimal_places=4, default=0)
    tax_total = models.DecimalField(_("VAT"), max_digits=18, decimal_places=4, default=0)
    total = models.DecimalField(_("total"), max_digits=18, decimal_places=4, default=0)
    status = models.CharField(
        _("status"), max_length=15, choices=OrderStatus.choices, default=OrderStatus.CONFIRMED
    )
    is_delayed = models.BooleanField(_("delayed"), default=False)
    promised_date = models.DateField(_("promised shipping date"))
    delay_reason = models.TextField(_("reason for the delay"), blank=True)
    external_id = models.CharField(_("ERP id"), max_length=100, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="orders"
    )

    objects = OrderQuerySet.as_manager()

    AUDITED_FIELDS = ["status", "is_delayed", "promised_date", "delay_reason", "external_id", "contact"]

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        indexes = [
            models.Index(fields=["company", "-created_at"], name="order_company"),
            models.Index(fields=["status", "-created_at"], name="order_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(quote__isnull=False) | Q(contract__isnull=False),
                name="order_from_quote_or_contract",
            ),
            # The ERP's id names one order, when it is set.
            models.UniqueConstraint(
                fields=["external_id"], condition=~Q(external_id=""), name="order_external_id_once"
            ),
        ]

    def __str__(self) -> str:
        return self.number


class OrderLine(models.Model):
    """A line of an order, copied from its quote's line: the product, SKU, name and unit as the customer
    read them, the quantity, unit price, discount, VAT rate and the line's amounts."""

    order = models.ForeignKey(Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(_("position"))
    product = models.ForeignKey(
        "catalog.Product", verbose_name=_("product"), on_delete=models.PROTECT, related_name="order_lines"
    )
    sku = models.CharField(_("SKU"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    unit = models.CharField(_("unit"), max_length=10)
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3)
    unit_price = models.DecimalField(_("unit price"), max_digits=18, decimal_places=4)
    discount_percent = models.DecimalField(_("discount %"), max_digits=5, decimal_places=2, default=0)
    tax_rate = models.DecimalField(_("VAT rate %"), max_digits=5, decimal_places=2)
    line_subtotal = models.DecimalField(_("amount"), max_digits=18, decimal_places=4)
    line_tax = models.DecimalField(_("VAT"), max_digits=18, decimal_places=4)

    class Meta:
        ordering = ["order", "position"]
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        constraints = [
            models.UniqueConstraint(fields=["order", "position"], name="order_line_position_once"),
        ]

    def __str__(self) -> str:
        return f"{self.order}: {self.sku} × {self.quantity}"


class OrderDelayNotice(models.Model):
    """One delay of an order told (or not) to the customer: the dates before and after, the reason, the
    contact and the outbox message; `failure` says why nothing was sent (no contact, no email)."""

    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="delay_notices"
    )
    old_date = models.DateField(_("previous date"), null=True, blank=True)
    new_date = models.DateField(_("new date"))
    reason = models.TextField(_("reason"), blank=True)
    contact = models.ForeignKey(
        "customers.Contact", verbose_name=_("contact"), null=True, blank=True, on_delete=models.SET_NULL
    )
    message = models.ForeignKey(
        "mail.OutboxMessage", verbose_name=_("message"), null=True, blank=True, on_delete=models.SET_NULL
    )
    failure = models.CharField(_("not sent because"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("delay notice")
        verbose_name_plural = _("delay notices")

    def __str__(self) -> str:
        return f"{self.order}: {self.new_date}"

    @property
    def is_sent(self) -> bool:
        return self.message_id is not None


class OrderCounter(models.Model):
    """The last order number given in a year (numbers are O-<year>-<n>, without gaps between commits)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("order counter")
        verbose_name_plural = _("order counters")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"
