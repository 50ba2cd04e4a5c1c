"""`make bench`: build a large customer base and print latency and import figures as JSON.

Size: SIZE / KLIENT_BENCH_ROWS (default 100000). Database: SQLite under a temporary KLIENT_DATA_DIR, or
PostgreSQL when DATABASE_URL is set (`make bench-postgres`; the database is dropped and created afresh).

1. A CSV of SIZE companies in the six languages is written and imported with `klient import companies` in a
   child process: rows/s (with validation and duplicate checks) and the child's peak memory.
2. One contact per company is added, and 5,000 timeline entries on one company.
3. Pages and API calls are timed in-process through Django's test client, so the figures are server time
   (routing, auth, visibility, queries, rendering) without network; `queries` counts one call's queries.
4. An account manager gets KLIENT_BENCH_ACTIVITIES activities (default 100,000) over 2,000 of their
   companies; their activity lists, My Day, target progress and logging a call (API and card form; each
   call is stored) are timed, and a sales manager's team board. KLIENT_BENCH_ACTIVITY_ROWS (e.g.
   10000000) first fills the activity table up to that many rows of other users, written by the database
   itself (INSERT … SELECT over a series), so the lists are timed against a table of that size.

`cpu_reference_ms_at_start` and `…_at_end` time a fixed pure-Python loop: compare runs by them, since a
shared machine's core speed drifts (by half, on the two-core machine these figures were taken on).
"""

from __future__ import annotations

import csv
import datetime
import decimal
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "klient.settings")
os.environ.setdefault("KLIENT_API_RATE_LIMIT", "1000000/m")
os.environ.setdefault("KLIENT_DEBUG", "1")
ROWS = int(os.environ.get("SIZE") or os.environ.get("KLIENT_BENCH_ROWS") or "100000")
REPEAT = int(os.environ.get("KLIENT_BENCH_REPEAT", "30"))
TIMELINE_ENTRIES = 5000
ACTIVITIES = int(os.environ.get("KLIENT_BENCH_ACTIVITIES", "100000"))
ACTIVITY_ROWS = int(os.environ.get("KLIENT_BENCH_ACTIVITY_ROWS", "0"))
# Open deals on the board and in the forecast; lines of the quote whose totals and PDF are timed.
DEALS = int(os.environ.get("KLIENT_BENCH_DEALS", "100000"))
QUOTE_LINES = 200
# Companies of the mass proposal whose throughput is measured, and lines of its (short) quote.
MASS_COMPANIES = int(os.environ.get("KLIENT_BENCH_MASS_COMPANIES", "40"))
SHORT_QUOTE_LINES = 5
MASS_RATE = 1200


def _fresh_postgres_database() -> None:
    """Drop and create the database DATABASE_URL names, so every run starts empty."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return
    import psycopg
    from psycopg import sql

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


import django  # noqa: E402

django.setup()

from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.signals import request_finished  # noqa: E402
from django.db import close_old_connections, connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from klient.activities.models import Activity  # noqa: E402
from klient.core.models import AuditAction, AuditEntry, Note, Role, User  # noqa: E402
from klient.core.services import api_token_create, team_get_or_create, user_create  # noqa: E402
from klient.customers.importing import uses_second_process  # noqa: E402
from klient.customers.models import Company, Contact  # noqa: E402
from klient.customers.normalize import person_key, phone_e164  # noqa: E402
from klient.customers.services import contact_search_text  # noqa: E402

# (name stems, legal form, country, phone format, city)
STYLES = [
    (["Zażółć", "Mleczarnia", "Stalmet", "Łączbud"], "{} Sp. z o.o.", "PL", "+48 22 ### ## ##", "Łódź"),
    (["Ćevapi", "Đurđevak", "Čelik", "Žito"], "{} d.o.o.", "BA", "+387 33 ### ###", "Sarajevo"),
    (["Ромашка", "Север", "Волга", "Ёлка"], "ООО «{}»", "RU", "8 (495) ###-##-##", "Москва"),
    (["Արարատ", "Սևան", "Գառնի"], "«{}» ՍՊԸ", "AM", "+374 10 ######", "Երևան"),
    (["明光贸易", "华信科技", "东方物流"], "{}有限公司", "CN", "+86 21 #### ####", "上海"),
    (["Acme", "Northwind", "Baltic", "Nordic"], "{} Ltd", "GB", "+44 20 #### ####", "London"),
]
HEADER = ["name", "legal_name", "tax_id", "country", "city", "phone", "email", "website", "owner"]


def digits(rng: random.Random, pattern: str) -> str:
    return "".join(str(rng.randint(0, 9)) if ch == "#" else ch for ch in pattern)


def write_csv(path: Path, owners: list[str]) -> dict[str, str]:
    """SIZE distinct companies; returns a name word and a phone (as typed differently) to search for."""
    rng = random.Random(42)
    probe: dict[str, str] = {}
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(HEADER)
        for n in range(ROWS):
            stems, legal, country, phone_format, city = STYLES[n % len(STYLES)]
            name = f"{rng.choice(stems)} {n:07d}"
            phone = digits(rng, phone_format)
            domain = f"firm{n}.example.com"
            writer.writerow(
                [
                    name,
                    legal.format(name),
                    f"{country}{8000000000 + n}",
                    country,
                    city,
                    phone,
                    f"info@{domain}",
                    f"https://www.{domain}/",
                    owners[n % len(owners)],
                ]
            )
            if n == ROWS // 2:
                probe = {"name": name, "phone": phone, "country": country}
    return probe


def _memory_of_tree_kib(root: int) -> int:
    """Memory of a process and its children (the import's second process), in KiB: the sum of their
    proportional set sizes, in which a page the two share (the second process is a fork of the first)
    counts half in each, so that it counts once."""
    try:
        children = Path(f"/proc/{root}/task/{root}/children").read_text().split()
    except OSError:
        children = []
    total = 0
    for pid in [root, *map(int, children)]:
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        for line in rollup.splitlines():
            if line.startswith("Pss:"):
                total += int(line.split()[1])
    return total


def run_import(path: Path) -> dict[str, Any]:
    env = {**os.environ, "KLIENT_DEBUG": "0", "KLIENT_SECRET_KEY": "bench-" + "x" * 50}
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "klient"), "import", "companies", str(path), "--user", "admin"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # Peak memory of the import and its second process together, sampled while it runs.
    peak_kib = 0
    while process.poll() is None:
        peak_kib = max(peak_kib, _memory_of_tree_kib(process.pid))
        time.sleep(0.1)  # memory grows slowly; sampling more often would take CPU from the import
    stdout, stderr = process.communicate()
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"import failed ({process.returncode}): {stdout[-2000:]} {stderr[-2000:]}")
    summary = json.loads(stdout)
    return {
        "rows": ROWS,
        "seconds": round(seconds, 1),
        "rows_per_second": round(ROWS / seconds),
        "peak_memory_mb": round(peak_kib / 1024),
        "processes": 2 if uses_second_process(path) else 1,
        "created": summary["created"],
        "errors": len(summary["errors"]),
        "duplicates": len(summary["duplicates"]),
    }


def build(workdir: Path) -> tuple[dict[str, User], dict[str, Any], dict[str, str]]:
    call_command("migrate", verbosity=0)
    teams = [team_get_or_create(name=f"Team {n}") for n in range(4)]
    users = [
        user_create(username=f"am{n}", role=Role.ACCOUNT_MANAGER, team=teams[n % 4], password="bench-pass-1")
        for n in range(20)
    ]
    manager = user_create(username="manager", role=Role.SALES_MANAGER, team=teams[0], password="bench-pass-1")
    admin = user_create(username="admin", role=Role.ADMIN, password="bench-pass-1")
    agent = user_create(username="agent", role=Role.SERVICE_AGENT, password="bench-pass-1")
    path = workdir / "companies.csv"
    probe = write_csv(path, [user.username for user in users])
    imported = run_import(path)
    add_contacts()
    with connection.cursor() as cursor:
        # What a DBA runs after a bulk load (and autovacuum would run in the middle of the timings):
        # statistics, and on PostgreSQL the visibility map that index-only scans need.
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    people = {"account_manager": users[0], "manager": manager, "admin": admin, "agent": agent}
    return people, imported, probe


def add_contacts() -> None:
    """One contact per company, written in bulk (the contact import has its own figures in the tests)."""
    rng = random.Random(7)
    first_names = ["Anna", "Emir", "Иван", "Արմեն", "伟", "James", "Łucja", "Đorđe"]
    last_names = ["Nowak", "Hodžić", "Петров", "Սարգսյան", "李", "Wilson", "Wiśniewska", "Đurić"]
    batch: list[Contact] = []
    for company_id, country in Company.objects.values_list("id", "country").iterator(chunk_size=5000):
        first, last = rng.choice(first_names), rng.choice(last_names)
        phone = f"+48 600 {company_id % 1000:03d} {rng.randint(100, 999)}"
        contact = Contact(
            company_id=company_id,
            first_name=first,
            last_name=last,
            email=f"person{company_id}@example.com",
            phone=phone,
            phone_e164=phone_e164(phone, country),
            name_key=person_key(first, last),
        )
        contact.search_text = contact_search_text(contact)
        batch.append(contact)
        if len(batch) == 5000:
            with transaction.atomic():
                Contact.objects.bulk_create(batch)
            batch = []
    Contact.objects.bulk_create(batch)


def add_timeline(company: Company, actor: User) -> None:
    """TIMELINE_ENTRIES entries on one company: notes and changes, spread over two years."""
    now = timezone.now()
    notes = [
        Note(
            target_type=ContentType.objects.get_for_model(Company),
            target_id=company.pk,
            company_id=company.pk,
            text=f"Call {n}: discussed the order",
            author=actor,
            created_at=now - datetime.timedelta(hours=3 * n),
        )
        for n in range(TIMELINE_ENTRIES // 2)
    ]
    Note.objects.bulk_create(notes)
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                content_type=ContentType.objects.get_for_model(Company),
                object_id=company.pk,
                object_repr=company.name,
                action=AuditAction.UPDATE,
                actor=actor,
                at=now - datetime.timedelta(hours=3 * n + 1),
                changes={"city": {"from": "A", "to": "B", "from_label": "A", "to_label": "B"}},
            )
            for n in range(TIMELINE_ENTRIES - len(notes))
        ]
    )


def add_activities(owner: User, count: int) -> None:
    """`count` done calls and open tasks of one rep over the rep's companies, a year back, in bulk."""
    from klient.activities.models import Activity, CallOutcome

    rng = random.Random(11)
    companies = list(Company.objects.filter(owner=owner).values_list("pk", flat=True)[:2000])
    outcomes = list(CallOutcome.objects.all())
    now = timezone.now()
    batch: list[Activity] = []
    for number in range(count):
        at = now - datetime.timedelta(minutes=rng.randint(0, 365 * 24 * 60))
        is_task = number % 10 == 0
        # One in twenty is a proposal email (the target counts them once per company a day).
        is_email = number % 20 == 1
        batch.append(
            Activity(
                kind="task" if is_task else "email" if is_email else "call",
                company_id=rng.choice(companies),
                owner=owner,
                subject=f"Activity {number}",
                due_at=at if is_task else None,
                done_at=None if is_task else at,
                outcome=None if is_task or is_email else rng.choice(outcomes),
                outcome_reason="" if is_task or is_email else "bench",
                purpose="proposal" if is_email else "",
                at=at,
                created_at=at,
                updated_at=at,
            )
        )
        if len(batch) == 5000:
            Activity.objects.bulk_create(batch)
            batch = []
    Activity.objects.bulk_create(batch)


def fill_activities(rows: int, skip_owner: User) -> int:
    """Fill the activity table up to `rows` with done calls of the other users, a year back, on random
    companies; the database writes them (INSERT … SELECT over a series), 1M rows per statement."""
    from klient.activities.models import Activity, CallOutcome

    missing = rows - Activity.objects.count()
    if missing <= 0:
        return 0
    owners = list(User.objects.exclude(pk=skip_owner.pk).values_list("pk", flat=True).order_by("pk"))
    first_company = Company.objects.order_by("pk").values_list("pk", flat=True).first() or 0
    last_company = Company.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    outcome = CallOutcome.objects.get(code="reached").pk
    span = last_company - first_company + 1
    owner_case = " ".join(f"WHEN {index} THEN {pk}" for index, pk in enumerate(owners))
    done = 0
    with connection.cursor() as cursor:
        while done < missing:
            chunk = min(1_000_000, missing - done)
            if connection.vendor == "postgresql":
                series = f"SELECT generate_series({done}, {done + chunk - 1}) AS n"
                moment = "now() - (n % 525600) * interval '1 minute'"
            else:
                series = (
                    f"WITH RECURSIVE s(n) AS (SELECT {done} UNION ALL SELECT n + 1 FROM s WHERE n < {done + chunk - 1}) "
                    "SELECT n FROM s"
                )
                moment = "strftime('%Y-%m-%d %H:%M:%S', 'now', '-' || (n % 525600) || ' minutes')"
            # Integers computed here, no outside input.
            cursor.execute(
                "INSERT INTO activities_activity (kind, company_id, contact_id, direction, subject, notes, owner_id, "
                "due_at, done_at, duration, outcome_id, outcome_reason, follows_id, repeat, repeat_every, purpose, "
                "at, version, created_at, updated_at) "
                f"SELECT 'call', {first_company} + (CAST(n AS BIGINT) * 7919) % {span}, NULL, 'outbound', 'Filler call', '', "
                f"CASE n % {len(owners)} {owner_case} END, NULL, m, 60, {outcome}, '', NULL, '', 1, '', m, 1, m, m "
                f"FROM (SELECT n, {moment} AS m FROM ({series}) AS numbers) AS rows"
            )
            done += chunk
    return done


def add_deals(count: int) -> None:
    """`count` open deals over the companies, each owned by its company's owner, across the default
    pipeline's open stages, closing over the next six months; and a few hundred won in the last months."""
    from klient.sales.models import Deal, Pipeline, StageKind

    rng = random.Random(13)
    pipeline = Pipeline.objects.get(is_default=True)
    open_stages = list(pipeline.stages.filter(kind=StageKind.OPEN))
    won = pipeline.stages.get(kind=StageKind.WON)
    companies = list(Company.objects.order_by("pk").values_list("pk", "owner_id", "team_id"))
    today = timezone.localdate()
    now = timezone.now()
    batch: list[Deal] = []
    for number in range(count + count // 100):
        company_id, owner_id, team_id = companies[number % len(companies)]
        is_won = number >= count
        stage = won if is_won else rng.choice(open_stages)
        amount = decimal.Decimal(rng.randint(10, 5000) * 10)
        batch.append(
            Deal(
                title=f"Deal {number}",
                company_id=company_id,
                owner_id=owner_id,
                team_id=team_id,
                pipeline=pipeline,
                stage=stage,
                status=stage.kind,
                probability=stage.probability,
                amount=amount,
                currency="EUR",
                amount_base=amount,
                expected_close_date=today + datetime.timedelta(days=rng.randint(0, 180)),
                next_step="" if is_won else "Call",
                closed_at=now - datetime.timedelta(days=rng.randint(0, 60)) if is_won else None,
                stage_changed_at=now,
                created_at=now,
                updated_at=now,
            )
        )
        if len(batch) == 5000:
            Deal.objects.bulk_create(batch)
            batch = []
    Deal.objects.bulk_create(batch)


def quote_fixture(owner: User) -> tuple[Company, list[Any]]:
    """A company of the owner with a price type, and QUOTE_LINES products priced in it."""
    from klient.catalog.models import Price, PriceList, Product

    price_list = PriceList.objects.create(name="Bench list", currency="EUR")
    products = Product.objects.bulk_create(
        Product(
            sku=f"BENCH-{number:04d}",
            name=f"Paleta EUR {number} Żółta",
            names={"ru": f"Поддон {number}", "hy": f"Ծղոտե {number}", "zh-hans": f"托盘 {number}"},
            vat_rate=decimal.Decimal(23),
        )
        for number in range(QUOTE_LINES)
    )
    products = list(Product.objects.filter(sku__startswith="BENCH-").order_by("sku"))
    Price.objects.bulk_create(
        Price(price_list=price_list, product=product, amount=decimal.Decimal("12.345") + number)
        for number, product in enumerate(products)
    )
    company = Company.objects.filter(owner=owner).order_by("id").first()
    assert company is not None
    Company.objects.filter(pk=company.pk).update(
        price_type=price_list, document_currency="EUR", document_language="pl"
    )
    company.refresh_from_db()
    return company, products


def mass_proposal_throughput(owner: User, company: Company, products: list[Any]) -> dict[str, Any]:
    """A short quote's PDF alone (p50/p95), then a mass proposal of it to MASS_COMPANIES of the owner's
    companies (the bench's price list, a contact with an email each) end to end on this one process:
    every quote written at its company's prices, its PDF printed, its email delivered to the in-memory
    mail backend, the jobs run eagerly in line. PDFs a second over the whole run. The throttle is set to
    MASS_RATE a minute (20 a second), so that it is not what limits the figure: a step then takes all
    the companies (at the default 60 a minute a step takes 10, and the job waits 10 s between steps)."""
    from django.core import mail
    from django.test import override_settings

    from klient.celery import app
    from klient.sales.quotes.documents import quote_pdf
    from klient.sales.quotes.models import MassProposal
    from klient.sales.quotes.services import LineInput, mass_proposal_create, quote_create

    lines = [
        LineInput(product=product, quantity=decimal.Decimal(index + 1))
        for index, product in enumerate(products[:SHORT_QUOTE_LINES])
    ]
    with transaction.atomic():
        short = quote_create(actor=owner, company=company, lines=lines)
    figures: dict[str, Any] = {"quote_pdf_short_ms": measure(lambda: quote_pdf(short))}
    chosen = list(
        Company.objects.filter(owner=owner, contacts__email__gt="")
        .exclude(pk=company.pk)
        .order_by("id")
        .values_list("pk", flat=True)
        .distinct()[: MASS_COMPANIES + 2]
    )
    Company.objects.filter(pk__in=chosen).update(price_type=company.price_type, document_currency="EUR")
    warm, chosen = chosen[:2], chosen[2:]
    app.conf.task_always_eager = True
    try:
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
            MASS_PROPOSAL_PER_MINUTE=MASS_RATE,
            DEBUG=False,  # as a server runs: no query log (this bench's DEBUG is there to count queries)
        ):
            for companies in (warm, chosen):  # the first, of two companies, loads what is loaded once
                mail.outbox = []
                started = time.perf_counter()
                with transaction.atomic():  # the sending job starts when this commits
                    mass = mass_proposal_create(actor=owner, companies=companies, lines=lines)
                elapsed = time.perf_counter() - started
                delivered = len(mail.outbox)
    finally:
        app.conf.task_always_eager = False
    mass = MassProposal.objects.get(pk=mass.pk)
    if mass.sent_count != len(chosen) or delivered != len(chosen):
        raise SystemExit(f"mass proposal: {mass.sent_count} sent, {delivered} delivered of {len(chosen)}")
    figures["mass_proposal_companies"] = len(chosen)
    figures["mass_proposal_seconds"] = round(elapsed, 2)
    figures["mass_proposal_pdfs_per_second"] = round(len(chosen) / elapsed, 1)
    return figures


def measure(call: Callable[[], Any]) -> dict[str, Any]:
    call()  # warm
    timings = []
    connection.queries_log.clear()  # DEBUG keeps at most 9000 queries; start counting from empty
    with CaptureQueriesContext(connection) as queries:
        call()
    for _ in range(REPEAT):
        start = time.perf_counter()
        call()
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    return {
        "p50_ms": round(statistics.median(timings), 2),
        "p95_ms": round(timings[max(int(len(timings) * 0.95) - 1, 0)], 2),
        "queries": len(queries.captured_queries),
    }


def cpu_reference_ms() -> float:
    """A fixed pure-Python loop (median of three runs): how fast this machine's core is right now. On a
    shared virtual machine it varies by half from one minute to the next; every figure moves with it."""
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        total = 0
        for number in range(2_000_000):
            total += number * number
        timings.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(timings), 1)


def api_client(user: User) -> Client:
    _token, raw = api_token_create(user=user, name="bench")
    return Client(headers={"Authorization": f"Bearer {raw}"})


def ok(response: Any) -> Any:
    if response.status_code != 200:
        raise SystemExit(f"unexpected {response.status_code} for {response.request['PATH_INFO']}")
    return response


def created(response: Any) -> Any:
    if response.status_code != 201:
        raise SystemExit(f"not created ({response.status_code}): {response.content[:500]!r}")
    return response


def redirected(response: Any) -> Any:
    if response.status_code != 302:
        raise SystemExit(f"not saved ({response.status_code}): {response.content[:500]!r}")
    return response


def found(response: Any, minimum: int = 1) -> Any:
    """The search must find something: a fast empty answer is not a figure."""
    items = ok(response).json()["items"]
    if len(items) < minimum:
        raise SystemExit(
            f"search found nothing: {response.request['PATH_INFO']}?{response.request['QUERY_STRING']}"
        )
    return response


def main() -> None:
    # Before anything connects: the bench database starts empty (importing this module changes nothing).
    _fresh_postgres_database()
    cpu_at_start = cpu_reference_ms()
    # Keep one connection across requests, as a long-running server process does (and so queries are counted).
    request_finished.disconnect(close_old_connections)
    with tempfile.TemporaryDirectory() as workdir:
        started = time.perf_counter()
        people, imported, probe = build(Path(workdir))
    results: dict[str, Any] = {
        "rows": ROWS,
        "database": connection.vendor,
        "cpu_reference_ms_at_start": cpu_at_start,
        "build_seconds": round(time.perf_counter() - started, 1),
        "companies": Company.objects.count(),
        "contacts": Contact.objects.count(),
        "import_companies_csv": imported,
    }

    admin_api = api_client(people["admin"])
    am_api = api_client(people["account_manager"])
    manager_api = api_client(people["manager"])
    results["api_companies_first_page_admin"] = measure(
        lambda: ok(admin_api.get("/api/v1/companies?limit=50"))
    )
    results["api_companies_first_page_account_manager"] = measure(
        lambda: ok(am_api.get("/api/v1/companies?limit=50"))
    )
    results["api_companies_first_page_manager"] = measure(
        lambda: ok(manager_api.get("/api/v1/companies?limit=50"))
    )
    response = ok(admin_api.get("/api/v1/companies?limit=200")).json()
    cursor_at_depth = None
    for _ in range(min(50, ROWS // 200 - 1)):  # 10,000 rows deep
        cursor_at_depth = response["next"]
        response = ok(admin_api.get(f"/api/v1/companies?limit=200&cursor={cursor_at_depth}")).json()
    results["api_companies_page_10000_rows_deep"] = measure(
        lambda: ok(admin_api.get(f"/api/v1/companies?limit=50&cursor={cursor_at_depth}"))
    )
    results["api_companies_sorted_newest"] = measure(
        lambda: ok(admin_api.get("/api/v1/companies?limit=50&sort=-created"))
    )
    results["api_companies_search_common_word"] = measure(
        lambda: found(admin_api.get("/api/v1/companies?limit=50&q=zazolc"))
    )
    results["api_companies_search_name"] = measure(
        lambda: found(admin_api.get("/api/v1/companies", {"limit": 50, "q": probe["name"]}))
    )
    national_digits = "".join(ch for ch in probe["phone"] if ch.isdigit())
    results["api_companies_search_phone"] = measure(
        lambda: found(admin_api.get("/api/v1/companies", {"limit": 50, "q": national_digits}))
    )
    results["api_companies_search_name_account_manager"] = measure(
        lambda: ok(am_api.get("/api/v1/companies?limit=50&q=zazolc"))
    )
    results["api_contacts_search_name"] = measure(
        lambda: found(admin_api.get("/api/v1/contacts", {"limit": 50, "q": "hodzic"}))
    )
    results["api_company_read"] = measure(lambda: ok(admin_api.get(f"/api/v1/companies/{ROWS // 2}")))

    ui = Client()
    ui.force_login(people["manager"], backend="django.contrib.auth.backends.ModelBackend")
    results["ui_company_list_manager"] = measure(lambda: ok(ui.get("/companies/")))
    results["ui_company_list_search_manager"] = measure(lambda: ok(ui.get("/companies/?q=cevapi")))
    agent_ui = Client()
    agent_ui.force_login(people["agent"], backend="django.contrib.auth.backends.ModelBackend")
    results["ui_company_list_all_rows"] = measure(lambda: ok(agent_ui.get("/companies/")))
    results["ui_company_list_search_all_rows"] = measure(lambda: ok(agent_ui.get("/companies/?q=ромашка")))
    results["ui_search_page"] = measure(lambda: ok(agent_ui.get("/search/?q=ромашка")))

    card_company = Company.objects.filter(team=people["manager"].team).order_by("id").first()
    assert card_company is not None
    results["ui_client_card"] = measure(lambda: ok(ui.get(f"/companies/{card_company.pk}/")))
    add_timeline(card_company, people["manager"])
    results[f"ui_client_card_{TIMELINE_ENTRIES}_timeline_entries"] = measure(
        lambda: ok(ui.get(f"/companies/{card_company.pk}/"))
    )

    # Activities: a rep with 100,000 of them lists theirs and logs calls (each call is stored).
    rep = people["account_manager"]
    add_activities(rep, ACTIVITIES)
    if ACTIVITY_ROWS:
        started = time.perf_counter()
        results["activity_rows_added"] = fill_activities(ACTIVITY_ROWS, rep)
        results["activity_rows_seconds"] = round(time.perf_counter() - started, 1)
    from klient.activities.services import company_last_call_refresh

    # Written in bulk: the companies' last calls are set from them, as the services do for each call.
    company_last_call_refresh()
    with connection.cursor() as cursor:
        # As after the import (autovacuum does the same for a table that grew this much).
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    rep_company = Company.objects.filter(owner=rep).order_by("id").first()
    assert rep_company is not None
    results["activities"] = ACTIVITIES
    results["activity_table_rows"] = Activity.objects.count()
    results["api_activities_mine"] = measure(lambda: ok(am_api.get("/api/v1/activities?owner=me&limit=50")))
    results["api_activities_mine_open"] = measure(
        lambda: ok(am_api.get("/api/v1/activities?owner=me&done=false&limit=50"))
    )
    results["api_activities_company_month"] = measure(
        lambda: ok(
            am_api.get(
                f"/api/v1/activities?company={rep_company.pk}&start="
                f"{(timezone.now() - datetime.timedelta(days=30)).date()}&limit=50"
            )
        )
    )
    call = {"kind": "call", "company": rep_company.pk, "subject": "Bench call", "outcome": "reached"}
    results["api_log_call"] = measure(
        lambda: created(
            am_api.post(
                "/api/v1/activities",
                {**call, "done_at": timezone.now().isoformat()},
                content_type="application/json",
            )
        )
    )
    rep_ui = Client()
    rep_ui.force_login(rep, backend="django.contrib.auth.backends.ModelBackend")
    results["ui_log_call"] = measure(
        lambda: redirected(
            rep_ui.post(
                f"/activities/calls/{rep_company.pk}/", {"outcome": "reached", "direction": "outbound"}
            )
        )
    )
    # The rep's day and targets (the account manager role's default targets apply), and the team board.
    results["api_my_day"] = measure(lambda: ok(am_api.get("/api/v1/my-day")))
    results["ui_my_day"] = measure(lambda: ok(rep_ui.get("/activities/my-day/")))
    results["api_target_progress"] = measure(lambda: ok(am_api.get("/api/v1/targets/progress")))
    results["ui_target_board_manager"] = measure(lambda: ok(ui.get("/activities/targets/")))

    # Deals: the board and the forecast over DEALS open deals (the manager sees a quarter of them).
    started = time.perf_counter()
    add_deals(DEALS)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    results["deals_open"] = DEALS
    results["deals_build_seconds"] = round(time.perf_counter() - started, 1)
    results["api_deals_board_admin"] = measure(lambda: ok(admin_api.get("/api/v1/deals/board")))
    results["api_deals_board_manager"] = measure(lambda: ok(manager_api.get("/api/v1/deals/board")))
    results["ui_deals_board_manager"] = measure(lambda: ok(ui.get("/deals/")))
    results["api_deals_forecast_admin"] = measure(lambda: ok(admin_api.get("/api/v1/deals/forecast")))
    results["api_deals_forecast_manager_by_owner"] = measure(
        lambda: ok(manager_api.get("/api/v1/deals/forecast?group_by=owner"))
    )
    results["api_deals_list_manager"] = measure(lambda: ok(manager_api.get("/api/v1/deals?limit=50")))

    # A quote of QUOTE_LINES lines: priced and totalled (the service), then its PDF.
    from klient.sales.quotes.documents import quote_pdf
    from klient.sales.quotes.services import LineInput, quote_create

    quote_company, quote_products = quote_fixture(rep)
    lines = [
        LineInput(product=product, quantity=decimal.Decimal(3), discount_percent=None)
        for product in quote_products
    ]
    quotes: list[Any] = []

    def write_quote() -> None:
        with transaction.atomic():
            quotes.append(quote_create(actor=rep, company=quote_company, lines=lines))

    results["quote_200_lines_totals"] = measure(write_quote)
    results["quote_200_lines_pdf"] = measure(lambda: quote_pdf(quotes[-1]))
    results["api_quote_200_lines_read"] = measure(lambda: ok(am_api.get(f"/api/v1/quotes/{quotes[-1].pk}")))
    results.update(mass_proposal_throughput(rep, quote_company, quote_products))

    # The service desk: mailgate, SLA recomputation, the ticket queue (see tests.bench.service).
    from tests.bench.service import run as service_figures

    results.update(service_figures(people))
    results["cpu_reference_ms_at_end"] = cpu_reference_ms()
    json.dump(results, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
