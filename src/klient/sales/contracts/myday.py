"""The contracts' part of My Day: contracts coming up for renewal (within their notice period before they
end) that have not been followed by a newer contract with the same client."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _

from klient.activities.myday import LIMIT, MyDay, MyDayItem, Truncated
from klient.sales.contracts.models import Contract, ContractStatus

# Notice periods longer than this are not looked for (a contract ending in more than a year).
LONGEST_NOTICE_DAYS = 366
# A newer contract with the client in one of these states is the renewal (or is on its way).
RENEWING = [
    ContractStatus.DRAFT,
    ContractStatus.NEGOTIATION,
    ContractStatus.APPROVAL,
    ContractStatus.SIGNED,
    ContractStatus.ACTIVE,
]


def renewals_due(day: MyDay) -> Iterable[MyDayItem]:
    """The owners' signed or active contracts ending within their renewal notice (from the day to the
    end date), soonest to end first, unless a newer contract with the same client is under way."""
    renewed = Contract.objects.filter(
        company_id=OuterRef("company_id"), pk__gt=OuterRef("pk"), status__in=RENEWING
    )
    candidates = (
        Contract.objects.filter(
            day.visible("company__"),
            owner_id__in=day.owner_ids,
            status__in=[ContractStatus.SIGNED, ContractStatus.ACTIVE],
            ends_on__gte=day.date,
            ends_on__lte=day.date + datetime.timedelta(days=LONGEST_NOTICE_DAYS),
        )
        .exclude(Exists(renewed))
        .select_related("company")
        .only(
            "id",
            "number",
            "title",
            "owner_id",
            "ends_on",
            "renewal_notice_days",
            "company__id",
            "company__name",
        )
        .order_by("ends_on", "id")
    )
    due = [
        (contract, contract.ends_on)
        for contract in candidates
        if contract.ends_on is not None
        and contract.ends_on - datetime.timedelta(days=contract.renewal_notice_days) <= day.date
    ]
    owners = {owner.pk: owner for owner in day.owners}
    items = [
        MyDayItem(
            kind="contract_renewal",
            title=f"{contract.number} · {contract.company.name}",
            owner=owners.get(contract.owner_id, day.user),
            due=ends_on,
            url=reverse("contracts:contract_detail", args=[contract.pk]),
            company=contract.company,
            detail=_("Ends on %(date)s: %(title)s")
            % {"date": formats.date_format(ends_on, "SHORT_DATE_FORMAT"), "title": contract.title},
        )
        for contract, ends_on in due[:LIMIT]
    ]
    return Truncated(items, len(due))
