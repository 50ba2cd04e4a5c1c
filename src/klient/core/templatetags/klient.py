"""Small template helpers."""

from typing import Any

from django import template

from klient.core.l10n import format_money, format_number

register = template.Library()


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    """`{{ mapping|get_item:key }}`: a dictionary lookup by a variable key."""
    return mapping.get(key) if isinstance(mapping, dict) else None


@register.filter
def money(amount: Any, currency: str) -> str:
    """`{{ amount|money:"PLN" }}`: the amount formatted for the active language."""
    if amount is None or amount == "":
        return "—"
    return format_money(amount, currency)


@register.filter
def price(amount: Any, currency: str) -> str:
    """`{{ amount|price:"PLN" }}`: like `money`, but digits beyond the currency's minor unit are kept."""
    if amount is None or amount == "":
        return "—"
    return format_money(amount, currency, exact=True)


@register.filter
def number(value: Any) -> str:
    """`{{ value|number }}`: a number with the active language's separators."""
    if value is None or value == "":
        return "—"
    return format_number(value)


@register.filter
def minutes(duration: Any) -> int:
    """`{{ timedelta|minutes }}`: whole minutes, rounded up (a lockout of 90 s reads as 2 minutes)."""
    seconds = duration.total_seconds() if hasattr(duration, "total_seconds") else 0
    return max(1, -(-int(seconds) // 60)) if seconds else 0
