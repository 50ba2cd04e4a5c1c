"""Greetings on My Day: birthdays and holidays of the owners' contacts, today and in the next 7 days."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from klient.activities.greetings.selectors import BIRTHDAY, PROFESSIONAL_HOLIDAY, Occasion, occasions_between
from klient.activities.myday import MyDay, MyDayItem

DAYS_AHEAD = 7


def occasion_title(occasion: Occasion) -> str:
    """ "Birthday: Anna Nowak (Acme)", "Builder's Day: Jan Kowalski (Budimex)"."""
    names = {"name": occasion.contact.full_name or str(occasion.contact), "company": occasion.company.name}
    if occasion.kind == BIRTHDAY:
        return _("Birthday: %(name)s (%(company)s)") % names
    return _("%(occasion)s: %(name)s (%(company)s)") % {**names, "occasion": occasion.name}


def occasion_detail(occasion: Occasion, today: datetime.date) -> str:
    """When it is ("today", "tomorrow", "in 3 days"), or "greeted" once the greeting is sent."""
    if occasion.is_greeted:
        return _("greeted")
    days = (occasion.date - today).days
    if days == 0:
        when = _("today")
    elif days == 1:
        when = _("tomorrow")
    else:
        when = ngettext("in %(count)d day", "in %(count)d days", days) % {"count": days}
    if occasion.kind == PROFESSIONAL_HOLIDAY:
        return _("%(when)s, professional holiday") % {"when": when}
    return when


def greeting_send_url(occasion: Occasion) -> str:
    """Where the one-click "Send greeting" button posts."""
    return reverse("greetings:greeting_send", args=[occasion.contact.pk, occasion.code, occasion.year])


def greetings_source(day: MyDay) -> Iterable[MyDayItem]:
    """My Day items of the occasions of the owners' contacts from the day to 7 days later."""
    owners = {owner.pk: owner for owner in day.owners or [day.user]}
    occasions = occasions_between(
        owners=owners.values(), start=day.date, end=day.date + datetime.timedelta(days=DAYS_AHEAD)
    )
    for occasion in occasions:
        can_send = not occasion.is_greeted and bool(occasion.contact.email)
        owner = owners.get(occasion.company.owner_id or 0, day.user)
        yield MyDayItem(
            kind=occasion.kind,
            title=occasion_title(occasion),
            owner=owner,
            due=occasion.date,
            url=reverse("customers:contact_detail", args=[occasion.contact.pk]),
            company=occasion.company,
            contact=occasion.contact,
            detail=occasion_detail(occasion, day.date),
            action_url=greeting_send_url(occasion) if can_send else "",
            action_label=_("Send greeting") if can_send else "",
        )
