"""Reads of contracts: lists, one contract with its lines, protocol and versions, and the card's section."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from klient.core.audit import history_for
from klient.core.models import AuditEntry, User
from klient.core.pagination import Page, keyset_paginate
from klient.core.search import fold
from klient.customers.selectors import can_see_commercial_terms
from klient.sales.contracts.models import Contract, ContractLine, ContractVersion, Disagreement

KEY_TERMS = set(Contract.KEY_TERMS)


def contract_list(
    *,
    user: User,
    company_id: int | None = None,
    status: str = "",
    owner_id: int | None = None,
    q: str = "",
) -> QuerySet[Contract]:
    """The contracts the user sees, filtered; `q` matches the number, the title or the company's name."""
    contracts = Contract.objects.visible_to(user).select_related("company", "owner")
    if company_id is not None:
        contracts = contracts.filter(company_id=company_id)
    if status:
        contracts = contracts.filter(status=status)
    if owner_id is not None:
        contracts = contracts.filter(owner_id=owner_id)
    for word in fold(q).split():
        contracts = (
            contracts.filter(number__icontains=word)
            | contracts.filter(title__icontains=word)
            | contracts.filter(company__search_text__contains=word)
        )
    return contracts


def contract_get(*, user: User, pk: int) -> Contract:
    """One visible contract with its lines, disagreements and versions (in order); Contract.DoesNotExist
    otherwise."""
    return (
        Contract.objects.visible_to(user)
        .select_related(
            "company", "contact", "deal", "quote", "template", "owner", "approved_by", "price_type"
        )
        .prefetch_related(
            Prefetch("lines", queryset=ContractLine.objects.order_by("position")),
            Prefetch(
                "disagreements",
                queryset=Disagreement.objects.select_related("created_by", "resolved_by").order_by(
                    "created_at", "id"
                ),
            ),
            Prefetch(
                "versions",
                queryset=ContractVersion.objects.select_related("created_by").order_by("-number"),
            ),
        )
        .get(pk=pk)
    )


def contract_version_get(*, contract: Contract, number: int) -> ContractVersion:
    """A version of a contract by its number; ContractVersion.DoesNotExist otherwise."""
    return ContractVersion.objects.get(contract=contract, number=number)


def contract_history(*, user: User, contract_id: int, cursor: str | None, limit: int) -> Page[AuditEntry]:
    """A page of the contract's audit entries, newest first; key terms only with view_commercial_terms."""
    page = keyset_paginate(
        history_for(Contract, contract_id), ordering=["-at", "-id"], cursor=cursor, limit=limit
    )
    hide_key_terms(user, page.items)
    return page


def hide_key_terms(user: User, entries: list[AuditEntry]) -> list[AuditEntry]:
    """The entries without their key-term changes, for a user without view_commercial_terms."""
    if not can_see_commercial_terms(user):
        for entry in entries:
            entry.changes = {name: change for name, change in entry.changes.items() if name not in KEY_TERMS}
    return entries
