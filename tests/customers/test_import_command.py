"""`klient import`: one JSON object on stdout; exit 0 all accepted, 1 some rejected, 2 unreadable."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from klient.customers.models import Company, ImportJob, ImportStatus
from klient.customers.tasks import import_run

FILES = Path(__file__).parent / "files"


def klient_import(*args: str) -> tuple[int, dict[str, Any]]:
    out = io.StringIO()
    code = 0
    try:
        call_command("import", *args, stdout=out)
    except SystemExit as exit:
        code = int(exit.code or 0)
    return code, json.loads(out.getvalue())


def test_exit_0_when_every_row_is_accepted(root):
    code, summary = klient_import("companies", str(FILES / "companies_excel_unicode.txt"))
    assert code == 0
    assert summary == {
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "skipped": 0,
        "errors": [],
        "duplicates": [],
    }
    assert set(Company.objects.values_list("owner__username", flat=True)) == {"root"}


def test_exit_1_when_some_rows_are_rejected(alice):
    code, summary = klient_import("companies", str(FILES / "companies_ru_cp1251.csv"), "--user", "alice")
    assert code == 1
    assert summary["created"] == 3
    assert summary["errors"] == [{"row": 5, "field": "name", "message": "A company needs a name."}]


def test_exit_2_when_the_file_cannot_be_read(root, tmp_path):
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(200))
    code, summary = klient_import("companies", str(path))
    assert code == 2
    assert "old Excel workbook" in summary["detail"]
    assert Company.objects.count() == 0


def test_dry_run_changes_nothing_and_reimport_is_idempotent(root):
    code, dry = klient_import("companies", str(FILES / "companies_pl.xlsx"), "--dry-run")
    assert (code, dry["created"], Company.objects.count()) == (0, 2, 0)
    klient_import("companies", str(FILES / "companies_pl.xlsx"))
    code, again = klient_import("companies", str(FILES / "companies_pl.xlsx"))
    assert (code, again["created"], again["unchanged"], Company.objects.count()) == (0, 0, 2, 2)


def test_map_key_and_atomic(root, tmp_path):
    path = tmp_path / "erp.csv"
    with open(path, "w", encoding="utf-8", newline="") as stream:
        csv.writer(stream, delimiter=";").writerows(
            [["Kontrahent X", "Kod ERP", "Mail"], ["Acme", "A-1", "bad"], ["Beta", "B-1", ""]]
        )
    code, summary = klient_import(
        "companies", str(path), "--map", "Kontrahent X=name", "--map", "Kod ERP=external_id", "--atomic"
    )
    assert (code, summary["created"], summary["skipped"], Company.objects.count()) == (1, 0, 2, 0)
    code, summary = klient_import(
        "companies", str(path), "--map", "Kontrahent X=name", "--map", "Kod ERP=external_id", "--map", "Mail="
    )
    assert (code, summary["created"]) == (0, 2)
    with open(path, "w", encoding="utf-8", newline="") as stream:
        csv.writer(stream, delimiter=";").writerows([["Kod ERP", "Miasto"], ["A-1", "Poznań"]])
    code, summary = klient_import(
        "companies", str(path), "--map", "Kod ERP=external_id", "--key", "external_id"
    )
    assert (code, summary["updated"], Company.objects.get(external_id="A-1").city) == (0, 1, "Poznań")


def test_an_unknown_field_in_map_exits_2(root):
    code, summary = klient_import("companies", str(FILES / "companies_pl.xlsx"), "--map", "Nazwa=nonsense")
    assert code == 2
    assert summary["detail"].startswith("Unknown field: nonsense.")


def test_the_rejected_file(root, tmp_path):
    rejected = tmp_path / "rejected.csv"
    klient_import("companies", str(FILES / "companies_ru_cp1251.csv"), "--rejected", str(rejected))
    assert rejected.read_text(encoding="utf-8-sig").splitlines() == [
        "Наименование,ИНН,Город,Телефон,Эл. почта,row,field,reason",
        ",7701234567,Тверь,+7 4822 11-22-33,no-name@example.ru,5,name,A company needs a name.",
    ]


@pytest.fixture
def job(alice, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "imports").mkdir()
    shutil.copy(
        FILES / "companies_ru_cp1251.csv", tmp_path / "imports" / "upload"
    )  # no extension: content decides
    return ImportJob.objects.create(
        user=alice,
        kind="companies",
        file="imports/upload",
        original_name="firmy.csv",
        options={"columns": None, "key": "", "atomic": False},
        status=ImportStatus.QUEUED,
    )


def test_the_task_runs_a_job_once(job):
    assert import_run(job.pk) == ImportStatus.DONE
    job.refresh_from_db()
    assert (job.status, job.processed_rows, job.total_rows) == (ImportStatus.DONE, 4, 4)
    assert job.result["created"] == 3
    assert job.result["errors"] == [{"row": 5, "field": "name", "message": "A company needs a name."}]
    assert job.rejected_file.name.endswith(".csv")
    assert "row,field,reason" in job.rejected_file.read().decode("utf-8-sig")
    # A second delivery of the same message finds the job done and does nothing.
    assert import_run(job.pk) == ImportStatus.DONE
    assert Company.objects.count() == 3


def test_a_dry_run_job_stores_nothing(job):
    ImportJob.objects.filter(pk=job.pk).update(is_dry_run=True)
    import_run(job.pk)
    job.refresh_from_db()
    assert (job.status, job.result["created"], Company.objects.count()) == (ImportStatus.DONE, 3, 0)


def test_an_unreadable_job_fails_with_the_reason(job, settings):
    (Path(settings.MEDIA_ROOT) / "imports" / "upload").write_bytes(b"")
    import_run(job.pk)
    job.refresh_from_db()
    assert (job.status, job.error) == (ImportStatus.FAILED, "The file is empty.")
