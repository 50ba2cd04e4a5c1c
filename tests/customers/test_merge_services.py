"""Merging two companies or two contacts into one: values chosen, related records moved, audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError

from klient.core.exceptions import NotAllowed, VersionConflict
from klient.core.models import Attachment, AuditEntry, Note, Role, Tag
from klient.customers.models import AccountTeamMember, Company, Contact
from klient.customers.services import (
    account_team_add,
    company_create,
    company_merge,
    contact_create,
    contact_merge,
    contact_search_text,
)


def _note(target: Any, company: Company, text: str) -> Note:
    return Note.objects.create(
        target_type=ContentType.objects.get_for_model(target),
        target_id=target.pk,
        company_id=company.pk,
        text=text,
    )


def _entries(instance: Any, pk: int | None = None) -> list[tuple[str, dict[str, Any]]]:
    return [
        (entry.action, entry.changes)
        for entry in AuditEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(type(instance)), object_id=pk or instance.pk
        ).order_by("id")
    ]


def state() -> dict[str, Any]:
    """Everything a merge may touch."""
    return {
        "companies": list(Company.objects.order_by("pk").values()),
        "contacts": list(Contact.objects.order_by("pk").values()),
        "team": list(AccountTeamMember.objects.order_by("pk").values()),
        "notes": list(Note.objects.order_by("pk").values()),
        "files": list(Attachment.objects.order_by("pk").values()),
        "tags": list(Company.tags.through.objects.order_by("pk").values()),
        "audit": AuditEntry.objects.count(),
    }


@pytest.fixture
def pair(alice, bob, tom, mike):
    """alice's "Acme" and bob's "ACME sp. z o.o." (same tax id), each with records hanging from it."""
    keep = company_create(actor=alice, name="Acme", country="PL", tax_id="PL 123-456-32-18")
    drop = company_create(
        actor=bob,
        name="ACME sp. z o.o.",
        country="PL",
        tax_id="1234563218",
        city="Warszawa",
        phone="22 123 45 67",
        website="https://www.acme.pl",
        industry="Tools",
    )
    vip, fair = (
        Tag.objects.create(name="VIP", key="vip"),
        Tag.objects.create(name="Fair 2025", key="fair 2025"),
    )
    keep.tags.add(vip)
    drop.tags.add(vip, fair)
    account_team_add(company=keep, user=tom, role="", actor=alice)
    account_team_add(company=drop, user=tom, role="caller", actor=bob)
    account_team_add(company=drop, user=alice, role="backup", actor=bob)
    account_team_add(company=drop, user=mike, role="sponsor", actor=bob)
    ana = contact_create(actor=bob, company=drop, first_name="Ana", last_name="Novak")
    contact_create(actor=bob, company=drop, first_name="Jan", last_name="Kowalski")
    contact_create(actor=alice, company=keep, first_name="Eva", last_name="Lis")
    branch = company_create(actor=bob, name="Acme Kraków", country="PL", parent=drop)
    _note(drop, drop, "Met at the fair")
    _note(ana, drop, "Prefers mornings")
    _note(keep, keep, "Called")
    Attachment.objects.create(
        target_type=ContentType.objects.get_for_model(Company),
        target_id=drop.pk,
        company_id=drop.pk,
        file="attachments/offer.pdf",
        name="offer.pdf",
    )
    return {"keep": keep, "drop": drop, "ana": ana, "branch": branch, "vip": vip, "fair": fair}


def test_it_moves_every_related_record_to_the_kept_company(pair, mike, tom):
    keep, drop = pair["keep"], pair["drop"]
    drop_pk = drop.pk

    merged = company_merge(keep=keep, drop=drop, actor=mike)

    assert not Company.objects.filter(pk=drop_pk).exists()
    merged.refresh_from_db()
    assert (merged.name, merged.tax_id, merged.city, merged.phone, merged.phone_e164, merged.website) == (
        "Acme",
        "PL 123-456-32-18",
        "Warszawa",
        "22 123 45 67",
        "+48221234567",
        "https://www.acme.pl",
    )
    assert (merged.version, merged.website_domain, merged.industry) == (2, "acme.pl", "Tools")
    assert {"acme", "warszawa", "48221234567"} <= set(merged.search_text.split())
    contacts = Contact.objects.filter(company=merged).order_by("last_name")
    assert [(c.last_name, c.version) for c in contacts] == [("Kowalski", 2), ("Lis", 1), ("Novak", 2)]
    # tom was on both teams: once, with drop's role since keep's had none; alice owns the merged company.
    assert list(
        AccountTeamMember.objects.filter(company=merged)
        .order_by("user__username")
        .values_list("user__username", "role")
    ) == [("mike", "sponsor"), ("tom", "caller")]
    assert AccountTeamMember.objects.count() == 2
    notes = Note.objects.filter(company_id=merged.pk).order_by("text")
    assert [(n.text, n.target_id) for n in notes] == [
        ("Called", merged.pk),
        ("Met at the fair", merged.pk),
        ("Prefers mornings", pair["ana"].pk),
    ]
    assert list(Attachment.objects.values_list("target_id", "company_id")) == [(merged.pk, merged.pk)]
    assert Company.objects.get(pk=pair["branch"].pk).parent_id == merged.pk
    assert set(merged.tags.values_list("name", flat=True)) == {"VIP", "Fair 2025"}
    assert Company.tags.through.objects.count() == 2


def test_the_merge_is_audited_on_both_companies(pair, mike):
    keep, drop = pair["keep"], pair["drop"]
    drop_pk = drop.pk

    company_merge(keep=keep, drop=drop, actor=mike, values={"industry": "keep", "website": "keep"})

    action, changes = _entries(keep)[-1]
    assert action == "update"
    assert changes == {
        "city": {"from": "", "to": "Warszawa", "from_label": "", "to_label": "Warszawa"},
        "phone": {"from": "", "to": "22 123 45 67", "from_label": "", "to_label": "22 123 45 67"},
        "account_team": {
            "from": "tom",
            "to": "mike (sponsor), tom (caller)",
            "from_label": "tom",
            "to_label": "mike (sponsor), tom (caller)",
        },
        "merged_from": {
            "from": None,
            "to": drop_pk,
            "from_label": None,
            "to_label": f"ACME sp. z o.o. (#{drop_pk})",
        },
    }
    action, changes = _entries(drop, drop_pk)[-1]
    assert action == "delete"
    assert changes["merged_into"] == {
        "from": None,
        "to": keep.pk,
        "from_label": None,
        "to_label": f"Acme (#{keep.pk})",
    }
    assert changes["name"] == {
        "from": "ACME sp. z o.o.",
        "to": None,
        "from_label": "ACME sp. z o.o.",
        "to_label": None,
    }
    assert AuditEntry.objects.filter(actor=mike).count() == 2


def test_the_dropped_company_history_moves_to_the_kept_card_unchanged(pair, mike):
    keep, drop, branch = pair["keep"], pair["drop"], pair["branch"]
    drop_pk = drop.pk
    content = ["id", "content_type_id", "object_id", "object_repr", "action", "actor_id", "at", "changes"]
    before = {row["id"]: row for row in AuditEntry.objects.values(*content, "company_id")}
    on_drop = {pk for pk, row in before.items() if row["company_id"] == drop_pk}
    on_keep = {pk for pk, row in before.items() if row["company_id"] == keep.pk}
    assert len(on_drop) == 6  # drop's creation, three team changes, Ana's and Jan's creation

    company_merge(keep=keep, drop=drop, actor=mike)

    after = {row["id"]: row for row in AuditEntry.objects.values(*content, "company_id")}
    new = sorted(set(after) - set(before))
    assert [(after[pk]["object_id"], after[pk]["action"], after[pk]["company_id"]) for pk in new] == [
        (keep.pk, "update", keep.pk),
        (drop_pk, "delete", keep.pk),
    ]
    assert {pk for pk in before if after[pk]["company_id"] == keep.pk} == on_drop | on_keep
    assert AuditEntry.objects.filter(company_id=drop_pk).count() == 0
    assert AuditEntry.objects.filter(company_id=branch.pk).count() == 1
    # Only the card moved: what each entry says is as it was written.
    assert all(
        {name: after[pk][name] for name in content} == {name: before[pk][name] for name in content}
        for pk in before
    )


def test_chosen_values_come_from_the_dropped_company(pair, mike, bob):
    keep, drop = pair["keep"], pair["drop"]

    merged = company_merge(
        keep=keep, drop=drop, actor=mike, values={"name": "drop", "owner": "drop", "city": "keep"}
    )

    merged.refresh_from_db()
    assert (merged.name, merged.name_key, merged.owner, merged.city) == ("ACME sp. z o.o.", "acme", bob, "")


def test_the_owner_chosen_leaves_the_account_team(pair, mike, tom):
    keep, drop = pair["keep"], pair["drop"]
    drop.owner = tom
    drop.save(update_fields=["owner"])

    merged = company_merge(keep=keep, drop=drop, actor=mike, values={"owner": "drop"})

    assert merged.owner == tom
    assert list(
        AccountTeamMember.objects.filter(company=merged)
        .order_by("user__username")
        .values_list("user__username", flat=True)
    ) == ["alice", "mike"]


def test_a_dropped_parent_is_not_the_kept_company_own_parent(alice, mike):
    parent = company_create(actor=alice, name="Acme Holding")
    child = company_create(actor=alice, name="Acme Holding", parent=parent)

    merged = company_merge(keep=child, drop=parent, actor=mike)

    merged.refresh_from_db()
    assert merged.parent_id is None


@pytest.mark.parametrize(
    ("actor_name", "error"),
    [("alice", NotAllowed), ("sam", NotAllowed), ("sue", Company.DoesNotExist)],
    ids=["account-manager-may-not-delete", "service-agent", "manager-of-another-team"],
)
def test_a_refused_merge_changes_nothing(pair, actor_name, error, make_user, south, sam):
    actors = {"alice": pair["keep"].owner, "sam": sam, "sue": make_user("sue", Role.SALES_MANAGER, south)}
    before = state()
    with pytest.raises(error):
        company_merge(keep=pair["keep"], drop=pair["drop"], actor=actors[actor_name])
    assert state() == before


def test_a_stale_version_is_refused_and_changes_nothing(pair, mike):
    before = state()
    with pytest.raises(VersionConflict) as caught:
        company_merge(keep=pair["keep"], drop=pair["drop"], actor=mike, keep_version=1, drop_version=7)
    assert caught.value.current_version == 1
    with pytest.raises(VersionConflict):
        pair["keep"].version = 3
        company_merge(keep=pair["keep"], drop=pair["drop"], actor=mike)
    assert state() == before


def test_a_company_cannot_be_merged_with_itself(pair, mike):
    before = state()
    with pytest.raises(ValidationError) as caught:
        company_merge(keep=pair["keep"], drop=pair["keep"], actor=mike)
    assert caught.value.message_dict == {"drop": ["A record cannot be merged with itself."]}
    assert state() == before


def test_an_unknown_choice_is_refused(pair, mike):
    before = state()
    with pytest.raises(ValidationError) as caught:
        company_merge(
            keep=pair["keep"], drop=pair["drop"], actor=mike, values={"city": "both", "version": "drop"}
        )
    assert caught.value.message_dict == {
        "city": ["Choose “keep” or “drop”."],
        "version": ["This field cannot be chosen."],
    }
    assert state() == before


@pytest.fixture
def people(alice):
    acme = company_create(actor=alice, name="Acme", country="PL")
    other = company_create(actor=alice, name="Beta", country="PL")
    keep = contact_create(
        actor=alice,
        company=acme,
        first_name="Ana",
        last_name="Novak",
        email="ana@acme.pl",
        mobile="600 100 200",
        other_emails=["a@acme.pl"],
    )
    drop = contact_create(
        actor=alice,
        company=other,
        first_name="Ana",
        last_name="Novak",
        email="anna.novak@example.com",
        phone="22 100 20 30",
        mobile="+48600100200",
        other_phones=["+48 601 000 000"],
        position="Buyer",
    )
    later = contact_create(actor=alice, company=other, first_name="Ana", last_name="Novak-Lis", previous=drop)
    _note(drop, other, "Asked for a demo")
    return {"acme": acme, "other": other, "keep": keep, "drop": drop, "later": later}


def test_contacts_merge_into_one_person_losing_no_email_or_phone(people, alice):
    keep, drop = people["keep"], people["drop"]
    drop_pk = drop.pk

    merged = contact_merge(keep=keep, drop=drop, actor=alice)

    merged.refresh_from_db()
    assert not Contact.objects.filter(pk=drop_pk).exists()
    assert (merged.email, merged.phone, merged.mobile, merged.position, merged.company) == (
        "ana@acme.pl",
        "22 100 20 30",
        "600 100 200",
        "Buyer",
        people["acme"],
    )
    assert merged.other_emails == ["a@acme.pl", "anna.novak@example.com"]
    assert merged.other_phones == [{"value": "+48 601 000 000", "e164": "+48601000000"}]
    assert merged.search_text == contact_search_text(merged)
    assert "anna" in merged.search_text.split()
    assert merged.version == 2
    assert Contact.objects.get(pk=people["later"].pk).previous_id == merged.pk
    assert list(Note.objects.values_list("target_id", "company_id")) == [(merged.pk, people["acme"].pk)]
    action, changes = _entries(merged)[-1]
    assert action == "update"
    assert set(changes) == {"phone", "position", "other_emails", "other_phones", "merged_from"}
    assert changes["merged_from"]["to_label"] == f"Ana Novak (#{drop_pk})"
    assert _entries(drop, drop_pk)[-1][0] == "delete"


def test_a_contact_merge_may_take_the_other_company(people, alice):
    merged = contact_merge(
        keep=people["keep"], drop=people["drop"], actor=alice, values={"company": "drop", "email": "drop"}
    )
    merged.refresh_from_db()
    assert (merged.company, merged.email, merged.other_emails) == (
        people["other"],
        "anna.novak@example.com",
        ["a@acme.pl", "ana@acme.pl"],
    )
    assert list(Note.objects.values_list("target_id", "company_id")) == [(merged.pk, people["other"].pk)]


def test_a_refused_contact_merge_changes_nothing(people, sam, carol, alice):
    before = state()
    with pytest.raises(NotAllowed):
        contact_merge(keep=people["keep"], drop=people["drop"], actor=sam)
    with pytest.raises(Contact.DoesNotExist):
        contact_merge(keep=people["keep"], drop=people["drop"], actor=carol)
    with pytest.raises(VersionConflict):
        contact_merge(keep=people["keep"], drop=people["drop"], actor=alice, drop_version=2)
    with pytest.raises(ValidationError):
        contact_merge(keep=people["keep"], drop=people["keep"], actor=alice)
    assert state() == before


def test_the_generic_move_keeps_unique_rows_unique(alice, bob, tom):
    # What a later app's model with a unique (company, …) constraint gets without code of its own.
    from klient.customers.services import _merge_move_rows

    keep = company_create(actor=alice, name="Keep")
    drop = company_create(actor=alice, name="Drop")
    AccountTeamMember.objects.create(company=keep, user=tom, role="kept")
    AccountTeamMember.objects.create(company=drop, user=tom, role="dropped")
    AccountTeamMember.objects.create(company=drop, user=bob, role="moved")

    assert _merge_move_rows(AccountTeamMember, "company", keep=keep, drop=drop) == 1

    assert sorted(AccountTeamMember.objects.values_list("company__name", "user__username", "role")) == [
        ("Keep", "bob", "moved"),
        ("Keep", "tom", "kept"),
    ]
