"""Row-level access: who sees which company-owned records. One mechanism, used by every queryset."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from klient.core.models import Delegation, RoleSetting, Team, User, Visibility
from klient.core.roles import DEFAULT_VISIBILITY

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

_CACHE_ATTR = "_klient_visibility_cache"


def local_today(user: User) -> datetime.date:
    """Today's date in the user's time zone."""
    return timezone.now().astimezone(user.tzinfo).date()


def role_visibility(role: str) -> str:
    """The visibility configured for a role, falling back to the default."""
    setting = RoleSetting.objects.filter(role=role).values_list("visibility", flat=True).first()
    return setting or DEFAULT_VISIBILITY.get(role, Visibility.OWN)


def delegators(user: User) -> list[User]:
    """Users whose delegation to this user is in force today (in the deputy's time zone)."""
    cache = _user_cache(user)
    if "delegators" not in cache:
        delegation_ids = (
            Delegation.objects.active_on(local_today(user)).filter(deputy=user).values("absent_user_id")
        )
        cache["delegators"] = list(User.objects.filter(pk__in=delegation_ids, is_active=True))
    result: list[User] = cache["delegators"]
    return result


def user_scope(user: User) -> str:
    """own / team / all for this user's own rights."""
    if user.is_superuser:
        return Visibility.ALL
    cache = _user_cache(user)
    if "scope" not in cache:
        cache["scope"] = role_visibility(user.role)
    scope: str = cache["scope"]
    return scope


def user_team_ids(user: User) -> set[int]:
    """The user's own team plus the teams they lead (read once per user object, like the scope)."""
    cache = _user_cache(user)
    if "team_ids" not in cache:
        ids = set(Team.objects.filter(lead=user).values_list("id", flat=True))
        if user.team_id:
            ids.add(user.team_id)
        cache["team_ids"] = ids
    return set(cache["team_ids"])


def _principal_q(principal: User, prefix: str) -> Q | None:
    """Records one principal sees by their own rights; None means everything."""
    from klient.customers.models import AccountTeamMember

    scope = user_scope(principal)
    if scope == Visibility.ALL:
        return None
    on_account_team = AccountTeamMember.objects.filter(user=principal).values("company_id")
    condition = Q(**{f"{prefix}owner": principal}) | Q(**{f"{prefix}id__in": on_account_team})
    if scope == Visibility.TEAM:
        team_ids = user_team_ids(principal)
        # Owned by a member of the team: the owner's id among the members' (a subquery), not a join
        # on the owner's team, which every company query (and each list branch) would then carry.
        members = User.objects.filter(team_id__in=team_ids).values("pk")
        condition |= Q(**{f"{prefix}team_id__in": team_ids}) | Q(**{f"{prefix}owner_id__in": members})
    return condition


def company_visibility_q(
    user: User | AnonymousUser, prefix: str = "", *, with_delegations: bool = True
) -> Q | None:
    """A filter for records visible to the user; `prefix` reaches the company (e.g. "company__").

    Returns None when the user sees everything. Delegations in force add the absent users' sight.
    """
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    assert isinstance(user, User)
    # Kept on the user object like the scope and the teams: a request builds it once (the conditions
    # hold subqueries, not ids, so what they select is read when each query runs).
    cache = _user_cache(user)
    key = f"q {prefix} {with_delegations}"
    if key not in cache:
        cache[key] = _visibility_q(user, prefix, with_delegations)
    condition: Q | None = cache[key]
    return condition


def _visibility_q(user: User, prefix: str, with_delegations: bool) -> Q | None:
    principals = [user, *(delegators(user) if with_delegations else [])]
    combined = Q(pk__in=[])
    for principal in principals:
        condition = _principal_q(principal, prefix)
        if condition is None:
            return None
        combined |= condition
    return combined


def visible_company_ids(user: User | AnonymousUser) -> QuerySet[Any] | None:
    """The ids of the companies the user sees, as a subquery (None: every company): the union of the
    visibility's branches where there are few (each read through an index of its own), else the
    visibility condition. Built once per user object."""
    from klient.customers.models import Company

    if company_visibility_q(user) is None:
        return None
    if not user.is_authenticated:
        return Company.objects.none().values("pk")
    assert isinstance(user, User)
    cache = _user_cache(user)
    if "company_ids" not in cache:
        branches = company_visibility_branches(user)
        if branches:
            parts = [Company.objects.filter(branch).order_by().values("pk") for branch in branches]
            cache["company_ids"] = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
        else:
            cache["company_ids"] = Company.objects.visible_to(user).order_by().values("pk")
    companies: QuerySet[Any] = cache["company_ids"]
    return companies


# More branches than this and a list reads the visibility condition as one (see company_visibility_branches).
MAX_BRANCHES = 40


def company_visibility_branches(user: User | AnonymousUser) -> list[Q] | None:
    """company_visibility_q as simple conditions whose OR it is, each served by an index of its own: one
    owner, one team, one user's account teams. A list reads the first rows of each branch in the index
    order and only then the page (see klient.core.pagination), instead of walking the whole
    ordering index past rows the user does not see. None when there is nothing to gain: the user sees
    every company (or none), or the branches would be too many.

    "Owned by a member of the team" becomes one branch per member: the same rows as the join on the
    owner's team, read through the (owner, name) index.
    """
    if not user.is_authenticated or not user.is_active:
        return None
    assert isinstance(user, User)
    cache = _user_cache(user)
    if "branches" not in cache:
        cache["branches"] = _branches(user)
    branches: list[Q] | None = cache["branches"]
    return branches


def _branches(user: User) -> list[Q] | None:
    from klient.customers.models import AccountTeamMember

    branches: dict[str, Q] = {}
    for principal in [user, *delegators(user)]:
        scope = user_scope(principal)
        if scope == Visibility.ALL:
            return None
        owners = {principal.pk}
        if scope == Visibility.TEAM:
            team_ids = user_team_ids(principal)
            owners.update(User.objects.filter(team_id__in=team_ids).values_list("pk", flat=True))
            for team_id in sorted(team_ids):
                branches[f"team {team_id}"] = Q(team_id=team_id)
        for owner_id in sorted(owners):
            branches[f"owner {owner_id}"] = Q(owner_id=owner_id)
        branches[f"account team {principal.pk}"] = Q(
            id__in=AccountTeamMember.objects.filter(user=principal).values("company_id")
        )
    if len(branches) > MAX_BRANCHES:
        return None
    return list(branches.values())


def _user_cache(user: User) -> dict[str, Any]:
    cache: dict[str, Any] | None = getattr(user, _CACHE_ATTR, None)
    if cache is None:
        cache = {}
        setattr(user, _CACHE_ATTR, cache)
    return cache


def forget(user: User) -> None:
    """Drop what was cached on this user object (after a role or delegation change)."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)
