"""Contact pages: detail, create (from a company), edit, delete, "left the company", "moved"."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from klient.core.exceptions import NotAllowed, VersionConflict
from klient.core.models import Note, User
from klient.core.services import note_add
from klient.customers.forms import ContactForm, ContactLeftForm, ContactMoveForm, NoteForm
from klient.customers.models import Company, Contact
from klient.customers.services import contact_create, contact_delete, contact_move, contact_update

POSITIONS_SHOWN = 10  # earlier and later positions of the same person, each way
CONTACT_NOTES_SHOWN = 20
STALE_CONTACT = gettext_lazy(
    "Someone else changed this contact while you were editing, so nothing was saved. Your entries are "
    "kept below; “Now:” shows the current value of each field that differs. Save again to keep your version."
)


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _contacts(request: HttpRequest) -> QuerySet[Contact]:
    return Contact.objects.visible_to(_user(request)).select_related("company", "company__owner")


def _visible_contact(request: HttpRequest, pk: int) -> Contact:
    """A contact of a company the user sees; 404 otherwise (the same answer as a missing one)."""
    contact = _contacts(request).filter(pk=pk).first()
    if contact is None:
        raise Http404
    return contact


def _visible_company(request: HttpRequest, pk: int) -> Company:
    company = Company.objects.visible_to(_user(request)).filter(pk=pk).first()
    if company is None:
        raise Http404
    return company


def _positions(request: HttpRequest, contact: Contact) -> tuple[list[Contact], list[Contact]]:
    """The same person's earlier positions (newest first) and later ones, as far as the user may see."""
    visible = _contacts(request)
    earlier: list[Contact] = []
    step = contact
    while step.previous_id is not None and len(earlier) < POSITIONS_SHOWN:
        found = visible.filter(pk=step.previous_id).first()
        if found is None:
            break
        earlier.append(found)
        step = found
    later: list[Contact] = []
    ids = [contact.pk]
    while ids and len(later) < POSITIONS_SHOWN:
        found_later = list(visible.filter(previous_id__in=ids).order_by("created_at", "id"))
        later += found_later
        ids = [other.pk for other in found_later]
    return earlier, later[:POSITIONS_SHOWN]


def _detail_context(request: HttpRequest, contact: Contact, **extra: Any) -> dict[str, Any]:
    user = _user(request)
    earlier, later = _positions(request, contact)
    notes = Note.objects.filter(
        target_type=ContentType.objects.get_for_model(Contact), target_id=contact.pk
    ).select_related("author", "on_behalf_of")[:CONTACT_NOTES_SHOWN]
    today = timezone.localdate()
    return {
        "contact": contact,
        "company": contact.company,
        "language_name": str(dict(settings.LANGUAGES).get(contact.language, contact.language)),
        "earlier": earlier,
        "later": later,
        "notes": notes,
        "can_change": user.has_perm("customers.change_contact"),
        "can_delete": user.has_perm("customers.delete_contact"),
        "can_move": user.has_perm("customers.change_contact") and user.has_perm("customers.add_contact"),
        "can_add_note": user.has_perm("core.add_note"),
        "note_form": NoteForm(),
        "left_form": ContactLeftForm(initial={"left_on": today, "version": contact.version}),
        **extra,
    }


@login_required
@permission_required("customers.view_contact", raise_exception=True)
def contact_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything about a person: reachable how, consent, and where they worked before and after."""
    contact = _visible_contact(request, pk)
    return render(request, "customers/contact_detail.html", _detail_context(request, contact))


def _add_errors(form: forms.BaseForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, field_messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, field_messages)
    else:
        form.add_error(None, error.messages)


@login_required
@permission_required("customers.add_contact", raise_exception=True)
@require_http_methods(["GET", "POST"])
def contact_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A new person at a company (from the client card)."""
    company = _visible_company(request, pk)
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            contact = contact_create(actor=_user(request), company=company, **form.service_data())
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Contact “%(name)s” added.") % {"name": contact})
            return redirect("customers:contact_detail", pk=contact.pk)
    return render(
        request,
        "customers/contact_form.html",
        {"form": form, "company": company, "contact": None, "current": {}},
    )


@login_required
@permission_required("customers.change_contact", raise_exception=True)
@require_http_methods(["GET", "POST"])
def contact_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a contact; a stale form keeps what was typed and shows the current values beside it."""
    contact = _visible_contact(request, pk)
    initial = ContactForm.initial_for(contact)
    form = ContactForm(request.POST or None, initial=initial)
    current: dict[str, str] = {}
    status = 200
    if request.method == "POST" and form.is_valid():
        version = form.cleaned_data.get("version") or contact.version
        try:
            contact = contact_update(
                contact=contact, actor=_user(request), version=version, **form.service_data()
            )
        except VersionConflict:
            status = 409
            messages.error(request, STALE_CONTACT)
            contact = _visible_contact(request, pk)
            stored = ContactForm.initial_for(contact)
            for name, value in form.cleaned_data.items():
                if name != "version" and _plain(value) != _plain(stored.get(name)):
                    current[name] = _plain(stored.get(name)) or "—"
            data = request.POST.copy()
            data["version"] = str(contact.version)
            form = ContactForm(data, initial=stored)
            form.is_valid()
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("customers:contact_detail", pk=contact.pk)
    return render(
        request,
        "customers/contact_form.html",
        {"form": form, "company": contact.company, "contact": contact, "current": current},
        status=status,
    )


def _plain(value: Any) -> str:
    if value is None or value is False:
        return ""
    if value is True:
        return str(_("Yes"))
    return str(value).strip()


@login_required
@permission_required("customers.delete_contact", raise_exception=True)
@require_POST
def contact_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete a contact after confirmation; its history is kept."""
    contact = _visible_contact(request, pk)
    version = request.POST.get("version", "")
    try:
        contact_delete(
            contact=contact, actor=_user(request), version=int(version) if version.isdigit() else None
        )
    except VersionConflict:
        messages.error(request, _("Someone else changed this contact; look at it again before deleting."))
        return redirect("customers:contact_detail", pk=pk)
    messages.success(request, _("Contact “%(name)s” deleted.") % {"name": contact})
    return redirect("customers:company_detail", pk=contact.company_id)


@login_required
@permission_required("customers.change_contact", raise_exception=True)
@require_POST
def contact_left_view(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Left the company": the contact stays on the card, marked as gone since that day."""
    contact = _visible_contact(request, pk)
    form = ContactLeftForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the day the person left."))
        return redirect("customers:contact_detail", pk=pk)
    try:
        contact_update(
            contact=contact,
            actor=_user(request),
            version=form.cleaned_data["version"],
            left_on=form.cleaned_data["left_on"],
        )
    except VersionConflict:
        messages.error(request, _("Someone else changed this contact; look at it again first."))
    else:
        messages.success(request, _("Marked as left the company."))
    return redirect("customers:contact_detail", pk=pk)


@login_required
@permission_required("customers.change_contact", raise_exception=True)
@require_http_methods(["GET", "POST"])
def contact_move_view(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Moved to another company": the old record is marked as left, a new one starts at the new company."""
    user = _user(request)
    if not user.has_perm("customers.add_contact"):
        return HttpResponseForbidden(_("You may not add contacts."))
    contact = _visible_contact(request, pk)
    form = ContactMoveForm(
        request.POST or None,
        user=user,
        contact=contact,
        initial={"left_on": timezone.localdate(), "version": contact.version, "position": contact.position},
    )
    if request.method == "POST" and form.is_valid():
        try:
            moved = contact_move(
                contact=contact,
                to_company=form.cleaned_data["company"],
                left_on=form.cleaned_data["left_on"],
                actor=user,
                version=form.cleaned_data["version"],
                **form.service_data(),
            )
        except VersionConflict:
            form.add_error(None, _("Someone else changed this contact; look at it again first."))
        except (ValidationError, NotAllowed) as error:
            if isinstance(error, ValidationError):
                _add_errors(form, error)
            else:
                form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("%(name)s now works at %(company)s.") % {"name": moved, "company": moved.company.name},
            )
            return redirect("customers:contact_detail", pk=moved.pk)
    return render(request, "customers/contact_move.html", {"form": form, "contact": contact, "current": {}})


@login_required
@permission_required("core.add_note", raise_exception=True)
@require_POST
def contact_note_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A note about a person; it shows on the contact and on the company's timeline."""
    contact = _visible_contact(request, pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            note_add(
                target=contact, company=contact.company, text=form.cleaned_data["text"], actor=_user(request)
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Note added."))
            return redirect(reverse("customers:contact_detail", args=[pk]) + "#notes")
    return render(
        request,
        "customers/contact_detail.html",
        _detail_context(request, contact, note_form=form),
        status=400,
    )
