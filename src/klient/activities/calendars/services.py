"""State changes of the calendar: the personal feed's token, and meeting invitations sent by mail."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from klient.activities.calendars.ical import PLACED_KINDS, invitation_calendar, location_of, site_url
from klient.activities.calendars.models import CalendarFeed, new_feed_token
from klient.activities.calendars.selectors import entry_end, entry_start
from klient.activities.models import Activity, ActivityKind
from klient.core.audit import AuditAction, audit_log
from klient.core.exceptions import NotAllowed
from klient.core.models import User

if TYPE_CHECKING:
    from klient.mail.models import OutboxMessage

VIEW = "activities.view_activity"
INVITATION_FILENAME = "invitation.ics"
INVITATION_MIMETYPE = "text/calendar; method=REQUEST; charset=utf-8"
INVITATION_TEMPLATE = "meeting"
# The token is a secret: the audit trail says that it changed, never what it is.
_HIDDEN = {"from": "…", "to": "…", "from_label": None, "to_label": None}


def _require_calendar_user(user: User) -> None:
    if not user.is_active or not user.has_perm(VIEW):
        raise NotAllowed(_("You may not use the calendar."))


def calendar_feed_get(*, user: User) -> CalendarFeed:
    """The user's feed, made with a fresh token on first use."""
    _require_calendar_user(user)
    feed = CalendarFeed.objects.filter(user=user).first()
    if feed is not None:
        return feed
    # Not audited: made when the user first looks at their own settings; revoking one is audited.
    try:
        with transaction.atomic():
            feed = CalendarFeed.objects.create(user=user)
    except IntegrityError:  # made at the same moment by another request of the same user
        feed = CalendarFeed.objects.get(user=user)
    return feed


@transaction.atomic
def calendar_feed_revoke(*, actor: User, user: User | None = None) -> CalendarFeed:
    """Give a feed a new token: the old address answers 404 from now on. Users revoke their own feed;
    an administrator may revoke anyone's (`user`)."""
    owner = user or actor
    if owner.pk != actor.pk and not actor.is_superuser:
        raise NotAllowed(_("You may only revoke your own calendar feed."))
    feed = CalendarFeed.objects.select_for_update().filter(user=owner).first()
    if feed is None:
        feed = CalendarFeed(user=owner)
    else:
        feed.token = new_feed_token()
        feed.renewed_at = timezone.now()
    feed.save()
    audit_log(instance=feed, action=AuditAction.UPDATE, actor=actor, changes={"token": _HIDDEN})
    return feed


def calendar_feed_url(*, user: User, request: HttpRequest | None = None) -> str:
    """The absolute address of the user's feed (made on first use); see ical.site_url for the host."""
    feed = calendar_feed_get(user=user)
    return site_url(request) + reverse("calendars:feed", args=[feed.token])


def _invitation_context(activity: Activity, actor: User) -> dict[str, Any]:
    """What the `meeting` mail template may say: `{{ activity }}` (the Activity itself) and
    `{{ meeting.<name> }}` (the mail app adds `contact`, `company` and `sender`); times on the organiser's
    clock, with the zone named."""
    zone = actor.tzinfo
    start = entry_start(activity).astimezone(zone)
    end = entry_end(activity).astimezone(zone)
    return {
        "activity": activity,
        "meeting": {
            "subject": activity.subject,
            "notes": activity.notes,
            "date": start.date(),
            "start": start.strftime("%H:%M"),
            "end": end.strftime("%H:%M"),
            "time_zone": actor.timezone,
            "duration_minutes": int((end - start) / datetime.timedelta(minutes=1)),
            "location": location_of(activity) if activity.kind in PLACED_KINDS else "",
            "organizer": str(actor),
            "organizer_email": actor.email,
        },
    }


def invitation_key(activity: Activity) -> str:
    """The idempotency key of a meeting's invitation: one message per version of the meeting."""
    return f"meeting-invitation:{activity.pk}:{activity.version}"


def meeting_invitation_send(*, actor: User, activity: Activity) -> OutboxMessage:
    """Mail a meeting's contact an invitation (template `meeting`) with the meeting as an .ics
    attachment (METHOD:REQUEST, organised by the actor). Sent once per version of the meeting: sending
    again before it changes returns the first message and sends nothing."""
    from klient.mail.services import contact_language, mail_template_send

    if not actor.has_perm("activities.change_activity"):
        raise NotAllowed(_("You may not send meeting invitations."))
    current = (
        Activity.objects.visible_to(actor).select_related("company", "contact", "owner").get(pk=activity.pk)
    )
    errors: dict[str, str] = {}
    if current.kind != ActivityKind.MEETING:
        errors["kind"] = _("Only meetings have invitations.")
    elif current.due_at is None and current.done_at is None:
        errors["due_at"] = _("Give the meeting a time first.")
    elif current.done_at is not None:
        errors["done_at"] = _("The meeting has already taken place.")
    if current.contact is None:
        errors["contact"] = _("Choose the contact to invite first.")
    elif not current.contact.email:
        errors["contact"] = _("The contact has no email address.")
    if not actor.email:
        errors["organizer"] = _("Add your own email address to your profile first: it is the organiser's.")
    if errors:
        raise ValidationError(errors)
    assert current.contact is not None
    with translation.override(contact_language(contact=current.contact, actor=actor)):
        invitation = invitation_calendar(activity=current, organizer=actor, base_url=site_url())
    # The template writes times ({{ activity.due_at }}) on the organiser's clock, as the invitation says.
    with timezone.override(actor.tzinfo):
        message: OutboxMessage = mail_template_send(
            actor=actor,
            contact=current.contact,
            code=INVITATION_TEMPLATE,
            context=_invitation_context(current, actor),
            key=invitation_key(current),
            attachments=[(INVITATION_FILENAME, invitation, INVITATION_MIMETYPE)],
        )
    return message
