"""The client card's timeline: sources merged newest first by keyset pages, exact order across kinds and
ties, a constant number of queries per page, and room for later apps' sources."""

import datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from klient.core.models import AuditEntry, Note
from klient.core.pagination import InvalidCursor, encode_cursor
from klient.core.services import attachment_add, note_add
from klient.customers import timeline as timeline_module
from klient.customers.models import Company, Contact
from klient.customers.services import (
    company_create,
    company_merge,
    company_update,
    contact_create,
    contact_delete,
    contact_move,
    contact_update,
)
from klient.customers.timeline import register_timeline_source, timeline_page, timeline_sources

pytestmark = pytest.mark.django_db

T1 = datetime.datetime(2026, 1, 5, 10, 0, tzinfo=datetime.UTC)
T2 = T1 + datetime.timedelta(minutes=1)
T3 = T1 + datetime.timedelta(minutes=2)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def audit_id(model, object_id, index=0):
    return (
        AuditEntry.objects.filter(content_type__model=model._meta.model_name, object_id=object_id)
        .order_by("id")
        .values_list("id", flat=True)[index]
    )


@pytest.fixture
def history(alice):
    """A company whose entries share times across kinds and within a kind; the expected order."""
    with time_machine.travel(T1, tick=False):
        company = company_create(actor=alice, name="Acme")
        person = contact_create(actor=alice, company=company, first_name="Jan", last_name="Nowak")
        n1 = note_add(target=company, company=company, text="n1", actor=alice)
    with time_machine.travel(T2, tick=False):
        n2 = note_add(target=person, company=company, text="n2", actor=alice)
        n3 = note_add(target=company, company=company, text="n3", actor=alice)
        f1 = attachment_add(
            target=company, company=company, upload=SimpleUploadedFile("a.txt", b"abc"), actor=alice
        )
        company_update(company=company, actor=alice, version=1, tax_id="PL1")
        contact_update(contact=person, actor=alice, version=1, position="CEO")
    with time_machine.travel(T3, tick=False):
        n4 = note_add(target=company, company=company, text="n4", actor=alice)
    expected = [
        ("note", n4.pk),
        # T2: kinds descending (note, file, contact_change, change), ids descending within a kind.
        ("note", n3.pk),
        ("note", n2.pk),
        ("file", f1.pk),
        ("contact_change", audit_id(Contact, person.pk, 1)),
        ("change", audit_id(Company, company.pk, 1)),
        # T1
        ("note", n1.pk),
        ("contact_change", audit_id(Contact, person.pk, 0)),
        ("change", audit_id(Company, company.pk, 0)),
    ]
    return company, expected


def walk(company, viewer, limit):
    pages, cursor = [], None
    while True:
        page = timeline_page(company=company, viewer=viewer, cursor=cursor, limit=limit)
        pages.append([(entry.kind, entry.id) for entry in page.entries])
        cursor = page.next_cursor
        if cursor is None:
            return pages


@pytest.mark.parametrize("limit", [1, 2, 3, 4, 9, 20])
def test_keyset_pages_give_every_entry_once_in_exact_order(alice, history, limit):
    company, expected = history
    pages = walk(company, alice, limit)
    assert [entry for page in pages for entry in page] == expected
    assert [len(page) for page in pages] == [
        min(limit, len(expected) - start) for start in range(0, len(expected), limit)
    ]


def test_entries_carry_their_time_and_what_they_show(alice, history):
    company, _expected = history
    entries = timeline_page(company=company, viewer=alice, limit=4).entries
    assert [entry.at for entry in entries] == [T3, T2, T2, T2]
    assert [entry.item.text for entry in entries[:3]] == ["n4", "n3", "n2"]
    # A note on a contact names the contact, fetched with the note.
    assert (entries[2].item.contact_first_name, entries[2].item.contact_last_name) == ("Jan", "Nowak")
    assert entries[1].item.contact_id is None
    assert entries[3].item.name == "a.txt"


def test_a_page_costs_one_query_per_source_and_one_per_kind_shown(alice, history):
    company, _expected = history
    alice.has_perm("customers.view_commercial_terms")  # the permission cache is per request anyway
    first = timeline_page(company=company, viewer=alice, limit=4)
    with CaptureQueriesContext(connection) as queries:
        page = timeline_page(company=company, viewer=alice, cursor=first.next_cursor, limit=4)
    kinds = {entry.kind for entry in page.entries}
    assert kinds == {"note", "contact_change", "change"}
    assert len(queries) == len(timeline_sources()) + len(kinds)


def test_the_cost_of_a_page_does_not_grow_with_the_timeline(alice):
    small = company_create(actor=alice, name="Small")
    large = company_create(actor=alice, name="Large")
    for company, count in ((small, 3), (large, 300)):
        Note.objects.bulk_create(
            Note(target_type_id=1, target_id=company.pk, company_id=company.pk, text=str(i), author=alice)
            for i in range(count)
        )
    alice.has_perm("customers.view_commercial_terms")
    counts = []
    for company in (small, large):
        with CaptureQueriesContext(connection) as queries:
            timeline_page(company=company, viewer=alice, limit=2)
        counts.append(len(queries))
    assert counts == [len(timeline_sources()) + 1] * 2


def test_a_foreign_cursor_is_refused(alice, history, login):
    company, _expected = history
    for cursor in ("garbage", encode_cursor(["yesterday", "note", 1]), encode_cursor([T1.isoformat(), 5, 1])):
        with pytest.raises(InvalidCursor):
            timeline_page(company=company, viewer=alice, cursor=cursor)
        assert login(alice).get(f"/companies/{company.pk}/timeline/", {"cursor": cursor}).status_code == 404


def test_older_entries_come_as_rows_for_htmx_and_as_a_page_otherwise(alice, login):
    company = company_create(actor=alice, name="Acme")
    for index in range(25):
        note_add(target=company, company=company, text=f"note {index}", actor=alice)
    client = login(alice)
    card = client.get(f"/companies/{company.pk}/").content.decode()
    assert card.count('data-kind="note"') == 20
    cursor = timeline_page(company=company, viewer=alice).next_cursor
    assert f'hx-get="/companies/{company.pk}/timeline/?cursor={cursor}"' in card

    rows = client.get(
        f"/companies/{company.pk}/timeline/", {"cursor": cursor}, headers={"HX-Request": "true"}
    )
    body = rows.content.decode()
    assert "<html" not in body
    assert body.count('data-kind="note"') == 5
    assert body.count('data-kind="change"') == 1
    assert "data-timeline-more" not in body  # the last page

    page = client.get(f"/companies/{company.pk}/timeline/", {"cursor": cursor}).content.decode()
    assert "<html" in page and page.count('data-kind="note"') == 5


def test_commercial_changes_stay_off_the_timeline_without_the_permission(alice, sam):
    company = company_create(actor=alice, name="Acme", payment_terms_days=30, tax_id="PL9")
    shown = {
        user.username: [
            label
            for entry in timeline_page(company=company, viewer=user).entries
            for label, *_ in entry.item.rows
        ]
        for user in (alice, sam)
    }
    assert shown == {
        "alice": ["Name", "Tax id", "Status", "Owner", "Team", "Payment terms (days)"],
        "sam": ["Name", "Tax id", "Status", "Owner", "Team"],
    }


@pytest.fixture
def reminders():
    """A later app's source: notes starting with "!" are reminders too."""
    register_timeline_source(
        "reminder",
        rows=lambda company_id: Note.objects.filter(company_id=company_id, text__startswith="!"),
        at_field="created_at",
        fetch=lambda ids, viewer: Note.objects.filter(pk__in=ids),
        template="customers/card_timeline_note.html",
    )
    yield
    del timeline_module._SOURCES["reminder"]


def test_a_registered_source_joins_the_timeline(alice, reminders):
    with time_machine.travel(T1, tick=False):
        company = company_create(actor=alice, name="Acme")
    with time_machine.travel(T2, tick=False):
        note = note_add(target=company, company=company, text="!call back", actor=alice)
    entries = timeline_page(company=company, viewer=alice).entries
    assert [(entry.kind, entry.id) for entry in entries] == [
        ("reminder", note.pk),
        ("note", note.pk),
        ("change", audit_id(Company, company.pk)),
    ]


def test_a_source_behind_a_permission_is_left_out_for_others(alice, sam):
    register_timeline_source(
        "secret",
        rows=lambda company_id: Note.objects.filter(company_id=company_id),
        at_field="created_at",
        fetch=lambda ids, viewer: Note.objects.filter(pk__in=ids),
        template="customers/card_timeline_note.html",
        permission="customers.view_commercial_terms",
    )
    try:
        company = company_create(actor=alice, name="Acme")
        note_add(target=company, company=company, text="x", actor=alice)
        kinds = {
            user.username: sorted(
                {entry.kind for entry in timeline_page(company=company, viewer=user).entries}
            )
            for user in (alice, sam)
        }
    finally:
        del timeline_module._SOURCES["secret"]
    assert kinds == {"alice": ["change", "note", "secret"], "sam": ["change", "note"]}


# ----------------------------------------------------------------------------------------------------------
# History of people who are gone: deleted and moved-away contacts stay on the card.

T4 = T1 + datetime.timedelta(minutes=3)


def contact_url(pk):
    return reverse("customers:contact_detail", args=[pk])


def shown(company, viewer):
    """(kind, who, action, rows) of every entry on the card's timeline, newest first."""
    return [
        (
            entry.kind,
            entry.item.object_repr if entry.kind.endswith("change") else entry.item.text,
            entry.item.get_action_display() if entry.kind.endswith("change") else "",
            list(entry.item.rows) if entry.kind.endswith("change") else [],
        )
        for entry in timeline_page(company=company, viewer=viewer).entries
    ]


@pytest.fixture
def anna(alice):
    """Anna Nowak at Acme, created at T1 and made buyer at T2."""
    with time_machine.travel(T1, tick=False):
        company = company_create(actor=alice, name="Acme")
        person = contact_create(actor=alice, company=company, first_name="Anna", last_name="Nowak")
    with time_machine.travel(T2, tick=False):
        contact_update(contact=person, actor=alice, version=1, position="Buyer")
    return company, person


def test_a_deleted_contact_stays_on_the_card_with_who_deleted_it(alice, bob, anna, login):
    company, person = anna
    pk = person.pk
    with time_machine.travel(T3, tick=False):
        contact_delete(contact=person, actor=bob)
    assert shown(company, alice) == [
        (
            "contact_change",
            "Anna Nowak",
            "Deleted",
            [
                ("Company", "Acme", None),
                ("First name", "Anna", None),
                ("Last name", "Nowak", None),
                ("Position", "Buyer", None),
            ],
        ),
        ("contact_change", "Anna Nowak", "Changed", [("Position", "", "Buyer")]),
        (
            "contact_change",
            "Anna Nowak",
            "Created",
            [("Company", None, "Acme"), ("First name", None, "Anna"), ("Last name", None, "Nowak")],
        ),
        (
            "change",
            "Acme",
            "Created",
            [
                ("Name", None, "Acme"),
                ("Status", None, "Prospect"),
                ("Owner", None, "Alice Archer"),
                ("Team", None, "North"),
            ],
        ),
    ]
    entry = timeline_page(company=company, viewer=alice).entries[0]
    assert (entry.item.actor, entry.at) == (bob, T3)

    page = login(alice).get(f"/companies/{company.pk}/timeline/").content.decode()
    assert page.count("Contact Anna Nowak: deleted") == 1
    assert page.count("Contact Anna Nowak: changed") == 1
    assert contact_url(pk) not in page  # no link to a person who is gone
    assert "Bob Baker" in page.split("Contact Anna Nowak: deleted")[1].split("</p>")[0]


def test_a_live_contact_is_linked_from_its_entries(alice, anna, login):
    company, person = anna
    page = login(alice).get(f"/companies/{company.pk}/timeline/").content.decode()
    assert page.count(f'Contact <a href="{contact_url(person.pk)}">Anna Nowak</a>') == 2


def test_a_note_about_a_deleted_contact_names_them_without_a_link(alice, anna, login):
    company, person = anna
    pk = person.pk
    with time_machine.travel(T3, tick=False):
        note_add(target=person, company=company, text="Asked for a quote", actor=alice)
    with time_machine.travel(T4, tick=False):
        contact_delete(contact=person, actor=alice)
    note = timeline_page(company=company, viewer=alice).entries[1].item
    assert (note.text, note.contact_id, note.contact_first_name, note.contact_former_name) == (
        "Asked for a quote",
        None,
        None,
        "Anna Nowak",
    )
    page = login(alice).get(f"/companies/{company.pk}/timeline/").content.decode()
    assert "about Anna Nowak (deleted)" in page
    assert contact_url(pk) not in page


def test_a_moved_contact_shows_on_both_cards(alice, anna, login):
    company, person = anna
    with time_machine.travel(T1, tick=False):
        beta = company_create(actor=alice, name="Beta")
    with time_machine.travel(T3, tick=False):
        moved = contact_move(
            contact=person, to_company=beta, left_on=datetime.date(2026, 1, 4), actor=alice, version=2
        )
    old_card = shown(company, alice)
    assert old_card[:2] == [
        (
            "contact_change",
            "Anna Nowak",
            "Changed",
            [("Left the company on", None, "2026-01-04"), ("Moved to", None, "Beta")],
        ),
        ("contact_change", "Anna Nowak", "Changed", [("Position", "", "Buyer")]),
    ]
    new_card = shown(beta, alice)
    assert [entry[:3] for entry in new_card] == [
        ("contact_change", "Anna Nowak", "Created"),
        ("change", "Beta", "Created"),
    ]
    assert new_card[0][3] == [
        ("Company", None, "Beta"),
        ("First name", None, "Anna"),
        ("Last name", None, "Nowak"),
        ("Moved from", None, "Acme"),
    ]
    # The old record is still Acme's: its entries link to it; the new one is Beta's.
    assert (
        f'href="{contact_url(person.pk)}"'
        in login(alice).get(f"/companies/{company.pk}/timeline/").content.decode()
    )
    assert (
        f'href="{contact_url(moved.pk)}"'
        in login(alice).get(f"/companies/{beta.pk}/timeline/").content.decode()
    )


def test_a_contact_whose_company_is_changed_shows_on_both_cards(alice, anna, login):
    company, person = anna
    with time_machine.travel(T1, tick=False):
        beta = company_create(actor=alice, name="Beta")
    with time_machine.travel(T3, tick=False):
        contact_update(contact=person, actor=alice, version=2, company=beta)
    assert shown(company, alice)[:3] == [
        ("contact_change", "Anna Nowak", "Changed", [("Moved to", None, "Beta")]),
        ("contact_change", "Anna Nowak", "Changed", [("Position", "", "Buyer")]),
        (
            "contact_change",
            "Anna Nowak",
            "Created",
            [("Company", None, "Acme"), ("First name", None, "Anna"), ("Last name", None, "Nowak")],
        ),
    ]
    assert shown(beta, alice) == [
        ("contact_change", "Anna Nowak", "Changed", [("Company", "Acme", "Beta")]),
        (
            "change",
            "Beta",
            "Created",
            [
                ("Name", None, "Beta"),
                ("Status", None, "Prospect"),
                ("Owner", None, "Alice Archer"),
                ("Team", None, "North"),
            ],
        ),
    ]
    # Anna is Beta's now: only Beta's card links to her.
    old_page = login(alice).get(f"/companies/{company.pk}/timeline/").content.decode()
    new_page = login(alice).get(f"/companies/{beta.pk}/timeline/").content.decode()
    assert (contact_url(person.pk) in old_page, contact_url(person.pk) in new_page) == (False, True)


def test_a_merged_company_brings_its_history_to_the_kept_card(alice, mike, anna, login):
    keep, person = anna
    with time_machine.travel(T1, tick=False):
        drop = company_create(actor=alice, name="ACME sp. z o.o.")
        jan = contact_create(actor=alice, company=drop, first_name="Jan", last_name="Kowal")
    with time_machine.travel(T3, tick=False):
        company_merge(keep=keep, drop=drop, actor=mike)
    entries = timeline_page(company=keep, viewer=alice).entries
    assert [(e.kind, e.item.object_repr, e.item.action, e.item.object_id) for e in entries] == [
        ("change", "ACME sp. z o.o.", "delete", drop.pk),
        ("change", "Acme", "update", keep.pk),
        ("contact_change", "Anna Nowak", "update", person.pk),
        ("contact_change", "Jan Kowal", "create", jan.pk),
        ("contact_change", "Anna Nowak", "create", person.pk),
        ("change", "ACME sp. z o.o.", "create", drop.pk),
        ("change", "Acme", "create", keep.pk),
    ]
    assert entries[0].item.rows[-1] == ("Merged into", None, f"Acme (#{keep.pk})")
    assert entries[1].item.rows == [("Merged from", None, f"ACME sp. z o.o. (#{drop.pk})")]
    assert AuditEntry.objects.filter(company_id=drop.pk).count() == 0
    page = login(alice).get(f"/companies/{keep.pk}/timeline/").content.decode()
    assert page.count("Company ACME sp. z o.o.: deleted") == 1
    assert page.count("Company ACME sp. z o.o.: created") == 1
    assert page.count(f'Contact <a href="{contact_url(jan.pk)}">Jan Kowal</a>: created') == 1


def test_who_cannot_see_the_company_gets_no_timeline(alice, carol, anna, login):
    company, person = anna
    contact_delete(contact=person, actor=alice)
    before = AuditEntry.objects.count()
    client = login(carol)
    assert client.get(f"/companies/{company.pk}/timeline/").status_code == 404
    assert client.get(f"/companies/{company.pk}/").status_code == 404
    assert AuditEntry.objects.count() == before


def test_gone_contacts_cost_no_extra_queries(alice, anna):
    company, person = anna
    beta = company_create(actor=alice, name="Beta")
    for index in range(3):
        other = contact_create(actor=alice, company=company, first_name=f"P{index}", last_name="Gone")
        contact_delete(contact=other, actor=alice)
    contact_update(contact=person, actor=alice, version=2, company=beta)
    note_add(target=person, company=company, text="x", actor=alice)
    alice.has_perm("customers.view_commercial_terms")
    with CaptureQueriesContext(connection) as queries:
        page = timeline_page(company=company, viewer=alice)
    assert {entry.kind for entry in page.entries} == {"note", "change", "contact_change"}
    assert len(queries) == len(timeline_sources()) + 3
