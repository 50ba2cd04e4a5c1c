"""A company's last call (time and outcome code), kept by the activity services: set when a done call is
recorded, read again when one changes or is deleted, the later of two companies' when they merge, and
set for calls recorded before the field existed by the migration and company_last_call_refresh."""

import datetime

import pytest

from klient.activities.models import Activity
from klient.activities.services import (
    activity_create,
    activity_delete,
    activity_update,
    company_last_call_refresh,
)
from klient.customers.models import Company
from klient.customers.services import company_create, company_merge

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


def at(day, hour=10):
    return datetime.datetime(2026, 3, day, hour, 0, tzinfo=UTC)


def last_call(company):
    return Company.objects.values_list("last_call_at", "last_call_outcome").get(pk=company.pk)


def call(actor, company, day, outcome, **data):
    return activity_create(
        actor=actor,
        company=company,
        kind="call",
        subject=f"Call {day}",
        done_at=at(day),
        outcome=outcome,
        **data,
    )


@pytest.fixture
def acme(alice):
    return company_create(actor=alice, name="Acme")


def test_a_done_call_sets_it_and_an_older_one_does_not(alice, acme):
    assert last_call(acme) == (None, None)
    call(alice, acme, 5, "interested")
    assert last_call(acme) == (at(5), "interested")
    call(alice, acme, 3, "no_answer")
    assert last_call(acme) == (at(5), "interested")


def test_a_colleagues_later_call_counts_too(alice, mike, acme):
    call(alice, acme, 5, "interested")
    call(mike, acme, 6, "not_interested", outcome_reason="Budget")
    assert last_call(acme) == (at(6), "not_interested")


def test_open_calls_and_other_kinds_leave_it(alice, acme):
    call(alice, acme, 5, "offer_made")
    activity_create(actor=alice, company=acme, kind="call", subject="Planned", due_at=at(9))
    activity_create(actor=alice, company=acme, kind="meeting", subject="Visit", done_at=at(8))
    assert last_call(acme) == (at(5), "offer_made")


def test_changing_or_deleting_the_latest_call_reads_it_again(alice, acme):
    first = call(alice, acme, 5, "interested")
    latest = call(alice, acme, 7, "call_back")
    latest = activity_update(activity=latest, actor=alice, version=latest.version, outcome="offer_made")
    assert last_call(acme) == (at(7), "offer_made")
    # Moved back before the first one: the first is the latest now.
    latest = activity_update(activity=latest, actor=alice, version=latest.version, done_at=at(4))
    assert last_call(acme) == (at(5), "interested")
    activity_delete(activity=first, actor=alice)
    assert last_call(acme) == (at(4), "offer_made")
    # Turned into a meeting: no call is left.
    activity_update(activity=latest, actor=alice, version=latest.version, kind="meeting", outcome=None)
    assert last_call(acme) == (None, None)


def test_a_merge_keeps_the_later_of_the_two(alice, mike, acme):
    other = company_create(actor=alice, name="Acme (old card)")
    call(alice, acme, 5, "no_answer")
    call(alice, other, 8, "interested")
    merged = company_merge(keep=Company.objects.get(pk=acme.pk), drop=other, actor=mike)
    assert last_call(merged) == (at(8), "interested")
    assert Activity.objects.filter(company=merged, kind="call").count() == 2


def test_a_merge_into_the_later_one_keeps_its_own(alice, mike, acme):
    other = company_create(actor=alice, name="Acme (old card)")
    call(alice, acme, 9, "offer_made")
    call(alice, other, 8, "interested")
    merged = company_merge(keep=Company.objects.get(pk=acme.pk), drop=other, actor=mike)
    assert last_call(merged) == (at(9), "offer_made")


def test_refresh_sets_it_for_calls_written_in_bulk(alice, acme):
    beta = company_create(actor=alice, name="Beta")
    call(alice, acme, 5, "interested")
    # Written without the services (an import, the bench): the companies do not know.
    Activity.objects.bulk_create(
        [
            Activity(company=acme, owner=alice, kind="call", subject="Bulk", done_at=at(6), at=at(6)),
            Activity(company=beta, owner=alice, kind="call", subject="Bulk", done_at=at(2), at=at(2)),
        ]
    )
    assert last_call(acme) == (at(5), "interested")
    assert company_last_call_refresh() == 2
    assert last_call(acme) == (at(6), None)
    assert last_call(beta) == (at(2), None)
