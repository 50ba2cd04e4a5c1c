"""Activities as iCalendar (RFC 5545), written with the `icalendar` library: a user's feed (a VCALENDAR
of VEVENTs) and a meeting invitation (METHOD:REQUEST). Times are written in UTC, so every calendar
program places them right whatever its own zone. An activity keeps one UID everywhere, so an
invitation and the organiser's feed describe the same event."""

from __future__ import annotations

import datetime
import functools
import os
from collections.abc import Iterable
from urllib.parse import urlparse

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vCalAddress, vDDDTypes, vInt, vText, vUri

from klient.activities.calendars.selectors import entry_end, entry_start
from klient.activities.models import Activity, ActivityKind
from klient.core.models import User

PRODID = "-//Klient//Klient CRM calendar//EN"
# Kinds that happen somewhere: their events carry the company's address as the location.
PLACED_KINDS = {ActivityKind.MEETING, ActivityKind.VISIT}


def site_url(request: HttpRequest | None = None) -> str:
    """The site's address without a trailing slash: KLIENT_BASE_URL when the operator set it, else the
    host the request came to, else the default base URL."""
    if request is not None and not os.environ.get("KLIENT_BASE_URL"):
        return request.build_absolute_uri("/").rstrip("/")
    return str(settings.BASE_URL).rstrip("/")


def activity_uid(activity: Activity) -> str:
    """The event's UID, the same in every feed and invitation: activity-<id>@<host of BASE_URL>."""
    return f"activity-{activity.pk}@{_uid_host(str(settings.BASE_URL))}"


@functools.cache
def _uid_host(base_url: str) -> str:
    return urlparse(base_url).hostname or "klient"


def _utc(value: datetime.datetime) -> datetime.datetime:
    return value.astimezone(datetime.UTC)


class EventWriter:
    """Writes activities as VEVENTs. What is the same for many events (the kinds' names in the active
    language, the company cards' addresses, the UID host) is worked out once: a feed has thousands."""

    def __init__(self, *, base_url: str) -> None:
        self.base_url = base_url
        self.kind_labels = {code: str(label) for code, label in ActivityKind.choices}
        self.summary_format = _("%(kind)s: %(subject)s")
        self.company_format = _("Company: %(company)s")
        self.contact_format = _("Contact: %(contact)s")
        self.company_urls: dict[int, str] = {}

    def summary(self, activity: Activity) -> str:
        return self.summary_format % {"kind": self.kind_labels[activity.kind], "subject": activity.subject}

    def description(self, activity: Activity) -> str:
        lines = []
        if activity.notes:
            lines.append(activity.notes)
        lines.append(self.company_format % {"company": activity.company.name})
        contact = activity.contact
        if contact is not None:
            reach = " · ".join(value for value in (contact.phone, contact.email) if value)
            line = self.contact_format % {"contact": str(contact)}
            lines.append(f"{line} ({reach})" if reach else line)
        return "\n".join(lines)

    def company_url(self, company_id: int) -> str:
        url = self.company_urls.get(company_id)
        if url is None:
            url = self.base_url + reverse("customers:company_detail", args=[company_id])
            self.company_urls[company_id] = url
        return url

    def event(self, activity: Activity, *, stamp: datetime.datetime | None = None) -> Event:
        """One VEVENT for an activity with a time (done or due): UTC start and end, what, where, the
        company card's address, and when it last changed. `stamp` is the DTSTAMP (the last change by
        default: a feed read twice gives the same bytes)."""
        # Typed values set directly: Event.add would guess each value's type, which costs more than the
        # rest of the event in a feed of thousands.
        updated = vDDDTypes(_utc(activity.updated_at))
        event = Event()
        event["UID"] = vText(activity_uid(activity))
        event["DTSTAMP"] = vDDDTypes(_utc(stamp)) if stamp else updated
        event["DTSTART"] = vDDDTypes(_utc(entry_start(activity)))
        event["DTEND"] = vDDDTypes(_utc(entry_end(activity)))
        event["SUMMARY"] = vText(self.summary(activity))
        event["DESCRIPTION"] = vText(self.description(activity))
        if activity.kind in PLACED_KINDS:
            location = location_of(activity)
            if location:
                event["LOCATION"] = vText(location)
        event["URL"] = vUri(self.company_url(activity.company_id))
        event["STATUS"] = vText("CONFIRMED")
        event["LAST-MODIFIED"] = updated
        event["SEQUENCE"] = vInt(activity.version)
        return event


def location_of(activity: Activity) -> str:
    """Where a meeting or visit is: the company's address (delivery, else legal, else billing) and city."""
    company = activity.company
    address = company.delivery_address or company.legal_address or company.billing_address
    parts = [part for part in (address.replace("\n", ", ").strip(), company.city) if part]
    # The city is often part of the address already.
    if len(parts) == 2 and parts[1].casefold() in parts[0].casefold():
        parts = parts[:1]
    return ", ".join(parts)


def _calendar(name: str, zone: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", zone)
    return calendar


def feed_calendar(*, user: User, activities: Iterable[Activity], base_url: str) -> bytes:
    """The user's feed: a published VCALENDAR named for them, one VEVENT per activity."""
    calendar = _calendar(_("Klient: %(name)s") % {"name": str(user)}, user.timezone)
    calendar.add("method", "PUBLISH")
    writer = EventWriter(base_url=base_url)
    for activity in activities:
        calendar.add_component(writer.event(activity))
    return calendar.to_ical()


def invitation_calendar(*, activity: Activity, organizer: User, base_url: str) -> bytes:
    """A meeting invitation (METHOD:REQUEST): the meeting as one VEVENT, organised by `organizer`, with
    the meeting's contact as the one attendee who is asked to answer."""
    contact = activity.contact
    assert contact is not None and contact.email
    calendar = _calendar(activity.subject, organizer.timezone)
    calendar.add("method", "REQUEST")
    event = EventWriter(base_url=base_url).event(activity, stamp=timezone.now())
    organizer_address = vCalAddress(f"mailto:{organizer.email}")
    organizer_address.params["cn"] = vText(str(organizer))
    event.add("organizer", organizer_address)
    attendee = vCalAddress(f"mailto:{contact.email}")
    attendee.params["cn"] = vText(str(contact))
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    attendee.params["partstat"] = vText("NEEDS-ACTION")
    attendee.params["rsvp"] = vText("TRUE")
    event.add("attendee", attendee)
    calendar.add_component(event)
    return calendar.to_ical()
