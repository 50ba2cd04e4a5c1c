"""Delegation: a deputy named for a period takes over the absent user's records and rights, then stops."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError

from klient.core.exceptions import NotAllowed
from klient.core.models import AuditAction, AuditEntry, Delegation, Role
from klient.core.services import delegation_cancel, delegation_create, delegations_close_ended
from klient.customers.models import Company
from klient.customers.services import company_create

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
MARCH_1 = datetime.datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def day(n: int) -> datetime.date:
    return datetime.date(2026, 3, n)


def at_noon(n: int) -> datetime.datetime:
    return datetime.datetime(2026, 3, n, 12, 0, tzinfo=UTC)


@pytest.fixture
def acme(alice):
    with time_machine.travel(MARCH_1, tick=False):
        return company_create(actor=alice, name="Acme", payment_terms_days=30)


def test_a_user_names_their_own_deputy(alice, carol):
    with time_machine.travel(MARCH_1, tick=False):
        delegation = delegation_create(
            absent_user=alice, deputy=carol, starts_on=day(10), ends_on=day(20), actor=alice, reason="Leave"
        )

    stored = Delegation.objects.get()
    assert stored.pk == delegation.pk
    assert (stored.absent_user, stored.deputy, stored.created_by) == (alice, carol, alice)
    assert (stored.starts_on, stored.ends_on, stored.reason) == (day(10), day(20), "Leave")
    assert (stored.cancelled_at, stored.ended_at) == (None, None)
    entry = AuditEntry.objects.get(object_id=delegation.pk, content_type__model="delegation")
    assert entry.action == AuditAction.CREATE
    assert entry.actor == alice
    assert entry.changes == {
        "absent_user": {"from": None, "to": alice.pk, "from_label": None, "to_label": "Alice Archer"},
        "deputy": {"from": None, "to": carol.pk, "from_label": None, "to_label": "Carol Carter"},
        "starts_on": {"from": None, "to": "2026-03-10", "from_label": None, "to_label": "2026-03-10"},
        "ends_on": {"from": None, "to": "2026-03-20", "from_label": None, "to_label": "2026-03-20"},
        "reason": {"from": None, "to": "Leave", "from_label": None, "to_label": "Leave"},
    }


def test_the_lead_of_the_absent_users_team_names_a_deputy(alice, bob, mike):
    delegation = delegation_create(
        absent_user=alice, deputy=bob, starts_on=day(10), ends_on=day(12), actor=mike
    )
    assert Delegation.objects.get().created_by == mike
    assert delegation.absent_user == alice


@pytest.mark.parametrize("actor_name", ["bob", "carol", "tom", "sam"])
def test_it_refuses_anyone_else_and_creates_nothing(request, alice, bob, carol, tom, sam, actor_name):
    actor = request.getfixturevalue(actor_name)
    audit_before = AuditEntry.objects.count()
    with pytest.raises(NotAllowed):
        delegation_create(absent_user=alice, deputy=bob, starts_on=day(10), ends_on=day(12), actor=actor)
    assert Delegation.objects.count() == 0
    assert AuditEntry.objects.count() == audit_before


def test_a_manager_of_another_team_cannot_name_deputies_for_it(make_user, south, alice, bob):
    south_manager = make_user("sue", Role.SALES_MANAGER, south)
    with pytest.raises(NotAllowed):
        delegation_create(
            absent_user=alice, deputy=bob, starts_on=day(10), ends_on=day(12), actor=south_manager
        )
    assert Delegation.objects.count() == 0


def test_it_refuses_a_deputy_for_oneself_and_days_out_of_order(alice, bob):
    audit_before = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as own:
        delegation_create(absent_user=alice, deputy=alice, starts_on=day(10), ends_on=day(12), actor=alice)
    with pytest.raises(ValidationError) as reversed_days:
        delegation_create(absent_user=alice, deputy=bob, starts_on=day(12), ends_on=day(10), actor=alice)
    assert own.value.message_dict == {"deputy": ["A user cannot be their own deputy."]}
    assert reversed_days.value.message_dict == {"ends_on": ["The last day is before the first day."]}
    assert Delegation.objects.count() == 0
    assert AuditEntry.objects.count() == audit_before


def test_it_refuses_a_disabled_deputy(alice, bob):
    bob.is_active = False
    bob.save(update_fields=["is_active"])
    with pytest.raises(ValidationError) as error:
        delegation_create(absent_user=alice, deputy=bob, starts_on=day(10), ends_on=day(12), actor=alice)
    assert error.value.message_dict == {"deputy": ["The deputy's account is disabled."]}
    assert Delegation.objects.count() == 0


def test_the_deputy_works_the_absent_users_companies_only_during_the_range(api, alice, carol, acme):
    delegation_create(absent_user=alice, deputy=carol, starts_on=day(10), ends_on=day(20), actor=alice)
    carol_api = api(carol)

    with time_machine.travel(at_noon(9), tick=False):
        assert carol_api.get("/companies").json() == {"items": [], "next": None}
        assert carol_api.get(f"/companies/{acme.pk}").status_code == 404

    with time_machine.travel(at_noon(10), tick=False):
        listed = carol_api.get("/companies").json()
        assert [(c["id"], c["name"], c["owner"]) for c in listed["items"]] == [(acme.pk, "Acme", "alice")]
        assert carol_api.get(f"/companies/{acme.pk}").json()["payment_terms_days"] == 30
        changed = carol_api.patch(f"/companies/{acme.pk}", {"version": 1, "name": "Acme Cover"})
        assert changed.status_code == 200
        assert changed.json()["version"] == 2

    entry = AuditEntry.objects.filter(object_id=acme.pk, content_type__model="company").first()
    assert entry.action == AuditAction.UPDATE
    assert entry.actor == carol
    assert entry.on_behalf_of == alice
    assert entry.at == at_noon(10)
    assert entry.changes == {
        "name": {"from": "Acme", "to": "Acme Cover", "from_label": "Acme", "to_label": "Acme Cover"}
    }

    with time_machine.travel(at_noon(20), tick=False):
        assert carol_api.get(f"/companies/{acme.pk}").status_code == 200

    with time_machine.travel(at_noon(21), tick=False):
        assert carol_api.get(f"/companies/{acme.pk}").status_code == 404
        assert carol_api.get("/companies").json() == {"items": [], "next": None}
        refused = carol_api.patch(f"/companies/{acme.pk}", {"version": 2, "name": "Too late"})
        assert refused.status_code == 404
    assert Company.objects.get(pk=acme.pk).name == "Acme Cover"


def test_the_deputys_own_work_is_not_recorded_on_behalf_of_anyone(api, alice, carol):
    delegation_create(absent_user=alice, deputy=carol, starts_on=day(10), ends_on=day(20), actor=alice)
    with time_machine.travel(at_noon(11), tick=False):
        own = company_create(actor=carol, name="Carol's own")
        assert api(carol).patch(f"/companies/{own.pk}", {"version": 1, "name": "Carol's"}).status_code == 200
    entry = AuditEntry.objects.filter(object_id=own.pk, content_type__model="company").first()
    assert (entry.actor, entry.on_behalf_of) == (carol, None)


def test_the_range_follows_the_deputys_time_zone(api, alice, carol, acme):
    carol.timezone = "Asia/Yerevan"  # UTC+4
    carol.save(update_fields=["timezone"])
    delegation_create(absent_user=alice, deputy=carol, starts_on=day(10), ends_on=day(20), actor=alice)
    carol_api = api(carol)
    with time_machine.travel(datetime.datetime(2026, 3, 9, 19, 59, tzinfo=UTC), tick=False):
        assert carol_api.get(f"/companies/{acme.pk}").status_code == 404
    with time_machine.travel(datetime.datetime(2026, 3, 9, 20, 0, tzinfo=UTC), tick=False):
        assert carol_api.get(f"/companies/{acme.pk}").status_code == 200


def test_cancelling_ends_the_delegation_at_once(api, alice, carol, acme):
    with time_machine.travel(at_noon(12), tick=False):
        delegation = delegation_create(
            absent_user=alice, deputy=carol, starts_on=day(10), ends_on=day(20), actor=alice
        )
        carol_api = api(carol)
        assert carol_api.get(f"/companies/{acme.pk}").status_code == 200

        delegation_cancel(delegation=delegation, actor=alice)

        assert carol_api.get(f"/companies/{acme.pk}").status_code == 404
        assert Delegation.objects.get().cancelled_at == at_noon(12)
    entry = AuditEntry.objects.filter(object_id=delegation.pk, content_type__model="delegation").first()
    assert entry.action == AuditAction.UPDATE
    assert entry.changes == {
        "cancelled_at": {
            "from": None,
            "to": "2026-03-12T12:00:00+00:00",
            "from_label": None,
            "to_label": "2026-03-12 12:00:00+00:00",
        }
    }


def test_cancelling_twice_changes_nothing_more(alice, carol):
    delegation = delegation_create(
        absent_user=alice, deputy=carol, starts_on=day(10), ends_on=day(20), actor=alice
    )
    delegation_cancel(delegation=delegation, actor=alice)
    audit_before = AuditEntry.objects.count()
    cancelled_at = Delegation.objects.get().cancelled_at
    delegation_cancel(delegation=delegation, actor=alice)
    assert AuditEntry.objects.count() == audit_before
    assert Delegation.objects.get().cancelled_at == cancelled_at


def test_only_the_absent_user_or_their_lead_may_cancel(alice, bob, carol, mike):
    delegation = delegation_create(
        absent_user=alice, deputy=bob, starts_on=day(10), ends_on=day(20), actor=alice
    )
    audit_before = AuditEntry.objects.count()
    with pytest.raises(NotAllowed):
        delegation_cancel(delegation=delegation, actor=carol)
    assert Delegation.objects.get().cancelled_at is None
    assert AuditEntry.objects.count() == audit_before
    delegation_cancel(delegation=delegation, actor=mike)
    assert Delegation.objects.get().cancelled_at is not None


def test_closing_ended_delegations_marks_only_past_ones_and_counts_them(alice, bob, carol):
    def name(starts: int, ends: int, reason: str) -> Delegation:
        return delegation_create(
            absent_user=alice,
            deputy=bob,
            starts_on=day(starts),
            ends_on=day(ends),
            actor=alice,
            reason=reason,
        )

    ended_long_ago = name(1, 5, "ended long ago")
    ended_yesterday = name(6, 14, "ended yesterday")
    cancelled = name(2, 4, "cancelled")
    delegation_cancel(delegation=cancelled, actor=alice)
    ends_today = name(10, 15, "ends today")
    planned = name(20, 25, "planned")

    with time_machine.travel(at_noon(15), tick=False):
        assert delegations_close_ended(today=day(15)) == 2
        assert delegations_close_ended(today=day(15)) == 0

    ended = dict(Delegation.objects.values_list("reason", "ended_at"))
    assert ended == {
        ended_long_ago.reason: at_noon(15),
        ended_yesterday.reason: at_noon(15),
        cancelled.reason: None,
        ends_today.reason: None,
        planned.reason: None,
    }


def test_closing_uses_todays_date_by_default(alice, bob):
    delegation_create(absent_user=alice, deputy=bob, starts_on=day(1), ends_on=day(5), actor=alice)
    with time_machine.travel(at_noon(5), tick=False):
        assert delegations_close_ended() == 0
    with time_machine.travel(at_noon(6), tick=False):
        assert delegations_close_ended() == 1


def test_the_deputy_borrows_the_absent_users_permissions(api, alice, sam, acme):
    sam_api = api(sam)
    with time_machine.travel(at_noon(9), tick=False):
        refused = sam_api.patch(f"/companies/{acme.pk}", {"version": 1, "legal_name": "Acme Ltd"})
        assert refused.status_code == 403
        assert "payment_terms_days" not in sam_api.get(f"/companies/{acme.pk}").json()

    delegation_create(absent_user=alice, deputy=sam, starts_on=day(10), ends_on=day(20), actor=alice)
    with time_machine.travel(at_noon(10), tick=False):
        # A service agent sees every card but changes none by their own rights: this is alice's right.
        read = sam_api.get(f"/companies/{acme.pk}").json()
        assert read["payment_terms_days"] == 30
        changed = sam_api.patch(f"/companies/{acme.pk}", {"version": 1, "legal_name": "Acme Ltd"})
        assert changed.status_code == 200
        assert changed.json()["legal_name"] == "Acme Ltd"

    entry = AuditEntry.objects.filter(object_id=acme.pk, content_type__model="company").first()
    assert (entry.actor, entry.on_behalf_of) == (sam, alice)

    with time_machine.travel(at_noon(21), tick=False):
        again = sam_api.patch(f"/companies/{acme.pk}", {"version": 2, "legal_name": "Acme Limited"})
        assert again.status_code == 403
    assert Company.objects.get(pk=acme.pk).legal_name == "Acme Ltd"


def test_a_disabled_absent_user_lends_nothing(api, alice, carol, acme):
    delegation_create(absent_user=alice, deputy=carol, starts_on=day(10), ends_on=day(20), actor=alice)
    alice.is_active = False
    alice.save(update_fields=["is_active"])
    with time_machine.travel(at_noon(12), tick=False):
        assert api(carol).get(f"/companies/{acme.pk}").status_code == 404


def test_a_delete_made_with_a_lent_permission_is_recorded_on_behalf_of_the_lender(
    api, alice, mike, sam, acme
):
    delegation_create(absent_user=mike, deputy=sam, starts_on=day(10), ends_on=day(20), actor=mike)
    with time_machine.travel(at_noon(12), tick=False):
        response = api(sam).delete(f"/companies/{acme.pk}")
    assert response.status_code == 204
    entry = AuditEntry.objects.get(
        object_id=acme.pk, content_type__model="company", action=AuditAction.DELETE
    )
    assert (entry.actor, entry.on_behalf_of) == (sam, mike)


def test_an_administrator_acting_as_deputy_works_by_their_own_right(api, alice, root, acme):
    delegation_create(absent_user=alice, deputy=root, starts_on=day(10), ends_on=day(20), actor=alice)
    with time_machine.travel(at_noon(12), tick=False):
        assert api(root).patch(f"/companies/{acme.pk}", {"version": 1, "tax_id": "PL1"}).status_code == 200
    entry = AuditEntry.objects.filter(object_id=acme.pk, content_type__model="company").first()
    assert (entry.actor, entry.on_behalf_of) == (root, None)
