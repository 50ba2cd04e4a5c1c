"""The service desk's part of `make bench` (called from tests.bench.run after the customer base is built).

1. mailgate: a corpus of MAIL_MESSAGES messages of mixed sizes and charsets (plain and HTML, UTF-8,
   ISO-8859-2, windows-1251, GB18030, Armenian UTF-8, base64 and quoted-printable, a quarter with an
   attachment of 20–400 KB, a third of them replies to earlier ones) is fed through mailgate's own path
   in this one process — store the raw bytes (committed), parse, thread, route, write the ticket, queue
   the acknowledgement — and counted: messages a second on one core. (A `klient mailgate` child process
   also pays Python's and Django's start, reported apart as `mailgate_process_start_ms`.)
2. KLIENT_BENCH_TICKETS tickets (default 100,000 on SQLite; `make bench-postgres` uses 1,000,000) are
   written over the companies, KLIENT_BENCH_OPEN_TICKETS of them (default 100,000) open, across three
   queues; then the SLA of every open ticket is recomputed (`sla_recompute_open`) and timed, and the
   queue (an agent's "what is due first" page and the API list, a queue's open tickets) is timed.
"""

from __future__ import annotations

import datetime
import os
import random
import subprocess
import sys
import time
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from klient.customers.models import Company

TICKETS = int(os.environ.get("KLIENT_BENCH_TICKETS", "100000"))
OPEN_TICKETS = int(os.environ.get("KLIENT_BENCH_OPEN_TICKETS", "100000"))
MAIL_MESSAGES = int(os.environ.get("KLIENT_BENCH_MAIL", "600"))

# (charset, transfer encoding, subject, body) — what customers write, in the charsets their clients use
TEXTS = [
    (
        "utf-8",
        "quoted-printable",
        "Zamówienie nr {n} – pytanie o termin",
        "Dzień dobry,\nkiedy dotrze zamówienie {n}?\nPozdrawiam, Marta",
    ),
    (
        "iso-8859-2",
        "quoted-printable",
        "Faktura {n} – korekta",
        "Proszę o korektę faktury {n}: zła ilość palet.\nZażółć gęślą jaźń.",
    ),
    (
        "windows-1251",
        "base64",
        "Заказ {n} не доставлен",
        "Здравствуйте!\nЗаказ {n} до сих пор не пришёл. Когда его ждать?\nС уважением",
    ),
    ("koi8-r", "8bit", "Счёт {n}", "Пришлите, пожалуйста, копию счёта {n}."),
    ("gb18030", "base64", "订单 {n} 尚未到货", "您好，\n订单 {n} 原定周一送达，但至今仍未收到。\n谢谢"),
    ("utf-8", "base64", "{n} պատվերը չի ստացվել", "Բարև Ձեզ,\n{n} պատվերը դեռ չի ստացվել։\nՀարգանքով"),
    (
        "utf-8",
        "8bit",
        "Order {n} has not arrived",
        "Hello,\nour order {n} was promised for Monday.\n\n> earlier text\n> quoted\n-- \nJohn Smith",
    ),
    (
        "utf-8",
        "quoted-printable",
        "Narudžba {n} nije stigla",
        "Poštovani,\nnarudžba {n} još nije stigla.\nLijep pozdrav",
    ),
]


def mail_corpus(count: int, senders: list[str]) -> list[bytes]:
    """`count` messages; every third after the first ten answers an earlier one (In-Reply-To)."""
    rng = random.Random(21)
    messages: list[bytes] = []
    ids: list[tuple[str, str]] = []  # (Message-ID, its sender)
    for n in range(count):
        charset, encoding, subject, body = TEXTS[n % len(TEXTS)]
        message = EmailMessage()
        sender = senders[n % len(senders)]
        message["To"] = "support@klient.example"
        message["Subject"] = subject.format(n=5000 + n)
        message["Date"] = "Mon, 16 Nov 2026 08:02:11 +0100"
        message_id = make_msgid(domain="bench.example")
        message["Message-ID"] = message_id
        if n > 10 and n % 3 == 0:  # the same person answers the ticket of an earlier message of theirs
            earlier, sender = ids[rng.randrange(len(ids))]
            message["In-Reply-To"] = earlier
            message["References"] = earlier
        message["From"] = sender
        text = body.format(n=5000 + n) * rng.choice((1, 1, 3, 20))
        message.set_content(text, charset=charset, cte=encoding if encoding != "8bit" else "8bit")
        if n % 2:
            html = "<html><body>" + "".join(f"<p>{line}</p>" for line in text.splitlines()) + "</body></html>"
            message.add_alternative(html, subtype="html", charset="utf-8")
        if n % 4 == 0:
            size = rng.randint(20_000, 400_000)
            message.add_attachment(
                rng.randbytes(size), maintype="application", subtype="pdf", filename=f"scan-{n}.pdf"
            )
        messages.append(message.as_bytes())
        ids.append((message_id, sender))
    return messages


def mailgate_throughput(senders: list[str]) -> dict[str, Any]:
    from klient.service.intake import process, store

    corpus = mail_corpus(MAIL_MESSAGES, senders)
    warm = mail_corpus(5, ["warm@bench.example"])
    for raw in warm:
        process(store(raw, source="bench"))
    outcomes: dict[str, int] = {}
    started = time.perf_counter()
    for raw in corpus:
        outcome = process(store(raw, source="bench"))
        outcomes[outcome.status] = outcomes.get(outcome.status, 0) + 1
    elapsed = time.perf_counter() - started
    return {
        "mailgate_messages": len(corpus),
        "mailgate_megabytes": round(sum(map(len, corpus)) / 1e6, 1),
        "mailgate_outcomes": outcomes,
        "mailgate_messages_per_second": round(len(corpus) / elapsed, 1),
    }


def mailgate_process_start() -> dict[str, Any]:
    """A whole `klient mailgate` child process for one message, start to exit (median of 5)."""
    raw = mail_corpus(1, ["start@bench.example"])[0]
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "klient.cli", "mailgate"], input=raw, capture_output=True, check=True
        )
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {"mailgate_process_start_ms": round(timings[len(timings) // 2], 1)}


def add_tickets(total: int, open_count: int) -> None:
    """`total` tickets over the companies (the newest `open_count` still open, the rest resolved or
    closed), in three queues, by the database's bulk insert; numbers from 10,000,000."""
    from klient.service.models import Channel, Priority, Queue, SlaPolicy, Ticket, TicketStatus, TicketType

    rng = random.Random(17)
    queues = [Queue.objects.get(is_default=True)]
    for name in ("Bench key accounts", "Bench complaints"):
        queues.append(Queue.objects.get_or_create(name=name)[0])
    policy = SlaPolicy.objects.get(is_default=True)
    companies = list(Company.objects.order_by("pk").values_list("pk", flat=True)[:50000])
    now = timezone.now()
    open_statuses = [
        TicketStatus.NEW,
        TicketStatus.OPEN,
        TicketStatus.OPEN,
        TicketStatus.PENDING_CUSTOMER,
        TicketStatus.PENDING_INTERNAL,
    ]
    done_statuses = [TicketStatus.RESOLVED, TicketStatus.CLOSED]
    priorities = list(Priority.values)
    batch: list[Ticket] = []
    for index in range(total):
        is_open = index >= total - open_count
        created = now - datetime.timedelta(
            minutes=(total - index) * 3 if not is_open else rng.randint(1, 60 * 24 * 20)
        )
        status = rng.choice(open_statuses) if is_open else rng.choice(done_statuses)
        batch.append(
            Ticket(
                number=10_000_000 + index,
                subject=f"Order {index} has not arrived",
                type=rng.choice(TicketType.values),
                priority=rng.choice(priorities),
                queue=queues[index % 3],
                status=status,
                channel=Channel.EMAIL,
                company_id=companies[index % len(companies)],
                requester_email=f"buyer{index % 5000}@bench.example",
                language="en",
                sla_policy=policy,
                created_at=created,
                updated_at=created,
                last_customer_message_at=created,
                resolved_at=None if is_open else created + datetime.timedelta(hours=5),
                first_responded_at=None
                if status == TicketStatus.NEW
                else created + datetime.timedelta(hours=1),
                paused_at=created + datetime.timedelta(hours=2)
                if status == TicketStatus.PENDING_CUSTOMER
                else None,
            )
        )
        if len(batch) == 5000:
            with transaction.atomic():
                Ticket.objects.bulk_create(batch)
            batch = []
    with transaction.atomic():
        Ticket.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def run(people: dict[str, Any]) -> dict[str, Any]:
    """Every figure of the service desk (see the module's docstring)."""
    from django.test import Client

    from klient.service.models import Queue, QueueMember, Ticket, TicketStatus
    from klient.service.sla import sla_recompute_open
    from tests.bench.run import api_client, measure, ok

    results: dict[str, Any] = {}
    known = (
        Company.objects.exclude(contacts__email="").order_by("pk").values_list("contacts__email", flat=True)
    )
    senders = [*known[:300], "stranger@unknown.example"]
    results.update(mailgate_throughput(senders))
    results.update(mailgate_process_start())

    started = time.perf_counter()
    add_tickets(TICKETS, OPEN_TICKETS)
    results["tickets"] = Ticket.objects.count()
    results["tickets_open"] = Ticket.objects.filter(
        status__in=["new", "open", "pending_customer", "pending_internal"]
    ).count()
    results["tickets_build_seconds"] = round(time.perf_counter() - started, 1)

    started = time.perf_counter()
    recomputed = sla_recompute_open()
    results["sla_recompute_open_tickets"] = recomputed
    results["sla_recompute_seconds"] = round(time.perf_counter() - started, 1)
    started = time.perf_counter()
    sla_recompute_open()
    results["sla_recompute_unchanged_seconds"] = round(time.perf_counter() - started, 1)

    agent = people["agent"]
    for queue in Queue.objects.all():
        QueueMember.objects.get_or_create(queue=queue, user=agent)
    queue = Queue.objects.get(is_default=True)
    Ticket.objects.filter(queue=queue, status=TicketStatus.OPEN, number__lt=10_000_000 + TICKETS // 2).update(
        assignee=agent
    )
    agent_api = api_client(agent)
    ui = Client()
    ui.force_login(agent)
    results["api_ticket_queue_due_first"] = measure(lambda: ok(agent_api.get("/api/v1/tickets?limit=50")))
    results["api_ticket_queue_one_queue_open"] = measure(
        lambda: ok(agent_api.get(f"/api/v1/tickets?limit=50&queue={queue.pk}&status=open"))
    )
    results["api_ticket_queue_assigned_to_me"] = measure(
        lambda: ok(agent_api.get("/api/v1/tickets?limit=50&assignee=me"))
    )
    results["ui_ticket_queue"] = measure(lambda: ok(ui.get("/service/tickets/")))
    number = (
        Ticket.objects.filter(status=TicketStatus.OPEN)
        .order_by("-number")
        .values_list("number", flat=True)[0]
    )
    results["api_ticket_read"] = measure(lambda: ok(agent_api.get(f"/api/v1/tickets/{number}")))
    results["ui_ticket_page"] = measure(lambda: ok(ui.get(f"/service/tickets/{number}/")))
    return results
