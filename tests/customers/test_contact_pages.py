"""Contact pages: create from a company, the detail page, edit (with stale versions), delete,
"left the company" and "moved to another company"."""

import datetime
import re

import pytest
import time_machine

from klient.core.models import AuditAction, AuditEntry, Note
from klient.customers.models import Contact
from klient.customers.services import company_create, contact_create, contact_update

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 4, 2, 9, 30, tzinfo=datetime.UTC)


@pytest.fixture
def acme(alice):
    return company_create(actor=alice, name="Acme", country="PL")


@pytest.fixture
def jan(alice, acme):
    return contact_create(
        actor=alice,
        company=acme,
        first_name="Jan",
        last_name="Nowak",
        position="Buyer",
        email="jan@acme.example",
    )


def contact_form(**overrides):
    data = {
        "first_name": "",
        "middle_name": "",
        "last_name": "",
        "position": "",
        "buying_role": "",
        "email": "",
        "other_emails": "",
        "phone": "",
        "mobile": "",
        "other_phones": "",
        "birthday": "",
        "language": "",
        "preferred_channel": "",
        "marketing_consent_source": "",
        "external_id": "",
        "version": "",
    }
    data.update(overrides)
    return data


def test_creating_a_contact_from_the_company(login, alice, acme):
    with time_machine.travel(NOW, tick=False):
        response = login(alice).post(
            f"/companies/{acme.pk}/contacts/new/",
            contact_form(
                first_name="Anna",
                last_name="Wiśniewska",
                position="CFO",
                buying_role="decision_maker",
                email="Anna@Acme.example",
                other_emails="anna.w@gmail.example, a.wisniewska@acme.example",
                phone="22 123 45 67",
                mobile="601 234 567",
                other_phones="+48 12 111 22 33, 500 600 700",
                birthday="1980-05-17",
                language="pl",
                preferred_channel="mobile",
                marketing_consent="on",
                marketing_consent_source="Trade fair form",
            ),
        )
    contact = Contact.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/companies/contacts/{contact.pk}/"
    assert (contact.company, contact.full_name, contact.position, contact.buying_role) == (
        acme,
        "Anna Wiśniewska",
        "CFO",
        "decision_maker",
    )
    assert (contact.email, contact.other_emails) == (
        "anna@acme.example",
        ["anna.w@gmail.example", "a.wisniewska@acme.example"],
    )
    assert (contact.phone_e164, contact.mobile_e164) == ("+48221234567", "+48601234567")
    assert contact.other_phones == [
        {"value": "+48 12 111 22 33", "e164": "+48121112233"},
        {"value": "500 600 700", "e164": "+48500600700"},
    ]
    assert (contact.birthday, contact.language, contact.preferred_channel) == (
        datetime.date(1980, 5, 17),
        "pl",
        "mobile",
    )
    assert (contact.marketing_consent, contact.marketing_consent_at, contact.marketing_consent_source) == (
        True,
        NOW,
        "Trade fair form",
    )
    assert AuditEntry.objects.filter(content_type__model="contact", action=AuditAction.CREATE).count() == 1


def test_the_detail_page_links_phones_and_emails_and_shows_consent(login, alice, acme):
    with time_machine.travel(NOW, tick=False):
        contact = contact_create(
            actor=alice,
            company=acme,
            first_name="Anna",
            last_name="Wiśniewska",
            email="anna@acme.example",
            other_emails=["aw@home.example"],
            phone="22 123 45 67",
            other_phones=["500 600 700"],
            language="ru",
            marketing_consent=True,
            marketing_consent_source="Website",
        )
    page = login(alice).get(f"/companies/contacts/{contact.pk}/").content.decode()
    assert (
        '<dd data-field="email"><a href="mailto:anna@acme.example">anna@acme.example</a>'
        '<br><a href="mailto:aw@home.example">aw@home.example</a></dd>'
    ) in page
    assert '<dd data-field="phone"><a href="tel:+48221234567">22 123 45 67</a></dd>' in page
    assert '<dd data-field="other_phones"><a href="tel:+48500600700">500 600 700</a></dd>' in page
    assert '<dd data-field="language">Russian</dd>' in page
    assert '<dd data-field="marketing_consent">Yes, given 04/02/2026 (Website)</dd>' in page
    assert f'<a href="/companies/{acme.pk}/" data-field="company">Acme</a>' in page


def test_a_contact_of_another_team_is_not_found(login, carol, jan):
    client = login(carol)
    for path in ("", "edit/", "move/"):
        assert client.get(f"/companies/contacts/{jan.pk}/{path}").status_code == 404
    for path in ("delete/", "left/", "notes/"):
        assert client.post(f"/companies/contacts/{jan.pk}/{path}", {"version": "1"}).status_code == 404
    assert Contact.objects.filter(pk=jan.pk, version=1).exists()


def test_field_errors_keep_what_was_typed(login, alice, acme):
    response = login(alice).post(
        f"/companies/{acme.pk}/contacts/new/",
        contact_form(first_name="Anna", email="not-an-email", other_emails="ok@acme.example, broken@"),
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert '<small class="field-error" id="id_email-error">Enter a valid email address.</small>' in page
    assert 'value="Anna"' in page
    assert Contact.objects.count() == 0


def test_a_bad_other_email_is_named(login, alice, acme):
    response = login(alice).post(
        f"/companies/{acme.pk}/contacts/new/",
        contact_form(first_name="Anna", other_emails="ok@acme.example, broken@"),
    )
    assert (
        '<small class="field-error" id="id_other_emails-error">“broken@” is not an email address.</small>'
        in (response.content.decode())
    )
    assert Contact.objects.count() == 0


def test_a_stale_edit_keeps_the_entries_and_shows_the_current_values(login, alice, jan):
    contact_update(contact=jan, actor=alice, version=1, position="Head of purchasing")
    audit_before = AuditEntry.objects.count()
    response = login(alice).post(
        f"/companies/contacts/{jan.pk}/edit/",
        contact_form(
            first_name="Jan", last_name="Nowak", position="Buyer", email="jan.nowak@acme.example", version="1"
        ),
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert 'value="jan.nowak@acme.example"' in page
    assert '<small class="current-value" data-current="position">Now: Head of purchasing</small>' in page
    assert '<small class="current-value" data-current="email">Now: jan@acme.example</small>' in page
    assert '<input type="hidden" name="version" value="2"' in page
    assert Contact.objects.values_list("position", "email", "version").get() == (
        "Head of purchasing",
        "jan@acme.example",
        2,
    )
    assert AuditEntry.objects.count() == audit_before


def test_editing_saves(login, alice, jan):
    response = login(alice).post(
        f"/companies/contacts/{jan.pk}/edit/",
        contact_form(
            first_name="Jan", last_name="Nowak", email="jan@acme.example", birthday="1975-01-31", version="1"
        ),
    )
    assert response.status_code == 302
    assert Contact.objects.values_list("birthday", "position", "version").get() == (
        datetime.date(1975, 1, 31),
        "",
        2,
    )


def test_deleting_returns_to_the_company(login, alice, acme, jan):
    response = login(alice).post(f"/companies/contacts/{jan.pk}/delete/", {"version": "1"})
    assert response.status_code == 302
    assert response["Location"] == f"/companies/{acme.pk}/"
    assert Contact.objects.count() == 0
    assert AuditEntry.objects.filter(content_type__model="contact", action=AuditAction.DELETE).count() == 1


def test_a_service_agent_may_not_delete_contacts(login, sam, jan):
    assert login(sam).post(f"/companies/contacts/{jan.pk}/delete/", {"version": "1"}).status_code == 403
    assert Contact.objects.count() == 1


def test_left_the_company(login, alice, acme, jan):
    client = login(alice)
    response = client.post(f"/companies/contacts/{jan.pk}/left/", {"left_on": "2026-03-31", "version": "1"})
    assert response.status_code == 302
    assert Contact.objects.values_list("left_on", "version").get() == (datetime.date(2026, 3, 31), 2)
    card = client.get(f"/companies/{acme.pk}/").content.decode()
    assert f'<li data-contact="{jan.pk}" class="left">' in card


def test_moved_to_another_company(login, alice, acme, jan):
    beta = company_create(actor=alice, name="Beta", country="PL")
    client = login(alice)
    page = client.get(f"/companies/contacts/{jan.pk}/move/").content.decode()
    options = re.findall(
        r'<option value="(\d+)"', page[page.index('<select id="id_company"') :].split("</select>")[0]
    )
    assert options == [str(beta.pk)]  # never the current company

    response = client.post(
        f"/companies/contacts/{jan.pk}/move/",
        {
            "company": beta.pk,
            "left_on": "2026-03-31",
            "position": "Director",
            "buying_role": "decision_maker",
            "email": "jan@beta.example",
            "phone": "22 999 88 77",
            "version": "1",
        },
    )

    old = Contact.objects.get(pk=jan.pk)
    new = Contact.objects.exclude(pk=jan.pk).get()
    assert response.status_code == 302
    assert response["Location"] == f"/companies/contacts/{new.pk}/"
    assert (old.company, old.left_on, old.position, old.email, old.version) == (
        acme,
        datetime.date(2026, 3, 31),
        "Buyer",
        "jan@acme.example",
        2,
    )
    assert (new.company, new.full_name, new.position, new.buying_role, new.email, new.phone_e164) == (
        beta,
        "Jan Nowak",
        "Director",
        "decision_maker",
        "jan@beta.example",
        "+48229998877",
    )
    assert (new.previous, new.left_on) == (old, None)
    # Both pages show the person's path.
    new_page = client.get(response["Location"]).content.decode()
    assert re.findall(r'data-position="(\d+)"', new_page) == [str(new.pk), str(old.pk)]
    old_page = client.get(f"/companies/contacts/{old.pk}/").content.decode()
    assert re.findall(r'data-position="(\d+)"', old_page) == [str(new.pk), str(old.pk)]


def test_moving_to_a_company_the_user_cannot_see_is_refused(login, alice, carol, jan):
    theirs = company_create(actor=carol, name="Carol's")
    response = login(alice).post(
        f"/companies/contacts/{jan.pk}/move/", {"company": theirs.pk, "left_on": "2026-03-31", "version": "1"}
    )
    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    assert Contact.objects.values_list("pk", "left_on", "version").get() == (jan.pk, None, 1)


def test_a_stale_move_changes_nothing(login, alice, acme, jan):
    beta = company_create(actor=alice, name="Beta")
    contact_update(contact=jan, actor=alice, version=1, position="Head")
    response = login(alice).post(
        f"/companies/contacts/{jan.pk}/move/", {"company": beta.pk, "left_on": "2026-03-31", "version": "1"}
    )
    assert response.status_code == 200
    assert "Someone else changed this contact; look at it again first." in response.content.decode()
    assert Contact.objects.count() == 1
    assert Contact.objects.get().left_on is None


def test_the_earlier_position_at_a_company_out_of_sight_is_not_shown(login, alice, carol, jan):
    theirs = company_create(actor=carol, name="Carol's")
    moved = contact_create(actor=carol, company=theirs, first_name="Jan", last_name="Nowak", previous=jan)
    page = login(carol).get(f"/companies/contacts/{moved.pk}/").content.decode()
    assert re.findall(r'data-position="(\d+)"', page) == [str(moved.pk)]
    assert "Acme" not in page


def test_a_note_on_a_contact_shows_on_the_contact_and_the_company_timeline(login, alice, acme, jan):
    client = login(alice)
    response = client.post(f"/companies/contacts/{jan.pk}/notes/", {"text": "Prefers calls after 3 pm"})
    assert response.status_code == 302
    note = Note.objects.get()
    assert (note.target_type.model, note.target_id, note.company_id) == ("contact", jan.pk, acme.pk)
    assert "Prefers calls after 3 pm" in client.get(f"/companies/contacts/{jan.pk}/").content.decode()
    card = client.get(f"/companies/{acme.pk}/").content.decode()
    assert f'about <a href="/companies/contacts/{jan.pk}/">Jan Nowak</a>' in card
