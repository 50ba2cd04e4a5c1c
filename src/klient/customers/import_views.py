"""The import screens: upload → column mapping → dry-run preview → import with progress → result.

The work itself is the import engine's (`customers.importing`), run by the Celery task `import_run`
for one `ImportJob`; these views only collect the options, queue the job and show where it is. A user
sees only their own jobs: another user's job answers 404, like one that does not exist.
"""

from __future__ import annotations

import itertools
import uuid
from pathlib import PurePath
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from klient.core.models import User
from klient.customers.importing import (
    COMPANY_KEYS,
    CONTACT_KEYS,
    IMPORT_FIELDS,
    guess_columns,
    import_fields,
)
from klient.customers.models import ImportJob, ImportKind, ImportMapping, ImportStatus
from klient.customers.readers import UnreadableFile, open_table
from klient.customers.tasks import import_run

PREVIEW_ROWS = 10
SAMPLE_ROWS = 3
SHOWN_ERRORS = 200
PREVIEW_ERRORS = 20
RECENT_JOBS = 10
# Fields that identify a record well enough to update it on a re-import, in the order offered.
KEYS = {ImportKind.COMPANIES: COMPANY_KEYS, ImportKind.CONTACTS: CONTACT_KEYS}
KIND_PERMISSIONS = {
    ImportKind.COMPANIES: "customers.add_company",
    ImportKind.CONTACTS: "customers.add_contact",
}
FINISHED = (ImportStatus.DONE, ImportStatus.FAILED)


def max_upload_bytes() -> int:
    """The largest file the import screen accepts (settings.IMPORT_MAX_UPLOAD_BYTES)."""
    return int(getattr(settings, "IMPORT_MAX_UPLOAD_BYTES", 100 * 1024 * 1024))


def _too_large_message(size: int | None = None) -> str:
    limit = filesizeformat(max_upload_bytes())
    if size is None:
        return _("The file is too large: files up to %(limit)s can be imported here.") % {"limit": limit}
    return _("The file is %(size)s: files up to %(limit)s can be imported here.") % {
        "size": filesizeformat(size),
        "limit": limit,
    }


# ----------------------------------------------------------------------------------------------------------
# Forms


class ImportUploadForm(forms.Form):
    """What to import, and the file."""

    kind = forms.ChoiceField(label=gettext_lazy("Import"), widget=forms.RadioSelect)
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("CSV, Excel (XLSX) or vCard; the first row names the columns."),
    )

    def __init__(self, *args: Any, kinds: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind = self.fields["kind"]
        assert isinstance(kind, forms.ChoiceField)
        kind.choices = kinds
        if len(kinds) == 1:
            kind.initial = kinds[0][0]

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > max_upload_bytes():
            raise ValidationError(_too_large_message(upload.size))
        return upload


class ImportMappingForm(forms.Form):
    """One select per column of the file, the key field, the atomic switch and an optional mapping name."""

    key = forms.ChoiceField(
        label=gettext_lazy("Update existing records matched by"),
        required=False,
        help_text=gettext_lazy(
            "Without a key, rows that look like an existing record are reported as duplicates and not stored."
        ),
    )
    atomic = forms.BooleanField(
        label=gettext_lazy("All or nothing: store no row if any row is rejected"), required=False
    )
    save_as = forms.CharField(label=gettext_lazy("Save this mapping as…"), max_length=100, required=False)

    def __init__(
        self,
        *args: Any,
        kind: str,
        user: User,
        headers: list[str],
        columns: dict[str, str],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.headers = headers
        # Commercial terms are offered only to users who may set them.
        fields = [(name, capfirst(str(label))) for name, label in import_fields(kind, user)]
        self.labels = dict(fields)
        choices = [("", _("— do not import —")), *fields]
        for index, header in enumerate(headers):
            self.fields[self.column_name(index)] = forms.ChoiceField(
                label=header, choices=choices, required=False, initial=columns.get(header, "")
            )
        key = self.fields["key"]
        assert isinstance(key, forms.ChoiceField)
        key.choices = [
            ("", _("— no key: report duplicates —")),
            *((name, self.labels[name]) for name in KEYS[ImportKind(kind)] if name in self.labels),
        ]

    @staticmethod
    def column_name(index: int) -> str:
        return f"column_{index}"

    def column_fields(self) -> list[tuple[str, forms.BoundField]]:
        """(header, bound select) per column of the file."""
        return [(header, self[self.column_name(index)]) for index, header in enumerate(self.headers)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        columns = self.columns()
        chosen = [field for field in columns.values() if field]
        if not chosen:
            raise ValidationError(_("Choose a field for at least one column."))
        twice = sorted({field for field in chosen if chosen.count(field) > 1})
        if twice:
            raise ValidationError(
                _("Each field can take one column; chosen more than once: %(fields)s.")
                % {"fields": ", ".join(self.labels[field] for field in twice)}
            )
        if data.get("key") and data["key"] not in chosen:
            self.add_error("key", _("Map a column to this field to use it as the key."))
        return data

    def columns(self) -> dict[str, str]:
        """{header: field}; "" for a column that is not imported."""
        return {
            header: self.cleaned_data.get(self.column_name(index)) or ""
            for index, header in enumerate(self.headers)
        }


# ----------------------------------------------------------------------------------------------------------
# Job state


def _kinds_for(user: User) -> list[tuple[str, str]]:
    return [(kind.value, str(kind.label)) for kind in ImportKind if user.has_perm(KIND_PERMISSIONS[kind])]


def _stored_name(original_name: str) -> str:
    # The stored file gets a fresh name: the original may be long, unsafe or the same as another's.
    suffix = PurePath(original_name).suffix.lower()
    if not suffix[1:].isalnum() or len(suffix) > 8:
        suffix = ""
    return f"{uuid.uuid4().hex}{suffix}"


def import_job_create(*, user: User, kind: str, upload: Any) -> ImportJob:
    """Keep an uploaded file as a new import job; UnreadableFile (and nothing kept) when it is no table."""
    original_name = PurePath(upload.name or "").name[:255]
    upload.name = _stored_name(original_name)
    job = ImportJob.objects.create(user=user, kind=kind, file=upload, original_name=original_name)
    try:
        _read_head(job, 0)
    except UnreadableFile:
        job.file.delete(save=False)
        job.delete()
        raise
    return job


def _read_head(job: ImportJob, limit: int) -> tuple[list[str], list[list[str]]]:
    """The file's headers and its first rows."""
    table = open_table(job.file.path)
    try:
        rows = [cells for _number, cells in itertools.islice(table.rows, limit)]
        return list(table.headers), rows
    finally:
        close = getattr(table, "close", None) or getattr(table.rows, "close", None)
        if close is not None:
            close()


def _queue(job: ImportJob, *, dry_run: bool, from_statuses: tuple[str, ...]) -> bool:
    """Put the job in the queue, once: a second click while it is queued starts nothing."""
    with transaction.atomic():
        claimed = ImportJob.objects.filter(pk=job.pk, status__in=from_statuses).update(
            status=ImportStatus.QUEUED,
            is_dry_run=dry_run,
            total_rows=None,
            processed_rows=0,
            result={},
            error="",
            started_at=None,
            finished_at=None,
        )
        if not claimed:
            return False
        if job.rejected_file:
            job.rejected_file.delete(save=False)
            ImportJob.objects.filter(pk=job.pk).update(rejected_file="")
        transaction.on_commit(lambda: import_run.delay(job.pk))
    return True


def import_job_configure(
    *, job: ImportJob, columns: dict[str, str], key: str, atomic: bool, save_as: str = ""
) -> ImportJob:
    """Keep the chosen mapping and options (and the mapping under a name), then queue the dry run."""
    with transaction.atomic():
        job.options = {"columns": columns, "key": key, "atomic": atomic}
        job.save(update_fields=["options"])
        if save_as:
            ImportMapping.objects.update_or_create(
                user=job.user, kind=job.kind, name=save_as, defaults={"columns": columns}
            )
        _queue(job, dry_run=True, from_statuses=(ImportStatus.UPLOADED, *FINISHED))
    job.refresh_from_db()
    return job


def import_job_start(*, job: ImportJob) -> bool:
    """Queue the real import of a job whose dry run has finished; False when it is not in that state."""
    if not job.is_dry_run:
        return False
    return _queue(job, dry_run=False, from_statuses=FINISHED)


def _initial_columns(user: User, kind: str, headers: list[str], chosen: str | None) -> tuple[dict, Any]:
    """The columns to pre-fill: the chosen saved mapping, one made for these headers, or a guess."""
    mappings = list(ImportMapping.objects.filter(user=user, kind=kind).order_by("-created_at", "-id"))
    if chosen and chosen.isdigit():
        for mapping in mappings:
            if mapping.pk == int(chosen):
                return mapping.columns, mapping
    for mapping in mappings:
        if set(mapping.columns) == set(headers):
            return mapping.columns, mapping
    return guess_columns(kind, headers), None


# ----------------------------------------------------------------------------------------------------------
# Views


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _own_job(request: HttpRequest, pk: int) -> ImportJob:
    """The signed-in user's job; 404 for anyone else's. 403 without the right to add records of its kind."""
    user = _user(request)
    job = ImportJob.objects.filter(pk=pk, user=user).first()
    if job is None:
        raise Http404
    if not user.has_perm(KIND_PERMISSIONS[ImportKind(job.kind)]):
        raise PermissionDenied
    return job


def job_url(job: ImportJob) -> str:
    """Where the job stands: mapping, preview (dry run), progress or result."""
    if job.status == ImportStatus.UPLOADED:
        return reverse("customers:import_mapping", args=[job.pk])
    if job.is_dry_run:
        return reverse("customers:import_preview", args=[job.pk])
    if job.status in FINISHED:
        return reverse("customers:import_result", args=[job.pk])
    return reverse("customers:import_progress", args=[job.pk])


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _go(request: HttpRequest, url: str) -> HttpResponse:
    """A redirect that htmx follows with a full page load."""
    if _is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


@login_required
@permission_required("customers.add_importjob", raise_exception=True)
@require_http_methods(["GET", "POST"])
def import_upload_view(request: HttpRequest) -> HttpResponse:
    """Step 1: choose companies or contacts and upload the file."""
    user = _user(request)
    kinds = _kinds_for(user)
    if not kinds:
        raise PermissionDenied
    form = ImportUploadForm(kinds=kinds)
    status = 200
    refusal = ""
    if request.method == "POST":
        # Refuse an oversized upload from its announced length, before reading it.
        length = request.META.get("CONTENT_LENGTH") or "0"
        if length.isdigit() and int(length) > max_upload_bytes() + 64 * 1024:
            refusal = _too_large_message()
            status = 413
        else:
            form = ImportUploadForm(request.POST, request.FILES, kinds=kinds)
            if form.is_valid():
                try:
                    job = import_job_create(
                        user=user, kind=form.cleaned_data["kind"], upload=form.cleaned_data["file"]
                    )
                except UnreadableFile as error:
                    form.add_error("file", _("This file cannot be read: %(reason)s") % {"reason": error})
                else:
                    return redirect("customers:import_mapping", pk=job.pk)
            status = 400
    jobs = [(job, job_url(job)) for job in ImportJob.objects.filter(user=user)[:RECENT_JOBS]]
    context = {"form": form, "refusal": refusal, "jobs": jobs, "max_size": max_upload_bytes()}
    return render(request, "customers/import_upload.html", context, status=status)


@login_required
@permission_required("customers.add_importjob", raise_exception=True)
@require_http_methods(["GET", "POST"])
def import_mapping_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 2: a field for each column of the file, pre-filled by a saved mapping or a guess."""
    user = _user(request)
    job = _own_job(request, pk)
    if job.status in (ImportStatus.QUEUED, ImportStatus.RUNNING):
        return redirect(job_url(job))  # the columns cannot change under a running job
    if not job.is_dry_run and job.status == ImportStatus.DONE:
        messages.info(request, _("This file has been imported; upload it again to import it once more."))
        return redirect(job_url(job))
    try:
        headers, samples = _read_head(job, SAMPLE_ROWS)
    except UnreadableFile as error:
        messages.error(request, _("This file cannot be read: %(reason)s") % {"reason": error})
        return redirect("customers:import_upload")
    saved = job.options.get("columns") if job.status != ImportStatus.UPLOADED else None
    if saved and not request.GET.get("mapping"):
        columns, mapping = saved, None
    else:
        columns, mapping = _initial_columns(user, job.kind, headers, request.GET.get("mapping"))
    form = ImportMappingForm(
        request.POST or None,
        kind=job.kind,
        user=user,
        headers=headers,
        columns=columns,
        initial={"key": job.options.get("key", ""), "atomic": job.options.get("atomic", False)},
    )
    if request.method == "POST" and form.is_valid():
        import_job_configure(
            job=job,
            columns=form.columns(),
            key=form.cleaned_data["key"],
            atomic=form.cleaned_data["atomic"],
            save_as=form.cleaned_data["save_as"].strip(),
        )
        return redirect("customers:import_preview", pk=job.pk)
    rows = [
        (header, field, [sample[index] if index < len(sample) else "" for sample in samples])
        for index, (header, field) in enumerate(form.column_fields())
    ]
    context = {
        "job": job,
        "form": form,
        "rows": rows,
        "mapping": mapping,
        "mappings": ImportMapping.objects.filter(user=user, kind=job.kind),
    }
    return render(request, "customers/import_mapping.html", context, status=400 if form.errors else 200)


def _summary(job: ImportJob, shown_errors: int) -> dict[str, Any]:
    result = job.result or {}
    labels = {name: capfirst(str(label)) for name, label in IMPORT_FIELDS[job.kind]}
    errors = [
        {**error, "label": labels.get(error.get("field") or "", error.get("field") or "")}
        for error in (result.get("errors") or [])[:shown_errors]
    ]
    error_count = len(result.get("errors") or [])
    duplicates = list(result.get("duplicates") or [])
    return {
        "counts": [
            ("created", _("Created"), result.get("created", 0)),
            ("updated", _("Updated"), result.get("updated", 0)),
            ("unchanged", _("Unchanged"), result.get("unchanged", 0)),
            ("skipped", _("Skipped"), result.get("skipped", 0)),
            ("errors", _("Errors"), error_count),
            ("duplicates", _("Duplicates"), len(duplicates)),
        ],
        "errors": errors,
        "more_errors": max(0, error_count - shown_errors),
        "duplicates": duplicates[:shown_errors],
        "more_duplicates": max(0, len(duplicates) - shown_errors),
        "percent": _percent(job),
    }


def _percent(job: ImportJob) -> int | None:
    if not job.total_rows:
        return None
    return min(100, job.processed_rows * 100 // job.total_rows)


@login_required
@permission_required("customers.add_importjob", raise_exception=True)
@require_http_methods(["GET", "POST"])
def import_preview_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 3: the first rows as they will be stored and the dry run's summary; POST starts the import."""
    job = _own_job(request, pk)
    if job.status == ImportStatus.UPLOADED or not job.is_dry_run:
        return _go(request, job_url(job))
    if request.method == "POST":
        if job.status == ImportStatus.FAILED:
            messages.error(request, _("The trial run failed; check the file and the mapping."))
            return redirect(job_url(job))
        if not import_job_start(job=job):
            messages.info(request, _("The trial run has not finished yet."))
            return redirect(job_url(job))
        return redirect("customers:import_progress", pk=job.pk)
    context: dict[str, Any] = {"job": job, "summary": _summary(job, PREVIEW_ERRORS)}
    if _is_htmx(request):
        return render(request, "customers/import_preview.html#summary", context)
    columns = {header: field for header, field in job.options.get("columns", {}).items() if field}
    labels = {name: capfirst(str(label)) for name, label in IMPORT_FIELDS[job.kind]}
    try:
        headers, samples = _read_head(job, PREVIEW_ROWS)
    except UnreadableFile as error:
        messages.error(request, _("This file cannot be read: %(reason)s") % {"reason": error})
        return redirect("customers:import_upload")
    positions = [(index, columns[header]) for index, header in enumerate(headers) if header in columns]
    context["fields"] = [labels.get(field, field) for _index, field in positions]
    context["preview"] = [
        [sample[index] if index < len(sample) else "" for index, _field in positions] for sample in samples
    ]
    return render(request, "customers/import_preview.html", context)


@login_required
@permission_required("customers.add_importjob", raise_exception=True)
@require_GET
def import_progress_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 4: the progress bar, asked for again by htmx every second until the job ends."""
    job = _own_job(request, pk)
    if job.is_dry_run or job.status in FINISHED or job.status == ImportStatus.UPLOADED:
        return _go(request, job_url(job))
    context = {"job": job, "percent": _percent(job)}
    template = (
        "customers/import_progress.html#progress" if _is_htmx(request) else "customers/import_progress.html"
    )
    return render(request, template, context)


@login_required
@permission_required("customers.add_importjob", raise_exception=True)
@require_GET
def import_result_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 5: the counts, the rejected rows with their reasons and the file of rejected rows."""
    job = _own_job(request, pk)
    if job.is_dry_run or job.status not in FINISHED:
        return redirect(job_url(job))
    context = {"job": job, "summary": _summary(job, SHOWN_ERRORS), "elapsed": _elapsed(job)}
    return render(request, "customers/import_result.html", context)


def _elapsed(job: ImportJob) -> float | None:
    if job.started_at is None or job.finished_at is None:
        return None
    return round((job.finished_at - job.started_at).total_seconds(), 1)


@login_required
@permission_required("customers.add_importjob", raise_exception=True)
@require_GET
def import_rejected_view(request: HttpRequest, pk: int) -> FileResponse:
    """The rejected rows of the last run, with the reason for each, as CSV."""
    job = _own_job(request, pk)
    if not job.rejected_file:
        raise Http404
    stem = PurePath(job.original_name).stem or "import"
    return FileResponse(
        job.rejected_file.open("rb"),
        as_attachment=True,
        filename=f"{stem}-rejected.csv",
        content_type="text/csv; charset=utf-8",
    )
