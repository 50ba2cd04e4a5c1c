"""Tables of the mail app: templates, the outbox, mailings and opt-outs."""

from __future__ import annotations

import hashlib
from email.utils import parseaddr
from urllib.parse import urlparse

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from klient.core.models import validate_language


class MailPurpose(models.TextChoices):
    """Why a message is sent; proposals count towards the `proposal_emails` target."""

    PROPOSAL = "proposal", _("Commercial proposal")
    GREETING = "greeting", _("Greeting")
    INVITATION = "invitation", _("Invitation")
    OTHER = "other", _("Other")


class MailTemplate(models.Model):
    """A message with `{{ variables }}` (Django template syntax), written once per language in its texts.
    The defaults (proposal, birthday, holiday, invitation, meeting, monthly_report) come with every
    installation; administrators edit them and add their own in the admin."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    purpose = models.CharField(_("purpose"), max_length=20, choices=MailPurpose.choices, default="other")
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name", "code"]
        verbose_name = _("mail template")
        verbose_name_plural = _("mail templates")

    def __str__(self) -> str:
        return self.name or self.code


class MailTemplateText(models.Model):
    """A template's subject and body in one language."""

    template = models.ForeignKey(
        MailTemplate, verbose_name=_("template"), on_delete=models.CASCADE, related_name="texts"
    )
    language = models.CharField(_("language"), max_length=10, validators=[validate_language])
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"))

    class Meta:
        ordering = ["template", "language"]
        verbose_name = _("template text")
        verbose_name_plural = _("template texts")
        constraints = [
            models.UniqueConstraint(fields=["template", "language"], name="mail_template_text_language_once")
        ]

    def __str__(self) -> str:
        return f"{self.template.code} ({self.language})"


class OutboxStatus(models.TextChoices):
    """Where a message is on its way out."""

    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Mailing(models.Model):
    """A template sent to many companies at once, one personalised message each, throttled; what was
    skipped is counted by reason in `skipped` ({"no_address": n, "unsubscribed": n})."""

    template = models.ForeignKey(
        MailTemplate, verbose_name=_("template"), on_delete=models.PROTECT, related_name="mailings"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="mailings",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    # The company list's query string the mailing was made from (filters or ticked ids).
    selection = models.TextField(_("selection"), blank=True)
    rate_per_minute = models.PositiveIntegerField(_("messages per minute"))
    company_count = models.PositiveIntegerField(_("companies"), default=0)
    queued_count = models.PositiveIntegerField(_("queued"), default=0)
    skipped = models.JSONField(_("skipped"), default=dict, blank=True)
    # The companies left out (the first thousand): [{"company": id, "name": ..., "reason": ...}].
    skipped_companies = models.JSONField(_("companies left out"), default=list, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("mailing")
        verbose_name_plural = _("mailings")

    def __str__(self) -> str:
        return f"{self.template} · {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def skipped_count(self) -> int:
        return sum(int(count) for count in self.skipped.values())


class OutboxMessage(models.Model):
    """One message to send, written in the transaction that decided to send it and delivered after the
    commit by a job. `key` makes a second request for the same message a no-op; a worker claims a row
    with a conditional UPDATE (status and claim token), so two workers never send it both. A row left in
    "sending" by a crashed worker is claimed again after SENDING_TIMEOUT: it goes out with the same
    Message-ID (see `message_id`), so a receiver can tell it is the same message."""

    key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.QUEUED
    )
    to_email = models.EmailField(_("to"))
    to_name = models.CharField(_("recipient name"), max_length=200, blank=True)
    # Addresses in copy (a ticket's participants).
    cc = models.JSONField(_("copy"), default=list, blank=True)
    from_email = models.CharField(_("from"), max_length=254, blank=True)
    reply_to = models.EmailField(_("reply to"), blank=True)
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("body"))
    html = models.TextField(_("HTML body"), blank=True)
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    purpose = models.CharField(_("purpose"), max_length=20, choices=MailPurpose.choices, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outbox_messages",
    )
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outbox_messages",
    )
    company = models.ForeignKey(
        "customers.Company",
        verbose_name=_("company"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outbox_messages",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("to user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mail_received",
    )
    mailing = models.ForeignKey(
        Mailing,
        verbose_name=_("mailing"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
    )
    activity = models.ForeignKey(
        "activities.Activity",
        verbose_name=_("activity"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outbox_messages",
    )
    created_at = models.DateTimeField(_("queued"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    claim = models.CharField(max_length=32, blank=True, editable=False)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        permissions = [("send_mail", _("Can send email to contacts"))]
        indexes = [
            # The sweep's question: what is due now (queued) or stuck (sending)?
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due"),
            models.Index(fields=["sender", "-created_at", "-id"], name="outbox_sender"),
            models.Index(fields=["-created_at", "-id"], name="outbox_newest"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=OutboxStatus.values), name="outbox_status_known"
            )
        ]

    def __str__(self) -> str:
        return f"{self.to_email}: {self.subject}"

    @property
    def message_id(self) -> str:
        """The Message-ID header: derived from the row, so every (re)send of it carries the same one."""
        return f"<klient.outbox.{self.pk}.{self.key_digest}@{mail_domain()}>"

    @property
    def key_digest(self) -> str:
        return hashlib.sha256(self.key.encode()).hexdigest()[:16]


class OutboxAttachment(models.Model):
    """A file that goes with an outbox message, kept until the message is sent."""

    message = models.ForeignKey(
        OutboxMessage, verbose_name=_("message"), on_delete=models.CASCADE, related_name="attachments"
    )
    filename = models.CharField(_("file name"), max_length=255)
    content = models.BinaryField(_("content"))
    mimetype = models.CharField(_("type"), max_length=100)

    class Meta:
        ordering = ["id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.filename


class Unsubscribe(models.Model):
    """An address that asked for no more proposals and mailings (by the link in a message, or entered by
    staff). Keyed by the address, lower-cased, so it holds for every contact with it."""

    email = models.EmailField(_("email"), unique=True)
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="unsubscribes",
    )
    created_at = models.DateTimeField(_("unsubscribed"), default=timezone.now)
    source = models.CharField(_("source"), max_length=20, default="link")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("unsubscribed address")
        verbose_name_plural = _("unsubscribed addresses")

    def __str__(self) -> str:
        return self.email


def mail_domain() -> str:
    """The domain of Message-IDs: the sender address's, else the base URL's host."""
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    domain = address.rpartition("@")[2]
    return domain or urlparse(settings.BASE_URL).hostname or "localhost"
