"""Contract screens: the list, a contract's page (wording, key terms, the actions its state allows, the
disagreement protocol with its forms, versions and history), the form, the comparison of two versions,
and the contracts section of the client card."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from klient.core.audit import history_for
from klient.core.exceptions import NotAllowed, VersionConflict
from klient.core.models import User
from klient.core.pagination import request_page
from klient.customers.models import Company
from klient.customers.selectors import can_see_commercial_terms, company_get
from klient.sales.contracts.forms import (
    KEY_TERM_FIELDS,
    ContractForm,
    ContractFromTemplateForm,
    ContractSignForm,
    ContractTerminateForm,
    DisagreementForm,
    DisagreementResolveForm,
)
from klient.sales.contracts.models import (
    Contract,
    ContractStatus,
    Disagreement,
    DisagreementStatus,
)
from klient.sales.contracts.selectors import contract_get, contract_list, hide_key_terms
from klient.sales.contracts.services import (
    contract_approve,
    contract_create_from_quote,
    contract_create_from_template,
    contract_diff,
    contract_negotiate,
    contract_request_approval,
    contract_sign,
    contract_terminate,
    contract_update,
    disagreement_add,
    disagreement_resolve,
)
from klient.sales.quotes.models import Quote

PAGE_SIZE = 50
HISTORY_SIZE = 20
# Contracts the client card shows, newest first.
CARD_CONTRACTS = 10
FORM_FIELDS = [
    "title",
    "contact",
    "language",
    "currency",
    "total",
    "starts_on",
    "ends_on",
    "renewal_notice_days",
    *KEY_TERM_FIELDS,
    "body",
]


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _contract(request: HttpRequest, pk: int) -> Contract:
    try:
        return contract_get(user=_user(request), pk=pk)
    except Contract.DoesNotExist:
        raise Http404 from None


def _conflict() -> str:
    return _("Someone changed this contract meanwhile. Nothing was saved: reload it to see their change.")


def _problem(error: ValidationError | NotAllowed | VersionConflict) -> str:
    if isinstance(error, VersionConflict):
        return _conflict()
    return " ".join(error.messages) if isinstance(error, ValidationError) else str(error)


def card_contracts(user: User, company: Company) -> dict[str, Any] | None:
    """The client card's contracts section: the latest ten (one query); None for a user who may not see
    contracts."""
    if not user.has_perm("contracts.view_contract"):
        return None
    contracts = list(
        Contract.objects.filter(company=company).order_by("-created_at", "-id")[: CARD_CONTRACTS + 1]
    )
    return {
        "items": contracts[:CARD_CONTRACTS],
        "more": len(contracts) > CARD_CONTRACTS,
        "can_add": user.has_perm("contracts.add_contract"),
    }


@login_required
@permission_required("contracts.view_contract", raise_exception=True)
def contract_list_view(request: HttpRequest) -> HttpResponse:
    """Contracts in a table, newest first, filtered by status, owner or words (number, title, company)."""
    user = _user(request)
    status = request.GET.get("status", "")
    status = status if status in ContractStatus.values else ""
    q = request.GET.get("q", "").strip()
    mine = request.GET.get("owner") == "me"
    contracts = contract_list(user=user, status=status, owner_id=user.pk if mine else None, q=q)
    page, next_query = request_page(request, contracts, ordering=["-created_at", "-id"], limit=PAGE_SIZE)
    return render(
        request,
        "contracts/contract_list.html",
        {
            "contracts": page.items,
            "status": status,
            "statuses": ContractStatus.choices,
            "q": q,
            "mine": mine,
            "next_query": next_query,
        },
    )


def _field_labels() -> dict[str, str]:
    labels = {
        field.name: capfirst(str(field.verbose_name))
        for field in Contract._meta.get_fields()
        if hasattr(field, "verbose_name")
    }
    labels["disagreement"] = str(_("Disagreement"))
    return labels


# The latest orders a contract's page lists.
ORDERS_SHOWN = 20


@login_required
@permission_required("contracts.view_contract", raise_exception=True)
def contract_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A contract: facts, key terms (with the permission), wording, lines, the actions its state allows,
    the disagreement protocol, versions to compare, and history."""
    user = _user(request)
    contract = _contract(request, pk)
    disagreements = list(contract.disagreements.all())
    open_count = sum(1 for item in disagreements if item.status == DisagreementStatus.OPEN)
    history = hide_key_terms(
        user, list(history_for(Contract, contract.pk).order_by("-at", "-id")[:HISTORY_SIZE])
    )
    may_change = user.has_perm("contracts.change_contract")
    editable = contract.is_editable
    awaiting = contract.status == ContractStatus.APPROVAL and contract.approved_by_id is None
    approved = contract.status == ContractStatus.APPROVAL and contract.approved_by_id is not None
    versions = list(contract.versions.all())
    lines = list(contract.lines.all())
    return render(
        request,
        "contracts/contract_detail.html",
        {
            "contract": contract,
            "lines": lines,
            "disagreements": disagreements,
            "open_count": open_count,
            "versions": versions,
            "history": history,
            "field_labels": _field_labels(),
            "with_terms": can_see_commercial_terms(user),
            "can_edit": may_change and editable,
            "can_negotiate": may_change and contract.status == ContractStatus.DRAFT,
            "can_request_approval": may_change
            and contract.status in {ContractStatus.DRAFT, ContractStatus.NEGOTIATION}
            and open_count == 0,
            "can_approve": user.has_perm("contracts.approve_contract") and awaiting and open_count == 0,
            "can_sign": may_change and approved and open_count == 0,
            "can_terminate": may_change and contract.status in {ContractStatus.SIGNED, ContractStatus.ACTIVE},
            # Orders under the contract: its own lines (a framework contract's orders come through the API).
            "can_order": user.has_perm("orders.add_order")
            and contract.status in {ContractStatus.SIGNED, ContractStatus.ACTIVE}
            and bool(lines),
            "orders": list(contract.orders.order_by("-created_at", "-id")[:ORDERS_SHOWN]),
            "can_add_disagreement": user.has_perm("contracts.add_disagreement") and editable,
            "can_resolve": user.has_perm("contracts.change_disagreement") and editable,
            "awaiting_approval": awaiting,
            "sign_form": ContractSignForm(
                initial={"signed_on": timezone.localdate(), "version": contract.version}
            ),
            "terminate_form": ContractTerminateForm(
                initial={"terminated_on": timezone.localdate(), "version": contract.version}
            ),
            "disagreement_form": DisagreementForm(),
        },
    )


def _from_quote(request: HttpRequest, user: User) -> HttpResponse:
    posted = request.POST.get("quote", "")
    quote = Quote.objects.visible_to(user).filter(pk=int(posted)).first() if posted.isdigit() else None
    if quote is None:
        raise Http404
    try:
        contract = contract_create_from_quote(quote=quote, actor=user)
    except (ValidationError, NotAllowed) as error:
        messages.error(request, _problem(error))
        return redirect("quotes:quote_detail", pk=quote.pk)
    messages.success(request, _("Contract %(number)s made of the quote.") % {"number": contract.number})
    return redirect("contracts:contract_detail", pk=contract.pk)


@login_required
@permission_required("contracts.add_contract", raise_exception=True)
@require_http_methods(["GET", "POST"])
def contract_create_view(request: HttpRequest) -> HttpResponse:
    """A new contract: of an accepted quote (posted `quote`), or from a template for ?company=."""
    user = _user(request)
    if request.method == "POST" and "quote" in request.POST:
        return _from_quote(request, user)
    company_id = request.GET.get("company", "")
    try:
        company = company_get(user=user, pk=int(company_id)) if company_id.isdigit() else None
    except Company.DoesNotExist:
        raise Http404 from None
    if company is None:
        raise Http404
    status = 200
    if request.method == "POST":
        form = ContractFromTemplateForm(request.POST, company=company)
        if form.is_valid():
            data = form.cleaned_data
            try:
                contract = contract_create_from_template(
                    template=data["template"],
                    company=company,
                    actor=user,
                    contact=data.get("contact"),
                    title=data.get("title") or "",
                    starts_on=data.get("starts_on"),
                    ends_on=data.get("ends_on"),
                )
            except NotAllowed as error:
                form.add_error(None, str(error))
            except ValidationError as error:
                for key, texts in error.message_dict.items():
                    for text in texts:
                        form.add_error(key if key in form.fields else None, text)
            else:
                messages.success(request, _("Contract saved."))
                return redirect("contracts:contract_detail", pk=contract.pk)
        status = 400
    else:
        form = ContractFromTemplateForm(company=company)
    return render(request, "contracts/contract_new.html", {"form": form, "company": company}, status=status)


@login_required
@permission_required("contracts.change_contract", raise_exception=True)
@require_http_methods(["GET", "POST"])
def contract_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a contract's wording, key terms and dates while it is not signed."""
    user = _user(request)
    contract = _contract(request, pk)
    if not contract.is_editable:
        messages.error(request, _("A signed contract is not changed."))
        return redirect("contracts:contract_detail", pk=pk)
    with_terms = can_see_commercial_terms(user)
    status = 200
    if request.method == "POST":
        form = ContractForm(request.POST, company=contract.company, with_terms=with_terms)
        if form.is_valid():
            data = {name: form.cleaned_data[name] for name in FORM_FIELDS if name in form.fields}
            data["delivery_terms"] = data.get("delivery_terms") or ""
            if not with_terms:
                data.pop("delivery_terms")
            try:
                contract_update(
                    contract=contract,
                    actor=user,
                    version=form.cleaned_data["version"],
                    note=form.cleaned_data.get("note") or "",
                    **data,
                )
            except VersionConflict:
                form.add_error(None, _conflict())
            except NotAllowed as error:
                form.add_error(None, str(error))
            except ValidationError as error:
                for key, texts in error.message_dict.items():
                    for text in texts:
                        form.add_error(key if key in form.fields else None, text)
            else:
                messages.success(request, _("Contract saved."))
                return redirect("contracts:contract_detail", pk=pk)
        status = 400
    else:
        initial = {name: getattr(contract, name) for name in FORM_FIELDS}
        initial["version"] = contract.version
        form = ContractForm(initial=initial, company=contract.company, with_terms=with_terms)
    return render(
        request, "contracts/contract_form.html", {"form": form, "contract": contract}, status=status
    )


@login_required
@permission_required("contracts.view_contract", raise_exception=True)
def contract_compare_view(request: HttpRequest, pk: int) -> HttpResponse:
    """What changed between two versions (?from=&to=, by default the last two): the wording with
    insertions and deletions marked, and the terms."""
    user = _user(request)
    contract = _contract(request, pk)
    versions = {version.number: version for version in contract.versions.all()}
    newest = contract.current_version

    def number(name: str, default: int) -> int:
        value = request.GET.get(name, "")
        return int(value) if value.isdigit() else default

    newer = number("to", newest)
    older = number("from", max(1, newer - 1))
    if older not in versions or newer not in versions:
        raise Http404
    hidden = set() if can_see_commercial_terms(user) else set(KEY_TERM_FIELDS)
    lines = [
        line
        for line in contract_diff(older=versions[older], newer=versions[newer])
        if line.name not in hidden
    ]
    return render(
        request,
        "contracts/contract_compare.html",
        {
            "contract": contract,
            "versions": sorted(versions.values(), key=lambda version: version.number),
            "older": versions[older],
            "newer": versions[newer],
            "lines": lines,
            "changed": any(line.kind != "equal" for line in lines),
            "field_labels": _field_labels(),
        },
    )


def _act(request: HttpRequest, pk: int, action: Any, done: str, **arguments: Any) -> HttpResponse:
    """Run a state change on a visible contract and go back to its page with what happened."""
    contract = _contract(request, pk)
    try:
        action(contract=contract, actor=_user(request), **arguments)
    except (ValidationError, NotAllowed, VersionConflict) as error:
        messages.error(request, _problem(error))
    else:
        messages.success(request, done)
    return redirect("contracts:contract_detail", pk=pk)


def _version(request: HttpRequest) -> int | None:
    value = request.POST.get("version", "")
    return int(value) if value.isdigit() else None


@login_required
@permission_required("contracts.change_contract", raise_exception=True)
@require_POST
def contract_negotiate_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Start negotiating a draft."""
    return _act(
        request, pk, contract_negotiate, _("The contract is in negotiation."), version=_version(request)
    )


@login_required
@permission_required("contracts.change_contract", raise_exception=True)
@require_POST
def contract_request_approval_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask the team lead to approve the contract."""
    return _act(request, pk, contract_request_approval, _("Approval requested."), version=_version(request))


@login_required
@permission_required("contracts.approve_contract", raise_exception=True)
@require_POST
def contract_approve_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve the contract as it stands."""
    return _act(request, pk, contract_approve, _("Contract approved."), version=_version(request))


@login_required
@permission_required("contracts.change_contract", raise_exception=True)
@require_POST
def contract_sign_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the signature of an approved contract."""
    form = ContractSignForm(request.POST)
    if not form.is_valid():
        _contract(request, pk)
        messages.error(request, _("Give the day it was signed and who signed for the client."))
        return redirect("contracts:contract_detail", pk=pk)
    return _act(request, pk, contract_sign, _("Contract signed."), **form.cleaned_data)


@login_required
@permission_required("contracts.change_contract", raise_exception=True)
@require_POST
def contract_terminate_view(request: HttpRequest, pk: int) -> HttpResponse:
    """End a signed or active contract early."""
    form = ContractTerminateForm(request.POST)
    if not form.is_valid():
        _contract(request, pk)
        messages.error(request, _("Give the day it ends and the reason."))
        return redirect("contracts:contract_detail", pk=pk)
    return _act(request, pk, contract_terminate, _("Contract terminated."), **form.cleaned_data)


@login_required
@permission_required("contracts.add_disagreement", raise_exception=True)
@require_POST
def disagreement_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a disputed clause to the protocol."""
    form = DisagreementForm(request.POST)
    if not form.is_valid():
        _contract(request, pk)
        messages.error(request, _("Name the clause."))
        return redirect("contracts:contract_detail", pk=pk)
    return _act(request, pk, disagreement_add, _("Disagreement added."), **form.cleaned_data)


@login_required
@permission_required("contracts.change_disagreement", raise_exception=True)
@require_POST
def disagreement_resolve_view(request: HttpRequest, pk: int, disagreement_pk: int) -> HttpResponse:
    """Settle a disputed clause: resolved with the resolution, or withdrawn."""
    contract = _contract(request, pk)
    disagreement = Disagreement.objects.filter(pk=disagreement_pk, contract=contract).first()
    if disagreement is None:
        raise Http404
    form = DisagreementResolveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose how the disagreement is settled."))
        return redirect("contracts:contract_detail", pk=pk)
    try:
        disagreement_resolve(disagreement=disagreement, actor=_user(request), **form.cleaned_data)
    except (ValidationError, NotAllowed, VersionConflict) as error:
        messages.error(request, _problem(error))
    else:
        messages.success(request, _("Disagreement settled."))
    return redirect("contracts:contract_detail", pk=pk)
