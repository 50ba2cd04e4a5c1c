"""Uploads never imported for real are deleted, with their files, a week after their last step."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from klient.customers import tasks
from klient.customers.import_views import import_job_create
from klient.customers.models import ImportJob, ImportStatus
from klient.customers.services import ABANDONED_IMPORT_DAYS, import_jobs_purge_abandoned

NOW = datetime.datetime(2026, 12, 5, 3, 17, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _job(
    alice, name: str, *, status: str, dry_run: bool, days_ago: float, rejected: bool = False
) -> ImportJob:
    job = import_job_create(
        user=alice, kind="companies", upload=SimpleUploadedFile(f"{name}.csv", b"name\nAcme\n")
    )
    when = NOW - datetime.timedelta(days=days_ago)
    if rejected:
        job.rejected_file.save(f"{name}-rejected.csv", ContentFile(b"name,row,field,reason\n"), save=False)
    ImportJob.objects.filter(pk=job.pk).update(
        status=status,
        is_dry_run=dry_run,
        created_at=when - datetime.timedelta(hours=1),
        finished_at=None if status == ImportStatus.UPLOADED else when,
        rejected_file=job.rejected_file.name if rejected else "",
    )
    return ImportJob.objects.get(pk=job.pk)


def _files() -> list[str]:
    root = Path(django_settings.MEDIA_ROOT)
    return sorted(path.name for path in root.rglob("*") if path.is_file())


def test_abandoned_uploads_go_with_their_files_and_imports_stay(alice):
    week = ABANDONED_IMPORT_DAYS
    left_at_columns = _job(alice, "columns", status=ImportStatus.UPLOADED, dry_run=False, days_ago=week + 1)
    tried = _job(alice, "tried", status=ImportStatus.DONE, dry_run=True, days_ago=week + 1, rejected=True)
    tried_failed = _job(alice, "tried-failed", status=ImportStatus.FAILED, dry_run=True, days_ago=week + 2)
    recent = _job(alice, "recent", status=ImportStatus.UPLOADED, dry_run=False, days_ago=week - 1)
    recent_trial = _job(alice, "recent-trial", status=ImportStatus.DONE, dry_run=True, days_ago=week - 1)
    imported = _job(alice, "imported", status=ImportStatus.DONE, dry_run=False, days_ago=300, rejected=True)
    running = _job(alice, "running", status=ImportStatus.QUEUED, dry_run=False, days_ago=week + 5)
    kept = [recent, recent_trial, imported, running]
    gone = [left_at_columns, tried, tried_failed]
    before = _files()
    assert len(before) == 9  # seven uploads, two files of rejected rows

    assert import_jobs_purge_abandoned(now=NOW) == 3

    assert sorted(ImportJob.objects.values_list("pk", flat=True)) == sorted(job.pk for job in kept)
    expected = sorted([Path(job.file.name).name for job in kept] + [Path(imported.rejected_file.name).name])
    assert _files() == expected
    assert not any(Path(job.file.path).exists() for job in gone)
    # Nothing more to do the next time.
    assert import_jobs_purge_abandoned(now=NOW) == 0


def test_the_scheduled_job_runs_the_purge_daily(alice, monkeypatch):
    job = _job(alice, "old", status=ImportStatus.UPLOADED, dry_run=False, days_ago=30)
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    assert tasks.import_jobs_purge_abandoned.delay().get() == 1
    assert not ImportJob.objects.filter(pk=job.pk).exists()
    schedule = django_settings.CELERY_BEAT_SCHEDULE["import-jobs-purge-abandoned"]
    assert schedule["task"] == "klient.customers.tasks.import_jobs_purge_abandoned"
    assert (schedule["schedule"].minute, schedule["schedule"].hour) == ({17}, {3})
