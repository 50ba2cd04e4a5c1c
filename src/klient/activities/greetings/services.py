"""State changes of greetings and events: each writes its audit entry in the same transaction, and each
mail goes out through the mail app's outbox in that transaction (sent once, after commit)."""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from klient.activities.greetings.models import (
    DateRule,
    Event,
    EventKind,
    GreetingSent,
    Invitation,
    InvitationStatus,
    ProfessionalHoliday,
    Weekday,
    WeekOfMonth,
)
from klient.activities.greetings.selectors import BIRTHDAY, Occasion, occasion_for
from klient.core.audit import AuditAction, audit_log, diff, snapshot
from klient.core.exceptions import NotAllowed, VersionConflict
from klient.core.models import User
from klient.customers.models import Contact
from klient.customers.selectors import company_on_behalf_of, company_require_visible
from klient.mail import services as mail

EVENT_FIELDS = {"name", "kind", "starts_at", "ends_at", "place", "description"}
# Contacts invited in one go (one request: each invitation is written and its mail queued in it).
MAX_INVITATIONS = 200
INVITATION_LINK_SALT = "klient.greetings.invitation"
ANSWERS = {"accept": InvitationStatus.ACCEPTED, "decline": InvitationStatus.DECLINED}


class GreetingAlreadySent(Exception):
    """The contact has been greeted for this occasion this year; carries that greeting."""

    def __init__(self, greeting: GreetingSent) -> None:
        super().__init__(f"Already greeted on {greeting.sent_at:%Y-%m-%d}.")
        self.greeting = greeting


def contact_language(contact: Contact, actor: User | None = None) -> str:
    """The language mail to the contact is written in (the mail app's choice: the contact's, else the
    company's language for documents, else the sender's)."""
    return mail.contact_language(contact=contact, actor=actor)


def greeting_key(*, contact: Contact, code: str, year: int) -> str:
    """The idempotency key of the greeting's mail."""
    return f"greeting:{contact.pk}:{code}:{year}"


def _occasion_name(occasion: Occasion, language: str) -> str:
    if occasion.kind == BIRTHDAY:
        with translation.override(language):
            return str(_("Birthday"))
    return occasion.name


@transaction.atomic
def greeting_send(*, actor: User, contact: Contact, code: str, year: int) -> GreetingSent:
    """Mail the contact the greeting for an occasion (`code` of a birthday or holiday of `year`) in the
    contact's language, once: GreetingAlreadySent when it has been sent, by anyone, even concurrently.
    The mail app logs the mail as an email activity with purpose "greeting"."""
    if not actor.has_perm("greetings.add_greetingsent"):
        raise NotAllowed(_("You may not send greetings."))
    company_require_visible(user=actor, company=contact.company)
    language = contact_language(contact, actor)
    occasion = occasion_for(contact=contact, code=code, year=year, language=language)
    if occasion is None:
        raise ValidationError(
            {"occasion": _("The contact has no such occasion in %(year)d.") % {"year": year}}
        )
    already = GreetingSent.objects.filter(contact=contact, occasion=code, year=year).first()
    if already is not None:
        raise GreetingAlreadySent(already)
    if not contact.email:
        raise ValidationError({"contact": _("The contact has no email address.")})
    try:
        # The row is claimed first: a concurrent send of the same greeting waits here, then fails.
        with transaction.atomic():
            greeting = GreetingSent.objects.create(contact=contact, occasion=code, year=year, sent_by=actor)
    except IntegrityError:
        raise GreetingAlreadySent(
            GreetingSent.objects.get(contact=contact, occasion=code, year=year)
        ) from None
    with translation.override(language):
        day = date_format(occasion.date, "MONTH_DAY_FORMAT")
    message = mail.mail_template_send(
        actor=actor,
        contact=contact,
        code="birthday" if occasion.kind == BIRTHDAY else "holiday",
        context={
            "occasion": _occasion_name(occasion, language),
            "date": day,
            "year": year,
        },
        purpose="greeting",
        key=greeting_key(contact=contact, code=code, year=year),
    )
    greeting.message_id = message.pk
    greeting.save(update_fields=["message_id"])
    audit_log(
        instance=greeting,
        action=AuditAction.CREATE,
        actor=actor,
        on_behalf_of=company_on_behalf_of(
            actor=actor, company=contact.company, permission="greetings.add_greetingsent"
        ),
        changes=diff({}, snapshot(greeting, GreetingSent.AUDITED_FIELDS)),
        company_id=contact.company_id,
    )
    return greeting


# ----------------------------------------------------------------------------------------------------------
# Events


def _event_apply(event: Event, data: dict[str, Any]) -> None:
    unknown = set(data) - EVENT_FIELDS
    if unknown:
        raise ValidationError({name: _("This field cannot be set.") for name in sorted(unknown)})
    for name, value in data.items():
        if isinstance(value, str) and name != "description":
            value = value.strip()
        setattr(event, name, value)


def _event_check(event: Event) -> None:
    errors: dict[str, str] = {}
    if not event.name:
        errors["name"] = _("Give the event a name.")
    if event.kind not in EventKind.values:
        errors["kind"] = _("Unknown kind of event.")
    for name in ("starts_at", "ends_at"):
        value = getattr(event, name)
        if value is None:
            errors[name] = _("Give the time.")
        elif timezone.is_naive(value):
            errors[name] = _("Give the time with its time zone.")
    if "starts_at" not in errors and "ends_at" not in errors and event.ends_at < event.starts_at:
        errors["ends_at"] = _("The event ends before it starts.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def event_create(*, actor: User, **data: Any) -> Event:
    """Plan an event; the actor organises it."""
    if not actor.has_perm("greetings.add_event"):
        raise NotAllowed(_("You may not plan events."))
    event = Event(owner=actor, kind=EventKind.EXHIBITION)
    _event_apply(event, data)
    _event_check(event)
    event.save()
    audit_log(
        instance=event,
        action=AuditAction.CREATE,
        actor=actor,
        changes=diff({}, snapshot(event, Event.AUDITED_FIELDS)),
    )
    return event


@transaction.atomic
def event_update(*, event: Event, actor: User, version: int, **data: Any) -> Event:
    """Change an event; VersionConflict if `version` is stale."""
    if not actor.has_perm("greetings.change_event"):
        raise NotAllowed(_("You may not change events."))
    current = Event.objects.select_for_update().get(pk=event.pk)
    if current.version != version:
        raise VersionConflict(current.version)
    before = snapshot(current, Event.AUDITED_FIELDS)
    _event_apply(current, data)
    _event_check(current)
    changes = diff(before, snapshot(current, Event.AUDITED_FIELDS))
    if not changes:
        return current
    current.version = version + 1
    current.updated_at = timezone.now()
    current.save()
    audit_log(instance=current, action=AuditAction.UPDATE, actor=actor, changes=changes)
    return current


def invitation_token(invitation: Invitation) -> str:
    """The signed token of an invitation's answer links (no sign-in needed to answer)."""
    return signing.dumps(invitation.pk, salt=INVITATION_LINK_SALT, compress=True)


def invitation_from_token(token: str) -> Invitation | None:
    """The invitation a token of invitation_token names; None for a token not signed by us."""
    try:
        pk = signing.loads(token, salt=INVITATION_LINK_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(pk, int):
        return None
    return (
        Invitation.objects.select_related("event", "contact", "contact__company", "invited_by")
        .filter(pk=pk)
        .first()
    )


def invitation_answer_url(invitation: Invitation, answer: str) -> str:
    """The absolute link that answers the invitation ("accept" or "decline")."""
    path = reverse("greetings:invitation_reply", args=[invitation_token(invitation), answer])
    return settings.BASE_URL + path


@dataclass
class InviteResult:
    """What event_invite did: who was invited now, who had been already, who has no address."""

    invited: list[Invitation] = field(default_factory=list)
    already_invited: list[Contact] = field(default_factory=list)
    without_email: list[Contact] = field(default_factory=list)


def _event_context(event: Event, language: str, zone: datetime.tzinfo) -> dict[str, Any]:
    with translation.override(language):
        return {
            "name": event.name,
            "kind": str(EventKind(event.kind).label),
            "starts_at": date_format(event.starts_at.astimezone(zone), "DATETIME_FORMAT"),
            "ends_at": date_format(event.ends_at.astimezone(zone), "DATETIME_FORMAT"),
            "place": event.place,
            "description": event.description,
        }


@transaction.atomic
def event_invite(*, event: Event, actor: User, contacts: Iterable[Contact]) -> InviteResult:
    """Invite contacts the actor sees to the event, each once, each by the `invitation` mail in their
    language with personal accept and decline links. Contacts already invited and contacts without an
    email address are left out and reported."""
    if not actor.has_perm("greetings.add_invitation"):
        raise NotAllowed(_("You may not invite contacts."))
    result = InviteResult()
    wanted = {contact.pk for contact in contacts}
    if len(wanted) > MAX_INVITATIONS:
        # Each invitation is written and its mail queued in this request: keep the request short.
        raise ValidationError(
            {
                "contacts": _("At most %(count)d contacts at a time: narrow the selection.")
                % {"count": MAX_INVITATIONS}
            }
        )
    visible = list(
        Contact.objects.visible_to(actor).filter(pk__in=wanted).select_related("company").order_by("pk")
    )
    if len(visible) != len(wanted):
        raise ValidationError({"contacts": _("Some contacts do not exist, or you may not see them.")})
    invited_before = set(
        Invitation.objects.filter(event=event, contact_id__in=wanted).values_list("contact_id", flat=True)
    )
    for contact in visible:
        if contact.pk in invited_before:
            result.already_invited.append(contact)
            continue
        if not contact.email:
            result.without_email.append(contact)
            continue
        try:
            with transaction.atomic():
                invitation = Invitation.objects.create(event=event, contact=contact, invited_by=actor)
        except IntegrityError:  # invited by someone else a moment ago
            result.already_invited.append(contact)
            continue
        language = contact_language(contact, actor)
        message = mail.mail_template_send(
            actor=actor,
            contact=contact,
            code="invitation",
            context={
                "occasion": event.name,
                "event": _event_context(event, language, actor.tzinfo),
                "accept_url": invitation_answer_url(invitation, "accept"),
                "decline_url": invitation_answer_url(invitation, "decline"),
            },
            purpose="invitation",
            key=f"invitation:{event.pk}:{contact.pk}",
        )
        invitation.message_id = message.pk
        invitation.save(update_fields=["message_id"])
        audit_log(
            instance=invitation,
            action=AuditAction.CREATE,
            actor=actor,
            on_behalf_of=company_on_behalf_of(
                actor=actor, company=contact.company, permission="greetings.add_invitation"
            ),
            changes=diff({}, snapshot(invitation, Invitation.AUDITED_FIELDS)),
            company_id=contact.company_id,
        )
        result.invited.append(invitation)
    return result


@transaction.atomic
def invitation_answer(*, invitation: Invitation, status: str, actor: User | None = None) -> Invitation:
    """Record the answer to an invitation: by the contact through the link (no actor) or by a rep after
    a call (`actor`, who needs greetings.change_invitation and to see the contact)."""
    if status not in InvitationStatus.values:
        raise ValidationError({"status": _("Unknown answer.")})
    if actor is not None:
        if not actor.has_perm("greetings.change_invitation"):
            raise NotAllowed(_("You may not change invitations."))
        company_require_visible(user=actor, company=invitation.contact.company)
    current = Invitation.objects.select_for_update().select_related("contact").get(pk=invitation.pk)
    if current.status == status and (actor is None or current.answered_by_id == actor.pk):
        return current
    before = snapshot(current, Invitation.AUDITED_FIELDS)
    current.status = status
    current.answered_at = None if status == InvitationStatus.INVITED else timezone.now()
    current.answered_by = actor
    current.save(update_fields=["status", "answered_at", "answered_by"])
    audit_log(
        instance=current,
        action=AuditAction.UPDATE,
        actor=actor,
        changes=diff(before, snapshot(current, Invitation.AUDITED_FIELDS)),
        company_id=current.contact.company_id,
    )
    return current


# ----------------------------------------------------------------------------------------------------------
# The professional holiday calendar


def _holiday_check(holiday: ProfessionalHoliday) -> None:
    errors: dict[str, str] = {}
    if not holiday.name.strip():
        errors["name"] = _("Give the holiday its English name.")
    if not isinstance(holiday.industries, list) or not all(
        isinstance(item, str) for item in holiday.industries
    ):
        errors["industries"] = _("A list of industry names.")
    if not 1 <= (holiday.month or 0) <= 12:
        errors["month"] = _("From 1 to 12.")
    elif holiday.rule == DateRule.FIXED:
        # 29 February is allowed (greeted in leap years only); 31 April is not a day.
        longest = calendar.monthrange(2024, holiday.month)[1]
        if holiday.day is None or not 1 <= holiday.day <= longest:
            errors["day"] = _("A day of the month, from 1 to %(last)d.") % {"last": longest}
    elif holiday.rule == DateRule.NTH_WEEKDAY:
        if holiday.week not in WeekOfMonth.values:
            errors["week"] = _("Choose which week.")
        if holiday.weekday not in Weekday.values:
            errors["weekday"] = _("Choose the weekday.")
    else:
        errors["rule"] = _("Unknown date rule.")
    if errors:
        raise ValidationError(errors)


def _holiday_apply(holiday: ProfessionalHoliday, data: dict[str, Any]) -> None:
    unknown = set(data) - set(ProfessionalHoliday.AUDITED_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be set.") for name in sorted(unknown)})
    for name, value in data.items():
        setattr(holiday, name, value.strip() if isinstance(value, str) else value)
    if holiday.rule == DateRule.FIXED:
        holiday.week = holiday.weekday = None
    elif holiday.rule == DateRule.NTH_WEEKDAY:
        holiday.day = None


@transaction.atomic
def holiday_create(*, actor: User, **data: Any) -> ProfessionalHoliday:
    """Add a professional holiday to the calendar (sales managers and administrators)."""
    if not actor.has_perm("greetings.add_professionalholiday"):
        raise NotAllowed(_("You may not change the holiday calendar."))
    holiday = ProfessionalHoliday()
    _holiday_apply(holiday, data)
    _holiday_check(holiday)
    if ProfessionalHoliday.objects.filter(code=holiday.code).exists():
        raise ValidationError({"code": _("Another holiday has this code.")})
    holiday.save()
    audit_log(
        instance=holiday,
        action=AuditAction.CREATE,
        actor=actor,
        changes=diff({}, snapshot(holiday, ProfessionalHoliday.AUDITED_FIELDS)),
    )
    return holiday


@transaction.atomic
def holiday_update(*, holiday: ProfessionalHoliday, actor: User, **data: Any) -> ProfessionalHoliday:
    """Change a professional holiday of the calendar (its code stays: greetings sent refer to it)."""
    if not actor.has_perm("greetings.change_professionalholiday"):
        raise NotAllowed(_("You may not change the holiday calendar."))
    current = ProfessionalHoliday.objects.select_for_update().get(pk=holiday.pk)
    before = snapshot(current, ProfessionalHoliday.AUDITED_FIELDS)
    data.pop("code", None)
    _holiday_apply(current, data)
    _holiday_check(current)
    changes = diff(before, snapshot(current, ProfessionalHoliday.AUDITED_FIELDS))
    if changes:
        current.save()
        audit_log(instance=current, action=AuditAction.UPDATE, actor=actor, changes=changes)
    return current
