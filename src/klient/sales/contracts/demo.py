"""The demo contracts: a supply agreement template, and about twelve contracts of the sales teams' companies,
from the accepted demo quotes first and then from the template: several in negotiation with open and
settled disagreements, some awaiting approval, one approved, signed and active ones (one running out
within 30 days, one starting next month), one expired and one terminated.

Made through the services (numbers, versions, protocol, approval and history as in real use); the manager
asks for approval himself, so no mail leaves; idempotent.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from klient.core.models import User
from klient.customers.models import Company
from klient.sales.contracts.models import Contract, ContractTemplate, DisagreementStatus
from klient.sales.contracts.services import (
    contract_approve,
    contract_create_from_quote,
    contract_create_from_template,
    contract_negotiate,
    contract_request_approval,
    contract_sign,
    contract_terminate,
    contract_update,
    contracts_advance,
    disagreement_add,
    disagreement_resolve,
)
from klient.sales.quotes.models import Quote, QuoteStatus

WANTED = 12
TEMPLATE_BODY = """SUPPLY AGREEMENT {number}

between our company (the Supplier) and {company_legal_name} (the Buyer).

1. Subject
The Supplier delivers pallets, packaging and racking from its catalogue as the Buyer orders them.

2. Term
From {starts_on} to {ends_on}.

3. Prices
Prices follow the price type "{price_type}", less a discount of {discount_percent} %.

4. Payment
4.1 Invoices are issued on shipment.
4.2 Payment within {payment_terms_days} days of the invoice.

5. Delivery
{delivery_terms}

6. Disputes
Disputes are settled by the court of the Supplier's seat."""
# What each demo contract goes through, in order: the plan's name.
PLANS = (
    "negotiation_open",
    "negotiation_open",
    "negotiation_settled",
    "approval",
    "approval",
    "approved",
    "active",
    "expiring",
    "starting",
    "expired",
    "draft",
    "terminated",
)


def _manager(owner: User) -> User:
    """Who approves (and, for the demo, asks for approval): the owner's team lead, else the owner."""
    team = owner.team
    lead = team.lead if team is not None and team.lead_id else None
    return lead if lead is not None and lead.has_perm("contracts.approve_contract") else owner


def _sources(owners: list[User], template: ContractTemplate) -> list[Contract]:
    actors = [owner for owner in owners if owner.has_perm("contracts.add_contract")]
    contracts: list[Contract] = []
    quotes = Quote.objects.filter(status=QuoteStatus.ACCEPTED, owner__in=actors).select_related(
        "owner", "company"
    )
    for quote in quotes.order_by("pk")[:WANTED]:
        contracts.append(contract_create_from_quote(quote=quote, actor=quote.owner))
    used = {contract.company_id for contract in contracts}
    companies = (
        Company.objects.filter(owner__in=actors).exclude(pk__in=used).select_related("owner").order_by("pk")
    )
    for company in companies[: WANTED - len(contracts)]:
        assert company.owner is not None
        contracts.append(
            contract_create_from_template(template=template, company=company, actor=company.owner)
        )
    return contracts


def _to_approval(contract: Contract, manager: User) -> Contract:
    contract = contract_request_approval(contract=contract, actor=manager, version=contract.version)
    return contract_approve(contract=contract, actor=manager, version=contract.version)


def _plan(contract: Contract, plan: str, today: datetime.date) -> None:
    owner, manager = contract.owner, _manager(contract.owner)
    days = datetime.timedelta
    starts, ends = {
        "expiring": (today - days(345), today + days(20)),
        "starting": (today + days(30), today + days(395)),
        "expired": (today - days(400), today - days(35)),
        "terminated": (today - days(120), today + days(245)),
    }.get(plan, (today - days(10), today + days(355)))
    contract = contract_update(
        contract=contract,
        actor=owner,
        version=contract.version,
        note="Dates agreed",
        title=contract.title,
        starts_on=starts,
        ends_on=ends,
        payment_terms_days=contract.payment_terms_days or 30,
        delivery_terms=contract.delivery_terms or "DAP, the Buyer's warehouse, within 5 working days.",
    )
    if plan == "draft":
        return
    contract = contract_negotiate(contract=contract, actor=owner, version=contract.version)
    if plan.startswith("negotiation"):
        payment = disagreement_add(
            contract=contract,
            actor=owner,
            clause="4.2 Payment",
            our_wording=f"Payment within {contract.payment_terms_days} days of the invoice.",
            their_wording="Payment within 60 days of the invoice.",
        )
        disagreement_resolve(
            disagreement=payment,
            actor=owner,
            resolution="Payment within 45 days of the invoice; 2 % discount for payment within 10 days.",
            status=DisagreementStatus.RESOLVED,
            version=payment.version,
        )
        if plan == "negotiation_open":
            disagreement_add(
                contract=contract,
                actor=owner,
                clause="6 Disputes",
                our_wording="The court of the Supplier's seat.",
                their_wording="Arbitration at the chamber of commerce of the Buyer's seat.",
            )
        return
    contract.refresh_from_db()
    if plan == "approval":
        contract_request_approval(contract=contract, actor=manager, version=contract.version)
        return
    contract = _to_approval(contract, manager)
    if plan == "approved":
        return
    contract = contract_sign(
        contract=contract,
        actor=manager,
        signed_on=min(today, starts),
        customer_signatory="Purchasing director",
        version=contract.version,
    )
    if plan == "terminated":
        contract_terminate(
            contract=contract,
            actor=manager,
            terminated_on=today - days(5),
            reason="The buyer closed its warehouse in the region.",
            version=contract.version,
        )


@transaction.atomic
def demo_contracts_load(owners: list[User]) -> int:
    """The demo template and contracts, unless contracts exist; returns how many contracts were made."""
    if Contract.objects.exists():
        return 0
    template = ContractTemplate.objects.filter(name="Supply agreement").first()
    if template is None:
        template = ContractTemplate.objects.create(
            name="Supply agreement",
            language="en",
            body=TEMPLATE_BODY,
            payment_terms_days=30,
            delivery_terms="DAP, the Buyer's warehouse, within 5 working days.",
            duration_months=12,
        )
    today = timezone.localdate()
    contracts = _sources(owners, template)
    for contract, plan in zip(contracts, PLANS, strict=False):
        _plan(contract, plan, today)
    contracts_advance(today=today)
    return len(contracts)
