"""Activities: calls, emails, meetings, visits, tasks and notes with a company (and a contact)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from klient.core.models import User, VersionedModel
from klient.core.visibility import company_visibility_q

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser


class ActivityKind(models.TextChoices):
    """What kind of work an activity is; the values are the API's codes."""

    CALL = "call", _("Call")
    EMAIL = "email", _("Email")
    MEETING = "meeting", _("Meeting")
    VISIT = "visit", _("Visit")
    TASK = "task", _("Task")
    NOTE = "note", _("Note")


class Repeat(models.TextChoices):
    """How often a recurring task comes back; the values are the API's codes."""

    DAILY = "daily", _("Every day")
    WEEKLY = "weekly", _("Every week")
    MONTHLY = "monthly", _("Every month")
    YEARLY = "yearly", _("Every year")


class Direction(models.TextChoices):
    """Who started a call or an email."""

    INBOUND = "inbound", _("Inbound")
    OUTBOUND = "outbound", _("Outbound")


# The outcomes a fresh installation offers, by code (the API's values), with their labels.
DEFAULT_OUTCOMES = {
    "reached": _("Reached"),
    "no_answer": _("No answer"),
    "busy": _("Busy"),
    "wrong_number": _("Wrong number"),
    "call_back": _("Call back"),
    "interested": _("Interested"),
    "offer_made": _("Offer made"),
    "not_interested": _("Not interested"),
}


class CallOutcome(models.Model):
    """A result a call can have. The defaults come with every installation; administrators add their own
    and retire any (a retired outcome stays on the calls that have it)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    # Empty for the defaults, which are named in the reader's language; a name set here wins.
    name = models.CharField(_("name"), max_length=100, blank=True)
    needs_reason = models.BooleanField(_("needs a reason"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("call outcome")
        verbose_name_plural = _("call outcomes")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The outcome's name; a default without one is named in the active language."""
        return self.name or str(DEFAULT_OUTCOMES.get(self.code, self.code))


class Purpose(models.TextChoices):
    """Why an email was sent from Klient; proposals count towards the `proposal_emails` target."""

    PROPOSAL = "proposal", _("Commercial proposal")
    GREETING = "greeting", _("Greeting")
    INVITATION = "invitation", _("Invitation")


class ActivityQuerySet(models.QuerySet["Activity"]):
    """Queries over activities; an activity is visible when its company is."""

    def visible_to(self, user: User | AnonymousUser) -> ActivityQuerySet:
        """Activities with the companies the user may see."""
        condition = company_visibility_q(user, prefix="company__")
        return self if condition is None else self.filter(condition)


class Activity(VersionedModel):
    """One piece of work with a customer: a call, email, meeting, visit, task or note. It is open while
    `done_at` is empty; `due_at` is when it should happen. `follows` is the activity whose next step it
    is. `at` orders the company's timeline: when it was done, else when it is due, else when written."""

    kind = models.CharField(_("kind"), max_length=10, choices=ActivityKind.choices)
    company = models.ForeignKey(
        "customers.Company", verbose_name=_("company"), on_delete=models.CASCADE, related_name="activities"
    )
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices, blank=True)
    subject = models.CharField(_("subject"), max_length=200)
    notes = models.TextField(_("notes"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="activities",
    )
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    duration = models.PositiveIntegerField(_("duration (seconds)"), null=True, blank=True)
    outcome = models.ForeignKey(
        CallOutcome,
        verbose_name=_("outcome"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
    )
    outcome_reason = models.CharField(_("reason"), max_length=200, blank=True)
    follows = models.ForeignKey(
        "self",
        verbose_name=_("follows"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="next_steps",
    )
    # A recurring task: when it is done, the next one is made, due `repeat_every` periods later.
    repeat = models.CharField(_("repeats"), max_length=10, choices=Repeat.choices, blank=True)
    repeat_every = models.PositiveSmallIntegerField(_("every"), default=1)
    # Set on emails sent from Klient: a proposal, a greeting or an invitation (empty for others).
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices, blank=True)
    at = models.DateTimeField(_("time"), editable=False)

    objects = ActivityQuerySet.as_manager()

    AUDITED_FIELDS = [
        "kind",
        "company",
        "contact",
        "direction",
        "subject",
        "notes",
        "owner",
        "due_at",
        "done_at",
        "duration",
        "outcome",
        "outcome_reason",
        "follows",
        "repeat",
        "repeat_every",
        "purpose",
    ]

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [
            models.Index(fields=["company", "-at", "-id"]),
            models.Index(fields=["owner", "-at", "-id"]),
            models.Index(fields=["-at", "-id"]),
            # Open activities of one owner in the lists' order (an open one's time is its due time).
            models.Index(
                fields=["owner", "-at", "-id"], condition=models.Q(done_at__isnull=True), name="activity_open"
            ),
            # Open activities with a due time (My Day: overdue, due today, scheduled), read without the
            # table on PostgreSQL.
            models.Index(
                fields=["owner", "at", "id"],
                include=["kind", "company"],
                condition=models.Q(done_at__isnull=True, due_at__isnull=False),
                name="activity_due",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=ActivityKind.values), name="activity_kind_known"
            ),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class Metric(models.TextChoices):
    """What a target counts; the values are the API's codes (definitions in docs/user-guide.md)."""

    CALLS = "calls", _("Calls")
    PHONE_OFFERS = "phone_offers", _("Phone offers")
    PROPOSAL_EMAILS = "proposal_emails", _("Proposal emails")
    NEW_CONTRACTS = "new_contracts", _("New contracts")


class Period(models.TextChoices):
    """The period a target is set for; the values are the API's codes."""

    DAY = "day", _("Day")
    WEEK = "week", _("Week")
    MONTH = "month", _("Month")


class Target(models.Model):
    """How much of a metric someone should do in a period, from `starts_on` on. It is set for one user,
    one team or one role (exactly one); the most specific applies (user, then team, then role), and of
    those the latest start. A change is a new row from the day it applies, so history keeps the target
    that was in force. A value of 0 means "no target"."""

    metric = models.CharField(_("metric"), max_length=20, choices=Metric.choices)
    period = models.CharField(_("period"), max_length=10, choices=Period.choices)
    value = models.PositiveIntegerField(_("target"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="targets",
    )
    team = models.ForeignKey(
        "core.Team", verbose_name=_("team"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    role = models.CharField(_("role"), max_length=32, blank=True)
    starts_on = models.DateField(_("from"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("set by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("set"), auto_now_add=True)

    class Meta:
        ordering = ["metric", "period", "-starts_on", "-id"]
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [
            models.CheckConstraint(condition=models.Q(metric__in=Metric.values), name="target_metric_known"),
            models.CheckConstraint(condition=models.Q(period__in=Period.values), name="target_period_known"),
            models.CheckConstraint(
                condition=(
                    models.Q(user__isnull=False, team__isnull=True, role="")
                    | models.Q(user__isnull=True, team__isnull=False, role="")
                    | (models.Q(user__isnull=True, team__isnull=True) & ~models.Q(role=""))
                ),
                name="target_one_holder",
            ),
        ]
        indexes = [
            models.Index(fields=["user"]),
            models.Index(fields=["team"]),
            models.Index(fields=["role"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_metric_display()} / {self.get_period_display()}: {self.value}"
