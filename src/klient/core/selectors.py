"""Reads of people, delegations and tokens."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from klient.core.models import ApiToken, Delegation, Team, User
from klient.core.roles import MANAGER_ROLES


def delegation_list(*, user: User) -> QuerySet[Delegation]:
    """Delegations the user is part of, or manages (their teams' members); all for administrators."""
    queryset = Delegation.objects.select_related("absent_user", "deputy", "created_by")
    if user.is_superuser:
        return queryset
    condition = Q(absent_user=user) | Q(deputy=user)
    if user.role in MANAGER_ROLES:
        condition |= Q(absent_user__in=delegation_absent_choices(user=user))
    return queryset.filter(condition)


def delegation_absent_choices(*, user: User) -> QuerySet[User]:
    """Users the actor may name a deputy for: themselves, and members of their team if a manager."""
    if user.is_superuser:
        return User.objects.filter(is_active=True).order_by("username")
    condition = Q(pk=user.pk)
    if user.role in MANAGER_ROLES and user.has_perm("core.add_delegation"):
        team_ids = set(Team.objects.filter(lead=user).values_list("id", flat=True))
        if user.team_id:
            team_ids.add(user.team_id)
        condition |= Q(team_id__in=team_ids)
    return User.objects.filter(condition, is_active=True).order_by("username")


def api_token_list(*, user: User) -> QuerySet[ApiToken]:
    """The user's own tokens, newest first."""
    return ApiToken.objects.filter(user=user)
