"""Tables of the greetings app: the professional holiday calendar, greetings sent, events and invitations."""

from __future__ import annotations

import calendar
import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from klient.core.models import VersionedModel
from klient.core.visibility import company_visibility_q

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from klient.core.models import User


class DateRule(models.TextChoices):
    """How a professional holiday's date is found each year."""

    FIXED = "fixed", _("Fixed day of a month")
    NTH_WEEKDAY = "nth_weekday", _("N-th weekday of a month")


class Weekday(models.IntegerChoices):
    """Days of the week, numbered as Python's date.weekday() numbers them."""

    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class WeekOfMonth(models.IntegerChoices):
    """Which of the month's weekdays a holiday falls on; -1 is the last one."""

    FIRST = 1, _("first")
    SECOND = 2, _("second")
    THIRD = 3, _("third")
    FOURTH = 4, _("fourth")
    LAST = -1, _("last")


# The languages a holiday is named in besides English, and the field holding each name.
NAME_FIELDS = {
    "pl": "name_pl",
    "bs": "name_bs",
    "hy": "name_hy",
    "zh-hans": "name_zh_hans",
    "ru": "name_ru",
}


class ProfessionalHoliday(models.Model):
    """A day of a profession (Builder's Day, Teachers' Day) greeted at the companies of its industries.

    It applies in one country, or in every country when `country` is empty, to companies whose industry
    is one of `industries` (compared without regard to case; an empty list matches every company). Its
    date is a fixed day of a month, or the n-th (or last) weekday of a month."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name (English)"), max_length=150)
    name_pl = models.CharField(_("name (Polish)"), max_length=150, blank=True)
    name_bs = models.CharField(_("name (Bosnian/Croatian/Serbian)"), max_length=150, blank=True)
    name_hy = models.CharField(_("name (Armenian)"), max_length=150, blank=True)
    name_zh_hans = models.CharField(_("name (Chinese)"), max_length=150, blank=True)
    name_ru = models.CharField(_("name (Russian)"), max_length=150, blank=True)
    country = CountryField(_("country"), blank=True, help_text=_("Empty: every country."))
    industries = models.JSONField(
        _("industries"),
        default=list,
        blank=True,
        help_text=_('Industries as companies name them, e.g. ["Construction"]; empty: every industry.'),
    )
    rule = models.CharField(_("date rule"), max_length=12, choices=DateRule.choices, default=DateRule.FIXED)
    month = models.PositiveSmallIntegerField(
        _("month"), validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    day = models.PositiveSmallIntegerField(
        _("day"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
        help_text=_("For a fixed date."),
    )
    week = models.SmallIntegerField(
        _("week"), choices=WeekOfMonth.choices, null=True, blank=True, help_text=_("For an n-th weekday.")
    )
    weekday = models.PositiveSmallIntegerField(
        _("weekday"), choices=Weekday.choices, null=True, blank=True, help_text=_("For an n-th weekday.")
    )
    is_active = models.BooleanField(_("active"), default=True)

    AUDITED_FIELDS = [
        "code",
        "name",
        "name_pl",
        "name_bs",
        "name_hy",
        "name_zh_hans",
        "name_ru",
        "country",
        "industries",
        "rule",
        "month",
        "day",
        "week",
        "weekday",
        "is_active",
    ]

    class Meta:
        ordering = ["month", "day", "code"]
        verbose_name = _("professional holiday")
        verbose_name_plural = _("professional holidays")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(rule=DateRule.FIXED, day__isnull=False)
                    | models.Q(rule=DateRule.NTH_WEEKDAY, week__isnull=False, weekday__isnull=False)
                ),
                name="professionalholiday_rule_complete",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def name_in(self, language: str) -> str:
        """The holiday's name in a language (a regional variant counts as its language), else English."""
        language = (language or "").lower()
        field = NAME_FIELDS.get(language) or NAME_FIELDS.get(language.split("-")[0])
        return (getattr(self, field) if field else "") or self.name

    def date_in(self, year: int) -> datetime.date | None:
        """The holiday's date in a year; None when a fixed day does not exist that year (30 February)."""
        if self.rule == DateRule.FIXED:
            assert self.day is not None
            if self.day > calendar.monthrange(year, self.month)[1]:
                return None
            return datetime.date(year, self.month, self.day)
        assert self.week is not None and self.weekday is not None
        return nth_weekday(year, self.month, self.week, self.weekday)

    def applies_to_industry(self, industry: str) -> bool:
        """Whether a company of this industry keeps the holiday (case-insensitive)."""
        if not self.industries:
            return True
        wanted = {str(name).strip().casefold() for name in self.industries}
        return industry.strip().casefold() in wanted


def nth_weekday(year: int, month: int, week: int, weekday: int) -> datetime.date | None:
    """The `week`-th `weekday` (0 = Monday) of a month, or the last one for week -1; None if the month has
    no fifth one."""
    days_in_month = calendar.monthrange(year, month)[1]
    if week == -1:
        last = datetime.date(year, month, days_in_month)
        return last - datetime.timedelta(days=(last.weekday() - weekday) % 7)
    first = datetime.date(year, month, 1)
    day = 1 + (weekday - first.weekday()) % 7 + 7 * (week - 1)
    return datetime.date(year, month, day) if day <= days_in_month else None


class GreetingSentQuerySet(models.QuerySet["GreetingSent"]):
    """Queries over greetings sent; one is visible when its contact's company is."""

    def visible_to(self, user: User | AnonymousUser) -> GreetingSentQuerySet:
        condition = company_visibility_q(user, prefix="contact__company__")
        return self if condition is None else self.filter(condition)


class GreetingSent(models.Model):
    """A greeting mailed to a contact for one occasion of one year: at most one, by the constraint.

    `occasion` is the occasion's code ("birthday", "professional-<code>", "public-MM-DD"); the row is
    written in the transaction that queues the mail, so a greeting is never sent twice."""

    contact = models.ForeignKey(
        "customers.Contact", verbose_name=_("contact"), on_delete=models.CASCADE, related_name="greetings"
    )
    occasion = models.CharField(_("occasion"), max_length=80)
    year = models.PositiveSmallIntegerField(_("year"))
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        on_delete=models.PROTECT,
        related_name="greetings_sent",
    )
    # The id of the mail.OutboxMessage that carries it (kept as a number: mail is another app's table).
    message_id = models.BigIntegerField(_("message"), null=True, blank=True)

    objects = GreetingSentQuerySet.as_manager()

    AUDITED_FIELDS = ["contact", "occasion", "year", "sent_by"]

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = _("greeting sent")
        verbose_name_plural = _("greetings sent")
        constraints = [
            models.UniqueConstraint(fields=["contact", "occasion", "year"], name="greeting_once_a_year"),
        ]

    def __str__(self) -> str:
        return f"{self.occasion} {self.year}"


class EventKind(models.TextChoices):
    """What an event is; the values are the API's codes."""

    EXHIBITION = "exhibition", _("Exhibition")
    FAIR = "fair", _("Trade fair")
    PRESENTATION = "presentation", _("Presentation")
    CONFERENCE = "conference", _("Conference")
    OTHER = "other", _("Other")


class Event(VersionedModel):
    """An exhibition, fair or presentation our customers are invited to."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=EventKind.choices)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    place = models.CharField(_("place"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("organiser"), on_delete=models.PROTECT, related_name="events"
    )

    AUDITED_FIELDS = ["name", "kind", "starts_at", "ends_at", "place", "description", "owner"]

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [models.Index(fields=["-starts_at", "-id"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gte=models.F("starts_at")), name="event_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class InvitationStatus(models.TextChoices):
    """Where an invitation stands; "invited" is not answered yet."""

    INVITED = "invited", _("Not answered")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class InvitationQuerySet(models.QuerySet["Invitation"]):
    """Queries over invitations; one is visible when its contact's company is."""

    def visible_to(self, user: User | AnonymousUser) -> InvitationQuerySet:
        condition = company_visibility_q(user, prefix="contact__company__")
        return self if condition is None else self.filter(condition)


class Invitation(models.Model):
    """A contact invited to an event (once per event) and the answer: by the contact through the link in
    the mail (`answered_by` empty) or set by a rep after a call."""

    event = models.ForeignKey(
        Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="invitations"
    )
    contact = models.ForeignKey(
        "customers.Contact", verbose_name=_("contact"), on_delete=models.CASCADE, related_name="invitations"
    )
    status = models.CharField(
        _("answer"), max_length=10, choices=InvitationStatus.choices, default=InvitationStatus.INVITED
    )
    invited_at = models.DateTimeField(_("invited"), default=timezone.now)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        on_delete=models.PROTECT,
        related_name="invitations_sent",
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answer set by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    message_id = models.BigIntegerField(_("message"), null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    AUDITED_FIELDS = ["event", "contact", "status", "answered_by"]

    class Meta:
        ordering = ["event", "id"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(fields=["event", "contact"], name="invitation_once_per_event"),
            models.CheckConstraint(
                condition=models.Q(status__in=InvitationStatus.values), name="invitation_status_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} — {self.contact}"
