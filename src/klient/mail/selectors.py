"""Reads of the mail app: the outbox and mailings a user may see, and the templates offered."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from klient.core.models import Role, User
from klient.mail.models import Mailing, MailTemplate, OutboxMessage, OutboxStatus

# Managers see what their team sent as well as their own.
TEAM_READERS = {Role.SALES_MANAGER, Role.SERVICE_MANAGER}


def _sent_by(user: User, prefix: str) -> Q | None:
    """Who the user may read the mail of: everyone (admins), their team (managers), or themselves."""
    if user.is_superuser or user.role == Role.ADMIN:
        return None
    mine = Q(**{prefix: user})
    if user.role in TEAM_READERS and user.team_id is not None:
        return mine | Q(**{f"{prefix}__team_id": user.team_id})
    return mine


def outbox_list(*, user: User, status: str | None = None) -> QuerySet[OutboxMessage]:
    """Messages the user sent (managers: and their team's; admins: all), newest first."""
    messages = OutboxMessage.objects.select_related("contact", "company", "sender")
    condition = _sent_by(user, "sender")
    if condition is not None:
        messages = messages.filter(condition)
    if status:
        messages = messages.filter(status=status)
    return messages


def mailing_list(*, user: User) -> QuerySet[Mailing]:
    """Mailings the user created (managers: and their team's; admins: all), newest first, each with
    the count of its messages in every status (`progress_<status>`), in the same query."""
    mailings = Mailing.objects.select_related("template", "created_by").annotate(
        **{
            f"progress_{status}": Count("messages", filter=Q(messages__status=status))
            for status in OutboxStatus.values
        }
    )
    condition = _sent_by(user, "created_by")
    return mailings if condition is None else mailings.filter(condition)


def mailing_progress(*, mailing: Mailing) -> dict[str, Any]:
    """How many of a mailing's messages are queued, sending, sent and failed (from mailing_list's
    counts, else one query)."""
    counts = dict.fromkeys(OutboxStatus.values, 0)
    if hasattr(mailing, "progress_sent"):
        counts = {status: int(getattr(mailing, f"progress_{status}")) for status in OutboxStatus.values}
    else:
        for row in mailing.messages.values("status").annotate(count=Count("id")).order_by():
            counts[row["status"]] = row["count"]
    done = counts[OutboxStatus.SENT] + counts[OutboxStatus.FAILED]
    return {**counts, "total": sum(counts.values()), "is_finished": done == sum(counts.values())}


def template_choices() -> QuerySet[MailTemplate]:
    """The active templates, by name."""
    return MailTemplate.objects.filter(is_active=True).order_by("name", "code")
