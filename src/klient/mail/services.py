"""Mail sent from Klient: every message is an outbox row written in the caller's transaction and
delivered by a job after commit, once.

CONTRACT (other apps call these; keep the signatures):

- `mail_to_contact(*, actor, contact, subject, body, purpose="", key="", attachments=(), html="",
  log_activity=True) -> OutboxMessage`: queue one message to a contact's email address. `key` is an
  idempotency key: a second call with a key already used returns the first message and queues
  nothing. When `log_activity` is true, an Activity(kind="email", direction="out", purpose=purpose,
  owner=actor, company=contact.company, contact=contact, done_at=now) is written in the same
  transaction. `attachments` are (filename, content bytes, mimetype). Raises ValidationError naming
  the field when the contact has no address or has unsubscribed (for purpose "proposal").
- `mail_to_user(*, user, subject, body, key="", attachments=(), html="") -> OutboxMessage`: queue one
  message to a Klient user (e.g. a report to a manager); no activity is logged.
- `template_render(*, code, language, context) -> tuple[str, str]`: subject and body of the mail
  template `code` in `language` (falling back to English), with `{{ variables }}` from `context`.
- `mail_template_send(*, actor, contact, code, context=None, purpose="", key="", attachments=())
  -> OutboxMessage`: render template `code` in the contact's language (contact.language, else the
  company's document_language, else the actor's language) and queue it with `mail_to_contact`.

Delivery guarantee: a message is sent at least once and, short of a crash between the SMTP server's
"250 OK" and the row being marked sent, exactly once. After such a crash the row (stuck in "sending")
is claimed again once SENDING_TIMEOUT has passed and sent again with the same Message-ID, which mail
servers and clients use to recognise the copy.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.template import Context, Engine, TemplateSyntaxError
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from klient.activities.models import ActivityKind, Direction, Purpose
from klient.activities.services import activity_create
from klient.core.audit import AuditAction, audit_log
from klient.core.exceptions import NotAllowed
from klient.core.models import User
from klient.customers.models import Company, Contact
from klient.customers.selectors import company_require_visible
from klient.mail.models import (
    Mailing,
    MailPurpose,
    MailTemplate,
    OutboxAttachment,
    OutboxMessage,
    OutboxStatus,
    Unsubscribe,
)

Attachment = tuple[str, bytes, str]

# A row in "sending" longer than this belongs to a worker that died: it is claimed again.
SENDING_TIMEOUT = datetime.timedelta(minutes=10)
# After this many failed attempts a message is given up ("failed"); an operator may queue it again.
MAX_ATTEMPTS = 8
# The wait after the n-th failure: 1, 4, 16, 64 minutes, … at most 6 hours.
RETRY_BASE = datetime.timedelta(minutes=1)
RETRY_MAX = datetime.timedelta(hours=6)
# Mailings: at most this many companies at once.
MAILING_MAX_COMPANIES = 5000
UNSUBSCRIBE_SALT = "klient.mail.unsubscribe"
SEND_PERMISSION = "mail.send_mail"
MAILING_PERMISSION = "mail.add_mailing"

_ENGINE = Engine(autoescape=False)


# --- languages and templates ---------------------------------------------------------------------------


def language_code(value: str) -> str:
    """The installation's language a code stands for ("ru-RU" → "ru", "zh-Hans" → "zh-hans"), or ""."""
    known = dict(settings.LANGUAGES)
    value = (value or "").strip().lower().replace("_", "-")
    if value in known:
        return value
    base = value.split("-")[0]
    return base if base in known else ""


def contact_language(*, contact: Contact, actor: User | None = None) -> str:
    """The language mail to a contact is written in: theirs, else their company's document language,
    else the sender's, else the installation's."""
    for candidate in (contact.language, contact.company.document_language, actor.language if actor else ""):
        code = language_code(candidate)
        if code:
            return code
    return language_code(settings.LANGUAGE_CODE) or "en"


def _render(text: str, context: dict[str, Any], field: str) -> str:
    try:
        return _ENGINE.from_string(text).render(Context(context, autoescape=False))
    except TemplateSyntaxError as error:
        raise ValidationError(
            {field: _("The template cannot be read: %(error)s") % {"error": error}}
        ) from None


def template_render(*, code: str, language: str, context: dict[str, Any]) -> tuple[str, str]:
    """Subject and body of the mail template `code` in `language` (else English, else any), with the
    variables of `context`; dates and numbers are written the language's way."""
    template = MailTemplate.objects.filter(code=code, is_active=True).first()
    if template is None:
        raise ValidationError({"template": _("No mail template “%(code)s”.") % {"code": code}})
    texts = {text.language: text for text in template.texts.all()}
    language = language_code(language) or "en"
    text = texts.get(language) or texts.get("en") or next(iter(texts.values()), None)
    if text is None:
        raise ValidationError({"template": _("The template “%(code)s” has no text.") % {"code": code}})
    with translation.override(text.language):
        subject = _render(text.subject, context, "subject")
        body = _render(text.body, context, "body")
    return " ".join(subject.split()), body.strip() + "\n"


# --- opt-outs ------------------------------------------------------------------------------------------


def _normal_email(address: str) -> str:
    return address.strip().lower()


def is_unsubscribed(email: str) -> bool:
    """Whether the address asked for no more proposals and mailings."""
    return bool(email) and Unsubscribe.objects.filter(email=_normal_email(email)).exists()


def unsubscribe_token(*, email: str, contact: Contact | None = None) -> str:
    """A signed token naming the address (and contact); it does not expire."""
    return signing.dumps(
        {"e": _normal_email(email), "c": contact.pk if contact else None}, salt=UNSUBSCRIBE_SALT
    )


def unsubscribe_url(*, email: str, contact: Contact | None = None) -> str:
    """The absolute URL that unsubscribes the address, without signing in."""
    token = unsubscribe_token(email=email, contact=contact)
    return settings.BASE_URL + reverse("mail:unsubscribe", args=[token])


@transaction.atomic
def unsubscribe_by_token(*, token: str) -> Unsubscribe:
    """Record the opt-out a token from an unsubscribe link names; ValidationError for a bad token.
    Following the link twice records it once."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        email = _normal_email(str(data["e"]))
    except (signing.BadSignature, KeyError, TypeError):
        raise ValidationError({"token": _("This unsubscribe link is not valid.")}) from None
    contact = Contact.objects.filter(pk=data.get("c")).first() if data.get("c") else None
    return unsubscribe_record(email=email, contact=contact, source="link")


def unsubscribe_record(*, email: str, contact: Contact | None = None, source: str = "staff") -> Unsubscribe:
    """Record that an address wants no more proposals and mailings (once per address)."""
    with transaction.atomic():
        entry, created = Unsubscribe.objects.get_or_create(
            email=_normal_email(email), defaults={"contact": contact, "source": source}
        )
        if created and contact is not None:
            audit_log(
                instance=entry,
                action=AuditAction.CREATE,
                actor=None,
                changes={
                    "email": {"from": None, "to": entry.email, "from_label": None, "to_label": entry.email}
                },
                company_id=contact.company_id,
            )
    return entry


# --- queueing ------------------------------------------------------------------------------------------


def _queue_delivery(message: OutboxMessage) -> None:
    """Hand the message to a worker once the transaction commits (nothing is sent before)."""
    from klient.mail.tasks import outbox_deliver_task

    pk, due = message.pk, message.next_attempt_at

    def deliver() -> None:
        if due > timezone.now():  # a throttled mailing message: the worker holds it until then
            outbox_deliver_task.apply_async((pk,), eta=due)
        else:
            outbox_deliver_task.apply_async((pk,))

    transaction.on_commit(deliver)


def _create(*, key: str, attachments: Iterable[Attachment], **fields: Any) -> tuple[OutboxMessage, bool]:
    """The outbox row for `key`, created when new (with its attachments); (row, created)."""
    key = key or f"auto:{uuid.uuid4().hex}"
    existing = OutboxMessage.objects.filter(key=key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            # A ticket's reply goes out from its queue's address; everything else from the default sender.
            fields.setdefault("from_email", settings.DEFAULT_FROM_EMAIL)
            message = OutboxMessage.objects.create(key=key, **fields)
            OutboxAttachment.objects.bulk_create(
                OutboxAttachment(message=message, filename=name, content=content, mimetype=mimetype)
                for name, content, mimetype in attachments
            )
    except IntegrityError:
        # Another request with the same key committed first: theirs is the message.
        return OutboxMessage.objects.get(key=key), False
    _queue_delivery(message)
    return message, True


def mail_queue(
    *, key: str, to_email: str, subject: str, body: str, attachments: Sequence[Attachment] = (), **fields: Any
) -> OutboxMessage:
    """Queue one message to any address (a ticket's requester and those in copy), without the checks and
    the timeline entry of mail_to_contact; a key already used returns that message and queues nothing."""
    now = timezone.now()
    fields.setdefault("created_at", now)
    fields.setdefault("next_attempt_at", now)
    message, _created = _create(
        key=key,
        attachments=attachments,
        to_email=to_email,
        subject=" ".join(subject.split())[:255],
        body=body,
        **fields,
    )
    return message


def _activity_purpose(purpose: str) -> str:
    return purpose if purpose in Purpose.values else ""


def _check_contact(contact: Contact, purpose: str) -> None:
    if not contact.email:
        raise ValidationError({"contact": _("%(name)s has no email address.") % {"name": contact}})
    if purpose == MailPurpose.PROPOSAL and is_unsubscribed(contact.email):
        raise ValidationError(
            {"contact": _("%(email)s has unsubscribed from offers.") % {"email": contact.email}}
        )


def _with_unsubscribe_footer(body: str, url: str, language: str) -> str:
    with translation.override(language):
        footer = _("To receive no more offers from us, follow this link: %(url)s") % {"url": url}
    return f"{body.rstrip()}\n\n-- \n{footer}\n"


@transaction.atomic
def mail_to_contact(
    *,
    actor: User,
    contact: Contact,
    subject: str,
    body: str,
    purpose: str = "",
    key: str = "",
    attachments: Sequence[Attachment] = (),
    html: str = "",
    log_activity: bool = True,
    language: str = "",
    mailing: Mailing | None = None,
    not_before: datetime.datetime | None = None,
) -> OutboxMessage:
    """Queue one message to a contact the actor sees, and log it as an outbound email on the company's
    timeline. A key already used returns that message and queues nothing. Proposals carry an
    unsubscribe link (in the body and the List-Unsubscribe header) and never go to an address that
    has unsubscribed."""
    if key:
        existing = OutboxMessage.objects.filter(key=key).first()
        if existing is not None:
            return existing
    if not actor.has_perm(SEND_PERMISSION):
        raise NotAllowed(_("You may not send email."))
    company = contact.company
    company_require_visible(user=actor, company=company)
    _check_contact(contact, purpose)
    subject = " ".join(subject.split())
    if not subject:
        raise ValidationError({"subject": _("Give the message a subject.")})
    if not body.strip():
        raise ValidationError({"body": _("Write the message.")})
    language = language or contact_language(contact=contact, actor=actor)
    headers: dict[str, str] = {}
    if purpose == MailPurpose.PROPOSAL:
        url = unsubscribe_url(email=contact.email, contact=contact)
        body = _with_unsubscribe_footer(body, url, language)
        headers = {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    now = timezone.now()
    message, created = _create(
        key=key,
        attachments=attachments,
        to_email=contact.email,
        to_name=contact.full_name,
        reply_to=actor.email,
        subject=subject[:255],
        body=body,
        html=html,
        headers=headers,
        purpose=purpose,
        language=language,
        sender=actor,
        contact=contact,
        company=company,
        mailing=mailing,
        created_at=now,
        next_attempt_at=max(not_before or now, now),
    )
    if created and log_activity:
        activity = activity_create(
            actor=actor,
            company=company,
            kind=ActivityKind.EMAIL,
            direction=Direction.OUTBOUND,
            contact=contact,
            subject=subject[:200],
            notes=body,
            purpose=_activity_purpose(purpose),
            done_at=now,
        )
        OutboxMessage.objects.filter(pk=message.pk).update(activity=activity)
        message.activity = activity
    return message


@transaction.atomic
def mail_to_user(
    *,
    user: User,
    subject: str,
    body: str,
    key: str = "",
    attachments: Sequence[Attachment] = (),
    html: str = "",
) -> OutboxMessage:
    """Queue one message to a Klient user (a report, a notice); no activity is logged."""
    if key:
        existing = OutboxMessage.objects.filter(key=key).first()
        if existing is not None:
            return existing
    if not user.email:
        raise ValidationError({"user": _("%(name)s has no email address.") % {"name": user}})
    subject = " ".join(subject.split())
    if not subject:
        raise ValidationError({"subject": _("Give the message a subject.")})
    message, _created = _create(
        key=key,
        attachments=attachments,
        to_email=user.email,
        to_name=user.get_full_name(),
        subject=subject[:255],
        body=body,
        html=html,
        purpose=MailPurpose.OTHER,
        language=language_code(user.language),
        user=user,
    )
    return message


def mail_template_send(
    *,
    actor: User,
    contact: Contact,
    code: str,
    context: dict[str, Any] | None = None,
    purpose: str = "",
    key: str = "",
    attachments: Sequence[Attachment] = (),
    mailing: Mailing | None = None,
    not_before: datetime.datetime | None = None,
) -> OutboxMessage:
    """Render template `code` in the contact's language and queue it to the contact (see
    mail_to_contact); the purpose is the template's unless given."""
    if key:
        existing = OutboxMessage.objects.filter(key=key).first()
        if existing is not None:
            return existing
    template = MailTemplate.objects.filter(code=code, is_active=True).first()
    if template is None:
        raise ValidationError({"template": _("No mail template “%(code)s”.") % {"code": code}})
    purpose = purpose or template.purpose
    _check_contact(contact, purpose)
    language = contact_language(contact=contact, actor=actor)
    variables = {"contact": contact, "company": contact.company, "sender": actor, **(context or {})}
    subject, body = template_render(code=code, language=language, context=variables)
    return mail_to_contact(
        actor=actor,
        contact=contact,
        subject=subject,
        body=body,
        purpose=purpose,
        key=key,
        attachments=attachments,
        language=language,
        mailing=mailing,
        not_before=not_before,
    )


# --- delivery ------------------------------------------------------------------------------------------


def _due(now: datetime.datetime) -> Q:
    """Rows a worker may claim now: queued and due, or stuck in "sending" past the timeout."""
    return Q(status=OutboxStatus.QUEUED, next_attempt_at__lte=now) | Q(
        status=OutboxStatus.SENDING, claimed_at__lt=now - SENDING_TIMEOUT
    )


def outbox_claim(*, message_id: int) -> str | None:
    """Claim a due message for this worker with one conditional UPDATE; the claim token, or None when
    another worker has it, it is not due yet, or it is done."""
    now = timezone.now()
    token = uuid.uuid4().hex
    claimed = OutboxMessage.objects.filter(_due(now), pk=message_id).update(
        status=OutboxStatus.SENDING, claim=token, claimed_at=now, attempts=F("attempts") + 1
    )
    return token if claimed else None


def retry_delay(attempts: int) -> datetime.timedelta:
    """How long to wait after the `attempts`-th failed attempt: 1, 4, 16, 64 minutes, … at most 6 hours."""
    return min(RETRY_BASE * 4 ** max(attempts - 1, 0), RETRY_MAX)


def _email(message: OutboxMessage) -> EmailMultiAlternatives:
    to = f"{message.to_name} <{message.to_email}>" if message.to_name else message.to_email
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body,
        from_email=message.from_email or settings.DEFAULT_FROM_EMAIL,
        to=[to],
        cc=list(message.cc) or None,
        reply_to=[message.reply_to] if message.reply_to else None,
        headers={**message.headers, "Message-ID": message.message_id},
    )
    if message.html:
        email.attach_alternative(message.html, "text/html")
    for attachment in message.attachments.all():
        email.attach(attachment.filename, bytes(attachment.content), attachment.mimetype)
    return email


def outbox_deliver(*, message_id: int) -> str:
    """Send one outbox message if it is due and this worker wins the claim; answers its status after.
    A failure keeps it queued with the error, for another attempt after retry_delay (or failed after
    MAX_ATTEMPTS)."""
    token = outbox_claim(message_id=message_id)
    if token is None:
        status = OutboxMessage.objects.filter(pk=message_id).values_list("status", flat=True).first()
        return status or ""
    message = OutboxMessage.objects.get(pk=message_id)
    mine = OutboxMessage.objects.filter(pk=message_id, claim=token)
    try:
        _email(message).send(fail_silently=False)
    except Exception as error:
        now = timezone.now()
        gives_up = message.attempts >= MAX_ATTEMPTS
        mine.update(
            status=OutboxStatus.FAILED if gives_up else OutboxStatus.QUEUED,
            next_attempt_at=now + retry_delay(message.attempts),
            last_error=f"{type(error).__name__}: {error}"[:2000],
            claim="",
            claimed_at=None,
        )
        return OutboxStatus.FAILED if gives_up else OutboxStatus.QUEUED
    mine.update(status=OutboxStatus.SENT, sent_at=timezone.now(), last_error="", claim="")
    return OutboxStatus.SENT


def outbox_sweep(*, limit: int = 500) -> int:
    """Deliver what is due (retries, throttled mailing messages, rows a dead worker left in "sending");
    the beat runs it every minute. Answers how many were sent."""
    ids = list(
        OutboxMessage.objects.filter(_due(timezone.now()))
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(outbox_deliver(message_id=pk) == OutboxStatus.SENT for pk in ids)


@transaction.atomic
def outbox_retry(*, message: OutboxMessage, actor: User) -> OutboxMessage:
    """Queue a failed message again, now, with its attempts counted from zero."""
    updated = OutboxMessage.objects.filter(pk=message.pk, status=OutboxStatus.FAILED).update(
        status=OutboxStatus.QUEUED, next_attempt_at=timezone.now(), attempts=0
    )
    message.refresh_from_db()
    if updated:
        _queue_delivery(message)
    return message


# --- mailings ------------------------------------------------------------------------------------------


class SkipReason:
    """Why a mailing leaves a company out; the values are the API's codes."""

    NO_ADDRESS = "no_address"
    UNSUBSCRIBED = "unsubscribed"


def mailing_plan(
    *, companies: QuerySet[Company]
) -> tuple[list[tuple[Company, Contact]], list[tuple[Company, str]]]:
    """Who a mailing to these companies reaches: each company's first current contact with an address
    (the earliest entered), and the companies left out with the reason. Three queries however many."""
    chosen = list(companies.order_by("name", "id")[: MAILING_MAX_COMPANIES + 1])
    if len(chosen) > MAILING_MAX_COMPANIES:
        raise ValidationError(
            {"companies": _("At most %(count)d companies in one mailing.") % {"count": MAILING_MAX_COMPANIES}}
        )
    first_contact: dict[int, Contact] = {}
    contacts = (
        Contact.objects.filter(company_id__in=[company.pk for company in chosen], left_on__isnull=True)
        .exclude(email="")
        .order_by("company_id", "id")
    )
    for person in contacts:
        first_contact.setdefault(person.company_id, person)
    addresses = {_normal_email(contact.email) for contact in first_contact.values()}
    unsubscribed = set(Unsubscribe.objects.filter(email__in=addresses).values_list("email", flat=True))
    recipients: list[tuple[Company, Contact]] = []
    skipped: list[tuple[Company, str]] = []
    for company in chosen:
        contact = first_contact.get(company.pk)
        if contact is None:
            skipped.append((company, SkipReason.NO_ADDRESS))
        elif _normal_email(contact.email) in unsubscribed:
            skipped.append((company, SkipReason.UNSUBSCRIBED))
        else:
            contact.company = company
            recipients.append((company, contact))
    return recipients, skipped


def mailing_rate() -> int:
    """Messages per minute a mailing sends at most (KLIENT_MAIL_RATE_PER_MINUTE, default 30)."""
    return max(1, int(getattr(settings, "MAIL_RATE_PER_MINUTE", 30)))


@transaction.atomic
def mailing_create(
    *, actor: User, template: MailTemplate, companies: QuerySet[Company], selection: str = ""
) -> Mailing:
    """Queue one personalised proposal per company (see mailing_plan) from template `template`, spread
    at most mailing_rate() a minute; the companies left out are counted by reason."""
    if not actor.has_perm(MAILING_PERMISSION) or not actor.has_perm(SEND_PERMISSION):
        raise NotAllowed(_("You may not send mailings."))
    if not template.is_active:
        raise ValidationError({"template": _("This template is retired.")})
    visible = Company.objects.visible_to(actor).filter(pk__in=companies.values("pk"))
    recipients, skipped = mailing_plan(companies=visible)
    if not recipients and not skipped:
        raise ValidationError({"companies": _("Choose at least one company.")})
    rate = mailing_rate()
    counts: dict[str, int] = {}
    for _company, reason in skipped:
        counts[reason] = counts.get(reason, 0) + 1
    mailing = Mailing.objects.create(
        template=template,
        created_by=actor,
        selection=selection[:10_000],
        rate_per_minute=rate,
        company_count=len(recipients) + len(skipped),
        queued_count=len(recipients),
        skipped=counts,
        skipped_companies=[
            {"company": company.pk, "name": company.name, "reason": reason}
            for company, reason in skipped[:1000]
        ],
    )
    start = mailing.created_at
    spacing = datetime.timedelta(minutes=1) / rate
    for index, (company, contact) in enumerate(recipients):
        mail_template_send(
            actor=actor,
            contact=contact,
            code=template.code,
            purpose=MailPurpose.PROPOSAL,
            key=f"mailing:{mailing.pk}:company:{company.pk}",
            mailing=mailing,
            not_before=start + spacing * index,
        )
    audit_log(
        instance=mailing,
        action=AuditAction.CREATE,
        actor=actor,
        changes={
            "template": {"from": None, "to": template.code, "from_label": None, "to_label": str(template)},
            "queued_count": {"from": None, "to": len(recipients), "from_label": None, "to_label": None},
        },
    )
    return mailing
