"""The client card: what each persona sees, the freshness mark, "Reviewed", related companies, and a
constant number of queries however many contacts and notes the company has."""

import datetime
import decimal
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from klient.core.models import AuditAction, AuditEntry, Note
from klient.core.services import note_add
from klient.customers.models import Company
from klient.customers.services import (
    account_team_add,
    company_create,
    company_update,
    contact_create,
    contact_update,
)

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
def acme(alice, bob):
    company = company_create(
        actor=alice,
        name="Acme",
        legal_name="Acme Sp. z o.o.",
        status="customer",
        country="PL",
        city="Kraków",
        phone="+48 12 345 67 89",
        email="Office@Acme.example",
        website="acme.example",
        tax_id="PL1234567890",
        segment="Wholesale",
        industry="Steel",
        is_key_account=True,
        payment_terms_days=45,
        discount_percent=decimal.Decimal("7.5"),
    )
    account_team_add(company=company, user=bob, role="backup", actor=alice)
    return company


def card(client, company) -> str:
    response = client.get(f"/companies/{company.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def section(page: str, name: str) -> str:
    match = re.search(rf'<section id="{name}".*?</section>', page, re.S)
    assert match, name
    return match.group()


def test_the_owner_sees_the_header_key_facts_and_terms(login, alice, acme):
    page = card(login(alice), acme)
    assert '<span class="badge status-customer" data-status="customer">Customer</span>' in page
    assert "data-key-account" in page
    assert '<strong data-field="owner">Alice Archer</strong>' in page
    assert '<strong data-field="team">North</strong>' in page
    assert '<dd data-field="country">Poland</dd>' in page
    assert '<dd data-field="city">Kraków</dd>' in page
    assert '<dd data-field="phone"><a href="tel:+48123456789">+48 12 345 67 89</a></dd>' in page
    assert '<dd data-field="email"><a href="mailto:office@acme.example">office@acme.example</a></dd>' in page
    assert (
        '<dd data-field="website"><a href="https://acme.example" rel="noopener noreferrer" target="_blank">'
        "acme.example</a></dd>"
    ) in page
    assert '<dd data-field="tax_id">PL1234567890</dd>' in page
    assert '<dd data-field="segment">Wholesale</dd>' in page
    assert '<dd data-field="industry">Steel</dd>' in page
    assert '<dd data-field="is_key_account">Yes</dd>' in page
    terms = section(page, "terms")
    assert '<dd data-field="payment_terms_days">45</dd>' in terms
    assert '<dd data-field="discount_percent">7.5</dd>' in terms
    assert 'data-action="reviewed"' in page
    for action in ("add-note", "add-contact", "upload", "edit"):
        assert f'data-action="{action}"' in page
    assert "Bob Baker" in section(page, "account-team")


def test_a_service_agent_sees_the_card_without_terms_or_changes(login, sam, acme):
    page = card(login(sam), acme)
    assert '<dd data-field="tax_id">PL1234567890</dd>' in page
    assert 'id="terms"' not in page
    assert 'href="#terms"' not in page
    assert "Payment terms" not in page
    assert 'data-field="discount_percent"' not in page
    # The creation entry on the timeline leaves the terms out too.
    timeline = section(page, "timeline")
    assert "Payment terms" not in timeline and "Discount" not in timeline
    assert "<td>Tax id</td><td>—</td><td>→ PL1234567890</td>" in timeline
    # Agents keep notes, contacts and files, but do not edit or review the company.
    assert [a for a in ("add-note", "add-contact", "upload") if f'data-action="{a}"' in page] == [
        "add-note",
        "add-contact",
        "upload",
    ]
    assert 'data-action="edit"' not in page
    assert 'data-action="reviewed"' not in page


def test_another_team_gets_not_found(login, carol, acme):
    assert login(carol).get(f"/companies/{acme.pk}/").status_code == 404
    assert login(carol).get(f"/companies/{acme.pk}/timeline/").status_code == 404


def test_contacts_current_first_and_those_who_left_marked(login, alice, acme):
    zofia = contact_create(actor=alice, company=acme, first_name="Zofia", last_name="Zielińska")
    adam = contact_create(actor=alice, company=acme, first_name="Adam", last_name="Abacki")
    contact_update(contact=adam, actor=alice, version=1, left_on=datetime.date(2026, 2, 1))
    contacts = section(card(login(alice), acme), "contacts")
    assert re.findall(r'data-contact="(\d+)"', contacts) == [str(zofia.pk), str(adam.pk)]
    assert contacts.count("data-left") == 1
    assert f'<li data-contact="{adam.pk}" class="left">' in contacts
    assert "left 02/01/2026" in contacts


@pytest.mark.parametrize(
    ("reviewed_days_ago", "mark", "text"),
    [
        (None, "never", "Card never reviewed"),
        (3, "fresh", "Card fresh"),
        (29, "fresh", "Card fresh"),
        (45, "ageing", "Card ageing"),
        (120, "stale", "Card stale"),
    ],
)
def test_the_freshness_mark(login, alice, acme, reviewed_days_ago, mark, text):
    if reviewed_days_ago is not None:
        Company.objects.filter(pk=acme.pk).update(
            card_reviewed_at=NOW - datetime.timedelta(days=reviewed_days_ago)
        )
    with time_machine.travel(NOW, tick=False):
        page = card(login(alice), acme)
    assert f'<span class="freshness freshness-{mark}" data-freshness="{mark}">' in page
    assert text in page


def test_reviewed_starts_the_mark_again_and_is_audited(login, alice, acme):
    client = login(alice)
    with time_machine.travel(NOW, tick=False):
        response = client.post(f"/companies/{acme.pk}/reviewed/")
        assert response.status_code == 302
        assert response["Location"] == f"/companies/{acme.pk}/"
        page = card(client, acme)
    stored = Company.objects.get(pk=acme.pk)
    assert (stored.card_reviewed_at, stored.card_reviewed_by) == (NOW, alice)
    assert 'data-freshness="fresh"' in page
    assert "reviewed 03/10/2026" in page
    entry = (
        AuditEntry.objects.filter(content_type__model="company", object_id=acme.pk).order_by("-id").first()
    )
    assert (entry.action, entry.actor, list(entry.changes)) == (
        AuditAction.UPDATE,
        alice,
        ["card_reviewed_at"],
    )


def test_reviewed_is_refused_to_who_may_not_change_or_see(login, sam, carol, acme):
    audit_before = AuditEntry.objects.count()
    assert login(sam).post(f"/companies/{acme.pk}/reviewed/").status_code == 403
    assert login(carol).post(f"/companies/{acme.pk}/reviewed/").status_code == 404
    assert Company.objects.get(pk=acme.pk).card_reviewed_at is None
    assert AuditEntry.objects.count() == audit_before


def test_related_companies_show_only_what_the_user_sees(login, alice, carol, mike, acme):
    daughter = company_create(actor=alice, name="Acme Daughter", parent=acme)
    hidden = company_create(actor=carol, name="Carol's Subsidiary", parent=acme)
    page = card(login(alice), acme)
    related = section(page, "related")
    assert f'<a href="/companies/{daughter.pk}/">Acme Daughter</a>' in related
    assert "Carol's Subsidiary" not in related and str(hidden.pk) not in related
    daughter_card = section(card(login(alice), daughter), "related")
    assert f'<dd data-field="parent"><a href="/companies/{acme.pk}/">Acme</a></dd>' in daughter_card


def test_a_note_from_the_card_tops_the_timeline_and_counts_as_contact(login, alice, acme):
    client = login(alice)
    response = client.post(f"/companies/{acme.pk}/notes/", {"text": "Called about the Q2 order"})
    assert response.status_code == 302
    assert response["Location"] == f"/companies/{acme.pk}/#timeline"
    note = Note.objects.get()
    assert (note.text, note.author, note.target_id, note.company_id) == (
        "Called about the Q2 order",
        alice,
        acme.pk,
        acme.pk,
    )
    assert Company.objects.get(pk=acme.pk).last_contact_at == note.created_at
    timeline = section(card(client, acme), "timeline")
    first = re.search(r'<li class="tl [^"]*" data-kind="(\w+)"', timeline)
    assert first.group(1) == "note"
    assert "Called about the Q2 order" in timeline


def test_an_empty_note_is_refused_on_the_card(login, alice, acme):
    response = login(alice).post(f"/companies/{acme.pk}/notes/", {"text": "   "})
    assert response.status_code == 400
    assert '<small class="field-error" id="id_text-error">' in response.content.decode()
    assert Company.objects.get(pk=acme.pk).last_contact_at is None


def test_a_read_only_user_cannot_add_notes(login, rita, acme):
    assert login(rita).post(f"/companies/{acme.pk}/notes/", {"text": "Hi"}).status_code == 403
    assert 'data-action="add-note"' not in card(login(rita), acme)


def _fill(company, actor, count):
    for index in range(count):
        contact = contact_create(actor=actor, company=company, first_name=f"P{index}", last_name="Person")
        note_add(target=contact if index % 2 else company, company=company, text=f"note {index}", actor=actor)
    # The newest entries of both then hold the same kinds: a change, contact changes and notes.
    company_update(company=company, actor=actor, version=1, tax_id="PL1")


def _card_queries(client, company) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/companies/{company.pk}/")
    assert response.status_code == 200
    return len(queries)


def test_the_card_runs_the_same_number_of_queries_for_1_or_50_contacts_and_notes(login, alice):
    small = company_create(actor=alice, name="Small")
    large = company_create(actor=alice, name="Large")
    _fill(small, alice, 1)
    _fill(large, alice, 50)
    client = login(alice)
    client.get(f"/companies/{small.pk}/")  # warm the session and permission caches alike
    assert _card_queries(client, small) == _card_queries(client, large)
