"""Contracts through their services: made from an accepted quote or a template, numbered, versioned with a
readable difference, the disagreement protocol blocking approval and signing, a manager's approval, the
key terms flowing to the client card on signing (audited, the company's version moved on), the webhook,
termination, the daily job, and refused changes changing nothing."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import transaction

from klient.core.exceptions import NotAllowed, VersionConflict
from klient.core.models import AuditEntry
from klient.customers.models import Company
from klient.mail.models import OutboxMessage
from klient.sales.contracts.models import (
    Contract,
    ContractStatus,
    ContractVersion,
    Disagreement,
    DisagreementStatus,
)
from klient.sales.contracts.services import (
    DiffLine,
    add_months,
    contract_approve,
    contract_create_from_quote,
    contract_create_from_template,
    contract_diff,
    contract_negotiate,
    contract_request_approval,
    contract_sign,
    contract_terminate,
    contract_update,
    contracts_advance,
    disagreement_add,
    disagreement_resolve,
)
from klient.sales.contracts.tasks import contracts_advance_due
from klient.sales.quotes.models import Quote, QuoteStatus
from klient.webhooks.models import WebhookDelivery
from klient.webhooks.services import webhook_subscription_create
from tests.contracts.conftest import NOON, TODAY

pytestmark = pytest.mark.django_db


def state(contract):
    """What a refused change must leave as it was."""
    row = Contract.objects.values_list("status", "version", "current_version", "approved_by_id", "body").get(
        pk=contract.pk
    )
    return (
        row,
        ContractVersion.objects.count(),
        list(Disagreement.objects.values_list("status", "version")),
        AuditEntry.objects.count(),
        OutboxMessage.objects.count(),
        WebhookDelivery.objects.count(),
        list(Company.objects.values_list("version", "payment_terms_days", "discount_percent")),
    )


def refused(error_type, call, watched, /, **kwargs):
    before = state(watched)
    with pytest.raises(error_type) as raised:
        call(**kwargs)
    assert state(watched) == before
    return raised.value


@pytest.fixture
def from_quote(alice, accepted_quote):
    with time_machine.travel(NOON, tick=False):
        return contract_create_from_quote(quote=accepted_quote, actor=alice)


def to_approval(contract, actor, manager):
    contract = contract_negotiate(contract=contract, actor=actor, version=contract.version)
    contract = contract_request_approval(contract=contract, actor=actor, version=contract.version)
    return contract_approve(contract=contract, actor=manager, version=contract.version)


def test_a_contract_of_an_accepted_quote_copies_its_lines_total_and_the_clients_terms(
    alice, acme, contact, accepted_quote, wholesale
):
    with time_machine.travel(NOON, tick=False):
        contract = contract_create_from_quote(quote=accepted_quote, actor=alice)
    contract.refresh_from_db()
    assert (contract.number, contract.title, contract.status, contract.owner, contract.company) == (
        "C-2026-00001",
        f"Contract for Acme ({accepted_quote.label})",
        ContractStatus.DRAFT,
        alice,
        acme,
    )
    assert (contract.contact, contract.quote, contract.language, contract.currency, contract.total) == (
        contact,
        accepted_quote,
        "pl",
        "EUR",
        Decimal("67.65"),
    )
    assert (
        contract.payment_terms_days,
        contract.discount_percent,
        contract.price_type,
        contract.current_version,
    ) == (14, Decimal("3.00"), wholesale, 1)
    assert list(
        contract.lines.values_list("position", "sku", "quantity", "unit_price", "tax_rate", "line_subtotal")
    ) == [
        (1, "PAL-1", Decimal("3.000"), Decimal("10.0000"), Decimal("23.00"), Decimal("30.0000")),
        (2, "FOIL-1", Decimal("10.000"), Decimal("2.5000"), Decimal("23.00"), Decimal("25.0000")),
    ]
    version = contract.versions.get()
    assert (version.number, version.body, version.note, version.created_by) == (1, "", "Created", alice)
    assert version.terms == {
        "payment_terms_days": "14",
        "discount_percent": "3.00",
        "delivery_terms": "",
        "price_type": "Wholesale",
        "starts_on": "",
        "ends_on": "",
        "renewal_notice_days": "30",
    }
    entry = AuditEntry.objects.filter(action="create", object_id=contract.pk).get(
        content_type__model="contract"
    )
    assert (entry.actor, entry.company_id, entry.changes["quote"]["to_label"]) == (
        alice,
        acme.pk,
        accepted_quote.label,
    )


def test_numbers_follow_each_other_within_a_year_and_start_again_in_the_next(alice, accepted_quote):
    with time_machine.travel(NOON, tick=False):
        first = contract_create_from_quote(quote=accepted_quote, actor=alice)
        second = contract_create_from_quote(quote=accepted_quote, actor=alice)
    with time_machine.travel(datetime.datetime(2027, 1, 1, 12, tzinfo=datetime.UTC), tick=False):
        third = contract_create_from_quote(quote=accepted_quote, actor=alice)
    assert [first.number, second.number, third.number] == ["C-2026-00001", "C-2026-00002", "C-2027-00001"]


def test_only_an_accepted_quote_becomes_a_contract(alice, accepted_quote):
    Quote.objects.filter(pk=accepted_quote.pk).update(status=QuoteStatus.SENT)
    accepted_quote.refresh_from_db()
    with pytest.raises(ValidationError) as raised:
        contract_create_from_quote(quote=accepted_quote, actor=alice)
    assert raised.value.message_dict == {"quote": ["Only an accepted quote becomes a contract."]}
    assert (Contract.objects.count(), ContractVersion.objects.count()) == (0, 0)


def test_a_colleague_from_another_team_cannot_make_a_contract_of_a_quote_they_do_not_see(
    carol, accepted_quote
):
    with pytest.raises(Company.DoesNotExist):
        contract_create_from_quote(quote=accepted_quote, actor=carol)
    assert Contract.objects.count() == 0


def test_a_template_fills_its_placeholders_and_leaves_unknown_ones(alice, acme, contact, template):
    with time_machine.travel(NOON, tick=False):
        contract = contract_create_from_template(
            template=template, company=acme, actor=alice, contact=contact, starts_on=datetime.date(2026, 4, 1)
        )
    assert (contract.number, contract.title, contract.template, contract.language, contract.currency) == (
        "C-2026-00001",
        "Supply agreement",
        template,
        "pl",
        "EUR",
    )
    assert (contract.starts_on, contract.ends_on) == (datetime.date(2026, 4, 1), datetime.date(2027, 3, 31))
    assert (contract.payment_terms_days, contract.discount_percent, contract.delivery_terms) == (
        30,
        Decimal("2.50"),
        "DAP Warsaw",
    )
    assert contract.body == (
        "Contract C-2026-00001 with Acme.\n"
        "1. Term: from 1 kwietnia 2026 to 31 marca 2027.\n"
        "2. Payment within 30 days.\n"
        "3. {unknown} stays as it is."
    )
    assert contract.versions.get().body == contract.body


def test_terms_given_override_the_templates_and_need_the_permission(alice, tom, acme, template, retail):
    contract = contract_create_from_template(
        template=template, company=acme, actor=alice, payment_terms_days=45, price_type=retail
    )
    assert (contract.payment_terms_days, contract.price_type, contract.discount_percent) == (
        45,
        retail,
        Decimal("2.50"),
    )
    with pytest.raises(NotAllowed):
        contract_create_from_template(template=template, company=acme, actor=tom, payment_terms_days=45)
    assert Contract.objects.count() == 1


def test_add_months_ends_the_day_before_the_same_day_later():
    assert add_months(datetime.date(2026, 3, 1), 12) == datetime.date(2027, 2, 28)
    assert add_months(datetime.date(2026, 1, 31), 1) == datetime.date(2026, 2, 27)
    assert add_months(datetime.date(2026, 11, 15), 2) == datetime.date(2027, 1, 14)


def test_a_change_of_the_wording_writes_a_version_and_a_change_of_the_title_does_not(alice, from_quote):
    changed = contract_update(
        contract=from_quote,
        actor=alice,
        version=from_quote.version,
        note="First draft",
        body="1. Subject\n2. Price",
    )
    assert (changed.current_version, changed.version) == (2, 2)
    renamed = contract_update(contract=changed, actor=alice, version=changed.version, title="Supply 2026")
    assert (renamed.current_version, renamed.version, renamed.title) == (2, 3, "Supply 2026")
    unchanged = contract_update(contract=renamed, actor=alice, version=renamed.version, title="Supply 2026")
    assert unchanged.version == 3
    assert list(ContractVersion.objects.values_list("number", "note", "body")) == [
        (1, "Created", ""),
        (2, "First draft", "1. Subject\n2. Price"),
    ]


def test_a_stale_version_is_refused_and_changes_nothing(alice, from_quote):
    error = refused(
        VersionConflict,
        contract_update,
        from_quote,
        contract=from_quote,
        actor=alice,
        version=from_quote.version + 1,
        body="x",
    )
    assert error.current_version == 1


def test_the_difference_marks_lines_words_and_terms(alice, from_quote):
    first = contract_update(
        contract=from_quote,
        actor=alice,
        version=from_quote.version,
        body="1. Subject: pallets.\n2. Payment within 14 days.\n3. Delivery by truck.\n4. Law: Polish.",
    )
    contract_update(
        contract=first,
        actor=alice,
        version=first.version,
        body="1. Subject: pallets.\n2. Payment within 30 days of delivery.\n4. Law: Polish.\n5. Court: Warsaw.",
        payment_terms_days=30,
    )
    older, newer = ContractVersion.objects.filter(number__in=[2, 3]).order_by("number")
    assert contract_diff(older=older, newer=newer) == [
        DiffLine("equal", "1. Subject: pallets.", "1. Subject: pallets."),
        DiffLine(
            "change",
            "2. Payment within 14 days.",
            "2. Payment within 30 days of delivery.",
            [
                ("equal", "2. Payment within "),
                ("delete", "14"),
                ("insert", "30"),
                ("equal", " "),
                ("delete", "days."),
                ("insert", "days of delivery."),
            ],
        ),
        DiffLine("delete", old="3. Delivery by truck."),
        DiffLine("equal", "4. Law: Polish.", "4. Law: Polish."),
        DiffLine("insert", new="5. Court: Warsaw."),
        DiffLine("term", "14", "30", name="payment_terms_days"),
    ]


def test_an_open_disagreement_blocks_approval_and_the_message_names_the_clauses(alice, mike, from_quote):
    contract = contract_negotiate(contract=from_quote, actor=alice, version=from_quote.version)
    payment = disagreement_add(
        contract=contract, actor=alice, clause="4.2 Payment", our_wording="14 days", their_wording="60 days"
    )
    disagreement_add(contract=contract, actor=alice, clause="7 Penalties")
    contract.refresh_from_db()
    error = refused(
        ValidationError, contract_request_approval, contract, contract=contract, actor=alice, version=None
    )
    assert error.message_dict == {
        "disagreements": ["Settle the open disagreements first: 4.2 Payment; 7 Penalties."]
    }
    with pytest.raises(ValidationError) as missing:
        disagreement_resolve(
            disagreement=payment, actor=alice, resolution=" ", status=DisagreementStatus.RESOLVED, version=1
        )
    assert missing.value.message_dict == {"resolution": ["Write down the resolution agreed."]}
    settled = disagreement_resolve(
        disagreement=payment, actor=alice, resolution="30 days", status=DisagreementStatus.RESOLVED, version=1
    )
    assert (settled.status, settled.resolution, settled.resolved_by, settled.version) == (
        "resolved",
        "30 days",
        alice,
        2,
    )
    with pytest.raises(VersionConflict):
        disagreement_resolve(
            disagreement=payment, actor=alice, resolution="45", status=DisagreementStatus.RESOLVED, version=1
        )
    with pytest.raises(ValidationError) as again:
        contract_request_approval(contract=contract, actor=alice)
    assert again.value.message_dict == {
        "disagreements": ["Settle the open disagreements first: 7 Penalties."]
    }
    penalties = Disagreement.objects.get(clause="7 Penalties")
    disagreement_resolve(
        disagreement=penalties, actor=alice, resolution="", status=DisagreementStatus.WITHDRAWN, version=1
    )
    asked = contract_request_approval(contract=contract, actor=alice)
    assert asked.status == ContractStatus.APPROVAL
    message = OutboxMessage.objects.get()
    assert (message.to_email, message.subject) == (
        "mike@example.com",
        "Contract C-2026-00001 awaits your approval",
    )


def test_only_a_manager_approves_and_a_new_disagreement_takes_the_approval_back(alice, mike, from_quote):
    contract = contract_negotiate(contract=from_quote, actor=alice, version=from_quote.version)
    contract = contract_request_approval(contract=contract, actor=alice, version=contract.version)
    refused(NotAllowed, contract_approve, contract, contract=contract, actor=alice)
    approved = contract_approve(contract=contract, actor=mike, version=contract.version)
    assert (approved.status, approved.approved_by) == (ContractStatus.APPROVAL, mike)
    assert approved.approved_at is not None
    disagreement_add(contract=approved, actor=alice, clause="9 Force majeure")
    approved.refresh_from_db()
    assert (approved.status, approved.approved_by, approved.approved_at) == (
        ContractStatus.NEGOTIATION,
        None,
        None,
    )


def test_a_change_while_awaiting_approval_goes_back_to_negotiation(alice, mike, from_quote):
    contract = to_approval(from_quote, alice, mike)
    changed = contract_update(contract=contract, actor=alice, version=contract.version, body="New text")
    assert (changed.status, changed.approved_by, changed.current_version) == (
        ContractStatus.NEGOTIATION,
        None,
        2,
    )


def test_signing_needs_an_approved_contract_with_nothing_open(alice, mike, from_quote):
    contract = contract_negotiate(contract=from_quote, actor=alice, version=from_quote.version)
    kwargs = {"actor": alice, "signed_on": TODAY, "customer_signatory": "Jan Nowak"}
    error = refused(
        ValidationError, contract_sign, contract, contract=contract, version=contract.version, **kwargs
    )
    assert error.message_dict == {"status": ["Only an approved contract is signed."]}
    contract = contract_request_approval(contract=contract, actor=alice, version=contract.version)
    error = refused(
        ValidationError, contract_sign, contract, contract=contract, version=contract.version, **kwargs
    )
    assert error.message_dict == {"status": ["Only an approved contract is signed."]}


def test_signing_makes_the_key_terms_the_clients_with_an_audit_entry_and_a_webhook(
    alice, mike, root, acme, from_quote, retail
):
    webhook_subscription_create(
        actor=root, name="ERP", url="https://93.184.215.14/hooks", events=["contract.signed"]
    )
    contract = contract_update(
        contract=from_quote,
        actor=alice,
        version=from_quote.version,
        payment_terms_days=30,
        discount_percent="5",
        delivery_terms="DAP Warsaw",
        price_type=retail,
    )
    contract = to_approval(contract, alice, mike)
    company_version = Company.objects.get(pk=acme.pk).version
    with time_machine.travel(NOON, tick=False):
        signed = contract_sign(
            contract=contract,
            actor=alice,
            signed_on=TODAY,
            customer_signatory="Jan Nowak",
            version=contract.version,
        )
    assert (signed.status, signed.signed_on, signed.customer_signatory, signed.signed_at) == (
        ContractStatus.ACTIVE,
        TODAY,
        "Jan Nowak",
        NOON,
    )
    company = Company.objects.get(pk=acme.pk)
    assert (
        company.payment_terms_days,
        company.discount_percent,
        company.delivery_terms,
        company.price_type,
    ) == (
        30,
        Decimal("5.00"),
        "DAP Warsaw",
        retail,
    )
    assert company.version == company_version + 1
    entry = AuditEntry.objects.filter(content_type__model="company", object_id=acme.pk).latest("id")
    assert (entry.actor, sorted(entry.changes)) == (
        alice,
        ["delivery_terms", "discount_percent", "payment_terms_days", "price_type"],
    )
    assert entry.changes["payment_terms_days"]["from"] == 14
    delivery = WebhookDelivery.objects.get()
    assert (delivery.event, delivery.key) == ("contract.signed", f"contract.signed:{signed.pk}")
    assert delivery.payload["number"] == "C-2026-00001"


def test_a_refused_signature_sends_no_webhook_and_leaves_the_company(alice, mike, root, acme, from_quote):
    webhook_subscription_create(
        actor=root, name="ERP", url="https://93.184.215.14/hooks", events=["contract.signed"]
    )
    contract = to_approval(from_quote, alice, mike)
    disagreement_add(contract=contract, actor=alice, clause="4.2 Payment")
    contract.refresh_from_db()
    error = refused(
        ValidationError,
        contract_sign,
        contract,
        contract=contract,
        actor=alice,
        signed_on=TODAY,
        customer_signatory="Jan",
        version=contract.version,
    )
    assert error.message_dict == {"status": ["Only an approved contract is signed."]}


def test_a_contract_starting_later_is_signed_then_activated_and_expired_by_the_daily_job(
    alice, mike, from_quote
):
    contract = contract_update(
        contract=from_quote,
        actor=alice,
        version=from_quote.version,
        starts_on=datetime.date(2026, 4, 1),
        ends_on=datetime.date(2026, 12, 31),
    )
    contract = to_approval(contract, alice, mike)
    with time_machine.travel(NOON, tick=False):
        signed = contract_sign(
            contract=contract,
            actor=alice,
            signed_on=TODAY,
            customer_signatory="Jan",
            version=contract.version,
        )
    assert signed.status == ContractStatus.SIGNED
    assert contracts_advance(today=datetime.date(2026, 3, 31)) == {"activated": 0, "expired": 0}
    assert contracts_advance(today=datetime.date(2026, 4, 1)) == {"activated": 1, "expired": 0}
    assert contracts_advance(today=datetime.date(2026, 12, 31)) == {"activated": 0, "expired": 0}
    assert contracts_advance(today=datetime.date(2027, 1, 1)) == {"activated": 0, "expired": 1}
    assert contracts_advance(today=datetime.date(2027, 1, 2)) == {"activated": 0, "expired": 0}
    contract.refresh_from_db()
    assert contract.status == ContractStatus.EXPIRED
    moves = [
        entry.changes["status"]["to"]
        for entry in AuditEntry.objects.filter(content_type__model="contract", actor=None).order_by("id")
    ]
    assert moves == ["active", "expired"]


def test_terminating_needs_a_reason_and_a_signed_contract(alice, mike, from_quote):
    kwargs = {"actor": alice, "terminated_on": TODAY, "reason": "Client closed"}
    error = refused(
        ValidationError,
        contract_terminate,
        from_quote,
        contract=from_quote,
        version=from_quote.version,
        **kwargs,
    )
    assert error.message_dict == {"status": ["Only a signed or active contract is terminated."]}
    contract = to_approval(from_quote, alice, mike)
    with time_machine.travel(NOON, tick=False):
        contract = contract_sign(
            contract=contract,
            actor=alice,
            signed_on=TODAY,
            customer_signatory="Jan",
            version=contract.version,
        )
        error = refused(
            ValidationError,
            contract_terminate,
            contract,
            contract=contract,
            actor=alice,
            terminated_on=TODAY,
            reason=" ",
            version=contract.version,
        )
        assert error.message_dict == {"reason": ["Give the reason."]}
        ended = contract_terminate(contract=contract, version=contract.version, **kwargs)
    assert (ended.status, ended.terminated_on, ended.termination_reason) == (
        ContractStatus.TERMINATED,
        TODAY,
        "Client closed",
    )
    refused(
        ValidationError,
        contract_update,
        ended,
        contract=ended,
        actor=alice,
        version=ended.version,
        body="Too late",
    )


def test_a_draft_is_not_approved_nor_negotiated_twice(alice, mike, from_quote):
    error = refused(ValidationError, contract_approve, from_quote, contract=from_quote, actor=mike)
    assert error.message_dict == {"status": ["This contract does not await approval."]}
    contract = contract_negotiate(contract=from_quote, actor=alice, version=from_quote.version)
    error = refused(ValidationError, contract_negotiate, contract, contract=contract, actor=alice)
    assert error.message_dict == {"status": ["Only a draft goes into negotiation."]}


def test_the_webhook_leaves_after_the_commit_and_nothing_leaves_on_a_rollback(
    alice, mike, root, acme, from_quote, django_capture_on_commit_callbacks
):
    webhook_subscription_create(
        actor=root, name="ERP", url="https://93.184.215.14/hooks", events=["contract.signed"]
    )
    contract = to_approval(from_quote, alice, mike)
    kwargs = {"actor": alice, "signed_on": TODAY, "customer_signatory": "Jan", "version": contract.version}
    with pytest.raises(RuntimeError), transaction.atomic():
        contract_sign(contract=contract, **kwargs)
        raise RuntimeError("the caller's transaction fails")
    assert (WebhookDelivery.objects.count(), Company.objects.get(pk=acme.pk).payment_terms_days) == (0, 14)
    assert Contract.objects.get(pk=contract.pk).status == ContractStatus.APPROVAL
    with django_capture_on_commit_callbacks() as callbacks:
        contract_sign(contract=contract, **kwargs)
    assert len(callbacks) == 1
    assert WebhookDelivery.objects.get().status == "queued"


def test_the_nightly_task_moves_contracts_on_the_servers_day(alice, mike, from_quote):
    contract = contract_update(
        contract=from_quote, actor=alice, version=from_quote.version, starts_on=datetime.date(2026, 3, 10)
    )
    contract = to_approval(contract, alice, mike)
    with time_machine.travel(NOON, tick=False):
        contract_sign(
            contract=contract,
            actor=alice,
            signed_on=TODAY,
            customer_signatory="Jan",
            version=contract.version,
        )
        assert contracts_advance_due() == {"activated": 0, "expired": 0}
    with time_machine.travel(datetime.datetime(2026, 3, 10, 0, 20, tzinfo=datetime.UTC), tick=False):
        assert contracts_advance_due() == {"activated": 1, "expired": 0}
    assert Contract.objects.get().status == ContractStatus.ACTIVE
