"""List pages are written without validating them against their page schema again (page_response):
validating what company_out and contact_out give must change nothing, for every field filled."""

import datetime
import json

import pytest
from ninja.responses import NinjaJSONEncoder

from klient.customers.api import CompanyPage, company_out
from klient.customers.contacts_api import ContactPage, contact_out
from klient.customers.models import Company, Contact
from klient.customers.services import company_create, company_set_tags, contact_create

pytestmark = pytest.mark.django_db

NOON = datetime.datetime(2026, 3, 2, 12, 0, 0, 123456, tzinfo=datetime.UTC)


def _validated(schema, page):
    """The body ninja writes after validating `page` against `schema`."""
    dumped = schema.model_validate(page).model_dump(exclude_unset=True)
    return json.loads(json.dumps(dumped, cls=NinjaJSONEncoder))


@pytest.fixture
def companies(alice, wholesale):
    parent = company_create(actor=alice, name="Holding", country="PL")
    full = company_create(
        actor=alice,
        name="Zażółć Sp. z o.o.",
        legal_name="Zażółć Gęślą Jaźń",
        tax_id="PL 521-300-00-01",
        country="PL",
        phone="22 123 45 67",
        other_phones="601 234 567",
        website="https://www.zazolc.pl/",
        size="50-249",
        status="customer",
        source="exhibition",
        parent=parent,
        is_key_account=True,
        external_id="ERP-1",
        price_type=wholesale,
        payment_terms_days=30,
        credit_limit="150000.5",
        discount_percent="7.5",
        individual_services="Engineer",
        delivery_terms="48 h",
    )
    company_set_tags(company=full, names=["Ključni", "export"], actor=alice)
    Company.objects.filter(pk=full.pk).update(card_reviewed_at=NOON, last_contact_at=NOON)
    return [parent, full]


@pytest.mark.parametrize(("persona", "with_terms"), [("fiona", True), ("sam", False)])
def test_a_company_page_is_what_validating_it_would_give(api, request, companies, persona, with_terms):
    client = api(request.getfixturevalue(persona))

    first = client.get("/companies", limit=1).json()
    second = client.get("/companies", limit=1, cursor=first["next"]).json()

    stored = list(Company.objects.select_related("owner", "team").prefetch_related("tags").order_by("name"))
    for answer, company, next_cursor in ((first, stored[0], first["next"]), (second, stored[1], None)):
        page = {"items": [company_out(company, with_terms=with_terms)], "next": next_cursor}
        assert answer == _validated(CompanyPage, page)
    full = second["items"][0]
    assert full["name"] == "Zażółć Sp. z o.o."
    assert (full["card_reviewed_at"], full["parent"]) == ("2026-03-02T12:00:00.123Z", companies[0].pk)
    assert full["tags"] == ["export", "Ključni"]
    if with_terms:
        assert (full["credit_limit"], full["discount_percent"]) == ("150000.50", "7.50")
    else:
        assert "credit_limit" not in full


def test_a_contact_page_is_what_validating_it_would_give(api, alice, fiona, companies):
    contact = contact_create(
        actor=alice,
        company=companies[1],
        first_name="Łucja",
        last_name="Wiśniewska",
        position="CFO",
        buying_role="decision_maker",
        email="lucja@zazolc.pl",
        other_emails=["l.w@example.com"],
        phone="22 765 43 21",
        mobile="601 234 567",
        other_phones=[{"value": "+48 601 000 111"}],
        birthday=datetime.date(1980, 2, 29),
        language="pl",
        marketing_consent=True,
        marketing_consent_source="fair",
        left_on=datetime.date(2026, 1, 31),
    )
    Contact.objects.filter(pk=contact.pk).update(marketing_consent_at=NOON)
    contact_create(actor=alice, company=companies[0], first_name="Adam", last_name="Nowak")

    body = api(fiona).get("/contacts").json()

    stored = Contact.objects.order_by("last_name", "first_name", "pk")
    assert body == _validated(ContactPage, {"items": [contact_out(c) for c in stored], "next": None})
    lucja = next(item for item in body["items"] if item["first_name"] == "Łucja")
    assert (lucja["birthday"], lucja["marketing_consent_at"]) == ("1980-02-29", "2026-03-02T12:00:00.123Z")
    assert lucja["other_phones"] == [{"value": "+48 601 000 111", "e164": "+48601000111"}]
