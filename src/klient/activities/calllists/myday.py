"""Call lists on My Day: one line per list with calls left for the user (or an absent colleague)."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from klient.activities.calllists.selectors import lists_left
from klient.activities.myday import MyDay, MyDayItem


def call_list_items(day: MyDay) -> Iterable[MyDayItem]:
    """For each owner of the day, each call list assigned to them with entries left to call now."""
    owners = {owner.pk: owner for owner in day.owners}
    for row in lists_left(user_ids=list(owners)):
        calls = ngettext("%(count)d call left", "%(count)d calls left", row.left) % {"count": row.left}
        yield MyDayItem(
            kind="call_list",
            title=_("Call list “%(name)s”: %(calls)s") % {"name": row.name, "calls": calls},
            owner=owners[row.user_id],
            due=None,
            url=reverse("calllists:work", args=[row.call_list_id]),
        )
