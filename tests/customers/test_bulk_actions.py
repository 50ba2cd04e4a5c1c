"""Bulk actions on the company list: exact changes, one audit entry per company, refused rows named and
left untouched, a constant number of queries, and the page's bulk form."""

import datetime
from urllib.parse import parse_qsl, urlsplit

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from klient.core.exceptions import NotAllowed
from klient.core.models import AuditAction, AuditEntry, Tag, User
from klient.core.services import delegation_create
from klient.customers.models import Company
from klient.customers.services import company_bulk_update, company_create, company_set_tags

pytestmark = pytest.mark.django_db

NOON = datetime.datetime(2026, 3, 2, 12, 0, tzinfo=datetime.UTC)


def state():
    """Everything a bulk action may change."""
    return {
        "companies": list(
            Company.objects.order_by("pk").values_list(
                "pk", "owner_id", "team_id", "status", "status_reason", "version", "updated_at"
            )
        ),
        "tags": sorted(Company.tags.through.objects.values_list("company_id", "tag__name")),
        "tag_names": sorted(Tag.objects.values_list("name", flat=True)),
        "audit": AuditEntry.objects.count(),
    }


def entries_since(count: int) -> list[AuditEntry]:
    return list(AuditEntry.objects.order_by("id")[count:])


def change(before, after, before_label=None, after_label=None) -> dict:
    return {"from": before, "to": after, "from_label": before_label, "to_label": after_label}


@pytest.fixture
def book(alice, bob, carol):
    """Alice's two companies, bob's one (same team) and carol's one (South)."""
    return {
        "acme": company_create(actor=alice, name="Acme"),
        "beta": company_create(actor=alice, name="Beta", status="customer"),
        "bobs": company_create(actor=bob, name="Bobs"),
        "south": company_create(actor=carol, name="Carolco"),
    }


def test_assigning_an_owner_moves_the_team_with_it_and_audits_each_company(alice, carol, south, book):
    audit = AuditEntry.objects.count()
    with time_machine.travel(NOON, tick=False):
        result = company_bulk_update(companies=[book["acme"], book["beta"]], actor=alice, owner=carol)
    assert (result.changed, result.unchanged, result.refused) == ([book["acme"].pk, book["beta"].pk], [], {})
    assert list(
        Company.objects.filter(name__in=["Acme", "Beta"]).values_list(
            "owner_id", "team_id", "version", "updated_at"
        )
    ) == [
        (carol.pk, south.pk, 2, NOON),
        (carol.pk, south.pk, 2, NOON),
    ]
    entries = entries_since(audit)
    assert [(e.object_id, e.action, e.actor_id, e.on_behalf_of_id, e.at, e.object_repr) for e in entries] == [
        (book["acme"].pk, AuditAction.UPDATE, alice.pk, None, NOON, "Acme"),
        (book["beta"].pk, AuditAction.UPDATE, alice.pk, None, NOON, "Beta"),
    ]
    assert entries[0].changes == {
        "owner": change(alice.pk, carol.pk, "Alice Archer", "Carol Carter"),
        "team": change(alice.team_id, south.pk, "North", "South"),
    }


def test_companies_the_actor_cannot_see_are_refused_and_untouched(alice, bob, book):
    before = state()
    result = company_bulk_update(
        companies=[book["bobs"].pk, book["south"].pk, 999_999], actor=alice, status="customer"
    )
    reason = "Not found, or you may not see it."
    assert (result.changed, result.unchanged) == ([], [])
    assert result.refused == {book["bobs"].pk: reason, book["south"].pk: reason, 999_999: reason}
    assert state() == before


def test_a_new_tag_is_not_created_when_every_company_is_refused(alice, book):
    before = state()
    result = company_bulk_update(companies=[book["south"]], actor=alice, add_tags=["Brand new"])
    assert list(result.refused) == [book["south"].pk]
    assert state() == before


def test_a_company_changed_since_the_list_was_shown_is_refused_and_the_rest_go_through(alice, book):
    company_set_tags(company=book["beta"], names=["Old"], actor=alice)  # beta is now at version 2
    before = state()
    result = company_bulk_update(
        companies=[book["acme"], book["beta"]],
        actor=alice,
        versions={book["acme"].pk: 1, book["beta"].pk: 1},
        add_tags=["VIP"],
    )
    assert result.changed == [book["acme"].pk]
    assert result.refused == {
        book["beta"].pk: "Someone else changed it since the list was shown; look at it again."
    }
    after = state()
    assert after["tags"] == [(book["acme"].pk, "VIP"), (book["beta"].pk, "Old")]
    assert [row for row in after["companies"] if row[0] == book["beta"].pk] == [
        row for row in before["companies"] if row[0] == book["beta"].pk
    ]


def test_adding_and_removing_tags(alice, book):
    company_set_tags(company=book["beta"], names=["VIP"], actor=alice)
    audit = AuditEntry.objects.count()
    added = company_bulk_update(
        companies=[book["acme"], book["beta"]], actor=alice, add_tags=["vip", "Expo 2026"]
    )
    assert (added.changed, added.unchanged) == ([book["acme"].pk, book["beta"].pk], [])
    assert sorted(Company.tags.through.objects.values_list("company__name", "tag__name")) == [
        ("Acme", "Expo 2026"),
        ("Acme", "VIP"),
        ("Beta", "Expo 2026"),
        ("Beta", "VIP"),
    ]
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["Expo 2026", "VIP"]  # "vip" is VIP
    assert [e.changes for e in entries_since(audit)] == [
        {"tags": change([], ["Expo 2026", "VIP"], None, "Expo 2026, VIP")},
        {"tags": change(["VIP"], ["Expo 2026", "VIP"], "VIP", "Expo 2026, VIP")},
    ]
    removed = company_bulk_update(
        companies=[book["acme"], book["beta"]], actor=alice, remove_tags=["VIP", "Nope"]
    )
    assert removed.changed == [book["acme"].pk, book["beta"].pk]
    assert sorted(Company.tags.through.objects.values_list("company__name", "tag__name")) == [
        ("Acme", "Expo 2026"),
        ("Beta", "Expo 2026"),
    ]
    assert list(Company.objects.filter(name__in=["Acme", "Beta"]).values_list("version", flat=True)) == [3, 4]


def test_rows_already_as_asked_are_reported_unchanged_without_an_audit_entry(alice, book):
    audit = AuditEntry.objects.count()
    result = company_bulk_update(companies=[book["acme"], book["beta"]], actor=alice, status="customer")
    assert (result.changed, result.unchanged) == ([book["acme"].pk], [book["beta"].pk])
    assert [e.object_id for e in entries_since(audit)] == [book["acme"].pk]
    assert Company.objects.get(pk=book["beta"].pk).version == 1


def test_lost_and_inactive_need_a_reason(alice, book):
    before = state()
    with pytest.raises(ValidationError) as refused:
        company_bulk_update(companies=[book["acme"]], actor=alice, status="lost", status_reason="  ")
    assert refused.value.message_dict == {"status_reason": ["Say why the companies are lost or inactive."]}
    assert state() == before
    result = company_bulk_update(
        companies=[book["acme"]], actor=alice, status="lost", status_reason="Went bust"
    )
    assert result.changed == [book["acme"].pk]
    assert Company.objects.values_list("status", "status_reason").get(pk=book["acme"].pk) == (
        "lost",
        "Went bust",
    )
    company_bulk_update(companies=[book["acme"]], actor=alice, status="prospect", status_reason="ignored")
    assert Company.objects.values_list("status", "status_reason").get(pk=book["acme"].pk) == ("prospect", "")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"status": "bogus"}, "status"),
        ({"owner": None}, "owner"),
        ({"name": "Renamed"}, "name"),
        ({"status_reason": "why"}, "status_reason"),
    ],
)
def test_bad_changes_are_refused_whole(alice, book, changes, field):
    before = state()
    with pytest.raises(ValidationError) as refused:
        company_bulk_update(companies=[book["acme"]], actor=alice, **changes)
    assert list(refused.value.message_dict) == [field]
    assert state() == before


def test_portal_users_cannot_own_companies(alice, paula, book):
    before = state()
    with pytest.raises(ValidationError):
        company_bulk_update(companies=[book["acme"]], actor=alice, owner=paula)
    assert state() == before


def test_without_the_change_permission_nothing_changes(sam, rita, alice, book):
    before = state()
    for user in (sam, rita):
        with pytest.raises(NotAllowed):
            company_bulk_update(companies=[book["acme"]], actor=user, status="customer")
    assert state() == before


def test_a_deputy_changes_on_behalf_of_the_absent_owner(alice, carol, book):
    delegation_create(
        absent_user=alice,
        deputy=carol,
        starts_on=datetime.date(2026, 3, 1),
        ends_on=datetime.date(2026, 3, 31),
        actor=alice,
    )
    audit = AuditEntry.objects.count()
    with time_machine.travel(NOON, tick=False):
        deputy = User.objects.get(pk=carol.pk)
        result = company_bulk_update(companies=[book["acme"], book["south"]], actor=deputy, status="customer")
    assert result.changed == [book["acme"].pk, book["south"].pk]
    assert [(e.object_id, e.actor_id, e.on_behalf_of_id) for e in entries_since(audit)] == [
        (book["acme"].pk, carol.pk, alice.pk),
        (book["south"].pk, carol.pk, None),
    ]


def test_the_service_runs_the_same_number_of_queries_for_5_and_for_50_companies(alice, bob):
    Company.objects.bulk_create(
        Company(name=f"C{index:02}", owner=alice, team=alice.team) for index in range(55)
    )
    ids = list(Company.objects.order_by("pk").values_list("pk", flat=True))
    Tag.objects.create(name="VIP", key="vip")

    def count(selection):
        with CaptureQueriesContext(connection) as captured:
            result = company_bulk_update(companies=selection, actor=alice, owner=bob, add_tags=["VIP"])
        assert len(result.changed) == len(selection)
        return len(captured)

    company_bulk_update(companies=ids[:1], actor=alice, status="customer")  # warm per-process caches
    assert count(ids[:5]) == count(ids[5:55])


# ------------------------------------------------------------------------------------------------------
# The page's bulk form.


def _ticked(*companies) -> list[str]:
    return [f"{c.pk}:{c.version}" for c in companies]


def test_the_page_ticks_rows_with_their_version(login, alice, book):
    body = login(alice).get("/companies/").content.decode()
    assert f'name="selected" value="{book["acme"].pk}:1"' in body
    assert 'name="action" value="assign_owner"' in body


def test_the_form_assigns_an_owner_and_returns_to_the_same_filters(login, alice, bob, book):
    response = login(alice).post(
        "/companies/bulk/",
        {
            "selected": _ticked(book["acme"], book["beta"]),
            "action": "assign_owner",
            "owner": bob.pk,
            "back": "status=customer&status=prospect&q=&cursor=xyz",
        },
        follow=True,
    )
    assert response.redirect_chain == [("/companies/?status=customer&status=prospect&sort=name", 302)]
    assert "2 companies changed." in response.content.decode()
    assert list(Company.objects.filter(owner=bob).order_by("name").values_list("name", flat=True)) == [
        "Acme",
        "Beta",
        "Bobs",
    ]


def test_the_form_names_each_refused_company_it_may_show(login, alice, book):
    company_set_tags(company=book["beta"], names=["Old"], actor=alice)  # beta moved to version 2
    before = state()
    response = login(alice).post(
        "/companies/bulk/",
        {
            "selected": [*_ticked(book["acme"]), f"{book['beta'].pk}:1", f"{book['south'].pk}:1"],
            "action": "change_status",
            "status": "lost",
            "status_reason": "Went bust",
        },
        follow=True,
    )
    body = response.content.decode()
    assert "1 company changed." in body
    assert "Beta was not changed: Someone else changed it since the list was shown; look at it again." in body
    assert f"Company #{book['south'].pk} was not changed: Not found, or you may not see it." in body
    assert "Carolco" not in body
    after = state()
    assert [(pk, status) for pk, _o, _t, status, *_rest in after["companies"]] == [
        (book["acme"].pk, "lost"),
        (book["beta"].pk, "customer"),
        (book["bobs"].pk, "prospect"),
        (book["south"].pk, "prospect"),
    ]
    assert after["audit"] == before["audit"] + 1


def test_a_status_without_its_reason_is_refused_with_a_message(login, alice, book):
    before = state()
    response = login(alice).post(
        "/companies/bulk/",
        {"selected": _ticked(book["acme"]), "action": "change_status", "status": "inactive"},
        follow=True,
    )
    assert "Say why the companies are lost or inactive." in response.content.decode()
    assert state() == before


def test_nothing_ticked_or_no_action(login, alice, book):
    client = login(alice)
    before = state()
    body = client.post("/companies/bulk/", {"action": "add_tag", "tag": "X"}, follow=True).content.decode()
    assert "Tick the companies to change first." in body
    body = client.post(
        "/companies/bulk/", {"selected": _ticked(book["acme"]), "action": "nuke"}, follow=True
    ).content.decode()
    assert "Choose an action." in body
    assert state() == before


def test_export_sends_the_ticked_companies_to_the_exporter(login, alice, book):
    response = login(alice).post(
        "/companies/bulk/",
        {"selected": _ticked(book["beta"], book["acme"]), "action": "export", "back": "sort=-name"},
    )
    url = urlsplit(response["Location"])
    assert url.path == "/companies/export.csv"
    assert parse_qsl(url.query) == [
        ("ids", str(book["beta"].pk)),
        ("ids", str(book["acme"].pk)),
        ("sort", "-name"),
    ]


def test_a_reader_may_export_but_not_change(login, sam, book):
    client = login(sam)
    before = state()
    assert (
        client.post("/companies/bulk/", {"selected": _ticked(book["acme"]), "action": "export"}).status_code
        == 302
    )
    response = client.post(
        "/companies/bulk/",
        {"selected": _ticked(book["acme"]), "action": "change_status", "status": "customer"},
    )
    assert response.status_code == 403
    assert state() == before
