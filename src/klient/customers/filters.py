"""The company list filter, shared by the HTML list and the API."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from klient.core.search import search_filter
from klient.customers.models import Company
from klient.customers.selectors import DEFAULT_SORT, SORTS


@dataclass
class CompanyFilter:
    """Filters of the company list; empty values filter nothing."""

    q: str = ""
    owner: str = ""  # username, or "me"
    team: str = ""  # team id
    country: str = ""  # ISO 3166 alpha-2
    sort: str = DEFAULT_SORT

    def apply(self, queryset: QuerySet[Company], *, username: str) -> QuerySet[Company]:
        """Narrow a visible queryset by these filters."""
        if self.q.strip():
            queryset = search_filter(queryset, self.q)
        if self.owner:
            queryset = queryset.filter(owner__username=username if self.owner == "me" else self.owner)
        if self.team.isdigit():
            queryset = queryset.filter(team_id=int(self.team))
        if self.country:
            queryset = queryset.filter(country=self.country.upper())
        return queryset

    @property
    def ordering(self) -> list[str]:
        """Keyset ordering for the chosen sort (unknown sorts fall back to the default)."""
        return SORTS.get(self.sort, SORTS[DEFAULT_SORT])
