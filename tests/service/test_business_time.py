"""Business-time arithmetic (klient.service.sla) against due times worked out by hand: weekends, split
shifts, Polish public holidays, extra closed days, starts outside opening hours, the DST changes of
Europe/Warsaw, and a round-trip property."""

from __future__ import annotations

import datetime
import zoneinfo

import holidays
import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from klient.service.sla import (
    WEEKDAYS,
    NoBusinessTime,
    Schedule,
    add_business_minutes,
    business_seconds_between,
    clean_calendar,
    clean_hours,
)

UTC = datetime.UTC
WARSAW = zoneinfo.ZoneInfo("Europe/Warsaw")
NINE_TO_FIVE = [["09:00", "17:00"]]
WORKDAYS = WEEKDAYS[:5]


def calendar(
    hours: dict[str, list[list[str]]] | None = None,
    zone: str = "UTC",
    country: str = "",
    closed: tuple[str, ...] = (),
) -> Schedule:
    return Schedule(
        timezone_name=zone,
        hours=hours if hours is not None else dict.fromkeys(WORKDAYS, NINE_TO_FIVE),
        holiday_country=country,
        closed_days=closed,
    )


def utc(*parts: int) -> datetime.datetime:
    return datetime.datetime(*parts, tzinfo=UTC)


def warsaw(*parts: int) -> datetime.datetime:
    return datetime.datetime(*parts, tzinfo=WARSAW)


# --- weekends, split shifts, holidays, closed days ----------------------------------------------------------


def test_a_friday_afternoon_plus_two_hours_is_monday_ten():
    # Fri 2026-12-04 16:00: one hour left on Friday (16–17), the second from Mon 09:00 → Mon 10:00.
    due = add_business_minutes(calendar(), utc(2026, 12, 4, 16, 0), 120)
    assert due == utc(2026, 12, 7, 10, 0)
    assert due.tzinfo == UTC


def test_a_due_time_at_closing_stays_on_the_day():
    # Fri 16:00 + 60 min: exactly the hour to 17:00, not Monday 09:00.
    assert add_business_minutes(calendar(), utc(2026, 12, 4, 16, 0), 60) == utc(2026, 12, 4, 17, 0)


def test_a_split_shift_skips_the_lunch_break():
    # 09–13 and 14–18: 12:30 + 60 min = 30 min to 13:00, then 30 min from 14:00 → 14:30.
    split = calendar({key: [["09:00", "13:00"], ["14:00", "18:00"]] for key in WORKDAYS})
    assert add_business_minutes(split, utc(2026, 12, 7, 12, 30), 60) == utc(2026, 12, 7, 14, 30)
    assert business_seconds_between(split, utc(2026, 12, 7, 12, 30), utc(2026, 12, 7, 14, 30)) == 3600
    # A whole day is 8 hours: Mon 09:00 + 8 h = Mon 18:00; + 8 h 1 min = Tue 09:01.
    assert add_business_minutes(split, utc(2026, 12, 7, 9, 0), 480) == utc(2026, 12, 7, 18, 0)
    assert add_business_minutes(split, utc(2026, 12, 7, 9, 0), 481) == utc(2026, 12, 8, 9, 1)


def test_polish_independence_day_is_closed():
    assert datetime.date(2026, 11, 11) in holidays.country_holidays("PL", years=2026)
    poland = calendar(zone="Europe/Warsaw", country="PL")
    # Tue 2026-11-10 16:00 CET: one hour on Tuesday, Wed 11 Nov is a holiday, the second hour from Thu 09:00
    # → Thu 10:00 CET = 09:00 UTC.
    due = add_business_minutes(poland, warsaw(2026, 11, 10, 16, 0), 120)
    assert due == utc(2026, 11, 12, 9, 0)
    # Without the country the Wednesday counts: Wed 10:00 CET.
    plain = calendar(zone="Europe/Warsaw")
    assert add_business_minutes(plain, warsaw(2026, 11, 10, 16, 0), 120) == utc(2026, 11, 11, 9, 0)


def test_christmas_eve_is_a_polish_holiday_from_2025():
    # The `holidays` package (checked, not assumed): 24 December is a public holiday in Poland from 2025.
    assert datetime.date(2024, 12, 24) not in holidays.country_holidays("PL", years=2024)
    assert datetime.date(2026, 12, 24) in holidays.country_holidays("PL", years=2026)
    poland = calendar(zone="Europe/Warsaw", country="PL")
    # Wed 2026-12-23 16:00 CET: one hour on Wednesday; Thu 24 and Fri 25 are holidays, Sat 26 and Sun 27 the
    # weekend; the second hour from Mon 28 09:00 → 10:00 CET = 09:00 UTC.
    assert add_business_minutes(poland, warsaw(2026, 12, 23, 16, 0), 120) == utc(2026, 12, 28, 9, 0)


def test_an_extra_closed_day_is_skipped():
    closed = calendar(closed=("2026-12-08",))
    # Mon 2026-12-07 16:00: one hour on Monday, Tue 8 closed, the second hour Wed 09:00 → Wed 10:00.
    assert add_business_minutes(closed, utc(2026, 12, 7, 16, 0), 120) == utc(2026, 12, 9, 10, 0)
    assert business_seconds_between(closed, utc(2026, 12, 7, 0, 0), utc(2026, 12, 10, 0, 0)) == 2 * 8 * 3600


@pytest.mark.parametrize(
    ("start", "due"),
    [
        # Before opening: Mon 07:00 counts from 09:00 → 10:00.
        (utc(2026, 12, 7, 7, 0), utc(2026, 12, 7, 10, 0)),
        # After closing: Mon 18:00 counts from Tue 09:00 → 10:00.
        (utc(2026, 12, 7, 18, 0), utc(2026, 12, 8, 10, 0)),
        # Exactly at closing: Mon 17:00 → Tue 10:00.
        (utc(2026, 12, 7, 17, 0), utc(2026, 12, 8, 10, 0)),
        # On a closed day (Saturday noon) counts from Mon 09:00 → 10:00.
        (utc(2026, 12, 5, 12, 0), utc(2026, 12, 7, 10, 0)),
    ],
    ids=["before-opening", "after-closing", "at-closing", "saturday"],
)
def test_a_start_outside_opening_hours_counts_from_the_next_opening(start, due):
    assert add_business_minutes(calendar(), start, 60) == due


def test_zero_minutes_is_the_next_opening():
    schedule = calendar()
    assert add_business_minutes(schedule, utc(2026, 12, 5, 12, 0), 0) == utc(2026, 12, 7, 9, 0)
    assert schedule.next_opening(utc(2026, 12, 7, 11, 15)) == utc(2026, 12, 7, 11, 15)


def test_a_long_target_spans_weeks():
    # 2400 min = 40 h = five 8-hour days: Mon 2026-12-07 09:00 → Fri 17:00; one more minute → Mon 14th 09:01.
    schedule = calendar()
    assert add_business_minutes(schedule, utc(2026, 12, 7, 9, 0), 2400) == utc(2026, 12, 11, 17, 0)
    assert add_business_minutes(schedule, utc(2026, 12, 7, 9, 0), 2401) == utc(2026, 12, 14, 9, 1)


def test_a_calendar_without_hours_has_no_business_time():
    closed = calendar({})
    with pytest.raises(NoBusinessTime):
        add_business_minutes(closed, utc(2026, 12, 7, 9, 0), 1)
    assert business_seconds_between(closed, utc(2026, 12, 7), utc(2026, 12, 14)) == 0


def test_seconds_between_in_reverse_order_are_zero():
    assert business_seconds_between(calendar(), utc(2026, 12, 8, 10, 0), utc(2026, 12, 7, 10, 0)) == 0


# --- daylight saving time ---------------------------------------------------------------------------------


def test_office_hours_on_the_spring_forward_day_are_still_eight_hours():
    # Sunday 2026-03-29, 02:00 CET → 03:00 CEST. A 09:00–17:00 day (every day open) is after the jump:
    # 09:00 CEST = 07:00 UTC to 17:00 CEST = 15:00 UTC, 8 hours.
    daily = calendar(dict.fromkeys(WEEKDAYS, NINE_TO_FIVE), zone="Europe/Warsaw")
    assert business_seconds_between(daily, warsaw(2026, 3, 29, 0, 0), warsaw(2026, 3, 30, 0, 0)) == 8 * 3600
    # Sat 16:00 CET (15:00 UTC) + 2 h: one hour Saturday, the second Sunday 09:00–10:00 CEST = 08:00 UTC.
    assert add_business_minutes(daily, warsaw(2026, 3, 28, 16, 0), 120) == utc(2026, 3, 29, 8, 0)


def test_a_round_the_clock_calendar_measures_real_time_across_the_jumps():
    always = calendar({key: [["00:00", "24:00"]] for key in WEEKDAYS}, zone="Europe/Warsaw")
    # Spring forward: the local day 29 March has 23 real hours.
    assert business_seconds_between(always, warsaw(2026, 3, 29, 0, 0), warsaw(2026, 3, 30, 0, 0)) == 23 * 3600
    # 00:00 CET = Sat 23:00 UTC; + 24 real hours = Sun 23:00 UTC = Mon 01:00 CEST.
    due = add_business_minutes(always, warsaw(2026, 3, 29, 0, 0), 24 * 60)
    assert due == utc(2026, 3, 29, 23, 0)
    assert due.astimezone(WARSAW).hour == 1
    # Fall back: the local day 25 October has 25 real hours.
    assert (
        business_seconds_between(always, warsaw(2026, 10, 25, 0, 0), warsaw(2026, 10, 26, 0, 0)) == 25 * 3600
    )
    # 00:00 CEST = Sat 22:00 UTC; + 24 h = Sun 22:00 UTC = Sun 23:00 CET.
    assert add_business_minutes(always, warsaw(2026, 10, 25, 0, 0), 24 * 60) == utc(2026, 10, 25, 22, 0)


def test_hours_that_contain_the_jump_are_as_long_as_the_clocks_ran():
    night = calendar({key: [["01:00", "04:00"]] for key in WEEKDAYS}, zone="Europe/Warsaw")
    # Spring: 01:00 CET (00:00 UTC) to 04:00 CEST (02:00 UTC) = 2 hours, not 3.
    assert business_seconds_between(night, warsaw(2026, 3, 29, 0, 0), warsaw(2026, 3, 29, 12, 0)) == 2 * 3600
    # Autumn: 01:00 CEST (23:00 UTC Sat) to 04:00 CET (03:00 UTC) = 4 hours, not 3.
    assert (
        business_seconds_between(night, warsaw(2026, 10, 25, 0, 0), warsaw(2026, 10, 25, 12, 0)) == 4 * 3600
    )
    # Autumn: 01:00 CEST + 3 h 30 min = 02:30 UTC = 03:30 CET.
    assert add_business_minutes(night, warsaw(2026, 10, 25, 0, 0), 210) == utc(2026, 10, 25, 2, 30)


# --- checking the settings ---------------------------------------------------------------------------------


def test_hours_are_checked_and_put_in_order():
    assert clean_hours({"tue": [["14:00", "18:00"], ["09:00", "13:00"]], "mon": [["00:00", "24:00"]]}) == {
        "mon": [["00:00", "24:00"]],
        "tue": [["09:00", "13:00"], ["14:00", "18:00"]],
    }


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        (
            {"monday": [["09:00", "17:00"]]},
            "“monday” is not a weekday: use mon, tue, wed, thu, fri, sat, sun.",
        ),
        ({"mon": [["9", "17:00"]]}, "mon: “9” is not a time (HH:MM)."),
        ({"mon": [["17:00", "09:00"]]}, "mon: 17:00–09:00 ends before it starts."),
        ({"mon": [["24:00", "24:00"]]}, "mon: 24:00 is only an end."),
        ({"mon": [["09:00", "13:00"], ["12:00", "18:00"]]}, "mon: 12:00–18:00 overlaps the hours before it."),
        ({"mon": [["09:00"]]}, "mon: “['09:00']” is not a [start, end] pair."),
        ({"mon": "09:00-17:00"}, "mon: give a list of [start, end] pairs."),
        ({"mon": [["09:00", "24:30"]]}, "mon: “24:30” is not a time (HH:MM)."),
    ],
)
def test_bad_hours_are_named(hours, message):
    with pytest.raises(ValidationError) as caught:
        clean_hours(hours)
    assert caught.value.message_dict == {"hours": [message]}


def test_a_calendar_names_each_bad_setting():
    with pytest.raises(ValidationError) as caught:
        clean_calendar(
            timezone_name="Europe/Atlantis",
            hours={"mon": [["09:00", "17:00"]]},
            holiday_country="XX",
            holiday_subdivision="",
            closed_days=["2026-12-24", "24.12.2026"],
        )
    assert caught.value.message_dict == {
        "timezone": ["“Europe/Atlantis” is not a known time zone."],
        "holiday_country": ["“XX” is not a country whose public holidays are known."],
        "closed_days": ["“24.12.2026” is not a date (YYYY-MM-DD)."],
    }


def test_a_region_must_be_of_the_country():
    with pytest.raises(ValidationError) as caught:
        clean_calendar(
            timezone_name="UTC", hours={}, holiday_country="de", holiday_subdivision="XX", closed_days=[]
        )
    assert caught.value.message_dict == {"holiday_subdivision": ["“XX” is not a region of DE."]}
    assert clean_calendar(
        timezone_name="Europe/Berlin",
        hours={},
        holiday_country="de",
        holiday_subdivision="BY",
        closed_days=["2026-12-31"],
    ) == {
        "timezone": "Europe/Berlin",
        "hours": {},
        "holiday_country": "DE",
        "holiday_subdivision": "BY",
        "closed_days": ["2026-12-31"],
    }


# --- properties --------------------------------------------------------------------------------------------

POLISH_SPLIT = Schedule(
    timezone_name="Europe/Warsaw",
    hours={
        **{key: [["08:00", "12:00"], ["12:30", "16:30"]] for key in WORKDAYS},
        "sat": [["00:00", "24:00"]],
    },
    holiday_country="PL",
    closed_days=["2026-06-05"],
)
STARTS = st.datetimes(
    min_value=datetime.datetime(2025, 1, 1), max_value=datetime.datetime(2028, 12, 31), timezones=st.just(UTC)
)


# No deadline: the first example reads the holidays package's Polish calendar.
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(start=STARTS, minutes=st.integers(min_value=0, max_value=20_000))
def test_adding_minutes_then_measuring_gives_the_minutes_back(start, minutes):
    due = add_business_minutes(POLISH_SPLIT, start, minutes)
    assert due >= start
    assert business_seconds_between(POLISH_SPLIT, start, due) == minutes * 60


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(start=STARTS, minutes=st.integers(min_value=0, max_value=5_000))
def test_one_minute_more_is_later(start, minutes):
    assert add_business_minutes(POLISH_SPLIT, start, minutes + 1) > add_business_minutes(
        POLISH_SPLIT, start, minutes
    )
