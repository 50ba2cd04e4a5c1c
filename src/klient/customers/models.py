"""Companies and their account teams (first form of the client card)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from klient.core.models import Tag, Team, User, VersionedModel
from klient.core.visibility import company_visibility_q

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser


class CompanyQuerySet(models.QuerySet["Company"]):
    """Queries over companies; every read starts from `visible_to`."""

    # Whose visibility narrowed the queryset, kept through later filters: a list reads it as branches
    # (see company_visibility_branches and keyset_paginate).
    visibility_user: User | None = None

    def visible_to(self, user: User | AnonymousUser) -> CompanyQuerySet:
        """Companies the user may see: by role visibility, account team and delegations in force."""
        condition = company_visibility_q(user)
        if condition is None:
            return self
        visible = self.filter(condition)
        visible.visibility_user = user if isinstance(user, User) else None
        return visible

    def _clone(self) -> CompanyQuerySet:
        clone: CompanyQuerySet = super()._clone()  # type: ignore[misc]
        clone.visibility_user = self.visibility_user
        return clone


class CompanyStatus(models.TextChoices):
    """Where a company stands with us: prospect → customer → inactive / lost."""

    PROSPECT = "prospect", _("Prospect")
    CUSTOMER = "customer", _("Customer")
    INACTIVE = "inactive", _("Inactive")
    LOST = "lost", _("Lost")


class CompanySource(models.TextChoices):
    """How the company came to us."""

    EXHIBITION = "exhibition", _("Exhibition")
    FAIR = "fair", _("Trade fair")
    ADVERT = "advert", _("Advertisement")
    REFERRAL = "referral", _("Referral")
    COLD_CALL = "cold_call", _("Cold call")
    WEBSITE = "website", _("Website")
    PARTNER = "partner", _("Partner")
    TENDER = "tender", _("Tender")
    OTHER = "other", _("Other")


class CompanySize(models.TextChoices):
    """Head count bands."""

    MICRO = "1-9", _("1–9 employees")
    SMALL = "10-49", _("10–49 employees")
    MEDIUM = "50-249", _("50–249 employees")
    LARGE = "250-999", _("250–999 employees")
    ENTERPRISE = "1000+", _("1,000 or more employees")


class Company(VersionedModel):
    """A customer or prospect organisation: the root every customer record hangs from (the client card)."""

    name = models.CharField(_("name"), max_length=200)
    legal_name = models.CharField(_("legal name"), max_length=300, blank=True)
    tax_id = models.CharField(_("tax id"), max_length=50, blank=True, help_text=_("VAT, NIP, INN…"))
    registration_number = models.CharField(_("registration number"), max_length=50, blank=True)
    country = CountryField(_("country"), blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    legal_address = models.TextField(_("legal address"), blank=True)
    billing_address = models.TextField(_("billing address"), blank=True)
    delivery_address = models.TextField(_("delivery address"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    phone_e164 = models.CharField(_("phone (E.164)"), max_length=20, blank=True, editable=False)
    other_phones = models.CharField(
        _("other phones"), max_length=200, blank=True, help_text=_("Separated by commas.")
    )
    # E.164 forms of other_phones, space separated (kept for search and duplicate checks).
    other_phones_e164 = models.CharField(max_length=200, blank=True, editable=False)
    email = models.EmailField(_("email"), blank=True)
    website = models.CharField(_("website"), max_length=200, blank=True)
    # Host name of the website without "www.", lower-case: the duplicate check compares it.
    website_domain = models.CharField(max_length=200, blank=True, editable=False)
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    size = models.CharField(_("size"), max_length=10, choices=CompanySize.choices, blank=True)
    segment = models.CharField(_("segment"), max_length=50, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=CompanyStatus.choices, default=CompanyStatus.PROSPECT
    )
    status_reason = models.CharField(
        _("status reason"),
        max_length=200,
        blank=True,
        help_text=_("Why the company became inactive or was lost."),
    )
    source = models.CharField(_("source"), max_length=20, choices=CompanySource.choices, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="companies_owned",
        db_index=False,  # the (owner, name, id) index below serves lookups by owner
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="companies",
        db_index=False,  # the (team, name, id) index below serves lookups by team
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent company"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="subsidiaries",
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="companies")
    document_language = models.CharField(_("language for documents"), max_length=10, blank=True)
    document_currency = models.CharField(_("currency for documents"), max_length=3, blank=True)
    is_key_account = models.BooleanField(_("key account"), default=False)
    external_id = models.CharField(
        _("external id"), max_length=100, blank=True, help_text=_("The company's id in the ERP.")
    )
    card_reviewed_at = models.DateTimeField(_("card reviewed"), null=True, blank=True, editable=False)
    card_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("card reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    # When we last spoke with the company (notes now; activities, mail and tickets later).
    last_contact_at = models.DateTimeField(_("last contact"), null=True, blank=True, editable=False)
    # The company's latest done call (by anyone) and the code of its outcome, kept by the activities app:
    # My Day finds the clients to negotiate with through them without reading their calls.
    last_call_at = models.DateTimeField(_("last call"), null=True, blank=True, editable=False)
    # Null with no call (a new column of SQLite that is not null would rebuild the table and its search).
    last_call_outcome = models.CharField(  # noqa: DJ001
        _("outcome of the last call"), max_length=40, null=True, blank=True, editable=False
    )

    # Commercial terms: shown and changed only with the view_commercial_terms permission.
    # The price list the company's documents take their prices from (a customer price can override it).
    price_type = models.ForeignKey(
        "catalog.PriceList",
        verbose_name=_("price type"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="companies",
    )
    payment_terms_days = models.PositiveIntegerField(
        _("payment terms (days)"), null=True, blank=True, validators=[MaxValueValidator(365)]
    )
    credit_limit = models.DecimalField(
        _("credit limit"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    discount_percent = models.DecimalField(
        _("discount %"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    individual_services = models.TextField(_("individual services"), blank=True)
    delivery_terms = models.TextField(_("faster delivery terms"), blank=True)

    # Derived by the services, for duplicate checks and search.
    name_key = models.CharField(max_length=200, blank=True, editable=False)  # folded name without legal form
    tax_id_key = models.CharField(max_length=50, blank=True, editable=False)  # letters and digits, upper-case
    # Folded (lower-case, no diacritics) text of the searchable fields, maintained by the services.
    search_text = models.TextField(editable=False, default="")

    objects = CompanyQuerySet.as_manager()

    COMMERCIAL_FIELDS = (
        "price_type",
        "payment_terms_days",
        "credit_limit",
        "discount_percent",
        "individual_services",
        "delivery_terms",
    )
    AUDITED_FIELDS = [
        "name",
        "legal_name",
        "tax_id",
        "registration_number",
        "country",
        "city",
        "legal_address",
        "billing_address",
        "delivery_address",
        "phone",
        "other_phones",
        "email",
        "website",
        "industry",
        "size",
        "segment",
        "status",
        "status_reason",
        "source",
        "owner",
        "team",
        "parent",
        "document_language",
        "document_currency",
        "is_key_account",
        "external_id",
        *COMMERCIAL_FIELDS,
    ]

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        permissions = [("view_commercial_terms", _("Can view commercial terms"))]
        indexes = [
            models.Index(fields=["name", "id"]),
            models.Index(fields=["owner", "name", "id"]),
            models.Index(fields=["team", "name", "id"]),
            models.Index(fields=["-created_at", "-id"]),
            models.Index(fields=["-updated_at", "-id"]),
            models.Index(fields=["status", "name", "id"]),
            models.Index(fields=["country", "name", "id"]),
            models.Index(fields=["tax_id_key"]),
            models.Index(fields=["name_key", "country"]),
            models.Index(fields=["website_domain"]),
            models.Index(fields=["phone_e164"]),
            models.Index(fields=["external_id"]),
            models.Index(fields=["card_reviewed_at", "id"]),
            models.Index(fields=["last_contact_at", "id"]),
            # My Day's clients to negotiate with: an owner's companies by the outcome and time of their last
            # call. (Not a partial index on the outcomes: SQLite cannot use one for a query whose outcomes
            # are bound parameters.)
            models.Index(fields=["owner", "last_call_outcome", "-last_call_at"], name="company_last_call"),
            models.Index(fields=["owner", "country"]),
            # My Day's client cards to review: an owner's companies by status and last review.
            models.Index(fields=["owner", "status", "card_reviewed_at"], name="company_review"),
        ]

    def __str__(self) -> str:
        return self.name


class AccountTeamMember(models.Model):
    """Another user with a role on a company's account (team selling); they see the company."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="account_team")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account_memberships"
    )
    role = models.CharField(_("role on the account"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("account team member")
        verbose_name_plural = _("account team")
        constraints = [models.UniqueConstraint(fields=["company", "user"], name="account_team_member_unique")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.company}"


class BuyingRole(models.TextChoices):
    """The part a contact plays in a purchase."""

    DECISION_MAKER = "decision_maker", _("Decision maker")
    INFLUENCER = "influencer", _("Influencer")
    USER = "user", _("User")
    GATEKEEPER = "gatekeeper", _("Gatekeeper")


class Channel(models.TextChoices):
    """How a contact prefers to be reached."""

    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
    MOBILE = "mobile", _("Mobile phone")
    MESSENGER = "messenger", _("Messenger")
    VISIT = "visit", _("Visit")
    POST = "post", _("Post")


class ContactQuerySet(models.QuerySet["Contact"]):
    """Queries over contacts; a contact is visible when its company is."""

    def visible_to(self, user: User | AnonymousUser) -> ContactQuerySet:
        """Contacts of companies the user may see."""
        condition = company_visibility_q(user, prefix="company__")
        return self if condition is None else self.filter(condition)


class Contact(VersionedModel):
    """A person at a company. A person who moves on keeps this record with `left_on` set, and gets a new
    one at the next company that points back here through `previous`."""

    company = models.ForeignKey(
        Company, verbose_name=_("company"), on_delete=models.CASCADE, related_name="contacts"
    )
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    middle_name = models.CharField(_("middle name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    position = models.CharField(_("position"), max_length=150, blank=True)
    buying_role = models.CharField(_("buying role"), max_length=20, choices=BuyingRole.choices, blank=True)
    email = models.EmailField(_("email"), blank=True)
    other_emails = models.JSONField(_("other emails"), default=list, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    phone_e164 = models.CharField(_("phone (E.164)"), max_length=20, blank=True, editable=False)
    mobile = models.CharField(_("mobile phone"), max_length=40, blank=True)
    mobile_e164 = models.CharField(_("mobile phone (E.164)"), max_length=20, blank=True, editable=False)
    # [{"value": "+7 495 123-45-67", "e164": "+74951234567"}], as entered and normalised.
    other_phones = models.JSONField(_("other phones"), default=list, blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    preferred_channel = models.CharField(
        _("preferred channel"), max_length=10, choices=Channel.choices, blank=True
    )
    marketing_consent = models.BooleanField(_("marketing consent"), default=False)
    marketing_consent_at = models.DateTimeField(_("consent given"), null=True, blank=True)
    marketing_consent_source = models.CharField(_("consent source"), max_length=100, blank=True)
    left_on = models.DateField(_("left the company on"), null=True, blank=True)
    previous = models.ForeignKey(
        "self",
        verbose_name=_("same person at an earlier company"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="next_positions",
    )
    external_id = models.CharField(_("external id"), max_length=100, blank=True)
    name_key = models.CharField(max_length=200, blank=True, editable=False)  # folded "first last"
    search_text = models.TextField(editable=False, default="")

    objects = ContactQuerySet.as_manager()

    AUDITED_FIELDS = [
        "company",
        "first_name",
        "middle_name",
        "last_name",
        "position",
        "buying_role",
        "email",
        "other_emails",
        "phone",
        "mobile",
        "other_phones",
        "birthday",
        "language",
        "preferred_channel",
        "marketing_consent",
        "marketing_consent_at",
        "marketing_consent_source",
        "left_on",
        "external_id",
    ]

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        indexes = [
            models.Index(fields=["company", "last_name", "first_name", "id"]),
            models.Index(fields=["last_name", "first_name", "id"]),
            models.Index(fields=["-updated_at", "-id"]),
            models.Index(fields=["email"]),
            models.Index(fields=["phone_e164"]),
            models.Index(fields=["mobile_e164"]),
            models.Index(fields=["name_key"]),
            models.Index(fields=["external_id"]),
            models.Index(fields=["birthday"]),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email or str(_("(no name)"))

    @property
    def full_name(self) -> str:
        """First, middle and last name as entered."""
        return " ".join(part for part in (self.first_name, self.middle_name, self.last_name) if part)


class ImportKind(models.TextChoices):
    """What an import file holds."""

    COMPANIES = "companies", _("Companies")
    CONTACTS = "contacts", _("Contacts")


class ImportMapping(models.Model):
    """A saved mapping of a file's column headers to fields, offered again for files with those headers."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_mappings"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ImportKind.choices)
    name = models.CharField(_("name"), max_length=100)
    # {"Source column": "field"}; a column mapped to "" is ignored.
    columns = models.JSONField(default=dict)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("import mapping")
        verbose_name_plural = _("import mappings")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "name"], name="import_mapping_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class ImportStatus(models.TextChoices):
    """Where an import job is."""

    UPLOADED = "uploaded", _("Uploaded")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ImportJob(models.Model):
    """One uploaded file on its way in: its options, progress and result (run as a background job)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_jobs")
    kind = models.CharField(_("kind"), max_length=10, choices=ImportKind.choices)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    # {"columns": {...}, "key": "tax_id" | "", "atomic": false}
    options = models.JSONField(default=dict)
    status = models.CharField(
        _("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.UPLOADED
    )
    is_dry_run = models.BooleanField(_("dry run"), default=False)
    total_rows = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    processed_rows = models.PositiveIntegerField(_("rows done"), default=0)
    # The summary the command line prints: created, updated, unchanged, skipped, errors, duplicates.
    result = models.JSONField(default=dict)
    rejected_file = models.FileField(_("rejected rows"), upload_to="imports/%Y/%m/", blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.original_name


class DuplicateDismissal(models.Model):
    """A pair of records someone marked "not a duplicate": the finder leaves it out for everyone.

    The pair is stored in one order only (first_id < second_id), so (3, 7) and (7, 3) are one row.
    """

    class Kind(models.TextChoices):
        """Which records the pair is made of."""

        COMPANY = "company", _("Companies")
        CONTACT = "contact", _("Contacts")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    first_id = models.BigIntegerField(_("first record"))
    second_id = models.BigIntegerField(_("second record"))
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("dismissed by"),
    )
    dismissed_at = models.DateTimeField(_("dismissed"), default=timezone.now)

    class Meta:
        verbose_name = _("dismissed duplicate pair")
        verbose_name_plural = _("dismissed duplicate pairs")
        ordering = ["kind", "first_id", "second_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "first_id", "second_id"], name="duplicate_dismissal_unique_pair"
            ),
            models.CheckConstraint(
                condition=models.Q(first_id__lt=models.F("second_id")), name="duplicate_dismissal_ordered"
            ),
        ]
        # The unique constraint serves lookups by first_id; this one finds a record's pairs by second_id.
        indexes = [models.Index(fields=["kind", "second_id"], name="duplicate_dismissal_second")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.first_id} – {self.second_id}"

    @staticmethod
    def ordered(first_id: int, second_id: int) -> tuple[int, int]:
        """The pair in its stored order (lower id first), whichever order it was given in."""
        return (first_id, second_id) if first_id <= second_id else (second_id, first_id)
