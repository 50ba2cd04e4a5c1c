"""The service reports in a browser: every report's chart is drawn by the vendored Chart.js from the data
the page passes with json_script, with no script error and no content-security-policy violation."""

import pytest
from playwright.sync_api import expect

from klient.customers.services import company_create
from klient.service.models import Queue, Ticket, TicketStatus
from klient.service.satisfaction import satisfaction_rate
from klient.service.services import MessageInput, ticket_open, ticket_reply, ticket_update

pytestmark = pytest.mark.django_db(transaction=True)

CHARTS = ["times", "sla", "backlog", "volume", "categories", "satisfaction", "workload"]


def test_the_charts_are_drawn(page, sign_in, screenshot, alice, sam):
    company = company_create(actor=alice, name="Mleczarnia", website="https://mleczarnia.example.pl")
    queue, _created = Queue.objects.get_or_create(name="Support", defaults={"is_default": True})
    for subject in ("Sour milk", "Late truck"):
        ticket = ticket_open(
            message=MessageInput(
                kind="email_in",
                body_text=subject,
                sender_email="marta@mleczarnia.example.pl",
                subject=subject,
            ),
            company=company,
            queue=queue,
        )
        ticket_reply(ticket=Ticket.objects.get(pk=ticket.pk), actor=sam, body="On it")
    ticket_update(ticket=Ticket.objects.get(pk=ticket.pk), actor=sam, status=TicketStatus.RESOLVED)
    satisfaction_rate(ticket=Ticket.objects.get(pk=ticket.pk), rating=5)

    sign_in(page, "sam")
    page.goto("/service/reports/?period=this_week")
    for slug in CHARTS:
        canvas = page.locator(f'canvas[data-chart="chart-{slug}"]')
        expect(canvas).to_have_attribute("data-drawn", "1")
        assert page.evaluate("(canvas) => Boolean(window.Chart.getChart(canvas))", canvas.element_handle())
    screenshot(page, "service-reports")
    assert page.problems == []
