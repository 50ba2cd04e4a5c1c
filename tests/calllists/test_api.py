"""The call list API: build from the company filter, read with progress, assign, next, handle entries,
scripts, objections and the report; invisible lists answer 404 and refusals change nothing."""

import datetime

import pytest
import time_machine

from klient.activities.calllists.models import CallList, CallListEntry, Objection, ObjectionMark
from klient.activities.models import Activity
from klient.core.models import AuditEntry
from tests.calllists.conftest import NOW

pytestmark = pytest.mark.django_db

FILTER = {"status": ["prospect"], "source": "exhibition", "last_contact": "30", "sort": "name"}


def _state():
    return (
        list(CallList.objects.values_list("pk", "version")),
        list(CallListEntry.objects.values_list("pk", "state", "claimed_by", "assigned_to")),
        Activity.objects.count(),
        ObjectionMark.objects.count(),
        AuditEntry.objects.count(),
    )


def test_build_read_and_list(api, alice, carol, prospects, script):
    client = api(alice)
    response = client.post("/call-lists", {"name": "Exhibition 2026", "script": script.pk, "filter": FILTER})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["name"], body["script"], body["created_by"], body["team"], body["assignees"]) == (
        "Exhibition 2026",
        script.pk,
        "alice",
        "North",
        ["alice"],
    )
    assert body["progress"] == {"total": 3, "done": 0, "skipped": 0, "snoozed": 0, "left": 3}
    assert body["filter"] == "status=prospect&last_contact=30&source=exhibition&sort=name"
    assert client.get(f"/call-lists/{body['id']}").json() == body
    assert [item["id"] for item in client.get("/call-lists").json()["items"]] == [body["id"]]
    # carol (South) neither lists nor reads it.
    assert api(carol).get("/call-lists").json() == {"items": [], "next": None}
    hidden = api(carol).get(f"/call-lists/{body['id']}")
    assert (hidden.status_code, hidden.json()) == (404, {"detail": "Not found.", "errors": []})


def test_a_bad_build_names_the_field_and_stores_nothing(api, alice, sam, prospects):
    before = _state()
    response = api(alice).post("/call-lists", {"name": "Empty", "filter": {"status": ["lost"]}})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "filter", "message": "No company you can see matches the filter."}
    ]
    response = api(alice).post("/call-lists", {"name": "X", "filter": {"status": ["unknown"]}})
    assert response.status_code == 422 and response.json()["errors"][0]["field"].startswith("filter.status")
    assert api(sam).post("/call-lists", {"name": "X", "filter": FILTER}).status_code == 403
    # Filters that are not an object are refused, not read as "no filter" (every company).
    for not_an_object in ("AAA", 0, ["prospect"], None):
        response = api(alice).post("/call-lists", {"name": "X", "filter": not_an_object})
        assert response.status_code == 422
        assert [error["field"] for error in response.json()["errors"]] == ["filter"]
    assert _state() == before


def test_work_a_list_through_the_api(api, alice, prospects):
    client = api(alice)
    list_id = client.post("/call-lists", {"name": "Fair", "filter": FILTER}).json()["id"]
    price = Objection.objects.get(code="too_expensive")
    answer = price.answers.order_by("position").first()
    with time_machine.travel(NOW, tick=False):
        claimed = client.post(f"/call-lists/{list_id}/next", {}).json()
        assert claimed["entry"]["company"]["name"] == "Alpha"
        assert claimed["entry"]["company"]["phone_e164"] == "+48221234567"
        assert claimed["entry"]["contact"]["name"] == "Jan Nowak"
        entry_id = claimed["entry"]["id"]
        logged = client.post(
            f"/call-lists/{list_id}/entries/{entry_id}",
            {
                "action": "log",
                "outcome": "interested",
                "notes": "Trial",
                "objections": [{"objection": "too_expensive", "answer": answer.pk, "overcome": True}],
            },
        )
        assert logged.status_code == 200, logged.json()
        assert logged.json()["entry"]["state"] == "done"
        assert logged.json()["progress"] == {"total": 3, "done": 1, "skipped": 0, "snoozed": 0, "left": 2}
        call = Activity.objects.get(pk=logged.json()["entry"]["activity"])
        assert (call.subject, call.outcome.code, call.notes, call.contact.last_name) == (
            "Interested",
            "interested",
            "Trial",
            "Nowak",
        )
        # Logging it again: it is no longer the caller's.
        again = client.post(
            f"/call-lists/{list_id}/entries/{entry_id}", {"action": "log", "outcome": "reached"}
        )
        assert again.status_code == 409
        second = client.post(f"/call-lists/{list_id}/next", {}).json()["entry"]["id"]
        skipped = client.post(f"/call-lists/{list_id}/entries/{second}", {"action": "skip", "reason": "Gone"})
        assert (skipped.json()["entry"]["state"], skipped.json()["entry"]["skip_reason"]) == (
            "skipped",
            "Gone",
        )
        third = client.post(f"/call-lists/{list_id}/next", {}).json()["entry"]["id"]
        no_time = client.post(f"/call-lists/{list_id}/entries/{third}", {"action": "snooze"})
        assert no_time.json()["errors"] == [{"field": "until", "message": "Say until when."}]
        snoozed = client.post(
            f"/call-lists/{list_id}/entries/{third}",
            {"action": "snooze", "until": "2026-03-02T15:00:00+01:00"},
        )
        assert snoozed.json()["entry"]["snoozed_until"] == "2026-03-02T14:00:00Z"
        empty = client.post(f"/call-lists/{list_id}/next", {}).json()
        assert empty == {
            "entry": None,
            "progress": {"total": 3, "done": 1, "skipped": 1, "snoozed": 1, "left": 0},
        }
    assert list(ObjectionMark.objects.values_list("objection__code", "answer", "is_overcome")) == [
        ("too_expensive", answer.pk, True)
    ]


def test_an_unknown_objection_or_foreign_answer_is_refused_and_stores_nothing(api, alice, prospects):
    client = api(alice)
    list_id = client.post("/call-lists", {"name": "Fair", "filter": FILTER}).json()["id"]
    entry_id = client.post(f"/call-lists/{list_id}/next", {}).json()["entry"]["id"]
    other_answer = Objection.objects.get(code="no_time").answers.first()
    before = _state()
    for objections, field in (
        ([{"objection": "weather"}], "objections.0.objection"),
        ([{"objection": "too_expensive", "answer": other_answer.pk}], "objections.0.answer"),
    ):
        response = client.post(
            f"/call-lists/{list_id}/entries/{entry_id}",
            {"action": "log", "outcome": "reached", "objections": objections},
        )
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == field
    assert _state() == before


def test_assign_and_next_for_someone_else_list(api, mike, alice, bob, carol, prospects):
    list_id = api(alice).post("/call-lists", {"name": "Fair", "filter": FILTER}).json()["id"]
    before = _state()
    assert api(alice).post(f"/call-lists/{list_id}/assign", {"users": ["bob"]}).status_code == 403
    assert api(carol).post(f"/call-lists/{list_id}/next", {}).status_code == 404
    assert api(bob).post(f"/call-lists/{list_id}/next", {}).status_code == 404
    refused = api(mike).post(f"/call-lists/{list_id}/assign", {"users": ["carol"]})
    assert refused.status_code == 422
    assert refused.json()["errors"] == [{"field": "users", "message": "carol is not in your team."}]
    assert _state() == before
    assigned = api(mike).post(
        f"/call-lists/{list_id}/assign", {"users": ["alice", "bob"], "round_robin": True}
    )
    assert assigned.json()["assignees"] == ["alice", "bob"]
    assert list(
        CallListEntry.objects.order_by("position").values_list("assigned_to__username", flat=True)
    ) == [
        "alice",
        "bob",
        "alice",
    ]
    # bob sees the list now, but none of alice's companies: nothing for him to claim.
    assert api(bob).post(f"/call-lists/{list_id}/next", {}).json()["entry"] is None
    assert api(alice).post(f"/call-lists/{list_id}/next", {}).json()["entry"]["position"] == 1


def test_scripts_and_objections_in_the_callers_language(api, alice, tom, script):
    scripts = api(tom).get("/scripts").json()
    assert scripts == {
        "items": [
            {
                "id": script.pk,
                "name": "Exhibition follow-up",
                "description": "",
                "steps": [
                    {"position": 1, "title": "Greeting", "prompt": "We met at the fair."},
                    {"position": 2, "title": "Offer", "prompt": "Offer the trial order."},
                ],
            }
        ],
        "next": None,
    }
    tom.language = "pl"
    tom.save(update_fields=["language"])
    objections = api(tom).get("/objections").json()["items"]
    assert [item["code"] for item in objections] == [
        "too_expensive",
        "has_supplier",
        "send_email",
        "no_time",
        "no_budget",
    ]
    assert objections[0]["name"] == "To za drogo"
    assert objections[0]["answers"][0]["text"].startswith("Rozumiem. W porównaniu z czym?")
    english = api(tom).get("/objections", language="en").json()["items"]
    assert english[2]["name"] == "Send me an email"


def test_the_report_counts_uses_and_successes_in_the_callers_scope(
    api, alice, bob, carol, mike, tom, prospects
):
    from klient.activities.services import activity_create

    price = Objection.objects.get(code="too_expensive")
    first, second = price.answers.order_by("position")
    acme_south = __import__("klient.customers.services", fromlist=["company_create"]).company_create(
        actor=carol, name="South Co"
    )

    def mark(owner, company, answer, overcome, at):
        call = activity_create(actor=owner, company=company, kind="call", subject="Call", done_at=at)
        ObjectionMark.objects.create(
            activity=call, objection=price, answer=answer, is_overcome=overcome, owner=owner, at=at
        )

    day = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC)
    mark(alice, prospects[0], first, True, day)
    mark(alice, prospects[1], first, False, day)
    mark(alice, prospects[2], second, True, day - datetime.timedelta(days=40))  # before the period
    mark(carol, acme_south, first, True, day)  # another team
    params = {"start": "2026-03-01", "end": "2026-03-02"}
    rows = api(mike).get("/objections/report", **params).json()
    assert rows["items"] == [
        {
            "objection": "too_expensive",
            "objection_name": "It is too expensive",
            "answer": first.pk,
            "answer_text": first.texts["en"],
            "used": 2,
            "overcome": 1,
            "success_rate": 50.0,
        }
    ]
    assert api(alice).get("/objections/report", **params).json()["items"][0]["used"] == 2
    assert api(bob).get("/objections/report", **params).json()["items"] == []  # his own calls only
    assert api(mike).get("/objections/report", rep="carol", **params).json()["items"] == []
    assert api(carol).get("/objections/report", **params).json()["items"][0]["used"] == 1
    wide = api(mike).get("/objections/report", start="2026-01-01", end="2026-03-02").json()["items"]
    assert [(row["answer"], row["used"], row["overcome"]) for row in wide] == [
        (first.pk, 2, 1),
        (second.pk, 1, 1),
    ]
    bad = api(mike).get("/objections/report", start="2026-03-02", end="2026-03-01")
    assert bad.status_code == 422
