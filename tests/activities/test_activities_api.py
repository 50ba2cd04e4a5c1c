"""Activities through the API: exact bodies, a next step in the same request, the rules each naming its
field (and storing nothing), filters, versions, history, visibility and permissions."""

import datetime

import pytest
import time_machine

from klient.activities.models import Activity, CallOutcome
from klient.core.models import AuditEntry
from klient.customers.services import company_create, contact_create

pytestmark = pytest.mark.django_db

NOON = datetime.datetime(2026, 3, 2, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
def acme(alice):
    return company_create(actor=alice, name="Acme")


@pytest.fixture
def jan(alice, acme):
    return contact_create(actor=alice, company=acme, first_name="Jan", last_name="Kowalski")


def _stored():
    return list(
        Activity.objects.order_by("pk").values_list("pk", "subject", "version")
    ), AuditEntry.objects.count()


def test_a_call_with_its_next_step_is_recorded_and_read_back_exactly(api, alice, acme, jan):
    with time_machine.travel(NOON, tick=False):
        response = api(alice).post(
            "/activities",
            {
                "kind": "call",
                "company": acme.pk,
                "contact": jan.pk,
                "direction": "outbound",
                "subject": "Price list 2026",
                "notes": "Wants the new prices",
                "done_at": "2026-03-02T11:50:00Z",
                "duration": 300,
                "outcome": "offer_made",
                "next_step": {"subject": "Send the offer", "due_at": "2026-03-03T09:00:00+01:00"},
            },
        )
    assert response.status_code == 201, response.json()
    call, task = Activity.objects.order_by("pk")
    assert response.json() == {
        "id": call.pk,
        "kind": "call",
        "company": acme.pk,
        "contact": jan.pk,
        "direction": "outbound",
        "subject": "Price list 2026",
        "notes": "Wants the new prices",
        "owner": "alice",
        "due_at": None,
        "done_at": "2026-03-02T11:50:00Z",
        "duration": 300,
        "outcome": "offer_made",
        "outcome_reason": "",
        "follows": None,
        "repeat": "",
        "repeat_every": 1,
        "purpose": "",
        "version": 1,
        "created_at": "2026-03-02T12:00:00Z",
        "updated_at": "2026-03-02T12:00:00Z",
    }
    follow_up = api(alice).get(f"/activities/{task.pk}").json()
    assert {
        key: follow_up[key] for key in ("kind", "subject", "contact", "owner", "due_at", "done_at", "follows")
    } == {
        "kind": "task",
        "subject": "Send the offer",
        "contact": jan.pk,
        "owner": "alice",
        "due_at": "2026-03-03T08:00:00Z",
        "done_at": None,
        "follows": call.pk,
    }
    assert (call.at, task.at) == (
        NOON - datetime.timedelta(minutes=10),
        datetime.datetime(2026, 3, 3, 8, tzinfo=datetime.UTC),
    )
    created = AuditEntry.objects.filter(content_type__model="activity").order_by("pk")
    assert [(entry.object_id, entry.action, entry.company_id) for entry in created] == [
        (call.pk, "create", acme.pk),
        (task.pk, "create", acme.pk),
    ]
    assert created[0].changes["outcome"]["to_label"] == "Offer made"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"kind": "task", "outcome": "reached", "done_at": "2026-03-02T10:00:00Z"},
            "outcome",
            "Only calls have an outcome.",
        ),
        (
            {"outcome": "not_interested", "done_at": "2026-03-02T10:00:00Z"},
            "outcome_reason",
            "Say why (this outcome needs a reason).",
        ),
        (
            {"outcome": "reached"},
            "done_at",
            "A call with an outcome has been made: give the time it was done.",
        ),
        (
            {"outcome": "teleported", "done_at": "2026-03-02T10:00:00Z"},
            "outcome",
            "No call outcome “teleported”.",
        ),
        ({"kind": "meeting", "direction": "inbound"}, "direction", "Only calls and emails have a direction."),
        ({"kind": "task"}, "due_at", "A task needs a due time (or the time it was done)."),
        ({"owner": "nobody"}, "owner", "No active user named “nobody”."),
        ({"outcome_reason": "because"}, "outcome_reason", "A reason goes with an outcome."),
    ],
)
def test_a_rule_broken_is_422_naming_the_field_and_stores_nothing(api, alice, acme, changes, field, message):
    before = _stored()
    response = api(alice).post(
        "/activities", {"kind": "call", "company": acme.pk, "subject": "Hello", **changes}
    )
    assert response.status_code == 422
    assert response.json() == {
        "detail": "The request is not valid.",
        "errors": [{"field": field, "message": message}],
    }
    assert _stored() == before


def test_a_contact_of_another_company_or_a_broken_next_step_stores_nothing(api, alice, acme):
    other = company_create(actor=alice, name="Beta")
    stranger = contact_create(actor=alice, company=other, first_name="Ewa", last_name="Nowak")
    before = _stored()
    client = api(alice)
    wrong_contact = client.post(
        "/activities", {"kind": "call", "company": acme.pk, "subject": "Hi", "contact": stranger.pk}
    )
    # The call is valid, its next step's time has no zone: neither is stored.
    broken_step = client.post(
        "/activities",
        {
            "kind": "call",
            "company": acme.pk,
            "subject": "Hi",
            "next_step": {"kind": "meeting", "subject": "Visit", "due_at": "2026-03-03T09:00:00"},
        },
    )
    assert wrong_contact.json()["errors"] == [
        {"field": "contact", "message": "The contact works at another company."}
    ]
    assert broken_step.status_code == 422
    assert broken_step.json()["errors"] == [
        {"field": "next_step.due_at", "message": "Give the time with its time zone."}
    ]
    assert _stored() == before


def test_a_company_you_may_not_see_is_404_and_nothing_is_stored(api, alice, carol, acme):
    before = _stored()
    response = api(carol).post("/activities", {"kind": "note", "company": acme.pk, "subject": "Peek"})
    assert response.status_code == 404
    assert response.json()["errors"] == [
        {"field": "company", "message": "No company with this id, or you may not see it."}
    ]
    assert _stored() == before


def test_roles_without_the_permission_are_403_and_change_nothing(api, alice, rita, acme):
    activity = api(alice).post("/activities", {"kind": "note", "company": acme.pk, "subject": "Met"}).json()
    before = _stored()
    client = api(rita)
    assert client.get("/activities").json()["items"][0]["id"] == activity["id"]  # read-only reads
    assert client.post("/activities", {"kind": "note", "company": acme.pk, "subject": "x"}).status_code == 403
    assert client.patch(f"/activities/{activity['id']}", {"version": 1, "subject": "y"}).status_code == 403
    assert client.delete(f"/activities/{activity['id']}").status_code == 403
    assert _stored() == before


def test_marking_done_with_the_version_read_and_a_stale_version_is_409(api, alice, acme):
    client = api(alice)
    task = client.post(
        "/activities",
        {"kind": "task", "company": acme.pk, "subject": "Call back", "due_at": "2026-03-05T10:00:00Z"},
    ).json()
    done = client.patch(f"/activities/{task['id']}", {"version": 1, "done_at": "2026-03-05T10:20:00Z"})
    stale = client.patch(f"/activities/{task['id']}", {"version": 1, "subject": "Changed"})
    assert done.status_code == 200
    assert (done.json()["done_at"], done.json()["version"]) == ("2026-03-05T10:20:00Z", 2)
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 2
    stored = Activity.objects.get()
    assert (stored.subject, stored.at) == (
        "Call back",
        datetime.datetime(2026, 3, 5, 10, 20, tzinfo=datetime.UTC),
    )
    history = client.get(f"/activities/{task['id']}/history").json()["items"]
    assert [entry["action"] for entry in history] == ["update", "create"]
    assert [change["field"] for change in history[0]["changes"]] == ["done_at"]


def test_deleting_keeps_the_last_values_in_the_audit(api, alice, acme):
    client = api(alice)
    note = client.post("/activities", {"kind": "note", "company": acme.pk, "subject": "Lunch"}).json()
    assert client.delete(f"/activities/{note['id']}", version=1).status_code == 204
    assert not Activity.objects.exists()
    entry = AuditEntry.objects.filter(content_type__model="activity", action="delete").get()
    assert entry.changes["subject"]["from"] == "Lunch"
    assert client.get(f"/activities/{note['id']}").status_code == 404


def test_the_list_filters_by_owner_company_kind_state_and_days_of_the_callers_zone(
    api, alice, bob, mike, acme
):
    alice.timezone = "Europe/Warsaw"
    alice.save(update_fields=["timezone"])
    beta = company_create(actor=bob, name="Beta")
    client, manager = api(alice), api(mike)
    made = {}
    for subject, company, kind, at in [
        ("late on the 1st", acme, "call", "2026-03-01T22:30:00Z"),  # 23:30 in Warsaw: still the 1st
        ("early on the 2nd", acme, "note", "2026-03-01T23:30:00Z"),  # 00:30 in Warsaw: the 2nd
        ("on the 3rd", acme, "call", "2026-03-03T09:00:00Z"),
    ]:
        made[subject] = client.post(
            "/activities", {"kind": kind, "company": company.pk, "subject": subject, "done_at": at}
        ).json()["id"]
    made["open task"] = client.post(
        "/activities",
        {"kind": "task", "company": acme.pk, "subject": "open task", "due_at": "2026-03-02T10:00:00Z"},
    ).json()["id"]
    made["bob's"] = (
        api(bob)
        .post(
            "/activities",
            {"kind": "call", "company": beta.pk, "subject": "bob's", "done_at": "2026-03-02T10:00:00Z"},
        )
        .json()["id"]
    )

    def subjects(caller, **params):
        return [item["subject"] for item in caller.get("/activities", **params).json()["items"]]

    assert subjects(client) == ["on the 3rd", "open task", "early on the 2nd", "late on the 1st"]
    assert subjects(client, start="2026-03-02", end="2026-03-02") == ["open task", "early on the 2nd"]
    assert subjects(client, end="2026-03-01") == ["late on the 1st"]
    assert subjects(client, kind="call") == ["on the 3rd", "late on the 1st"]
    assert subjects(client, done="false") == ["open task"]
    assert subjects(manager, owner="bob") == ["bob's"]
    assert subjects(manager, company=acme.pk, kind="note") == ["early on the 2nd"]
    assert subjects(manager, owner="me") == []
    assert subjects(client, owner="bob") == []  # alice does not see Beta
    assert client.get("/activities", start="2026-03-03", end="2026-03-02").json()["errors"] == [
        {"field": "end", "message": "The period ends before it starts."}
    ]


def test_pages_hold_every_activity_once_in_a_fixed_number_of_queries(api, alice, acme):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api(alice)
    for index in range(7):
        client.post(
            "/activities",
            {
                "kind": "note",
                "company": acme.pk,
                "subject": f"n{index}",
                "done_at": f"2026-03-0{index + 1}T10:00:00Z",
            },
        )
    seen, cursor, counts = [], None, []
    while True:
        params = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        with CaptureQueriesContext(connection) as queries:
            body = client.get("/activities", **params).json()
        counts.append(len(queries.captured_queries))
        seen += [item["subject"] for item in body["items"]]
        cursor = body["next"]
        if cursor is None:
            break
    assert seen == [f"n{index}" for index in range(6, -1, -1)]
    assert len(set(counts)) == 1


def test_outcomes_are_named_in_the_readers_language_unless_renamed():
    from django.utils import translation

    offer = CallOutcome.objects.get(code="offer_made")
    with translation.override("pl"):
        polish = offer.label
    offer.name = "Angebot"
    assert (polish, offer.label) == ("Złożono ofertę", "Angebot")
    assert list(CallOutcome.objects.values_list("code", flat=True)) == [
        "reached",
        "no_answer",
        "busy",
        "wrong_number",
        "call_back",
        "interested",
        "offer_made",
        "not_interested",
    ]


@pytest.mark.parametrize("value", ["0", "2026-13-01", "yesterday"])
def test_a_period_day_must_be_an_iso_date(api, alice, value):
    response = api(alice).get("/activities", start=value)
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "start", "message": "Value error, Enter a date in ISO 8601 form, e.g. 2026-03-01."}
    ]


def test_done_contact_moves_the_companys_last_contact_forwards_only(api, alice, acme):
    client = api(alice)
    client.post(
        "/activities", {"kind": "note", "company": acme.pk, "subject": "x", "done_at": "2026-03-09T10:00:00Z"}
    )
    client.post(
        "/activities", {"kind": "task", "company": acme.pk, "subject": "x", "done_at": "2026-03-09T10:00:00Z"}
    )
    acme.refresh_from_db()
    assert acme.last_contact_at is None  # notes and tasks are not contact with the customer
    client.post(
        "/activities",
        {"kind": "visit", "company": acme.pk, "subject": "x", "done_at": "2026-03-05T10:00:00Z"},
    )
    client.post(
        "/activities", {"kind": "call", "company": acme.pk, "subject": "x", "done_at": "2026-03-01T10:00:00Z"}
    )
    acme.refresh_from_db()
    assert acme.last_contact_at == datetime.datetime(2026, 3, 5, 10, tzinfo=datetime.UTC)
    meeting = client.post(
        "/activities",
        {"kind": "meeting", "company": acme.pk, "subject": "x", "due_at": "2026-03-07T10:00:00Z"},
    ).json()
    acme.refresh_from_db()
    assert acme.last_contact_at == datetime.datetime(2026, 3, 5, 10, tzinfo=datetime.UTC)  # not held yet
    client.patch(f"/activities/{meeting['id']}", {"version": 1, "done_at": "2026-03-07T11:00:00Z"})
    acme.refresh_from_db()
    assert acme.last_contact_at == datetime.datetime(2026, 3, 7, 11, tzinfo=datetime.UTC)


def test_a_recurring_task_done_comes_back_at_the_same_time_on_the_owners_clock(api, alice, acme):
    alice.timezone = "Europe/Warsaw"
    alice.save(update_fields=["timezone"])
    client = api(alice)
    weekly = client.post(
        "/activities",
        {
            "kind": "task",
            "company": acme.pk,
            "subject": "Weekly stock check",
            "due_at": "2026-03-23T09:00:00+01:00",  # a Monday, 09:00 in Warsaw in winter time
            "repeat": "weekly",
        },
    ).json()
    assert (weekly["repeat"], weekly["repeat_every"]) == ("weekly", 1)

    client.patch(f"/activities/{weekly['id']}", {"version": 1, "done_at": "2026-03-23T09:30:00+01:00"})
    client.patch(f"/activities/{weekly['id']}", {"version": 2, "done_at": None})
    client.patch(f"/activities/{weekly['id']}", {"version": 3, "done_at": "2026-03-23T09:40:00+01:00"})

    (following,) = Activity.objects.filter(follows_id=weekly["id"])
    # Summer time began on the 29th: still 09:00 in Warsaw, an hour earlier in UTC.
    assert following.due_at == datetime.datetime(2026, 3, 30, 7, 0, tzinfo=datetime.UTC)
    assert (following.subject, following.repeat, following.done_at, following.owner) == (
        "Weekly stock check",
        "weekly",
        None,
        alice,
    )


@pytest.mark.parametrize(
    ("repeat", "every", "due", "expected"),
    [
        ("monthly", 1, "2026-01-31T10:00:00Z", datetime.datetime(2026, 2, 28, 10, tzinfo=datetime.UTC)),
        ("monthly", 3, "2026-11-30T10:00:00Z", datetime.datetime(2027, 2, 28, 10, tzinfo=datetime.UTC)),
        ("daily", 2, "2026-12-31T10:00:00Z", datetime.datetime(2027, 1, 2, 10, tzinfo=datetime.UTC)),
        ("yearly", 1, "2028-02-29T10:00:00Z", datetime.datetime(2029, 2, 28, 10, tzinfo=datetime.UTC)),
    ],
)
def test_the_next_occurrence_keeps_to_the_calendar(api, alice, acme, repeat, every, due, expected):
    client = api(alice)
    task = client.post(
        "/activities",
        {
            "kind": "task",
            "company": acme.pk,
            "subject": "Report",
            "due_at": due,
            "repeat": repeat,
            "repeat_every": every,
        },
    ).json()
    client.patch(f"/activities/{task['id']}", {"version": 1, "done_at": due})
    assert Activity.objects.get(follows_id=task["id"]).due_at == expected


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"kind": "call", "repeat": "weekly", "due_at": "2026-03-02T10:00:00Z"},
            "repeat",
            "Only tasks with a due time repeat.",
        ),
        ({"kind": "note", "repeat": "daily"}, "repeat", "Only tasks with a due time repeat."),
    ],
)
def test_only_tasks_with_a_due_time_repeat(api, alice, acme, changes, field, message):
    before = _stored()
    response = api(alice).post("/activities", {"company": acme.pk, "subject": "x", **changes})
    assert response.json()["errors"] == [{"field": field, "message": message}]
    assert _stored() == before


def test_an_id_beyond_what_the_database_stores_is_refused_not_a_crash(api, alice):
    # schemathesis found it: an id of 27 digits overflowed the database's integer (500).
    response = api(alice).get("/activities", company="585369038814589520405594112")
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["company"]
