"""The professional holiday calendar: managers add and change holidays (audited); reps only read it; a
bad date rule is refused naming its field and stores nothing."""

import datetime

import pytest

from klient.activities.greetings.models import ProfessionalHoliday
from klient.core.models import AuditEntry

pytestmark = pytest.mark.django_db

LOGISTICS_DAY = {
    "code": "pl-logistics-day",
    "name": "Logistics Day",
    "name_pl": "Dzień Logistyka",
    "country": "PL",
    "industries": "Logistics, Transport",
    "rule": "nth_weekday",
    "month": "6",
    "week": "-1",
    "weekday": "4",
    "is_active": "on",
}


def _stored():
    return list(ProfessionalHoliday.objects.order_by("pk").values_list("code", "name", "month", "day")), (
        AuditEntry.objects.count()
    )


def test_a_manager_adds_a_holiday_that_applies_at_once(login, mike):
    response = login(mike).post("/greetings/holidays/new/", LOGISTICS_DAY)
    assert response.status_code == 302 and response["Location"] == "/greetings/holidays/"
    holiday = ProfessionalHoliday.objects.get(code="pl-logistics-day")
    assert (holiday.industries, holiday.rule, holiday.month, holiday.week, holiday.weekday, holiday.day) == (
        ["Logistics", "Transport"],
        "nth_weekday",
        6,
        -1,
        4,
        None,
    )
    assert holiday.date_in(2026) == datetime.date(2026, 6, 26)  # the last Friday of June 2026
    entry = AuditEntry.objects.get(object_id=holiday.pk, content_type__model="professionalholiday")
    assert (entry.action, entry.actor, entry.changes["name"]["to"]) == ("create", mike, "Logistics Day")
    listing = login(mike).get("/greetings/holidays/").content.decode()
    row = listing.split('<tr data-holiday="pl-logistics-day">')[1].split("</tr>")[0]
    assert (
        "<td>Logistics Day</td>" in row
        and "<td>06/26/2026</td>" in row
        and "<td>Logistics, Transport</td>" in row
    )


def test_a_manager_changes_a_holiday_but_not_its_code(login, mike):
    holiday = ProfessionalHoliday.objects.get(code="pl-builders-day")
    data = {
        **LOGISTICS_DAY,
        "code": "renamed",
        "name": "Builders' Day",
        "rule": "fixed",
        "month": "8",
        "day": "27",
        "industries": "Construction",
    }
    response = login(mike).post(f"/greetings/holidays/{holiday.pk}/edit/", data)
    assert response.status_code == 302
    holiday.refresh_from_db()
    assert (holiday.code, holiday.month, holiday.day, holiday.week, holiday.weekday) == (
        "pl-builders-day",
        8,
        27,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"rule": "fixed", "month": "4", "day": "31"}, "day", "A day of the month, from 1 to 30."),
        ({"week": ""}, "week", "Choose which week."),
    ],
)
def test_a_bad_date_rule_is_refused_naming_its_field(login, mike, changes, field, message):
    before = _stored()
    response = login(mike).post("/greetings/holidays/new/", {**LOGISTICS_DAY, **changes})
    assert response.status_code == 400
    assert response.context["form"].errors == {field: [message]}
    assert _stored() == before


def test_reps_read_the_calendar_but_may_not_change_it(login, alice):
    holiday = ProfessionalHoliday.objects.get(code="pl-builders-day")
    before = _stored()
    listing = login(alice).get("/greetings/holidays/").content.decode()
    assert listing.count("<tr data-holiday=") == 17
    assert 'data-action="edit-holiday"' not in listing and 'data-action="add-holiday"' not in listing
    assert login(alice).post("/greetings/holidays/new/", LOGISTICS_DAY).status_code == 403
    assert login(alice).post(f"/greetings/holidays/{holiday.pk}/edit/", LOGISTICS_DAY).status_code == 403
    assert _stored() == before
