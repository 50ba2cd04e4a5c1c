"""Targets: which one applies (user, team, role, start day), progress counted at the user's day and month
boundaries, proposal emails once per company a day, the API answer compared with hand-computed figures,
and who may set and read what (refusals store nothing)."""

import datetime

import pytest
import time_machine

from klient.activities.models import Target
from klient.activities.services import activity_create
from klient.activities.targets import period_bounds, target_set, targets_history, targets_progress
from klient.core.exceptions import NotAllowed
from klient.core.models import AuditEntry
from klient.core.services import delegation_create
from klient.customers.services import company_create

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
MARCH_2 = datetime.date(2026, 3, 2)  # a Monday; Warsaw is UTC+1 in winter


def at(text):
    return datetime.datetime.fromisoformat(text)


@pytest.fixture
def warsaw_alice(alice):
    alice.timezone = "Europe/Warsaw"
    alice.save(update_fields=["timezone"])
    return alice


@pytest.fixture
def acme(alice):
    return company_create(actor=alice, name="Acme")


@pytest.fixture
def beta(alice):
    return company_create(actor=alice, name="Beta")


def call(user, company, done_at, outcome="reached"):
    return activity_create(
        actor=user, company=company, kind="call", subject="Call", done_at=at(done_at), outcome=outcome
    )


def proposal(user, company, done_at, purpose="proposal"):
    return activity_create(
        actor=user, company=company, kind="email", subject="Offer", done_at=at(done_at), purpose=purpose
    )


@pytest.fixture
def march(warsaw_alice, bob, acme, beta):
    """Alice's calls and emails around 2 March 2026 (Warsaw), with others' work that must not count."""
    call(warsaw_alice, acme, "2026-02-28T22:59:00+00:00")  # 28 Feb 23:59 Warsaw: February
    call(warsaw_alice, acme, "2026-02-28T23:00:00+00:00")  # 1 Mar 00:00 Warsaw: March, not the day
    call(warsaw_alice, acme, "2026-03-01T23:30:00+00:00")  # 2 Mar 00:30 Warsaw: the day
    call(warsaw_alice, beta, "2026-03-02T10:00:00+00:00", outcome="offer_made")  # the day, an offer
    call(warsaw_alice, acme, "2026-03-02T22:59:00+00:00", outcome="no_answer")  # 2 Mar 23:59 Warsaw: the day
    call(warsaw_alice, acme, "2026-03-02T23:00:00+00:00", outcome="offer_made")  # 3 Mar 00:00: month only
    # Not counted: an open call due that day, a meeting, another rep's call.
    activity_create(
        actor=warsaw_alice, company=acme, kind="call", subject="Later", due_at=at("2026-03-02T12:00:00+00:00")
    )
    activity_create(
        actor=warsaw_alice,
        company=acme,
        kind="meeting",
        subject="Visit",
        done_at=at("2026-03-02T12:00:00+00:00"),
    )
    bob_company = company_create(actor=bob, name="Bob's")
    call(bob, bob_company, "2026-03-02T10:00:00+00:00", outcome="offer_made")
    # Proposal emails: Acme twice on the day counts once, Beta once; Acme again the next day; a plain email.
    proposal(warsaw_alice, acme, "2026-03-02T08:00:00+00:00")
    proposal(warsaw_alice, acme, "2026-03-02T15:00:00+00:00")
    proposal(warsaw_alice, beta, "2026-03-02T09:00:00+00:00")
    proposal(warsaw_alice, acme, "2026-03-02T23:30:00+00:00")  # 3 Mar 00:30 Warsaw
    proposal(warsaw_alice, beta, "2026-03-02T09:30:00+00:00", purpose="")
    return warsaw_alice


def figures(items):
    return [(item.metric, item.period, item.target, item.done) for item in items]


def test_the_role_defaults_count_the_users_day_in_their_time_zone(march):
    assert figures(targets_progress(user=march, day=MARCH_2)) == [
        ("calls", "day", 30, 3),
        ("phone_offers", "day", 20, 1),
        ("proposal_emails", "day", 50, 2),
        ("new_contracts", "month", 4, 0),
    ]


def test_the_next_day_starts_at_local_midnight(march):
    assert figures(targets_progress(user=march, day=datetime.date(2026, 3, 3))) == [
        ("calls", "day", 30, 1),
        ("phone_offers", "day", 20, 1),
        ("proposal_emails", "day", 50, 1),
        ("new_contracts", "month", 4, 0),
    ]


def test_a_monthly_and_a_weekly_target_count_their_whole_period(march, mike):
    target_set(actor=mike, metric="calls", period="month", value=600, starts_on=MARCH_2, user=march)
    target_set(actor=mike, metric="proposal_emails", period="week", value=200, starts_on=MARCH_2, user=march)
    items = figures(targets_progress(user=march, day=MARCH_2))
    # March in Warsaw: 1 Mar 00:00, 2 Mar 00:30, 10:00, 23:59, 3 Mar 00:00 (not 28 Feb 23:59).
    assert ("calls", "month", 600, 5) in items
    # The week of Monday 2 March: Acme and Beta on the 2nd, Acme on the 3rd.
    assert ("proposal_emails", "week", 200, 3) in items


def test_the_most_specific_target_applies_and_zero_switches_a_metric_off(march, mike, north):
    target_set(actor=mike, metric="calls", period="day", value=40, starts_on=MARCH_2, team=north)
    assert figures(targets_progress(user=march, day=MARCH_2))[0] == ("calls", "day", 40, 3)
    target_set(actor=mike, metric="calls", period="day", value=25, starts_on=MARCH_2, user=march)
    assert figures(targets_progress(user=march, day=MARCH_2))[0] == ("calls", "day", 25, 3)
    target_set(actor=mike, metric="phone_offers", period="day", value=0, starts_on=MARCH_2, user=march)
    assert [item.metric for item in targets_progress(user=march, day=MARCH_2)] == [
        "calls",
        "proposal_emails",
        "new_contracts",
    ]


def test_a_target_applies_from_its_first_day_and_history_keeps_the_old_one(march, mike):
    target_set(
        actor=mike, metric="calls", period="day", value=35, starts_on=datetime.date(2026, 3, 3), user=march
    )
    assert figures(targets_progress(user=march, day=MARCH_2))[0] == ("calls", "day", 30, 3)
    assert figures(targets_progress(user=march, day=datetime.date(2026, 3, 3)))[0] == ("calls", "day", 35, 1)
    rows = targets_history(user=march, period="day", day=datetime.date(2026, 3, 3))
    assert len(rows) == 31
    assert [(row.start, row.values["calls"]) for row in rows[:4]] == [
        (datetime.date(2026, 3, 3), (35, 1)),
        (MARCH_2, (30, 3)),
        (datetime.date(2026, 3, 1), (30, 1)),
        (datetime.date(2026, 2, 28), (30, 1)),
    ]
    months = targets_history(user=march, period="month", day=MARCH_2)
    assert (months[0].start, months[0].end, months[0].values["new_contracts"]) == (
        datetime.date(2026, 3, 1),
        datetime.date(2026, 3, 31),
        (4, 0),
    )


def test_setting_the_same_day_again_replaces_it_and_each_change_is_audited(march, mike):
    first = target_set(actor=mike, metric="calls", period="day", value=31, starts_on=MARCH_2, user=march)
    second = target_set(actor=mike, metric="calls", period="day", value=32, starts_on=MARCH_2, user=march)
    assert first.pk == second.pk
    assert Target.objects.filter(user=march).values_list("value", flat=True).get() == 32
    entries = AuditEntry.objects.filter(content_type__model="target", object_id=first.pk).order_by("pk")
    assert [(entry.changes["value"]["from"], entry.changes["value"]["to"]) for entry in entries] == [
        (None, 31),
        (31, 32),
    ]


@pytest.mark.parametrize(
    ("who", "holder"),
    [("bob", "alice"), ("mike", "carol"), ("mike", "role"), ("mike", "south")],
)
def test_targets_outside_the_setters_reach_are_refused_and_nothing_is_stored(
    request, who, holder, alice, bob, carol, mike, south
):
    actor = request.getfixturevalue(who)
    before = list(Target.objects.values_list("pk", "value"))
    holders = {
        "alice": {"user": alice},
        "carol": {"user": carol},
        "role": {"role": "telesales"},
        "south": {"team": south},
    }
    with pytest.raises(NotAllowed):
        target_set(actor=actor, metric="calls", period="day", value=1, starts_on=MARCH_2, **holders[holder])
    assert list(Target.objects.values_list("pk", "value")) == before


def test_period_bounds_cover_day_week_and_month():
    assert period_bounds("day", MARCH_2) == (MARCH_2, MARCH_2)
    assert period_bounds("week", datetime.date(2026, 3, 8)) == (MARCH_2, datetime.date(2026, 3, 8))
    assert period_bounds("month", datetime.date(2024, 2, 10)) == (
        datetime.date(2024, 2, 1),
        datetime.date(2024, 2, 29),
    )
    assert period_bounds("month", datetime.date(2026, 12, 31)) == (
        datetime.date(2026, 12, 1),
        datetime.date(2026, 12, 31),
    )


# --- the API -------------------------------------------------------------------------------------------


def test_the_progress_answer_matches_the_hand_computed_figures(api, march, mike):
    expected = {
        "user": "alice",
        "date": "2026-03-02",
        "items": [
            {
                "metric": "calls",
                "period": "day",
                "target": 30,
                "done": 3,
                "start": "2026-03-02",
                "end": "2026-03-02",
            },
            {
                "metric": "phone_offers",
                "period": "day",
                "target": 20,
                "done": 1,
                "start": "2026-03-02",
                "end": "2026-03-02",
            },
            {
                "metric": "proposal_emails",
                "period": "day",
                "target": 50,
                "done": 2,
                "start": "2026-03-02",
                "end": "2026-03-02",
            },
            {
                "metric": "new_contracts",
                "period": "month",
                "target": 4,
                "done": 0,
                "start": "2026-03-01",
                "end": "2026-03-31",
            },
        ],
    }
    mine = api(march).get("/targets/progress", date="2026-03-02")
    assert mine.status_code == 200
    assert mine.json() == expected
    managers = api(mike).get("/targets/progress", user="alice", date="2026-03-02")
    assert managers.json() == expected


def test_the_date_defaults_to_the_users_today(api, march):
    # 1 March 23:30 UTC is already 2 March in Warsaw.
    with time_machine.travel(datetime.datetime(2026, 3, 1, 23, 30, tzinfo=UTC), tick=False):
        body = api(march).get("/targets/progress").json()
    assert body["date"] == "2026-03-02"


@pytest.mark.parametrize("who", ["bob", "carol", "tom"])
def test_people_outside_ones_reach_answer_404(api, request, march, who):
    response = api(request.getfixturevalue(who)).get("/targets/progress", user="alice", date="2026-03-02")
    assert response.status_code == 404
    assert response.json()["errors"] == [
        {"field": "user", "message": "No user with this name, or you may not follow their work."}
    ]


def test_a_deputy_follows_the_absent_users_progress(api, march, bob):
    with time_machine.travel(datetime.datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False):
        delegation_create(absent_user=march, deputy=bob, starts_on=MARCH_2, ends_on=MARCH_2, actor=march)
        response = api(bob).get("/targets/progress", user="alice", date="2026-03-02")
    assert response.status_code == 200
    assert response.json()["items"][0]["done"] == 3


def test_a_manager_sets_a_target_through_the_api(api, march, mike):
    response = api(mike).post(
        "/targets",
        {"metric": "calls", "period": "day", "value": 45, "user": "alice", "starts_on": "2026-03-01"},
    )
    assert response.status_code == 201, response.json()
    target = Target.objects.get(user=march)
    assert response.json() == {
        "id": target.pk,
        "metric": "calls",
        "period": "day",
        "value": 45,
        "user": "alice",
        "team": None,
        "role": "",
        "starts_on": "2026-03-01",
    }
    progress = api(march).get("/targets/progress", date="2026-03-02").json()
    assert progress["items"][0] == {
        "metric": "calls",
        "period": "day",
        "target": 45,
        "done": 3,
        "start": "2026-03-02",
        "end": "2026-03-02",
    }


@pytest.mark.parametrize(
    ("who", "body", "status", "field"),
    [
        ("alice", {"metric": "calls", "period": "day", "value": 1, "user": "alice"}, 403, None),
        ("mike", {"metric": "calls", "period": "day", "value": 1, "user": "carol"}, 404, "user"),
        ("mike", {"metric": "calls", "period": "day", "value": 1, "role": "telesales"}, 403, None),
        ("mike", {"metric": "visits", "period": "day", "value": 1, "user": "alice"}, 422, "metric"),
        ("mike", {"metric": "calls", "period": "day", "value": -1, "user": "alice"}, 422, "value"),
        ("mike", {"metric": "calls", "period": "day", "value": 1}, 422, "user"),
        (
            "mike",
            {"metric": "calls", "period": "day", "value": 1, "user": "alice", "team": "North"},
            422,
            "user",
        ),
    ],
)
def test_refused_target_requests_store_nothing(api, request, march, carol, mike, who, body, status, field):
    before = list(Target.objects.values_list("pk", "value"))
    response = api(request.getfixturevalue(who)).post("/targets", body)
    assert response.status_code == status, response.json()
    if field:
        assert field in [error["field"] for error in response.json()["errors"]]
    assert list(Target.objects.values_list("pk", "value")) == before


def test_history_through_the_api(api, march):
    body = api(march).get("/targets/history", period="day", date="2026-03-02").json()
    assert body["user"] == "alice"
    assert len(body["items"]) == 31 * 4
    assert body["items"][:4] == [
        {"start": "2026-03-02", "end": "2026-03-02", "metric": "calls", "target": 30, "done": 3},
        {"start": "2026-03-02", "end": "2026-03-02", "metric": "phone_offers", "target": 20, "done": 1},
        {"start": "2026-03-02", "end": "2026-03-02", "metric": "proposal_emails", "target": 50, "done": 2},
        {"start": "2026-03-02", "end": "2026-03-02", "metric": "new_contracts", "target": 0, "done": 0},
    ]
