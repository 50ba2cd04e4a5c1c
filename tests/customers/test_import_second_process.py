"""A large file is read and parsed in a second process: the import stores and reports exactly what the
single-process import does, and a failure of the second process stops the import without writing."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pytest
from django.contrib.contenttypes.models import ContentType

from klient.core.models import AuditEntry
from klient.customers import importing
from klient.customers.importing import CompanyImporter, ImportOptions, import_file, uses_second_process
from klient.customers.models import Company

HEADER = ["name", "tax_id", "country", "city", "phone", "email", "website", "owner", "size", "price_type"]
STORED = [
    "name",
    "tax_id",
    "tax_id_key",
    "country",
    "city",
    "phone",
    "phone_e164",
    "email",
    "website",
    "website_domain",
    "name_key",
    "search_text",
    "owner__username",
    "team__name",
    "size",
    "price_type__name",
    "status",
]


def _rows(owner: str) -> list[list[str]]:
    styles = [
        ("Zażółć {}", "PL", "Łódź", "+48 22 {:03d} 45 67"),
        ("ООО «Север {}»", "RU", "Москва", "8 (495) {:03d}-45-67"),
        ("明光贸易{}有限公司", "CN", "上海", "+86 21 1234 5{:03d}"),
        ("Ćevapi {} d.o.o.", "BA", "Sarajevo", "+387 33 {:03d} 456"),
    ]
    rows = []
    for n in range(1, 1201):
        name, country, city, phone = styles[n % len(styles)]
        rows.append(
            [
                name.format(n),
                f"{country}{7000000000 + n}",
                country,
                city,
                phone.format(n % 1000),
                f"office@firm{n}.example.com",
                f"https://www.firm{n}.example.com/",
                owner if n % 3 else "",
                "10-49" if n % 2 else "",
                # By name or as the history shows it, ignoring case.
                ("Wholesale", "retail (pln)", "")[n % 3],
            ]
        )
    rows[10][5] = "not an email"  # bad value
    rows[20][7] = "nobody"  # unknown owner: rejected after parsing, by the first process
    rows[30][0] = ""  # no name
    rows[41] = [*rows[5][:1], *rows[41][1:]]  # same name and country as an earlier row
    rows[50][1] = rows[6][1]  # same tax id as an earlier row
    rows[60][2] = "Atlantis"  # unknown country
    rows[70][9] = "Platinum"  # unknown price type
    return rows


def _write(path: Path, rows: list[list[str]], broken_at: int | None = None) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(HEADER)
        for index, row in enumerate(rows):
            if index == broken_at:
                # A cell longer than the CSV reader takes: the file cannot be read past this row.
                stream.write('"' + "x" * (16 * 1024 * 1024 + 1) + '",PL\r\n')
            writer.writerow(row)
    return path


def _import(path: Path, actor, settings, *, second_process: bool) -> tuple[dict, str, list[tuple[int, int]]]:
    settings.IMPORT_PARALLEL_BYTES = 0 if second_process else None
    assert uses_second_process(path) is second_process
    rejected = io.StringIO()
    progress: list[tuple[int, int]] = []
    result = import_file(
        path=path,
        actor=actor,
        options=ImportOptions(kind="companies"),
        rejected_csv=rejected,
        progress=lambda done, total: progress.append((done, total)),
    )
    return result.as_dict(), rejected.getvalue(), progress


def _stored() -> tuple[list[tuple], list[tuple]]:
    companies = list(Company.objects.order_by("tax_id_key", "name_key").values_list(*STORED))
    history = list(
        AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(Company))
        .order_by("object_repr")
        .values_list("object_repr", "action", "actor_id", "changes")
    )
    return companies, history


@pytest.mark.parametrize("broken_at", [None, 1100])
def test_the_second_process_imports_exactly_what_one_process_does(
    alice, tmp_path, settings, monkeypatch, broken_at, wholesale, retail
):
    monkeypatch.setattr(importing, "BATCH_SIZE", 250)
    monkeypatch.setattr(importing, "PROGRESS_EVERY", 250)
    path = _write(tmp_path / "companies.csv", _rows(alice.username), broken_at)

    alone = _import(path, alice, settings, second_process=False)
    stored_alone = _stored()
    Company.objects.all().delete()
    AuditEntry.objects.all()._raw_delete(AuditEntry.objects.db)  # history is append-only for the product

    pids = tmp_path / "pids"
    original = importing._prepare_rows

    def recording(*args):
        pids.write_text(str(os.getpid()))
        original(*args)

    monkeypatch.setattr(importing, "_prepare_rows", recording)
    together = _import(path, alice, settings, second_process=True)

    assert int(pids.read_text()) != os.getpid()  # the rows were parsed in another process
    assert together == alone
    assert _stored() == stored_alone
    summary = alone[0]
    expected_created = 1200 - 7 if broken_at is None else broken_at - 7
    assert (summary["created"], summary["updated"], summary["unchanged"]) == (expected_created, 0, 0)
    assert [(error["row"], error["field"]) for error in summary["errors"]] == [
        (12, "email"),
        (22, "owner"),
        (32, "name"),
        (62, "country"),
        (72, "price_type"),
        *([(broken_at + 2, "")] if broken_at is not None else []),
    ]
    assert [(duplicate["row"], duplicate["matches"]) for duplicate in summary["duplicates"]] == [
        (43, ["row 7"]),
        (52, ["row 8"]),
    ]
    assert len(stored_alone[0]) == expected_created
    expected_types: dict[str, str | None] = {}
    for row in _rows(alice.username):
        expected_types.setdefault(row[0], {"Wholesale": "Wholesale", "retail (pln)": "Retail"}.get(row[9]))
    stored_types = dict(Company.objects.values_list("name", "price_type__name"))
    assert stored_types == {name: expected_types[name] for name in stored_types}
    assert list(stored_types.values()).count("Retail") > 300
    some = Company.objects.filter(price_type=retail).first()
    created = AuditEntry.objects.get(object_id=some.pk, content_type__model="company").changes
    assert created["price_type"] == {
        "from": None,
        "to": retail.pk,
        "from_label": None,
        "to_label": "Retail (PLN)",
    }


def test_a_failing_second_process_stops_the_import_and_stores_nothing(alice, tmp_path, settings, monkeypatch):
    path = _write(tmp_path / "companies.csv", _rows(alice.username))
    original = CompanyImporter.parse_plain

    def failing(self, number, cells):
        if number == 500:
            raise ValueError("a bug in parsing")
        return original(self, number, cells)

    monkeypatch.setattr(CompanyImporter, "parse_plain", failing)
    history = AuditEntry.objects.count()
    with pytest.raises(RuntimeError, match="a bug in parsing"):
        _import(path, alice, settings, second_process=True)
    assert Company.objects.count() == 0
    assert AuditEntry.objects.count() == history


def test_only_large_files_use_a_second_process(tmp_path, settings):
    path = tmp_path / "small.csv"
    path.write_text("name\nAcme\n", encoding="utf-8")
    settings.IMPORT_PARALLEL_BYTES = 11
    assert uses_second_process(path) is False
    settings.IMPORT_PARALLEL_BYTES = 10
    assert uses_second_process(path) is (len(os.sched_getaffinity(0)) > 1)
    settings.IMPORT_PARALLEL_BYTES = None
    assert uses_second_process(path) is False
