"""Tables of contracts: a contract with a company, made from an accepted quote or a template, numbered
C-<year>-<n>; every change of its wording, key terms or dates is kept as a version; the disagreement
protocol lists the disputed clauses, which must all be settled before the contract is approved and
signed; once signed its key terms become the client's."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from klient.catalog.models import validate_currency
from klient.core.models import VersionedModel
from klient.core.visibility import company_visibility_q

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from klient.core.models import User


class ContractStatus(models.TextChoices):
    """Where a contract is: being written, negotiated with the client, awaiting (or given) a manager's
    approval, signed (not yet in force), in force, run out, or ended early."""

    DRAFT = "draft", _("Draft")
    NEGOTIATION = "negotiation", _("Negotiation")
    APPROVAL = "approval", _("Approval")
    SIGNED = "signed", _("Signed")
    ACTIVE = "active", _("Active")
    EXPIRED = "expired", _("Expired")
    TERMINATED = "terminated", _("Terminated")


class DisagreementStatus(models.TextChoices):
    """A disputed clause: still open, settled with a resolution, or withdrawn by the side that raised it."""

    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ContractTemplate(models.Model):
    """The wording a contract starts from, in one language, with placeholders ({company}, {number},
    {payment_terms_days}, {starts_on}, …) filled when a contract is made, and the default key terms and
    duration of contracts made from it."""

    name = models.CharField(_("name"), max_length=200)
    language = models.CharField(_("language"), max_length=10)
    body = models.TextField(_("wording"))
    payment_terms_days = models.PositiveIntegerField(_("payment terms (days)"), null=True, blank=True)
    discount_percent = models.DecimalField(
        _("discount %"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    delivery_terms = models.TextField(_("delivery terms"), blank=True)
    duration_months = models.PositiveSmallIntegerField(_("duration (months)"), default=12)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("contract template")
        verbose_name_plural = _("contract templates")

    def __str__(self) -> str:
        return self.name


class ContractQuerySet(models.QuerySet["Contract"]):
    """Queries over contracts; a contract is visible when its company is."""

    def visible_to(self, user: User | AnonymousUser) -> ContractQuerySet:
        condition = company_visibility_q(user, prefix="company__")
        return self if condition is None else self.filter(condition)


class Contract(VersionedModel):
    """A contract with a company: number, title, the account manager responsible (`owner`), the quote,
    deal or template it came from, its value, its current wording (`body`, kept in versions), its key
    terms (commercial terms: payment days, discount, delivery terms, price type), its dates and renewal
    notice, the manager's approval, the signature, and an early termination."""

    number = models.CharField(_("number"), max_length=30, unique=True)
    title = models.CharField(_("title"), max_length=200)
    company = models.ForeignKey(
        "customers.Company", verbose_name=_("company"), on_delete=models.CASCADE, related_name="contracts"
    )
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contracts",
    )
    deal = models.ForeignKey(
        "sales.Deal",
        verbose_name=_("deal"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contracts",
    )
    quote = models.ForeignKey(
        "quotes.Quote",
        verbose_name=_("quote"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contracts",
    )
    template = models.ForeignKey(
        ContractTemplate,
        verbose_name=_("template"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contracts",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account manager"),
        on_delete=models.PROTECT,
        related_name="contracts",
    )
    language = models.CharField(_("language"), max_length=10)
    currency = models.CharField(_("currency"), max_length=3, validators=[validate_currency])
    total = models.DecimalField(_("value"), max_digits=14, decimal_places=2, default=0)
    status = models.CharField(
        _("status"), max_length=12, choices=ContractStatus.choices, default=ContractStatus.DRAFT
    )
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    renewal_notice_days = models.PositiveSmallIntegerField(_("renewal notice (days)"), default=30)
    # Key terms: commercial terms, shown and changed only with the view_commercial_terms permission.
    payment_terms_days = models.PositiveIntegerField(_("payment terms (days)"), null=True, blank=True)
    discount_percent = models.DecimalField(
        _("discount %"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    delivery_terms = models.TextField(_("delivery terms"), blank=True)
    price_type = models.ForeignKey(
        "catalog.PriceList",
        verbose_name=_("price type"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contracts",
    )
    body = models.TextField(_("wording"), blank=True)
    current_version = models.PositiveIntegerField(_("wording version"), default=1)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    signed_at = models.DateTimeField(_("signature recorded"), null=True, blank=True)
    customer_signatory = models.CharField(_("signed for the client by"), max_length=200, blank=True)
    terminated_on = models.DateField(_("terminated on"), null=True, blank=True)
    termination_reason = models.TextField(_("reason for termination"), blank=True)

    objects = ContractQuerySet.as_manager()

    KEY_TERMS = ("payment_terms_days", "discount_percent", "delivery_terms", "price_type")
    DATES = ("starts_on", "ends_on", "renewal_notice_days")
    AUDITED_FIELDS = [
        "title",
        "contact",
        "deal",
        "owner",
        "language",
        "currency",
        "total",
        "status",
        "starts_on",
        "ends_on",
        "renewal_notice_days",
        "payment_terms_days",
        "discount_percent",
        "delivery_terms",
        "price_type",
        "current_version",
        "approved_by",
        "signed_on",
        "customer_signatory",
        "terminated_on",
        "termination_reason",
    ]

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        permissions = [("approve_contract", _("Can approve contracts"))]
        indexes = [
            models.Index(fields=["company", "-created_at"], name="contract_company"),
            models.Index(fields=["owner", "status", "ends_on"], name="contract_owner_status_end"),
            models.Index(fields=["owner", "signed_on"], name="contract_owner_signed"),
            models.Index(fields=["status", "-created_at"], name="contract_status"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_editable(self) -> bool:
        """Wording, terms and dates change until the contract is signed."""
        return self.status in {ContractStatus.DRAFT, ContractStatus.NEGOTIATION, ContractStatus.APPROVAL}


class ContractLine(models.Model):
    """A line of a contract, copied from the accepted quote it was made from: the product, its name and unit
    as the client reads them, quantity, unit price, discount, VAT rate and the line's amounts."""

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="lines"
    )
    position = models.PositiveSmallIntegerField(_("position"))
    product = models.ForeignKey(
        "catalog.Product",
        verbose_name=_("product"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contract_lines",
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
        ordering = ["contract", "position"]
        verbose_name = _("contract line")
        verbose_name_plural = _("contract lines")
        constraints = [
            models.UniqueConstraint(fields=["contract", "position"], name="contract_line_position_once"),
        ]

    def __str__(self) -> str:
        return f"{self.contract}: {self.sku} × {self.quantity}"


class ContractVersion(models.Model):
    """One version of a contract's wording and key terms (terms and dates as strings), written when the
    contract is made (version 1) and at each change of them, with a note of why."""

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    body = models.TextField(_("wording"), blank=True)
    terms = models.JSONField(_("terms"), default=dict)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("written"))

    class Meta:
        ordering = ["contract", "number"]
        verbose_name = _("contract version")
        verbose_name_plural = _("contract versions")
        constraints = [
            models.UniqueConstraint(fields=["contract", "number"], name="contract_version_once"),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id} v{self.number}"


class Disagreement(VersionedModel):
    """A disputed clause of the disagreement protocol: our wording, the client's wording, how it was
    settled and by whom; an open one blocks the approval and the signature."""

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="disagreements"
    )
    clause = models.CharField(_("clause"), max_length=200)
    our_wording = models.TextField(_("our wording"), blank=True)
    their_wording = models.TextField(_("their wording"), blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=DisagreementStatus.choices, default=DisagreementStatus.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("raised by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("settled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("settled"), null=True, blank=True)

    AUDITED_FIELDS = ["clause", "our_wording", "their_wording", "resolution", "status"]

    class Meta:
        ordering = ["contract", "created_at", "id"]
        verbose_name = _("disagreement")
        verbose_name_plural = _("disagreements")
        indexes = [models.Index(fields=["contract", "status"], name="disagreement_contract_status")]

    def __str__(self) -> str:
        return self.clause


class ContractCounter(models.Model):
    """The last contract number given in a year (numbers are C-<year>-<n>, without gaps between commits)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("contract counter")
        verbose_name_plural = _("contract counters")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"
