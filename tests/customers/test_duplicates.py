"""The duplicate finder: pairs of visible records with exact scores and reasons, paged, dismissable.

A pair marked "not a duplicate" is stored (DuplicateDismissal) and hidden for everyone who sees both
records, until someone who sees them lists it again.
"""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from klient.core.exceptions import NotAllowed
from klient.core.models import AuditEntry, User
from klient.core.pagination import InvalidCursor
from klient.customers.duplicates import (
    COMPANY_REASONS,
    company_duplicates,
    contact_duplicates,
    duplicate_dismiss,
    duplicate_dismissals_forget,
    duplicate_dismissals_restore,
    duplicate_dismissed_count,
    score,
)
from klient.customers.models import Company, Contact, DuplicateDismissal
from klient.customers.services import (
    company_create,
    company_delete,
    company_merge,
    contact_create,
    contact_delete,
    contact_merge,
)

COMPANY = DuplicateDismissal.Kind.COMPANY
CONTACT = DuplicateDismissal.Kind.CONTACT


def _rows(page):
    return [(pair.first.name, pair.second.name, pair.score, pair.reasons) for pair in page.items]


@pytest.fixture
def companies(alice, bob, carol, mike):
    """North's companies (seen by mike) and one of South's (not seen by mike)."""
    made = {
        "acme_pl": company_create(actor=alice, name="Acme", country="PL", tax_id="PL1234563218"),
        "acme_sp": company_create(
            actor=bob, name="ACME sp. z o.o.", country="PL", tax_id="123-456-32-18", website="acme.pl"
        ),
        "acme_de": company_create(
            actor=alice, name="Acme", country="DE", website="https://www.acme.pl/kontakt"
        ),
        "beta": company_create(actor=alice, name="Beta", country="PL", phone="22 555 01 02"),
        "gamma": company_create(actor=bob, name="Gamma", country="PL", phone="+48 22 555 01 02"),
        "zeta": company_create(actor=alice, name="Zeta", country="PL"),
        "delta": company_create(actor=carol, name="Delta", country="PL", tax_id="1234563218"),
    }
    return made


def test_it_scores_each_pair_by_its_reasons(companies, mike):
    page = company_duplicates(user=mike)
    assert _rows(page) == [
        ("Acme", "ACME sp. z o.o.", 96, ["tax_id", "name_country"]),
        ("ACME sp. z o.o.", "Acme", 65, ["website", "similar_name"]),
        ("Beta", "Gamma", 40, ["phone"]),
        ("Acme", "Acme", 30, ["similar_name"]),
    ]
    assert [pair.labels for pair in page.items] == [
        ["Same tax id", "Same name and country"],
        ["Same website", "Same name in another country"],
        ["Same phone"],
        ["Same name in another country"],
    ]
    assert [(pair.first_id, pair.second_id) for pair in page.items][1] == (
        companies["acme_sp"].pk,
        companies["acme_de"].pk,
    )
    assert page.next_cursor is None


def test_it_pairs_only_companies_the_user_can_see(companies, alice, root):
    # alice sees her own three Acme/Beta/Zeta companies only.
    assert _rows(company_duplicates(user=alice)) == [("Acme", "Acme", 30, ["similar_name"])]
    # root sees South's Delta too, with the same tax id as two of North's.
    assert [row[:3] for row in _rows(company_duplicates(user=root))] == [
        ("Acme", "ACME sp. z o.o.", 96),
        ("Acme", "Delta", 90),
        ("ACME sp. z o.o.", "Delta", 90),
        ("ACME sp. z o.o.", "Acme", 65),
        ("Beta", "Gamma", 40),
        ("Acme", "Acme", 30),
    ]


def _stored() -> list[tuple[str, int, int, str | None]]:
    return [
        (row.kind, row.first_id, row.second_id, row.dismissed_by.username if row.dismissed_by else None)
        for row in DuplicateDismissal.objects.select_related("dismissed_by").order_by(
            "kind", "first_id", "id"
        )
    ]


def _dismissal_audit() -> list[tuple[str, str, int, int]]:
    entries = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(DuplicateDismissal)
    ).order_by("id")
    return [
        (
            entry.action,
            entry.actor.username if entry.actor else "",
            (entry.changes["first_id"]["to"] or entry.changes["first_id"]["from"]),
            (entry.changes["second_id"]["to"] or entry.changes["second_id"]["from"]),
        )
        for entry in entries
    ]


def test_a_dismissed_pair_is_left_out_for_everyone_who_sees_both(companies, mike, root):
    acme_pl, acme_sp = companies["acme_pl"], companies["acme_sp"]
    dismissal = duplicate_dismiss(kind=COMPANY, first_id=acme_sp.pk, second_id=acme_pl.pk, actor=mike)
    assert _stored() == [("company", acme_pl.pk, acme_sp.pk, "mike")]
    assert (dismissal.first_id, dismissal.second_id) == (acme_pl.pk, acme_sp.pk)
    assert _dismissal_audit() == [("create", "mike", acme_pl.pk, acme_sp.pk)]
    assert [row[:2] for row in _rows(company_duplicates(user=User.objects.get(pk=mike.pk)))] == [
        ("ACME sp. z o.o.", "Acme"),
        ("Beta", "Gamma"),
        ("Acme", "Acme"),
    ]
    # root sees more (South's Delta) but not the pair mike dismissed.
    assert [row[:3] for row in _rows(company_duplicates(user=root))] == [
        ("Acme", "Delta", 90),
        ("ACME sp. z o.o.", "Delta", 90),
        ("ACME sp. z o.o.", "Acme", 65),
        ("Beta", "Gamma", 40),
        ("Acme", "Acme", 30),
    ]
    assert (
        duplicate_dismissed_count(kind=COMPANY, user=root),
        duplicate_dismissed_count(kind=CONTACT, user=root),
    ) == (
        1,
        0,
    )


def test_a_pair_is_one_pair_in_either_order_and_is_stored_once(companies, mike, root):
    beta, gamma = companies["beta"], companies["gamma"]
    first = duplicate_dismiss(kind=COMPANY, first_id=gamma.pk, second_id=beta.pk, actor=mike)
    again = duplicate_dismiss(kind=COMPANY, first_id=beta.pk, second_id=gamma.pk, actor=root)
    assert again.pk == first.pk
    # The second dismissal changes nothing: the first one's author and a single audit entry stay.
    assert _stored() == [("company", beta.pk, gamma.pk, "mike")]
    assert _dismissal_audit() == [("create", "mike", beta.pk, gamma.pk)]
    assert DuplicateDismissal.ordered(7, 3) == DuplicateDismissal.ordered(3, 7) == (3, 7)


def test_who_cannot_see_one_of_the_records_is_refused_and_nothing_is_stored(companies, mike):
    audit_before = AuditEntry.objects.count()
    delta = companies["delta"]  # South's: mike does not see it
    with pytest.raises(NotAllowed, match="Only two records you can see can be marked"):
        duplicate_dismiss(kind=COMPANY, first_id=companies["acme_pl"].pk, second_id=delta.pk, actor=mike)
    missing = Company.objects.order_by("-pk").first().pk + 1
    with pytest.raises(NotAllowed, match="Only two records you can see can be marked"):
        duplicate_dismiss(kind=COMPANY, first_id=companies["acme_pl"].pk, second_id=missing, actor=mike)
    with pytest.raises(NotAllowed, match="Only two records you can see can be marked"):
        duplicate_dismiss(kind=COMPANY, first_id=delta.pk, second_id=delta.pk, actor=mike)
    assert (_stored(), AuditEntry.objects.count()) == ([], audit_before)


def test_who_may_not_change_companies_is_refused(companies, sam):
    # sam (service agent) sees every company but may not change one.
    audit_before = AuditEntry.objects.count()
    pair = {"first_id": companies["beta"].pk, "second_id": companies["gamma"].pk}
    with pytest.raises(NotAllowed, match="You may not change companies"):
        duplicate_dismiss(kind=COMPANY, actor=sam, **pair)
    with pytest.raises(NotAllowed, match="You may not change companies"):
        duplicate_dismissals_restore(kind=COMPANY, actor=sam)
    assert (_stored(), AuditEntry.objects.count()) == ([], audit_before)


def test_restoring_brings_back_exactly_the_pairs_the_user_sees(companies, mike, root, people, alice):
    c = companies
    duplicate_dismiss(kind=COMPANY, first_id=c["acme_pl"].pk, second_id=c["acme_sp"].pk, actor=mike)
    duplicate_dismiss(kind=COMPANY, first_id=c["beta"].pk, second_id=c["gamma"].pk, actor=mike)
    # root's dismissal involves South's Delta, out of mike's sight: mike's restore leaves it.
    duplicate_dismiss(kind=COMPANY, first_id=c["acme_pl"].pk, second_id=c["delta"].pk, actor=root)
    # A contact pair is another kind: restoring companies leaves it.
    duplicate_dismiss(kind=CONTACT, first_id=people["ana"].pk, second_id=people["anna"].pk, actor=alice)
    assert duplicate_dismissed_count(kind=COMPANY, user=mike) == 2
    assert duplicate_dismissed_count(kind=COMPANY, user=root) == 3
    assert [row[:2] for row in _rows(company_duplicates(user=mike))] == [
        ("ACME sp. z o.o.", "Acme"),
        ("Acme", "Acme"),
    ]

    assert duplicate_dismissals_restore(kind=COMPANY, actor=mike) == 2

    assert _stored() == [
        ("company", c["acme_pl"].pk, c["delta"].pk, "root"),
        ("contact", people["ana"].pk, people["anna"].pk, "alice"),
    ]
    assert _dismissal_audit()[-2:] == [
        ("delete", "mike", c["acme_pl"].pk, c["acme_sp"].pk),
        ("delete", "mike", c["beta"].pk, c["gamma"].pk),
    ]
    assert [row[:3] for row in _rows(company_duplicates(user=mike))] == [
        ("Acme", "ACME sp. z o.o.", 96),
        ("ACME sp. z o.o.", "Acme", 65),
        ("Beta", "Gamma", 40),
        ("Acme", "Acme", 30),
    ]
    assert (
        duplicate_dismissed_count(kind=COMPANY, user=mike),
        duplicate_dismissals_restore(kind=COMPANY, actor=mike),
    ) == (
        0,
        0,
    )


def test_a_merged_company_s_dismissals_hide_nothing(companies, mike):
    c = companies
    duplicate_dismiss(kind=COMPANY, first_id=c["acme_pl"].pk, second_id=c["acme_sp"].pk, actor=mike)
    duplicate_dismiss(kind=COMPANY, first_id=c["acme_sp"].pk, second_id=c["acme_de"].pk, actor=mike)
    company_merge(keep=Company.objects.get(pk=c["acme_pl"].pk), drop=c["acme_sp"], actor=mike)
    # The kept Acme took the dropped one's website, so it now pairs with the German Acme: that pair was
    # never dismissed, whatever the dropped record's dismissals said.
    assert _rows(company_duplicates(user=mike)) == [
        ("Acme", "Acme", 65, ["website", "similar_name"]),
        ("Beta", "Gamma", 40, ["phone"]),
    ]
    assert duplicate_dismissed_count(kind=COMPANY, user=mike) == 0
    # The merge dropped both rows naming the merged-away company in the same transaction.
    assert _stored() == []


def test_forgetting_drops_only_the_rows_naming_the_records(companies, mike):
    c = companies
    duplicate_dismiss(kind=COMPANY, first_id=c["acme_pl"].pk, second_id=c["acme_sp"].pk, actor=mike)
    duplicate_dismiss(kind=COMPANY, first_id=c["acme_sp"].pk, second_id=c["acme_de"].pk, actor=mike)
    duplicate_dismiss(kind=COMPANY, first_id=c["beta"].pk, second_id=c["gamma"].pk, actor=mike)
    assert duplicate_dismissals_forget(kind=CONTACT, record_ids=[c["acme_sp"].pk]) == 0
    assert duplicate_dismissals_forget(kind=COMPANY, record_ids=[c["acme_sp"].pk]) == 2
    assert _stored() == [("company", c["beta"].pk, c["gamma"].pk, "mike")]


def test_deleting_records_drops_their_dismissals(companies, people, alice, mike, root):
    c = companies
    duplicate_dismiss(kind=COMPANY, first_id=c["beta"].pk, second_id=c["gamma"].pk, actor=mike)
    duplicate_dismiss(kind=COMPANY, first_id=c["acme_pl"].pk, second_id=c["acme_de"].pk, actor=mike)
    duplicate_dismiss(kind=CONTACT, first_id=people["ana"].pk, second_id=people["anna"].pk, actor=alice)
    company_delete(company=c["gamma"], actor=root)
    assert [row[:3] for row in _stored()] == [
        ("company", c["acme_pl"].pk, c["acme_de"].pk),
        ("contact", *DuplicateDismissal.ordered(people["ana"].pk, people["anna"].pk)),
    ]
    # Deleting a company deletes its contacts, and with them their dismissals.
    company_delete(company=Company.objects.get(pk=people["ana"].company_id), actor=root)
    assert [row[:3] for row in _stored()] == [("company", c["acme_pl"].pk, c["acme_de"].pk)]


def test_deleting_or_merging_a_contact_drops_its_dismissals(people, alice, root):
    pair = DuplicateDismissal.ordered(people["ana"].pk, people["anna"].pk)
    duplicate_dismiss(kind=CONTACT, first_id=pair[0], second_id=pair[1], actor=alice)
    duplicate_dismiss(kind=CONTACT, first_id=people["ana"].pk, second_id=people["ana2"].pk, actor=alice)
    duplicate_dismiss(kind=CONTACT, first_id=people["ana2"].pk, second_id=people["jan"].pk, actor=alice)
    contact_delete(contact=people["anna"], actor=root)
    assert [row[:3] for row in _stored()] == [
        ("contact", *DuplicateDismissal.ordered(people["ana"].pk, people["ana2"].pk)),
        ("contact", *DuplicateDismissal.ordered(people["ana2"].pk, people["jan"].pk)),
    ]
    contact_merge(keep=Contact.objects.get(pk=people["ana"].pk), drop=people["ana2"], actor=alice)
    assert _stored() == []


def test_a_long_run_of_dismissed_pairs_still_fills_the_page(alice):
    made = [company_create(actor=alice, name=f"Shop {n}", tax_id=f"88{n:02d}") for n in range(10)]
    twins = [company_create(actor=alice, name=f"Outlet {n}", tax_id=f"88{n:02d}") for n in range(10)]
    for shop, twin in list(zip(made, twins, strict=True))[:8]:
        duplicate_dismiss(kind=COMPANY, first_id=twin.pk, second_id=shop.pk, actor=alice)
    fresh = User.objects.get(pk=alice.pk)
    with CaptureQueriesContext(connection) as queries:
        page = company_duplicates(user=fresh, limit=2)
    assert [(pair.first_id, pair.second_id) for pair in page.items] == [
        (made[8].pk, twins[8].pk),
        (made[9].pk, twins[9].pk),
    ]
    assert page.next_cursor is None
    # Windows of 6 then 12 candidate pairs: two dismissal queries instead of one.
    assert len(queries) == 9


def test_a_cursor_stays_valid_when_a_pair_on_the_next_page_is_dismissed(companies, mike):
    first = company_duplicates(user=mike, limit=1)
    duplicate_dismiss(
        kind=COMPANY, first_id=companies["acme_sp"].pk, second_id=companies["acme_de"].pk, actor=mike
    )
    second = company_duplicates(user=mike, limit=2, cursor=first.next_cursor)
    assert [row[:3] for row in _rows(second)] == [("Beta", "Gamma", 40), ("Acme", "Acme", 30)]
    assert second.next_cursor is None


def test_it_pages_with_a_cursor(companies, mike):
    first = company_duplicates(user=mike, limit=3)
    assert [pair.score for pair in first.items] == [96, 65, 40]
    second = company_duplicates(user=mike, limit=3, cursor=first.next_cursor)
    assert ([pair.score for pair in second.items], second.next_cursor) == ([30], None)
    with pytest.raises(InvalidCursor):
        company_duplicates(user=mike, cursor="bm90LWEtY3Vyc29y")


def test_a_large_group_pairs_each_member_with_the_oldest_only(alice):
    made = [company_create(actor=alice, name=f"Shop {n}", phone="+48 22 000 00 00") for n in range(12)]
    page = company_duplicates(user=alice)
    assert [(pair.first_id, pair.second_id) for pair in page.items] == [
        (made[0].pk, other.pk) for other in made[1:]
    ]
    assert {pair.score for pair in page.items} == {40}


def test_the_query_count_does_not_grow_with_the_duplicates(alice):
    company_create(actor=alice, name="One", tax_id="111")
    company_create(actor=alice, name="One", tax_id="111")
    fresh = User.objects.get(pk=alice.pk)  # visibility is cached on the user object: start cold
    with CaptureQueriesContext(connection) as few:
        assert len(company_duplicates(user=fresh).items) == 1
    for n in range(20):
        company_create(actor=alice, name=f"Two {n}", website=f"two{n % 5}.example", phone=f"+4822100{n:04d}")
    fresh = User.objects.get(pk=alice.pk)
    with CaptureQueriesContext(connection) as many:
        assert len(company_duplicates(user=fresh).items) == 31
    pairs = [(pair.first_id, pair.second_id) for pair in company_duplicates(user=fresh).items]
    for first, second in pairs[:10]:
        duplicate_dismiss(kind=COMPANY, first_id=first, second_id=second, actor=alice)
    fresh = User.objects.get(pk=alice.pk)
    with CaptureQueriesContext(connection) as dismissed:
        assert len(company_duplicates(user=fresh).items) == 21
    # Delegations, role visibility, one query per key (names give two reasons), the dismissals among the
    # candidates, the page's rows.
    assert len(many) == len(few) == len(dismissed) == 8


def test_scores_combine_as_independent_chances():
    assert score([], COMPANY_REASONS) == 0
    assert score(["phone"], COMPANY_REASONS) == 40
    assert score(["tax_id", "name_country", "website", "phone"], COMPANY_REASONS) == 99
    assert score(["website", "phone"], COMPANY_REASONS) == 70


@pytest.fixture
def people(alice, carol):
    x = company_create(actor=alice, name="X", country="PL")
    y = company_create(actor=alice, name="Y", country="PL")
    z = company_create(actor=carol, name="Z", country="PL")
    return {
        "ana": contact_create(
            actor=alice, company=x, first_name="Ana", last_name="Novak", email="ana@acme.pl"
        ),
        "anna": contact_create(
            actor=alice, company=y, first_name="Anna", last_name="Novak", email="ANA@acme.pl"
        ),
        "ana2": contact_create(
            actor=alice, company=x, first_name="Ána", last_name="Novak", phone="22 100 20 30"
        ),
        "jan": contact_create(
            actor=alice, company=y, first_name="Jan", last_name="Kos", mobile="+48 22 100 20 30"
        ),
        "eve": contact_create(
            actor=carol, company=z, first_name="Ana", last_name="Novak", email="ana@acme.pl"
        ),
        "solo": contact_create(
            actor=alice, company=y, first_name="Ana", last_name="Novak", mobile="+48 600 000 001"
        ),
    }


def test_it_finds_contacts_by_email_phone_and_name_at_one_company(people, alice):
    page = contact_duplicates(user=alice)
    assert [(pair.first_id, pair.second_id, pair.score, pair.reasons) for pair in page.items] == [
        (people["ana"].pk, people["anna"].pk, 80, ["email"]),
        (people["ana"].pk, people["ana2"].pk, 60, ["name_company"]),
        (people["ana2"].pk, people["jan"].pk, 50, ["phone"]),
    ]
    assert [pair.labels for pair in page.items] == [
        ["Same email"],
        ["Same name at the same company"],
        ["Same phone"],
    ]
    assert page.items[0].second.company.name == "Y"


def test_contacts_of_other_teams_are_not_paired(people, carol):
    assert contact_duplicates(user=carol).items == []


def test_the_contact_finder_query_count_does_not_grow_with_the_duplicates(alice):
    company = company_create(actor=alice, name="Acme", country="PL")
    contact_create(actor=alice, company=company, first_name="Ana", email="ana@acme.pl")
    contact_create(actor=alice, company=company, first_name="Ann", email="ana@acme.pl")
    fresh = User.objects.get(pk=alice.pk)
    with CaptureQueriesContext(connection) as few:
        assert len(contact_duplicates(user=fresh).items) == 1
    for n in range(15):
        contact_create(actor=alice, company=company, first_name="Jan", last_name=f"Kos {n % 5}")
        contact_create(actor=alice, company=company, first_name=f"P{n}", mobile=f"+48 600 000 0{n % 3:02d}")
    fresh = User.objects.get(pk=alice.pk)
    with CaptureQueriesContext(connection) as many:
        assert len(contact_duplicates(user=fresh).items) == 1 + 5 * 3 + 3 * 10
    pairs = [(pair.first_id, pair.second_id) for pair in contact_duplicates(user=fresh).items]
    for first, second in pairs[:12]:
        duplicate_dismiss(kind=CONTACT, first_id=second, second_id=first, actor=alice)
    fresh = User.objects.get(pk=alice.pk)
    with CaptureQueriesContext(connection) as dismissed:
        assert len(contact_duplicates(user=fresh).items) == 1 + 5 * 3 + 3 * 10 - 12
    # Delegations, role visibility, one query per key (email, numbers, name at a company), the dismissals
    # among the candidates, the page's rows.
    assert len(many) == len(few) == len(dismissed) == 7


def test_a_dismissed_contact_pair_is_left_out_for_everyone_who_sees_both(people, alice, mike):
    ana, anna = people["ana"], people["anna"]
    duplicate_dismiss(kind=CONTACT, first_id=anna.pk, second_id=ana.pk, actor=alice)
    assert _stored() == [("contact", ana.pk, anna.pk, "alice")]
    assert _dismissal_audit() == [("create", "alice", ana.pk, anna.pk)]
    expected = [
        (people["ana"].pk, people["ana2"].pk, 60, ["name_company"]),
        (people["ana2"].pk, people["jan"].pk, 50, ["phone"]),
    ]
    for user in (alice, mike):  # mike leads alice's team and sees her contacts
        page = contact_duplicates(user=User.objects.get(pk=user.pk))
        assert [(pair.first_id, pair.second_id, pair.score, pair.reasons) for pair in page.items] == expected
        assert duplicate_dismissed_count(kind=CONTACT, user=user) == 1
    assert duplicate_dismissed_count(kind=COMPANY, user=alice) == 0


def test_a_contact_pair_is_one_pair_in_either_order(people, alice, mike):
    ana2, jan = people["ana2"], people["jan"]
    duplicate_dismiss(kind=CONTACT, first_id=jan.pk, second_id=ana2.pk, actor=alice)
    duplicate_dismiss(kind=CONTACT, first_id=ana2.pk, second_id=jan.pk, actor=mike)
    assert _stored() == [("contact", ana2.pk, jan.pk, "alice")]
    assert len(_dismissal_audit()) == 1


def test_who_cannot_see_one_of_the_contacts_is_refused(people, alice, carol):
    audit_before = AuditEntry.objects.count()
    # eve works at carol's company (South): alice does not see her, carol does not see ana.
    for actor in (alice, carol):
        with pytest.raises(NotAllowed, match="Only two records you can see can be marked"):
            duplicate_dismiss(
                kind=CONTACT, first_id=people["ana"].pk, second_id=people["eve"].pk, actor=actor
            )
    assert (_stored(), AuditEntry.objects.count()) == ([], audit_before)


def test_who_may_not_change_contacts_is_refused(people, rita, sam):
    audit_before = AuditEntry.objects.count()
    pair = {"first_id": people["ana"].pk, "second_id": people["eve"].pk}
    # rita (read only) sees every contact but may change none; sam (service agent) may change contacts.
    with pytest.raises(NotAllowed, match="You may not change contacts"):
        duplicate_dismiss(kind=CONTACT, actor=rita, **pair)
    with pytest.raises(NotAllowed, match="You may not change contacts"):
        duplicate_dismissals_restore(kind=CONTACT, actor=rita)
    assert (_stored(), AuditEntry.objects.count()) == ([], audit_before)
    duplicate_dismiss(kind=CONTACT, actor=sam, **pair)
    assert _stored() == [("contact", people["ana"].pk, people["eve"].pk, "sam")]


def test_restoring_contacts_brings_back_exactly_the_pairs_the_user_sees(people, alice, root):
    duplicate_dismiss(kind=CONTACT, first_id=people["ana"].pk, second_id=people["anna"].pk, actor=alice)
    duplicate_dismiss(kind=CONTACT, first_id=people["ana2"].pk, second_id=people["jan"].pk, actor=alice)
    duplicate_dismiss(kind=CONTACT, first_id=people["anna"].pk, second_id=people["eve"].pk, actor=root)
    assert [pair.first_id for pair in contact_duplicates(user=alice).items] == [people["ana"].pk]

    assert duplicate_dismissals_restore(kind=CONTACT, actor=alice) == 2

    assert _stored() == [("contact", people["anna"].pk, people["eve"].pk, "root")]
    page = contact_duplicates(user=alice)
    assert [(pair.first_id, pair.second_id) for pair in page.items] == [
        (people["ana"].pk, people["anna"].pk),
        (people["ana"].pk, people["ana2"].pk),
        (people["ana2"].pk, people["jan"].pk),
    ]


def test_a_merged_contact_s_dismissals_hide_nothing(people, alice):
    ana, ana2, jan = people["ana"], people["ana2"], people["jan"]
    duplicate_dismiss(kind=CONTACT, first_id=ana.pk, second_id=ana2.pk, actor=alice)
    duplicate_dismiss(kind=CONTACT, first_id=ana2.pk, second_id=jan.pk, actor=alice)
    contact_merge(keep=Contact.objects.get(pk=ana.pk), drop=ana2, actor=alice)
    # Ana took the dropped record's phone, which is Jan's mobile: a new pair, never dismissed.
    page = contact_duplicates(user=alice)
    assert [(pair.first_id, pair.second_id, pair.reasons) for pair in page.items] == [
        (ana.pk, people["anna"].pk, ["email"]),
        (ana.pk, jan.pk, ["phone"]),
    ]
    assert duplicate_dismissed_count(kind=CONTACT, user=alice) == 0
    # The merge dropped both rows naming the merged-away contact.
    assert _stored() == []
