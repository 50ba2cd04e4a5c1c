"""The HTTP API: each app's router assembled under /api/v1/, with one error format."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

from klient.api.auth import ConfiguredRateThrottle, ReadOnlyToken, SessionAuth, TokenAuth
from klient.core.exceptions import NotAllowed, VersionConflict
from klient.core.pagination import InvalidCursor

api = NinjaAPI(
    title="Klient API",
    version="1",
    description="Klient CRM and service desk. Authenticate with `Authorization: Bearer <token>`.",
    urls_namespace="api",
    auth=[TokenAuth(), SessionAuth()],
    throttle=[ConfiguredRateThrottle()],
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def _error(
    request: HttpRequest, status: int, detail: str, errors: list[dict[str, Any]] | None = None, **extra: Any
) -> HttpResponse:
    return api.create_response(request, {"detail": detail, "errors": errors or [], **extra}, status=status)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = []
    for error in exc.errors:
        location = [
            str(part) for part in error.get("loc", []) if part not in {"body", "payload", "query", "path"}
        ]
        errors.append({"field": ".".join(location) or None, "message": str(error.get("msg", ""))})
    return _error(request, 422, _("The request is not valid."), errors)


@api.exception_handler(DjangoValidationError)
def on_model_validation_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    if hasattr(exc, "error_dict"):
        errors = [
            {"field": None if field == "__all__" else field, "message": str(message)}
            for field, messages in exc.message_dict.items()
            for message in messages
        ]
    else:
        errors = [{"field": None, "message": str(message)} for message in exc.messages]
    return _error(request, 422, _("The request is not valid."), errors)


@api.exception_handler(ObjectDoesNotExist)
def on_does_not_exist(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(request, 404, _("Not found."))


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(request, 404, _("Not found."))


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
    response = _error(request, 401, _("Authentication required: send `Authorization: Bearer <token>`."))
    response["WWW-Authenticate"] = 'Bearer realm="klient"'
    return response


@api.exception_handler(ReadOnlyToken)
def on_read_only_token(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(request, 403, _("This token is read-only."))


@api.exception_handler(NotAllowed)
def on_not_allowed(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(request, 403, str(exc) or _("Not allowed."))


@api.exception_handler(PermissionDenied)
def on_permission_denied(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(request, 403, str(exc) or _("Not allowed."))


@api.exception_handler(VersionConflict)
def on_conflict(request: HttpRequest, exc: VersionConflict) -> HttpResponse:
    return _error(
        request,
        409,
        _("The record was changed by someone else; reload it and apply your change again."),
        [
            {
                "field": "version",
                "message": _("current version is %(version)s") % {"version": exc.current_version},
            }
        ],
        current_version=exc.current_version,
    )


@api.exception_handler(InvalidCursor)
def on_invalid_cursor(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(
        request,
        400,
        _("The cursor is not valid."),
        [{"field": "cursor", "message": _("not a cursor of this list")}],
    )


@api.exception_handler(RequestDataTooBig)
def on_too_big(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(request, 413, _("The request is too large; send it in smaller parts."))


@api.exception_handler(Throttled)
def on_throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    return _error(request, 429, _("Too many requests; slow down and retry later."))


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, exc.status_code, str(exc))


def _add_routers() -> None:
    from klient.activities.api import router as activities_router
    from klient.activities.calendars.api import router as calendars_router
    from klient.activities.calllists.api import router as calllists_router
    from klient.activities.greetings.api import router as greetings_router
    from klient.activities.myday_api import router as myday_router
    from klient.catalog.api import router as catalog_router
    from klient.core.api import router as core_router
    from klient.customers.api import router as customers_router
    from klient.customers.contacts_api import router as contacts_router
    from klient.mail.api import router as mail_router
    from klient.reports.api import router as reports_router
    from klient.sales.api import router as sales_router
    from klient.sales.competitors.api import router as competitors_router
    from klient.sales.contracts.api import router as contracts_router
    from klient.sales.orders.api import router as orders_router
    from klient.sales.quotes.api import public_router as quotes_public_router
    from klient.sales.quotes.api import router as quotes_router
    from klient.service.api import router as tickets_router
    from klient.service.intake_api import router as intake_router
    from klient.service.kb.api import router as kb_router
    from klient.service.sla_api import router as sla_router
    from klient.webhooks.api import router as webhooks_router

    api.add_router("/", core_router)
    api.add_router("/companies", customers_router)
    api.add_router("/contacts", contacts_router)
    api.add_router("/activities", activities_router)
    api.add_router("/", myday_router)
    # Each of these routers names its own paths (e.g. /call-lists, /scripts, /objections).
    api.add_router("/", calllists_router)
    api.add_router("/", greetings_router)
    api.add_router("/", calendars_router)
    api.add_router("/", mail_router)
    api.add_router("/", reports_router)
    api.add_router("/", catalog_router)
    # Deals first: its /competitors/win-loss comes before the competitors' /competitors/{competitor_id}.
    api.add_router("/", sales_router)
    api.add_router("/", competitors_router)
    api.add_router("/", quotes_router)
    api.add_router("/", quotes_public_router)
    api.add_router("/", orders_router)
    api.add_router("/", contracts_router)
    api.add_router("/", webhooks_router)
    # The service desk: /tickets (api), /mail/quarantine and /mailboxes (intake_api), /business-calendars
    # and /sla-policies (sla_api).
    api.add_router("/", tickets_router)
    api.add_router("/", intake_router)
    api.add_router("/", sla_router)
    # The knowledge base: /kb/articles.
    api.add_router("/", kb_router)


_add_routers()
