"""Jobs of the customers app: thin, idempotent wrappers around services."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from celery import shared_task
from django.core.files import File
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from klient.core.exceptions import NotAllowed
from klient.customers import services
from klient.customers.importing import ImportOptions, import_file
from klient.customers.models import ImportJob, ImportStatus
from klient.customers.readers import UnreadableFile


@shared_task(name="klient.customers.tasks.import_run")
def import_run(job_id: int) -> str:
    """Run one queued import job (dry run or real) and keep its summary and rejected rows.

    The job is claimed with a conditional update, so a second delivery of the same message (or a second
    worker) finds it no longer queued and does nothing. Answers the job's final status.
    """
    claimed = ImportJob.objects.filter(
        pk=job_id, status__in=[ImportStatus.UPLOADED, ImportStatus.QUEUED]
    ).update(status=ImportStatus.RUNNING, started_at=timezone.now(), processed_rows=0, error="")
    if not claimed:
        job = ImportJob.objects.filter(pk=job_id).only("status").first()
        return job.status if job is not None else ""
    job = ImportJob.objects.select_related("user").get(pk=job_id)
    options = ImportOptions(
        kind=job.kind,
        key=str(job.options.get("key") or ""),
        columns=job.options.get("columns") or None,
        dry_run=job.is_dry_run,
        atomic=bool(job.options.get("atomic")),
    )

    def progress(done: int, total: int | None) -> None:
        ImportJob.objects.filter(pk=job_id).update(processed_rows=done, total_rows=total)

    # The rejected rows go to a temporary file (a million of them should not sit in memory); with a BOM,
    # Excel opens it as UTF-8.
    rejected = tempfile.TemporaryFile("w+", encoding="utf-8-sig", newline="")  # noqa: SIM115 - closed below
    try:
        # Messages in the summary and the rejected rows speak the user's language.
        with _local_copy(job) as path, translation.override(job.user.language or None):
            result = import_file(
                path=path, actor=job.user, options=options, progress=progress, rejected_csv=rejected
            )
    except Exception as failure:
        rejected.close()
        if not isinstance(failure, UnreadableFile | NotAllowed):
            ImportJob.objects.filter(pk=job_id).update(
                status=ImportStatus.FAILED,
                error=_("The import stopped on an unexpected error."),
                finished_at=timezone.now(),
            )
            raise
        message = failure.message if isinstance(failure, UnreadableFile) else str(failure)
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportStatus.FAILED, error=message, finished_at=timezone.now()
        )
        return ImportStatus.FAILED
    if result.skipped:
        stem = Path(job.original_name).stem or "import"
        rejected.flush()
        rejected.seek(0)
        content = File(rejected.buffer)  # type: ignore[arg-type]
        job.rejected_file.save(f"{stem}-rejected.csv", content, save=False)
    rejected.close()
    ImportJob.objects.filter(pk=job_id).update(
        status=ImportStatus.DONE,
        result=result.as_dict(),
        rejected_file=job.rejected_file.name if result.skipped else "",
        finished_at=timezone.now(),
    )
    return ImportStatus.DONE


class _local_copy:
    """The job's file as a local path: the file itself on disk storage, else a temporary copy."""

    def __init__(self, job: ImportJob) -> None:
        self.job = job
        self.temporary: Path | None = None

    def __enter__(self) -> Path:
        try:
            return Path(self.job.file.path)
        except NotImplementedError:
            handle, name = tempfile.mkstemp(suffix=Path(self.job.file.name).suffix)
            self.temporary = Path(name)
            with open(handle, "wb") as target, self.job.file.open("rb") as source:
                shutil.copyfileobj(source, target)
            return self.temporary

    def __exit__(self, *exc: object) -> None:
        if self.temporary is not None:
            self.temporary.unlink(missing_ok=True)


@shared_task(name="klient.customers.tasks.import_jobs_purge_abandoned")
def import_jobs_purge_abandoned() -> int:
    """Delete uploads never imported for real, a week after their last step (see the service)."""
    return services.import_jobs_purge_abandoned()
