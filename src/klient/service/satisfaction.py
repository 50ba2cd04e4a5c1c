"""Customer satisfaction: when a ticket is resolved its requester is asked (by mail, in the ticket's
language) to rate it 1–5 with a comment through a signed link that needs no sign-in; the rating is kept
on the ticket with the agent who had it, recorded as an event, and summed up per agent and per month
for the service desk's page and the reports."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Avg, Count, QuerySet
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from klient.mail.services import language_code, mail_queue
from klient.service.models import DONE_STATUSES, EventKind, Satisfaction, Ticket, TicketEvent

if TYPE_CHECKING:
    from klient.core.models import User
    from klient.customers.models import Contact

RATING_SALT = "klient.service.satisfaction"
# A rating link works this long after the resolution mail.
RATING_LINK_MAX_AGE = datetime.timedelta(days=60)
RATINGS = range(1, 6)


def satisfaction_token(ticket: Ticket) -> str:
    """The signed token of a ticket's rating link."""
    return signing.dumps({"t": ticket.pk}, salt=RATING_SALT, compress=True)


def satisfaction_url(ticket: Ticket) -> str:
    """The absolute URL where the requester rates the ticket without signing in."""
    return settings.BASE_URL.rstrip("/") + reverse("portal:rate", args=[satisfaction_token(ticket)])


def ticket_for_rating_token(token: str) -> Ticket:
    """The ticket a rating link names; Ticket.DoesNotExist for a bad or expired token."""
    try:
        data = signing.loads(token, salt=RATING_SALT, max_age=RATING_LINK_MAX_AGE)
        ticket_id = int(data["t"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise Ticket.DoesNotExist from None
    return Ticket.objects.select_related("assignee", "satisfaction").get(pk=ticket_id)


def satisfaction_ask(ticket: Ticket, *, now: datetime.datetime | None = None) -> Satisfaction | None:
    """Ask the requester of a ticket that was just resolved to rate it: the Satisfaction row (asked now,
    the agent is the assignee) and a mail in the ticket's language with the rating link, delivered after
    the commit. Once per resolution (a reopened and again resolved ticket asks again); never for an
    automatic ticket or one without a requester's address."""
    if ticket.is_automatic or not ticket.requester_email:
        return None
    now = now or timezone.now()
    satisfaction, _created = Satisfaction.objects.update_or_create(
        ticket=ticket, defaults={"asked_at": now, "agent_id": ticket.assignee_id}
    )
    language = language_code(ticket.language) or "en"
    with translation.override(language):
        subject = _("How did we do? %(reference)s %(subject)s") % {
            "reference": f"[{ticket.reference}]",
            "subject": ticket.subject,
        }
        body = _(
            "Hello,\n\nyour request %(reference)s “%(subject)s” has been resolved.\n\n"
            "Please tell us how we did: rate it from 1 to 5 and add a comment if you like. It takes a moment "
            "and needs no sign-in:\n\n%(url)s\n\nThank you.\n"
        ) % {"reference": ticket.reference, "subject": ticket.subject, "url": satisfaction_url(ticket)}
    # One mail per resolution: a ticket reopened counts up, so its next resolution has a key of its own.
    mail_queue(
        key=f"ticket-rate:{ticket.pk}:{ticket.reopened_count}",
        to_email=ticket.requester_email,
        to_name=ticket.requester_name,
        subject=subject,
        body=body,
        language=language,
        contact=ticket.contact,
        company=ticket.company,
    )
    return satisfaction


@transaction.atomic
def satisfaction_rate(
    *,
    ticket: Ticket,
    rating: int,
    comment: str = "",
    contact: Contact | None = None,
    actor: User | None = None,
) -> Satisfaction:
    """The customer's rating (1–5, with a comment) of a resolved or closed ticket; rating again replaces
    it. Records a `rated` event."""
    if not isinstance(rating, int) or isinstance(rating, bool) or rating not in RATINGS:
        raise ValidationError({"rating": _("Choose a rating from 1 to 5.")})
    current = Ticket.objects.select_for_update(of=("self",)).get(pk=ticket.pk)
    if current.status not in DONE_STATUSES:
        raise ValidationError({"rating": _("This ticket is not resolved yet: rate it once it is.")})
    now = timezone.now()
    satisfaction, _created = Satisfaction.objects.get_or_create(
        ticket=current, defaults={"asked_at": now, "agent_id": current.assignee_id}
    )
    previous = satisfaction.rating
    satisfaction.rating = rating
    satisfaction.comment = comment.strip()[:5000]
    satisfaction.rated_at = now
    satisfaction.save(update_fields=["rating", "comment", "rated_at"])
    data: dict[str, Any] = {"rating": rating, "previous": previous}
    if contact is not None:
        data["contact"] = contact.pk
    TicketEvent.objects.create(ticket=current, kind=EventKind.RATED, actor=actor, at=now, data=data)
    return satisfaction


def satisfaction_summary(queryset: QuerySet[Satisfaction]) -> dict[str, Any]:
    """Ratings given among `queryset`: their count and average, and the same per agent and per month
    (of the rating), for the service desk's page and the reports. Averages are rounded to two places."""
    rated = queryset.filter(rating__isnull=False)
    totals = rated.aggregate(count=Count("id"), average=Avg("rating"))
    asked = queryset.count()

    def rounded(value: float | None) -> float | None:
        return None if value is None else round(float(value), 2)

    by_agent = [
        {
            "agent_id": row["agent"],
            "agent": " ".join(filter(None, [row["agent__first_name"], row["agent__last_name"]]))
            or row["agent__username"]
            or "",
            "count": row["count"],
            "average": rounded(row["average"]),
        }
        for row in rated.values("agent", "agent__username", "agent__first_name", "agent__last_name")
        .annotate(count=Count("id"), average=Avg("rating"))
        .order_by("agent__username", "agent")
    ]
    by_month = [
        {
            "month": row["month"].date() if row["month"] else None,
            "count": row["count"],
            "average": rounded(row["average"]),
        }
        for row in rated.annotate(month=TruncMonth("rated_at"))
        .values("month")
        .annotate(count=Count("id"), average=Avg("rating"))
        .order_by("month")
    ]
    return {
        "asked": asked,
        "count": totals["count"],
        "average": rounded(totals["average"]),
        "response_rate": round(totals["count"] / asked, 2) if asked else None,
        "by_agent": by_agent,
        "by_month": by_month,
    }
