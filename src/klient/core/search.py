"""Text folding for search that ignores case and diacritics in every script."""

import unicodedata
from typing import TypeVar

from django.db.models import Model, Q, QuerySet

M = TypeVar("M", bound=Model)

# Letters that Unicode does not decompose into a base letter plus a mark.
_EXTRA_FOLDS = str.maketrans(
    {"ł": "l", "đ": "d", "ø": "o", "ß": "ss", "æ": "ae", "œ": "oe", "ı": "i", "ħ": "h", "þ": "th", "ð": "d"}
)


def fold(text: str) -> str:
    """Lower-case, strip diacritics, keep every script's letters (`Zażółć` → `zazolc`, `Ёлка` → `елка`)."""
    # Decompose before and after case folding: compatibility forms such as "ℌ" decompose to capitals.
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.translate(_EXTRA_FOLDS).split())


def search_filter(queryset: QuerySet[M], query: str, field: str = "search_text") -> QuerySet[M]:
    """Keep rows whose folded search text contains every word of the query."""
    condition = Q()
    for word in fold(query).split():
        condition &= Q(**{f"{field}__contains": word})
    return queryset.filter(condition)
