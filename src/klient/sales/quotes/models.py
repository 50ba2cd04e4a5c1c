"""Tables of commercial proposals (quotes): a quote to a company in its language and a currency, with
lines from the catalogue and totals rounded per line; a sent quote is never changed, a new revision of
the same number is made instead."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from klient.catalog.models import validate_currency
from klient.core.models import Role, VersionedModel
from klient.core.visibility import company_visibility_q

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from klient.core.models import User


class QuoteStatus(models.TextChoices):
    """Where a quote is: being written (draft), waiting for a manager to approve its discounts, sent to
    the client (and maybe viewed), answered, or replaced by a newer revision."""

    DRAFT = "draft", _("Draft")
    AWAITING_APPROVAL = "approval", _("Awaiting approval")
    SENT = "sent", _("Sent")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    SUPERSEDED = "superseded", _("Replaced by a newer revision")


class PriceSource(models.TextChoices):
    """Where a line's unit price came from."""

    CUSTOMER_PRICE = "customer_price", _("Special price")
    PRICE_LIST = "price_list", _("Price type")
    MANUAL = "manual", _("Entered by hand")


class QuoteQuerySet(models.QuerySet["Quote"]):
    """Queries over quotes; a quote is visible when its company is."""

    def visible_to(self, user: User | AnonymousUser) -> QuoteQuerySet:
        condition = company_visibility_q(user, prefix="company__")
        return self if condition is None else self.filter(condition)


class Quote(VersionedModel):
    """A commercial proposal: number and revision, the company, contact and deal, the language and the
    currency of the document, how long it is valid, its lines' totals (`subtotal`, `tax_total`, `total`,
    each the sum of the lines' rounded amounts), its status, the manager who approved its discounts, and
    the customer's answer through the public link (`token`)."""

    number = models.CharField(_("number"), max_length=30)
    revision = models.PositiveSmallIntegerField(_("revision"), default=1)
    previous = models.OneToOneField(
        "self",
        verbose_name=_("previous revision"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="next_revision",
    )
    company = models.ForeignKey(
        "customers.Company", verbose_name=_("company"), on_delete=models.CASCADE, related_name="quotes"
    )
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="quotes",
    )
    deal = models.ForeignKey(
        "sales.Deal",
        verbose_name=_("deal"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="quotes",
    )
    language = models.CharField(_("language"), max_length=10)
    currency = models.CharField(_("currency"), max_length=3, validators=[validate_currency])
    price_list = models.ForeignKey(
        "catalog.PriceList",
        verbose_name=_("price type"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    issued_on = models.DateField(_("date"))
    valid_until = models.DateField(_("valid until"))
    introduction = models.TextField(_("introduction"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=QuoteStatus.choices, default=QuoteStatus.DRAFT
    )
    subtotal = models.DecimalField(_("subtotal"), max_digits=18, decimal_places=4, default=0)
    tax_total = models.DecimalField(_("VAT"), max_digits=18, decimal_places=4, default=0)
    total = models.DecimalField(_("total"), max_digits=18, decimal_places=4, default=0)
    max_discount = models.DecimalField(_("highest discount %"), max_digits=5, decimal_places=2, default=0)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("discounts approved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("discounts approved"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="quotes"
    )
    token = models.CharField(max_length=43, unique=True, editable=False)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    first_viewed_at = models.DateTimeField(_("first viewed"), null=True, blank=True)
    view_count = models.PositiveIntegerField(_("views"), default=0)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answer_comment = models.TextField(_("customer's comment"), blank=True)

    objects = QuoteQuerySet.as_manager()

    AUDITED_FIELDS = [
        "contact",
        "deal",
        "language",
        "currency",
        "valid_until",
        "introduction",
        "status",
        "total",
        "approved_by",
    ]

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        permissions = [("approve_quote", _("Can approve discounts on quotes"))]
        indexes = [
            models.Index(fields=["company", "-created_at"], name="quote_company"),
            models.Index(fields=["owner", "status", "-created_at"], name="quote_owner"),
            models.Index(fields=["status", "-created_at"], name="quote_status"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["number", "revision"], name="quote_number_revision_once"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The number as documents show it: Q-2026-00042, then Q-2026-00042/2 for later revisions."""
        return self.number if self.revision == 1 else f"{self.number}/{self.revision}"

    @property
    def is_editable(self) -> bool:
        return self.status in {QuoteStatus.DRAFT, QuoteStatus.AWAITING_APPROVAL}


class QuoteLine(models.Model):
    """A line of a quote: a product, its name and unit as the client reads them, the quantity, the unit
    price (from the client's prices unless entered), the discount and VAT rate, and the line's amounts
    rounded half-up to the currency's minor unit."""

    quote = models.ForeignKey(Quote, verbose_name=_("quote"), on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(_("position"))
    product = models.ForeignKey(
        "catalog.Product", verbose_name=_("product"), on_delete=models.PROTECT, related_name="quote_lines"
    )
    sku = models.CharField(_("SKU"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    unit = models.CharField(_("unit"), max_length=10)
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3)
    unit_price = models.DecimalField(_("unit price"), max_digits=18, decimal_places=4)
    price_source = models.CharField(_("price from"), max_length=20, choices=PriceSource.choices)
    discount_percent = models.DecimalField(_("discount %"), max_digits=5, decimal_places=2, default=0)
    tax_rate = models.DecimalField(_("VAT rate %"), max_digits=5, decimal_places=2)
    line_subtotal = models.DecimalField(_("amount"), max_digits=18, decimal_places=4)
    line_tax = models.DecimalField(_("VAT"), max_digits=18, decimal_places=4)

    class Meta:
        ordering = ["quote", "position"]
        verbose_name = _("quote line")
        verbose_name_plural = _("quote lines")
        constraints = [
            models.UniqueConstraint(fields=["quote", "position"], name="quote_line_position_once"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="quote_line_quantity_positive"),
            models.CheckConstraint(
                condition=Q(discount_percent__gte=0, discount_percent__lte=100),
                name="quote_line_discount_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quote}: {self.sku} × {self.quantity}"


class QuoteCounter(models.Model):
    """The last quote number given in a year (numbers are Q-<year>-<n>, without gaps between commits)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("quote counter")
        verbose_name_plural = _("quote counters")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class MassProposalStatus(models.TextChoices):
    """Where a mass proposal is: its quotes written and waiting to go, going out, or all handled."""

    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    DONE = "done", _("Done")


class MassProposalItemStatus(models.TextChoices):
    """What became of one company of a mass proposal."""

    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    SKIPPED = "skipped", _("Left out")
    FAILED = "failed", _("Failed")


class MassProposalReason(models.TextChoices):
    """Why a company of a mass proposal was left out or failed; the values are the API's codes."""

    NOT_VISIBLE = "not_visible", _("No company with this id, or you may not see it")
    NO_ADDRESS = "no_address", _("No current contact with an email address")
    UNSUBSCRIBED = "unsubscribed", _("The contact has unsubscribed from offers")
    NEEDS_APPROVAL = "needs_approval", _("Its discounts need a manager's approval")
    INVALID = "invalid", _("The quote could not be written")
    SEND_FAILED = "send_failed", _("The quote could not be sent")


class MassProposalQuerySet(models.QuerySet["MassProposal"]):
    """Queries over mass proposals: a user sees the ones they made; managers their team's too; admins all."""

    def visible_to(self, user: User | AnonymousUser) -> MassProposalQuerySet:
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser or user.role == Role.ADMIN:
            return self
        mine = Q(created_by=user)
        if user.role == Role.SALES_MANAGER and user.team_id is not None:
            mine |= Q(created_by__team_id=user.team_id)
        return self.filter(mine)


class MassProposal(models.Model):
    """One offer to many companies: the same lines (product, quantity, optional discount) quoted to each
    company at its own prices, in its contact's language (else the company's, else the sender's), each
    quote sent with its own PDF and email, at most `rate_per_minute` a minute. Access follows the quote
    permissions (writing and sending quotes); each company's quote is an ordinary quote."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="mass_proposals",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    # The lines as asked for: [{"product": id, "sku": ..., "quantity": "3", "discount_percent": "5" | null}].
    lines = models.JSONField(_("lines"), default=list)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    rate_per_minute = models.PositiveIntegerField(_("quotes per minute"))
    status = models.CharField(
        _("status"), max_length=10, choices=MassProposalStatus.choices, default=MassProposalStatus.QUEUED
    )
    company_count = models.PositiveIntegerField(_("companies"), default=0)
    queued_count = models.PositiveIntegerField(_("queued"), default=0)
    sent_count = models.PositiveIntegerField(_("sent"), default=0)
    skipped_count = models.PositiveIntegerField(_("left out"), default=0)
    failed_count = models.PositiveIntegerField(_("failed"), default=0)
    # The ids asked for that name no company the creator sees (left out; nothing else is kept of them).
    hidden_companies = models.JSONField(_("companies not found"), default=list, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    objects = MassProposalQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("mass proposal")
        verbose_name_plural = _("mass proposals")
        indexes = [models.Index(fields=["created_by", "-created_at"], name="mass_proposal_creator")]

    def __str__(self) -> str:
        return f"{self.created_by} · {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def is_finished(self) -> bool:
        return self.status == MassProposalStatus.DONE


class MassProposalItem(models.Model):
    """One company of a mass proposal: its contact, its quote (none when it was left out), what became of
    it, why (a code and the message), and when its quote went out."""

    mass_proposal = models.ForeignKey(
        MassProposal, verbose_name=_("mass proposal"), on_delete=models.CASCADE, related_name="items"
    )
    company = models.ForeignKey(
        "customers.Company", verbose_name=_("company"), on_delete=models.CASCADE, related_name="+"
    )
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    quote = models.ForeignKey(
        Quote, verbose_name=_("quote"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=MassProposalItemStatus.choices,
        default=MassProposalItemStatus.QUEUED,
    )
    reason_code = models.CharField(_("reason"), max_length=20, choices=MassProposalReason.choices, blank=True)
    reason = models.TextField(_("reason in words"), blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["mass_proposal", "id"]
        verbose_name = _("mass proposal company")
        verbose_name_plural = _("mass proposal companies")
        indexes = [models.Index(fields=["mass_proposal", "status"], name="mass_proposal_item_status")]
        constraints = [
            models.UniqueConstraint(fields=["mass_proposal", "company"], name="mass_proposal_company_once"),
        ]

    def __str__(self) -> str:
        return f"{self.mass_proposal_id}: {self.company_id} ({self.status})"
