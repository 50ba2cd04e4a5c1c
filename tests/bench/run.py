"""`make bench`: build a large customer base on SQLite and print latency figures as JSON.

Rows: KLIENT_BENCH_ROWS (default 100000). Runs in-process through Django's test client, so the figures
are server time (routing, auth, visibility, queries, rendering) without network.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "klient.settings")
os.environ.setdefault("KLIENT_API_RATE_LIMIT", "1000000/m")
os.environ.setdefault("KLIENT_DEBUG", "1")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.core.signals import request_finished  # noqa: E402
from django.db import (  # noqa: E402
    close_old_connections,
    connection,
    transaction,
)
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from klient.core.models import Role, User  # noqa: E402
from klient.core.search import fold  # noqa: E402
from klient.core.services import api_token_create, team_get_or_create, user_create  # noqa: E402
from klient.customers.models import Company  # noqa: E402

ROWS = int(os.environ.get("KLIENT_BENCH_ROWS", "100000"))
REPEAT = int(os.environ.get("KLIENT_BENCH_REPEAT", "30"))
WORDS = [
    "Zażółć",
    "Ćevapi",
    "Ромашка",
    "Արարատ",
    "明光贸易",
    "Acme",
    "Nordic",
    "Baltic",
    "Sever",
    "Volga",
    "Kraków",
]
SUFFIXES = ["Sp. z o.o.", "d.o.o.", "ООО", "ՍՊԸ", "有限公司", "Ltd", "GmbH", "S.A."]


def build() -> dict[str, User]:
    call_command("migrate", verbosity=0)
    teams = [team_get_or_create(name=f"Team {n}") for n in range(4)]
    users = [
        user_create(username=f"am{n}", role=Role.ACCOUNT_MANAGER, team=teams[n % 4], password="bench-pass-1")
        for n in range(20)
    ]
    manager = user_create(username="manager", role=Role.SALES_MANAGER, team=teams[0], password="bench-pass-1")
    admin = user_create(username="admin", role=Role.ADMIN, password="bench-pass-1")
    agent = user_create(username="agent", role=Role.SERVICE_AGENT, password="bench-pass-1")
    rng = random.Random(42)
    batch: list[Company] = []
    with transaction.atomic():
        for n in range(ROWS):
            owner = users[n % len(users)]
            name = f"{rng.choice(WORDS)} {n:07d} {rng.choice(SUFFIXES)}"
            tax_id = f"PL{7000000000 + n}"
            batch.append(
                Company(
                    name=name,
                    legal_name=name,
                    country=rng.choice(["PL", "RU", "BA", "AM", "CN", "GB"]),
                    tax_id=tax_id,
                    owner=owner,
                    team=owner.team,
                    search_text=fold(f"{name} {name} {tax_id}"),
                )
            )
            if len(batch) == 5000:
                Company.objects.bulk_create(batch)
                batch = []
        Company.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE") if connection.vendor == "sqlite" else None
    return {"account_manager": users[0], "manager": manager, "admin": admin, "agent": agent}


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
        "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 2),
        "queries": len(queries.captured_queries),
    }


def api_client(user: User) -> Client:
    _token, raw = api_token_create(user=user, name="bench")
    return Client(headers={"Authorization": f"Bearer {raw}"})


def ok(response: Any) -> Any:
    if response.status_code != 200:
        raise SystemExit(f"unexpected {response.status_code} for {response.request['PATH_INFO']}")
    return response


def main() -> None:
    # Keep one connection across requests, as a long-running server process does (and so queries are counted).
    request_finished.disconnect(close_old_connections)
    started = time.perf_counter()
    people = build()
    build_seconds = round(time.perf_counter() - started, 1)
    results: dict[str, Any] = {"rows": ROWS, "database": connection.vendor, "build_seconds": build_seconds}

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

    cursor_at_depth = None
    response = ok(admin_api.get("/api/v1/companies?limit=200")).json()
    for _ in range(50):  # 10,000 rows deep
        cursor_at_depth = response["next"]
        response = ok(admin_api.get(f"/api/v1/companies?limit=200&cursor={cursor_at_depth}")).json()
    results["api_companies_page_10000_rows_deep"] = measure(
        lambda: ok(admin_api.get(f"/api/v1/companies?limit=50&cursor={cursor_at_depth}"))
    )
    results["api_companies_sorted_newest"] = measure(
        lambda: ok(admin_api.get("/api/v1/companies?limit=50&sort=-created"))
    )
    results["api_companies_search_word"] = measure(
        lambda: ok(admin_api.get("/api/v1/companies?limit=50&q=zazolc"))
    )
    results["api_companies_search_rare"] = measure(
        lambda: ok(admin_api.get("/api/v1/companies?limit=50&q=0004242"))
    )
    results["api_company_read"] = measure(lambda: ok(admin_api.get("/api/v1/companies/4242")))

    ui = Client()
    ui.force_login(people["manager"], backend="django.contrib.auth.backends.ModelBackend")
    results["ui_company_list_manager"] = measure(lambda: ok(ui.get("/companies/")))
    team_company = Company.objects.filter(team=people["manager"].team).values_list("pk", flat=True).first()
    results["ui_company_card"] = measure(lambda: ok(ui.get(f"/companies/{team_company}/")))
    agent_ui = Client()
    agent_ui.force_login(people["agent"], backend="django.contrib.auth.backends.ModelBackend")
    results["ui_company_list_all_rows"] = measure(lambda: ok(agent_ui.get("/companies/")))
    results["ui_search_page"] = measure(lambda: ok(agent_ui.get("/search/?q=ромашка")))
    json.dump(results, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
