"""Files on the client card: upload with a size limit, downloads only through the company's visibility,
deletion by the uploader (or with the permission); every change audited."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from klient.core import services as core_services
from klient.core.models import Attachment, AuditAction, AuditEntry
from klient.core.services import attachment_add
from klient.customers.services import account_team_add, company_create

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def acme(alice, bob):
    company = company_create(actor=alice, name="Acme")
    account_team_add(company=company, user=bob, role="backup", actor=alice)
    return company


def stored_files(media) -> list[str]:
    return sorted(path.name for path in media.rglob("*") if path.is_file())


def test_uploading_from_the_card_stores_the_file_under_a_random_name(login, alice, acme, media):
    upload = SimpleUploadedFile("../../Offer 2026.pdf", b"%PDF-1.7 offer", content_type="application/pdf")
    response = login(alice).post(f"/companies/{acme.pk}/files/", {"file": upload})
    assert response.status_code == 302
    assert response["Location"] == f"/companies/{acme.pk}/#files"
    attachment = Attachment.objects.get()
    assert (attachment.name, attachment.size, attachment.content_type, attachment.company_id) == (
        "Offer 2026.pdf",
        14,
        "application/pdf",
        acme.pk,
    )
    assert (attachment.target_id, attachment.uploaded_by) == (acme.pk, alice)
    assert attachment.file.name.startswith("attachments/") and "Offer" not in attachment.file.name
    assert stored_files(media) == [attachment.file.name.rsplit("/", 1)[1]]
    entry = AuditEntry.objects.get(content_type__model="attachment")
    assert (entry.action, entry.actor, entry.changes["name"]["to"]) == (
        AuditAction.CREATE,
        alice,
        "Offer 2026.pdf",
    )
    card = login(alice).get(f"/companies/{acme.pk}/").content.decode()
    assert f'<a href="/companies/files/{attachment.pk}/" download>Offer 2026.pdf</a>' in card


def test_a_file_over_the_limit_is_refused_and_nothing_is_kept(login, alice, acme, media, monkeypatch):
    monkeypatch.setattr(core_services, "ATTACHMENT_MAX_BYTES", 10)
    client = login(alice)
    response = client.post(f"/companies/{acme.pk}/files/", {"file": SimpleUploadedFile("big.bin", b"x" * 11)})
    assert response.status_code == 302
    assert Attachment.objects.count() == 0
    assert stored_files(media) == []
    assert not AuditEntry.objects.filter(content_type__model="attachment").exists()
    assert "The file is larger than 0 MB." in client.get(response["Location"]).content.decode()


def test_an_empty_file_is_refused(login, alice, acme):
    login(alice).post(f"/companies/{acme.pk}/files/", {"file": SimpleUploadedFile("empty.txt", b"")})
    assert Attachment.objects.count() == 0


def test_downloads_go_only_to_who_sees_the_company(login, alice, bob, sam, carol, paula, acme):
    attachment = attachment_add(
        target=acme, company=acme, upload=SimpleUploadedFile("<b>.html", b"<script>x</script>"), actor=alice
    )
    url = f"/companies/files/{attachment.pk}/"
    for user in (alice, bob, sam):
        response = login(user).get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == b"<script>x</script>"
        assert response["Content-Type"] == "application/octet-stream"
        assert response["Content-Disposition"] == 'attachment; filename="<b>.html"'
        assert response["X-Content-Type-Options"] == "nosniff"
    assert login(carol).get(url).status_code == 404
    assert login(paula).get(url).status_code == 403
    assert login(alice).get("/companies/files/999999/").status_code == 404


def test_uploading_to_a_company_of_another_team_is_not_found(login, carol, acme, media):
    response = login(carol).post(f"/companies/{acme.pk}/files/", {"file": SimpleUploadedFile("a.txt", b"a")})
    assert response.status_code == 404
    assert Attachment.objects.count() == 0 and stored_files(media) == []


def test_the_uploader_deletes_their_file_and_it_leaves_the_disk(
    login, alice, acme, media, django_capture_on_commit_callbacks
):
    attachment = attachment_add(
        target=acme, company=acme, upload=SimpleUploadedFile("a.txt", b"abc"), actor=alice
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = login(alice).post(f"/companies/files/{attachment.pk}/delete/")
    assert response.status_code == 302
    assert response["Location"] == f"/companies/{acme.pk}/#files"
    assert Attachment.objects.count() == 0
    assert stored_files(media) == []
    entry = AuditEntry.objects.filter(content_type__model="attachment").order_by("-id")[0]
    assert (entry.action, entry.actor, entry.changes["name"]) == (
        AuditAction.DELETE,
        alice,
        {"from": "a.txt", "to": None, "from_label": "a.txt", "to_label": None},
    )


def test_a_colleague_who_did_not_upload_cannot_delete(login, alice, bob, carol, acme, media):
    attachment = attachment_add(
        target=acme, company=acme, upload=SimpleUploadedFile("a.txt", b"abc"), actor=alice
    )
    audit_before = AuditEntry.objects.count()
    card = login(bob).get(f"/companies/{acme.pk}/").content.decode()
    assert 'data-action="delete-file"' not in card
    assert login(bob).post(f"/companies/files/{attachment.pk}/delete/").status_code == 403
    assert login(carol).post(f"/companies/files/{attachment.pk}/delete/").status_code == 404
    assert Attachment.objects.count() == 1 and len(stored_files(media)) == 1
    assert AuditEntry.objects.count() == audit_before


def test_an_administrator_deletes_any_file(
    login, alice, root, acme, media, django_capture_on_commit_callbacks
):
    attachment = attachment_add(
        target=acme, company=acme, upload=SimpleUploadedFile("a.txt", b"abc"), actor=alice
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert login(root).post(f"/companies/files/{attachment.pk}/delete/").status_code == 302
    assert Attachment.objects.count() == 0 and stored_files(media) == []
