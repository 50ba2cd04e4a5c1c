"""The customer's side of a quote, without signing in: the page of its public link (in the quote's
language, counted as a view), its PDF, and the answer (accept or decline, with a comment)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET, require_POST

from klient.sales.quotes.documents import quote_context, quote_filename, quote_pdf
from klient.sales.quotes.models import Quote, QuoteStatus
from klient.sales.quotes.services import quote_answer, quote_by_token, quote_viewed

# Answers tried through one link from one address, at most, per hour (a sent quote is answered once;
# this only keeps a script from hammering the link).
ANSWER_ATTEMPTS_PER_HOUR = 10
NOINDEX = "noindex, nofollow"


class QuoteAnswerForm(forms.Form):
    """The customer's answer: accept or decline, with an optional comment."""

    answer = forms.ChoiceField(choices=[("accept", _("Accept")), ("decline", _("Decline"))])
    comment = forms.CharField(label=_("Comment"), required=False, max_length=5000, widget=forms.Textarea)


def _quote(token: str) -> Quote:
    if len(token) > 64:
        raise Http404
    try:
        return quote_by_token(token)
    except Quote.DoesNotExist:
        raise Http404 from None


def _state(quote: Quote) -> str:
    """What the customer can do: `open` (answer it), or why not (`draft`, `expired`, `accepted`, …)."""
    if quote.is_editable:
        return "draft"
    if quote.status == QuoteStatus.SENT:
        return "expired" if quote.valid_until < timezone.localdate() else "open"
    return str(quote.status)


def _newer(quote: Quote) -> Quote | None:
    """The revision that replaced this one, once it was sent."""
    return (
        Quote.objects.filter(previous=quote)
        .exclude(status__in=[QuoteStatus.DRAFT, QuoteStatus.AWAITING_APPROVAL])
        .first()
    )


def _page(
    request: HttpRequest,
    quote: Quote,
    form: QuoteAnswerForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    with translation.override(quote.language):
        state = _state(quote)
        context: dict[str, Any] = {
            **quote_context(quote),
            "state": state,
            "newer": _newer(quote) if state == QuoteStatus.SUPERSEDED else None,
            "form": form or QuoteAnswerForm(),
            "error": error,
            "api_base": reverse("api:api-root") + f"public/quotes/{quote.token}/",
        }
        response = render(request, "quotes/public.html", context, status=status)
        response.headers["Content-Language"] = quote.language
    response.headers["X-Robots-Tag"] = NOINDEX
    return response


@never_cache
@ensure_csrf_cookie
@require_GET
def quote_public_view(request: HttpRequest, token: str) -> HttpResponse:
    """The quote as its customer sees it, in its language; each visit counts as a view (not a draft's
    preview)."""
    quote = _quote(token)
    if not quote.is_editable:
        quote_viewed(quote=quote)
    return _page(request, quote)


def _pdf(quote: Quote) -> bytes:
    """The PDF, kept a day once the quote is sent (it never changes then): printing takes about a second,
    and anyone with the link may ask for it again and again."""
    if quote.is_editable:
        return quote_pdf(quote)
    key = f"quote-pdf:{quote.pk}:{quote.version}"
    pdf: bytes | None = cache.get(key)
    if pdf is None:
        pdf = quote_pdf(quote)
        cache.set(key, pdf, timeout=60 * 60 * 24)
    return pdf


@never_cache
@require_GET
def quote_public_pdf_view(request: HttpRequest, token: str) -> HttpResponse:
    """The quote's PDF, as it was sent."""
    quote = _quote(token)
    response = HttpResponse(_pdf(quote), content_type="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{quote_filename(quote)}"'
    response.headers["X-Robots-Tag"] = NOINDEX
    return response


def _too_many_attempts(request: HttpRequest, token: str) -> bool:
    # Behind a proxy every caller has the proxy's address: the limit is then per link, which a customer
    # answering once never reaches either.
    key = f"quote-answer:{token}:{request.META.get('REMOTE_ADDR', '')}"
    cache.add(key, 0, timeout=60 * 60)
    try:
        attempts = cache.incr(key)
    except ValueError:  # expired between add and incr
        attempts = 1
    return attempts > ANSWER_ATTEMPTS_PER_HOUR


@never_cache
@require_POST
def quote_public_answer_view(request: HttpRequest, token: str) -> HttpResponse:
    """The customer accepts or declines the quote (the form of the page, without JavaScript); back to
    the page, which shows the answer, or the page again with the reason it was refused."""
    quote = _quote(token)
    if _too_many_attempts(request, token):
        with translation.override(quote.language):
            message = str(_("Too many attempts. Please try again in an hour."))
        return _page(request, quote, error=message, status=429)
    form = QuoteAnswerForm(request.POST)
    if not form.is_valid():
        with translation.override(quote.language):
            message = str(_("Choose whether you accept or decline the proposal."))
        return _page(request, quote, form=form, error=message, status=400)
    try:
        with translation.override(quote.language):  # a refusal reads in the customer's language
            quote_answer(
                token=token,
                accepted=form.cleaned_data["answer"] == "accept",
                comment=form.cleaned_data["comment"],
            )
    except ValidationError as error:
        return _page(request, quote, form=form, error=" ".join(error.messages), status=409)
    return redirect("quote_public", token=token)
