"""Call lists (companies to call, one by one), call scripts, and the objection library with the answers
that handle each objection, plus which objections came up on a logged call and whether they were overcome."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from klient.core.models import User, VersionedModel
from klient.core.visibility import delegators, user_team_ids

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

FALLBACK_LANGUAGE = "en"


def in_language(texts: dict[str, str], language: str) -> str:
    """The text in this language (or its base language, "zh" for "zh-hans"), falling back to English,
    then to any text there is."""
    for code in (language, language.split("-")[0], FALLBACK_LANGUAGE):
        if texts.get(code):
            return texts[code]
    return next((text for text in texts.values() if text), "")


class CallScript(models.Model):
    """What a rep says on a call, as ordered steps; a call list may use one."""

    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("call script")
        verbose_name_plural = _("call scripts")

    def __str__(self) -> str:
        return self.name


class CallScriptStep(models.Model):
    """One step of a call script: a title and the prompt the rep reads or follows."""

    script = models.ForeignKey(
        CallScript, verbose_name=_("script"), on_delete=models.CASCADE, related_name="steps"
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    title = models.CharField(_("title"), max_length=200)
    prompt = models.TextField(_("prompt"))

    class Meta:
        ordering = ["script", "position", "id"]
        verbose_name = _("script step")
        verbose_name_plural = _("script steps")

    def __str__(self) -> str:
        return self.title


class Objection(models.Model):
    """Something a customer says against buying ("too expensive"), named in each language
    ({"en": ..., "pl": ...}); its recommended answers are ObjectionAnswers."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    names = models.JSONField(_("names"), default=dict, help_text=_("The objection in each language."))
    position = models.PositiveIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("objection")
        verbose_name_plural = _("objections")

    def __str__(self) -> str:
        return in_language(self.names, FALLBACK_LANGUAGE) or self.code

    def name_in(self, language: str) -> str:
        """The objection in this language, else in English."""
        return in_language(self.names, language) or self.code


class ObjectionAnswer(models.Model):
    """A recommended answer to an objection, written in each language ({"en": ..., "ru": ...})."""

    objection = models.ForeignKey(
        Objection, verbose_name=_("objection"), on_delete=models.CASCADE, related_name="answers"
    )
    texts = models.JSONField(_("texts"), default=dict, help_text=_("The answer in each language."))
    position = models.PositiveIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["objection", "position", "id"]
        verbose_name = _("recommended answer")
        verbose_name_plural = _("recommended answers")

    def __str__(self) -> str:
        return in_language(self.texts, FALLBACK_LANGUAGE)[:80]

    def text_in(self, language: str) -> str:
        """The answer in this language, else in English."""
        return in_language(self.texts, language)


class CallListQuerySet(models.QuerySet["CallList"]):
    """Queries over call lists; every read starts from `visible_to`."""

    def visible_to(self, user: User | AnonymousUser) -> CallListQuerySet:
        """Lists the user built or works (or an absent colleague they stand in for does); a manager (with
        `calllists.change_calllist`) also sees the lists of their teams; administrators see all."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        assert isinstance(user, User)
        if user.is_superuser:
            return self
        principals = [user, *delegators(user)]
        condition = Q(created_by__in=principals) | Q(
            pk__in=CallListAssignee.objects.filter(user__in=principals).values("call_list_id")
        )
        if user.has_perm("calllists.change_calllist"):
            condition |= Q(team_id__in=user_team_ids(user))
        return self.filter(condition)


class CallList(VersionedModel):
    """Companies (and optionally a contact of each) to call one by one, snapshotted from a company filter
    when the list was built, worked by the users it is assigned to."""

    name = models.CharField(_("name"), max_length=200)
    script = models.ForeignKey(
        CallScript,
        verbose_name=_("script"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="call_lists",
    )
    # The company list filter it was built from, as the company list's query string.
    filter_query = models.CharField(_("filter"), max_length=2000, blank=True)
    with_contacts = models.BooleanField(_("with a contact of each company"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("built by"), on_delete=models.PROTECT, related_name="+"
    )
    # The builder's team when it was built: the team's managers see the list.
    team = models.ForeignKey(
        "core.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    assignees: models.ManyToManyField[User, CallListAssignee] = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="CallListAssignee",
        verbose_name=_("assigned to"),
        related_name="call_lists",
        blank=True,
    )

    objects = CallListQuerySet.as_manager()

    AUDITED_FIELDS = ["name", "script", "filter_query", "with_contacts", "created_by", "team"]

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("call list")
        verbose_name_plural = _("call lists")
        indexes = [models.Index(fields=["-created_at", "-id"])]

    def __str__(self) -> str:
        return self.name


class CallListAssignee(models.Model):
    """A user who works a call list."""

    call_list = models.ForeignKey(CallList, on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("call list assignee")
        verbose_name_plural = _("call list assignees")
        constraints = [
            models.UniqueConstraint(fields=["call_list", "user"], name="call_list_assignee_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.call_list}"


class EntryState(models.TextChoices):
    """Where an entry of a call list stands; the values are the API's codes."""

    OPEN = "open", _("To call")
    DONE = "done", _("Called")
    SKIPPED = "skipped", _("Skipped")
    SNOOZED = "snoozed", _("Snoozed")


class CallListEntry(models.Model):
    """One company (and contact) of a call list, in the list's order. A rep claims the entry they work
    (`claimed_by`, `claimed_at`) so that no colleague gets it at the same time; a snoozed entry comes
    back when `snoozed_until` has passed."""

    call_list = models.ForeignKey(CallList, on_delete=models.CASCADE, related_name="entries")
    position = models.PositiveIntegerField(_("position"))
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
    # Round-robin assignment gives each entry to one rep; empty: any assignee may work it.
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    state = models.CharField(_("state"), max_length=10, choices=EntryState.choices, default=EntryState.OPEN)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    snoozed_until = models.DateTimeField(_("snoozed until"), null=True, blank=True)
    skip_reason = models.CharField(_("reason for skipping"), max_length=200, blank=True)
    activity = models.ForeignKey(
        "activities.Activity",
        verbose_name=_("call"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    handled_at = models.DateTimeField(_("handled"), null=True, blank=True)

    class Meta:
        ordering = ["call_list", "position", "id"]
        verbose_name = _("call list entry")
        verbose_name_plural = _("call list entries")
        indexes = [models.Index(fields=["call_list", "state", "position", "id"])]
        constraints = [
            models.UniqueConstraint(fields=["call_list", "position"], name="call_list_entry_position_unique"),
            models.CheckConstraint(
                condition=Q(state__in=EntryState.values), name="call_list_entry_state_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.call_list} #{self.position}"


class ObjectionMark(models.Model):
    """An objection that came up on a logged call: the answer the rep used and whether it was overcome."""

    activity = models.ForeignKey(
        "activities.Activity",
        verbose_name=_("call"),
        on_delete=models.CASCADE,
        related_name="objection_marks",
    )
    objection = models.ForeignKey(
        Objection, verbose_name=_("objection"), on_delete=models.PROTECT, related_name="marks"
    )
    answer = models.ForeignKey(
        ObjectionAnswer,
        verbose_name=_("answer used"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="marks",
    )
    is_overcome = models.BooleanField(_("overcome"), default=False)
    # The call's rep and time, kept here so that the report reads one table.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("rep"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("time"))

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("objection on a call")
        verbose_name_plural = _("objections on calls")
        indexes = [models.Index(fields=["at", "owner"])]
        constraints = [
            models.UniqueConstraint(fields=["activity", "objection"], name="objection_mark_once_per_call")
        ]

    def __str__(self) -> str:
        return f"{self.objection} ({self.activity_id})"
