"""The service desk's settings index: exactly the cards of the pages each role may open, the number of
quarantined messages, the link from the ticket list, and a refusal for those who may set nothing up."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from klient.service import intake
from klient.service.models import InboundMail, InboundStatus

pytestmark = pytest.mark.django_db

ALL_CARDS = [
    "queues",
    "routing",
    "categories",
    "macros",
    "calendars",
    "sla_policies",
    "mailboxes",
    "log_addresses",
    "quarantine",
    "knowledge_base",
    "satisfaction",
]
LINKS = {
    "queues": "/service/queues/",
    "routing": "/service/routing/",
    "categories": "/service/categories/",
    "macros": "/service/macros/",
    "calendars": "/service/calendars/",
    "sla_policies": "/service/sla-policies/",
    "mailboxes": "/service/mail/mailboxes/",
    "log_addresses": "/service/mail/log-addresses/",
    "quarantine": "/service/mail/quarantine/",
    "knowledge_base": "/kb/",
    "satisfaction": "/service/satisfaction/",
}
SETTINGS_LINK = 'href="/service/settings/"'


def _cards(html: str) -> list[str]:
    return re.findall(r'data-card="([a-z_]+)"', html)


def _links(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-card="([a-z_]+)">\s*<h2><a href="([^"]+)"', html))


def _quarantine(count: int) -> None:
    for index in range(count):
        _inbound, outcome = intake.receive(b"\n" * (index + 1), source="mailgate")
        assert outcome.status == "quarantined"


def test_the_service_manager_sees_every_card_with_its_page(vera: Any, login: Any, support: Any) -> None:
    response = login(vera).get("/service/settings/")
    html = response.content.decode()
    assert response.status_code == 200
    assert _cards(html) == ALL_CARDS
    assert _links(html) == LINKS
    client = login(vera)
    # Every card opens for the manager: the card and the page agree on the permission.
    assert {key: client.get(url).status_code for key, url in LINKS.items()} == dict.fromkeys(LINKS, 200)


def test_the_agent_sees_only_the_pages_he_may_use(sam: Any, login: Any, support: Any) -> None:
    client = login(sam)
    html = client.get("/service/settings/").content.decode()
    assert _cards(html) == ["macros", "knowledge_base", "satisfaction"]
    assert 'data-field="quarantined"' not in html
    # What he is not shown is what he is refused.
    refused = {key: client.get(url).status_code for key, url in LINKS.items() if key not in _cards(html)}
    assert refused == dict.fromkeys(set(LINKS) - {"macros", "knowledge_base", "satisfaction"}, 403)


def test_the_quarantine_card_counts_quarantined_messages_only(
    vera: Any, login: Any, support: Any, marta: Any
) -> None:
    _quarantine(3)
    intake.receive(
        b"From: marta@mleczarnia.example.pl\nTo: support@klient.example\nSubject: Faktura\n"
        b"Message-ID: <f1@mleczarnia.example.pl>\n\nProsze o fakture.\n",
        source="mailgate",
    )
    assert InboundMail.objects.exclude(status=InboundStatus.QUARANTINED).count() == 1
    html = login(vera).get("/service/settings/").content.decode()
    assert '<p data-field="quarantined">3 messages quarantined</p>' in html


def test_one_quarantined_message_is_named_in_the_singular(vera: Any, login: Any, support: Any) -> None:
    _quarantine(1)
    html = login(vera).get("/service/settings/").content.decode()
    assert '<p data-field="quarantined">1 message quarantined</p>' in html


def test_the_page_reads_the_same_number_of_queries_however_many_are_quarantined(
    vera: Any, login: Any, support: Any
) -> None:
    client = login(vera)
    client.get("/service/settings/")
    counts = []
    for extra in (1, 5):
        _quarantine(extra)
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/service/settings/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_an_account_manager_who_may_set_nothing_up_is_refused(alice: Any, login: Any) -> None:
    # alice reads tickets, the knowledge base and the satisfaction results, but no setup page is hers.
    response = login(alice).get("/service/settings/")
    assert response.status_code == 403
    assert "data-card" not in response.content.decode()


def test_a_portal_customer_is_refused(paula: Any, login: Any) -> None:
    assert login(paula).get("/service/settings/").status_code == 403


def test_the_page_only_answers_get(vera: Any, login: Any) -> None:
    assert login(vera).post("/service/settings/").status_code == 405


def test_the_ticket_list_links_to_it_for_those_who_may_open_it(
    vera: Any, sam: Any, alice: Any, login: Any, support: Any
) -> None:
    links = {
        user.username: SETTINGS_LINK in login(user).get("/service/tickets/?all=1").content.decode()
        for user in (vera, sam, alice)
    }
    assert links == {"vera": True, "sam": True, "alice": False}
