"""The service desk's pages: the queue view (what is due first), a phone ticket, a ticket's page (header
fields, SLA, participants, the conversation, the reply box with macros, claim, merge, split, link, time
spent, complaint fields, history), attachments, and the setup of queues, routing rules, categories and
macros, and the complaints register with its exports."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from html import unescape
from typing import Any, cast
from urllib.parse import urlencode

from csp.decorators import csp_update
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import URLPattern, path, reverse
from django.utils import dateformat, timezone
from django.utils.dateparse import parse_date
from django.utils.formats import get_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from klient.core.exceptions import NotAllowed, VersionConflict
from klient.core.models import User
from klient.core.pagination import InvalidCursor
from klient.customers.exports import csv_response, xlsx_response
from klient.customers.models import Company
from klient.service import services
from klient.service.filters import ME, MINE, NOBODY, OPEN, TicketFilter
from klient.service.forms import (
    CategoryForm,
    ComplaintForm,
    LinkForm,
    MacroForm,
    MergeForm,
    ParticipantForm,
    PhoneTicketForm,
    QueueForm,
    ReplyForm,
    RoutingRuleForm,
    TicketHeaderForm,
    TimeSpentForm,
    agents,
)
from klient.service.models import (
    OPEN_STATUSES,
    Category,
    Channel,
    Macro,
    MessageKind,
    Priority,
    Queue,
    QueueMember,
    RoutingRule,
    Satisfaction,
    SlaStatus,
    Ticket,
    TicketMessage,
    TicketParticipant,
    TicketStatus,
    TicketType,
)
from klient.service.selectors import (
    QUEUE_ROW_VALUES,
    attachment_get,
    complaint_list,
    macros_available,
    ticket_events,
    ticket_get,
    ticket_links,
    ticket_list,
    ticket_messages,
    tickets_by_due,
)
from klient.service.settings_views import can_see_settings

PAGE_SIZE = 50
VIEW = "service.view_ticket"
WORK = "service.change_ticket"
HEADER_FIELDS = ("status", "priority", "type", "category", "queue", "assignee", "company", "contact")
COMPLAINT_FIELDS = ("root_cause", "corrective_action", "compensation", "complaint_due")


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _ticket(request: HttpRequest, number: int) -> Ticket:
    try:
        return ticket_get(user=_user(request), number=number)
    except Ticket.DoesNotExist:
        raise Http404 from None


def _problem(error: ValidationError | NotAllowed | VersionConflict) -> str:
    if isinstance(error, VersionConflict):
        return _(
            "Someone changed this ticket meanwhile. Nothing was saved: look at their change and try again."
        )
    return " ".join(error.messages) if isinstance(error, ValidationError) else str(error)


def _back(ticket: Ticket, anchor: str = "") -> HttpResponse:
    return redirect(reverse("service:ticket", args=[ticket.number]) + anchor)


# --- the queue view ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TicketRow:
    """A row of the queue page with its labels and link worked out once for the page (a model's
    get_FOO_display, `{% url %}` and `{% blocktranslate %}` for each of 50 rows took a fifth of it)."""

    number: str  # as text: a number in a template goes through localisation
    reference: str
    url: str
    subject: str
    requester: str
    company: str
    status: str
    priority: str
    queue: str
    assigned: bool
    assignee: str
    due: datetime.datetime | None
    due_label: str
    sla_status: str
    sla_label: str
    select_label: str


def _ticket_rows(rows: list[dict[str, Any]]) -> list[TicketRow]:
    statuses = {value: str(label) for value, label in TicketStatus.choices}
    priorities = {value: str(label) for value, label in Priority.choices}
    sla_statuses = {value: str(label) for value, label in SlaStatus.choices}
    url = reverse("service:ticket", args=[1]).removesuffix("1/")  # one reverse() for the page
    select = _("Select %(reference)s")
    due_format = get_format("SHORT_DATETIME_FORMAT")
    result = []
    for row in rows:
        reference = f"T-{row['number']}"
        due = timezone.localtime(row["next_due_at"]) if row["next_due_at"] else None
        assignee = " ".join(
            part for part in (row["assignee__first_name"] or "", row["assignee__last_name"] or "") if part
        )
        result.append(
            TicketRow(
                number=str(row["number"]),
                reference=reference,
                url=f"{url}{row['number']}/",
                subject=row["subject"],
                requester=row["requester_name"] or row["requester_email"],
                company=row["company__name"] or "",
                status=statuses.get(row["status"], row["status"]),
                priority=priorities.get(row["priority"], row["priority"]),
                queue=row["queue__name"],
                assigned=row["assignee_id"] is not None,
                assignee=assignee or row["assignee__username"] or "",
                due=due,
                due_label=dateformat.format(due, due_format) if due else "",
                sla_status=row["sla_status"],
                sla_label=sla_statuses.get(row["sla_status"], row["sla_status"]),
                select_label=select % {"reference": reference},
            )
        )
    return result


@login_required
@permission_required(VIEW, raise_exception=True)
def ticket_list_view(request: HttpRequest) -> HttpResponse:
    """Tickets, what is due first; by default the open tickets of the user's queues. Filters: queue,
    status, assignee, priority, type, category, SLA status, company and words."""
    user = _user(request)
    ticket_filter = TicketFilter.from_query(request.GET, defaults=True)
    tickets = ticket_list(user=user, ticket_filter=ticket_filter)
    try:
        page = tickets_by_due(
            tickets,
            cursor=request.GET.get("cursor"),
            limit=PAGE_SIZE,
            branches=ticket_filter.branches(user=user),
            values=QUEUE_ROW_VALUES,
        )
    except InvalidCursor:
        raise Http404 from None
    next_query = ""
    if page.next_cursor:
        # The filter as applied (the default one spelled out), so the next page shows the same list.
        next_query = urlencode({"all": "1", **ticket_filter.to_query(), "cursor": page.next_cursor})
    return render(
        request,
        "service/ticket_list.html",
        {
            "rows": _ticket_rows(page.items),
            "next_query": next_query,
            "filter": ticket_filter,
            "queues": list(Queue.objects.filter(is_active=True).values_list("pk", "name")),
            "categories": list(Category.objects.filter(is_active=True).values_list("pk", "name")),
            "statuses": TicketStatus.choices,
            "priorities": Priority.choices,
            "types": TicketType.choices,
            "sla_statuses": SlaStatus.choices,
            "filter_company": Company.objects.filter(pk=ticket_filter.company)
            .values_list("name", flat=True)
            .first()
            if ticket_filter.company
            else None,
            "MINE": MINE,
            "OPEN": OPEN,
            "ME": ME,
            "NOBODY": NOBODY,
            "can_work": user.has_perm(WORK),
            "can_set_up": user.has_perm("service.change_queue"),
            "can_see_settings": can_see_settings(user),
        },
    )


@login_required
@permission_required(WORK, raise_exception=True)
@require_POST
def ticket_bulk_claim_view(request: HttpRequest) -> HttpResponse:
    """Claim the ticked tickets; those someone else has are named and left."""
    user = _user(request)
    numbers = [
        int(value) for value in request.POST.getlist("selected") if value.isdigit() and len(value) < 10
    ]
    claimed = 0
    for ticket in Ticket.objects.visible_to(user).filter(number__in=numbers).order_by("number"):
        try:
            services.ticket_claim(ticket=ticket, actor=user)
            claimed += 1
        except (ValidationError, NotAllowed) as error:
            messages.error(request, f"{ticket.reference}: {_problem(error)}")
    if claimed:
        messages.success(request, _("%(count)s tickets claimed.") % {"count": claimed})
    return redirect(reverse("service:ticket_list") + "?assignee=me&status=open")


# --- a phone ticket ---------------------------------------------------------------------------------------


@login_required
@permission_required(WORK, raise_exception=True)
@require_http_methods(["GET", "POST"])
def ticket_create_view(request: HttpRequest) -> HttpResponse:
    """Log a request taken by phone (or another way) as a ticket."""
    user = _user(request)
    company_id = request.GET.get("company") or request.POST.get("company") or ""
    company = (
        Company.objects.visible_to(user).filter(pk=int(company_id)).first()
        if company_id.isdigit() and len(company_id) < 19
        else None
    )
    form = PhoneTicketForm(
        request.POST or None,
        user=user,
        company=company,
        initial={"company": company, "channel": Channel.PHONE},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        contact = data.get("contact")
        email = data.get("requester_email") or (contact.email if contact else "")
        name = data.get("requester_name") or (contact.full_name if contact else "")
        channel = data["channel"]
        kind = MessageKind.PHONE if channel == Channel.PHONE else MessageKind.API
        try:
            ticket = services.ticket_open(
                message=services.MessageInput(
                    kind=kind,
                    body_text=data["body"],
                    sender_email=email,
                    sender_name=name,
                    subject=data["subject"],
                ),
                actor=user,
                subject=data["subject"],
                channel=channel,
                company=data.get("company") or (contact.company if contact else None),
                contact=contact,
                queue=data.get("queue"),
                type=data["type"],
                priority=data["priority"],
                category=data.get("category"),
            )
        except (ValidationError, NotAllowed) as error:
            form.add_error(None, _problem(error))
        else:
            messages.success(request, _("Ticket %(reference)s opened.") % {"reference": ticket.reference})
            return _back(ticket)
    return render(request, "service/ticket_new.html", {"form": form, "company": company})


# --- a ticket ------------------------------------------------------------------------------------------------

_CID = re.compile(r"""(src\s*=\s*["'])cid:([^"']+)(["'])""", re.IGNORECASE)


# Intake leaves a remote image as <img data-remote-src="…"> (nh3's output: attributes in double quotes,
# quotes inside values escaped), so nothing loads until the reader asks for the message's images.
_IMAGE_TAG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_REMOTE_SRC = re.compile(r'(?<=\s)data-remote-src="([^"]*)"')
# The policy of a page showing a message's remote images: https images load, nothing else changes.
REMOTE_IMAGES_CSP = {"img-src": ["https:"]}


def _has_remote_images(html: str) -> bool:
    return any(_REMOTE_SRC.search(tag.group(0)) for tag in _IMAGE_TAG.finditer(html))


def _show_remote_images(html: str) -> str:
    """The HTML with its remote https images given a src (plain http ones stay blocked)."""

    def attribute(match: re.Match[str]) -> str:
        url = unescape(match.group(1)).strip()
        if url.startswith("//"):
            url = "https:" + url
        if not url.lower().startswith("https://"):
            return match.group(0)
        return f'src="{escape(url)}"'

    return _IMAGE_TAG.sub(lambda tag: _REMOTE_SRC.sub(attribute, tag.group(0)), html)


def _message_html(message: TicketMessage, *, remote_images: bool = False) -> SafeString | None:
    """The message's sanitised HTML (sanitised at intake), inline cid: images pointed at their files, and
    its remote images shown when the reader asked for them."""
    if not message.body_html:
        return None
    by_cid = {
        attachment.content_id.strip("<>"): reverse("service:ticket_attachment", args=[attachment.pk])
        for attachment in message.attachments.all()
        if attachment.content_id and not attachment.omitted
    }

    def replace(match: re.Match[str]) -> str:
        url = by_cid.get(match.group(2).strip("<>"))
        return f"{match.group(1)}{escape(url)}{match.group(3)}" if url else match.group(0)

    html = _CID.sub(replace, message.body_html)
    if remote_images:
        html = _show_remote_images(html)
    return mark_safe(html)  # noqa: S308 - sanitised at intake


def _kb_suggestions(ticket: Ticket, user: User) -> Any:
    """The knowledge base's suggested articles for the ticket, None while the knowledge base is absent."""
    try:
        from klient.service.kb.selectors import suggestions_for  # type: ignore[import-not-found,unused-ignore]

        get_template("kb/_suggestions.html")
    except (ImportError, TemplateDoesNotExist):
        return None
    return suggestions_for(ticket, user)


def _ticket_page(
    request: HttpRequest,
    ticket: Ticket,
    *,
    reply_form: ReplyForm | None = None,
    status: int = 200,
    remote_images: int | None = None,
) -> HttpResponse:
    """The ticket's page; `remote_images` is the id of a message of this ticket whose remote images the
    reader asked to see (any other id shows nothing more)."""
    user = _user(request)
    conversation = ticket_messages(ticket)
    can_work = services.can_work(user)
    first_id = conversation[0].pk if conversation else None
    blocked = {message.pk for message in conversation if _has_remote_images(message.body_html)}
    shown = remote_images if remote_images in blocked else None
    entries = [
        {
            "message": message,
            "html": _message_html(message, remote_images=message.pk == shown),
            "remote_images_blocked": message.pk in blocked and message.pk != shown,
            "full_differs": bool(message.display_text)
            and message.display_text.strip() != message.body_text.strip(),
            "can_split": can_work
            and message.pk != first_id
            and message.public
            and message.kind not in (MessageKind.REPLY, MessageKind.NOTE),
        }
        for message in conversation
    ]
    header_initial = {name: getattr(ticket, name) for name in HEADER_FIELDS} | {"version": ticket.version}
    complaint_initial = {name: getattr(ticket, name) for name in COMPLAINT_FIELDS} | {
        "version": ticket.version
    }
    context = {
        "ticket": ticket,
        "entries": entries,
        "events": ticket_events(ticket),
        "links": ticket_links(ticket),
        "participants": list(ticket.participants.order_by("id")),
        "can_work": can_work,
        "header_form": TicketHeaderForm(user=user, ticket=ticket, initial=header_initial),
        "complaint_form": ComplaintForm(initial=complaint_initial),
        "reply_form": reply_form or ReplyForm(initial={"version": ticket.version, "public": "1"}),
        "merge_form": MergeForm(),
        "link_form": LinkForm(),
        "time_form": TimeSpentForm(),
        "participant_form": ParticipantForm(),
        "macros": macros_available() if can_work else [],
        "kb_suggestions": _kb_suggestions(ticket, user),
        "satisfaction": Satisfaction.objects.filter(ticket=ticket).first(),
        "is_complaint": ticket.type == TicketType.COMPLAINT,
    }

    def page(request: HttpRequest) -> HttpResponse:
        return render(request, "service/ticket_detail.html", context, status=status)

    if shown is None:
        return page(request)
    # This response only: the policy everywhere else keeps remote images out.
    return cast(HttpResponse, csp_update(REMOTE_IMAGES_CSP)(page)(request))


@login_required
@permission_required(VIEW, raise_exception=True)
def ticket_detail_view(request: HttpRequest, number: int) -> HttpResponse:
    """A ticket with its conversation and what an agent does with it."""
    ticket = _ticket(request, number)
    if ticket.merged_into_id is not None and request.GET.get("stay") != "1":
        assert ticket.merged_into is not None
        messages.info(
            request,
            _("%(reference)s was merged into %(target)s.")
            % {"reference": ticket.reference, "target": ticket.merged_into.reference},
        )
    images = request.GET.get("images", "")
    return _ticket_page(
        request, ticket, remote_images=int(images) if images.isdigit() and len(images) < 19 else None
    )


@login_required
@permission_required(WORK, raise_exception=True)
@require_POST
def ticket_update_view(request: HttpRequest, number: int) -> HttpResponse:
    """Change the header fields, or (with `root_cause` in the form) the complaint fields."""
    user = _user(request)
    ticket = _ticket(request, number)
    is_complaint_form = "root_cause" in request.POST
    form: ComplaintForm | TicketHeaderForm = (
        ComplaintForm(request.POST)
        if is_complaint_form
        else TicketHeaderForm(request.POST, user=user, ticket=ticket)
    )
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(
                request,
                f"{form.fields[field].label if field in form.fields else ''}: {' '.join(str(error) for error in errors)}",
            )
        return _back(ticket)
    names = COMPLAINT_FIELDS if is_complaint_form else HEADER_FIELDS
    changed = {
        name: form.cleaned_data[name] for name in names if form.cleaned_data[name] != getattr(ticket, name)
    }
    if "company" in changed and "contact" not in changed and ticket.contact_id:
        changed["contact"] = None
    try:
        services.ticket_update(ticket=ticket, actor=user, version=form.cleaned_data["version"], **changed)
    except (ValidationError, NotAllowed, VersionConflict) as error:
        messages.error(request, _problem(error))
    else:
        if changed:
            messages.success(request, _("Ticket saved."))
    return _back(ticket)


def _files(request: HttpRequest) -> list[services.FileInput]:
    return [
        services.FileInput(
            filename=upload.name or "attachment",
            content=upload.read(),
            content_type=upload.content_type or "application/octet-stream",
        )
        for upload in request.FILES.getlist("attachments")
    ]


@login_required
@permission_required(WORK, raise_exception=True)
@require_POST
def ticket_reply_view(request: HttpRequest, number: int) -> HttpResponse:
    """Send a public reply (mailed to the requester, those in copy in copy) or write an internal note,
    with the macro picked applied (its fields set)."""
    user = _user(request)
    ticket = _ticket(request, number)
    form = ReplyForm(request.POST, request.FILES)
    if not form.is_valid():
        return _ticket_page(request, ticket, reply_form=form, status=422)
    data = form.cleaned_data
    public = bool(data["public"])
    files = _files(request)
    try:
        if data.get("macro") is not None:
            services.macro_apply(
                ticket=ticket,
                macro=data["macro"],
                actor=user,
                body=data["body"],
                public=public,
                status=data.get("status") or "",
                files=files,
                version=data.get("version"),
            )
        elif public:
            services.ticket_reply(
                ticket=ticket,
                actor=user,
                body=data["body"],
                status=data.get("status") or "",
                files=files,
                version=data.get("version"),
            )
        else:
            services.ticket_note(ticket=ticket, actor=user, body=data["body"], files=files)
            if data.get("status"):
                services.ticket_update(ticket=ticket, actor=user, status=data["status"])
    except (ValidationError, NotAllowed, VersionConflict) as error:
        form.add_error(None, _problem(error))
        return _ticket_page(
            request,
            _ticket(request, number),
            reply_form=form,
            status=409 if isinstance(error, VersionConflict) else 422,
        )
    messages.success(request, _("Reply sent.") if public else _("Note saved."))
    return _back(ticket, "#conversation")


@login_required
@permission_required(WORK, raise_exception=True)
def ticket_macro_view(request: HttpRequest, number: int) -> HttpResponse:
    """The reply box filled with a macro's text in the ticket's language, and the fields it will set
    (htmx swaps it in when a macro is picked)."""
    user = _user(request)
    ticket = _ticket(request, number)
    macro_id = request.GET.get("macro", "")
    macro = (
        Macro.objects.filter(pk=int(macro_id), is_active=True).first()
        if macro_id.isdigit() and len(macro_id) < 19
        else None
    )
    body = ""
    sets: list[str] = []
    problem = ""
    if macro is not None:
        try:
            body = services.macro_text(macro=macro, ticket=ticket, agent=user)
        except ValidationError as error:
            problem = _problem(error)
        sets = _macro_sets(macro)
    return render(
        request, "service/_reply_body.html", {"body": body, "sets": sets, "problem": problem, "macro": macro}
    )


def _macro_sets(macro: Macro) -> list[str]:
    """What a macro sets, in words."""
    labels = {
        "status": (_("Status"), dict(TicketStatus.choices)),
        "priority": (_("Priority"), dict(Priority.choices)),
        "type": (_("Type"), dict(TicketType.choices)),
    }
    sets: list[str] = []
    for name, value in (macro.actions or {}).items():
        if name in labels:
            label, choices = labels[name]
            sets.append(f"{label}: {choices.get(value, value)}")
        elif name == "category":
            sets.append(f"{_('Category')}: {Category.objects.filter(pk=value).first() or value}")
        elif name == "queue":
            sets.append(f"{_('Queue')}: {Queue.objects.filter(pk=value).first() or value}")
        elif name == "assignee":
            who = (
                _("whoever applies it")
                if value == "me"
                else str(User.objects.filter(pk=value).first() or value)
            )
            sets.append(f"{_('Assignee')}: {who}")
    return sets


def _act(request: HttpRequest, number: int, action: Any, success: str, anchor: str = "") -> HttpResponse:
    ticket = _ticket(request, number)
    try:
        result = action(ticket, _user(request))
    except (ValidationError, NotAllowed, VersionConflict, Ticket.DoesNotExist) as error:
        if isinstance(error, Ticket.DoesNotExist):
            messages.error(request, _("No ticket with this number, or you may not see it."))
        else:
            messages.error(request, _problem(error))
        return _back(ticket, anchor)
    messages.success(request, success)
    if isinstance(result, Ticket) and result.pk != ticket.pk:
        return _back(result)
    return _back(ticket, anchor)


@login_required
@permission_required(WORK, raise_exception=True)
@require_POST
def ticket_claim_view(request: HttpRequest, number: int) -> HttpResponse:
    """Take the ticket; refused when someone else has it."""
    return _act(
        request,
        number,
        lambda ticket, user: services.ticket_claim(ticket=ticket, actor=user),
        _("Ticket claimed."),
    )


def _other(user: User, number: Any) -> Ticket:
    return Ticket.objects.visible_to(user).get(number=number)


@login_required
@permission_required(WORK, raise_exception=True)
@require_POST
def ticket_merge_view(request: HttpRequest, number: int) -> HttpResponse:
    """Merge this ticket into another, by its number."""
    form = MergeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the number of the ticket to merge into."))
        return _back(_ticket(request, number))
    return _act(
        request,
        number,
        lambda ticket, user: services.ticket_merge(
            source=ticket, target=_other(user, form.cleaned_data["into"]), actor=user
        ),
        _("Ticket merged."),
    )


@login_required
@permission_required(WORK, raise_exception=True)
@require_POST
def ticket_split_view(request: HttpRequest, number: int, message_id: int) -> HttpResponse:
    """Move one customer message off to a new ticket."""

    def split(ticket: Ticket, user: User) -> Ticket:
        message = TicketMessage.objects.filter(pk=message_id, ticket=ticket).first()
        if message is None:
            raise ValidationError({"message": _("The message is not on this ticket.")})
        return services.ticket_split(ticket=ticket, message=message, actor=user)

    return _act(request, number, split, _("Message split off to a new ticket."))


@login_required
@permission_required(WORK, raise_exception=True)
@require_POST
def ticket_link_view(request: HttpRequest, number: int) -> HttpResponse:
    """Link the ticket to another."""
    form = LinkForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the number of the ticket to link."))
        return _back(_ticket(request, number), "#links")

    def link(ticket: Ticket, user: User) -> Any:
        return services.ticket_link(
            ticket=ticket,
            other=_other(user, form.cleaned_data["other"]),
            actor=user,
            kind=form.cleaned_data["kind"],
        )

    return _act(request, number, link, _("Tickets linked."), "#links")


@login_required
@permission_required(WORK, raise_exception=True)
@require_POST
def ticket_time_view(request: HttpRequest, number: int) -> HttpResponse:
    """Record time spent on the ticket."""
    form = TimeSpentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the minutes spent, 1 to 1440."))
        return _back(_ticket(request, number))
    return _act(
        request,
        number,
        lambda ticket, user: services.time_spent_add(
            ticket=ticket, actor=user, minutes=form.cleaned_data["minutes"], note=form.cleaned_data["note"]
        ),
        _("Time recorded."),
    )


@login_required
@permission_required(WORK, raise_exception=True)
@require_POST
def participant_add_view(request: HttpRequest, number: int) -> HttpResponse:
    """Put an address in copy of the ticket's replies."""
    form = ParticipantForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter a valid email address."))
        return _back(_ticket(request, number), "#participants")
    return _act(
        request,
        number,
        lambda ticket, user: services.participant_add(
            ticket=ticket, actor=user, email=form.cleaned_data["email"], name=form.cleaned_data["name"]
        ),
        _("Address added in copy."),
        "#participants",
    )


@login_required
@permission_required(WORK, raise_exception=True)
@require_POST
def participant_remove_view(request: HttpRequest, number: int, participant_id: int) -> HttpResponse:
    """Take an address in copy off the ticket."""

    def remove(ticket: Ticket, user: User) -> None:
        participant = TicketParticipant.objects.filter(pk=participant_id, ticket=ticket).first()
        if participant is None:
            raise ValidationError({"email": _("This address is not on the ticket.")})
        services.participant_remove(participant=participant, actor=user)

    return _act(request, number, remove, _("Address removed."), "#participants")


@login_required
@permission_required(VIEW, raise_exception=True)
def ticket_attachment_view(request: HttpRequest, pk: int) -> FileResponse:
    """A file of a message on a ticket the user sees (inline images too)."""
    try:
        attachment = attachment_get(user=_user(request), pk=pk)
    except ObjectDoesNotExist:
        raise Http404 from None
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    inline = attachment.inline or attachment.content_type.startswith("image/")
    return FileResponse(
        handle,
        as_attachment=not inline,
        filename=attachment.filename,
        content_type=attachment.content_type or "application/octet-stream",
    )


# --- setup --------------------------------------------------------------------------------------------------


@login_required
@permission_required("service.change_queue", raise_exception=True)
def queue_list_view(request: HttpRequest) -> HttpResponse:
    """Queues with their members and open tickets."""
    queues = list(
        Queue.objects.select_related("lead", "sla_policy")
        .prefetch_related("memberships__user")
        .annotate(open_count=Count("tickets", filter=_open_q()))
    )
    return render(request, "service/queue_list.html", {"queues": queues})


def _open_q() -> Q:
    return Q(tickets__status__in=OPEN_STATUSES)


@login_required
@permission_required("service.change_queue", raise_exception=True)
@require_http_methods(["GET", "POST"])
def queue_edit_view(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Create or change a queue and its members."""
    queue = None
    if pk is not None:
        queue = Queue.objects.filter(pk=pk).first()
        if queue is None:
            raise Http404
    form = QueueForm(request.POST or None, instance=queue)
    people = list(agents())
    current = {m.user_id: m.is_available for m in QueueMember.objects.filter(queue=queue)} if queue else {}
    if request.method == "POST" and form.is_valid():
        members = {
            person.pk: request.POST.get(f"available_{person.pk}") == "1"
            for person in people
            if request.POST.get(f"member_{person.pk}") == "1"
        }
        data = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            saved = services.queue_save(actor=_user(request), queue=queue, members=members, **data)
        except (ValidationError, NotAllowed) as error:
            form.add_error(None, _problem(error))
        else:
            messages.success(request, _("Queue %(name)s saved.") % {"name": saved.name})
            return redirect("service:queue_list")
    rows = [
        {"user": person, "member": person.pk in current, "available": current.get(person.pk, True)}
        for person in people
    ]
    return render(request, "service/queue_form.html", {"form": form, "queue": queue, "rows": rows})


@login_required
@permission_required("service.change_routingrule", raise_exception=True)
def rule_list_view(request: HttpRequest) -> HttpResponse:
    """Routing rules in the order they are tried."""
    rules = list(RoutingRule.objects.select_related("queue", "category", "company").order_by("order", "id"))
    return render(request, "service/rule_list.html", {"rules": rules})


@login_required
@permission_required("service.change_routingrule", raise_exception=True)
@require_http_methods(["GET", "POST"])
def rule_edit_view(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Create or change a routing rule."""
    rule = None
    if pk is not None:
        rule = RoutingRule.objects.filter(pk=pk).first()
        if rule is None:
            raise Http404
    form = RoutingRuleForm(request.POST or None, instance=rule, user=_user(request))
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            services.routing_rule_save(actor=_user(request), rule=rule, **data)
        except (ValidationError, NotAllowed) as error:
            form.add_error(None, _problem(error))
        else:
            messages.success(request, _("Routing rule saved."))
            return redirect("service:rule_list")
    return render(request, "service/rule_form.html", {"form": form, "rule": rule})


@login_required
@permission_required("service.change_category", raise_exception=True)
@require_http_methods(["GET", "POST"])
def category_list_view(request: HttpRequest) -> HttpResponse:
    """Ticket categories, and a form to add one."""
    form = CategoryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.category_save(actor=_user(request), **form.cleaned_data)
        except (ValidationError, NotAllowed) as error:
            form.add_error(None, _problem(error))
        else:
            messages.success(request, _("Category saved."))
            return redirect("service:category_list")
    categories = list(Category.objects.annotate(ticket_count=Count("tickets")).order_by("name"))
    return render(request, "service/category_list.html", {"form": form, "categories": categories})


@login_required
@permission_required("service.change_category", raise_exception=True)
@require_http_methods(["GET", "POST"])
def category_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Rename a category or set it inactive."""
    category = Category.objects.filter(pk=pk).first()
    if category is None:
        raise Http404
    form = CategoryForm(request.POST or None, instance=category)
    if request.method == "POST" and form.is_valid():
        try:
            services.category_save(actor=_user(request), category=category, **form.cleaned_data)
        except (ValidationError, NotAllowed) as error:
            form.add_error(None, _problem(error))
        else:
            messages.success(request, _("Category saved."))
            return redirect("service:category_list")
    return render(request, "service/category_form.html", {"form": form, "category": category})


@login_required
@permission_required("service.view_macro", raise_exception=True)
def macro_list_view(request: HttpRequest) -> HttpResponse:
    """Macros, their languages and what they set."""
    macros = [
        {"macro": macro, "sets": _macro_sets(macro), "languages": [t.language for t in macro.texts.all()]}
        for macro in Macro.objects.prefetch_related("texts").order_by("name")
    ]
    return render(
        request,
        "service/macro_list.html",
        {"macros": macros, "can_edit": _user(request).has_perm("service.change_macro")},
    )


@login_required
@permission_required("service.change_macro", raise_exception=True)
@require_http_methods(["GET", "POST"])
def macro_edit_view(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Create or change a macro: a text per language and the fields it sets."""
    macro = None
    if pk is not None:
        macro = Macro.objects.prefetch_related("texts").filter(pk=pk).first()
        if macro is None:
            raise Http404
    form = MacroForm(
        request.POST or None, initial=MacroForm.initial_for(macro) if macro else {"is_active": True}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.macro_save(
                actor=_user(request),
                macro=macro,
                name=form.cleaned_data["name"],
                is_active=form.cleaned_data["is_active"],
                texts=form.texts(),
                actions=form.actions(),
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        except NotAllowed as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Macro saved."))
            return redirect("service:macro_list")
    return render(request, "service/macro_form.html", {"form": form, "macro": macro})


# --- complaints register -----------------------------------------------------------------------------------


COMPLAINT_COLUMNS = [
    "number", "subject", "company", "opened", "status", "assignee", "root_cause", "corrective_action",
    "compensation", "due", "overdue",
]  # fmt: skip


def _complaints(request: HttpRequest) -> tuple[list[Ticket], dict[str, Any]]:
    start = (
        parse_date(request.GET.get("start", "") or "") if len(request.GET.get("start", "")) <= 10 else None
    )
    end = parse_date(request.GET.get("end", "") or "") if len(request.GET.get("end", "")) <= 10 else None
    status = request.GET.get("status", "")
    status = status if status == "open" or status in TicketStatus.values else ""
    complaints = list(complaint_list(user=_user(request), start=start, end=end, status=status)[:5000])
    return complaints, {"start": start, "end": end, "status": status}


def _is_overdue(ticket: Ticket, today: datetime.date) -> bool:
    return ticket.complaint_due is not None and ticket.is_open and ticket.complaint_due < today


def _complaint_row(ticket: Ticket, today: datetime.date) -> list[Any]:
    return [
        ticket.reference,
        ticket.subject,
        ticket.company.name if ticket.company else "",
        ticket.created_at,
        ticket.get_status_display(),
        str(ticket.assignee) if ticket.assignee else "",
        ticket.root_cause,
        ticket.corrective_action,
        ticket.compensation,
        ticket.complaint_due,
        _is_overdue(ticket, today),
    ]


@login_required
@permission_required(VIEW, raise_exception=True)
def complaint_list_view(request: HttpRequest) -> HttpResponse:
    """The complaints register: complaints opened in a period with their cause, action, compensation,
    due date and whether they are overdue."""

    complaints, period = _complaints(request)
    today = timezone.localdate()
    rows = [{"ticket": ticket, "overdue": _is_overdue(ticket, today)} for ticket in complaints]
    query = request.GET.urlencode()
    return render(
        request,
        "service/complaint_list.html",
        {"rows": rows, "statuses": TicketStatus.choices, "query": query, **period},
    )


def _complaint_export(request: HttpRequest) -> tuple[list[str], Any]:

    complaints, _period = _complaints(request)
    today = timezone.localdate()
    return COMPLAINT_COLUMNS, (_complaint_row(ticket, today) for ticket in complaints)


@login_required
@permission_required(VIEW, raise_exception=True)
def complaint_export_csv_view(request: HttpRequest) -> StreamingHttpResponse:
    """The complaints register as CSV."""
    columns, rows = _complaint_export(request)
    return csv_response(columns, rows, filename="complaints.csv")


@login_required
@permission_required(VIEW, raise_exception=True)
def complaint_export_xlsx_view(request: HttpRequest) -> FileResponse:
    """The complaints register as an Excel workbook."""
    columns, rows = _complaint_export(request)
    return xlsx_response(columns, rows, title="complaints", filename="complaints.xlsx")


urlpatterns: list[URLPattern] = [
    path("tickets/", ticket_list_view, name="ticket_list"),
    path("tickets/claim/", ticket_bulk_claim_view, name="ticket_bulk_claim"),
    path("tickets/new/", ticket_create_view, name="ticket_create"),
    path("tickets/files/<int:pk>/", ticket_attachment_view, name="ticket_attachment"),
    path("tickets/<int:number>/", ticket_detail_view, name="ticket"),
    path("tickets/<int:number>/update/", ticket_update_view, name="ticket_update"),
    path("tickets/<int:number>/reply/", ticket_reply_view, name="ticket_reply"),
    path("tickets/<int:number>/macro/", ticket_macro_view, name="ticket_macro"),
    path("tickets/<int:number>/claim/", ticket_claim_view, name="ticket_claim"),
    path("tickets/<int:number>/merge/", ticket_merge_view, name="ticket_merge"),
    path("tickets/<int:number>/split/<int:message_id>/", ticket_split_view, name="ticket_split"),
    path("tickets/<int:number>/link/", ticket_link_view, name="ticket_link"),
    path("tickets/<int:number>/time/", ticket_time_view, name="ticket_time"),
    path("tickets/<int:number>/participants/", participant_add_view, name="participant_add"),
    path(
        "tickets/<int:number>/participants/<int:participant_id>/remove/",
        participant_remove_view,
        name="participant_remove",
    ),
    path("queues/", queue_list_view, name="queue_list"),
    path("queues/new/", queue_edit_view, name="queue_create"),
    path("queues/<int:pk>/", queue_edit_view, name="queue_edit"),
    path("routing/", rule_list_view, name="rule_list"),
    path("routing/new/", rule_edit_view, name="rule_create"),
    path("routing/<int:pk>/", rule_edit_view, name="rule_edit"),
    path("categories/", category_list_view, name="category_list"),
    path("categories/<int:pk>/", category_edit_view, name="category_edit"),
    path("macros/", macro_list_view, name="macro_list"),
    path("macros/new/", macro_edit_view, name="macro_create"),
    path("macros/<int:pk>/", macro_edit_view, name="macro_edit"),
    path("complaints/", complaint_list_view, name="complaint_list"),
    path("complaints/export.csv", complaint_export_csv_view, name="complaint_export"),
    path("complaints/export.xlsx", complaint_export_xlsx_view, name="complaint_export_xlsx"),
]
