"""Building, assigning and working a call list through the services: what each stores, and refusals that
store nothing."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError

from klient.activities.calllists.models import CallListAssignee, CallListEntry, Objection, ObjectionMark
from klient.activities.calllists.selectors import call_list_progress
from klient.activities.calllists.services import (
    EntryTaken,
    ObjectionUse,
    call_list_assign,
    call_list_build,
    call_list_entry_log,
    call_list_entry_skip,
    call_list_entry_snooze,
    call_list_next,
)
from klient.activities.models import Activity, CallOutcome
from klient.activities.services import activity_create
from klient.core.exceptions import NotAllowed
from klient.core.models import AuditEntry
from klient.customers.filters import CompanyFilter
from klient.customers.services import account_team_add
from tests.calllists.conftest import NOW, company_names, make_company

pytestmark = pytest.mark.django_db

EXHIBITION_NOT_CALLED = CompanyFilter.from_query(
    {"status": "prospect", "source": "exhibition", "last_contact": "30", "sort": "name"}
)


def _build(actor, **values):
    return call_list_build(
        actor=actor,
        name=values.pop("name", "Exhibition 2026"),
        company_filter=values.pop("company_filter", EXHIBITION_NOT_CALLED),
        **values,
    )


def test_a_list_snapshots_the_visible_matching_companies_in_the_filters_order(
    alice, carol, prospects, script
):
    make_company(carol, "Aardvark", status="prospect", source="exhibition")  # South: alice cannot see it
    with time_machine.travel(NOW, tick=False):
        activity_create(
            actor=alice,
            company=prospects[2],
            kind="call",
            subject="Called",
            done_at=NOW - datetime.timedelta(days=3),
        )
    with time_machine.travel(NOW + datetime.timedelta(hours=1), tick=False):
        call_list = _build(alice, script=script)
    assert company_names(call_list) == ["Alpha", "Beta"]  # Gamma was called 3 days ago
    entries = list(call_list.entries.order_by("position"))
    assert [entry.position for entry in entries] == [1, 2]
    assert entries[0].contact.last_name == "Nowak" and entries[1].contact is None
    assert (call_list.created_by, call_list.team, call_list.script) == (alice, alice.team, script)
    assert call_list.filter_query == "status=prospect&last_contact=30&source=exhibition&sort=name"
    assert list(CallListAssignee.objects.values_list("user__username", flat=True)) == ["alice"]
    entry = AuditEntry.objects.get(object_id=call_list.pk, content_type__model="calllist")
    assert entry.action == "create" and entry.changes["entries"]["to"] == 2
    # A company made later does not join the list.
    make_company(alice, "Epsilon", status="prospect", source="exhibition")
    assert company_names(call_list) == ["Alpha", "Beta"]


def test_a_filter_that_matches_nothing_is_refused_and_stores_nothing(alice, carol, prospects):
    before = (CallListEntry.objects.count(), AuditEntry.objects.count())
    with pytest.raises(ValidationError) as error:
        _build(carol)
    assert error.value.message_dict == {"filter": ["No company you can see matches the filter."]}
    with pytest.raises(ValidationError) as error:
        _build(alice, name="  ")
    assert error.value.message_dict == {"name": ["Give the call list a name."]}
    assert (CallListEntry.objects.count(), AuditEntry.objects.count()) == before


def test_only_sales_roles_build_lists(sam, fiona, prospects):
    with pytest.raises(NotAllowed):
        _build(sam)
    with pytest.raises(NotAllowed):
        _build(fiona)


def test_a_manager_deals_a_list_out_round_robin_to_the_team_only(mike, alice, bob, tom, carol, prospects):
    call_list = _build(mike, assignees=[tom, bob], round_robin=True)
    assigned = list(call_list.entries.order_by("position").values_list("assigned_to__username", flat=True))
    assert assigned == ["tom", "bob", "tom"]
    assert sorted(call_list.assignees.values_list("username", flat=True)) == ["bob", "tom"]
    before = list(CallListEntry.objects.order_by("pk").values_list("assigned_to", flat=True))
    with pytest.raises(ValidationError) as error:
        call_list_assign(call_list=call_list, actor=mike, users=[carol])
    assert error.value.message_dict == {"users": ["carol is not in your team."]}
    assert list(CallListEntry.objects.order_by("pk").values_list("assigned_to", flat=True)) == before
    with pytest.raises(NotAllowed):
        call_list_assign(call_list=call_list, actor=alice, users=[alice])
    call_list_assign(call_list=call_list, actor=mike, users=[alice])
    assert set(call_list.entries.values_list("assigned_to", flat=True)) == {None}
    assert list(call_list.assignees.values_list("username", flat=True)) == ["alice"]


def test_two_reps_never_get_the_same_entry(mike, bob, tom, alice, prospects):
    call_list = _build(mike, assignees=[tom, bob])
    # tom (own visibility) sees none of alice's companies: give both reps sight through the account team.
    for company in prospects:
        for rep in (tom, bob):
            account_team_add(company=company, user=rep, role="calls", actor=alice)
    first = call_list_next(call_list=call_list, actor=tom)
    second = call_list_next(call_list=call_list, actor=bob)
    again = call_list_next(call_list=call_list, actor=tom)
    assert (first.company.name, second.company.name, again.pk) == ("Alpha", "Beta", first.pk)
    assert CallListEntry.objects.get(pk=first.pk).claimed_by == tom
    # A claim left for over 30 minutes goes back to the list.
    with time_machine.travel(datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(minutes=31)):
        taken_over = call_list_next(call_list=call_list, actor=bob)
    assert taken_over.pk == first.pk
    with pytest.raises(EntryTaken):
        call_list_entry_skip(entry=first, actor=tom)


def test_a_rep_gets_only_entries_of_companies_they_see(mike, tom, prospects):
    call_list = _build(mike, assignees=[tom])
    assert call_list_next(call_list=call_list, actor=tom) is None
    assert call_list_progress([call_list.pk])[call_list.pk].left == 3


def test_someone_the_list_is_not_assigned_to_cannot_claim(alice, bob, prospects):
    call_list = _build(alice)
    with pytest.raises(NotAllowed):
        call_list_next(call_list=call_list, actor=bob)
    assert not CallListEntry.objects.filter(claimed_by__isnull=False).exists()


def test_logging_skipping_and_snoozing_move_the_list_on(alice, prospects):
    call_list = _build(alice, company_filter=CompanyFilter(status=["prospect"], sort="name"))
    price, supplier = Objection.objects.get(code="too_expensive"), Objection.objects.get(code="has_supplier")
    answer = price.answers.order_by("position").first()
    with time_machine.travel(NOW, tick=False):
        entry = call_list_next(call_list=call_list, actor=alice)
        call = call_list_entry_log(
            entry=entry,
            actor=alice,
            objections=[ObjectionUse(price, answer, True), ObjectionUse(supplier, None, False)],
            outcome=CallOutcome.objects.get(code="interested"),
            notes="Wants a trial",
            next_step={"subject": "Send the offer", "due_at": NOW + datetime.timedelta(days=1)},
        )
        assert (call.kind, call.subject, call.outcome.code, call.done_at, call.company) == (
            "call",
            "Call",
            "interested",
            NOW,
            prospects[0],
        )
        assert Activity.objects.filter(follows=call, subject="Send the offer").count() == 1
        marks = list(
            ObjectionMark.objects.order_by("objection__position").values_list(
                "activity", "objection__code", "answer", "is_overcome", "owner", "at"
            )
        )
        assert marks == [
            (call.pk, "too_expensive", answer.pk, True, alice.pk, NOW),
            (call.pk, "has_supplier", None, False, alice.pk, NOW),
        ]
        second = call_list_next(call_list=call_list, actor=alice)
        call_list_entry_skip(entry=second, actor=alice, reason="Closed down")
        third = call_list_next(call_list=call_list, actor=alice)
        call_list_entry_snooze(entry=third, actor=alice, until=NOW + datetime.timedelta(hours=2))
        assert call_list_next(call_list=call_list, actor=alice) is None
        progress = call_list_progress([call_list.pk])[call_list.pk]
        assert (progress.total, progress.done, progress.skipped, progress.snoozed, progress.left) == (
            3,
            1,
            1,
            1,
            0,
        )
    states = list(
        call_list.entries.order_by("position").values_list("state", "skip_reason", "activity", "handled_by")
    )
    assert states == [
        ("done", "", call.pk, alice.pk),
        ("skipped", "Closed down", None, alice.pk),
        ("snoozed", "", None, alice.pk),
    ]
    # The snoozed entry comes back when its time comes.
    with time_machine.travel(NOW + datetime.timedelta(hours=2, minutes=1), tick=False):
        back = call_list_next(call_list=call_list, actor=alice)
        assert back.pk == third.pk and back.state == "open"
        assert call_list_progress([call_list.pk])[call_list.pk].left == 1


def test_a_handled_entry_cannot_be_handled_again_and_a_bad_call_stores_nothing(alice, prospects):
    call_list = _build(alice)
    entry = call_list_next(call_list=call_list, actor=alice)
    before = (Activity.objects.count(), ObjectionMark.objects.count(), AuditEntry.objects.count())
    with pytest.raises(ValidationError) as error:
        call_list_entry_log(entry=entry, actor=alice, outcome=CallOutcome.objects.get(code="not_interested"))
    assert error.value.message_dict == {"outcome_reason": ["Say why (this outcome needs a reason)."]}
    assert CallListEntry.objects.get(pk=entry.pk).state == "open"
    with pytest.raises(ValidationError) as error:
        call_list_entry_snooze(
            entry=entry, actor=alice, until=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
        )
    assert error.value.message_dict == {"until": ["Snooze until a time in the future."]}
    assert (Activity.objects.count(), ObjectionMark.objects.count(), AuditEntry.objects.count()) == before
    call_list_entry_skip(entry=entry, actor=alice)
    with pytest.raises(EntryTaken):
        call_list_entry_log(entry=entry, actor=alice, outcome=CallOutcome.objects.get(code="reached"))
    assert Activity.objects.count() == before[0]


def test_the_default_objection_library_speaks_six_languages(db):
    library = {objection.code: objection for objection in Objection.objects.prefetch_related("answers")}
    assert list(library) == ["too_expensive", "has_supplier", "send_email", "no_time", "no_budget"]
    for objection in library.values():
        assert set(objection.names) == {"en", "pl", "bs", "hy", "zh-hans", "ru"}
        assert objection.answers.count() >= 1
        for answer in objection.answers.all():
            assert set(answer.texts) == {"en", "pl", "bs", "hy", "zh-hans", "ru"}
    assert library["send_email"].name_in("ru") == "Пришлите на почту"
    assert library["send_email"].name_in("de") == "Send me an email"  # not a language of ours: English
