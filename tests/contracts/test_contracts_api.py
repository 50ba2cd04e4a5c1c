"""Contracts through the API: the answer's shape, made of a quote or a template, a stale version (409), the
protocol blocking approval, approval by a manager only, signing with the terms on the client card and the
webhook, versions and their difference, the key terms left out without the permission, a colleague from
another team answered 404, the list's cursor, and the templates."""

from decimal import Decimal

import pytest
import time_machine

from klient.customers.models import Company
from klient.sales.contracts.models import Contract, ContractTemplate, Disagreement
from klient.webhooks.models import WebhookDelivery
from klient.webhooks.services import webhook_subscription_create
from tests.contracts.conftest import NOON

pytestmark = pytest.mark.django_db


@pytest.fixture
def made(api, alice, accepted_quote):
    with time_machine.travel(NOON, tick=False):
        response = api(alice).post("/contracts", {"quote": accepted_quote.pk, "title": "Supply 2026"})
    assert response.status_code == 201
    return response.json()


def test_a_contract_of_a_quote_answers_its_whole_shape(made, alice, acme, contact, accepted_quote, wholesale):
    contract = Contract.objects.get()
    assert made == {
        "id": contract.pk,
        "number": "C-2026-00001",
        "title": "Supply 2026",
        "company": acme.pk,
        "contact": contact.pk,
        "deal": None,
        "quote": accepted_quote.pk,
        "template": None,
        "owner": "alice",
        "language": "pl",
        "currency": "EUR",
        "total": "67.65",
        "status": "draft",
        "starts_on": None,
        "ends_on": None,
        "renewal_notice_days": 30,
        "terms": {
            "payment_terms_days": 14,
            "discount_percent": "3",
            "delivery_terms": "",
            "price_type": wholesale.pk,
        },
        "body": "",
        "current_version": 1,
        "approved_by": None,
        "approved_at": None,
        "signed_on": None,
        "signed_at": None,
        "customer_signatory": "",
        "terminated_on": None,
        "termination_reason": "",
        "open_disagreements": 0,
        "lines": [
            {
                "position": 1,
                "product": accepted_quote.lines.get(position=1).product_id,
                "sku": "PAL-1",
                "name": "Euro pallet",
                "unit": "pcs",
                "quantity": "3",
                "unit_price": "10",
                "discount_percent": "0",
                "tax_rate": "23",
                "line_subtotal": "30",
                "line_tax": "6.9",
            },
            {
                "position": 2,
                "product": accepted_quote.lines.get(position=2).product_id,
                "sku": "FOIL-1",
                "name": "Stretch foil",
                "unit": "kg",
                "quantity": "10",
                "unit_price": "2.5",
                "discount_percent": "0",
                "tax_rate": "23",
                "line_subtotal": "25",
                "line_tax": "5.75",
            },
        ],
        "version": 1,
        "created_at": "2026-03-02T12:00:00Z",
        "updated_at": "2026-03-02T12:00:00Z",
    }


def test_a_quote_the_caller_cannot_see_answers_404_and_makes_nothing(api, carol, accepted_quote):
    response = api(carol).post("/contracts", {"quote": accepted_quote.pk})
    assert response.status_code == 404
    assert response.json() == {
        "detail": "Not found.",
        "errors": [{"field": "quote", "message": "No quote with this id, or you may not see it."}],
    }
    assert Contract.objects.count() == 0


def test_a_contract_from_a_template_takes_the_terms_given(api, alice, acme, contact, template):
    response = api(alice).post(
        "/contracts",
        {
            "template": template.pk,
            "company": acme.pk,
            "contact": contact.pk,
            "starts_on": "2026-04-01",
            "payment_terms_days": 60,
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["title"], body["template"], body["starts_on"], body["ends_on"]) == (
        "Supply agreement",
        template.pk,
        "2026-04-01",
        "2027-03-31",
    )
    assert body["terms"]["payment_terms_days"] == 60
    assert body["body"].splitlines()[2] == "2. Payment within 60 days."
    missing = api(alice).post("/contracts", {"company": acme.pk})
    assert missing.status_code == 422
    assert missing.json()["errors"] == [
        {"field": "quote", "message": "Give an accepted quote, or a template and a company."}
    ]
    assert Contract.objects.count() == 1


def test_a_stale_patch_answers_409_and_changes_nothing(api, alice, made):
    client = api(alice)
    changed = client.patch(f"/contracts/{made['id']}", {"version": 1, "body": "1. Subject", "note": "Draft"})
    assert changed.status_code == 200
    assert (changed.json()["current_version"], changed.json()["version"]) == (2, 2)
    stale = client.patch(f"/contracts/{made['id']}", {"version": 1, "body": "Other"})
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 2
    assert Contract.objects.get().body == "1. Subject"


def test_bad_terms_are_named_and_change_nothing(api, alice, made):
    client = api(alice)
    too_many_digits = client.patch(f"/contracts/{made['id']}", {"version": 1, "discount_percent": 1840})
    over_100 = client.patch(f"/contracts/{made['id']}", {"version": 1, "discount_percent": "140"})

    assert too_many_digits.status_code == 422
    assert [error["field"] for error in too_many_digits.json()["errors"]] == ["discount_percent"]
    assert over_100.status_code == 422
    assert over_100.json()["errors"] == [
        {"field": "discount_percent", "message": "A discount is at most 100 %."}
    ]
    contract = Contract.objects.get()
    assert (contract.version, contract.current_version, contract.discount_percent) == (1, 1, Decimal("3.00"))


def test_the_protocol_blocks_approval_then_a_manager_approves_and_the_signature_flows_to_the_card(
    api, alice, mike, root, acme, made
):
    webhook_subscription_create(
        actor=root, name="ERP", url="https://93.184.215.14/hooks", events=["contract.signed"]
    )
    client, contract_id = api(alice), made["id"]
    client.patch(f"/contracts/{contract_id}", {"version": 1, "payment_terms_days": 45})
    assert (
        client.post(f"/contracts/{contract_id}/negotiate", {"version": 2}).json()["status"] == "negotiation"
    )
    added = client.post(
        f"/contracts/{contract_id}/disagreements",
        {"clause": "4.2 Payment", "our_wording": "45 days", "their_wording": "90 days"},
    )
    assert added.status_code == 201
    disagreement = added.json()
    assert (disagreement["status"], disagreement["created_by"], disagreement["version"]) == (
        "open",
        "alice",
        1,
    )
    version = Contract.objects.get().version
    blocked = client.post(f"/contracts/{contract_id}/request-approval", {"version": version})
    assert blocked.status_code == 422
    assert blocked.json()["errors"] == [
        {"field": "disagreements", "message": "Settle the open disagreements first: 4.2 Payment."}
    ]
    assert Contract.objects.get().status == "negotiation"
    settled = client.patch(
        f"/contracts/{contract_id}/disagreements/{disagreement['id']}",
        {"version": 1, "status": "resolved", "resolution": "60 days"},
    )
    assert (settled.status_code, settled.json()["status"], settled.json()["resolved_by"]) == (
        200,
        "resolved",
        "alice",
    )
    listed = client.get(f"/contracts/{contract_id}/disagreements").json()
    assert [(item["clause"], item["resolution"]) for item in listed] == [("4.2 Payment", "60 days")]
    asked = client.post(f"/contracts/{contract_id}/request-approval", {"version": version})
    assert asked.json()["status"] == "approval"
    version = asked.json()["version"]
    assert client.post(f"/contracts/{contract_id}/approve", {"version": version}).status_code == 403
    approved = api(mike).post(f"/contracts/{contract_id}/approve", {"version": version})
    assert approved.json()["approved_by"] == "mike"
    signed = client.post(
        f"/contracts/{contract_id}/sign",
        {"version": approved.json()["version"], "signed_on": "2026-03-02", "customer_signatory": "Jan Nowak"},
    )
    assert signed.status_code == 200
    assert (signed.json()["status"], signed.json()["signed_on"]) == ("active", "2026-03-02")
    assert Company.objects.get(pk=acme.pk).payment_terms_days == 45
    assert list(WebhookDelivery.objects.values_list("event", "key")) == [
        ("contract.signed", f"contract.signed:{contract_id}")
    ]
    ended = client.post(
        f"/contracts/{contract_id}/terminate",
        {"version": signed.json()["version"], "terminated_on": "2026-06-30", "reason": "Moved abroad"},
    )
    assert (ended.json()["status"], ended.json()["terminated_on"]) == ("terminated", "2026-06-30")


def test_versions_and_their_difference(api, alice, made):
    client, contract_id = api(alice), made["id"]
    client.patch(f"/contracts/{contract_id}", {"version": 1, "body": "1. Pay in 14 days.", "note": "First"})
    client.patch(
        f"/contracts/{contract_id}", {"version": 2, "body": "1. Pay in 30 days.", "payment_terms_days": 30}
    )
    versions = client.get(f"/contracts/{contract_id}/versions").json()
    assert [(version["number"], version["note"], version["body"]) for version in versions] == [
        (3, "", "1. Pay in 30 days."),
        (2, "First", "1. Pay in 14 days."),
        (1, "Created", ""),
    ]
    difference = client.get(f"/contracts/{contract_id}/diff", **{"from": 2, "to": 3})
    assert difference.json() == {
        "older": 2,
        "newer": 3,
        "lines": [
            {
                "kind": "change",
                "old": "1. Pay in 14 days.",
                "new": "1. Pay in 30 days.",
                "words": [["equal", "1. Pay in "], ["delete", "14"], ["insert", "30"], ["equal", " days."]],
                "name": "",
            },
            {"kind": "term", "old": "14", "new": "30", "words": [], "name": "payment_terms_days"},
        ],
    }
    assert client.get(f"/contracts/{contract_id}/diff", **{"from": 1, "to": 9}).status_code == 404


def test_key_terms_are_left_out_without_the_permission(api, alice, rita, made):
    api(alice).patch(
        f"/contracts/{made['id']}", {"version": 1, "payment_terms_days": 30, "ends_on": "2026-12-31"}
    )
    client = api(rita)
    read = client.get(f"/contracts/{made['id']}").json()
    assert read["terms"] is None
    assert read["ends_on"] == "2026-12-31"
    versions = client.get(f"/contracts/{made['id']}/versions").json()
    assert versions[0]["terms"] == {"starts_on": "", "ends_on": "2026-12-31", "renewal_notice_days": "30"}
    lines = client.get(f"/contracts/{made['id']}/diff", **{"from": 1, "to": 2}).json()["lines"]
    assert [(line["kind"], line["name"]) for line in lines] == [("term", "ends_on")]
    history = client.get(f"/contracts/{made['id']}/history").json()["items"]
    assert "payment_terms_days" not in str(history)
    assert "payment_terms_days" in str(api(alice).get(f"/contracts/{made['id']}/history").json())
    # Read-only users read contracts but do not write them.
    refused = client.patch(f"/contracts/{made['id']}", {"version": 2, "title": "Mine"})
    assert refused.status_code == 403
    assert Contract.objects.get().title == "Supply 2026"


def test_a_colleague_from_another_team_gets_404(api, carol, made):
    client = api(carol)
    assert client.get(f"/contracts/{made['id']}").status_code == 404
    assert client.get("/contracts").json() == {"items": [], "next": None}
    assert client.post(f"/contracts/{made['id']}/disagreements", {"clause": "1"}).status_code == 404
    assert Disagreement.objects.count() == 0


def test_the_list_filters_and_pages_with_a_cursor(api, alice, accepted_quote):
    client = api(alice)
    ids = [client.post("/contracts", {"quote": accepted_quote.pk}).json()["id"] for _ in range(3)]
    first = client.get("/contracts", limit=2).json()
    assert [item["id"] for item in first["items"]] == [ids[2], ids[1]]
    second = client.get("/contracts", limit=2, cursor=first["next"]).json()
    assert ([item["id"] for item in second["items"]], second["next"]) == ([ids[0]], None)
    assert first["items"][0] == {
        "id": ids[2],
        "number": Contract.objects.get(pk=ids[2]).number,
        "title": f"Contract for Acme ({accepted_quote.label})",
        "company": accepted_quote.company_id,
        "company_name": "Acme",
        "status": "draft",
        "starts_on": None,
        "ends_on": None,
        "owner": "alice",
        "version": 1,
    }
    assert client.get("/contracts", status="active").json()["items"] == []
    assert len(client.get("/contracts", q="acme").json()["items"]) == 3


def test_templates_are_listed_and_added_by_managers(api, alice, mike, template):
    assert [item["name"] for item in api(alice).get("/contract-templates").json()] == ["Supply agreement"]
    body = {"name": "Service", "language": "en", "body": "Service for {company}.", "duration_months": 24}
    assert api(alice).post("/contract-templates", body).status_code == 403
    added = api(mike).post("/contract-templates", body)
    assert added.status_code == 201
    assert added.json() == {
        "id": ContractTemplate.objects.get(name="Service").pk,
        "name": "Service",
        "language": "en",
        "body": "Service for {company}.",
        "payment_terms_days": None,
        "discount_percent": None,
        "delivery_terms": "",
        "duration_months": 24,
        "is_active": True,
    }
    wrong = api(mike).post("/contract-templates", {**body, "language": "xx"})
    assert wrong.status_code == 422
    assert ContractTemplate.objects.count() == 2
