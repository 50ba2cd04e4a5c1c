"""Business calendars and SLA policies through /api/v1/: created and changed by the service-desk manager,
refused (403, nothing changed) to an agent, bad settings named in a 422, one default at a time."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine

from klient.core.models import AuditEntry
from klient.service.models import BusinessCalendar, SlaPolicy, SlaTarget

pytestmark = pytest.mark.django_db

CALENDAR = {
    "name": "Warszawa",
    "timezone": "Europe/Warsaw",
    "hours": {"mon": [["09:00", "13:00"], ["14:00", "18:00"]], "tue": [["09:00", "17:00"]]},
    "holiday_country": "PL",
    "closed_days": ["2026-12-31"],
}


def state() -> dict[str, Any]:
    return {
        "calendars": list(
            BusinessCalendar.objects.order_by("pk").values_list("pk", "name", "hours", "is_default")
        ),
        "policies": list(
            SlaPolicy.objects.order_by("pk").values_list("pk", "name", "is_default", "conditions")
        ),
        "targets": list(
            SlaTarget.objects.order_by("pk").values_list("policy_id", "priority", "resolution_minutes")
        ),
        "audit": AuditEntry.objects.count(),
    }


def test_a_manager_creates_a_calendar_as_quoted(api, vera):
    # Sat 2026-12-05 12:00 UTC: the next opening is Mon 7 Dec 09:00 CET = 08:00 UTC.
    with time_machine.travel("2026-12-05T12:00:00Z", tick=False):
        response = api(vera).post("/business-calendars", {**CALENDAR, "is_default": True})
    assert response.status_code == 201, response.content
    body = response.json()
    calendar = BusinessCalendar.objects.get(pk=body["id"])
    assert body == {
        "id": calendar.pk,
        "name": "Warszawa",
        "timezone": "Europe/Warsaw",
        "hours": {"mon": [["09:00", "13:00"], ["14:00", "18:00"]], "tue": [["09:00", "17:00"]]},
        "holiday_country": "PL",
        "holiday_subdivision": "",
        "closed_days": ["2026-12-31"],
        "is_default": True,
        "next_opening": "2026-12-07T08:00:00Z",
        "updated_at": body["updated_at"],
    }
    # One default: the installation's calendar is not any more.
    assert list(BusinessCalendar.objects.filter(is_default=True).values_list("name", flat=True)) == [
        "Warszawa"
    ]
    assert AuditEntry.objects.filter(object_id=calendar.pk, action="create").count() == 1


def test_bad_calendar_settings_are_named_and_nothing_is_kept(api, vera):
    before = state()
    response = api(vera).post(
        "/business-calendars",
        {
            **CALENDAR,
            "timezone": "Mars/Olympus",
            "hours": {"mon": [["13:00", "09:00"]]},
            "holiday_country": "QQ",
        },
    )
    assert response.status_code == 422
    assert response.json() == {
        "detail": "The request is not valid.",
        "errors": [
            {"field": "timezone", "message": "“Mars/Olympus” is not a known time zone."},
            {"field": "hours", "message": "mon: 13:00–09:00 ends before it starts."},
            {"field": "holiday_country", "message": "“QQ” is not a country whose public holidays are known."},
        ],
    }
    assert state() == before


def test_an_agent_may_read_nothing_and_change_nothing(api, sam):
    calendar = BusinessCalendar.objects.get(is_default=True)
    before = state()
    client = api(sam)
    answers = [
        client.get("/business-calendars").status_code,
        client.post("/business-calendars", CALENDAR).status_code,
        client.patch(f"/business-calendars/{calendar.pk}", {"name": "Mine"}).status_code,
        client.get("/sla-policies").status_code,
        client.post("/sla-policies", {"name": "X", "calendar": calendar.pk}).status_code,
    ]
    assert answers == [403, 403, 403, 403, 403]
    assert state() == before


def test_a_manager_creates_a_policy_as_quoted_and_replaces_its_targets(
    api, vera, django_capture_on_commit_callbacks
):
    calendar = BusinessCalendar.objects.get(is_default=True)
    client = api(vera)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/sla-policies",
            {
                "name": "Gold",
                "calendar": calendar.pk,
                "is_default": True,
                "targets": [
                    {"priority": "urgent", "first_response_minutes": 30, "resolution_minutes": 240},
                    {"priority": "normal", "first_response_minutes": 120, "resolution_minutes": 960},
                ],
            },
        )
    assert response.status_code == 201, response.content
    body = response.json()
    policy = SlaPolicy.objects.get(pk=body["id"])
    assert body == {
        "id": policy.pk,
        "name": "Gold",
        "calendar": calendar.pk,
        "calendar_name": "Standard hours",
        "is_default": True,
        "order": 100,
        "conditions": {},
        "is_active": True,
        "targets": [
            {
                "priority": "urgent",
                "first_response_minutes": 30,
                "next_response_minutes": None,
                "resolution_minutes": 240,
            },
            {
                "priority": "normal",
                "first_response_minutes": 120,
                "next_response_minutes": None,
                "resolution_minutes": 960,
            },
        ],
        "updated_at": body["updated_at"],
    }
    assert list(SlaPolicy.objects.filter(is_default=True).values_list("name", flat=True)) == ["Gold"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.patch(
            f"/sla-policies/{policy.pk}",
            {
                "targets": [{"priority": "low", "resolution_minutes": 4800}],
                "conditions": {"key_account": True},
            },
        )
    assert response.status_code == 200, response.content
    assert response.json()["targets"] == [
        {
            "priority": "low",
            "first_response_minutes": None,
            "next_response_minutes": None,
            "resolution_minutes": 4800,
        }
    ]
    assert response.json()["conditions"] == {"key_account": True}
    entry = AuditEntry.objects.filter(object_id=policy.pk, action="update").get()
    assert entry.changes["targets"]["to"] == [
        {
            "priority": "low",
            "first_response_minutes": None,
            "next_response_minutes": None,
            "resolution_minutes": 4800,
        }
    ]
    assert client.get(f"/sla-policies/{policy.pk}").json()["targets"][0]["priority"] == "low"


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        (
            {"targets": [{"priority": "normal", "resolution_minutes": 60}, {"priority": "normal"}]},
            [{"field": "targets", "message": "Target 2: normal is given twice."}],
        ),
        (
            {"conditions": {"colour": ["red"], "types": ["gossip"]}},
            [
                {
                    "field": "conditions",
                    "message": "“colour” is not a condition (channels, companies, key_account, priorities, queues, types).",
                },
                {
                    "field": "conditions",
                    "message": "types: “gossip” not known (question, incident, service_request, complaint).",
                },
            ],
        ),
        (
            {"conditions": {"queues": [999_999]}},
            [{"field": "conditions", "message": "queues: no record with id 999999."}],
        ),
        (
            {"targets": [{"priority": "someday"}]},
            [
                {
                    "field": "targets.0.priority",
                    "message": "Input should be 'low', 'normal', 'high' or 'urgent'",
                }
            ],
        ),
    ],
    ids=["priority-twice", "unknown-condition", "missing-queue", "unknown-priority"],
)
def test_bad_policy_settings_are_named_and_nothing_is_kept(api, vera, payload, errors):
    calendar = BusinessCalendar.objects.get(is_default=True)
    before = state()
    response = api(vera).post("/sla-policies", {"name": "Bad", "calendar": calendar.pk, **payload})
    assert response.status_code == 422
    assert response.json() == {"detail": "The request is not valid.", "errors": errors}
    assert state() == before


def test_a_policy_on_a_missing_calendar_is_a_404_naming_it(api, vera):
    before = state()
    response = api(vera).post("/sla-policies", {"name": "Lost", "calendar": 999_999})
    assert response.status_code == 404
    assert response.json() == {
        "detail": "Not found.",
        "errors": [{"field": "calendar", "message": "No business calendar has this id."}],
    }
    assert state() == before


def test_changing_a_calendars_hours_is_audited(api, vera):
    calendar = BusinessCalendar.objects.get(is_default=True)
    response = api(vera).patch(f"/business-calendars/{calendar.pk}", {"hours": {"sat": [["10:00", "14:00"]]}})
    assert response.status_code == 200
    assert response.json()["hours"] == {"sat": [["10:00", "14:00"]]}
    entry = AuditEntry.objects.filter(object_id=calendar.pk, action="update").get()
    assert entry.changes["hours"]["to"] == {"sat": [["10:00", "14:00"]]}
    listed = api(vera).get("/business-calendars").json()
    assert [item["name"] for item in listed["items"]] == ["Standard hours"]
    assert listed["next"] is None
