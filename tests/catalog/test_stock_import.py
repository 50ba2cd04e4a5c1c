"""Stock from a CSV file (`klient import stock`) and from an ERP's feed (POST /api/v1/products/stock):
rows checked first, a rejected row named by number and field and changing nothing, a dry run storing
nothing, `--atomic` storing nothing when one row is rejected, and a second run of the same file
changing nothing."""

import datetime
import json
from decimal import Decimal

import pytest
from django.core.management import call_command

from klient.catalog.models import Stock, Warehouse
from klient.catalog.services import product_create
from klient.core.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def products(mike):
    Warehouse.objects.create(code="south", name="South")
    product_create(actor=mike, sku="PAL-EUR", name="Euro pallet")
    product_create(actor=mike, sku="PAL-HALF", name="Half pallet")
    product_create(actor=mike, sku="INST", name="Installation", is_service=True)


def run_import(path, *options, user="lena"):
    from io import StringIO

    out = StringIO()
    try:
        call_command("import", "stock", str(path), "--user", user, *options, stdout=out)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return code, json.loads(out.getvalue().strip().splitlines()[-1])


def stock():
    return sorted(
        (row.product.sku, row.warehouse.code, row.available, row.restock_date)
        for row in Stock.objects.select_related("product", "warehouse")
    )


GOOD = "SKU;Warehouse;Available;Restock date\nPAL-EUR;;12,5;2026-03-10\npal-half;south;3;15.04.2026\n"


def test_a_file_sets_stock_and_a_second_run_changes_nothing(tmp_path, lena, products):
    path = tmp_path / "stock.csv"
    path.write_text(GOOD, encoding="utf-8")
    code, summary = run_import(path)
    assert code == 0
    assert summary == {
        "kind": "stock",
        "rows": 2,
        "updated": 2,
        "unchanged": 0,
        "rejected": 0,
        "dry_run": False,
        "errors": [],
    }
    assert stock() == [
        ("PAL-EUR", "main", Decimal("12.5"), datetime.date(2026, 3, 10)),
        ("PAL-HALF", "south", Decimal("3"), datetime.date(2026, 4, 15)),
    ]
    audit = AuditEntry.objects.count()
    code, again = run_import(path)
    assert (code, again["updated"], again["unchanged"]) == (0, 0, 2)
    assert AuditEntry.objects.count() == audit


def test_rejected_rows_are_named_and_the_others_are_stored(tmp_path, lena, products):
    path = tmp_path / "stock.csv"
    path.write_text(
        "sku,warehouse,available,restock_date\n"
        "PAL-EUR,,7,\n"
        "NOPE,,1,\n"
        "PAL-HALF,north,1,\n"
        "INST,,1,\n"
        "PAL-HALF,,-2,\n"
        "PAL-HALF,,1,31.02.2026\n",
        encoding="utf-8",
    )
    code, summary = run_import(path)
    assert code == 1
    assert [(error["row"], error["field"]) for error in summary["errors"]] == [
        (3, "sku"),
        (4, "warehouse"),
        (5, "sku"),
        (6, "available"),
        (7, "restock_date"),
    ]
    assert (summary["updated"], summary["rejected"]) == (1, 5)
    assert stock() == [("PAL-EUR", "main", Decimal("7"), None)]


def test_a_dry_run_and_an_atomic_run_with_a_bad_row_store_nothing(tmp_path, lena, products):
    path = tmp_path / "stock.csv"
    path.write_text(GOOD, encoding="utf-8")
    code, summary = run_import(path, "--dry-run")
    assert (code, summary["updated"], summary["dry_run"]) == (0, 2, True)
    assert stock() == []
    path.write_text(GOOD + "NOPE;;1;\n", encoding="utf-8")
    code, summary = run_import(path, "--atomic")
    assert (code, summary["updated"], summary["rejected"]) == (1, 0, 1)
    assert stock() == []


def test_a_file_without_the_needed_columns_is_refused_whole(tmp_path, lena, products):
    path = tmp_path / "stock.csv"
    path.write_text("name;qty\nEuro pallet;1\n", encoding="utf-8")
    code, summary = run_import(path)
    assert code == 2
    assert "sku" in summary["detail"]
    assert stock() == []


def test_a_rep_may_not_import_stock(tmp_path, alice, products):
    path = tmp_path / "stock.csv"
    path.write_text(GOOD, encoding="utf-8")
    code, summary = run_import(path, user="alice")
    assert (code, summary) == (2, {"detail": "You may not change stock."})
    assert stock() == []


def test_an_erp_feeds_stock_through_the_api(api, lena, alice, products):
    body = {
        "items": [
            {"sku": "PAL-EUR", "available": "40", "restock_date": None},
            {"sku": "PAL-HALF", "warehouse": "south", "available": 2},
            {"sku": "GONE", "available": "1"},
        ]
    }
    response = api(lena).post("/products/stock", body)
    assert response.status_code == 200
    assert response.json() == {
        "rows": 3,
        "updated": 2,
        "unchanged": 0,
        "rejected": 1,
        "dry_run": False,
        "errors": [{"row": 2, "field": "sku", "message": "No product with the SKU “GONE”."}],
    }
    assert stock() == [("PAL-EUR", "main", Decimal("40"), None), ("PAL-HALF", "south", Decimal("2"), None)]
    assert api(alice).post("/products/stock", body).status_code == 403
