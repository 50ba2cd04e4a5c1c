"""The competitors' pages: the list searched by name, a competitor's page with only the companies the
reader sees, the managers' form (stale edits refused), the client card's "Competitors" section with its
add, edit and delete forms, and query counts that do not grow with the rows."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from klient.core.models import AuditEntry
from klient.customers.services import company_create
from klient.sales.competitors.models import Competitor, CompetitorSupply
from klient.sales.competitors.services import competitor_create, supply_create

pytestmark = pytest.mark.django_db


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries), response.content.decode()


def competitors_section(html):
    found = re.search(r'<section id="competitors".*?</section>', html, re.S)
    return found.group(0) if found else ""


def supplies_state():
    return (
        list(
            CompetitorSupply.objects.order_by("pk").values_list("pk", "company_id", "description", "version")
        ),
        AuditEntry.objects.count(),
    )


def test_the_list_finds_by_name_ignoring_case_and_diacritics(login, alice, paletpol, balkan):
    client = login(alice)
    html = client.get("/competitors/").content.decode()
    assert html.count("data-competitor=") == 2
    assert html.index("Ambalaža Balkan") < html.index("PaletPol")
    found = client.get("/competitors/?q=AMBALAZA").content.decode()
    assert re.findall(r'data-competitor="(\d+)"', found) == [str(balkan.pk)]
    assert "data-empty" in client.get("/competitors/?q=nothing-like-it").content.decode()
    # An account manager may add one (not edit): the list offers it.
    assert 'data-action="new-competitor"' in html


def test_the_list_costs_the_same_queries_for_more_competitors(login, alice, mike, paletpol):
    client = login(alice)
    client.get("/competitors/")
    few, _html = queries(client, "/competitors/")
    for number in range(20):
        competitor_create(actor=mike, name=f"Rival {number}")
    many, html = queries(client, "/competitors/")
    assert html.count("data-competitor=") == 21
    assert many == few


def test_a_competitors_page_lists_only_the_companies_the_reader_sees(
    login, alice, carol, acme, southern, balkan, pallet
):
    supply_create(
        actor=alice,
        company=acme,
        competitor=balkan,
        description="Euro pallets",
        product=pallet,
        price="41.5",
        currency="PLN",
    )
    supply_create(actor=carol, company=southern, competitor=balkan, description="Stretch film")
    html = login(alice).get(f"/competitors/{balkan.pk}/").content.decode()
    assert html.count("data-supply=") == 1
    assert "Acme" in html and "Euro pallets" in html and "PAL-EUR" in html
    assert '<td data-field="price">PLN41.50</td>' in html
    assert "Južni" not in html and "Stretch film" not in html
    theirs = login(carol).get(f"/competitors/{balkan.pk}/").content.decode()
    assert theirs.count("data-supply=") == 1 and "Stretch film" in theirs and "Acme" not in theirs
    assert 'data-action="edit-competitor"' not in html
    assert login(alice).get("/competitors/999999/").status_code == 404


def test_a_competitors_page_costs_the_same_queries_for_more_companies(login, alice, balkan):
    first = company_create(actor=alice, name="First")
    supply_create(
        actor=alice, company=first, competitor=balkan, description="Pallets", price="1", currency="EUR"
    )
    client = login(alice)
    client.get(f"/competitors/{balkan.pk}/")
    few, _html = queries(client, f"/competitors/{balkan.pk}/")
    for number in range(15):
        company = company_create(actor=alice, name=f"Customer {number}")
        supply_create(
            actor=alice, company=company, competitor=balkan, description="Boxes", price="2", currency="USD"
        )
    many, html = queries(client, f"/competitors/{balkan.pk}/")
    assert html.count("data-supply=") == 16
    assert many == few


def test_a_manager_adds_and_edits_a_competitor_and_a_stale_edit_saves_nothing(login, mike):
    client = login(mike)
    form = {"name": "Drvo-Pak", "country": "BA", "website": "drvopak.example.ba", "is_active": "on"}
    saved = client.post("/competitors/new/", form)
    competitor = Competitor.objects.get(name="Drvo-Pak")
    assert (saved.status_code, saved["Location"]) == (302, f"/competitors/{competitor.pk}/")
    assert (str(competitor.country), competitor.created_by, competitor.is_active) == ("BA", mike, True)
    taken = client.post("/competitors/new/", {**form, "name": "DRVO-PAK"})
    assert taken.status_code == 400
    assert "Another competitor is named" in taken.content.decode()
    assert Competitor.objects.count() == 1
    edited = client.post(
        f"/competitors/{competitor.pk}/edit/", {**form, "strengths": "Made to measure", "version": 1}
    )
    assert edited.status_code == 302
    stale = client.post(f"/competitors/{competitor.pk}/edit/", {**form, "name": "Lost", "version": 1})
    assert stale.status_code == 400
    assert "Someone changed this competitor meanwhile" in stale.content.decode()
    competitor.refresh_from_db()
    assert (competitor.name, competitor.strengths, competitor.version) == ("Drvo-Pak", "Made to measure", 2)


def test_reps_may_not_edit_and_other_roles_may_not_read(login, alice, tom, sam, paletpol):
    assert login(alice).get(f"/competitors/{paletpol.pk}/edit/").status_code == 403
    assert (
        login(alice).post(f"/competitors/{paletpol.pk}/edit/", {"name": "Mine", "version": 1}).status_code
        == 403
    )
    assert login(tom).get("/competitors/new/").status_code == 403
    assert login(sam).get("/competitors/").status_code == 403
    assert Competitor.objects.get().name == "PaletPol"
    assert 'data-nav="competitors"' in login(tom).get("/competitors/").content.decode()
    assert 'data-nav="competitors"' not in login(sam).get("/").content.decode()


def test_the_card_lists_supplies_and_records_one(login, alice, acme, paletpol, pallet):
    supply_create(
        actor=alice,
        company=acme,
        competitor=paletpol,
        description="EPAL pallets",
        price="39.9",
        currency="PLN",
    )
    client = login(alice)
    section = competitors_section(client.get(f"/companies/{acme.pk}/").content.decode())
    assert section.count("data-supply=") == 1
    assert "EPAL pallets" in section and '<span data-field="price">PLN39.90</span>' in section
    assert 'data-form="supply"' in section and 'data-action="delete-supply"' in section
    added = client.post(
        f"/competitors/companies/{acme.pk}/supplies/",
        {
            "competitor": paletpol.pk,
            "description": "Boxes",
            "product": "pal-eur",
            "price": "2.5",
            "currency": "eur",
        },
    )
    assert (added.status_code, added["Location"]) == (302, f"/companies/{acme.pk}/#competitors")
    supply = CompetitorSupply.objects.get(description="Boxes")
    assert (supply.product, supply.price, supply.currency, supply.recorded_by) == (
        pallet,
        Decimal("2.5"),
        "EUR",
        alice,
    )


def test_bad_card_forms_name_the_field_and_store_nothing(login, alice, acme, paletpol):
    before = supplies_state()
    client = login(alice)
    for data, message in [
        ({"product": "NOPE"}, "No product with the SKU “NOPE”."),
        ({"price": "3"}, "Give the price&#x27;s currency."),
        ({"price": "3", "currency": "ABC"}, "is not an ISO 4217 currency code."),
    ]:
        response = client.post(
            f"/competitors/companies/{acme.pk}/supplies/",
            {"competitor": paletpol.pk, "description": "X", **data},
        )
        assert response.status_code == 400
        assert message in response.content.decode()
    assert supplies_state() == before


def test_the_card_edits_and_removes_a_supply_and_a_stale_edit_saves_nothing(login, alice, acme, paletpol):
    supply = supply_create(actor=alice, company=acme, competitor=paletpol, description="Pallets")
    client = login(alice)
    page = client.get(f"/competitors/supplies/{supply.pk}/edit/").content.decode()
    assert 'value="Pallets"' in page
    form = {"competitor": paletpol.pk, "description": "Pallets, 300 a month", "version": 1}
    assert client.post(f"/competitors/supplies/{supply.pk}/edit/", form).status_code == 302
    stale = client.post(f"/competitors/supplies/{supply.pk}/edit/", {**form, "description": "Lost"})
    assert stale.status_code == 400
    supply.refresh_from_db()
    assert (supply.description, supply.version) == ("Pallets, 300 a month", 2)
    removed = client.post(f"/competitors/supplies/{supply.pk}/delete/")
    assert (removed.status_code, removed["Location"]) == (302, f"/companies/{acme.pk}/#competitors")
    assert not CompetitorSupply.objects.exists()


def test_another_teams_rep_cannot_see_or_touch_a_supply(login, carol, alice, acme, paletpol):
    supply = supply_create(actor=alice, company=acme, competitor=paletpol, description="Pallets")
    before = supplies_state()
    client = login(carol)
    assert (
        client.post(
            f"/competitors/companies/{acme.pk}/supplies/", {"competitor": paletpol.pk, "description": "X"}
        ).status_code
        == 404
    )
    assert client.get(f"/competitors/supplies/{supply.pk}/edit/").status_code == 404
    assert client.post(f"/competitors/supplies/{supply.pk}/delete/").status_code == 404
    assert "Pallets" not in client.get(f"/competitors/{paletpol.pk}/").content.decode()
    assert supplies_state() == before


def test_roles_that_do_not_watch_competitors_see_no_section(login, sam, rita, acme):
    for user in (sam, rita):
        html = login(user).get(f"/companies/{acme.pk}/").content.decode()
        assert 'id="competitors"' not in html


def test_the_card_costs_the_same_queries_for_one_or_many_supplies(login, alice, mike, paletpol):
    small = company_create(actor=alice, name="Small")
    large = company_create(actor=alice, name="Large")
    supply_create(actor=alice, company=small, competitor=paletpol, description="Pallets")
    for number in range(12):
        rival = competitor_create(actor=mike, name=f"Rival {number}")
        supply_create(
            actor=alice,
            company=large,
            competitor=rival,
            description=f"Goods {number}",
            price="1",
            currency="PLN",
        )
    client = login(alice)
    client.get(f"/companies/{small.pk}/")
    few, small_html = queries(client, f"/companies/{small.pk}/")
    many, large_html = queries(client, f"/companies/{large.pk}/")
    assert competitors_section(small_html).count("data-supply=") == 1
    assert competitors_section(large_html).count("data-supply=") == 12
    assert many == few
