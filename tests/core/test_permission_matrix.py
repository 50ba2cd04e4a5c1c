"""Generated permission tests: every UI view and every API operation, for every kind of caller.

`UI_VIEWS` and `API_OPERATIONS` name each view and endpoint and the answer each persona gets:

- anonymous: nobody signed in (the UI sends them to sign in, the API answers 401);
- wrong_role: a signed-in user whose role does not carry the right (per view: the portal customer paula
  for reads, the service agent sam for writes);
- other_team: carol, an account manager in South, who cannot see North's company;
- owner: alice, who owns the company "Acme" (team North);
- manager: mike, the sales manager leading North;
- admin: root.

The first tests compare the registry with the URLs Django resolves and the operations the OpenAPI
document lists, so adding a view or an endpoint without a spec here fails the suite.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, include, path
from django.urls.resolvers import RegexPattern
from django.utils import timezone

from klient.activities.calllists.models import CallList, CallListEntry, CallScript, ObjectionMark
from klient.activities.calllists.services import call_list_build
from klient.activities.greetings.models import Event, GreetingSent, Invitation, ProfessionalHoliday
from klient.activities.greetings.services import event_create, invitation_token
from klient.activities.models import Activity, Target
from klient.activities.services import activity_create
from klient.api.main import api as ninja_api
from klient.catalog.models import (
    CustomerPrice,
    ExchangeRate,
    LogisticsRequest,
    Price,
    PriceList,
    Product,
    RestockNotice,
    Stock,
    Warehouse,
)
from klient.catalog.services import price_list_create, product_create
from klient.core.models import ApiToken, Attachment, AuditEntry, Delegation, Note, Role, SavedView, Team, User
from klient.core.services import (
    api_token_create,
    attachment_add,
    delegation_create,
    team_get_or_create,
    user_create,
)
from klient.customers.filters import CompanyFilter
from klient.customers.models import AccountTeamMember, Company, Contact, ImportJob, ImportStatus
from klient.customers.services import account_team_add, company_create, contact_create
from klient.mail.models import Mailing, MailTemplate, OutboxMessage, Unsubscribe
from klient.reports.models import MonthlyReport
from klient.reports.services import monthly_report_build
from klient.sales.competitors.models import Competitor, CompetitorSupply
from klient.sales.competitors.services import competitor_create, supply_create
from klient.sales.contracts.models import Contract, ContractTemplate, ContractVersion, Disagreement
from klient.sales.contracts.services import contract_create_from_quote, disagreement_add
from klient.sales.models import Deal, Pipeline, Stage
from klient.sales.orders.models import Order, OrderDelayNotice, OrderLine
from klient.sales.orders.services import order_create_from_quote
from klient.sales.quotes.models import MassProposal, MassProposalItem, Quote, QuoteLine
from klient.sales.quotes.services import (
    LineInput,
    mass_proposal_create,
    quote_answer,
    quote_create,
    quote_send,
)
from klient.sales.services import deal_create
from klient.service.kb.models import Article, ArticleTranslation, ArticleVersion, ArticleVote, KbCategory
from klient.service.kb.services import article_create, article_set_status, category_create, translation_save
from klient.service.models import BusinessCalendar, Satisfaction, SlaPolicy, SlaTarget, Ticket, TicketMessage
from klient.service.portal.models import PortalAccount, SignInLink
from klient.service.satisfaction import satisfaction_rate, satisfaction_token
from klient.service.services import FileInput, MessageInput, customer_message_add, ticket_open, ticket_update
from klient.webhooks.models import WebhookDelivery, WebhookSubscription
from klient.webhooks.services import webhook_subscription_create
from tests.conftest import PASSWORD

PERSONAS = ("anonymous", "wrong_role", "other_team", "owner", "manager", "admin")
NAMED_PERSONAS = {"other_team": "carol", "owner": "alice", "manager": "mike", "admin": "root"}
UNAUTHENTICATED_BODY = {
    "detail": "Authentication required: send `Authorization: Bearer <token>`.",
    "errors": [],
}


@dataclass(frozen=True)
class Outcome:
    """The answer one persona gets: status, redirect target, text shown or hidden, what data changed.

    `changes` names the parts of `db_state()` that must differ afterwards; every other part must not.
    """

    status: int
    location: str | None = None
    contains: tuple[str, ...] = ()
    lacks: tuple[str, ...] = ()
    changes: tuple[str, ...] = ()
    to_login: bool = False


def ok(
    *contains: str, lacks: tuple[str, ...] = (), changes: tuple[str, ...] = (), status: int = 200
) -> Outcome:
    return Outcome(status, contains=contains, lacks=lacks, changes=changes)


def redirect(location: str, *, changes: tuple[str, ...] = ()) -> Outcome:
    return Outcome(302, location=location, changes=changes)


LOGIN = Outcome(302, to_login=True)
FORBIDDEN = Outcome(403)
HIDDEN = Outcome(404)
UNAUTHENTICATED = Outcome(401)


@dataclass(frozen=True)
class Spec:
    """How to call one view or endpoint, and what each persona gets."""

    method: str
    path: str  # formatted with the ids of the world: {company}, {token}, {delegation}, {bob}
    outcomes: dict[str, Outcome]
    wrong_role: str = "paula"
    data: dict[str, Any] = field(default_factory=dict)
    # The `errors` of a 404 answer: empty, or naming the field that pointed at an invisible record.
    not_found_errors: list[dict[str, str]] = field(default_factory=list)


class MatrixUpload:
    """A file for the test client to post; whole on every read, since one spec serves many cases."""

    name = "note.txt"

    def read(self) -> bytes:
        return b"A file"


def everyone(outcome: Outcome, **overrides: Outcome) -> dict[str, Outcome]:
    """The same outcome for every signed-in persona, anonymous sent to sign in, with overrides."""
    return {"anonymous": LOGIN, **dict.fromkeys(PERSONAS[1:], outcome), **overrides}


ACME = "Acme"
INVALID_LINK = "This link is no longer valid"
# The month of alice's call in the world; a report's period is given so that the result holds on any day.
CALLS_PERIOD = "{}?start=2026-02-01&end=2026-02-28"
ALICE_ROW = "<td>Alice</td>"
COMPETITOR_CHANGES = ("competitors", "audit")


def portal_only(outcome: Outcome, path: str) -> dict[str, Outcome]:
    """The customer portal's pages: here `wrong_role` is the portal customer paula, the one persona who
    gets in; staff are refused; the anonymous are sent to the portal's own sign-in."""
    return {
        "anonymous": redirect(f"/portal/login/?next={path}"),
        "wrong_role": outcome,
        **dict.fromkeys(("other_team", "owner", "manager", "admin"), FORBIDDEN),
    }


PORTAL_TICKET = "/portal/tickets/{ticket_number}/"

UI_VIEWS: dict[str, Spec] = {
    "core:home": Spec("get", "/", everyone(ok("Hello,"), wrong_role=redirect("/portal/"))),
    "core:search": Spec(
        "get",
        "/search/?q=acme",
        everyone(
            ok(ACME),
            wrong_role=ok("Search", lacks=(ACME,)),
            other_team=ok("Nothing found", lacks=(ACME,)),
        ),
    ),
    "core:login": Spec(
        "get", "/login/", {"anonymous": ok('name="password"'), **{p: redirect("/") for p in PERSONAS[1:]}}
    ),
    "core:login_otp": Spec("get", "/login/code/", {p: redirect("/login/") for p in PERSONAS}),
    "core:logout": Spec("post", "/logout/", {p: redirect("/login/") for p in PERSONAS}),
    "core:password_reset": Spec("get", "/password/reset/", {p: ok('name="email"') for p in PERSONAS}),
    "core:password_reset_done": Spec(
        "get", "/password/reset/sent/", {p: ok("Check your mail") for p in PERSONAS}
    ),
    "core:password_reset_confirm": Spec(
        "get", "/password/reset/MQ/not-a-token/", {p: ok(INVALID_LINK) for p in PERSONAS}
    ),
    "core:password_reset_complete": Spec(
        "get", "/password/reset/done/", {p: ok("Password changed") for p in PERSONAS}
    ),
    "core:password_change": Spec("get", "/password/change/", everyone(ok('name="new_password1"'))),
    "core:set_language": Spec(
        "post",
        "/language/",
        {p: redirect("/search/") for p in PERSONAS},
        data={"language": "en", "next": "/search/"},
    ),
    "core:profile": Spec("get", "/me/", everyone(ok("My settings"))),
    "core:two_factor_setup": Spec("get", "/me/two-factor/", everyone(ok("<svg", "data-secret"))),
    "core:two_factor_disable": Spec(
        "post", "/me/two-factor/off/", everyone(redirect("/me/")), data={"password": "wrong"}
    ),
    "core:token_list": Spec("get", "/me/tokens/", everyone(ok("API tokens"))),
    "core:token_revoke": Spec(
        "post",
        "/me/tokens/{token}/revoke/",
        everyone(HIDDEN, owner=redirect("/me/tokens/", changes=("tokens",))),
    ),
    "core:delegation_list": Spec(
        "get",
        "/delegations/",
        everyone(
            ok("Delegations", 'data-delegation="'),
            wrong_role=FORBIDDEN,
            other_team=ok("No delegations."),
        ),
    ),
    "core:delegation_cancel": Spec(
        "post",
        "/delegations/{delegation}/cancel/",
        everyone(
            redirect("/delegations/", changes=("delegations", "audit")),
            wrong_role=FORBIDDEN,
            other_team=HIDDEN,
        ),
    ),
    "customers:company_list": Spec(
        "get",
        "/companies/",
        everyone(ok(ACME), wrong_role=FORBIDDEN, other_team=ok("No companies match.", lacks=(ACME,))),
    ),
    "customers:company_create": Spec(
        "get", "/companies/new/", everyone(ok("New company"), wrong_role=FORBIDDEN), wrong_role="sam"
    ),
    "customers:company_export": Spec(
        "get",
        "/companies/export.csv",
        everyone(ok(ACME), wrong_role=FORBIDDEN, other_team=ok("legal_name", lacks=(ACME,))),
    ),
    # An XLSX file is compressed: its content is checked in tests/customers/test_exports.py.
    "customers:company_export_xlsx": Spec(
        "get", "/companies/export.xlsx", everyone(ok(), wrong_role=FORBIDDEN)
    ),
    "customers:contact_list": Spec(
        "get",
        "/companies/contacts/",
        everyone(
            ok('data-list="contacts"', "Jan Nowak"),
            wrong_role=FORBIDDEN,
            other_team=ok("No contacts match.", lacks=("Nowak",)),
        ),
    ),
    # Bulk actions: a refused row (carol cannot see Acme) is reported and changes nothing.
    "customers:company_bulk": Spec(
        "post",
        "/companies/bulk/",
        everyone(
            redirect("/companies/?sort=name", changes=("companies", "audit")),
            wrong_role=FORBIDDEN,
            other_team=redirect("/companies/?sort=name"),
        ),
        wrong_role="sam",
        data={"selected": "{company}:1", "action": "change_status", "status": "customer"},
    ),
    # Saved views belong to their user: anyone else's answers 404.
    "customers:saved_view_save": Spec(
        "post",
        "/companies/views/",
        everyone(
            redirect("/companies/?status=lost&sort=name", changes=("saved_views",)), wrong_role=FORBIDDEN
        ),
        data={"list_name": "companies", "name": "Lost ones", "query": "status=lost"},
    ),
    "customers:saved_view_delete": Spec(
        "post",
        "/companies/views/{saved_view}/delete/",
        everyone(HIDDEN, owner=redirect("/companies/?sort=name", changes=("saved_views",))),
    ),
    "customers:saved_view_default": Spec(
        "post",
        "/companies/views/{saved_view}/default/",
        everyone(HIDDEN, owner=redirect("/companies/?owner=me&sort=name", changes=("saved_views",))),
    ),
    "customers:contact_export": Spec(
        "get",
        "/companies/contacts/export.csv",
        everyone(ok("Nowak"), wrong_role=FORBIDDEN, other_team=ok("first_name", lacks=("Nowak",))),
    ),
    "customers:contact_export_xlsx": Spec(
        "get", "/companies/contacts/export.xlsx", everyone(ok(), wrong_role=FORBIDDEN)
    ),
    "customers:contact_export_vcf": Spec(
        "get",
        "/companies/contacts/export.vcf",
        everyone(ok("N:Nowak;Jan"), wrong_role=FORBIDDEN, other_team=ok(lacks=("Nowak",))),
    ),
    # Import jobs: only their owner (alice's finished job) sees them; the others get 404.
    "customers:import_upload": Spec(
        "get",
        "/companies/import/",
        everyone(ok('name="file"', lacks=("acme.csv",)), wrong_role=FORBIDDEN, owner=ok("acme.csv")),
        wrong_role="sam",
    ),
    "customers:import_mapping": Spec(
        "get",
        "/companies/import/{import_job}/mapping/",
        everyone(HIDDEN, wrong_role=FORBIDDEN, owner=redirect("/companies/import/{import_job}/result/")),
        wrong_role="sam",
    ),
    "customers:import_preview": Spec(
        "get",
        "/companies/import/{import_job}/preview/",
        everyone(HIDDEN, wrong_role=FORBIDDEN, owner=redirect("/companies/import/{import_job}/result/")),
        wrong_role="sam",
    ),
    "customers:import_progress": Spec(
        "get",
        "/companies/import/{import_job}/progress/",
        everyone(HIDDEN, wrong_role=FORBIDDEN, owner=redirect("/companies/import/{import_job}/result/")),
        wrong_role="sam",
    ),
    "customers:import_result": Spec(
        "get",
        "/companies/import/{import_job}/result/",
        everyone(
            HIDDEN, wrong_role=FORBIDDEN, owner=ok("Result of acme.csv", "Enter a valid email address.")
        ),
        wrong_role="sam",
    ),
    "customers:import_rejected": Spec(
        "get",
        "/companies/import/{import_job}/rejected.csv",
        # The job in this world kept no file of rejected rows (tests/customers/test_import_pages.py has one).
        everyone(HIDDEN, wrong_role=FORBIDDEN),
        wrong_role="sam",
    ),
    "customers:company_detail": Spec(
        "get",
        "/companies/{company}/",
        everyone(ok(ACME, "Bob Baker", "(backup)"), wrong_role=FORBIDDEN, other_team=HIDDEN),
    ),
    "customers:company_edit": Spec(
        "get",
        "/companies/{company}/edit/",
        everyone(ok("Edit Acme"), wrong_role=FORBIDDEN, other_team=HIDDEN),
        wrong_role="sam",
    ),
    "customers:company_delete": Spec(
        "post",
        "/companies/{company}/delete/",
        # Account managers have no delete permission: the permission is checked before visibility.
        everyone(
            # The account team, the contacts (with their invitations) and the call list entries go with it.
            redirect(
                "/companies/",
                changes=(
                    "companies",
                    "account_team",
                    "contacts",
                    "activities",
                    "call_lists",
                    "invitations",
                    "competitors",
                    "catalog",
                    "sales",
                    "quotes",
                    "orders",
                    "contracts",
                    "portal",
                    "audit",
                ),
            ),
            wrong_role=FORBIDDEN,
            other_team=FORBIDDEN,
            owner=FORBIDDEN,
        ),
        wrong_role="sam",
        data={"version": "1"},
    ),
    "customers:company_history": Spec(
        "get",
        "/companies/{company}/history/",
        everyone(ok("data-history", "Created"), wrong_role=FORBIDDEN, other_team=HIDDEN),
    ),
    "customers:company_account_team_add": Spec(
        "post",
        "/companies/{company}/account-team/",
        everyone(
            redirect("/companies/{company}/", changes=("account_team", "audit")),
            wrong_role=FORBIDDEN,
            other_team=HIDDEN,
        ),
        wrong_role="sam",
        data={"user": "{tom}", "role": "caller"},
    ),
    "customers:company_account_team_remove": Spec(
        "post",
        "/companies/{company}/account-team/{bob}/remove/",
        everyone(
            redirect("/companies/{company}/", changes=("account_team", "audit")),
            wrong_role=FORBIDDEN,
            other_team=HIDDEN,
        ),
        wrong_role="sam",
    ),
    # The client card's actions, files and chooser (tests/customers/test_card*.py go into detail).
    "customers:company_reviewed": Spec(
        "post",
        "/companies/{company}/reviewed/",
        everyone(
            redirect("/companies/{company}/", changes=("reviewed", "audit")),
            wrong_role=FORBIDDEN,
            other_team=HIDDEN,
        ),
        wrong_role="sam",
    ),
    "customers:company_timeline": Spec(
        "get",
        "/companies/{company}/timeline/",
        everyone(ok(ACME, 'data-kind="change"', 'data-kind="file"'), wrong_role=FORBIDDEN, other_team=HIDDEN),
    ),
    "customers:company_note_add": Spec(
        "post",
        "/companies/{company}/notes/",
        everyone(
            redirect("/companies/{company}/#timeline", changes=("notes", "audit")),
            wrong_role=FORBIDDEN,
            other_team=HIDDEN,
        ),
        data={"text": "Called about the order"},
    ),
    "activities:my_day": Spec(
        "get",
        "/activities/my-day/",
        everyone(
            ok("<h1>My Day"), owner=ok("<h1>My Day", "Client cards to review", ACME), wrong_role=FORBIDDEN
        ),
    ),
    "activities:my_progress": Spec(
        "get", "/activities/my-day/progress/", everyone(ok('id="progress-items"'), wrong_role=FORBIDDEN)
    ),
    # Posting a target: sales managers for their team's members, administrators for anyone.
    "activities:target_board": Spec(
        "post",
        "/activities/targets/",
        everyone(
            FORBIDDEN,
            manager=redirect("/activities/targets/", changes=("targets", "audit")),
            admin=redirect("/activities/targets/", changes=("targets", "audit")),
        ),
        data={
            "holder": "user:{alice}",
            "metric": "calls",
            "period": "day",
            "value": "7",
            "starts_on": "2026-03-02",
        },
    ),
    "activities:target_history": Spec(
        "get",
        "/activities/targets/history/?user=alice",
        everyone(ok("Target history", "Alice"), wrong_role=FORBIDDEN, other_team=HIDDEN),
    ),
    "activities:call_log": Spec(
        "post",
        "/activities/calls/{company}/",
        everyone(
            redirect("/companies/{company}/#timeline", changes=("activities", "audit")),
            wrong_role=FORBIDDEN,
            other_team=HIDDEN,
        ),
        data={"outcome": "reached", "direction": "outbound", "subject": "Called about the order"},
    ),
    "customers:company_file_upload": Spec(
        "post",
        "/companies/{company}/files/",
        everyone(
            redirect("/companies/{company}/#files", changes=("files", "audit")),
            wrong_role=FORBIDDEN,
            other_team=HIDDEN,
        ),
        data={"file": MatrixUpload()},
    ),
    "customers:attachment_download": Spec(
        "get",
        "/companies/files/{file}/",
        everyone(ok("Our offer"), wrong_role=FORBIDDEN, other_team=HIDDEN),
    ),
    "customers:attachment_delete": Spec(
        "post",
        "/companies/files/{file}/delete/",
        # The uploader (alice) and administrators; the manager sees the file but did not upload it.
        everyone(
            redirect("/companies/{company}/#files", changes=("files", "audit")),
            wrong_role=FORBIDDEN,
            other_team=HIDDEN,
            manager=FORBIDDEN,
        ),
    ),
    "customers:company_choices": Spec(
        "get",
        "/companies/choices/?q=acme",
        everyone(ok(f">{ACME}</option>"), wrong_role=FORBIDDEN, other_team=ok("<option", lacks=(ACME,))),
    ),
    "customers:contact_create": Spec(
        "get",
        "/companies/{company}/contacts/new/",
        everyone(ok("New contact at Acme"), wrong_role=FORBIDDEN, other_team=HIDDEN),
    ),
    "customers:contact_detail": Spec(
        "get",
        "/companies/contacts/{contact}/",
        everyone(ok("Jan Nowak", 'data-field="company"'), wrong_role=FORBIDDEN, other_team=HIDDEN),
    ),
    "customers:contact_edit": Spec(
        "get",
        "/companies/contacts/{contact}/edit/",
        everyone(ok("Edit Jan Nowak"), wrong_role=FORBIDDEN, other_team=HIDDEN),
    ),
    "customers:contact_delete": Spec(
        "post",
        "/companies/contacts/{contact}/delete/",
        # Jan Nowak's invitation to the fair goes with him.
        everyone(
            redirect("/companies/{company}/", changes=("contacts", "invitations", "audit")),
            wrong_role=FORBIDDEN,
            other_team=HIDDEN,
        ),
        wrong_role="sam",
        data={"version": "1"},
    ),
    "customers:contact_left": Spec(
        "post",
        "/companies/contacts/{contact}/left/",
        everyone(
            redirect("/companies/contacts/{contact}/", changes=("contacts", "audit")),
            wrong_role=FORBIDDEN,
            other_team=HIDDEN,
        ),
        data={"left_on": "2026-03-31", "version": "1"},
    ),
    "customers:contact_move": Spec(
        "get",
        "/companies/contacts/{contact}/move/",
        everyone(ok("Jan Nowak moved to another company"), wrong_role=FORBIDDEN, other_team=HIDDEN),
    ),
    "customers:contact_note_add": Spec(
        "post",
        "/companies/contacts/{contact}/notes/",
        everyone(
            redirect("/companies/contacts/{contact}/#notes", changes=("notes", "audit")),
            wrong_role=FORBIDDEN,
            other_team=HIDDEN,
        ),
        data={"text": "Prefers calls after 3 pm"},
    ),
    "customers:company_duplicates": Spec(
        "get",
        "/companies/duplicates/",
        everyone(
            ok(ACME, "ACME Ltd", "Same name and country", 'data-action="merge"'),
            wrong_role=FORBIDDEN,
            other_team=ok("No likely duplicates found.", lacks=(ACME,)),
            # Account managers may not delete companies, so they cannot merge them either.
            owner=ok(ACME, "ACME Ltd", lacks=('data-action="merge"',)),
        ),
    ),
    "customers:contact_duplicates": Spec(
        "get",
        "/companies/duplicates/contacts/",
        everyone(
            ok("Jan Nowak", "Same name at the same company", 'data-action="merge"'),
            wrong_role=FORBIDDEN,
            other_team=ok("No likely duplicates found.", lacks=("Jan Nowak",)),
        ),
    ),
    "customers:company_merge": Spec(
        "get",
        "/companies/{company}/merge/{duplicate}/",
        everyone(
            ok("Merge companies", "ACME Ltd"), wrong_role=FORBIDDEN, other_team=FORBIDDEN, owner=FORBIDDEN
        ),
        wrong_role="sam",
    ),
    "customers:contact_merge": Spec(
        "get",
        "/companies/contacts/{contact}/merge/{contact_duplicate}/",
        everyone(ok("Merge contacts", "Jan Nowak"), wrong_role=FORBIDDEN, other_team=HIDDEN),
        wrong_role="sam",
    ),
    # Mail (tests/mail/ go into detail): alice sent "Matrix mail" to Greta and made a mailing.
    "mail:outbox": Spec(
        "get",
        "/mail/",
        everyone(
            ok("Matrix mail"), wrong_role=FORBIDDEN, other_team=ok("Sent email", lacks=("Matrix mail",))
        ),
    ),
    "mail:send": Spec(
        "get",
        "/mail/companies/{company}/send/",
        everyone(ok("greta@acme.example"), wrong_role=FORBIDDEN, other_team=HIDDEN),
    ),
    "mail:mailing_list": Spec(
        "get",
        "/mail/mailings/",
        everyone(ok('data-mailing="'), wrong_role=FORBIDDEN, other_team=ok("No mailings yet.")),
    ),
    "mail:mailing_new": Spec(
        "get",
        "/mail/mailings/new/?ids={company}",
        everyone(
            ok("1 company will get a message."),
            wrong_role=FORBIDDEN,
            other_team=ok("0 companies will get a message."),
        ),
    ),
    "mail:mailing_detail": Spec(
        "get",
        "/mail/mailings/{mailing}/",
        everyone(ok("data-progress"), wrong_role=FORBIDDEN, other_team=HIDDEN),
    ),
    "mail:unsubscribe": Spec(
        "get",
        "/mail/unsubscribe/not-a-token/",
        {p: ok("This link is not valid", status=400) for p in PERSONAS},
    ),
    # Greetings and events (tests/greetings/ go into detail): occasions are those of one's own companies.
    "greetings:greeting_list": Spec(
        "get",
        "/greetings/",
        everyone(
            ok("No occasions in this period."),
            wrong_role=FORBIDDEN,
            owner=ok("Birthday: Greta Gruss (Acme)"),
        ),
    ),
    "greetings:greeting_send": Spec(
        "post",
        "/greetings/send/{greta}/birthday/{greeting_year}/",
        everyone(
            redirect("/greetings/", changes=("greetings", "activities", "mail", "audit")),
            wrong_role=FORBIDDEN,
            other_team=HIDDEN,
        ),
        wrong_role="sam",
        data={"next": "/greetings/"},
    ),
    "greetings:holiday_list": Spec(
        "get", "/greetings/holidays/", everyone(ok("Builder&#x27;s Day"), wrong_role=FORBIDDEN)
    ),
    # The professional holiday calendar: sales managers (and administrators) edit it.
    "greetings:holiday_create": Spec(
        "get",
        "/greetings/holidays/new/",
        everyone(FORBIDDEN, manager=ok("New professional holiday"), admin=ok("New professional holiday")),
    ),
    "greetings:holiday_edit": Spec(
        "get",
        "/greetings/holidays/{holiday}/edit/",
        everyone(FORBIDDEN, manager=ok("Edit Builder&#x27;s Day"), admin=ok("Edit Builder&#x27;s Day")),
    ),
    "greetings:event_list": Spec("get", "/greetings/events/", everyone(ok("Budma"), wrong_role=FORBIDDEN)),
    "greetings:event_detail": Spec(
        "get",
        "/greetings/events/{event}/",
        everyone(
            ok("Budma", "Jan Nowak"), wrong_role=FORBIDDEN, other_team=ok("Budma", lacks=("Jan Nowak",))
        ),
    ),
    "greetings:event_invite": Spec(
        "post",
        "/greetings/events/{event}/invite/",
        # Carol cannot see Greta: the form comes back with the error, nothing is stored or sent.
        everyone(
            redirect("/greetings/events/{event}/", changes=("invitations", "activities", "mail", "audit")),
            wrong_role=FORBIDDEN,
            other_team=ok("Some contacts do not exist, or you may not see them.", status=400),
        ),
        wrong_role="sam",
        data={"contact_ids": "{greta}"},
    ),
    "greetings:invitation_answer": Spec(
        "post",
        "/greetings/invitations/{invitation}/answer/",
        everyone(
            redirect("/greetings/events/{event}/#invitations", changes=("invitations", "audit")),
            wrong_role=FORBIDDEN,
            other_team=HIDDEN,
        ),
        wrong_role="sam",
        data={"status": "accepted"},
    ),
    # The invited contact's link: no sign-in; opening it changes nothing.
    "greetings:invitation_reply": Spec(
        "get", "/greetings/reply/{invitation_token}/accept/", {p: ok("Yes, I will come") for p in PERSONAS}
    ),
    # Calendar (tests/calendars/ go into detail). The world's activity is a note: invitations are refused
    # (a message, no mail) to whoever may see and change it. No feed has this token.
    "calendars:calendar": Spec("get", "/calendar/", everyone(ok('id="calendar"'), wrong_role=FORBIDDEN)),
    "calendars:feed": Spec("get", "/calendar/feed/not-a-token.ics", dict.fromkeys(PERSONAS, HIDDEN)),
    "calendars:feed_revoke": Spec(
        "post",
        "/calendar/feed/revoke/",
        everyone(redirect("/me/#calendar-feed", changes=("audit",)), wrong_role=FORBIDDEN),
    ),
    "calendars:meeting_invitation": Spec(
        "post",
        "/calendar/meetings/{activity}/invitation/",
        everyone(redirect("/calendar/"), wrong_role=FORBIDDEN, other_team=HIDDEN),
    ),
    # Call lists (tests/calllists/ go into detail): alice works "Acme calls" and holds its entry.
    "calllists:list": Spec(
        "get",
        "/call-lists/",
        everyone(
            ok("Acme calls"), wrong_role=FORBIDDEN, other_team=ok("No call lists yet.", lacks=("Acme calls",))
        ),
    ),
    "calllists:build": Spec("get", "/call-lists/new/", everyone(ok("New call list"), wrong_role=FORBIDDEN)),
    "calllists:detail": Spec(
        "get", "/call-lists/{call_list}/", everyone(ok("Acme calls"), wrong_role=FORBIDDEN, other_team=HIDDEN)
    ),
    "calllists:assign": Spec(
        "post",
        "/call-lists/{call_list}/assign/",
        everyone(
            redirect("/call-lists/{call_list}/", changes=("call_lists", "audit")),
            wrong_role=FORBIDDEN,
            other_team=FORBIDDEN,
            owner=FORBIDDEN,
        ),
        data={"users": "{bob}"},
    ),
    "calllists:work": Spec(
        "get",
        "/call-lists/{call_list}/work/",
        # Only those the list is assigned to work it; the others are sent back to the list.
        everyone(
            redirect("/call-lists/{call_list}/"),
            wrong_role=FORBIDDEN,
            other_team=HIDDEN,
            owner=ok("Acme", "Log & next"),
        ),
    ),
    "calllists:entry_log": Spec(
        "post",
        "/call-lists/{call_list}/entries/{call_entry}/log/",
        everyone(
            redirect("/call-lists/{call_list}/work/"),
            wrong_role=FORBIDDEN,
            other_team=HIDDEN,
            owner=redirect("/call-lists/{call_list}/work/", changes=("call_lists", "activities", "audit")),
        ),
        data={"outcome": "reached", "direction": "outbound"},
    ),
    "calllists:entry_skip": Spec(
        "post",
        "/call-lists/{call_list}/entries/{call_entry}/skip/",
        everyone(
            redirect("/call-lists/{call_list}/work/"),
            wrong_role=FORBIDDEN,
            other_team=HIDDEN,
            owner=redirect("/call-lists/{call_list}/work/", changes=("call_lists", "audit")),
        ),
        data={"reason": "Closed"},
    ),
    "calllists:entry_snooze": Spec(
        "post",
        "/call-lists/{call_list}/entries/{call_entry}/snooze/",
        everyone(
            redirect("/call-lists/{call_list}/work/"),
            wrong_role=FORBIDDEN,
            other_team=HIDDEN,
            owner=redirect("/call-lists/{call_list}/work/", changes=("call_lists", "audit")),
        ),
        data={"until": "2030-01-01T10:00"},
    ),
    "calllists:script_list": Spec(
        "get", "/call-lists/scripts/", everyone(ok("Matrix script"), wrong_role=FORBIDDEN)
    ),
    "calllists:script_detail": Spec(
        "get", "/call-lists/scripts/{script}/", everyone(ok("Matrix script"), wrong_role=FORBIDDEN)
    ),
    "calllists:objection_list": Spec(
        "get", "/call-lists/objections/", everyone(ok("It is too expensive"), wrong_role=FORBIDDEN)
    ),
    "calllists:objection_report": Spec(
        "get", "/call-lists/objections/report/", everyone(ok("Which answers work"), wrong_role=FORBIDDEN)
    ),
    # Reports (tests/reports/ go into detail): alice made a call in February 2026 and has a monthly report.
    # Each reads the calls and reports of the user, of the team for its lead, of everyone for an
    # administrator; the portal customer has no report permission.
    "reports:index": Spec(
        "get",
        "/reports/",
        everyone(ok('data-report="calls"', 'data-report="monthly"'), wrong_role=FORBIDDEN),
    ),
    "reports:calls": Spec(
        "get",
        CALLS_PERIOD.format("/reports/calls/"),
        everyone(
            ok(ALICE_ROW, "1 call"),
            wrong_role=FORBIDDEN,
            other_team=ok("0 calls", lacks=(ALICE_ROW,)),
        ),
    ),
    "reports:calls_csv": Spec(
        "get",
        CALLS_PERIOD.format("/reports/calls/export.csv"),
        everyone(ok("Alice,1,"), wrong_role=FORBIDDEN, other_team=ok("Total,0,", lacks=("Alice",))),
    ),
    # An XLSX file is compressed: its content is checked in tests/reports/test_call_analysis.py.
    "reports:calls_xlsx": Spec(
        "get", CALLS_PERIOD.format("/reports/calls/export.xlsx"), everyone(ok(), wrong_role=FORBIDDEN)
    ),
    "reports:monthly_list": Spec(
        "get",
        "/reports/monthly/",
        everyone(
            ok('data-report="', ALICE_ROW),
            wrong_role=FORBIDDEN,
            other_team=ok("No reports yet.", lacks=('data-report="', ALICE_ROW)),
        ),
    ),
    # Only the author comments, while the comment is open; the team lead and the administrator read it.
    "reports:monthly_detail": Spec(
        "post",
        "/reports/monthly/{monthly_report}/",
        everyone(
            FORBIDDEN,
            other_team=HIDDEN,
            owner=redirect("/reports/monthly/{monthly_report}/", changes=("reports", "audit")),
        ),
        data={"comment": "A good month"},
    ),
    "reports:monthly_pdf": Spec(
        "get",
        "/reports/monthly/{monthly_report}/pdf/",
        everyone(ok("%PDF"), wrong_role=FORBIDDEN, other_team=HIDDEN),
    ),
    # Catalogue (tests/catalog/ go into detail): every staff role reads it; logistics, sales managers and
    # administrators set stock.
    "catalog:product_list": Spec(
        "get", "/catalog/", everyone(ok('data-product="', "MX-1"), wrong_role=FORBIDDEN)
    ),
    "catalog:product_detail": Spec(
        "get",
        "/catalog/{product}/",
        everyone(
            ok("Matrix pallet", lacks=('data-form="stock"',)),
            wrong_role=FORBIDDEN,
            manager=ok('data-form="stock"'),
            admin=ok('data-form="stock"'),
        ),
    ),
    "catalog:product_create": Spec(
        "get",
        "/catalog/new/",
        everyone(FORBIDDEN, manager=ok("New product"), admin=ok("New product")),
    ),
    "catalog:product_edit": Spec(
        "get",
        "/catalog/{product}/edit/",
        everyone(FORBIDDEN, manager=ok("Edit product", "MX-1"), admin=ok("Edit product", "MX-1")),
    ),
    "catalog:price_list_list": Spec(
        "get", "/catalog/price-lists/", everyone(ok("Matrix list"), wrong_role=FORBIDDEN)
    ),
    "catalog:price_list_detail": Spec(
        "get", "/catalog/price-lists/{price_list}/", everyone(ok("MX-1", "€12.50"), wrong_role=FORBIDDEN)
    ),
    "catalog:stock_set": Spec(
        "post",
        "/catalog/{product}/stock/",
        everyone(
            FORBIDDEN,
            manager=redirect("/catalog/{product}/", changes=("catalog", "audit")),
            admin=redirect("/catalog/{product}/", changes=("catalog", "audit")),
        ),
        wrong_role="sam",
        data={"warehouse": "{warehouse}", "available": "9"},
    ),
    "catalog:logistics_request_list": Spec(
        "get",
        "/catalog/logistics/",
        everyone(ok('data-request="'), wrong_role=FORBIDDEN, other_team=ok("No logistics requests.")),
        wrong_role="sam",
    ),
    "catalog:logistics_request_create": Spec(
        "post",
        "/catalog/logistics/new/",
        everyone(
            redirect("/catalog/{product}/", changes=("catalog", "audit")),
            wrong_role=FORBIDDEN,
            other_team=HIDDEN,
        ),
        wrong_role="sam",
        data={"product": "{product}", "quantity": "3", "company": "{company}"},
    ),
    "catalog:logistics_request_answer": Spec(
        "post",
        "/catalog/logistics/{logistics_request}/answer/",
        everyone(
            FORBIDDEN,
            manager=redirect("/catalog/logistics/", changes=("catalog", "audit")),
            admin=redirect("/catalog/logistics/", changes=("catalog", "audit")),
        ),
        wrong_role="sam",
        data={"version": "1", "status": "done", "answer": "Arrived"},
    ),
    # The world's product is not in stock and alice's contact has no email address: refused, nothing kept.
    "catalog:restock_notice_create": Spec(
        "post",
        "/catalog/restock-notices/new/",
        everyone(redirect("/catalog/{product}/"), wrong_role=FORBIDDEN, other_team=HIDDEN),
        wrong_role="sam",
        data={"product": "{product}", "contact": "{contact}"},
    ),
    # A client's special prices (tests/catalog/test_customer_prices.py): commercial terms, on a visible card.
    "catalog:customer_price_set": Spec(
        "post",
        "/catalog/companies/{company}/prices/",
        everyone(
            FORBIDDEN,
            other_team=HIDDEN,
            owner=redirect("/companies/{company}/#special-prices", changes=("catalog", "audit")),
            manager=redirect("/companies/{company}/#special-prices", changes=("catalog", "audit")),
            admin=redirect("/companies/{company}/#special-prices", changes=("catalog", "audit")),
        ),
        wrong_role="tom",
        data={"sku": "mx-1", "discount_percent": "5"},
    ),
    "catalog:customer_price_delete": Spec(
        "post",
        "/catalog/companies/{company}/prices/{product}/delete/",
        everyone(
            FORBIDDEN,
            other_team=HIDDEN,
            owner=redirect("/companies/{company}/#special-prices", changes=("catalog", "audit")),
            manager=redirect("/companies/{company}/#special-prices", changes=("catalog", "audit")),
            admin=redirect("/companies/{company}/#special-prices", changes=("catalog", "audit")),
        ),
        wrong_role="tom",
    ),
    # Deals (tests/sales/ go into detail): the sales side works the deals of the companies it sees.
    "sales:deal_board": Spec(
        "get",
        "/deals/",
        everyone(
            ok("Matrix deal"), wrong_role=FORBIDDEN, other_team=ok("data-stage", lacks=("Matrix deal",))
        ),
        wrong_role="sam",
    ),
    "sales:deal_list": Spec(
        "get",
        "/deals/list/",
        everyone(
            ok("Matrix deal"), wrong_role=FORBIDDEN, other_team=ok("No deals found.", lacks=("Matrix deal",))
        ),
        wrong_role="sam",
    ),
    "sales:deal_forecast": Spec(
        "get",
        "/deals/forecast/",
        everyone(ok('data-form="forecast"'), wrong_role=FORBIDDEN),
        wrong_role="sam",
    ),
    "sales:win_loss": Spec(
        "get",
        "/deals/win-loss/",
        everyone(ok('data-form="win-loss"'), wrong_role=FORBIDDEN),
        wrong_role="sam",
    ),
    "sales:deal_create": Spec(
        "get", "/deals/new/", everyone(ok("New deal"), wrong_role=FORBIDDEN), wrong_role="sam"
    ),
    "sales:deal_detail": Spec(
        "get",
        "/deals/{deal}/",
        everyone(ok("Send the offer"), wrong_role=FORBIDDEN, other_team=HIDDEN),
        wrong_role="sam",
    ),
    "sales:deal_edit": Spec(
        "get",
        "/deals/{deal}/edit/",
        everyone(ok("Matrix deal"), wrong_role=FORBIDDEN, other_team=HIDDEN),
        wrong_role="sam",
    ),
    "sales:deal_move": Spec(
        "post",
        "/deals/{deal}/move/",
        everyone(
            redirect("/deals/{deal}/", changes=("sales", "audit")),
            wrong_role=FORBIDDEN,
            other_team=HIDDEN,
        ),
        wrong_role="sam",
        data={"stage": "{proposal_stage}", "version": "1"},
    ),
    # Quotes' staff screens (tests/quotes/test_pages.py go into detail): the world's quote is alice's draft
    # to a contact without an email address, so sending it is refused with a message and changes nothing.
    "quotes:quote_list": Spec(
        "get",
        "/quotes/",
        everyone(
            ok('data-quote="', ">Q-20"),
            wrong_role=FORBIDDEN,
            other_team=ok("No quotes found.", lacks=('data-quote="',)),
        ),
        wrong_role="sam",
    ),
    "quotes:quote_create": Spec(
        "get",
        "/quotes/new/?company={company}",
        everyone(ok("New quote", 'name="lines-0-sku"'), wrong_role=FORBIDDEN, other_team=HIDDEN),
        wrong_role="sam",
    ),
    "quotes:quote_detail": Spec(
        "get",
        "/quotes/{quote}/",
        everyone(ok("Matrix pallet", 'data-action="send"'), wrong_role=FORBIDDEN, other_team=HIDDEN),
        wrong_role="sam",
    ),
    "quotes:quote_edit": Spec(
        "get",
        "/quotes/{quote}/edit/",
        everyone(ok('value="MX-1"', 'name="version"'), wrong_role=FORBIDDEN, other_team=HIDDEN),
        wrong_role="sam",
    ),
    "quotes:quote_pdf": Spec(
        "get",
        "/quotes/{quote}/pdf/",
        everyone(ok("%PDF"), wrong_role=FORBIDDEN, other_team=HIDDEN),
        wrong_role="sam",
    ),
    "quotes:quote_send": Spec(
        "post",
        "/quotes/{quote}/send/",
        everyone(redirect("/quotes/{quote}/"), wrong_role=FORBIDDEN, other_team=HIDDEN),
        wrong_role="sam",
    ),
    "quotes:quote_request_approval": Spec(
        "post",
        "/quotes/{quote}/request-approval/",
        everyone(redirect("/quotes/{quote}/"), wrong_role=FORBIDDEN, other_team=HIDDEN),
        wrong_role="sam",
    ),
    "quotes:quote_approve": Spec(
        "post",
        "/quotes/{quote}/approve/",
        everyone(
            FORBIDDEN,
            manager=redirect("/quotes/{quote}/", changes=("quotes", "audit")),
            admin=redirect("/quotes/{quote}/", changes=("quotes", "audit")),
        ),
        wrong_role="sam",
    ),
    "quotes:quote_revise": Spec(
        "post",
        "/quotes/{quote}/revise/",
        everyone(redirect("/quotes/{quote}/"), wrong_role=FORBIDDEN, other_team=HIDDEN),
        wrong_role="sam",
    ),
    # Mass proposals (tests/quotes/test_mass_proposal.py goes into detail): the form counts the visible
    # ticked companies; the world's mass proposal is alice's (her team lead sees it too).
    "quotes:mass_proposal_new": Spec(
        "get",
        "/quotes/mass/new/?selected={company}:1",
        everyone(
            ok("1 company chosen.", 'name="lines-0-sku"'),
            wrong_role=FORBIDDEN,
            other_team=ok("0 companies chosen."),
        ),
    ),
    "quotes:mass_proposal_list": Spec(
        "get",
        "/quotes/mass/",
        everyone(
            ok('data-mass-proposal="'),
            wrong_role=FORBIDDEN,
            other_team=ok("No mass proposals yet.", lacks=('data-mass-proposal="',)),
        ),
    ),
    "quotes:mass_proposal_detail": Spec(
        "get",
        "/quotes/mass/{mass_proposal}/",
        everyone(ok('data-reason="invalid"', ACME), wrong_role=FORBIDDEN, other_team=HIDDEN),
    ),
    # Orders (tests/orders/ go into detail): the world's order is of alice's second, accepted quote.
    "orders:order_list": Spec(
        "get",
        "/orders/",
        everyone(
            ok('data-order="', ">O-20"),
            wrong_role=FORBIDDEN,
            other_team=ok("No orders found.", lacks=('data-order="',)),
        ),
        wrong_role="sam",
    ),
    "orders:order_detail": Spec(
        "get",
        "/orders/{order}/",
        everyone(ok("Matrix pallet", 'data-form="order-update"'), wrong_role=FORBIDDEN, other_team=HIDDEN),
        wrong_role="sam",
    ),
    # The accepted quote has its order already: refused, back to the quote.
    "orders:order_create": Spec(
        "post",
        "/orders/new/",
        everyone(redirect("/quotes/{ordered_quote}/"), wrong_role=FORBIDDEN, other_team=HIDDEN),
        wrong_role="sam",
        data={"quote": "{ordered_quote}"},
    ),
    # Acme is no key account: refused, back to the card, nothing sent.
    "orders:rates_send": Spec(
        "post",
        "/orders/rates/{company}/",
        everyone(redirect("/companies/{company}/"), wrong_role=FORBIDDEN, other_team=HIDDEN),
        wrong_role="sam",
        data={"contact": "{order_contact}"},
    ),
    # Contracts (tests/contracts/ go into detail): the world's contract is alice's draft of the accepted
    # quote, with one open disagreement; transitions it is not ready for are refused and change nothing.
    "contracts:contract_list": Spec(
        "get",
        "/contracts/",
        everyone(
            ok('data-contract="', ">C-20"),
            wrong_role=FORBIDDEN,
            other_team=ok("No contracts found.", lacks=('data-contract="',)),
        ),
    ),
    "contracts:contract_create": Spec(
        "get",
        "/contracts/new/?company={company}",
        everyone(
            ok("New contract from template", "Matrix template"), wrong_role=FORBIDDEN, other_team=HIDDEN
        ),
    ),
    "contracts:contract_detail": Spec(
        "get",
        "/contracts/{contract}/",
        everyone(
            ok("Matrix pallet", "Matrix clause", 'data-section="key-terms"'),
            wrong_role=FORBIDDEN,
            other_team=HIDDEN,
        ),
    ),
    "contracts:contract_edit": Spec(
        "get",
        "/contracts/{contract}/edit/",
        everyone(ok('name="body"', 'name="payment_terms_days"'), wrong_role=FORBIDDEN, other_team=HIDDEN),
        wrong_role="sam",
    ),
    "contracts:contract_compare": Spec(
        "get",
        "/contracts/{contract}/compare/?from=1&to=1",
        everyone(ok("No difference."), wrong_role=FORBIDDEN, other_team=HIDDEN),
    ),
    "contracts:contract_negotiate": Spec(
        "post",
        "/contracts/{contract}/negotiate/",
        everyone(
            redirect("/contracts/{contract}/", changes=("contracts", "audit")),
            wrong_role=FORBIDDEN,
            other_team=HIDDEN,
        ),
        wrong_role="sam",
        data={"version": "2"},
    ),
    "contracts:contract_request_approval": Spec(
        "post",
        "/contracts/{contract}/request-approval/",
        everyone(redirect("/contracts/{contract}/"), wrong_role=FORBIDDEN, other_team=HIDDEN),
        wrong_role="sam",
        data={"version": "2"},
    ),
    "contracts:contract_approve": Spec(
        "post",
        "/contracts/{contract}/approve/",
        everyone(
            FORBIDDEN,
            manager=redirect("/contracts/{contract}/"),
            admin=redirect("/contracts/{contract}/"),
        ),
        wrong_role="sam",
        data={"version": "2"},
    ),
    "contracts:contract_sign": Spec(
        "post",
        "/contracts/{contract}/sign/",
        everyone(redirect("/contracts/{contract}/"), wrong_role=FORBIDDEN, other_team=HIDDEN),
        wrong_role="sam",
        data={"version": "2", "signed_on": "2026-03-01", "customer_signatory": "Jan Nowak"},
    ),
    "contracts:contract_terminate": Spec(
        "post",
        "/contracts/{contract}/terminate/",
        everyone(redirect("/contracts/{contract}/"), wrong_role=FORBIDDEN, other_team=HIDDEN),
        wrong_role="sam",
        data={"version": "2", "terminated_on": "2026-03-01", "reason": "Matrix"},
    ),
    "contracts:disagreement_add": Spec(
        "post",
        "/contracts/{contract}/disagreements/",
        everyone(
            redirect("/contracts/{contract}/", changes=("contracts", "audit")),
            wrong_role=FORBIDDEN,
            other_team=HIDDEN,
        ),
        wrong_role="sam",
        data={"clause": "Matrix clause 2"},
    ),
    "contracts:disagreement_resolve": Spec(
        "post",
        "/contracts/{contract}/disagreements/{disagreement}/resolve/",
        everyone(
            redirect("/contracts/{contract}/", changes=("contracts", "audit")),
            wrong_role=FORBIDDEN,
            other_team=HIDDEN,
        ),
        wrong_role="sam",
        data={"version": "1", "status": "resolved", "resolution": "Agreed"},
    ),
    # The customer's public page of a quote needs no sign-in: everyone gets the same page (the world's
    # quote is a draft: no buttons, not counted as a view, and an answer is refused).
    "quote_public": Spec(
        "get",
        "/q/{quote_token}/",
        {p: ok('data-quote-state="draft"', "Matrix pallet", lacks=('value="accept"',)) for p in PERSONAS},
    ),
    "quote_public_pdf": Spec("get", "/q/{quote_token}/pdf/", {p: ok("%PDF") for p in PERSONAS}),
    "quote_public_answer": Spec(
        "post",
        "/q/{quote_token}/answer/",
        {p: ok("This proposal can no longer be answered.", status=409) for p in PERSONAS},
        data={"answer": "accept", "comment": "Yes"},
    ),
    # The customer portal (tests/portal/ go into detail). paula is Olga Orders' portal account; the
    # world's ticket of Olga's is resolved, rated 4, with a public message carrying a file.
    "portal:login": Spec(
        "get",
        "/portal/login/",
        {**{p: ok("With a link by email") for p in PERSONAS}, "wrong_role": redirect("/portal/")},
    ),
    "portal:link_request": Spec(
        "post",
        "/portal/login/link/",
        {p: ok("If nobody@example.com belongs to a portal account") for p in PERSONAS},
        data={"email": "nobody@example.com"},
    ),
    "portal:link_sign_in": Spec(
        "get", "/portal/link/matrix-token/", {p: ok('data-action="use-link"') for p in PERSONAS}
    ),
    "portal:logout": Spec("post", "/portal/logout/", {p: redirect("/portal/login/") for p in PERSONAS}),
    "portal:ticket_list": Spec("get", "/portal/", portal_only(ok("Matrix ticket"), "/portal/")),
    "portal:ticket_new": Spec(
        "get", "/portal/tickets/new/", portal_only(ok("Kind of request"), "/portal/tickets/new/")
    ),
    "portal:ticket_detail": Spec(
        "get", PORTAL_TICKET, portal_only(ok("Matrix message", "matrix.txt"), PORTAL_TICKET)
    ),
    "portal:ticket_reply": Spec(
        "post",
        PORTAL_TICKET + "reply/",
        portal_only(redirect(PORTAL_TICKET, changes=("portal", "audit")), PORTAL_TICKET + "reply/"),
        data={"body": "Matrix answer"},
    ),
    "portal:ticket_close": Spec(
        "post",
        PORTAL_TICKET + "close/",
        portal_only(redirect(PORTAL_TICKET, changes=("portal", "audit")), PORTAL_TICKET + "close/"),
    ),
    "portal:ticket_rate": Spec(
        "post",
        PORTAL_TICKET + "rate/",
        portal_only(redirect(PORTAL_TICKET, changes=("portal",)), PORTAL_TICKET + "rate/"),
        data={"rating": "5", "comment": "Matrix praise"},
    ),
    "portal:attachment": Spec(
        "get",
        PORTAL_TICKET + "files/{ticket_file}/",
        portal_only(ok("Matrix file"), PORTAL_TICKET + "files/{ticket_file}/"),
    ),
    "portal:profile": Spec("get", "/portal/profile/", portal_only(ok("Set password"), "/portal/profile/")),
    # No sign-in: the rating link of the resolution mail and the embeddable web form.
    "portal:rate": Spec(
        "get", "/portal/rate/{rating_token}/", {p: ok("You rated this ticket 4 of 5") for p in PERSONAS}
    ),
    "portal:web_form": Spec("get", "/portal/form/", {p: ok('name="stamp"') for p in PERSONAS}),
    # Staff invite a contact they see (Greta has an address) when they may change contacts.
    "portal:invite": Spec(
        "post",
        "/portal/invite/{greta}/",
        everyone(
            redirect("/companies/contacts/{greta}/", changes=("portal", "users", "mail")),
            wrong_role=FORBIDDEN,
            other_team=HIDDEN,
        ),
    ),
    "satisfaction:summary": Spec(
        "get",
        "/service/satisfaction/",
        everyone(
            ok("Matrix comment"),
            wrong_role=FORBIDDEN,
            other_team=ok("Customer satisfaction", lacks=("Matrix comment",)),
        ),
    ),
    # Service reports (tests/service/test_reports.py go into detail): figures of the tickets one sees; the
    # world's one ticket of Acme was opened, resolved and rated 4 within the last four weeks.
    "service:reports": Spec(
        "get",
        "/service/reports/",
        everyone(ok('data-report="satisfaction"', "data-recomputed"), wrong_role=FORBIDDEN),
    ),
    "service:report_csv": Spec(
        "get",
        "/service/reports/satisfaction/export.csv",
        everyone(
            ok("Whole period,1,4.00,"),
            wrong_role=FORBIDDEN,
            other_team=ok("Whole period,0,", lacks=("4.00",)),
        ),
    ),
    # An XLSX file is compressed: its content is checked in tests/service/test_reports.py.
    "service:report_xlsx": Spec(
        "get", "/service/reports/satisfaction/export.xlsx", everyone(ok(), wrong_role=FORBIDDEN)
    ),
    # Mail intake (tests/service/test_intake_pages.py go into detail): service managers and administrators.
    "service:quarantine_list": Spec(
        "get",
        "/service/mail/quarantine/",
        everyone(FORBIDDEN, admin=ok("Matrix quarantine", "The message is empty.")),
    ),
    "service:quarantine_detail": Spec(
        "get",
        "/service/mail/quarantine/{inbound}/",
        everyone(FORBIDDEN, admin=ok("Matrix quarantine", "Process again")),
    ),
    "service:quarantine_raw": Spec(
        "get", "/service/mail/quarantine/{inbound}/raw.eml", everyone(FORBIDDEN, admin=ok())
    ),
    "service:quarantine_reprocess": Spec(
        "post",
        "/service/mail/quarantine/{inbound}/reprocess/",
        everyone(FORBIDDEN, admin=redirect("/service/mail/quarantine/{inbound}/", changes=("intake",))),
    ),
    "service:mailbox_list": Spec(
        "get", "/service/mail/mailboxes/", everyone(FORBIDDEN, admin=ok("Matrix box"))
    ),
    "service:mailbox_create": Spec(
        "get", "/service/mail/mailboxes/new/", everyone(FORBIDDEN, admin=ok('name="host"'))
    ),
    "service:mailbox_edit": Spec(
        "get", "/service/mail/mailboxes/{mailbox}/edit/", everyone(FORBIDDEN, admin=ok('value="Matrix box"'))
    ),
    "service:mailbox_test": Spec(
        "post",
        "/service/mail/mailboxes/{mailbox}/test/",
        everyone(FORBIDDEN, admin=redirect("/service/mail/mailboxes/")),
    ),
    "service:log_address_list": Spec(
        "get", "/service/mail/log-addresses/", everyone(FORBIDDEN, admin=ok("matrix-log@klient.example"))
    ),
    "service:log_address_delete": Spec(
        "post",
        "/service/mail/log-addresses/{log_address}/delete/",
        everyone(FORBIDDEN, admin=redirect("/service/mail/log-addresses/", changes=("intake",))),
    ),
    # Tickets and queues (tests/service/test_tickets_pages.py go into detail). The world's ticket is Olga
    # Orders' (Acme, resolved): the sales side reads it, only the service desk and administrators work it.
    "service:ticket_list": Spec(
        "get",
        "/service/tickets/?all=1",
        everyone(
            ok("Matrix ticket"),
            wrong_role=FORBIDDEN,
            other_team=ok("No tickets found.", lacks=("Matrix ticket",)),
        ),
    ),
    "service:ticket_bulk_claim": Spec(
        "post",
        "/service/tickets/claim/",
        everyone(
            FORBIDDEN,
            admin=redirect(
                "/service/tickets/?assignee=me&status=open", changes=("portal", "service", "audit")
            ),
        ),
        data={"selected": "{ticket_number}"},
    ),
    "service:ticket_create": Spec(
        "get", "/service/tickets/new/", everyone(FORBIDDEN, admin=ok("Log a call as a ticket"))
    ),
    "service:ticket_attachment": Spec(
        "get",
        "/service/tickets/files/{ticket_file}/",
        everyone(ok("Matrix file"), wrong_role=FORBIDDEN, other_team=HIDDEN),
    ),
    "service:ticket": Spec(
        "get",
        "/service/tickets/{ticket_number}/",
        everyone(ok("Matrix ticket", "Matrix message"), wrong_role=FORBIDDEN, other_team=HIDDEN),
    ),
    "service:ticket_update": Spec(
        "post",
        "/service/tickets/{ticket_number}/update/",
        everyone(
            FORBIDDEN,
            admin=redirect("/service/tickets/{ticket_number}/", changes=("portal", "service", "audit")),
        ),
        data={"root_cause": "Matrix cause", "version": "{ticket_version}"},
    ),
    "service:ticket_reply": Spec(
        "post",
        "/service/tickets/{ticket_number}/reply/",
        everyone(
            FORBIDDEN, admin=redirect("/service/tickets/{ticket_number}/#conversation", changes=("portal",))
        ),
        data={"body": "Matrix note", "public": "0"},
    ),
    "service:ticket_macro": Spec(
        "get",
        "/service/tickets/{ticket_number}/macro/?macro=0",
        everyone(FORBIDDEN, admin=ok('id="id_body"')),
    ),
    "service:ticket_claim": Spec(
        "post",
        "/service/tickets/{ticket_number}/claim/",
        everyone(
            FORBIDDEN,
            admin=redirect("/service/tickets/{ticket_number}/", changes=("portal", "service", "audit")),
        ),
    ),
    # Merging into, linking to and splitting off what does not exist is refused and changes nothing.
    "service:ticket_merge": Spec(
        "post",
        "/service/tickets/{ticket_number}/merge/",
        everyone(FORBIDDEN, admin=redirect("/service/tickets/{ticket_number}/")),
        data={"into": "1"},
    ),
    "service:ticket_split": Spec(
        "post",
        "/service/tickets/{ticket_number}/split/999999/",
        everyone(FORBIDDEN, admin=redirect("/service/tickets/{ticket_number}/")),
    ),
    "service:ticket_link": Spec(
        "post",
        "/service/tickets/{ticket_number}/link/",
        everyone(FORBIDDEN, admin=redirect("/service/tickets/{ticket_number}/#links")),
        data={"other": "1", "kind": "related"},
    ),
    "service:ticket_time": Spec(
        "post",
        "/service/tickets/{ticket_number}/time/",
        everyone(FORBIDDEN, admin=redirect("/service/tickets/{ticket_number}/", changes=("service",))),
        data={"minutes": "5"},
    ),
    "service:participant_add": Spec(
        "post",
        "/service/tickets/{ticket_number}/participants/",
        everyone(
            FORBIDDEN,
            admin=redirect("/service/tickets/{ticket_number}/#participants", changes=("service", "audit")),
        ),
        data={"email": "matrix-cc@acme.example"},
    ),
    "service:participant_remove": Spec(
        "post",
        "/service/tickets/{ticket_number}/participants/999999/remove/",
        everyone(FORBIDDEN, admin=redirect("/service/tickets/{ticket_number}/#participants")),
    ),
    "service:queue_list": Spec("get", "/service/queues/", everyone(FORBIDDEN, admin=ok("Support"))),
    "service:queue_create": Spec(
        "get", "/service/queues/new/", everyone(FORBIDDEN, admin=ok('name="assignment"'))
    ),
    "service:queue_edit": Spec(
        "get", "/service/queues/{support_queue}/", everyone(FORBIDDEN, admin=ok('value="Support"'))
    ),
    "service:rule_list": Spec("get", "/service/routing/", everyone(FORBIDDEN, admin=ok("No rules yet."))),
    "service:rule_create": Spec(
        "get", "/service/routing/new/", everyone(FORBIDDEN, admin=ok('name="recipient"'))
    ),
    "service:rule_edit": Spec("get", "/service/routing/999999/", everyone(FORBIDDEN, admin=HIDDEN)),
    "service:category_list": Spec(
        "get", "/service/categories/", everyone(FORBIDDEN, admin=ok("New category"))
    ),
    "service:category_edit": Spec("get", "/service/categories/999999/", everyone(FORBIDDEN, admin=HIDDEN)),
    "service:macro_list": Spec("get", "/service/macros/", everyone(FORBIDDEN, admin=ok("No macros yet."))),
    "service:macro_create": Spec(
        "get", "/service/macros/new/", everyone(FORBIDDEN, admin=ok('name="text_en"'))
    ),
    "service:macro_edit": Spec("get", "/service/macros/999999/", everyone(FORBIDDEN, admin=HIDDEN)),
    "service:complaint_list": Spec(
        "get", "/service/complaints/", everyone(ok("No complaints in this period."), wrong_role=FORBIDDEN)
    ),
    "service:complaint_export": Spec(
        "get", "/service/complaints/export.csv", everyone(ok("number,subject,company"), wrong_role=FORBIDDEN)
    ),
    "service:complaint_export_xlsx": Spec(
        "get", "/service/complaints/export.xlsx", everyone(ok(), wrong_role=FORBIDDEN)
    ),
    # Business calendars and SLA policies (tests/service/test_sla_views.py go into detail): service
    # managers and administrators.
    "service:sla_calendar_list": Spec(
        "get", "/service/calendars/", everyone(FORBIDDEN, admin=ok('data-calendar="', "Standard hours"))
    ),
    "service:sla_calendar_create": Spec(
        "get", "/service/calendars/new/", everyone(FORBIDDEN, admin=ok('name="hours_mon"'))
    ),
    "service:sla_calendar": Spec(
        "get",
        "/service/calendars/{sla_calendar}/",
        everyone(FORBIDDEN, admin=ok("Due time calculator", 'value="Standard hours"')),
    ),
    "service:sla_policy_list": Spec(
        "get", "/service/sla-policies/", everyone(FORBIDDEN, admin=ok('data-policy="', "Standard"))
    ),
    "service:sla_policy_create": Spec(
        "get", "/service/sla-policies/new/", everyone(FORBIDDEN, admin=ok("data-targets"))
    ),
    "service:sla_policy": Spec(
        "get", "/service/sla-policies/{sla_policy}/", everyone(FORBIDDEN, admin=ok('value="Standard"'))
    ),
    # The settings index (tests/service/test_settings_page.py go into detail): those who may open a setup
    # page; the sales side reads tickets and articles but sets nothing up.
    "service:settings": Spec(
        "get",
        "/service/settings/",
        everyone(
            FORBIDDEN,
            admin=ok(
                'data-card="queues"', 'data-card="quarantine"', 'data-card="satisfaction"', "quarantined"
            ),
        ),
    ),
    "webhooks:subscription_list": Spec(
        "get", "/webhooks/", everyone(FORBIDDEN, admin=ok('data-subscription="', "Matrix hook"))
    ),
    "webhooks:subscription_create": Spec(
        "get", "/webhooks/new/", everyone(FORBIDDEN, admin=ok("New subscription", 'value="quote.sent"'))
    ),
    "webhooks:subscription_detail": Spec(
        "get",
        "/webhooks/{webhook}/",
        everyone(FORBIDDEN, admin=ok("Matrix hook", 'data-field="secret"', 'data-delivery="')),
    ),
    "webhooks:subscription_edit": Spec(
        "get", "/webhooks/{webhook}/edit/", everyone(FORBIDDEN, admin=ok("Edit subscription", "Matrix hook"))
    ),
    "webhooks:subscription_active": Spec(
        "post",
        "/webhooks/{webhook}/active/",
        everyone(FORBIDDEN, admin=redirect("/webhooks/{webhook}/", changes=("webhooks", "audit"))),
        wrong_role="sam",
        data={"is_active": "0", "version": "1"},
    ),
    "webhooks:subscription_delete": Spec(
        "post",
        "/webhooks/{webhook}/delete/",
        everyone(FORBIDDEN, admin=redirect("/webhooks/", changes=("webhooks", "audit"))),
        wrong_role="sam",
    ),
    "webhooks:subscription_ping": Spec(
        "post",
        "/webhooks/{webhook}/ping/",
        everyone(FORBIDDEN, admin=redirect("/webhooks/{webhook}/", changes=("webhooks",))),
        wrong_role="sam",
    ),
    "webhooks:delivery_redeliver": Spec(
        "post",
        "/webhooks/deliveries/{webhook_delivery}/redeliver/",
        everyone(FORBIDDEN, admin=redirect("/webhooks/{webhook}/", changes=("webhooks",))),
        wrong_role="sam",
    ),
    # Competitors (tests/competitors/ go into detail): the sales side reads them and records supplies on the
    # companies it sees; account managers may add a competitor, sales managers keep the catalogue.
    "competitors:competitor_list": Spec(
        "get", "/competitors/", everyone(ok('data-competitor="', "Matrix rival"), wrong_role=FORBIDDEN)
    ),
    "competitors:competitor_detail": Spec(
        "get",
        "/competitors/{competitor}/",
        everyone(
            ok("Matrix rival", "Matrix pallets", lacks=('data-action="edit-competitor"',)),
            wrong_role=FORBIDDEN,
            other_team=ok("Matrix rival", lacks=("Matrix pallets",)),
            manager=ok("Matrix pallets", 'data-action="edit-competitor"'),
            admin=ok("Matrix pallets", 'data-action="edit-competitor"'),
        ),
    ),
    "competitors:competitor_create": Spec(
        "get",
        "/competitors/new/",
        everyone(ok('data-form="competitor"'), wrong_role=FORBIDDEN),
        wrong_role="sam",
    ),
    "competitors:competitor_edit": Spec(
        "get",
        "/competitors/{competitor}/edit/",
        everyone(
            FORBIDDEN,
            manager=ok('data-form="competitor"', "Matrix rival"),
            admin=ok('data-form="competitor"', "Matrix rival"),
        ),
        wrong_role="sam",
    ),
    "competitors:supply_create": Spec(
        "post",
        "/competitors/companies/{company}/supplies/",
        everyone(
            redirect("/companies/{company}/#competitors", changes=COMPETITOR_CHANGES),
            wrong_role=FORBIDDEN,
            other_team=HIDDEN,
        ),
        wrong_role="sam",
        data={"competitor": "{competitor}", "description": "Matrix boxes"},
    ),
    "competitors:supply_edit": Spec(
        "get",
        "/competitors/supplies/{supply}/edit/",
        everyone(ok('data-form="supply"', "Matrix pallets"), wrong_role=FORBIDDEN, other_team=HIDDEN),
        wrong_role="sam",
    ),
    "competitors:supply_delete": Spec(
        "post",
        "/competitors/supplies/{supply}/delete/",
        everyone(
            redirect("/companies/{company}/#competitors", changes=COMPETITOR_CHANGES),
            wrong_role=FORBIDDEN,
            other_team=HIDDEN,
        ),
        wrong_role="sam",
    ),
    # Knowledge base (tests/kb/ go into detail): the sales side reads internal articles, only writers
    # (service roles, administrators) change them; /help/ shows public articles to anyone, signed in or not.
    "kb:article_list": Spec(
        "get", "/kb/", everyone(ok("Matrix internal", "Matrix public"), wrong_role=FORBIDDEN)
    ),
    "kb:article_create": Spec("get", "/kb/new/", everyone(FORBIDDEN, admin=ok('name="title"'))),
    "kb:category_list": Spec("get", "/kb/categories/", everyone(ok("Matrix shelf"), wrong_role=FORBIDDEN)),
    "kb:category_edit": Spec(
        "get", "/kb/categories/{kb_category}/", everyone(FORBIDDEN, admin=ok('value="Matrix shelf"'))
    ),
    "kb:article_detail": Spec(
        "get", "/kb/{kb_article}/", everyone(ok("Matrix internal", "data-tab="), wrong_role=FORBIDDEN)
    ),
    "kb:article_settings": Spec(
        "post",
        "/kb/{kb_article}/settings/",
        everyone(FORBIDDEN, admin=redirect("/kb/{kb_article}/", changes=("kb", "audit"))),
        data={"slug": "matrix-moved"},
    ),
    "kb:article_status": Spec(
        "post",
        "/kb/{kb_article}/status/",
        everyone(FORBIDDEN, admin=redirect("/kb/{kb_article}/", changes=("kb", "audit"))),
        data={"status": "public"},
    ),
    "kb:translation_edit": Spec(
        "get", "/kb/{kb_article}/edit/pl/", everyone(FORBIDDEN, admin=ok('name="body"', "Matrix text"))
    ),
    "kb:version_list": Spec(
        "get",
        "/kb/{kb_article}/versions/en/",
        everyone(ok('data-version="1"', 'data-version="2"'), wrong_role=FORBIDDEN),
    ),
    "kb:version_restore": Spec(
        "post",
        "/kb/{kb_article}/versions/en/restore/",
        everyone(FORBIDDEN, admin=redirect("/kb/{kb_article}/versions/en/", changes=("kb", "audit"))),
        data={"number": "1"},
    ),
    "kb_public:home": Spec(
        "get", "/help/", {p: ok("Matrix public", lacks=("Matrix internal",)) for p in PERSONAS}
    ),
    "kb_public:article": Spec("get", "/help/matrix-public/", {p: ok("Matrix public") for p in PERSONAS}),
    "kb_public:vote": Spec(
        "post",
        "/help/matrix-public/vote/",
        {p: redirect("/help/matrix-public/?lang=en", changes=("kb",)) for p in PERSONAS},
        data={"helpful": "yes"},
    ),
}


def api_everyone(outcome: Outcome, **overrides: Outcome) -> dict[str, Outcome]:
    return {"anonymous": UNAUTHENTICATED, **dict.fromkeys(PERSONAS[1:], outcome), **overrides}


API_OPERATIONS: dict[str, Spec] = {
    "GET /api/v1/me": Spec("get", "/api/v1/me", api_everyone(ok('"username": '))),
    "PATCH /api/v1/me": Spec(
        "patch",
        "/api/v1/me",
        api_everyone(ok('"timezone": "Europe/Warsaw"', changes=("users", "audit"))),
        data={"timezone": "Europe/Warsaw"},
    ),
    "GET /api/v1/calendar": Spec(
        "get",
        "/api/v1/calendar?start=2026-03-02&end=2026-03-08",
        api_everyone(ok('"items": []'), wrong_role=FORBIDDEN),
    ),
    "POST /api/v1/me/calendar-feed/revoke": Spec(
        "post",
        "/api/v1/me/calendar-feed/revoke",
        api_everyone(
            ok('"calendar_feed_url": "http://testserver/calendar/feed/', changes=("audit",)),
            wrong_role=FORBIDDEN,
        ),
    ),
    "POST /api/v1/meetings/{activity_id}/invitation": Spec(
        "post",
        "/api/v1/meetings/{activity}/invitation",
        api_everyone(ok('"field": "kind"', status=422), wrong_role=FORBIDDEN, other_team=HIDDEN),
    ),
    "GET /api/v1/companies": Spec(
        "get",
        "/api/v1/companies",
        api_everyone(ok('"name": "Acme"'), wrong_role=FORBIDDEN, other_team=ok('"items": []')),
    ),
    "POST /api/v1/companies": Spec(
        "post",
        "/api/v1/companies",
        api_everyone(ok('"name": "Beta"', status=201, changes=("companies", "audit")), wrong_role=FORBIDDEN),
        wrong_role="sam",
        data={"name": "Beta"},
    ),
    "GET /api/v1/companies/{company_id}": Spec(
        "get",
        "/api/v1/companies/{company}",
        api_everyone(ok('"name": "Acme"'), wrong_role=FORBIDDEN, other_team=HIDDEN),
    ),
    "PATCH /api/v1/companies/{company_id}": Spec(
        "patch",
        "/api/v1/companies/{company}",
        api_everyone(
            ok('"name": "Acme Renamed"', changes=("companies", "audit")),
            wrong_role=FORBIDDEN,
            other_team=HIDDEN,
        ),
        wrong_role="sam",
        data={"version": 1, "name": "Acme Renamed"},
    ),
    "DELETE /api/v1/companies/{company_id}": Spec(
        "delete",
        "/api/v1/companies/{company}",
        # Visibility first (404), then the delete permission, which account managers lack (403).
        api_everyone(
            ok(
                status=204,
                changes=(
                    "companies",
                    "account_team",
                    "contacts",
                    "activities",
                    "call_lists",
                    "invitations",
                    "competitors",
                    "catalog",
                    "sales",
                    "quotes",
                    "orders",
                    "contracts",
                    "portal",
                    "audit",
                ),
            ),
            wrong_role=FORBIDDEN,
            other_team=HIDDEN,
            owner=FORBIDDEN,
        ),
        wrong_role="sam",
    ),
    "GET /api/v1/companies/{company_id}/history": Spec(
        "get",
        "/api/v1/companies/{company}/history",
        api_everyone(ok('"action": "create"'), wrong_role=FORBIDDEN, other_team=HIDDEN),
    ),
    "GET /api/v1/companies/{company_id}/account-team": Spec(
        "get",
        "/api/v1/companies/{company}/account-team",
        api_everyone(ok('"username": "bob"'), wrong_role=FORBIDDEN, other_team=HIDDEN),
    ),
    "POST /api/v1/companies/{company_id}/account-team": Spec(
        "post",
        "/api/v1/companies/{company}/account-team",
        api_everyone(
            ok('"username": "tom"', status=201, changes=("account_team", "audit")),
            wrong_role=FORBIDDEN,
            other_team=HIDDEN,
        ),
        wrong_role="sam",
        data={"username": "tom", "role": "caller"},
    ),
    "DELETE /api/v1/companies/{company_id}/account-team/{username}": Spec(
        "delete",
        "/api/v1/companies/{company}/account-team/bob",
        api_everyone(
            ok(status=204, changes=("account_team", "audit")), wrong_role=FORBIDDEN, other_team=HIDDEN
        ),
        wrong_role="sam",
    ),
    "POST /api/v1/companies/{company_id}/reviewed": Spec(
        "post",
        "/api/v1/companies/{company}/reviewed",
        api_everyone(
            ok('"card_reviewed_at": "20', changes=("reviewed", "audit")),
            wrong_role=FORBIDDEN,
            other_team=HIDDEN,
        ),
        wrong_role="sam",
    ),
    "POST /api/v1/companies/bulk": Spec(
        "post",
        "/api/v1/companies/bulk",
        api_everyone(ok('"result": "created"', changes=("companies", "audit")), wrong_role=FORBIDDEN),
        wrong_role="sam",
        data={"key": "external_id", "items": [{"external_id": "ERP-7", "name": "Beta"}]},
    ),
    "GET /api/v1/contacts": Spec(
        "get",
        "/api/v1/contacts",
        api_everyone(ok('"last_name": "Nowak"'), wrong_role=FORBIDDEN, other_team=ok('"items": []')),
    ),
    "POST /api/v1/contacts": Spec(
        "post",
        "/api/v1/contacts",
        api_everyone(
            ok('"last_name": "Kowalska"', status=201, changes=("contacts", "audit")),
            wrong_role=FORBIDDEN,
            other_team=HIDDEN,
        ),
        data={"company": "{company}", "last_name": "Kowalska"},
        not_found_errors=[{"field": "company", "message": "No company with this id, or you may not see it."}],
    ),
    "GET /api/v1/contacts/{contact_id}": Spec(
        "get",
        "/api/v1/contacts/{contact}",
        api_everyone(ok('"last_name": "Nowak"'), wrong_role=FORBIDDEN, other_team=HIDDEN),
    ),
    "PATCH /api/v1/contacts/{contact_id}": Spec(
        "patch",
        "/api/v1/contacts/{contact}",
        api_everyone(
            ok('"position": "CEO"', changes=("contacts", "audit")), wrong_role=FORBIDDEN, other_team=HIDDEN
        ),
        data={"version": 1, "position": "CEO"},
    ),
    "DELETE /api/v1/contacts/{contact_id}": Spec(
        "delete",
        "/api/v1/contacts/{contact}",
        api_everyone(
            ok(status=204, changes=("contacts", "invitations", "audit")),
            wrong_role=FORBIDDEN,
            other_team=HIDDEN,
        ),
    ),
    "GET /api/v1/contacts/{contact_id}/history": Spec(
        "get",
        "/api/v1/contacts/{contact}/history",
        api_everyone(ok('"action": "create"'), wrong_role=FORBIDDEN, other_team=HIDDEN),
    ),
    "POST /api/v1/companies/{company_id}/merge": Spec(
        "post",
        "/api/v1/companies/{company}/merge",
        api_everyone(
            ok('"name": "Acme"', changes=("companies", "audit")),
            wrong_role=FORBIDDEN,
            other_team=HIDDEN,
            owner=FORBIDDEN,
        ),
        wrong_role="sam",
        data={"drop": "{duplicate}"},
    ),
    "POST /api/v1/contacts/{contact_id}/merge": Spec(
        "post",
        "/api/v1/contacts/{contact}/merge",
        api_everyone(
            ok('"last_name": "Nowak"', changes=("contacts", "audit")), wrong_role=FORBIDDEN, other_team=HIDDEN
        ),
        wrong_role="sam",
        data={"drop": "{contact_duplicate}"},
    ),
    "GET /api/v1/my-day": Spec(
        "get", "/api/v1/my-day", api_everyone(ok('"items": ', '"user": '), wrong_role=FORBIDDEN)
    ),
    "GET /api/v1/targets/progress": Spec(
        "get",
        "/api/v1/targets/progress?user=alice",
        api_everyone(ok('"metric": "calls"'), wrong_role=FORBIDDEN, other_team=HIDDEN),
        not_found_errors=[
            {"field": "user", "message": "No user with this name, or you may not follow their work."}
        ],
    ),
    "GET /api/v1/targets/history": Spec(
        "get",
        "/api/v1/targets/history?user=alice&period=month",
        api_everyone(ok('"period": "month"'), wrong_role=FORBIDDEN, other_team=HIDDEN),
        not_found_errors=[
            {"field": "user", "message": "No user with this name, or you may not follow their work."}
        ],
    ),
    "POST /api/v1/targets": Spec(
        "post",
        "/api/v1/targets",
        api_everyone(
            FORBIDDEN,
            manager=ok('"value": 7', status=201, changes=("targets", "audit")),
            admin=ok('"value": 7', status=201, changes=("targets", "audit")),
        ),
        data={"metric": "calls", "period": "day", "value": 7, "user": "alice"},
    ),
    "GET /api/v1/activities": Spec(
        "get",
        "/api/v1/activities",
        api_everyone(ok('"subject": "Kick-off"'), wrong_role=FORBIDDEN, other_team=ok('"items": []')),
    ),
    "POST /api/v1/activities": Spec(
        "post",
        "/api/v1/activities",
        api_everyone(
            ok('"subject": "Call"', status=201, changes=("activities", "audit")),
            wrong_role=FORBIDDEN,
            other_team=HIDDEN,
        ),
        data={"kind": "note", "company": "{company}", "subject": "Call"},
        not_found_errors=[{"field": "company", "message": "No company with this id, or you may not see it."}],
    ),
    "GET /api/v1/activities/{activity_id}": Spec(
        "get",
        "/api/v1/activities/{activity}",
        api_everyone(ok('"subject": "Kick-off"'), wrong_role=FORBIDDEN, other_team=HIDDEN),
    ),
    "PATCH /api/v1/activities/{activity_id}": Spec(
        "patch",
        "/api/v1/activities/{activity}",
        api_everyone(
            ok('"subject": "Kick-off 2"', changes=("activities", "audit")),
            wrong_role=FORBIDDEN,
            other_team=HIDDEN,
        ),
        data={"version": 1, "subject": "Kick-off 2"},
    ),
    "DELETE /api/v1/activities/{activity_id}": Spec(
        "delete",
        "/api/v1/activities/{activity}",
        api_everyone(
            ok(status=204, changes=("activities", "audit")), wrong_role=FORBIDDEN, other_team=HIDDEN
        ),
    ),
    "GET /api/v1/activities/{activity_id}/history": Spec(
        "get",
        "/api/v1/activities/{activity}/history",
        api_everyone(ok('"action": "create"'), wrong_role=FORBIDDEN, other_team=HIDDEN),
    ),
    "GET /api/v1/greetings": Spec(
        "get",
        "/api/v1/greetings",
        api_everyone(ok('"items": []'), wrong_role=FORBIDDEN, owner=ok('"contact_name": "Greta Gruss"')),
    ),
    "POST /api/v1/mail": Spec(
        "post",
        "/api/v1/mail",
        api_everyone(
            ok('"subject": "Matrix"', status=201, changes=("mail", "activities", "audit")),
            wrong_role=FORBIDDEN,
            other_team=HIDDEN,
        ),
        data={"contact_id": "{greta}", "subject": "Matrix", "body": "Hello"},
        not_found_errors=[
            {"field": "contact_id", "message": "No contact with this id, or you may not see it."}
        ],
    ),
    "GET /api/v1/mail/outbox": Spec(
        "get",
        "/api/v1/mail/outbox",
        api_everyone(ok('"subject": "Matrix mail"'), wrong_role=FORBIDDEN, other_team=ok('"items": []')),
    ),
    "GET /api/v1/mail/outbox/{message_id}": Spec(
        "get",
        "/api/v1/mail/outbox/{outbox_message}",
        api_everyone(ok('"subject": "Matrix mail"'), wrong_role=FORBIDDEN, other_team=HIDDEN),
    ),
    "POST /api/v1/mailings": Spec(
        "post",
        "/api/v1/mailings",
        api_everyone(
            ok('"queued_count": 1', status=201, changes=("mail", "activities", "audit")),
            wrong_role=FORBIDDEN,
            other_team=HIDDEN,
        ),
        wrong_role="sam",
        data={"companies": ["{company}"]},
        not_found_errors=[
            {"field": "companies", "message": "One of the companies does not exist, or you may not see it."}
        ],
    ),
    "GET /api/v1/mailings": Spec(
        "get",
        "/api/v1/mailings",
        api_everyone(ok('"template": "proposal"'), wrong_role=FORBIDDEN, other_team=ok('"items": []')),
    ),
    "GET /api/v1/mailings/{mailing_id}": Spec(
        "get",
        "/api/v1/mailings/{mailing}",
        api_everyone(ok('"template": "proposal"'), wrong_role=FORBIDDEN, other_team=HIDDEN),
    ),
    "POST /api/v1/greetings": Spec(
        "post",
        "/api/v1/greetings",
        api_everyone(
            ok('"occasion": "birthday"', status=201, changes=("greetings", "activities", "mail", "audit")),
            wrong_role=FORBIDDEN,
            other_team=HIDDEN,
        ),
        wrong_role="sam",
        data={"contact_id": "{greta}", "occasion": "birthday", "year": "{greeting_year}"},
        not_found_errors=[
            {"field": "contact_id", "message": "No contact with this id, or you may not see it."}
        ],
    ),
    "GET /api/v1/events": Spec(
        "get", "/api/v1/events", api_everyone(ok('"name": "Budma"'), wrong_role=FORBIDDEN)
    ),
    "POST /api/v1/events": Spec(
        "post",
        "/api/v1/events",
        api_everyone(ok('"name": "Expo"', status=201, changes=("events", "audit")), wrong_role=FORBIDDEN),
        wrong_role="sam",
        data={
            "name": "Expo",
            "kind": "exhibition",
            "starts_at": "2030-05-12T09:00:00+02:00",
            "ends_at": "2030-05-12T17:00:00+02:00",
        },
    ),
    "GET /api/v1/events/{event_id}": Spec(
        "get", "/api/v1/events/{event}", api_everyone(ok('"name": "Budma"'), wrong_role=FORBIDDEN)
    ),
    "GET /api/v1/events/{event_id}/invitations": Spec(
        "get",
        "/api/v1/events/{event}/invitations",
        api_everyone(ok('"contact_name": "Jan Nowak"'), wrong_role=FORBIDDEN, other_team=ok('"items": []')),
    ),
    "POST /api/v1/events/{event_id}/invitations": Spec(
        "post",
        "/api/v1/events/{event}/invitations",
        # Carol cannot see Greta: 422 naming `contacts`, nothing stored or sent.
        api_everyone(
            ok('"invited_by": ', status=201, changes=("invitations", "activities", "mail", "audit")),
            wrong_role=FORBIDDEN,
            other_team=Outcome(422, contains=("Some contacts do not exist",)),
        ),
        wrong_role="sam",
        data={"contacts": ["{greta}"]},
    ),
    "POST /api/v1/invitations/{invitation_id}/answer": Spec(
        "post",
        "/api/v1/invitations/{invitation}/answer",
        api_everyone(
            ok('"status": "accepted"', changes=("invitations", "audit")),
            wrong_role=FORBIDDEN,
            other_team=HIDDEN,
        ),
        wrong_role="sam",
        data={"status": "accepted"},
    ),
    "GET /api/v1/call-lists": Spec(
        "get",
        "/api/v1/call-lists",
        api_everyone(ok('"name": "Acme calls"'), wrong_role=FORBIDDEN, other_team=ok('"items": []')),
    ),
    "POST /api/v1/call-lists": Spec(
        "post",
        "/api/v1/call-lists",
        api_everyone(
            ok('"name": "More calls"', status=201, changes=("call_lists", "audit")),
            wrong_role=FORBIDDEN,
            other_team=Outcome(422, contains=("No company you can see matches the filter.",)),
        ),
        wrong_role="sam",
        data={"name": "More calls", "filter": {"ids": ["{company}"]}},
    ),
    "GET /api/v1/call-lists/{call_list_id}": Spec(
        "get",
        "/api/v1/call-lists/{call_list}",
        api_everyone(ok('"name": "Acme calls"'), wrong_role=FORBIDDEN, other_team=HIDDEN),
    ),
    "POST /api/v1/call-lists/{call_list_id}/assign": Spec(
        "post",
        "/api/v1/call-lists/{call_list}/assign",
        api_everyone(
            ok('"assignees": ["bob"]', changes=("call_lists", "audit")),
            wrong_role=FORBIDDEN,
            other_team=FORBIDDEN,
            owner=FORBIDDEN,
        ),
        data={"users": ["bob"]},
    ),
    "POST /api/v1/call-lists/{call_list_id}/next": Spec(
        "post",
        "/api/v1/call-lists/{call_list}/next",
        api_everyone(FORBIDDEN, other_team=HIDDEN, owner=ok('"position": 1')),
    ),
    "POST /api/v1/call-lists/{call_list_id}/entries/{entry_id}": Spec(
        "post",
        "/api/v1/call-lists/{call_list}/entries/{call_entry}",
        # Only the rep who holds the entry handles it; the others get 409.
        api_everyone(
            Outcome(409),
            wrong_role=FORBIDDEN,
            other_team=HIDDEN,
            owner=ok('"state": "skipped"', changes=("call_lists", "audit")),
        ),
        data={"action": "skip"},
    ),
    "GET /api/v1/scripts": Spec(
        "get", "/api/v1/scripts", api_everyone(ok('"name": "Matrix script"'), wrong_role=FORBIDDEN)
    ),
    "GET /api/v1/objections": Spec(
        "get", "/api/v1/objections", api_everyone(ok('"code": "too_expensive"'), wrong_role=FORBIDDEN)
    ),
    "GET /api/v1/objections/report": Spec(
        "get", "/api/v1/objections/report", api_everyone(ok('"items": []'), wrong_role=FORBIDDEN)
    ),
    "GET /api/v1/reports/calls": Spec(
        "get",
        CALLS_PERIOD.format("/api/v1/reports/calls"),
        api_everyone(
            ok('"key": "alice"'),
            wrong_role=FORBIDDEN,
            other_team=ok('"rows": []', lacks=('"key": "alice"',)),
        ),
    ),
    "GET /api/v1/reports/monthly": Spec(
        "get",
        "/api/v1/reports/monthly",
        api_everyone(ok('"user": "alice"'), wrong_role=FORBIDDEN, other_team=ok('"items": []')),
    ),
    "GET /api/v1/reports/monthly/{report_id}": Spec(
        "get",
        "/api/v1/reports/monthly/{monthly_report}",
        api_everyone(ok('"user": "alice"'), wrong_role=FORBIDDEN, other_team=HIDDEN),
    ),
    # Catalogue: reads for every staff role; products and price lists for sales managers and
    # administrators; stock also for logistics; exchange rates for finance.
    "GET /api/v1/products": Spec(
        "get", "/api/v1/products", api_everyone(ok('"sku": "MX-1"'), wrong_role=FORBIDDEN)
    ),
    "POST /api/v1/products": Spec(
        "post",
        "/api/v1/products",
        api_everyone(
            FORBIDDEN,
            manager=ok('"sku": "MX-2"', status=201, changes=("catalog", "audit")),
            admin=ok('"sku": "MX-2"', status=201, changes=("catalog", "audit")),
        ),
        wrong_role="sam",
        data={"sku": "MX-2", "name": "Another pallet", "vat_rate": "20"},
    ),
    "GET /api/v1/products/{product_id}": Spec(
        "get", "/api/v1/products/{product}", api_everyone(ok('"name": "Matrix pallet"'), wrong_role=FORBIDDEN)
    ),
    "PATCH /api/v1/products/{product_id}": Spec(
        "patch",
        "/api/v1/products/{product}",
        api_everyone(
            FORBIDDEN,
            manager=ok('"vat_rate": "8"', changes=("catalog", "audit")),
            admin=ok('"vat_rate": "8"', changes=("catalog", "audit")),
        ),
        wrong_role="sam",
        data={"version": 1, "vat_rate": "8"},
    ),
    "GET /api/v1/companies/{company_id}/prices": Spec(
        "get",
        "/api/v1/companies/{company}/prices",
        api_everyone(
            FORBIDDEN,
            other_team=HIDDEN,
            owner=ok('"discount_percent": "3"'),
            manager=ok('"discount_percent": "3"'),
            admin=ok('"discount_percent": "3"'),
        ),
        wrong_role="tom",
    ),
    "PUT /api/v1/companies/{company_id}/prices/{product_id}": Spec(
        "put",
        "/api/v1/companies/{company}/prices/{product}",
        api_everyone(
            FORBIDDEN,
            other_team=HIDDEN,
            owner=ok('"discount_percent": "5"', changes=("catalog", "audit")),
            manager=ok('"discount_percent": "5"', changes=("catalog", "audit")),
            admin=ok('"discount_percent": "5"', changes=("catalog", "audit")),
        ),
        wrong_role="tom",
        data={"discount_percent": "5"},
    ),
    "DELETE /api/v1/companies/{company_id}/prices/{product_id}": Spec(
        "delete",
        "/api/v1/companies/{company}/prices/{product}",
        api_everyone(
            FORBIDDEN,
            other_team=HIDDEN,
            owner=ok(status=204, changes=("catalog", "audit")),
            manager=ok(status=204, changes=("catalog", "audit")),
            admin=ok(status=204, changes=("catalog", "audit")),
        ),
        wrong_role="tom",
    ),
    "GET /api/v1/companies/{company_id}/prices/{product_id}": Spec(
        "get",
        "/api/v1/companies/{company}/prices/{product}",
        api_everyone(
            FORBIDDEN,
            other_team=HIDDEN,
            owner=ok("The client has no price for this product", status=422),
            manager=ok("The client has no price for this product", status=422),
            admin=ok("The client has no price for this product", status=422),
        ),
        wrong_role="tom",
    ),
    "GET /api/v1/pipelines": Spec(
        "get",
        "/api/v1/pipelines",
        api_everyone(ok('"name": "Sales"'), wrong_role=FORBIDDEN),
        wrong_role="sam",
    ),
    "POST /api/v1/pipelines": Spec(
        "post",
        "/api/v1/pipelines",
        api_everyone(
            FORBIDDEN,
            manager=ok('"name": "Tenders"', changes=("sales", "audit"), status=201),
            admin=ok('"name": "Tenders"', changes=("sales", "audit"), status=201),
        ),
        wrong_role="sam",
        data={
            "name": "Tenders",
            "stages": [
                {"name": "New", "probability": 20},
                {"name": "Signed", "probability": 100, "kind": "won"},
                {"name": "Gone", "probability": 0, "kind": "lost"},
            ],
        },
    ),
    "GET /api/v1/deals": Spec(
        "get",
        "/api/v1/deals",
        api_everyone(ok("Matrix deal"), wrong_role=FORBIDDEN, other_team=ok('"items": []')),
        wrong_role="sam",
    ),
    "POST /api/v1/deals": Spec(
        "post",
        "/api/v1/deals",
        api_everyone(
            ok('"title": "Second deal"', changes=("sales", "audit"), status=201),
            wrong_role=FORBIDDEN,
            other_team=HIDDEN,
        ),
        wrong_role="sam",
        data={
            "title": "Second deal",
            "company": "{company}",
            "expected_close_date": "2026-05-01",
            "next_step": "Call",
            "currency": "EUR",
        },
        not_found_errors=[{"field": "company", "message": "No company with this id, or you may not see it."}],
    ),
    "GET /api/v1/deals/board": Spec(
        "get",
        "/api/v1/deals/board",
        api_everyone(
            ok("Matrix deal"), wrong_role=FORBIDDEN, other_team=ok('"count": 0', lacks=("Matrix deal",))
        ),
        wrong_role="sam",
    ),
    "GET /api/v1/deals/forecast": Spec(
        "get",
        "/api/v1/deals/forecast",
        api_everyone(ok('"months"'), wrong_role=FORBIDDEN),
        wrong_role="sam",
    ),
    "GET /api/v1/competitors/win-loss": Spec(
        "get",
        "/api/v1/competitors/win-loss",
        api_everyone(ok('"items": []'), wrong_role=FORBIDDEN),
        wrong_role="sam",
    ),
    "GET /api/v1/deals/{deal_id}": Spec(
        "get",
        "/api/v1/deals/{deal}",
        api_everyone(ok("Send the offer"), wrong_role=FORBIDDEN, other_team=HIDDEN),
        wrong_role="sam",
    ),
    "PATCH /api/v1/deals/{deal_id}": Spec(
        "patch",
        "/api/v1/deals/{deal}",
        api_everyone(
            ok('"stage_name": "Proposal"', changes=("sales", "audit")),
            wrong_role=FORBIDDEN,
            other_team=HIDDEN,
        ),
        wrong_role="sam",
        data={"version": 1, "stage": "{proposal_stage}"},
    ),
    "GET /api/v1/deals/{deal_id}/history": Spec(
        "get",
        "/api/v1/deals/{deal}/history",
        api_everyone(ok('"action": "create"'), wrong_role=FORBIDDEN, other_team=HIDDEN),
        wrong_role="sam",
    ),
    "GET /api/v1/quotes": Spec(
        "get",
        "/api/v1/quotes",
        api_everyone(ok('"label": "Q-'), wrong_role=FORBIDDEN, other_team=ok('"items": []')),
        wrong_role="sam",
    ),
    "POST /api/v1/quotes": Spec(
        "post",
        "/api/v1/quotes",
        api_everyone(
            ok('"status": "draft"', changes=("quotes", "audit"), status=201),
            wrong_role=FORBIDDEN,
            other_team=HIDDEN,
        ),
        wrong_role="sam",
        data={
            "company": "{company}",
            "lines": [{"product": "{product}", "quantity": "1", "unit_price": "3"}],
        },
        not_found_errors=[{"field": "company", "message": "No company with this id, or you may not see it."}],
    ),
    "GET /api/v1/quotes/{quote_id}": Spec(
        "get",
        "/api/v1/quotes/{quote}",
        api_everyone(ok('"unit_price": "12.5"'), wrong_role=FORBIDDEN, other_team=HIDDEN),
        wrong_role="sam",
    ),
    "PATCH /api/v1/quotes/{quote_id}": Spec(
        "patch",
        "/api/v1/quotes/{quote}",
        api_everyone(
            ok('"introduction": "Hello"', changes=("quotes", "audit")),
            wrong_role=FORBIDDEN,
            other_team=HIDDEN,
        ),
        wrong_role="sam",
        data={"version": 1, "introduction": "Hello"},
    ),
    "POST /api/v1/quotes/{quote_id}/send": Spec(
        "post",
        "/api/v1/quotes/{quote}/send",
        # The world's contact has no email address: refused, nothing sent.
        api_everyone(
            ok("Choose a contact with an email address", status=422), wrong_role=FORBIDDEN, other_team=HIDDEN
        ),
        wrong_role="sam",
    ),
    "POST /api/v1/quotes/{quote_id}/request-approval": Spec(
        "post",
        "/api/v1/quotes/{quote}/request-approval",
        api_everyone(
            ok("This quote needs no approval.", status=422), wrong_role=FORBIDDEN, other_team=HIDDEN
        ),
        wrong_role="sam",
    ),
    "POST /api/v1/quotes/{quote_id}/approve": Spec(
        "post",
        "/api/v1/quotes/{quote}/approve",
        api_everyone(
            FORBIDDEN,
            manager=ok('"approved_by": "mike"', changes=("quotes", "audit")),
            admin=ok('"approved_by": "root"', changes=("quotes", "audit")),
        ),
        wrong_role="sam",
    ),
    "POST /api/v1/quotes/{quote_id}/revise": Spec(
        "post",
        "/api/v1/quotes/{quote}/revise",
        api_everyone(
            ok("This quote is still being written", status=422), wrong_role=FORBIDDEN, other_team=HIDDEN
        ),
        wrong_role="sam",
    ),
    "GET /api/v1/quotes/{quote_id}/pdf": Spec(
        "get",
        "/api/v1/quotes/{quote}/pdf",
        api_everyone(ok("%PDF"), wrong_role=FORBIDDEN, other_team=HIDDEN),
        wrong_role="sam",
    ),
    "GET /api/v1/quotes/{quote_id}/history": Spec(
        "get",
        "/api/v1/quotes/{quote}/history",
        api_everyone(ok('"action": "create"'), wrong_role=FORBIDDEN, other_team=HIDDEN),
        wrong_role="sam",
    ),
    # The world's company has no price for the product: its quote cannot be written and it is left out
    # (carol does not see it: left out as not found). Nothing is sent.
    "POST /api/v1/quotes/mass": Spec(
        "post",
        "/api/v1/quotes/mass",
        api_everyone(
            ok('"reason_code": "invalid"', changes=("quotes", "audit"), status=201),
            wrong_role=FORBIDDEN,
            other_team=ok('"reason_code": "not_visible"', changes=("quotes", "audit"), status=201),
        ),
        wrong_role="sam",
        data={"companies": ["{company}"], "lines": [{"product": "{product}", "quantity": "1"}]},
    ),
    "GET /api/v1/quotes/mass/{mass_proposal_id}": Spec(
        "get",
        "/api/v1/quotes/mass/{mass_proposal}",
        api_everyone(ok('"company_name": "Acme"'), wrong_role=FORBIDDEN, other_team=HIDDEN),
        wrong_role="sam",
    ),
    "GET /api/v1/orders": Spec(
        "get",
        "/api/v1/orders",
        api_everyone(ok('"number": "O-'), wrong_role=FORBIDDEN, other_team=ok('"items": []')),
        wrong_role="sam",
    ),
    # The world's accepted quote has its order already.
    "POST /api/v1/orders": Spec(
        "post",
        "/api/v1/orders",
        api_everyone(
            ok("This quote has an order already", status=422), wrong_role=FORBIDDEN, other_team=HIDDEN
        ),
        wrong_role="sam",
        data={"quote": "{ordered_quote}"},
        not_found_errors=[{"field": "quote", "message": "No quote with this id, or you may not see it."}],
    ),
    "GET /api/v1/orders/{order_id}": Spec(
        "get",
        "/api/v1/orders/{order}",
        api_everyone(ok('"unit_price": "12.5"'), wrong_role=FORBIDDEN, other_team=HIDDEN),
        wrong_role="sam",
    ),
    "PATCH /api/v1/orders/{order_id}": Spec(
        "patch",
        "/api/v1/orders/{order}",
        api_everyone(
            ok('"status": "in_production"', changes=("orders", "audit")),
            wrong_role=FORBIDDEN,
            other_team=HIDDEN,
        ),
        wrong_role="sam",
        data={"version": 1, "status": "in_production"},
    ),
    "GET /api/v1/orders/{order_id}/history": Spec(
        "get",
        "/api/v1/orders/{order}/history",
        api_everyone(ok('"action": "create"'), wrong_role=FORBIDDEN, other_team=HIDDEN),
        wrong_role="sam",
    ),
    "GET /api/v1/contracts": Spec(
        "get",
        "/api/v1/contracts",
        api_everyone(ok('"number": "C-'), wrong_role=FORBIDDEN, other_team=ok('"items": []')),
        wrong_role="sam",
    ),
    "POST /api/v1/contracts": Spec(
        "post",
        "/api/v1/contracts",
        api_everyone(
            ok('"status": "draft"', changes=("contracts", "audit"), status=201),
            wrong_role=FORBIDDEN,
            other_team=HIDDEN,
        ),
        wrong_role="sam",
        data={"quote": "{ordered_quote}"},
        not_found_errors=[{"field": "quote", "message": "No quote with this id, or you may not see it."}],
    ),
    "GET /api/v1/contracts/{contract_id}": Spec(
        "get",
        "/api/v1/contracts/{contract}",
        api_everyone(ok('"sku": "MX-1"', '"payment_terms_days"'), wrong_role=FORBIDDEN, other_team=HIDDEN),
        wrong_role="sam",
    ),
    "PATCH /api/v1/contracts/{contract_id}": Spec(
        "patch",
        "/api/v1/contracts/{contract}",
        api_everyone(
            ok('"title": "Matrix contract"', changes=("contracts", "audit")),
            wrong_role=FORBIDDEN,
            other_team=HIDDEN,
        ),
        wrong_role="sam",
        data={"version": 2, "title": "Matrix contract"},
    ),
    "POST /api/v1/contracts/{contract_id}/negotiate": Spec(
        "post",
        "/api/v1/contracts/{contract}/negotiate",
        api_everyone(
            ok('"status": "negotiation"', changes=("contracts", "audit")),
            wrong_role=FORBIDDEN,
            other_team=HIDDEN,
        ),
        wrong_role="sam",
        data={"version": 2},
    ),
    "POST /api/v1/contracts/{contract_id}/request-approval": Spec(
        "post",
        "/api/v1/contracts/{contract}/request-approval",
        api_everyone(
            ok("Settle the open disagreements first: Matrix clause.", status=422),
            wrong_role=FORBIDDEN,
            other_team=HIDDEN,
        ),
        wrong_role="sam",
        data={"version": 2},
    ),
    "POST /api/v1/contracts/{contract_id}/approve": Spec(
        "post",
        "/api/v1/contracts/{contract}/approve",
        api_everyone(
            FORBIDDEN,
            manager=ok("This contract does not await approval.", status=422),
            admin=ok("This contract does not await approval.", status=422),
        ),
        wrong_role="sam",
        data={"version": 2},
    ),
    "POST /api/v1/contracts/{contract_id}/sign": Spec(
        "post",
        "/api/v1/contracts/{contract}/sign",
        api_everyone(
            ok("Only an approved contract is signed.", status=422), wrong_role=FORBIDDEN, other_team=HIDDEN
        ),
        wrong_role="sam",
        data={"version": 2, "signed_on": "2026-03-01", "customer_signatory": "Jan Nowak"},
    ),
    "POST /api/v1/contracts/{contract_id}/terminate": Spec(
        "post",
        "/api/v1/contracts/{contract}/terminate",
        api_everyone(
            ok("Only a signed or active contract is terminated.", status=422),
            wrong_role=FORBIDDEN,
            other_team=HIDDEN,
        ),
        wrong_role="sam",
        data={"version": 2, "terminated_on": "2026-03-01", "reason": "Matrix"},
    ),
    "GET /api/v1/contracts/{contract_id}/versions": Spec(
        "get",
        "/api/v1/contracts/{contract}/versions",
        api_everyone(ok('"note": "Created"'), wrong_role=FORBIDDEN, other_team=HIDDEN),
        wrong_role="sam",
    ),
    "GET /api/v1/contracts/{contract_id}/diff": Spec(
        "get",
        "/api/v1/contracts/{contract}/diff?from=1&to=1",
        api_everyone(ok('"lines": []'), wrong_role=FORBIDDEN, other_team=HIDDEN),
        wrong_role="sam",
    ),
    "GET /api/v1/contracts/{contract_id}/disagreements": Spec(
        "get",
        "/api/v1/contracts/{contract}/disagreements",
        api_everyone(ok('"clause": "Matrix clause"'), wrong_role=FORBIDDEN, other_team=HIDDEN),
        wrong_role="sam",
    ),
    "POST /api/v1/contracts/{contract_id}/disagreements": Spec(
        "post",
        "/api/v1/contracts/{contract}/disagreements",
        api_everyone(
            ok('"status": "open"', changes=("contracts", "audit"), status=201),
            wrong_role=FORBIDDEN,
            other_team=HIDDEN,
        ),
        wrong_role="sam",
        data={"clause": "Matrix clause 2"},
    ),
    "PATCH /api/v1/contracts/{contract_id}/disagreements/{disagreement_id}": Spec(
        "patch",
        "/api/v1/contracts/{contract}/disagreements/{disagreement}",
        api_everyone(
            ok('"status": "withdrawn"', changes=("contracts", "audit")),
            wrong_role=FORBIDDEN,
            other_team=HIDDEN,
        ),
        wrong_role="sam",
        data={"version": 1, "status": "withdrawn"},
    ),
    "GET /api/v1/contracts/{contract_id}/history": Spec(
        "get",
        "/api/v1/contracts/{contract}/history",
        api_everyone(ok('"action": "create"'), wrong_role=FORBIDDEN, other_team=HIDDEN),
        wrong_role="sam",
    ),
    "GET /api/v1/contract-templates": Spec(
        "get",
        "/api/v1/contract-templates",
        api_everyone(ok('"name": "Matrix template"'), wrong_role=FORBIDDEN),
        wrong_role="sam",
    ),
    "POST /api/v1/contract-templates": Spec(
        "post",
        "/api/v1/contract-templates",
        api_everyone(
            FORBIDDEN,
            manager=ok('"name": "Matrix service"', changes=("contracts", "audit"), status=201),
            admin=ok('"name": "Matrix service"', changes=("contracts", "audit"), status=201),
        ),
        wrong_role="sam",
        data={"name": "Matrix service", "language": "en", "body": "Service for {company}."},
    ),
    # A dry run: what would change, nothing stored; an order out of sight is a rejected row.
    "POST /api/v1/orders/import": Spec(
        "post",
        "/api/v1/orders/import",
        api_everyone(ok('"updated": 1'), wrong_role=FORBIDDEN, other_team=ok('"rejected": 1')),
        wrong_role="sam",
        data={"items": [{"number": "{order_number}", "status": "shipped"}], "dry_run": True},
    ),
    # Acme is no key account: refused, nothing sent.
    "POST /api/v1/companies/{company_id}/send-rates": Spec(
        "post",
        "/api/v1/companies/{company}/send-rates",
        api_everyone(
            ok("Current rates are sent to key accounts only.", status=422),
            wrong_role=FORBIDDEN,
            other_team=HIDDEN,
        ),
        wrong_role="sam",
        data={"contact": "{order_contact}"},
        not_found_errors=[{"field": "company", "message": "No company with this id, or you may not see it."}],
    ),
    # The customer's answer needs no sign-in: everyone gets the same answer (the world's quote is a draft).
    "POST /api/v1/public/quotes/{token}/accept": Spec(
        "post",
        "/api/v1/public/quotes/{quote_token}/accept",
        api_everyone(
            ok("This proposal can no longer be answered.", status=422),
            anonymous=ok("This proposal can no longer be answered.", status=422),
        ),
        data={"comment": "Yes"},
    ),
    "POST /api/v1/public/quotes/{token}/decline": Spec(
        "post",
        "/api/v1/public/quotes/{quote_token}/decline",
        api_everyone(
            ok("This proposal can no longer be answered.", status=422),
            anonymous=ok("This proposal can no longer be answered.", status=422),
        ),
        data={"comment": "No"},
    ),
    "GET /api/v1/logistics-requests": Spec(
        "get",
        "/api/v1/logistics-requests",
        api_everyone(ok('"sku": "MX-1"'), wrong_role=FORBIDDEN, other_team=ok('"items": []')),
        wrong_role="sam",
    ),
    "POST /api/v1/logistics-requests": Spec(
        "post",
        "/api/v1/logistics-requests",
        api_everyone(
            ok('"quantity": "3"', changes=("catalog", "audit"), status=201),
            wrong_role=FORBIDDEN,
            other_team=HIDDEN,
        ),
        wrong_role="sam",
        data={"product": "{product}", "quantity": "3", "company": "{company}"},
        not_found_errors=[{"field": "company", "message": "No company with this id, or you may not see it."}],
    ),
    "GET /api/v1/logistics-requests/{request_id}": Spec(
        "get",
        "/api/v1/logistics-requests/{logistics_request}",
        api_everyone(ok('"status": "open"'), wrong_role=FORBIDDEN, other_team=HIDDEN),
        wrong_role="sam",
    ),
    "PATCH /api/v1/logistics-requests/{request_id}": Spec(
        "patch",
        "/api/v1/logistics-requests/{logistics_request}",
        api_everyone(
            FORBIDDEN,
            manager=ok('"status": "done"', changes=("catalog", "audit")),
            admin=ok('"status": "done"', changes=("catalog", "audit")),
        ),
        wrong_role="sam",
        data={"version": 1, "status": "done"},
    ),
    "POST /api/v1/restock-notices": Spec(
        "post",
        "/api/v1/restock-notices",
        api_everyone(
            ok("The contact has no email address.", status=422), wrong_role=FORBIDDEN, other_team=HIDDEN
        ),
        wrong_role="sam",
        data={"product": "{product}", "contact": "{contact}"},
        not_found_errors=[{"field": "contact", "message": "No contact with this id, or you may not see it."}],
    ),
    "PUT /api/v1/products/{product_id}/stock": Spec(
        "put",
        "/api/v1/products/{product}/stock",
        api_everyone(
            FORBIDDEN,
            manager=ok('"stock": "9"', changes=("catalog", "audit")),
            admin=ok('"stock": "9"', changes=("catalog", "audit")),
        ),
        wrong_role="sam",
        data={"available": "9"},
    ),
    "POST /api/v1/products/stock": Spec(
        "post",
        "/api/v1/products/stock",
        api_everyone(
            FORBIDDEN,
            manager=ok('"updated": 1', changes=("catalog", "audit")),
            admin=ok('"updated": 1', changes=("catalog", "audit")),
        ),
        wrong_role="sam",
        data={"items": [{"sku": "MX-1", "available": "4"}]},
    ),
    "GET /api/v1/products/{product_id}/history": Spec(
        "get",
        "/api/v1/products/{product}/history",
        api_everyone(ok('"action": "create"'), wrong_role=FORBIDDEN),
    ),
    "GET /api/v1/price-lists/{price_list_id}/history": Spec(
        "get",
        "/api/v1/price-lists/{price_list}/history",
        api_everyone(ok('"action": "create"'), wrong_role=FORBIDDEN),
    ),
    "GET /api/v1/price-lists": Spec(
        "get", "/api/v1/price-lists", api_everyone(ok('"name": "Matrix list"'), wrong_role=FORBIDDEN)
    ),
    "POST /api/v1/price-lists": Spec(
        "post",
        "/api/v1/price-lists",
        api_everyone(
            FORBIDDEN,
            manager=ok('"name": "Retail"', status=201, changes=("catalog", "audit")),
            admin=ok('"name": "Retail"', status=201, changes=("catalog", "audit")),
        ),
        wrong_role="sam",
        data={"name": "Retail", "currency": "EUR", "prices": [{"product": "{product}", "amount": "5"}]},
    ),
    "GET /api/v1/price-lists/{price_list_id}": Spec(
        "get",
        "/api/v1/price-lists/{price_list}",
        api_everyone(ok('"amount": "12.5"'), wrong_role=FORBIDDEN),
    ),
    "PATCH /api/v1/price-lists/{price_list_id}": Spec(
        "patch",
        "/api/v1/price-lists/{price_list}",
        api_everyone(
            FORBIDDEN,
            manager=ok('"amount": "13"', changes=("catalog", "audit")),
            admin=ok('"amount": "13"', changes=("catalog", "audit")),
        ),
        wrong_role="sam",
        data={"version": 1, "prices": [{"product": "{product}", "amount": "13"}]},
    ),
    "GET /api/v1/exchange-rates": Spec(
        "get", "/api/v1/exchange-rates", api_everyone(ok('"currency": "PLN"'), wrong_role=FORBIDDEN)
    ),
    "POST /api/v1/exchange-rates": Spec(
        "post",
        "/api/v1/exchange-rates",
        api_everyone(
            FORBIDDEN,
            manager=ok('"rate": "0.25"', status=201, changes=("catalog", "audit")),
            admin=ok('"rate": "0.25"', status=201, changes=("catalog", "audit")),
        ),
        wrong_role="sam",
        data={"currency": "PLN", "on": "2026-03-02", "rate": "0.25"},
    ),
    # Webhooks: administrators only.
    "GET /api/v1/mail/quarantine": Spec(
        "get", "/api/v1/mail/quarantine", api_everyone(FORBIDDEN, admin=ok('"subject": "Matrix quarantine"'))
    ),
    "GET /api/v1/mail/quarantine/{inbound_id}": Spec(
        "get",
        "/api/v1/mail/quarantine/{inbound}",
        api_everyone(FORBIDDEN, admin=ok('"parse_error": "The message is empty."')),
    ),
    "POST /api/v1/mail/quarantine/{inbound_id}/reprocess": Spec(
        "post",
        "/api/v1/mail/quarantine/{inbound}/reprocess",
        api_everyone(FORBIDDEN, admin=ok('"status": "quarantined"', changes=("intake",))),
    ),
    # Tickets (tests/service/test_tickets_api.py go into detail): read as in the UI, worked by the service
    # desk and administrators only.
    "GET /api/v1/tickets": Spec(
        "get",
        "/api/v1/tickets",
        api_everyone(ok('"subject": "Matrix ticket"'), wrong_role=FORBIDDEN, other_team=ok('"items": []')),
    ),
    "POST /api/v1/tickets": Spec(
        "post",
        "/api/v1/tickets",
        api_everyone(
            FORBIDDEN,
            admin=ok('"subject": "Matrix API ticket"', status=201, changes=("portal", "service", "audit")),
        ),
        data={"subject": "Matrix API ticket", "body": "Matrix body", "company": "{company}"},
    ),
    "GET /api/v1/tickets/{number}": Spec(
        "get",
        "/api/v1/tickets/{ticket_number}",
        api_everyone(ok('"subject": "Matrix ticket"'), wrong_role=FORBIDDEN, other_team=HIDDEN),
    ),
    "PATCH /api/v1/tickets/{number}": Spec(
        "patch",
        "/api/v1/tickets/{ticket_number}",
        api_everyone(FORBIDDEN, admin=ok('"priority": "high"', changes=("portal", "service", "audit"))),
        data={"version": "{ticket_version}", "priority": "high"},
    ),
    "POST /api/v1/tickets/{number}/merge": Spec(
        "post",
        "/api/v1/tickets/{ticket_number}/merge",
        api_everyone(FORBIDDEN, admin=HIDDEN),
        data={"into": 1},
        not_found_errors=[{"field": "into", "message": "No ticket with this number, or you may not see it."}],
    ),
    "GET /api/v1/tickets/{number}/messages": Spec(
        "get",
        "/api/v1/tickets/{ticket_number}/messages",
        api_everyone(ok('"body_text": "Matrix message"'), wrong_role=FORBIDDEN, other_team=HIDDEN),
    ),
    "POST /api/v1/tickets/{number}/messages": Spec(
        "post",
        "/api/v1/tickets/{ticket_number}/messages",
        api_everyone(FORBIDDEN, admin=ok('"body_text": "Matrix note"', status=201, changes=("portal",))),
        data={"body": "Matrix note", "public": False},
    ),
    "GET /api/v1/macros": Spec("get", "/api/v1/macros", api_everyone(FORBIDDEN, admin=ok('"items": []'))),
    "GET /api/v1/business-calendars": Spec(
        "get", "/api/v1/business-calendars", api_everyone(FORBIDDEN, admin=ok('"name": "Standard hours"'))
    ),
    "POST /api/v1/business-calendars": Spec(
        "post",
        "/api/v1/business-calendars",
        api_everyone(FORBIDDEN, admin=ok('"name": "Matrix calendar"', status=201, changes=("sla", "audit"))),
        wrong_role="sam",
        data={"name": "Matrix calendar", "timezone": "UTC", "hours": {"mon": [["09:00", "17:00"]]}},
    ),
    "GET /api/v1/business-calendars/{calendar_id}": Spec(
        "get",
        "/api/v1/business-calendars/{sla_calendar}",
        api_everyone(FORBIDDEN, admin=ok('"name": "Standard hours"')),
    ),
    "PATCH /api/v1/business-calendars/{calendar_id}": Spec(
        "patch",
        "/api/v1/business-calendars/{sla_calendar}",
        api_everyone(FORBIDDEN, admin=ok('"closed_days": ["2026-12-31"]', changes=("sla", "audit"))),
        wrong_role="sam",
        data={"closed_days": ["2026-12-31"]},
    ),
    "GET /api/v1/sla-policies": Spec(
        "get", "/api/v1/sla-policies", api_everyone(FORBIDDEN, admin=ok('"name": "Standard"'))
    ),
    "POST /api/v1/sla-policies": Spec(
        "post",
        "/api/v1/sla-policies",
        api_everyone(FORBIDDEN, admin=ok('"name": "Matrix policy"', status=201, changes=("sla", "audit"))),
        wrong_role="sam",
        data={
            "name": "Matrix policy",
            "calendar": "{sla_calendar}",
            "targets": [{"priority": "normal", "resolution_minutes": 60}],
        },
    ),
    "GET /api/v1/sla-policies/{policy_id}": Spec(
        "get", "/api/v1/sla-policies/{sla_policy}", api_everyone(FORBIDDEN, admin=ok('"name": "Standard"'))
    ),
    "PATCH /api/v1/sla-policies/{policy_id}": Spec(
        "patch",
        "/api/v1/sla-policies/{sla_policy}",
        api_everyone(FORBIDDEN, admin=ok('"order": 5', changes=("sla", "audit"))),
        wrong_role="sam",
        data={"order": 5},
    ),
    "GET /api/v1/webhooks": Spec(
        "get", "/api/v1/webhooks", api_everyone(FORBIDDEN, admin=ok('"name": "Matrix hook"', '"secret": "'))
    ),
    "POST /api/v1/webhooks": Spec(
        "post",
        "/api/v1/webhooks",
        api_everyone(
            FORBIDDEN, admin=ok('"name": "Matrix hook 2"', status=201, changes=("webhooks", "audit"))
        ),
        wrong_role="sam",
        data={"name": "Matrix hook 2", "url": "https://93.184.215.14/two", "events": ["quote.sent"]},
    ),
    "GET /api/v1/webhooks/{webhook_id}": Spec(
        "get", "/api/v1/webhooks/{webhook}", api_everyone(FORBIDDEN, admin=ok('"name": "Matrix hook"'))
    ),
    "PATCH /api/v1/webhooks/{webhook_id}": Spec(
        "patch",
        "/api/v1/webhooks/{webhook}",
        api_everyone(FORBIDDEN, admin=ok('"is_active": false', changes=("webhooks", "audit"))),
        wrong_role="sam",
        data={"version": 1, "is_active": False},
    ),
    "DELETE /api/v1/webhooks/{webhook_id}": Spec(
        "delete",
        "/api/v1/webhooks/{webhook}",
        api_everyone(FORBIDDEN, admin=ok(status=204, changes=("webhooks", "audit"))),
        wrong_role="sam",
    ),
    "GET /api/v1/webhooks/{webhook_id}/deliveries": Spec(
        "get",
        "/api/v1/webhooks/{webhook}/deliveries",
        api_everyone(FORBIDDEN, admin=ok('"key": "matrix:1"')),
    ),
    "POST /api/v1/webhooks/{webhook_id}/ping": Spec(
        "post",
        "/api/v1/webhooks/{webhook}/ping",
        api_everyone(FORBIDDEN, admin=ok('"event": "ping"', status=202, changes=("webhooks",))),
        wrong_role="sam",
    ),
    "POST /api/v1/webhook-deliveries/{delivery_id}/redeliver": Spec(
        "post",
        "/api/v1/webhook-deliveries/{webhook_delivery}/redeliver",
        api_everyone(FORBIDDEN, admin=ok('"status": "queued"', status=202, changes=("webhooks",))),
        wrong_role="sam",
    ),
    "GET /api/v1/competitors": Spec(
        "get", "/api/v1/competitors", api_everyone(ok('"name": "Matrix rival"'), wrong_role=FORBIDDEN)
    ),
    "POST /api/v1/competitors": Spec(
        "post",
        "/api/v1/competitors",
        api_everyone(ok('"name": "Rival two"', status=201, changes=COMPETITOR_CHANGES), wrong_role=FORBIDDEN),
        wrong_role="sam",
        data={"name": "Rival two", "country": "PL"},
    ),
    "GET /api/v1/competitors/{competitor_id}": Spec(
        "get",
        "/api/v1/competitors/{competitor}",
        api_everyone(ok('"name": "Matrix rival"'), wrong_role=FORBIDDEN),
    ),
    "PATCH /api/v1/competitors/{competitor_id}": Spec(
        "patch",
        "/api/v1/competitors/{competitor}",
        api_everyone(
            FORBIDDEN,
            manager=ok('"notes": "Watch them"', changes=COMPETITOR_CHANGES),
            admin=ok('"notes": "Watch them"', changes=COMPETITOR_CHANGES),
        ),
        wrong_role="sam",
        data={"version": 1, "notes": "Watch them"},
    ),
    "GET /api/v1/competitors/{competitor_id}/history": Spec(
        "get",
        "/api/v1/competitors/{competitor}/history",
        api_everyone(ok('"action": "create"'), wrong_role=FORBIDDEN),
    ),
    "GET /api/v1/competitors/{competitor_id}/supplies": Spec(
        "get",
        "/api/v1/competitors/{competitor}/supplies",
        api_everyone(
            ok('"description": "Matrix pallets"'),
            wrong_role=FORBIDDEN,
            other_team=ok('"items": []', lacks=("Matrix pallets",)),
        ),
    ),
    "GET /api/v1/companies/{company_id}/competitors": Spec(
        "get",
        "/api/v1/companies/{company}/competitors",
        api_everyone(ok('"description": "Matrix pallets"'), wrong_role=FORBIDDEN, other_team=HIDDEN),
    ),
    "POST /api/v1/companies/{company_id}/competitors": Spec(
        "post",
        "/api/v1/companies/{company}/competitors",
        api_everyone(
            ok('"description": "Matrix boxes"', status=201, changes=COMPETITOR_CHANGES),
            wrong_role=FORBIDDEN,
            other_team=HIDDEN,
        ),
        wrong_role="sam",
        data={"competitor": "{competitor}", "description": "Matrix boxes"},
    ),
    "PATCH /api/v1/competitor-supplies/{supply_id}": Spec(
        "patch",
        "/api/v1/competitor-supplies/{supply}",
        api_everyone(
            ok('"price": "9.5"', changes=COMPETITOR_CHANGES), wrong_role=FORBIDDEN, other_team=HIDDEN
        ),
        wrong_role="sam",
        data={"version": 1, "price": "9.5", "currency": "EUR"},
    ),
    "DELETE /api/v1/competitor-supplies/{supply_id}": Spec(
        "delete",
        "/api/v1/competitor-supplies/{supply}",
        api_everyone(Outcome(204, changes=COMPETITOR_CHANGES), wrong_role=FORBIDDEN, other_team=HIDDEN),
        wrong_role="sam",
    ),
    # Knowledge base: every caller lists what they may read (paula, a portal customer, public articles).
    "GET /api/v1/kb/articles": Spec(
        "get",
        "/api/v1/kb/articles",
        api_everyone(
            ok('"title": "Matrix internal"', '"title": "Matrix public"'),
            wrong_role=ok('"title": "Matrix public"', lacks=("Matrix internal",)),
        ),
    ),
    "POST /api/v1/kb/articles": Spec(
        "post",
        "/api/v1/kb/articles",
        api_everyone(FORBIDDEN, admin=ok('"slug": "matrix-new"', changes=("kb", "audit"), status=201)),
        data={"language": "en", "title": "Matrix new", "body": "Matrix text"},
    ),
    "GET /api/v1/kb/articles/{article_id}": Spec(
        "get",
        "/api/v1/kb/articles/{kb_article}",
        api_everyone(ok('"title": "Matrix internal"'), wrong_role=HIDDEN),
    ),
    "PATCH /api/v1/kb/articles/{article_id}": Spec(
        "patch",
        "/api/v1/kb/articles/{kb_article}",
        api_everyone(FORBIDDEN, admin=ok('"slug": "matrix-moved"', changes=("kb", "audit"))),
        data={"version": "{kb_article_version}", "slug": "matrix-moved"},
    ),
    "POST /api/v1/kb/articles/{article_id}/vote": Spec(
        "post",
        "/api/v1/kb/articles/{kb_article}/vote",
        api_everyone(ok('"helpful_count": 1', changes=("kb",)), wrong_role=HIDDEN),
        data={"helpful": True},
    ),
}


def _walk(resolver: URLResolver, namespaces: tuple[str, ...] = ()) -> list[str]:
    names = []
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            names += _walk(pattern, namespaces + ((pattern.namespace,) if pattern.namespace else ()))
        else:
            assert isinstance(pattern, URLPattern)
            names.append(":".join([*namespaces, pattern.name or f"<unnamed {pattern.pattern}>"]))
    return names


def discovered_ui_views(resolver: URLResolver | None = None) -> set[str]:
    """Every named URL of the UI: all but the operators' admin and the API (covered by its schema)."""
    names = _walk(resolver or get_resolver())
    return {name for name in names if not name.startswith(("admin:", "api:"))}


def discovered_api_operations() -> set[str]:
    paths = ninja_api.get_openapi_schema()["paths"]
    return {f"{method.upper()} {path}" for path, operations in paths.items() for method in operations}


def test_every_ui_view_has_a_permission_spec():
    assert set(UI_VIEWS) == discovered_ui_views()


def test_every_api_operation_has_a_permission_spec():
    assert set(API_OPERATIONS) == discovered_api_operations()


def test_a_view_added_without_a_spec_is_noticed():
    extended = URLResolver(
        RegexPattern(r"^/"),
        [
            path("", include("klient.urls")),
            path("reports/", lambda request: HttpResponse(), name="reports"),
            path("reports/monthly/", lambda request: HttpResponse()),
        ],
    )
    assert discovered_ui_views(extended) - set(UI_VIEWS) == {"reports", "<unnamed reports/monthly/>"}


def test_every_api_url_is_a_schema_operation_or_the_documentation():
    # An endpoint left out of the OpenAPI document (include_in_schema=False) must not escape the matrix.
    api_names = {name.removeprefix("api:") for name in _walk(get_resolver()) if name.startswith("api:")}
    operation_names = {
        operation["operationId"].split("_api_", 1)[1]
        for path in ninja_api.get_openapi_schema()["paths"].values()
        for operation in path.values()
    }
    assert api_names == operation_names | {"openapi-json", "openapi-view", "api-root"}


@pytest.mark.parametrize("registry", [UI_VIEWS, API_OPERATIONS], ids=["ui", "api"])
def test_every_spec_names_an_outcome_for_every_persona(registry):
    assert {key: set(spec.outcomes) for key, spec in registry.items()} == {
        key: set(PERSONAS) for key in registry
    }


# ----------------------------------------------------------------------------------------------------------
# The world every case runs in.


MATRIX_USERS = {
    "alice": (Role.ACCOUNT_MANAGER, "North"),
    "bob": (Role.ACCOUNT_MANAGER, "North"),
    "carol": (Role.ACCOUNT_MANAGER, "South"),
    "mike": (Role.SALES_MANAGER, "North"),
    "tom": (Role.TELESALES, "North"),
    "sam": (Role.SERVICE_AGENT, None),
    "paula": (Role.PORTAL, None),
    "root": (Role.ADMIN, None),
}


@pytest.fixture(scope="module", autouse=True)
def _media_root(tmp_path_factory: Any) -> Iterator[None]:
    """Files of the world and of the cases go to a temporary directory, not the data directory."""
    with override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")):
        yield


@pytest.fixture(scope="module")
def world_ids(django_db_setup: Any, django_db_blocker: Any) -> Iterator[dict[str, int]]:
    """The personas and alice's company "Acme", built once for the module and rolled back after it.

    Each test still runs in its own savepoint, so what one case changes the next does not see.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        users = {
            name: user_create(
                username=name,
                role=role,
                team=team_get_or_create(name=team) if team else None,
                password=PASSWORD,
                email=f"{name}@example.com",
                first_name=name.title(),
                last_name="Baker" if name == "bob" else "",
            )
            for name, (role, team) in MATRIX_USERS.items()
        }
        Team.objects.filter(name="North").update(lead=users["mike"])
        company = company_create(actor=users["alice"], name=ACME)
        account_team_add(company=company, user=users["bob"], role="backup", actor=users["alice"])
        contact = contact_create(actor=users["alice"], company=company, first_name="Jan", last_name="Nowak")
        # Likely duplicates of Acme and of Jan Nowak, for the finder and the merge screens.
        duplicate = company_create(actor=users["alice"], name="ACME Ltd")
        contact_duplicate = contact_create(
            actor=users["alice"], company=company, first_name="Jan", last_name="Nowak", position="Buyer"
        )
        token, _raw = api_token_create(user=users["alice"], name="laptop")
        saved_view = SavedView.objects.create(
            user=users["alice"], list_name="companies", name="Mine", query="owner=me&sort=name"
        )
        offer = attachment_add(
            target=company,
            company=company,
            upload=SimpleUploadedFile("offer.txt", b"Our offer"),
            actor=users["alice"],
        )
        import_job = ImportJob.objects.create(
            user=users["alice"],
            kind="companies",
            original_name="acme.csv",
            status=ImportStatus.DONE,
            total_rows=2,
            processed_rows=2,
            result={
                "created": 1,
                "skipped": 1,
                "errors": [{"row": 3, "field": "email", "message": "Enter a valid email address."}],
            },
        )
        activity = activity_create(actor=users["alice"], company=company, kind="note", subject="Kick-off")
        # Greetings and events: Greta's birthday is in three days; Jan Nowak is invited to the fair.
        today_for_greetings = timezone.localdate() + datetime.timedelta(days=3)
        greta = contact_create(
            actor=users["alice"],
            company=company,
            first_name="Greta",
            last_name="Gruss",
            email="greta@acme.example",
            birthday=today_for_greetings.replace(year=1980),
        )
        fair = event_create(
            actor=users["alice"],
            name="Budma",
            kind="fair",
            starts_at=timezone.now() + datetime.timedelta(days=30),
            ends_at=timezone.now() + datetime.timedelta(days=32),
        )
        invitation = Invitation.objects.create(event=fair, contact=contact, invited_by=users["alice"])
        # Call lists: alice's list of Acme, with the script, and she holds (has claimed) its entry.
        matrix_script = CallScript.objects.create(name="Matrix script")
        call_list = call_list_build(
            actor=users["alice"],
            name="Acme calls",
            company_filter=CompanyFilter(ids=[company.pk]),
            script=matrix_script,
        )
        call_entry = call_list.entries.get()
        CallListEntry.objects.filter(pk=call_entry.pk).update(
            claimed_by=users["alice"], claimed_at=timezone.now()
        )
        # Mail: a message alice sent to Greta, and a mailing of hers.
        outbox_message = OutboxMessage.objects.create(
            key="matrix",
            to_email="greta@acme.example",
            subject="Matrix mail",
            body="Hello",
            sender=users["alice"],
            contact=greta,
            company=company,
        )
        mailing = Mailing.objects.create(
            template=MailTemplate.objects.get(code="proposal"), created_by=users["alice"], rate_per_minute=30
        )
        # Reports: a call of alice's in February 2026, and her report of this month, open for comment
        # until the 3rd of the next month whatever the day the suite runs (a past month's is final by then).
        activity_create(
            actor=users["alice"],
            company=company,
            kind="call",
            subject="Matrix call",
            outcome="reached",
            done_at=datetime.datetime(2026, 2, 10, 10, tzinfo=datetime.UTC),
        )
        monthly_report = monthly_report_build(user=users["alice"], month=timezone.localdate())
        matrix_product = product_create(actor=users["root"], sku="MX-1", name="Matrix pallet", vat_rate="20")
        matrix_price_list = price_list_create(
            actor=users["root"],
            name="Matrix list",
            currency="EUR",
            prices=[{"product": matrix_product.pk, "amount": "12.50"}],
        )
        ExchangeRate.objects.create(currency="PLN", on=datetime.date(2026, 3, 1), rate="0.24")
        CustomerPrice.objects.create(company=company, product=matrix_product, discount_percent="3")
        matrix_logistics = LogisticsRequest.objects.create(
            product=matrix_product,
            quantity=5,
            company=company,
            due_date=datetime.date(2026, 3, 5),
            requested_by=users["alice"],
        )
        matrix_deal = deal_create(
            actor=users["alice"],
            company=company,
            title="Matrix deal",
            amount="1000",
            currency="EUR",
            expected_close_date=datetime.date(2026, 4, 1),
            next_step="Send the offer",
        )
        proposal_stage = Stage.objects.get(pipeline__is_default=True, name="Proposal")
        # A draft quote of Acme by alice (tests/quotes/ go into detail).
        matrix_quote = quote_create(
            actor=users["alice"],
            company=company,
            contact=contact,
            lines=[LineInput(product=matrix_product, quantity="2", unit_price="12.50")],
        )
        # An order: a second quote of Acme, to a buyer with an email, sent, accepted and ordered.
        order_contact = contact_create(
            actor=users["alice"],
            company=company,
            first_name="Olga",
            last_name="Orders",
            email="olga@acme.example",
        )
        ordered_quote = quote_send(
            quote=quote_create(
                actor=users["alice"],
                company=company,
                contact=order_contact,
                lines=[LineInput(product=matrix_product, quantity="2", unit_price="12.50")],
            ),
            actor=users["alice"],
        )
        ordered_quote = quote_answer(token=ordered_quote.token, accepted=True)
        matrix_order = order_create_from_quote(quote=ordered_quote, actor=users["alice"])
        # A mass proposal by alice to Acme (left out: no price for the product; the job never runs here).
        matrix_mass_proposal = mass_proposal_create(
            actor=users["alice"], companies=[company], lines=[LineInput(product=matrix_product, quantity="1")]
        )
        # A contract: alice's draft of the accepted quote, with one open disagreement, and a template.
        ContractTemplate.objects.create(name="Matrix template", language="en", body="Contract {number}.")
        matrix_contract = contract_create_from_quote(quote=ordered_quote, actor=users["alice"])
        matrix_disagreement = disagreement_add(
            contract=matrix_contract, actor=users["alice"], clause="Matrix clause"
        )
        # Webhooks: root's subscription with one delivered delivery.
        matrix_webhook = webhook_subscription_create(
            actor=users["root"], name="Matrix hook", url="https://93.184.215.14/hooks", events=["quote.sent"]
        )
        matrix_delivery = WebhookDelivery.objects.create(
            subscription=matrix_webhook, event="quote.sent", key="matrix:1", status="delivered", attempts=1
        )
        # Competitors: a rival supplying Acme with pallets.
        matrix_competitor = competitor_create(actor=users["root"], name="Matrix rival", country="PL")
        matrix_supply = supply_create(
            actor=users["alice"],
            company=company,
            competitor=matrix_competitor,
            description="Matrix pallets",
            price="12.50",
            currency="EUR",
        )
        # Knowledge base: root's category, an internal article (edited once: two versions) and a public one.
        matrix_shelf = category_create(actor=users["root"], names={"en": "Matrix shelf"})
        matrix_article = article_create(
            actor=users["root"],
            language="en",
            title="Matrix internal",
            body="Matrix text",
            category=matrix_shelf,
        )
        translation_save(
            article=matrix_article,
            actor=users["root"],
            language="en",
            title="Matrix internal",
            body="Matrix text 2",
        )
        matrix_article = article_set_status(article=matrix_article, actor=users["root"], status="internal")
        article_set_status(
            article=article_create(
                actor=users["root"], language="en", title="Matrix public", body="Matrix help"
            ),
            actor=users["root"],
            status="public",
        )
        today = timezone.localdate()
        # The customer portal: paula is Olga Orders' account; Olga's ticket has a public message with a
        # file, was resolved and rated 4.
        PortalAccount.objects.create(user=users["paula"], contact=order_contact)
        matrix_ticket = ticket_open(
            message=MessageInput(
                kind="email_in", body_text="Matrix question", sender_email="olga@acme.example"
            ),
            subject="Matrix ticket",
            company=company,
            contact=order_contact,
        )
        customer_message_add(
            ticket=matrix_ticket,
            message=MessageInput(
                kind="portal", body_text="Matrix message", files=[FileInput("matrix.txt", b"Matrix file")]
            ),
            contact=order_contact,
        )
        matrix_ticket = ticket_update(ticket=matrix_ticket, actor=users["root"], status="resolved")
        satisfaction_rate(ticket=matrix_ticket, rating=4, comment="Matrix comment")
        # Mail intake: a quarantined (empty) message, an IMAP mailbox nothing listens for, a log address.
        from klient.service.models import InboundMail, LogAddress, Mailbox

        matrix_inbound = InboundMail.objects.create(
            raw=b"\n",
            size=1,
            sha256=InboundMail.digest(b"\n"),
            message_key="<matrix@nowhere.example>",
            sender="matrix@nowhere.example",
            subject="Matrix quarantine",
            status="quarantined",
            outcome="quarantined",
            reason="The message is empty.",
        )
        matrix_mailbox = Mailbox.objects.create(
            name="Matrix box", host="127.0.0.1", port=1, use_ssl=False, username="matrix", password="secret"
        )
        matrix_log_address = LogAddress.objects.create(email="matrix-log@klient.example")
        delegation = delegation_create(
            absent_user=users["alice"],
            deputy=users["bob"],
            starts_on=today + datetime.timedelta(days=10),
            ends_on=today + datetime.timedelta(days=20),
            actor=users["alice"],
        )
        yield {
            "company": company.pk,
            "contact": contact.pk,
            "duplicate": duplicate.pk,
            "contact_duplicate": contact_duplicate.pk,
            "token": token.pk,
            "saved_view": saved_view.pk,
            "file": offer.pk,
            "import_job": import_job.pk,
            "delegation": delegation.pk,
            "activity": activity.pk,
            "greta": greta.pk,
            "greeting_year": today_for_greetings.year,
            "event": fair.pk,
            "invitation": invitation.pk,
            "holiday": ProfessionalHoliday.objects.get(code="ru-builders-day").pk,
            "invitation_token": invitation_token(invitation),  # type: ignore[dict-item]
            "call_list": call_list.pk,
            "call_entry": call_entry.pk,
            "script": matrix_script.pk,
            "alice": users["alice"].pk,
            "bob": users["bob"].pk,
            "tom": users["tom"].pk,
            "outbox_message": outbox_message.pk,
            "mailing": mailing.pk,
            "monthly_report": monthly_report.pk,
            "product": matrix_product.pk,
            "price_list": matrix_price_list.pk,
            "warehouse": Warehouse.objects.get(code="main").pk,
            "webhook": matrix_webhook.pk,
            "webhook_delivery": matrix_delivery.pk,
            "competitor": matrix_competitor.pk,
            "deal": matrix_deal.pk,
            "proposal_stage": proposal_stage.pk,
            "quote": matrix_quote.pk,
            "logistics_request": matrix_logistics.pk,
            "quote_token": matrix_quote.token,  # type: ignore[dict-item]
            "order_contact": order_contact.pk,
            "ordered_quote": ordered_quote.pk,
            "order": matrix_order.pk,
            "mass_proposal": matrix_mass_proposal.pk,
            "order_number": matrix_order.number,  # type: ignore[dict-item]
            "contract": matrix_contract.pk,
            "disagreement": matrix_disagreement.pk,
            "supply": matrix_supply.pk,
            "sla_calendar": BusinessCalendar.objects.get(is_default=True).pk,
            "sla_policy": SlaPolicy.objects.get(is_default=True).pk,
            "kb_category": matrix_shelf.pk,
            "kb_article": matrix_article.pk,
            "kb_article_version": matrix_article.version,
            "inbound": matrix_inbound.pk,
            "mailbox": matrix_mailbox.pk,
            "log_address": matrix_log_address.pk,
            "ticket_number": matrix_ticket.number,
            "ticket_version": Ticket.objects.get(pk=matrix_ticket.pk).version,
            "support_queue": matrix_ticket.queue_id,
            "ticket_file": TicketMessage.objects.get(body_text="Matrix message").attachments.get().pk,
            "rating_token": satisfaction_token(matrix_ticket),  # type: ignore[dict-item]
        }
        transaction.set_rollback(True)


@pytest.fixture
def world(world_ids: dict[str, int], db: Any) -> dict[str, Any]:
    # Fresh user objects per test: permission and visibility caches live on the instances.
    return {"users": {user.username: user for user in User.objects.all()}, "ids": world_ids}


def _user_for(persona: str, spec: Spec, world: dict[str, Any]) -> User | None:
    if persona == "anonymous":
        return None
    username = spec.wrong_role if persona == "wrong_role" else NAMED_PERSONAS[persona]
    user: User = world["users"][username]
    return user


def _fill(value: Any, ids: dict[str, int]) -> Any:
    if isinstance(value, str) and value.startswith("{") and value.endswith("}") and value[1:-1] in ids:
        return ids[value[1:-1]]  # an id alone stays a number: JSON bodies need integers
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(item, ids) for item in value]
    return value


def _intake_state() -> list[Any]:
    from klient.service.models import InboundMail, LogAddress, Mailbox

    return [
        list(InboundMail.objects.order_by("pk").values_list("pk", "status", "attempts", "outcome")),
        list(Mailbox.objects.order_by("pk").values_list("pk", "name", "host", "last_error")),
        list(LogAddress.objects.order_by("pk").values_list("pk", "email")),
    ]


def _service_state() -> list[Any]:
    from klient.service.models import Category, Macro, Queue, RoutingRule, TicketLink, TicketParticipant

    return [
        list(
            Ticket.objects.order_by("pk").values_list(
                "pk", "assignee_id", "priority", "time_spent_minutes", "root_cause"
            )
        ),
        list(TicketParticipant.objects.order_by("pk").values_list("pk", "email")),
        TicketLink.objects.count(),
        list(Queue.objects.order_by("pk").values_list("pk", "name", "assignment")),
        RoutingRule.objects.count(),
        Category.objects.count(),
        Macro.objects.count(),
    ]


def db_state() -> dict[str, Any]:
    """Everything a request of this matrix could change."""
    return {
        "companies": list(Company.objects.order_by("pk").values_list("pk", "name", "version", "owner_id")),
        "audit": AuditEntry.objects.count(),
        "account_team": list(AccountTeamMember.objects.order_by("pk").values_list("user_id", "role")),
        "contacts": list(
            Contact.objects.order_by("pk").values_list("pk", "company_id", "last_name", "position", "version")
        ),
        "delegations": list(Delegation.objects.order_by("pk").values_list("pk", "cancelled_at")),
        "notes": list(Note.objects.order_by("pk").values_list("pk", flat=True)),
        "files": list(Attachment.objects.order_by("pk").values_list("pk", flat=True)),
        "reviewed": list(
            Company.objects.filter(card_reviewed_at__isnull=False)
            .order_by("pk")
            .values_list("pk", "card_reviewed_at")
        ),
        "tokens": list(ApiToken.objects.order_by("pk").values_list("pk", "revoked_at")),
        "saved_views": list(
            SavedView.objects.order_by("pk").values_list("pk", "user_id", "name", "query", "is_default")
        ),
        "users": list(User.objects.order_by("pk").values_list("username", "language", "timezone")),
        "activities": list(Activity.objects.order_by("pk").values_list("pk", "subject", "version")),
        "targets": list(Target.objects.order_by("pk").values_list("pk", "user_id", "value")),
        "call_lists": [
            list(CallList.objects.order_by("pk").values_list("pk", "version")),
            list(
                CallListEntry.objects.order_by("pk").values_list("pk", "state", "claimed_by", "assigned_to")
            ),
            list(CallList.assignees.through.objects.order_by("pk").values_list("call_list_id", "user_id")),
        ],
        "objection_marks": ObjectionMark.objects.count(),
        "greetings": list(GreetingSent.objects.order_by("pk").values_list("contact_id", "occasion", "year")),
        "events": list(Event.objects.order_by("pk").values_list("pk", "name", "version")),
        "invitations": list(Invitation.objects.order_by("pk").values_list("pk", "contact_id", "status")),
        "mail": [
            list(OutboxMessage.objects.order_by("pk").values_list("pk", "status")),
            list(Mailing.objects.order_by("pk").values_list("pk", flat=True)),
            Unsubscribe.objects.count(),
        ],
        "catalog": [
            list(Product.objects.order_by("pk").values_list("pk", "sku", "vat_rate", "version")),
            list(Stock.objects.order_by("pk").values_list("product_id", "warehouse_id", "available")),
            list(PriceList.objects.order_by("pk").values_list("pk", "name", "version")),
            list(Price.objects.order_by("pk").values_list("price_list_id", "product_id", "amount")),
            list(ExchangeRate.objects.order_by("pk").values_list("currency", "on", "rate")),
            list(
                CustomerPrice.objects.order_by("pk").values_list(
                    "pk", "discount_percent", "amount", "version"
                )
            ),
            list(LogisticsRequest.objects.order_by("pk").values_list("pk", "status", "answer", "version")),
            list(RestockNotice.objects.order_by("pk").values_list("pk", "product_id", "contact_id")),
        ],
        "quotes": [
            list(Quote.objects.order_by("pk").values_list("pk", "status", "version", "approved_by_id")),
            list(QuoteLine.objects.order_by("pk").values_list("quote_id", "quantity", "line_subtotal")),
            list(MassProposal.objects.order_by("pk").values_list("pk", "status", "company_count")),
            list(MassProposalItem.objects.order_by("pk").values_list("pk", "status", "quote_id")),
        ],
        "orders": [
            list(Order.objects.order_by("pk").values_list("pk", "status", "promised_date", "version")),
            list(OrderLine.objects.order_by("pk").values_list("order_id", "quantity", "line_subtotal")),
            OrderDelayNotice.objects.count(),
        ],
        "contracts": [
            list(Contract.objects.order_by("pk").values_list("pk", "status", "version", "approved_by_id")),
            ContractVersion.objects.count(),
            list(Disagreement.objects.order_by("pk").values_list("pk", "status", "version")),
            ContractTemplate.objects.count(),
        ],
        "sales": [
            list(Deal.objects.order_by("pk").values_list("pk", "title", "stage_id", "version")),
            list(Pipeline.objects.order_by("pk").values_list("pk", "name")),
        ],
        "webhooks": [
            list(
                WebhookSubscription.objects.order_by("pk").values_list("pk", "name", "is_active", "version")
            ),
            list(WebhookDelivery.objects.order_by("pk").values_list("pk", "status", "attempts")),
        ],
        "competitors": [
            list(
                Competitor.objects.order_by("pk").values_list("pk", "name", "notes", "is_active", "version")
            ),
            list(
                CompetitorSupply.objects.order_by("pk").values_list(
                    "pk", "company_id", "competitor_id", "description", "price", "currency", "version"
                )
            ),
        ],
        "intake": _intake_state(),
        "kb": [
            list(
                Article.objects.order_by("pk").values_list(
                    "pk", "status", "slug", "version", "helpful_count", "not_helpful_count"
                )
            ),
            list(ArticleTranslation.objects.order_by("pk").values_list("pk", "language", "title", "version")),
            ArticleVersion.objects.count(),
            ArticleVote.objects.count(),
            list(KbCategory.objects.order_by("pk").values_list("pk", "names", "order")),
        ],
        "sla": [
            list(
                BusinessCalendar.objects.order_by("pk").values_list(
                    "pk", "name", "hours", "closed_days", "is_default"
                )
            ),
            list(
                SlaPolicy.objects.order_by("pk").values_list(
                    "pk", "name", "order", "is_default", "conditions"
                )
            ),
            list(SlaTarget.objects.order_by("pk").values_list("policy_id", "priority", "resolution_minutes")),
        ],
        "reports": list(
            MonthlyReport.objects.order_by("pk").values_list(
                "pk", "user_id", "month", "comment", "finalized_at", "sent_at"
            )
        ),
        "service": _service_state(),
        "portal": [
            list(Ticket.objects.order_by("pk").values_list("pk", "status", "version")),
            TicketMessage.objects.count(),
            list(Satisfaction.objects.order_by("pk").values_list("ticket_id", "rating", "comment")),
            list(
                PortalAccount.objects.order_by("pk").values_list(
                    "pk", "contact_id", "can_see_company_tickets"
                )
            ),
            list(SignInLink.objects.order_by("pk").values_list("pk", "used_at")),
        ],
    }


def _body(response: Any) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")  # a PDF is binary


def _check(
    response: Any, outcome: Outcome, path: str, ids: dict[str, int], before: dict, after: dict
) -> None:
    expected_status = outcome.status
    assert response.status_code == expected_status, _body(response)[:500]
    if outcome.to_login:
        assert response["Location"] == f"/login/?next={quote(path)}"
    if outcome.location is not None:
        assert response["Location"] == outcome.location.format(**ids)
    body = _body(response) if expected_status != 302 else ""
    for text in outcome.contains:
        assert text in body
    for text in outcome.lacks:
        assert text not in body
    assert {part for part in before if before[part] != after[part]} == set(outcome.changes)


def _cases(registry: dict[str, Spec]) -> list[Any]:
    return [pytest.param(key, persona, id=f"{key}-{persona}") for key in registry for persona in PERSONAS]


@pytest.mark.django_db
@pytest.mark.parametrize(("view", "persona"), _cases(UI_VIEWS))
def test_ui_view_answers_each_persona(view, persona, world, login):
    spec = UI_VIEWS[view]
    ids = world["ids"]
    user = _user_for(persona, spec, world)
    client = Client() if user is None else login(user)
    path = spec.path.format(**ids)
    before = db_state()
    response = getattr(client, spec.method)(path, data=_fill(spec.data, ids))
    _check(response, spec.outcomes[persona], path, ids, before, db_state())


@pytest.mark.django_db
@pytest.mark.parametrize(("operation", "persona"), _cases(API_OPERATIONS))
def test_api_operation_answers_each_persona(operation, persona, world, api):
    spec = API_OPERATIONS[operation]
    ids = world["ids"]
    user = _user_for(persona, spec, world)
    headers = {}
    if user is not None:
        _token, raw = api_token_create(user=user, name="matrix")
        headers = {"Authorization": f"Bearer {raw}"}
    client = getattr(Client(), spec.method)
    path = spec.path.format(**ids)
    before = db_state()
    if spec.method in {"get", "delete"}:
        response = client(path, headers=headers)
    else:
        response = client(path, data=_fill(spec.data, ids), content_type="application/json", headers=headers)
    outcome = spec.outcomes[persona]
    _check(response, outcome, path, ids, before, db_state())
    if outcome.status == 401:
        assert response.json() == UNAUTHENTICATED_BODY
        assert response["WWW-Authenticate"] == 'Bearer realm="klient"'
    elif outcome.status == 404:
        assert response.json() == {"detail": "Not found.", "errors": spec.not_found_errors}
    elif outcome.status == 403:
        body = response.json()
        assert set(body) == {"detail", "errors"}
        assert body["errors"] == []
        assert body["detail"] in {
            "Not allowed.",
            "You may not delete companies.",
            "You may not merge companies.",
            "You may not merge contacts.",
            "You may not change companies.",
            "You may not create companies.",
            "This call list is not assigned to you.",
            "You may not build call lists.",
        }
