"""A month of demo activities for every demo sales rep, so that the card timelines (and later My Day,
targets and the reports) look alive on first run: each working day about thirty calls with their
outcomes, proposal emails, a meeting or a visit now and then, on the rep's own demo companies; open
tasks due this week and a few overdue.

Deterministic (a fixed seed) apart from the dates, which end today; loaded once: nothing is made when
demo activities exist already.
"""

from __future__ import annotations

import datetime
import random

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from klient.activities.models import Activity, ActivityKind, CallOutcome, Direction, Purpose
from klient.activities.services import company_last_call_refresh
from klient.core.audit import diff, snapshot
from klient.core.models import AuditAction, AuditEntry, User
from klient.customers.demo import EXTERNAL_ID_PREFIX
from klient.customers.models import Company, Contact

DEMO_DAYS = 30
# Outcomes of a day's calls, by weight: most calls reach someone or nobody; some end in an offer.
OUTCOME_WEIGHTS = {
    "reached": 30,
    "no_answer": 20,
    "busy": 8,
    "wrong_number": 2,
    "call_back": 10,
    "interested": 10,
    "offer_made": 12,
    "not_interested": 8,
}
# What the demo writes, in the rep's language.
WORDS = {
    "pl": {
        "call": ["Rozmowa o cenniku", "Zamówienie na przyszły miesiąc", "Termin dostawy", "Nowa oferta"],
        "email": ["Oferta handlowa", "Cennik 2027", "Potwierdzenie zamówienia"],
        "meeting": ["Spotkanie w biurze klienta", "Prezentacja produktów"],
        "visit": ["Wizyta w magazynie"],
        "task": ["Przygotować ofertę", "Zadzwonić po decyzję", "Wysłać umowę"],
        "reason": ["Ma już dostawcę", "Za drogo", "Brak budżetu"],
    },
    "ru": {
        "call": ["Разговор о прайс-листе", "Заказ на следующий месяц", "Сроки поставки", "Новое предложение"],
        "email": ["Коммерческое предложение", "Прайс-лист 2027", "Подтверждение заказа"],
        "meeting": ["Встреча в офисе клиента", "Презентация продукции"],
        "visit": ["Визит на склад"],
        "task": ["Подготовить предложение", "Позвонить за решением", "Отправить договор"],
        "reason": ["Уже есть поставщик", "Слишком дорого", "Нет бюджета"],
    },
    "bs": {
        "call": ["Razgovor o cjenovniku", "Narudžba za idući mjesec", "Rok isporuke", "Nova ponuda"],
        "email": ["Komercijalna ponuda", "Cjenovnik 2027", "Potvrda narudžbe"],
        "meeting": ["Sastanak kod klijenta", "Prezentacija proizvoda"],
        "visit": ["Posjeta skladištu"],
        "task": ["Pripremiti ponudu", "Nazvati zbog odluke", "Poslati ugovor"],
        "reason": ["Već ima dobavljača", "Preskupo", "Nema budžeta"],
    },
    "hy": {
        "call": ["Զրույց գնացուցակի մասին", "Հաջորդ ամսվա պատվեր", "Առաքման ժամկետ", "Նոր առաջարկ"],
        "email": ["Առևտրային առաջարկ", "Գնացուցակ 2027", "Պատվերի հաստատում"],
        "meeting": ["Հանդիպում հաճախորդի գրասենյակում", "Արտադրանքի ներկայացում"],
        "visit": ["Այց պահեստ"],
        "task": ["Պատրաստել առաջարկ", "Զանգել որոշման համար", "Ուղարկել պայմանագիր"],
        "reason": ["Արդեն ունի մատակարար", "Շատ թանկ է", "Բյուջե չկա"],
    },
    "en": {
        "call": ["Price list call", "Next month's order", "Delivery date", "New offer"],
        "email": ["Commercial proposal", "Price list 2027", "Order confirmation"],
        "meeting": ["Meeting at the customer's office", "Product presentation"],
        "visit": ["Warehouse visit"],
        "task": ["Prepare the offer", "Call for the decision", "Send the contract"],
        "reason": ["Has a supplier", "Too expensive", "No budget"],
    },
}
BATCH = 1000


def _at(rng: random.Random, day: datetime.date, zone: datetime.tzinfo) -> datetime.datetime:
    """A moment of the working day (09:00–17:30) on the rep's clock."""
    minutes = rng.randint(9 * 60, 17 * 60 + 30)
    return datetime.datetime.combine(day, datetime.time(minutes // 60, minutes % 60), zone)


def _rep_activities(
    rng: random.Random, owner: User, outcomes: dict[str, CallOutcome], today: datetime.date
) -> list[Activity]:
    # Objects, not ids: the audit entries name the company and the contact.
    companies = list(
        Company.objects.filter(owner=owner, external_id__startswith=EXTERNAL_ID_PREFIX)
        .order_by("pk")
        .only("pk", "name")
    )
    if not companies:
        return []
    people: dict[int, list[Contact]] = {}
    contacts = Contact.objects.filter(company__in=companies).order_by("pk")
    for contact in contacts.only("pk", "company_id", "first_name", "middle_name", "last_name"):
        people.setdefault(contact.company_id, []).append(contact)
    words = WORDS.get(owner.language, WORDS["en"])
    zone = owner.tzinfo
    codes, weights = list(OUTCOME_WEIGHTS), list(OUTCOME_WEIGHTS.values())
    made: list[Activity] = []

    def add(kind: str, day: datetime.date, **values: object) -> Activity:
        company = rng.choice(companies)
        contacts = people.get(company.pk, [])
        activity = Activity(
            kind=kind,
            company=company,
            contact=rng.choice(contacts) if contacts else None,
            owner=owner,
            subject=rng.choice(words[kind]),
            **values,
        )
        made.append(activity)
        return activity

    for back in range(DEMO_DAYS, 0, -1):
        day = today - datetime.timedelta(days=back)
        if day.weekday() >= 5:
            continue
        for _call in range(rng.randint(18, 36)):
            code = rng.choices(codes, weights)[0]
            add(
                ActivityKind.CALL,
                day,
                direction=Direction.OUTBOUND if rng.random() < 0.85 else Direction.INBOUND,
                done_at=_at(rng, day, zone),
                duration=rng.randint(20, 900) if code not in {"no_answer", "busy"} else None,
                outcome=outcomes[code],
                outcome_reason=rng.choice(words["reason"]) if code == "not_interested" else "",
            )
        for _email in range(rng.randint(4, 12)):
            add(
                ActivityKind.EMAIL,
                day,
                direction=Direction.OUTBOUND,
                done_at=_at(rng, day, zone),
                # Most emails sent from Klient are commercial proposals (they count towards the target).
                purpose=Purpose.PROPOSAL if rng.random() < 0.7 else "",
            )
        for kind in (ActivityKind.MEETING, ActivityKind.VISIT):
            if rng.random() < 0.3:
                add(kind, day, done_at=_at(rng, day, zone), duration=rng.choice([1800, 3600, 5400]))
    # Today so far: the calls of the morning done, the rest of the day's calls scheduled.
    local_now = timezone.now().astimezone(zone)
    if today.weekday() < 5:
        for _call in range(rng.randint(10, 16)):
            moment = _at(rng, today, zone)
            if moment <= local_now:
                code = rng.choices(codes, weights)[0]
                add(
                    ActivityKind.CALL,
                    today,
                    direction=Direction.OUTBOUND,
                    done_at=moment,
                    outcome=outcomes[code],
                    outcome_reason=rng.choice(words["reason"]) if code == "not_interested" else "",
                )
            else:
                add(ActivityKind.CALL, today, direction=Direction.OUTBOUND, due_at=moment)
    for ahead in range(-4, 8):
        day = today + datetime.timedelta(days=ahead)
        if day.weekday() < 5 and rng.random() < 0.7:
            add(ActivityKind.TASK, day, due_at=_at(rng, day, zone))
    now = timezone.now()
    for activity in made:
        activity.at = activity.done_at or activity.due_at or now
        activity.created_at = activity.updated_at = min(activity.at, now)
    return made


@transaction.atomic
def demo_activities_load(owners: list[User]) -> int:
    """The demo activities of every rep in `owners`, unless demo activities exist; returns how many."""
    if Activity.objects.filter(company__external_id__startswith=EXTERNAL_ID_PREFIX).exists():
        return 0
    rng = random.Random(2027)  # noqa: S311 - demo data, not secrets
    outcomes = {outcome.code: outcome for outcome in CallOutcome.objects.all()}
    content_type = ContentType.objects.get_for_model(Activity)
    count = 0
    for owner in owners:
        today = timezone.now().astimezone(owner.tzinfo).date()
        activities = _rep_activities(rng, owner, outcomes, today)
        for start in range(0, len(activities), BATCH):
            saved = Activity.objects.bulk_create(activities[start : start + BATCH])
            AuditEntry.objects.bulk_create(
                AuditEntry(
                    content_type=content_type,
                    object_id=activity.pk,
                    object_repr=str(activity)[:200],
                    action=AuditAction.CREATE,
                    actor=owner,
                    at=activity.created_at,
                    company_id=activity.company_id,
                    changes=diff({}, snapshot(activity, Activity.AUDITED_FIELDS)),
                )
                for activity in saved
            )
        count += len(activities)
        _birthdays_soon(rng, owner, today)
    # Written in bulk: the demo companies' last calls are set from them (My Day's clients to negotiate).
    company_last_call_refresh(companies=Company.objects.filter(external_id__startswith=EXTERNAL_ID_PREFIX))
    return count


def _birthdays_soon(rng: random.Random, owner: User, today: datetime.date) -> None:
    """Two of the rep's contacts have a birthday today and in three days, so that My Day shows greetings
    on the first run (the other demo birthdays are spread over the year)."""
    contacts = list(
        Contact.objects.filter(company__owner=owner, company__external_id__startswith=EXTERNAL_ID_PREFIX)
        .exclude(email="")
        .order_by("pk")
        .values_list("pk", flat=True)[:200]
    )
    for pk, ahead in zip(rng.sample(contacts, min(2, len(contacts))), (0, 3), strict=False):
        day = today + datetime.timedelta(days=ahead)
        # 1980 is a leap year: a 29 February birthday is a real date.
        Contact.objects.filter(pk=pk).update(birthday=day.replace(year=1980))
