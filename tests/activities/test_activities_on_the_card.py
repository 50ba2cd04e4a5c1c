"""Activities on the client card's timeline, and moved with their company or contact by a merge."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from klient.activities.models import Activity
from klient.activities.services import activity_create
from klient.customers.services import company_create, company_merge, contact_create

pytestmark = pytest.mark.django_db

DONE = datetime.datetime(2026, 3, 2, 11, 50, tzinfo=datetime.UTC)


def test_the_card_shows_a_companys_activities_with_their_outcome_or_due_time(login, alice):
    acme = company_create(actor=alice, name="Acme")
    beta = company_create(actor=alice, name="Beta")
    jan = contact_create(actor=alice, company=acme, first_name="Jan", last_name="Kowalski")
    call = activity_create(
        actor=alice,
        company=acme,
        contact=jan,
        kind="call",
        direction="outbound",
        subject="Price list",
        done_at=DONE,
        outcome="not_interested",
        outcome_reason="Has a supplier",
        next_step={"subject": "Try again in spring", "due_at": DONE + datetime.timedelta(days=30)},
    )
    activity_create(actor=alice, company=beta, kind="note", subject="Beta's own")
    task = Activity.objects.get(follows=call)

    body = login(alice).get(f"/companies/{acme.pk}/").content.decode()

    call_entry = body.split(f'data-entry="activity-{call.pk}"')[1].split("</li>")[0]
    task_entry = body.split(f'data-entry="activity-{task.pk}"')[1].split("</li>")[0]
    assert '<span class="tl-kind">Call</span> (outbound)' in call_entry
    assert '<span data-outcome="not_interested">Not interested</span>' in call_entry
    assert "<strong>Price list</strong> — Has a supplier" in call_entry
    assert f'<a href="/companies/contacts/{jan.pk}/">Jan Kowalski</a>' in call_entry
    assert '<span class="tl-kind">Task</span>' in task_entry
    assert '<span class="badge" data-open>due ' in task_entry
    assert "Beta&#x27;s own" not in body and "Beta's own" not in body


def test_a_merge_moves_the_dropped_companys_activities(alice, mike):
    keep = company_create(actor=alice, name="Acme")
    drop = company_create(actor=alice, name="ACME Ltd")
    activity = activity_create(actor=alice, company=drop, kind="note", subject="Met at the fair")

    company_merge(keep=keep, drop=drop, actor=mike)

    moved = Activity.objects.get(pk=activity.pk)
    assert (moved.company_id, moved.version) == (keep.pk, 2)


def test_administrators_rename_and_retire_outcomes_in_the_admin_but_delete_none(login, root, alice):
    from klient.activities.models import CallOutcome

    client = login(root)
    busy = CallOutcome.objects.get(code="busy")
    listing = client.get("/admin/activities/calloutcome/").content.decode()
    assert "Wrong number" in listing
    response = client.post(
        f"/admin/activities/calloutcome/{busy.pk}/change/",
        {"code": "busy", "name": "Line engaged", "needs_reason": "", "is_active": "", "position": "20"},
    )
    assert response.status_code == 302
    busy.refresh_from_db()
    assert (busy.label, busy.is_active) == ("Line engaged", False)
    assert client.post(f"/admin/activities/calloutcome/{busy.pk}/delete/", {"post": "yes"}).status_code == 403
    assert CallOutcome.objects.filter(pk=busy.pk).exists()
    acme = company_create(actor=alice, name="Acme")
    with pytest.raises(ValidationError) as refused:
        activity_create(actor=alice, company=acme, kind="call", subject="x", done_at=DONE, outcome="busy")
    assert refused.value.message_dict == {"outcome": ["No call outcome “busy”."]}
    assert not Activity.objects.exists()
