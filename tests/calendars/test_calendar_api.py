"""GET /api/v1/calendar: the entries of a period in the caller's time zone, exact bodies, the limits of a
period (422 naming the field), whose calendar may be read, and the OpenAPI description."""

from __future__ import annotations

import datetime

import pytest
import time_machine

from klient.core.services import delegation_create
from klient.customers.services import company_create
from tests.calendars.conftest import WARSAW, at

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 2, 11, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def test_it_lists_the_entries_of_the_period_on_the_callers_clock(api, alice, acme, jan, record):
    alice.timezone = "Europe/Warsaw"
    alice.save(update_fields=["timezone"])
    meeting = record(
        alice,
        acme,
        "meeting",
        "Contract review",
        contact=jan,
        due_at=at(WARSAW, 2026, 3, 2, 0, 0),
        duration=5400,
    )
    call = record(
        alice, acme, "call", "Price check", done_at=at(WARSAW, 2026, 3, 3, 23, 59), outcome="reached"
    )
    record(alice, acme, "task", "Too early", due_at=at(WARSAW, 2026, 3, 1, 23, 59))
    record(alice, acme, "task", "Too late", due_at=at(WARSAW, 2026, 3, 4, 0, 0))
    record(alice, acme, "note", "Not a calendar entry", done_at=at(WARSAW, 2026, 3, 2, 12, 0))

    response = api(alice).get("/calendar", start="2026-03-02", end="2026-03-03")

    assert response.status_code == 200
    assert response.json() == {
        "items": [
            {
                "id": meeting.pk,
                "kind": "meeting",
                "subject": "Contract review",
                "start": "2026-03-01T23:00:00Z",
                "end": "2026-03-02T00:30:00Z",
                "company": {"id": acme.pk, "name": "Acme"},
                "contact": {"id": jan.pk, "name": "Jan Kowalski"},
                "owner": "alice",
                "url": f"http://testserver/companies/{acme.pk}/",
                "done": False,
            },
            {
                "id": call.pk,
                "kind": "call",
                "subject": "Price check",
                "start": "2026-03-03T22:59:00Z",
                "end": "2026-03-03T23:29:00Z",
                "company": {"id": acme.pk, "name": "Acme"},
                "contact": None,
                "owner": "alice",
                "url": f"http://testserver/companies/{acme.pk}/",
                "done": True,
            },
        ]
    }


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start": "2026-03-01", "end": "2026-05-02"}, "end"),  # 63 days
        ({"start": "2026-03-05", "end": "2026-03-04"}, "end"),
        ({"start": "2026-02-30", "end": "2026-03-04"}, "start"),
        ({"start": "2026-03-01"}, "end"),
        ({"end": "2026-03-01"}, "start"),
    ],
)
def test_a_bad_period_gets_422_naming_the_field(api, alice, params, field):
    response = api(alice).get("/calendar", **params)
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "The request is not valid."
    assert [error["field"] for error in body["errors"]] == [field]


def test_sixty_two_days_are_allowed(api, alice, acme, record):
    last = record(
        alice, acme, "task", "Last day", due_at=datetime.datetime(2026, 5, 1, 23, 0, tzinfo=datetime.UTC)
    )
    response = api(alice).get("/calendar", start="2026-03-01", end="2026-05-01")
    assert response.status_code == 200
    assert [item["id"] for item in response.json()["items"]] == [last.pk]


def test_a_manager_reads_a_reps_calendar_but_not_another_teams(api, alice, bob, carol, mike, acme, record):
    meeting = record(alice, acme, "meeting", "Alice meets", due_at=NOW + datetime.timedelta(hours=1))
    south = company_create(actor=carol, name="Southern")
    record(carol, south, "meeting", "Carol meets", due_at=NOW + datetime.timedelta(hours=1))
    period = {"start": "2026-03-02", "end": "2026-03-02"}
    response = api(mike).get("/calendar", user="alice", **period)
    assert [item["id"] for item in response.json()["items"]] == [meeting.pk]
    assert api(mike).get("/calendar", **period).json() == {"items": []}
    refused = api(mike).get("/calendar", user="carol", **period)
    assert refused.status_code == 404
    assert refused.json()["errors"] == [
        {"field": "user", "message": "No user of this name whose calendar you may open."}
    ]
    assert api(bob).get("/calendar", user="alice", **period).status_code == 404


def test_a_deputy_gets_the_absent_users_entries_with_their_owner(api, alice, bob, mike, acme, record):
    meeting = record(alice, acme, "meeting", "Alice meets", due_at=NOW + datetime.timedelta(hours=1))
    period = {"start": "2026-03-02", "end": "2026-03-02"}
    assert api(bob).get("/calendar", **period).json() == {"items": []}
    delegation_create(absent_user=alice, deputy=bob, starts_on=NOW.date(), ends_on=NOW.date(), actor=mike)
    items = api(bob).get("/calendar", **period).json()["items"]
    assert [(item["id"], item["owner"]) for item in items] == [(meeting.pk, "alice")]


def test_it_needs_the_right_to_view_activities(api, paula, client):
    assert api(paula).get("/calendar", start="2026-03-02", end="2026-03-02").status_code == 403
    assert client.get("/api/v1/calendar?start=2026-03-02&end=2026-03-02").status_code == 401


def test_the_openapi_document_describes_the_calendar_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert set(paths["/api/v1/calendar"]) == {"get"}
    parameters = {parameter["name"] for parameter in paths["/api/v1/calendar"]["get"]["parameters"]}
    assert parameters == {"start", "end", "user"}
    assert set(paths["/api/v1/me/calendar-feed/revoke"]) == {"post"}
    assert set(paths["/api/v1/meetings/{activity_id}/invitation"]) == {"post"}
    for operation in (
        paths["/api/v1/calendar"]["get"],
        paths["/api/v1/me/calendar-feed/revoke"]["post"],
        paths["/api/v1/meetings/{activity_id}/invitation"]["post"],
    ):
        assert {"200", "401", "403", "404", "422", "429"} <= set(operation["responses"])
