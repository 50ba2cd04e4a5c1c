"""The service desk's settings index at /service/settings/: a card for every setup page the user may open
(queues, routing, categories, macros, calendars, SLA policies, mailboxes, log addresses, the mail
quarantine with its count), beside the knowledge base and the satisfaction results."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from klient.core.models import User
from klient.service.models import InboundMail


@dataclass(frozen=True)
class SettingsCard:
    """A card of the settings index: the page it opens and the permission that page's view asks for.

    `is_setup` cards are the service desk's own setup; only they let a user into the index, so a reader
    of tickets who may open the knowledge base and the satisfaction results is not sent to a page of
    settings they cannot change."""

    key: str
    title: str | Promise
    description: str | Promise
    url_name: str
    permission: str
    is_setup: bool = True

    @property
    def url(self) -> str:
        return reverse(self.url_name)


# The permissions are those of the decorators of the pages linked (views, sla_views, intake_views,
# kb.views, portal.views): a card is shown exactly when its page would open.
CARDS: tuple[SettingsCard, ...] = (
    SettingsCard(
        "queues",
        _("Queues"),
        _("Where tickets wait, who works them, how they are assigned."),
        "service:queue_list",
        "service.change_queue",
    ),
    SettingsCard(
        "routing",
        _("Routing rules"),
        _("Which queue, category and priority a new ticket gets."),
        "service:rule_list",
        "service.change_routingrule",
    ),
    SettingsCard(
        "categories",
        _("Categories"),
        _("The categories tickets are filed under."),
        "service:category_list",
        "service.change_category",
    ),
    SettingsCard(
        "macros",
        _("Macros"),
        _("Prepared replies in every language, and the fields they set."),
        "service:macro_list",
        "service.view_macro",
    ),
    SettingsCard(
        "calendars",
        _("Business calendars"),
        _("Working hours and holidays that service levels count in."),
        "service:sla_calendar_list",
        "service.view_businesscalendar",
    ),
    SettingsCard(
        "sla_policies",
        _("SLA policies"),
        _("Response and resolution targets per priority."),
        "service:sla_policy_list",
        "service.view_slapolicy",
    ),
    SettingsCard(
        "mailboxes",
        _("Mailboxes"),
        _("The IMAP mailboxes polled for new mail."),
        "service:mailbox_list",
        "service.view_mailbox",
    ),
    SettingsCard(
        "log_addresses",
        _("Log addresses"),
        _("Addresses that log mail in copy on the contacts' timelines."),
        "service:log_address_list",
        "service.view_logaddress",
    ),
    SettingsCard(
        "quarantine",
        _("Mail quarantine"),
        _("Messages that could not be processed."),
        "service:quarantine_list",
        "service.manage_quarantine",
    ),
    SettingsCard(
        "knowledge_base",
        _("Knowledge base"),
        _("Articles for agents and customers, and their categories."),
        "kb:article_list",
        "kb.view_article",
        is_setup=False,
    ),
    SettingsCard(
        "satisfaction",
        _("Satisfaction"),
        _("Ratings and comments of customers, per agent and month."),
        "satisfaction:summary",
        "service.view_ticket",
        is_setup=False,
    ),
)


def settings_cards(user: User) -> list[SettingsCard]:
    """The cards the user may open, in the index's order."""
    return [card for card in CARDS if user.has_perm(card.permission)]


def can_see_settings(user: User) -> bool:
    """Whether the user may open the settings index: a reader of tickets who may open a setup page."""
    return user.has_perm("service.view_ticket") and any(card.is_setup for card in settings_cards(user))


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@login_required
@permission_required("service.view_ticket", raise_exception=True)
@require_GET
def settings_view(request: HttpRequest) -> HttpResponse:
    """The settings index: a card per setup page the user may open; the quarantine's card counts its
    messages."""
    user = _user(request)
    if not can_see_settings(user):
        raise PermissionDenied
    cards = settings_cards(user)
    quarantined = (
        InboundMail.objects.quarantined().count() if any(card.key == "quarantine" for card in cards) else None
    )
    return render(request, "service/settings.html", {"cards": cards, "quarantined": quarantined})


urlpatterns: list[URLPattern] = [path("settings/", settings_view, name="settings")]
