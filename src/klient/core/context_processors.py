"""Template context shared by every page: the navigation that follows the user's role."""

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from klient.core.models import Role, User
from klient.core.roles import SERVICE_ROLES
from klient.core.visibility import delegators


@dataclass
class NavItem:
    """One entry of the main navigation."""

    label: str | Promise
    url: str
    key: str


def navigation_for(user: User) -> list[NavItem]:
    """The main navigation for a user: only what their role (and delegations) lets them use."""
    items = [NavItem(_("Home"), reverse("core:home"), "home")]
    if user.has_perm("activities.view_activity"):
        items.append(NavItem(_("My Day"), reverse("activities:my_day"), "my_day"))
    if user.has_perm("customers.view_company"):
        items.append(NavItem(_("Companies"), reverse("customers:company_list"), "companies"))
    if user.has_perm("customers.view_contact"):
        items.append(NavItem(_("Contacts"), reverse("customers:contact_list"), "contacts"))
    if user.has_perm("sales.view_deal"):
        items.append(NavItem(_("Deals"), reverse("sales:deal_board"), "deals"))
    if user.has_perm("catalog.view_product"):
        items.append(NavItem(_("Catalogue"), reverse("catalog:product_list"), "catalog"))
    if user.has_perm("catalog.change_logisticsrequest") and not user.has_perm("sales.view_deal"):
        items.append(NavItem(_("Logistics requests"), reverse("catalog:logistics_request_list"), "logistics"))
    # The sales side reaches orders from the deals board; logistics, who have no board, from the menu.
    if user.has_perm("orders.view_order") and not user.has_perm("sales.view_deal"):
        items.append(NavItem(_("Orders"), reverse("orders:order_list"), "orders"))
    if user.has_perm("contracts.view_contract"):
        items.append(NavItem(_("Contracts"), reverse("contracts:contract_list"), "contracts"))
    # The service desk works from the ticket queue; the sales side reaches tickets from the client card.
    if user.has_perm("service.view_ticket") and (user.role in SERVICE_ROLES or user.is_superuser):
        items.append(NavItem(_("Service desk"), reverse("service:ticket_list"), "service_desk"))
        items.append(NavItem(_("Satisfaction"), reverse("satisfaction:summary"), "satisfaction"))
    if user.has_perm("kb.view_article"):
        items.append(NavItem(_("Knowledge base"), reverse("kb:article_list"), "kb"))
    if user.has_perm("competitors.view_competitor"):
        items.append(NavItem(_("Competitors"), reverse("competitors:competitor_list"), "competitors"))
    if user.has_perm("calllists.view_calllist"):
        items.append(NavItem(_("Call lists"), reverse("calllists:list"), "call_lists"))
    if user.has_perm("activities.view_activity"):
        items.append(NavItem(_("Calendar"), reverse("calendars:calendar"), "calendar"))
    if user.has_perm("greetings.view_greetingsent"):
        items.append(NavItem(_("Greetings"), reverse("greetings:greeting_list"), "greetings"))
    if user.has_perm("mail.view_outboxmessage"):
        items.append(NavItem(_("Mail"), reverse("mail:outbox"), "mail"))
    # Reps see their targets on My Day; the board is the managers'.
    if user.has_perm("activities.view_target"):
        items.append(NavItem(_("Targets"), reverse("activities:target_board"), "targets"))
    if user.has_perm("reports.view_call_analysis") or user.has_perm("reports.view_monthlyreport"):
        items.append(NavItem(_("Reports"), reverse("reports:index"), "reports"))
    if user.role != Role.PORTAL:
        items.append(NavItem(_("Delegations"), reverse("core:delegation_list"), "delegations"))
    if user.is_staff:
        items.append(NavItem(_("Administration"), reverse("admin:index"), "admin"))
    return items


def navigation(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if not isinstance(user, User) or not user.is_authenticated:
        return {}
    absent_users = delegators(user)
    items = navigation_for(user)
    # The most specific entry is the current one: /companies/contacts/ is Contacts, not Companies.
    matches = [
        item
        for item in items
        if request.path == item.url or (item.key != "home" and request.path.startswith(item.url))
    ]
    return {
        "nav_items": items,
        "nav_current": max(matches, key=lambda item: len(item.url)).key if matches else "",
        "acting_for": absent_users,
        "acting_for_names": ", ".join(str(absent) for absent in absent_users),
    }
