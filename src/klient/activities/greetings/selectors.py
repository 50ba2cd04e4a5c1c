"""Reads of greetings and events: occasions to greet, events, invitations and their counts."""

from __future__ import annotations

import calendar
import datetime
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

import holidays
from django.db.models import Count, Q, QuerySet
from django.utils.translation import get_language

from klient.activities.greetings.models import (
    Event,
    GreetingSent,
    Invitation,
    InvitationStatus,
    ProfessionalHoliday,
)
from klient.core.models import User
from klient.customers.filters import CompanyFilter
from klient.customers.models import Company, Contact

BIRTHDAY = "birthday"
PROFESSIONAL_HOLIDAY = "professional_holiday"
PUBLIC_HOLIDAY = "public_holiday"
OCCASION_KINDS = (BIRTHDAY, PROFESSIONAL_HOLIDAY, PUBLIC_HOLIDAY)
PROFESSIONAL_PREFIX = "professional-"
PUBLIC_PREFIX = "public-"
# The longest period one request may ask occasions for.
MAX_DAYS = 92


@dataclass(frozen=True)
class Occasion:
    """A reason to greet one contact on one day: a birthday, a professional or a public holiday.

    `code` names the occasion within its year ("birthday", "professional-<holiday code>",
    "public-MM-DD"); with the contact and the year it identifies the greeting that can be sent once."""

    kind: str
    code: str
    date: datetime.date
    name: str
    contact: Contact
    company: Company
    is_greeted: bool = False

    @property
    def year(self) -> int:
        return self.date.year


def _days(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    return [start + datetime.timedelta(days=offset) for offset in range((end - start).days + 1)]


def birthday_in(birthday: datetime.date, year: int) -> datetime.date:
    """The day a birthday is greeted in a year: 29 February becomes 28 February in a common year."""
    if birthday.month == 2 and birthday.day == 29 and not calendar.isleap(year):
        return datetime.date(year, 2, 28)
    return birthday.replace(year=year)


# What an occasion shows and needs of a contact and its company.
OCCASION_FIELDS = [
    "first_name",
    "middle_name",
    "last_name",
    "email",
    "birthday",
    "language",
    "left_on",
    "company__id",
    "company__name",
    "company__owner_id",
    "company__country",
    "company__industry",
    "company__document_language",
]


@functools.lru_cache(maxsize=256)
def public_holidays(
    country: str, year: int, language: str | None = None
) -> tuple[tuple[datetime.date, str], ...]:
    """A country's public holidays of a year from the `holidays` library, named in `language` where the
    library has it (else in English): one day for each holiday, the first of a holiday that lasts several
    days; days off moved from a weekend and "observed" days are not occasions. Empty for a country the
    library does not know."""
    try:
        supported = {code.lower(): code for code in holidays.country_holidays(country).supported_languages}
    except NotImplementedError:
        return ()
    english = supported.get("en_us") or supported.get("en_gb") or supported.get("en")
    wanted = (language or "").lower().replace("-", "_")
    chosen = supported.get(wanted) or supported.get(wanted.split("_")[0])
    if wanted == "zh_hans":
        chosen = supported.get("zh_cn") or chosen
    if wanted.split("_")[0] == "en" or chosen is None:
        chosen = english
    base = holidays.country_holidays(country, years=year, observed=False, language=english)
    named = (
        base
        if chosen == english
        else holidays.country_holidays(country, years=year, observed=False, language=chosen)
    )
    # The English names decide what is the same holiday, whatever the language shown.
    first_days: dict[str, datetime.date] = {}
    for day, name in sorted(base.items()):
        for part in name.split("; "):
            if not part.startswith("Day off"):
                first_days.setdefault(part, day)
    return tuple((day, str(named.get(day))) for day in sorted(set(first_days.values())))


def _in_range(day: datetime.date, start: datetime.date, end: datetime.date) -> bool:
    return start <= day <= end


def _birthdays(contacts: list[Contact], start: datetime.date, end: datetime.date) -> Iterable[Occasion]:
    years = range(start.year, end.year + 1)
    for contact in contacts:
        assert contact.birthday is not None
        for year in years:
            day = birthday_in(contact.birthday, year)
            if _in_range(day, start, end):
                yield Occasion(BIRTHDAY, BIRTHDAY, day, "", contact, contact.company)


def _professional_days(
    start: datetime.date, end: datetime.date
) -> list[tuple[datetime.date, ProfessionalHoliday]]:
    """The active professional holidays that fall in the window, with their day."""
    found: list[tuple[datetime.date, ProfessionalHoliday]] = []
    for holiday in ProfessionalHoliday.objects.filter(is_active=True):
        for year in range(start.year, end.year + 1):
            day = holiday.date_in(year)
            if day is not None and _in_range(day, start, end):
                found.append((day, holiday))
    return found


def _any_of(names: Iterable[str]) -> str:
    """A case-insensitive regular expression matching exactly one of the names (spaces around ignored)."""
    return r"^\s*(" + "|".join(re.escape(str(name).strip()) for name in names) + r")\s*$"


def _public_days(
    country: str, start: datetime.date, end: datetime.date, language: str
) -> list[tuple[datetime.date, str]]:
    return [
        (day, name)
        for year in range(start.year, end.year + 1)
        for day, name in public_holidays(str(country), year, language)
        if _in_range(day, start, end)
    ]


def _professional(
    contacts: list[Contact], calendar_days: list[tuple[datetime.date, ProfessionalHoliday]], language: str
) -> Iterable[Occasion]:
    for contact in contacts:
        company = contact.company
        for day, holiday in calendar_days:
            if holiday.country and holiday.country != company.country:
                continue
            if not company.industry or not holiday.applies_to_industry(company.industry):
                continue
            yield Occasion(
                PROFESSIONAL_HOLIDAY,
                PROFESSIONAL_PREFIX + holiday.code,
                day,
                holiday.name_in(language),
                contact,
                company,
            )


def _public(
    contacts: list[Contact], public_days: dict[str, list[tuple[datetime.date, str]]]
) -> Iterable[Occasion]:
    for contact in contacts:
        company = contact.company
        for day, name in public_days.get(str(company.country), []):
            yield Occasion(PUBLIC_HOLIDAY, PUBLIC_PREFIX + day.strftime("%m-%d"), day, name, contact, company)


def _with_greeted(occasions: list[Occasion]) -> list[Occasion]:
    """The occasions, each marked when its greeting has been sent (one query)."""
    if not occasions:
        return occasions
    contact_ids = {occasion.contact.pk for occasion in occasions}
    years = {occasion.year for occasion in occasions}
    sent = set(
        GreetingSent.objects.filter(contact_id__in=contact_ids, year__in=years).values_list(
            "contact_id", "occasion", "year"
        )
    )
    return [
        Occasion(
            occasion.kind,
            occasion.code,
            occasion.date,
            occasion.name,
            occasion.contact,
            occasion.company,
            is_greeted=(occasion.contact.pk, occasion.code, occasion.year) in sent,
        )
        for occasion in occasions
    ]


def _months(start: datetime.date, end: datetime.date) -> set[int]:
    return {day.month for day in _days(start, end)}


def occasions_between(
    *, owners: Iterable[User], start: datetime.date, end: datetime.date, language: str | None = None
) -> list[Occasion]:
    """Birthdays, professional and public holidays from `start` to `end` (both included) of the current
    contacts of the companies the owners own; in date order, named in `language` (the active one by
    default). A constant number of queries whatever the number of companies and contacts."""
    if end < start:
        return []
    language = language or get_language() or "en"
    owner_ids = [owner.pk for owner in owners]
    current = (
        Contact.objects.filter(company__owner_id__in=owner_ids, left_on__isnull=True)
        .select_related("company")
        .only(*OCCASION_FIELDS)
    )
    with_birthday = list(
        current.filter(birthday__isnull=False, birthday__month__in=_months(start, end)).order_by("pk")
    )
    # The holidays in the window come first: only the contacts of companies that keep one are read (a
    # rep's thousands of contacts are not, on the many days without a holiday).
    professional_days = _professional_days(start, end)
    countries = (
        Company.objects.filter(owner_id__in=owner_ids).exclude(country="").values_list("country", flat=True)
    )
    public_days = {
        country: days
        for country in set(countries.distinct())
        if (days := _public_days(country, start, end, language))
    }
    keeps_one = Q(pk__in=[])
    if public_days:
        keeps_one |= Q(company__country__in=list(public_days))
    for _day, holiday in professional_days:
        industry = ~Q(company__industry="")
        if holiday.industries:
            industry = Q(company__industry__iregex=_any_of(holiday.industries))
        keeps_one |= industry & (Q(company__country=holiday.country) if holiday.country else Q())
    with_holidays = (
        list(current.filter(keeps_one).order_by("pk")) if (public_days or professional_days) else []
    )
    occasions = [
        *_birthdays(with_birthday, start, end),
        *_professional([c for c in with_holidays if c.company.industry], professional_days, language),
        *_public([c for c in with_holidays if c.company.country in public_days], public_days),
    ]
    occasions.sort(
        key=lambda o: (
            o.date,
            o.company.name,
            o.contact.last_name,
            o.contact.first_name,
            o.contact.pk,
            o.code,
        )
    )
    return _with_greeted(occasions)


def occasion_for(*, contact: Contact, code: str, year: int, language: str) -> Occasion | None:
    """The contact's occasion of this code in a year, named in `language`; None if there is none (a
    birthday without a birthday, a holiday that does not apply to the contact's company)."""
    company = contact.company
    if code == BIRTHDAY:
        if contact.birthday is None:
            return None
        return Occasion(BIRTHDAY, BIRTHDAY, birthday_in(contact.birthday, year), "", contact, company)
    if code.startswith(PROFESSIONAL_PREFIX):
        holiday = ProfessionalHoliday.objects.filter(
            code=code.removeprefix(PROFESSIONAL_PREFIX), is_active=True
        ).first()
        if holiday is None or (holiday.country and holiday.country != company.country):
            return None
        if not company.industry or not holiday.applies_to_industry(company.industry):
            return None
        day = holiday.date_in(year)
        if day is None:
            return None
        return Occasion(PROFESSIONAL_HOLIDAY, code, day, holiday.name_in(language), contact, company)
    if code.startswith(PUBLIC_PREFIX) and company.country:
        for day, name in public_holidays(str(company.country), year, language):
            if PUBLIC_PREFIX + day.strftime("%m-%d") == code:
                return Occasion(PUBLIC_HOLIDAY, code, day, name, contact, company)
    return None


def greeting_sent_get(*, contact: Contact, code: str, year: int) -> GreetingSent | None:
    """The greeting already sent for this occasion, if any."""
    return GreetingSent.objects.filter(contact=contact, occasion=code, year=year).first()


def event_list(*, user: User) -> QuerySet[Event]:
    """Every event (events are the whole organisation's), with the counts of the invitations the user sees
    by answer."""
    visible = Invitation.objects.visible_to(user).values("pk")
    return Event.objects.select_related("owner").annotate(
        invited_count=Count("invitations", filter=Q(invitations__in=visible), distinct=True),
        accepted_count=Count(
            "invitations",
            filter=Q(invitations__in=visible, invitations__status=InvitationStatus.ACCEPTED),
            distinct=True,
        ),
        declined_count=Count(
            "invitations",
            filter=Q(invitations__in=visible, invitations__status=InvitationStatus.DECLINED),
            distinct=True,
        ),
    )


def event_get(*, user: User, pk: int) -> Event:
    """One event with its counts; Event.DoesNotExist if there is none."""
    return event_list(user=user).get(pk=pk)


def invitation_list(*, user: User, event: Event, status: str | None = None) -> QuerySet[Invitation]:
    """The event's invitations of contacts the user sees, optionally of one answer."""
    invitations = (
        Invitation.objects.visible_to(user)
        .filter(event=event)
        .select_related("contact", "contact__company", "invited_by", "answered_by")
    )
    if status is not None:
        invitations = invitations.filter(status=status)
    return invitations


def invitation_get(*, user: User, pk: int) -> Invitation:
    """An invitation of a contact the user sees; Invitation.DoesNotExist otherwise."""
    return (
        Invitation.objects.visible_to(user).select_related("event", "contact", "contact__company").get(pk=pk)
    )


def invitation_candidates(
    *, user: User, contact_ids: Iterable[int] = (), company_filter: CompanyFilter | None = None
) -> list[Contact]:
    """The contacts to invite: those named by id (visible or not: event_invite refuses the others) and the
    current contacts of the visible companies the company filter matches, each once, in id order."""
    condition = Q(pk__in=list(contact_ids))
    if company_filter is not None and company_filter.is_filtering:
        companies = company_filter.apply(Company.objects.visible_to(user), username=user.username)
        condition |= Q(company__in=companies.values("pk"), left_on__isnull=True)
    return list(Contact.objects.filter(condition).select_related("company").order_by("pk"))
