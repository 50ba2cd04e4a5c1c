"""Occasions hand-computed for chosen dates: date rules of the shipped calendar, 29 February birthdays,
the turn of the year, public holidays of PL, RU, AM, CN and BA from the `holidays` library, industries
matched without regard to case, and only the owners' current contacts."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from klient.activities.greetings.models import ProfessionalHoliday, nth_weekday
from klient.activities.greetings.selectors import occasions_between
from klient.customers.services import company_create, contact_create

pytestmark = pytest.mark.django_db

D = datetime.date


def _rows(occasions):
    return [(o.date, o.kind, o.code, o.name, o.contact.last_name) for o in occasions]


@pytest.mark.parametrize(
    ("code", "year", "expected"),
    [
        ("ru-builders-day", 2026, D(2026, 8, 9)),  # 2nd Sunday of August: 1 Aug 2026 is a Saturday
        ("ru-builders-day", 2025, D(2025, 8, 10)),  # 1 Aug 2025 is a Friday
        ("sysadmin-day", 2026, D(2026, 7, 31)),  # last Friday of July: 31 July 2026 is a Friday
        ("sysadmin-day", 2025, D(2025, 7, 25)),  # 31 July 2025 is a Thursday
        ("ru-trade-workers-day", 2026, D(2026, 7, 25)),  # 4th Saturday: 4, 11, 18, 25 July
        ("ru-food-industry-day", 2026, D(2026, 10, 18)),  # 3rd Sunday: 4, 11, 18 October
        ("ru-machine-builders-day", 2026, D(2026, 9, 27)),  # last Sunday: 30 September is a Wednesday
        ("ru-motor-transport-day", 2026, D(2026, 10, 25)),  # last Sunday of October
        ("am-teachers-day", 2026, D(2026, 10, 4)),  # 1st Sunday: 1 October 2026 is a Thursday
        ("ru-accountants-day", 2026, D(2026, 11, 21)),
        ("pl-national-education-day", 2028, D(2028, 10, 14)),
    ],
)
def test_the_shipped_calendar_gives_the_real_dates(code, year, expected):
    assert ProfessionalHoliday.objects.get(code=code).date_in(year) == expected


def test_the_shipped_calendar_is_named_in_every_language():
    holiday = ProfessionalHoliday.objects.get(code="ru-builders-day")
    assert ProfessionalHoliday.objects.count() == 17
    assert [holiday.name_in(code) for code in ("en", "pl", "bs", "hy", "zh-hans", "ru", "ru-ru", "de")] == [
        "Builder's Day",
        "Dzień Budowlańca",
        "Dan građevinara",
        "Շինարարի օր",
        "建筑工人节",
        "День строителя",
        "День строителя",
        "Builder's Day",
    ]


def test_a_fifth_weekday_exists_only_in_some_months():
    assert nth_weekday(2026, 8, 5, 0) == D(2026, 8, 31)
    assert nth_weekday(2026, 2, 5, 0) is None
    assert nth_weekday(2026, 2, -1, 0) == D(2026, 2, 23)


def test_a_29_february_birthday_is_greeted_on_28_february_in_a_common_year(alice, anna):
    common = occasions_between(owners=[alice], start=D(2026, 2, 27), end=D(2026, 3, 1))
    assert [(o.date, o.kind, o.code, o.year) for o in common if o.kind == "birthday"] == [
        (D(2026, 2, 28), "birthday", "birthday", 2026)
    ]
    leap = occasions_between(owners=[alice], start=D(2028, 2, 28), end=D(2028, 3, 1))
    assert [o.date for o in leap if o.kind == "birthday"] == [D(2028, 2, 29)]
    assert occasions_between(owners=[alice], start=D(2028, 2, 27), end=D(2028, 2, 28)) == []


def test_a_period_over_new_year_counts_each_day_in_its_own_year(alice, acme):
    contact_create(
        actor=alice, company=acme, last_name="Nowy", birthday=D(1990, 1, 1), email="n@acme.example"
    )
    occasions = occasions_between(owners=[alice], start=D(2026, 12, 30), end=D(2027, 1, 2), language="en")
    assert [(o.date, o.kind, o.code, o.name, o.year) for o in occasions] == [
        (D(2027, 1, 1), "birthday", "birthday", "", 2027),
        (D(2027, 1, 1), "public_holiday", "public-01-01", "New Year's Day", 2027),
    ]


@pytest.mark.parametrize(
    ("country", "language", "start", "end", "expected"),
    [
        (
            "PL",
            "pl",
            D(2026, 4, 1),
            D(2026, 5, 5),
            [
                (D(2026, 4, 5), "public-04-05", "Niedziela Wielkanocna"),
                (D(2026, 4, 6), "public-04-06", "Poniedziałek Wielkanocny"),
                (D(2026, 5, 1), "public-05-01", "Święto Państwowe"),
                (D(2026, 5, 3), "public-05-03", "Święto Narodowe Trzeciego Maja"),
            ],
        ),
        (
            # Eight days of New Year holidays are greeted once; the day off moved to 9 January is none.
            "RU",
            "ru",
            D(2026, 1, 1),
            D(2026, 2, 28),
            [
                (D(2026, 1, 1), "public-01-01", "Новогодние каникулы"),
                (D(2026, 1, 7), "public-01-07", "Рождество Христово"),
                (D(2026, 2, 23), "public-02-23", "День защитника Отечества"),
            ],
        ),
        (
            "AM",
            "en",
            D(2026, 1, 20),
            D(2026, 1, 31),
            [
                (
                    D(2026, 1, 27),
                    "public-01-27",
                    "Day of Remembrance for the Fallen Defenders of the Fatherland",
                ),
                (D(2026, 1, 28), "public-01-28", "Army Day"),
            ],
        ),
        (
            # Spring Festival lasts three days (17–19 February 2026): greeted on the first.
            "CN",
            "zh-hans",
            D(2026, 2, 10),
            D(2026, 2, 28),
            [(D(2026, 2, 16), "public-02-16", "农历除夕"), (D(2026, 2, 17), "public-02-17", "春节")],
        ),
        (
            # Catholic Easter 2026 is 5 April, Orthodox Easter 12 April.
            "BA",
            "bs",
            D(2026, 4, 1),
            D(2026, 4, 30),
            [
                (D(2026, 4, 6), "public-04-06", "Uskrsni ponedjeljak (Katolički)"),
                (D(2026, 4, 10), "public-04-10", "Veliki petak (Pravoslavni)"),
            ],
        ),
    ],
)
def test_public_holidays_of_the_companys_country(alice, country, language, start, end, expected):
    company = company_create(actor=alice, name="Local", country=country)
    contact_create(actor=alice, company=company, last_name="Local", email="local@example.com")
    occasions = occasions_between(owners=[alice], start=start, end=end, language=language)
    assert [(o.date, o.code, o.name) for o in occasions] == expected
    assert {o.kind for o in occasions} == {"public_holiday"}


def test_professional_holidays_follow_country_and_industry_without_regard_to_case(alice):
    places = [
        ("Budrus", "RU", "construction"),
        ("Budpol", "PL", "Construction"),
        ("Baude", "DE", "Construction"),
        ("Nothing", "RU", ""),
    ]
    for name, country, industry in places:
        company = company_create(actor=alice, name=name, country=country, industry=industry)
        contact_create(actor=alice, company=company, last_name=name, email=f"{name}@example.com")
    occasions = occasions_between(owners=[alice], start=D(2026, 8, 1), end=D(2026, 8, 31), language="ru")
    assert [
        (o.date, o.kind, o.code, o.name, o.company.name) for o in occasions if o.kind != "public_holiday"
    ] == [
        (D(2026, 8, 9), "professional_holiday", "professional-ru-builders-day", "День строителя", "Budrus"),
        (D(2026, 8, 26), "professional_holiday", "professional-pl-builders-day", "День строителя", "Budpol"),
    ]


def test_an_inactive_holiday_is_not_an_occasion(alice):
    company = company_create(actor=alice, name="Budrus", country="RU", industry="Construction")
    contact_create(actor=alice, company=company, last_name="Petrov", email="p@example.com")
    ProfessionalHoliday.objects.filter(code="ru-builders-day").update(is_active=False)
    assert occasions_between(owners=[alice], start=D(2026, 8, 9), end=D(2026, 8, 9)) == []


def test_only_current_contacts_of_the_owners_companies(alice, bob, carol, acme, anna, sue):
    contact_create(
        actor=alice, company=acme, last_name="Gone", birthday=D(1980, 2, 28), left_on=D(2025, 1, 1)
    )
    bobs = company_create(actor=bob, name="Bobco")
    contact_create(actor=bob, company=bobs, last_name="Bobsky", birthday=D(1970, 2, 28))
    contact_create(actor=carol, company=sue.company, last_name="Carolsky", birthday=D(1970, 2, 28))
    window = {"start": D(2026, 2, 28), "end": D(2026, 2, 28)}
    assert [o.contact.last_name for o in occasions_between(owners=[alice], **window)] == ["Nowak"]
    assert [o.contact.last_name for o in occasions_between(owners=[alice, bob], **window)] == [
        "Nowak",
        "Bobsky",
    ]
    assert [o.contact.last_name for o in occasions_between(owners=[carol], **window)] == ["Carolsky"]


def test_the_number_of_queries_does_not_grow_with_the_contacts(alice):
    def count():
        with CaptureQueriesContext(connection) as queries:
            occasions = occasions_between(owners=[alice], start=D(2026, 8, 1), end=D(2026, 8, 31))
        return len(queries), len(occasions)

    company = company_create(actor=alice, name="Budrus", country="RU", industry="Construction")
    contact_create(actor=alice, company=company, last_name="First", birthday=D(1980, 8, 3))
    few = count()
    for number in range(5):
        contact_create(actor=alice, company=company, last_name=f"More{number}", birthday=D(1980, 8, 3))
    many = count()
    assert few[1] == 2 and many[1] == 12  # a birthday and Builder's Day each
    assert few[0] == many[0] == 5
