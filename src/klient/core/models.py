"""People, organisation, access, delegation, audit and API tokens."""

from __future__ import annotations

import functools
import zoneinfo
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """The roles of design.md §4; each is a Django group of the same name."""

    ADMIN = "admin", _("Administrator")
    SALES_MANAGER = "sales_manager", _("Sales manager")
    ACCOUNT_MANAGER = "account_manager", _("Account manager")
    TELESALES = "telesales", _("Telesales")
    SALES_CONSULTANT = "sales_consultant", _("Sales consultant")
    PRESALES = "presales", _("Pre-sales engineer")
    SERVICE_AGENT = "service_agent", _("Service-desk agent")
    SERVICE_MANAGER = "service_manager", _("Service-desk manager")
    FINANCE = "finance", _("Finance")
    LOGISTICS = "logistics", _("Logistics")
    READ_ONLY = "read_only", _("Read only")
    PORTAL = "portal", _("Portal customer")


class Visibility(models.TextChoices):
    """How far a role's sight reaches over company records."""

    OWN = "own", _("Own records")
    TEAM = "team", _("Team's records")
    ALL = "all", _("All records")


@functools.cache
def known_timezones() -> frozenset[str]:
    """Every IANA time zone name; read once, since listing them walks the tz database on disk."""
    return frozenset(zoneinfo.available_timezones())


def timezone_choices() -> list[tuple[str, str]]:
    """Every IANA time zone, sorted, as form choices."""
    return [(name, name) for name in sorted(known_timezones())]


def validate_language(value: str) -> None:
    """Refuse a language code that is not in settings.LANGUAGES."""
    if value not in dict(settings.LANGUAGES):
        raise ValidationError(
            _("“%(value)s” is not a language of this installation."), params={"value": value}
        )


def validate_timezone(value: str) -> None:
    """Refuse a name that is not an IANA time zone."""
    if value not in known_timezones():
        raise ValidationError(_("“%(value)s” is not a known time zone."), params={"value": value})


class Team(models.Model):
    """A group of users with a lead; the unit of team visibility."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lead"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="teams_led",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who signs in: staff in a role, or a customer contact on the portal."""

    role = models.CharField(_("role"), max_length=32, choices=Role.choices, default=Role.READ_ONLY)
    team = models.ForeignKey(
        Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    # No `choices` here: the languages come from settings, so adding one needs no migration.
    language = models.CharField(_("language"), max_length=10, default="en", validators=[validate_language])
    timezone = models.CharField(_("time zone"), max_length=64, default="UTC", validators=[validate_timezone])
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    phone_e164 = models.CharField(_("phone (E.164)"), max_length=20, blank=True, db_index=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def get_language_display(self) -> str:
        """The language's name, as settings.LANGUAGES gives it."""
        return str(dict(settings.LANGUAGES).get(self.language, self.language))

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        """The user's time zone as a tzinfo, UTC when the stored name is unknown."""
        try:
            return zoneinfo.ZoneInfo(self.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return zoneinfo.ZoneInfo("UTC")


class RoleSetting(models.Model):
    """Per-role visibility (own / team / all), editable by an administrator."""

    role = models.CharField(_("role"), max_length=32, choices=Role.choices, unique=True)
    visibility = models.CharField(_("visibility"), max_length=8, choices=Visibility.choices)

    class Meta:
        ordering = ["role"]
        verbose_name = _("role visibility")
        verbose_name_plural = _("role visibility")

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.get_visibility_display()}"


class DelegationQuerySet(models.QuerySet["Delegation"]):
    """Queries over delegations."""

    def active_on(self, day: Any) -> DelegationQuerySet:
        """Delegations in force on the given date (inclusive range, not cancelled)."""
        return self.filter(starts_on__lte=day, ends_on__gte=day, cancelled_at__isnull=True)


class Delegation(models.Model):
    """During [starts_on, ends_on] the deputy takes over the absent user's records, lists and rights."""

    absent_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("absent user"),
        on_delete=models.CASCADE,
        related_name="delegations_out",
    )
    deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("deputy"),
        on_delete=models.CASCADE,
        related_name="delegations_in",
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)

    objects = DelegationQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="delegation_dates_ordered"
            ),
            models.CheckConstraint(
                condition=~models.Q(deputy=models.F("absent_user")), name="delegation_not_to_self"
            ),
        ]
        indexes = [models.Index(fields=["deputy", "starts_on", "ends_on"])]

    def __str__(self) -> str:
        return f"{self.absent_user} → {self.deputy} ({self.starts_on} – {self.ends_on})"


class AuditAction(models.TextChoices):
    """What happened to a record."""

    CREATE = "create", _("Created")
    UPDATE = "update", _("Changed")
    DELETE = "delete", _("Deleted")


class AuditEntry(models.Model):
    """Append-only record of a create, change or delete: who, when, on whose behalf, field from → to."""

    # Both are found through the (content_type, object_id, -at) index: a single-column index on either
    # would only slow every write down (an import writes one entry a record).
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, db_index=False)
    object_id = models.BigIntegerField()
    object_repr = models.CharField(max_length=200)
    action = models.CharField(max_length=8, choices=AuditAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now, db_index=True)
    # {"field": {"from": <value>, "to": <value>, "label": <display of to>}}
    changes = models.JSONField(default=dict)
    # The company whose client card shows the entry: the company itself, or the one the record belonged
    # to when the entry was written. A plain id, not a foreign key: history outlives the company.
    company_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [
            models.Index(fields=["content_type", "object_id", "-at"]),
            # The card's timeline asks for one kind of record of one company, newest first.
            models.Index(fields=["company_id", "content_type", "-at", "-id"], name="core_audit_company_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Refuse to rewrite history: an entry is written once."""
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValidationError("Audit entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        """Refuse to delete history."""
        raise ValidationError("Audit entries are append-only.")


class ApiToken(models.Model):
    """A personal access token; only its SHA-256 digest is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    is_read_only = models.BooleanField(_("read only"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        """Not revoked and not expired."""
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > timezone.now())


class VersionedModel(models.Model):
    """Base for business records: an optimistic-lock version and timestamps."""

    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now, editable=False)

    class Meta:
        abstract = True


class Tag(models.Model):
    """A label for grouping records (companies now; more later), shared by everyone."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    # The folded name: "Ključni" and "kljucni" are the same tag.
    key = models.CharField(max_length=50, unique=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class Note(models.Model):
    """A free-text note on a business record, shown on its company's timeline."""

    target_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    target_id = models.BigIntegerField()
    # The company whose client card shows the note (the target itself, or the company it belongs to).
    company_id = models.BigIntegerField(null=True, blank=True)
    text = models.TextField(_("text"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("author"),
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        indexes = [
            models.Index(fields=["company_id", "-created_at", "-id"]),
            models.Index(fields=["target_type", "target_id"]),
        ]

    def __str__(self) -> str:
        return self.text[:60]


class Attachment(models.Model):
    """A file kept on a business record (shown in its company's Files tab)."""

    target_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    target_id = models.BigIntegerField()
    company_id = models.BigIntegerField(null=True, blank=True)
    file = models.FileField(_("file"), upload_to="attachments/%Y/%m/")
    name = models.CharField(_("name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    content_type = models.CharField(max_length=100, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        indexes = [
            models.Index(fields=["company_id", "-uploaded_at", "-id"]),
            models.Index(fields=["target_type", "target_id"]),
        ]

    def __str__(self) -> str:
        return self.name


class SavedView(models.Model):
    """A user's named list view: the list's filters and sort, as a query string."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views")
    list_name = models.CharField(max_length=50)  # e.g. "companies", "contacts"
    name = models.CharField(_("name"), max_length=100)
    query = models.CharField(_("filters"), max_length=2000, blank=True)
    is_default = models.BooleanField(_("open by default"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        constraints = [
            models.UniqueConstraint(fields=["user", "list_name", "name"], name="saved_view_unique_name")
        ]

    def __str__(self) -> str:
        return self.name
