"""The import screens: upload → mapping → dry-run preview → import with progress → result → rejected rows.

The Celery task runs eagerly; it is queued on commit, so each step that queues one runs inside
`django_capture_on_commit_callbacks(execute=True)`, as a real request's commit would.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from klient.core.models import AuditEntry
from klient.customers.models import Company, Contact, ImportJob, ImportMapping, ImportStatus
from klient.customers.readers import VCARD_HEADERS
from klient.customers.services import company_create, contact_create

pytestmark = pytest.mark.django_db

CSV = (
    "Account Name;E-mail;Country;Tax ID\r\n"
    "Acme;office@acme.pl;PL;PL5260001246\r\n"
    "Beta;not-an-email;DE;\r\n"
    "Żabka;zabka@example.com;CZ;\r\n"
).encode()
COLUMNS = {"Account Name": "name", "E-mail": "email", "Country": "country", "Tax ID": "tax_id"}
MAPPING_POST = {
    "column_0": "name",
    "column_1": "email",
    "column_2": "country",
    "column_3": "tax_id",
    "key": "",
    "save_as": "",
}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def upload(client, content: bytes = CSV, name: str = "customers.csv", kind: str = "companies"):
    return client.post("/companies/import/", {"kind": kind, "file": SimpleUploadedFile(name, content)})


def uploaded_job(client, **kwargs) -> ImportJob:
    response = upload(client, **kwargs)
    job = ImportJob.objects.latest("id")
    assert response.status_code == 302
    assert response["Location"] == f"/companies/import/{job.pk}/mapping/"
    return job


def test_the_whole_flow_with_one_bad_row(login, alice, django_capture_on_commit_callbacks):
    client = login(alice)
    page = client.get("/companies/import/").content.decode()
    assert 'name="file"' in page
    assert 'value="companies"' in page and 'value="contacts"' in page

    job = uploaded_job(client)
    assert (job.user, job.kind, job.original_name, job.status) == (
        alice,
        "companies",
        "customers.csv",
        "uploaded",
    )
    assert job.file.name.endswith(".csv") and "customers" not in job.file.name

    mapping = client.get(f"/companies/import/{job.pk}/mapping/").content.decode()
    # The headers are recognised: every select is pre-filled with its field.
    for index, field in enumerate(COLUMNS.values()):
        assert f'name="column_{index}"' in mapping
        assert f'<option value="{field}" selected>' in mapping
    assert "office@acme.pl" in mapping and "not-an-email" in mapping

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/companies/import/{job.pk}/mapping/", {**MAPPING_POST, "save_as": "CRM export"}
        )
    assert response.status_code == 302
    assert response["Location"] == f"/companies/import/{job.pk}/preview/"
    job.refresh_from_db()
    assert job.options == {"columns": COLUMNS, "key": "", "atomic": False}
    assert (job.is_dry_run, job.status) == (True, ImportStatus.DONE)
    assert Company.objects.count() == 0
    saved = ImportMapping.objects.get()
    assert (saved.user, saved.kind, saved.name, saved.columns) == (alice, "companies", "CRM export", COLUMNS)

    preview = client.get(f"/companies/import/{job.pk}/preview/").content.decode()
    assert "<td>Acme</td><td>office@acme.pl</td><td>PL</td><td>PL5260001246</td>" in preview
    assert '<div data-count="created"><dt>Created</dt><dd>2</dd></div>' in preview
    assert '<div data-count="errors"><dt>Errors</dt><dd>1</dd></div>' in preview
    assert "data-start-import" in preview

    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(f"/companies/import/{job.pk}/preview/")
    assert started["Location"] == f"/companies/import/{job.pk}/progress/"
    job.refresh_from_db()
    assert (job.is_dry_run, job.status, job.processed_rows, job.total_rows) == (False, "done", 3, 3)
    assert sorted(Company.objects.values_list("name", "owner__username")) == [
        ("Acme", "alice"),
        ("Żabka", "alice"),
    ]

    progress = client.get(f"/companies/import/{job.pk}/progress/")
    assert progress["Location"] == f"/companies/import/{job.pk}/result/"

    result = client.get(f"/companies/import/{job.pk}/result/").content.decode()
    assert '<div data-count="created"><dt>Created</dt><dd>2</dd></div>' in result
    assert '<div data-count="errors"><dt>Errors</dt><dd>1</dd></div>' in result
    assert (
        '<td>3</td><td data-field="email">Email</td><td>“not-an-email” is not an email address.</td>'
        in result
    )
    assert f'href="/companies/import/{job.pk}/rejected.csv"' in result

    rejected = client.get(f"/companies/import/{job.pk}/rejected.csv")
    assert rejected["Content-Type"] == "text/csv; charset=utf-8"
    assert rejected["Content-Disposition"] == 'attachment; filename="customers-rejected.csv"'
    # The rows as they were in the file, with the row number, field and reason added; a BOM for Excel.
    assert b"".join(rejected.streaming_content).decode("utf-8") == (
        "\ufeffAccount Name,E-mail,Country,Tax ID,row,field,reason\r\n"
        "Beta,not-an-email,DE,,3,email,“not-an-email” is not an email address.\r\n"
    )


def test_a_saved_mapping_fills_in_a_file_with_the_same_headers(login, alice):
    ImportMapping.objects.create(
        user=alice,
        kind="companies",
        name="Mine",
        columns={"Account Name": "legal_name", "E-mail": "email", "Country": "", "Tax ID": "tax_id"},
    )
    ImportMapping.objects.create(user=alice, kind="companies", name="Other", columns={"Name": "name"})
    client = login(alice)
    job = uploaded_job(client)
    page = client.get(f"/companies/import/{job.pk}/mapping/").content.decode()
    assert "Columns filled in from your saved mapping “Mine”." in page
    assert '<option value="legal_name" selected>' in page
    assert '<option value="name" selected>' not in page


def test_a_mapping_needs_distinct_fields_and_a_mapped_key(login, alice):
    client = login(alice)
    job = uploaded_job(client)
    twice = client.post(f"/companies/import/{job.pk}/mapping/", {**MAPPING_POST, "column_1": "name"})
    assert twice.status_code == 400
    assert "Each field can take one column; chosen more than once: Name." in twice.content.decode()
    unmapped_key = client.post(f"/companies/import/{job.pk}/mapping/", {**MAPPING_POST, "key": "external_id"})
    assert unmapped_key.status_code == 400
    assert "Map a column to this field to use it as the key." in unmapped_key.content.decode()
    job.refresh_from_db()
    assert (job.status, job.options) == ("uploaded", {})
    assert not ImportMapping.objects.exists()


def test_a_file_over_the_limit_is_refused_and_nothing_kept(login, alice, settings, tmp_path):
    settings.IMPORT_MAX_UPLOAD_BYTES = 100
    client = login(alice)
    response = upload(client)
    assert response.status_code == 400
    message = f"The file is {len(CSV)}\xa0bytes: files up to 100\xa0bytes can be imported here."
    assert f'<small class="field-error" id="id_file-error">{message}</small>' in response.content.decode()
    # A request announcing a body far over the limit is refused before the upload is read.
    huge = upload(client, content=CSV * 1000)
    assert huge.status_code == 413
    assert "The file is too large: files up to 100\xa0bytes can be imported here." in huge.content.decode()
    assert not ImportJob.objects.exists()
    assert not any((tmp_path / "media").rglob("*.*"))


def test_an_unreadable_file_is_refused_and_nothing_kept(login, alice, tmp_path):
    # An empty upload is refused by the form itself.
    assert upload(login(alice), content=b"", name="empty.csv").status_code == 400
    response = upload(login(alice), content=b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, name="old.xls")
    assert response.status_code == 400
    assert "This file cannot be read: This is an old Excel workbook (.xls)." in response.content.decode()
    assert not ImportJob.objects.exists()
    assert not any((tmp_path / "media").rglob("*.*"))


def test_the_progress_bar_is_polled_until_the_job_ends(login, alice):
    client = login(alice)
    job = uploaded_job(client)
    ImportJob.objects.filter(pk=job.pk).update(status="running", total_rows=10, processed_rows=4)
    polled = client.get(f"/companies/import/{job.pk}/progress/", headers={"HX-Request": "true"})
    body = polled.content.decode()
    assert body.strip().startswith('<section id="import-progress" data-import-progress="running"')
    assert '<progress value="4" max="10"></progress>' in body
    assert "4 of 10 rows (40 %)" in body
    assert 'hx-trigger="every 1s"' in body

    ImportJob.objects.filter(pk=job.pk).update(status="done", processed_rows=10, result={"created": 10})
    finished = client.get(f"/companies/import/{job.pk}/progress/", headers={"HX-Request": "true"})
    assert (finished.status_code, finished["HX-Redirect"]) == (204, f"/companies/import/{job.pk}/result/")


JOB_PAGES = ["mapping/", "preview/", "progress/", "result/", "rejected.csv"]


def test_another_users_job_is_not_found(login, alice, bob, django_capture_on_commit_callbacks):
    alice_client = login(alice)
    job = uploaded_job(alice_client)
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(f"/companies/import/{job.pk}/mapping/", MAPPING_POST)
    before = (
        ImportJob.objects.values_list("status", "is_dry_run", "options").get(),
        AuditEntry.objects.count(),
    )
    bob_client = login(bob)
    for page in JOB_PAGES:
        assert bob_client.get(f"/companies/import/{job.pk}/{page}").status_code == 404, page
    assert bob_client.post(f"/companies/import/{job.pk}/preview/").status_code == 404
    assert bob_client.post(f"/companies/import/{job.pk}/mapping/", MAPPING_POST).status_code == 404
    after = (
        ImportJob.objects.values_list("status", "is_dry_run", "options").get(),
        AuditEntry.objects.count(),
    )
    assert after == before
    assert Company.objects.count() == 0
    # The upload page lists only one's own jobs.
    assert "customers.csv" not in bob_client.get("/companies/import/").content.decode()
    assert "customers.csv" in alice_client.get("/companies/import/").content.decode()


@pytest.mark.parametrize("persona", ["sam", "rita", "paula"])
def test_users_who_may_not_import_are_refused(request, login, persona):
    client = login(request.getfixturevalue(persona))
    assert client.get("/companies/import/").status_code == 403
    assert upload(client).status_code == 403
    assert not ImportJob.objects.exists()


def test_contacts_from_a_vcard_with_a_key_update_what_matches(
    login, alice, django_capture_on_commit_callbacks
):
    acme = company_create(actor=alice, name="Acme")
    jan = contact_create(actor=alice, company=acme, first_name="Jan", last_name="Nowak", email="jan@acme.pl")
    client = login(alice)
    vcard = (
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nN:Nowak;Jan;;;\r\nFN:Jan Nowak\r\nORG:Acme\r\nTITLE:CEO\r\n"
        b"EMAIL;TYPE=INTERNET:jan@acme.pl\r\nEND:VCARD\r\n"
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nN:Kowalska;Anna;;;\r\nFN:Anna Kowalska\r\nORG:Acme\r\n"
        b"EMAIL;TYPE=INTERNET:anna@acme.pl\r\nEND:VCARD\r\n"
    )
    job = uploaded_job(client, content=vcard, name="phone.vcf", kind="contacts")
    mapping = client.get(f"/companies/import/{job.pk}/mapping/").content.decode()
    assert '<option value="email" selected>' in mapping
    assert '<option value="email">' in mapping  # offered as the key
    # A vCard's columns are the contact fields themselves.
    post = {f"column_{index}": name for index, name in enumerate(VCARD_HEADERS)}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/companies/import/{job.pk}/mapping/", {**post, "key": "email", "save_as": ""})
    job.refresh_from_db()
    assert (job.result["created"], job.result["updated"]) == (1, 1)
    assert list(Contact.objects.values_list("pk", "version")) == [(jan.pk, 1)]  # a trial run stores nothing
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/companies/import/{job.pk}/preview/")
    jan.refresh_from_db()
    assert (jan.position, jan.version) == ("CEO", 2)
    assert sorted(Contact.objects.values_list("last_name", "company__name")) == [
        ("Kowalska", "Acme"),
        ("Nowak", "Acme"),
    ]


def test_the_result_lists_the_first_200_errors(login, alice, django_capture_on_commit_callbacks):
    content = "Account Name;E-mail\r\n" + "".join(f"Firm {n};bad-{n}\r\n" for n in range(205))
    client = login(alice)
    job = uploaded_job(client, content=content.encode())
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/companies/import/{job.pk}/mapping/", {"column_0": "name", "column_1": "email"})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/companies/import/{job.pk}/preview/")
    page = client.get(f"/companies/import/{job.pk}/result/").content.decode()
    assert '<div data-count="errors"><dt>Errors</dt><dd>205</dd></div>' in page
    assert page.count('<td data-field="email">Email</td>') == 200
    assert "<td>201</td>" in page and "<td>202</td>" not in page  # row 1 is the header
    assert "and 5 more rows" in page
    assert Company.objects.count() == 0
