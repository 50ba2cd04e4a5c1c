"""Reads of companies, always through `visible_to`."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.db.models import QuerySet

from klient.core.audit import history_for
from klient.core.models import AuditEntry, User
from klient.core.pagination import Page, keyset_paginate
from klient.core.search import first_rows, search_companies, search_contacts
from klient.core.visibility import company_visibility_q, delegators
from klient.customers.models import AccountTeamMember, Company, Contact

SORTS = {
    "name": ["name", "id"],
    "-name": ["-name", "-id"],
    "created": ["created_at", "id"],
    "-created": ["-created_at", "-id"],
    "country": ["country", "name", "id"],
    "-country": ["-country", "-name", "-id"],
}
DEFAULT_SORT = "name"
_model_backend = ModelBackend()


def company_list(*, user: User) -> QuerySet[Company]:
    """Companies visible to the user, with what list pages show."""
    return Company.objects.visible_to(user).select_related("owner", "team")


def company_get(*, user: User, pk: int) -> Company:
    """One visible company; Company.DoesNotExist when absent or not visible (the same answer)."""
    return company_list(user=user).select_related("price_type").get(pk=pk)


def company_require_visible(*, user: User, company: Company) -> None:
    """Company.DoesNotExist unless the user may see the company: the check of services that act on one."""
    if not Company.objects.visible_to(user).filter(pk=company.pk).exists():
        raise Company.DoesNotExist


def _has_own_permission(user: User, permission: str) -> bool:
    """Whether the user holds a permission by their own role, not one lent by a delegation."""
    return user.is_active and (user.is_superuser or permission in _model_backend.get_all_permissions(user))


def company_on_behalf_of(*, actor: User, company: Company, permission: str | None = None) -> User | None:
    """The absent user the actor works for on this company, or None when it is the actor's own right.

    With `permission`, the actor's own right needs that permission too: a deputy who sees the company
    but may change it only with the absent user's permission works on the absent user's behalf.
    """
    own = company_visibility_q(actor, with_delegations=False)
    sees_it = own is None or Company.objects.filter(own, pk=company.pk).exists()
    if sees_it and (permission is None or _has_own_permission(actor, permission)):
        return None
    for absent_user in delegators(actor):
        if permission is not None and not _has_own_permission(absent_user, permission):
            continue
        theirs = company_visibility_q(absent_user, with_delegations=False)
        if theirs is None or Company.objects.filter(theirs, pk=company.pk).exists():
            return absent_user
    return None


def can_see_commercial_terms(user: User) -> bool:
    """Whether contract terms, discounts and credit data may be shown to the user."""
    return user.has_perm("customers.view_commercial_terms")


def company_history(*, user: User, company: Company, cursor: str | None, limit: int) -> Page[AuditEntry]:
    """A page of the company's audit entries, newest first; commercial fields only with the permission."""
    page = keyset_paginate(
        history_for(Company, company.pk), ordering=["-at", "-id"], cursor=cursor, limit=limit
    )
    hidden = set() if can_see_commercial_terms(user) else set(Company.COMMERCIAL_FIELDS)
    # The form's field order, whatever order the database kept the JSON keys in (PostgreSQL's jsonb sorts them).
    order = {name: index for index, name in enumerate([*Company.AUDITED_FIELDS, "account_team"])}
    for entry in page.items:
        entry.changes = {
            name: entry.changes[name]
            for name in sorted(entry.changes, key=lambda name: (order.get(name, len(order)), name))
            if name not in hidden
        }
    return page


def account_team_list(*, company: Company) -> QuerySet[AccountTeamMember]:
    """Members of a company's account team, by username."""
    return AccountTeamMember.objects.filter(company=company).select_related("user").order_by("user__username")


def search_results(*, user: User, query: str, limit: int) -> tuple[list[Company], list[Contact]]:
    """The first `limit` companies and contacts (with their company) matching a global search, by name;
    only what the user may see, in two queries."""
    companies: list[Company] = []
    contacts: list[Contact] = []
    if user.has_perm("customers.view_company"):
        found = search_companies(company_list(user=user), query).order_by("name", "id")
        companies = list(first_rows(found, limit)[:limit])
    if user.has_perm("customers.view_contact"):
        visible = Contact.objects.visible_to(user).select_related("company")
        people = search_contacts(visible, query).order_by("last_name", "first_name", "id")
        contacts = list(first_rows(people, limit)[:limit])
    return companies, contacts
