"""The contract screens: "Make a contract" on an accepted quote, a new one from a template on the client
card, the form writing a version, the comparison with insertions and deletions marked, the protocol's
forms, approval and signing, the card section, key terms hidden without the permission, a colleague from
another team answered 404, and a constant number of queries on the list and on a contract's page."""

import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from klient.sales.contracts.models import Contract, ContractVersion, Disagreement
from klient.sales.contracts.services import (
    contract_create_from_quote,
    contract_negotiate,
    contract_request_approval,
    contract_update,
    disagreement_add,
)
from tests.contracts.conftest import NOON

pytestmark = pytest.mark.django_db


def field(html, name):
    match = re.search(rf'data-field="{name}">(.*?)</', html, re.S)
    assert match, f"no field {name}"
    return match.group(1).strip()


@pytest.fixture
def contract(alice, accepted_quote):
    with time_machine.travel(NOON, tick=False):
        return contract_create_from_quote(quote=accepted_quote, actor=alice)


def test_an_accepted_quote_offers_to_make_a_contract(login, alice, accepted_quote):
    client = login(alice)
    page = client.get(f"/quotes/{accepted_quote.pk}/").content.decode()
    assert 'data-action="create-contract"' in page
    response = client.post("/contracts/new/", {"quote": accepted_quote.pk})
    contract = Contract.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/contracts/{contract.pk}/"
    page = client.get(f"/quotes/{accepted_quote.pk}/").content.decode()
    assert f'href="/contracts/{contract.pk}/" data-action="contract"' in page


def test_a_quote_of_another_team_makes_no_contract(login, carol, accepted_quote):
    assert login(carol).post("/contracts/new/", {"quote": accepted_quote.pk}).status_code == 404
    assert Contract.objects.count() == 0


def test_the_client_card_lists_contracts_and_offers_a_template(
    login, alice, acme, contact, template, contract
):
    client = login(alice)
    card = client.get(f"/companies/{acme.pk}/").content.decode()
    assert f'data-contract="{contract.pk}"' in card
    assert f'href="/contracts/new/?company={acme.pk}"' in card
    form = client.get(f"/contracts/new/?company={acme.pk}").content.decode()
    assert f'<option value="{template.pk}">Supply agreement</option>' in form
    response = client.post(
        f"/contracts/new/?company={acme.pk}",
        {"template": template.pk, "contact": contact.pk, "starts_on": "2026-04-01"},
    )
    made = Contract.objects.exclude(pk=contract.pk).get()
    assert response["Location"] == f"/contracts/{made.pk}/"
    assert (made.template, made.contact, str(made.ends_on)) == (template, contact, "2027-03-31")
    refused = client.post(f"/contracts/new/?company={acme.pk}", {"template": ""})
    assert refused.status_code == 400
    assert Contract.objects.count() == 2


def test_the_form_writes_a_new_version_and_the_comparison_marks_the_changes(login, alice, contract):
    client = login(alice)
    page = client.get(f"/contracts/{contract.pk}/edit/").content.decode()
    assert 'name="payment_terms_days"' in page
    data = {
        "title": contract.title,
        "language": "pl",
        "currency": "EUR",
        "total": "67.65",
        "renewal_notice_days": "30",
        "payment_terms_days": "14",
        "discount_percent": "3",
        "price_type": contract.price_type_id,
        "body": "1. Pay in 14 days.\n2. Deliver by truck.",
        "note": "First wording",
        "version": "1",
    }
    assert client.post(f"/contracts/{contract.pk}/edit/", data)["Location"] == f"/contracts/{contract.pk}/"
    changed = {
        **data,
        "body": "1. Pay in 30 days.\n2. Deliver by truck.",
        "payment_terms_days": "30",
        "note": "",
        "version": "2",
    }
    client.post(f"/contracts/{contract.pk}/edit/", changed)
    stale = client.post(f"/contracts/{contract.pk}/edit/", {**changed, "body": "Other", "version": "2"})
    assert stale.status_code == 400
    assert "Someone changed this contract meanwhile" in stale.content.decode()
    assert list(ContractVersion.objects.values_list("number", "note")) == [
        (1, "Created"),
        (2, "First wording"),
        (3, ""),
    ]
    compare = client.get(f"/contracts/{contract.pk}/compare/?from=2&to=3").content.decode()
    assert (
        '<div class="diff-change" data-diff-line="change">1. Pay in <del>14</del><ins>30</ins> days.</div>'
        in compare
    )
    assert '<div class="diff-equal">2. Deliver by truck.</div>' in compare
    assert (
        '<tr data-term="payment_terms_days"><td>Payment terms (days)</td><td><del>14</del></td><td><ins>30</ins></td></tr>'
        in compare
    )
    assert client.get(f"/contracts/{contract.pk}/compare/?from=1&to=7").status_code == 404


def test_the_protocol_is_kept_on_the_page_and_blocks_approval(login, alice, mike, contract):
    client = login(alice)
    client.post(f"/contracts/{contract.pk}/negotiate/", {"version": "1"})
    client.post(
        f"/contracts/{contract.pk}/disagreements/",
        {"clause": "4.2 Payment", "our_wording": "14 days", "their_wording": "60 days"},
    )
    disagreement = Disagreement.objects.get()
    page = client.get(f"/contracts/{contract.pk}/").content.decode()
    assert f'data-disagreement="{disagreement.pk}"' in page
    assert "data-open-disagreements" in page
    assert 'data-action="request-approval"' not in page
    version = Contract.objects.get().version
    client.post(f"/contracts/{contract.pk}/request-approval/", {"version": version})
    assert Contract.objects.get().status == "negotiation"
    resolve = f"/contracts/{contract.pk}/disagreements/{disagreement.pk}/resolve/"
    client.post(resolve, {"status": "resolved", "resolution": "", "version": "1"})
    assert Disagreement.objects.get().status == "open"
    client.post(resolve, {"status": "resolved", "resolution": "30 days", "version": "1"})
    assert Disagreement.objects.get().status == "resolved"
    client.post(f"/contracts/{contract.pk}/request-approval/", {"version": version})
    assert Contract.objects.get().status == "approval"
    manager = login(mike)
    assert 'data-action="approve"' in manager.get(f"/contracts/{contract.pk}/").content.decode()
    version = Contract.objects.get().version
    assert client.post(f"/contracts/{contract.pk}/approve/", {"version": version}).status_code == 403
    manager.post(f"/contracts/{contract.pk}/approve/", {"version": version})
    page = client.get(f"/contracts/{contract.pk}/").content.decode()
    assert 'data-form="sign"' in page
    version = Contract.objects.get().version
    client.post(
        f"/contracts/{contract.pk}/sign/",
        {"signed_on": "2026-03-02", "customer_signatory": "Jan Nowak", "version": version},
    )
    signed = Contract.objects.get()
    assert (signed.status, signed.customer_signatory) == ("active", "Jan Nowak")


def test_key_terms_are_hidden_without_the_permission(login, alice, rita, contract):
    assert 'data-section="key-terms"' in login(alice).get(f"/contracts/{contract.pk}/").content.decode()
    page = login(rita).get(f"/contracts/{contract.pk}/").content.decode()
    assert 'data-section="key-terms"' not in page
    assert 'data-field="payment_terms_days"' not in page
    assert 'data-action="edit-contract"' not in page


def test_a_colleague_from_another_team_gets_404(login, carol, contract):
    client = login(carol)
    assert client.get(f"/contracts/{contract.pk}/").status_code == 404
    assert client.post(f"/contracts/{contract.pk}/negotiate/", {"version": "1"}).status_code == 404
    assert Contract.objects.get().status == "draft"
    assert "No contracts found." in client.get("/contracts/").content.decode()


def test_the_list_filters_by_status_and_words(login, alice, contract):
    client = login(alice)
    assert f'data-contract="{contract.pk}"' in client.get("/contracts/?status=draft&q=acme").content.decode()
    assert "No contracts found." in client.get("/contracts/?status=active").content.decode()


def test_the_list_reads_the_same_number_of_queries_whatever_the_contracts(login, alice, accepted_quote):
    client = login(alice)
    contract_create_from_quote(quote=accepted_quote, actor=alice)
    client.get("/contracts/")
    with CaptureQueriesContext(connection) as few:
        assert client.get("/contracts/").status_code == 200
    for _ in range(4):
        contract_create_from_quote(quote=accepted_quote, actor=alice)
    with CaptureQueriesContext(connection) as many:
        assert client.get("/contracts/").content.decode().count("data-contract=") == 5
    assert len(many) == len(few)


def test_a_contracts_page_reads_the_same_number_of_queries_whatever_its_protocol_and_versions(
    login, alice, accepted_quote
):
    client = login(alice)
    small = contract_create_from_quote(quote=accepted_quote, actor=alice)
    client.get(f"/contracts/{small.pk}/")
    with CaptureQueriesContext(connection) as few:
        assert client.get(f"/contracts/{small.pk}/").status_code == 200
    big = contract_create_from_quote(quote=accepted_quote, actor=alice)
    big = contract_negotiate(contract=big, actor=alice, version=big.version)
    for number in range(3):
        big = contract_update(contract=big, actor=alice, version=big.version, body=f"Wording {number}")
        disagreement_add(contract=big, actor=alice, clause=f"Clause {number}")
        big.refresh_from_db()
    with CaptureQueriesContext(connection) as many:
        html = client.get(f"/contracts/{big.pk}/").content.decode()
    assert (html.count("data-disagreement="), html.count("<li data-version=")) == (3, 4)
    assert len(many) == len(few)


def test_a_refused_request_for_approval_changes_nothing(login, alice, contract):
    contract_request_approval(contract=contract, actor=alice, version=contract.version)
    before = list(Contract.objects.values_list("status", "version"))
    response = login(alice).post(f"/contracts/{contract.pk}/request-approval/", {"version": "2"})
    assert response["Location"] == f"/contracts/{contract.pk}/"
    assert list(Contract.objects.values_list("status", "version")) == before
