"""Knowledge base screens. For the staff (/kb/): the list (search, category, status, language), an
article with a tab per translation, the text of one language to edit, its versions (compare two, restore
one), status buttons, and the categories. For everyone (/help/): public articles in the visitor's
language, search, categories, and "Was this helpful?"."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from klient.core.audit import history_for
from klient.core.exceptions import NotAllowed, VersionConflict
from klient.core.models import User
from klient.core.pagination import request_page
from klient.service.kb.forms import ArticleCreateForm, ArticleSettingsForm, CategoryForm, TranslationForm
from klient.service.kb.models import Article, ArticleStatus, ArticleTranslation, ArticleVote, KbCategory
from klient.service.kb.selectors import (
    article_get,
    article_search,
    pick_translation,
    public_article_get,
)
from klient.service.kb.services import (
    article_create,
    article_set_status,
    article_update,
    article_vote,
    can_publish,
    can_write,
    category_create,
    category_update,
    translation_save,
    version_diff,
    version_restore,
)

PAGE_SIZE = 50
HISTORY_SIZE = 20
LANGUAGE_NAMES = dict(settings.LANGUAGES)
ORDERING = ["-updated_at", "-id"]


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _article(request: HttpRequest, pk: int) -> Article:
    try:
        return article_get(user=_user(request), pk=pk)
    except Article.DoesNotExist:
        raise Http404 from None


def _language(value: str | None, default: str = "") -> str:
    return value if value in LANGUAGE_NAMES else default


def _problem(error: ValidationError | NotAllowed | VersionConflict) -> str:
    if isinstance(error, VersionConflict):
        return _("Someone changed this article meanwhile. Nothing was saved: reload it to see their change.")
    return " ".join(error.messages) if isinstance(error, ValidationError) else str(error)


def _form_errors(form: Any, error: ValidationError | NotAllowed | VersionConflict) -> None:
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        for key, texts in error.message_dict.items():
            for text in texts:
                form.add_error(key if key in form.fields else None, text)
    else:
        form.add_error(None, _problem(error))


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


# --- staff: list and article ----------------------------------------------------------------------------


@login_required
@permission_required("kb.view_article", raise_exception=True)
def article_list_view(request: HttpRequest) -> HttpResponse:
    """Articles, newest change first: search, category, status and language filters."""
    user = _user(request)
    q = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    status = status if status in ArticleStatus.values else ""
    language = _language(request.GET.get("language"))
    category_id = _int(request.GET.get("category"))
    articles = article_search(q, language, user, status=status, category=category_id)
    page, next_query = request_page(request, articles, ordering=ORDERING, limit=PAGE_SIZE)
    shown = get_language() or "en"
    rows = [(article, pick_translation(article, language or shown)) for article in page.items]
    return render(
        request,
        "kb/article_list.html",
        {
            "rows": rows,
            "q": q,
            "status": status,
            "statuses": ArticleStatus.choices,
            "language": language,
            "languages": settings.LANGUAGES,
            "category_id": category_id,
            "categories": list(KbCategory.objects.all()),
            "next_query": next_query,
            "can_write": can_write(user),
        },
    )


@login_required
@permission_required("kb.add_article", raise_exception=True)
@require_http_methods(["GET", "POST"])
def article_create_view(request: HttpRequest) -> HttpResponse:
    """A new article (a draft) in one language."""
    status = 200
    if request.method == "POST":
        form = ArticleCreateForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                article = article_create(
                    actor=_user(request),
                    language=data["language"],
                    title=data["title"],
                    body=data["body"],
                    category=data["category"],
                )
            except (ValidationError, NotAllowed) as error:
                _form_errors(form, error)
            else:
                messages.success(request, _("Article saved as a draft."))
                return redirect(f"{reverse('kb:article_detail', args=[article.pk])}?lang={data['language']}")
        status = 400
    else:
        form = ArticleCreateForm(initial={"language": get_language() or "en"})
    return render(request, "kb/article_new.html", {"form": form}, status=status)


def _history_labels() -> dict[str, str]:
    """What the history calls each change: the article's fields, and each language's title and text."""
    labels = {"status": _("Status"), "category": _("Category"), "slug": _("Short name")}
    for code, name in settings.LANGUAGES:
        labels[f"title_{code}"] = _("Title (%(language)s)") % {"language": name}
        labels[f"text_{code}"] = _("Text (%(language)s)") % {"language": name}
    return labels


@login_required
@permission_required("kb.view_article", raise_exception=True)
def article_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """An article: a tab per translation, its facts, status buttons, short name and category, history."""
    user = _user(request)
    article = _article(request, pk)
    translations = {translation.language: translation for translation in article.translations.all()}
    language = _language(request.GET.get("lang"))
    translation = (
        translations.get(language) if language else pick_translation(article, get_language() or "en")
    )
    may_edit = can_write(user) and (article.status != ArticleStatus.PUBLIC or can_publish(user))
    return render(
        request,
        "kb/article_detail.html",
        {
            "article": article,
            "translation": translation,
            "language": language or (translation.language if translation else ""),
            "tabs": [(code, name, translations.get(code)) for code, name in settings.LANGUAGES],
            "can_edit": may_edit,
            "can_publish": can_publish(user),
            "can_write": can_write(user),
            "settings_form": ArticleSettingsForm(
                initial={"category": article.category_id, "slug": article.slug, "version": article.version}
            ),
            "history": list(history_for(Article, article.pk).order_by("-at", "-id")[:HISTORY_SIZE]),
            "field_labels": _history_labels(),
            "statuses": ArticleStatus,
        },
    )


@login_required
@permission_required("kb.change_article", raise_exception=True)
@require_http_methods(["GET", "POST"])
def translation_edit_view(request: HttpRequest, pk: int, language: str) -> HttpResponse:
    """Write an article's title and text in one language (a new translation or a change)."""
    user = _user(request)
    article = _article(request, pk)
    if language not in LANGUAGE_NAMES:
        raise Http404
    translation = next((item for item in article.translations.all() if item.language == language), None)
    status = 200
    if request.method == "POST":
        form = TranslationForm(request.POST)
        if form.is_valid():
            try:
                translation_save(
                    article=article,
                    actor=user,
                    language=language,
                    title=form.cleaned_data["title"],
                    body=form.cleaned_data["body"],
                    version=form.cleaned_data.get("version"),
                )
            except (ValidationError, NotAllowed, VersionConflict) as error:
                _form_errors(form, error)
            else:
                messages.success(request, _("Article saved."))
                return redirect(f"{reverse('kb:article_detail', args=[pk])}?lang={language}")
        status = 400
    else:
        source = translation or pick_translation(article, "en")
        form = TranslationForm(
            initial={
                "title": source.title if source else "",
                "body": source.body if source else "",
                "version": article.version,
            }
        )
    return render(
        request,
        "kb/translation_form.html",
        {
            "form": form,
            "article": article,
            "language": language,
            "language_name": LANGUAGE_NAMES[language],
            "is_new": translation is None,
        },
        status=status,
    )


@login_required
@permission_required("kb.change_article", raise_exception=True)
@require_POST
def article_settings_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Change an article's category and short name."""
    article = _article(request, pk)
    form = ArticleSettingsForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Use lower-case letters, digits and hyphens."))
        return redirect("kb:article_detail", pk=pk)
    try:
        article_update(
            article=article,
            actor=_user(request),
            version=form.cleaned_data.get("version"),
            category=form.cleaned_data["category"],
            slug=form.cleaned_data["slug"],
        )
    except (ValidationError, NotAllowed, VersionConflict) as error:
        messages.error(request, _problem(error))
    else:
        messages.success(request, _("Article saved."))
    return redirect("kb:article_detail", pk=pk)


@login_required
@permission_required("kb.change_article", raise_exception=True)
@require_POST
def article_status_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Publish the article, make it internal, or take it back to draft."""
    article = _article(request, pk)
    status = request.POST.get("status", "")
    done = {
        ArticleStatus.PUBLIC: _("The article is public."),
        ArticleStatus.INTERNAL: _("The article is internal: the staff read it."),
        ArticleStatus.DRAFT: _("The article is a draft again."),
    }
    try:
        article_set_status(
            article=article, actor=_user(request), status=status, version=_int(request.POST.get("version"))
        )
    except (ValidationError, NotAllowed, VersionConflict) as error:
        messages.error(request, _problem(error))
    else:
        messages.success(request, done[ArticleStatus(status)])
    return redirect("kb:article_detail", pk=pk)


# --- staff: versions ------------------------------------------------------------------------------------


def _translation(article: Article, language: str) -> ArticleTranslation:
    translation = next((item for item in article.translations.all() if item.language == language), None)
    if translation is None:
        raise Http404
    return translation


@login_required
@permission_required("kb.view_article", raise_exception=True)
def version_list_view(request: HttpRequest, pk: int, language: str) -> HttpResponse:
    """A translation's versions, newest first, and the difference between two (?from=&to=, by default the
    last two)."""
    user = _user(request)
    article = _article(request, pk)
    translation = _translation(article, language)
    versions = list(translation.versions.select_related("created_by").order_by("-number"))
    by_number = {version.number: version for version in versions}
    newer_number = _int(request.GET.get("to")) or translation.version
    older_number = _int(request.GET.get("from")) or max(1, newer_number - 1)
    if older_number not in by_number or newer_number not in by_number:
        raise Http404
    older, newer = by_number[older_number], by_number[newer_number]
    lines = version_diff(older=older, newer=newer)
    return render(
        request,
        "kb/versions.html",
        {
            "article": article,
            "translation": translation,
            "language": language,
            "language_name": LANGUAGE_NAMES.get(language, language),
            "versions": versions,
            "older": older,
            "newer": newer,
            "lines": lines,
            "changed": any(line.kind != "equal" for line in lines),
            "can_restore": can_write(user) and (article.status != ArticleStatus.PUBLIC or can_publish(user)),
        },
    )


@login_required
@permission_required("kb.change_article", raise_exception=True)
@require_POST
def version_restore_view(request: HttpRequest, pk: int, language: str) -> HttpResponse:
    """Bring back an earlier version of one translation (saved as the newest version)."""
    article = _article(request, pk)
    translation = _translation(article, language)
    number = _int(request.POST.get("number"))
    try:
        restored = version_restore(
            translation=translation,
            number=number or 0,
            actor=_user(request),
            version=_int(request.POST.get("version")),
        )
    except (ValidationError, NotAllowed, VersionConflict) as error:
        messages.error(request, _problem(error))
    else:
        messages.success(
            request,
            _("Version %(old)s restored as version %(new)s.") % {"old": number, "new": restored.version},
        )
    return redirect("kb:version_list", pk=pk, language=language)


# --- staff: categories ----------------------------------------------------------------------------------


@login_required
@permission_required("kb.view_kbcategory", raise_exception=True)
@require_http_methods(["GET", "POST"])
def category_list_view(request: HttpRequest) -> HttpResponse:
    """The categories with their names; publishers add new ones here."""
    user = _user(request)
    status = 200
    form = CategoryForm()
    if request.method == "POST":
        if not user.has_perm("kb.add_kbcategory"):
            raise PermissionDenied
        form = CategoryForm(request.POST)
        if form.is_valid():
            try:
                category_create(actor=user, names=form.names(), order=form.cleaned_data["order"])
            except (ValidationError, NotAllowed) as error:
                _form_errors(form, error)
            else:
                messages.success(request, _("Category saved."))
                return redirect("kb:category_list")
        status = 400
    language = get_language() or "en"
    return render(
        request,
        "kb/category_list.html",
        {
            "categories": [(category, category.name(language)) for category in KbCategory.objects.all()],
            "form": form,
            "can_add": user.has_perm("kb.add_kbcategory"),
        },
        status=status,
    )


@login_required
@permission_required("kb.change_kbcategory", raise_exception=True)
@require_http_methods(["GET", "POST"])
def category_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Rename a category in each language, or move it in the list."""
    category = KbCategory.objects.filter(pk=pk).first()
    if category is None:
        raise Http404
    status = 200
    if request.method == "POST":
        form = CategoryForm(request.POST)
        if form.is_valid():
            try:
                category_update(
                    category=category,
                    actor=_user(request),
                    names=form.names(),
                    order=form.cleaned_data["order"],
                )
            except (ValidationError, NotAllowed) as error:
                _form_errors(form, error)
            else:
                messages.success(request, _("Category saved."))
                return redirect("kb:category_list")
        status = 400
    else:
        form = CategoryForm(
            initial={
                "order": category.order,
                **{f"name_{code}": name for code, name in category.names.items()},
            }
        )
    return render(request, "kb/category_form.html", {"form": form, "category": category}, status=status)


# --- public help pages ----------------------------------------------------------------------------------


def _visitor_language(request: HttpRequest) -> str:
    return _language(request.GET.get("lang"), _language(get_language(), "en"))


@require_http_methods(["GET"])
def help_home_view(request: HttpRequest) -> HttpResponse:
    """Public articles in the visitor's language (English where not translated): search and categories."""
    language = _visitor_language(request)
    q = request.GET.get("q", "").strip()
    category_id = _int(request.GET.get("category"))
    articles = article_search(q, "", None, status=ArticleStatus.PUBLIC, category=category_id)
    page, next_query = request_page(request, articles, ordering=ORDERING, limit=PAGE_SIZE)
    rows = [(article, pick_translation(article, language)) for article in page.items]
    return render(
        request,
        "kb/help_home.html",
        {
            "rows": rows,
            "q": q,
            "language": language,
            "languages": settings.LANGUAGES,
            "category_id": category_id,
            "categories": [(category, category.name(language)) for category in KbCategory.objects.all()],
            "next_query": next_query,
        },
    )


def _voter(request: HttpRequest) -> dict[str, Any]:
    if request.user.is_authenticated:
        return {"user": request.user}
    return {"session_key": request.session.session_key or ""}


@require_http_methods(["GET"])
def help_article_view(request: HttpRequest, slug: str) -> HttpResponse:
    """A public article in the visitor's language (else English), the languages it is also in, and
    "Was this helpful?"."""
    try:
        article = public_article_get(slug=slug)
    except Article.DoesNotExist:
        raise Http404 from None
    language = _visitor_language(request)
    translation = pick_translation(article, language)
    if translation is None:
        raise Http404
    voter = _voter(request)
    vote = None
    if voter.get("user") is not None or voter.get("session_key"):
        vote = ArticleVote.objects.filter(article=article, **voter).values_list("helpful", flat=True).first()
    return render(
        request,
        "kb/help_article.html",
        {
            "article": article,
            "translation": translation,
            "language": language,
            "also_in": [
                (item.language, LANGUAGE_NAMES.get(item.language, item.language))
                for item in article.translations.all()
                if item.language != translation.language
            ],
            "category_name": article.category.name(language) if article.category else "",
            "vote": vote,
        },
    )


@require_POST
def help_vote_view(request: HttpRequest, slug: str) -> HttpResponse:
    """Record "helpful" or "not helpful" for a public article: one vote per visitor (signed-in user, else
    browser session); voting again changes it."""
    try:
        article = public_article_get(slug=slug)
    except Article.DoesNotExist:
        raise Http404 from None
    language = _language(request.POST.get("lang"), "en")
    helpful = request.POST.get("helpful")
    if helpful not in {"yes", "no"}:
        messages.error(request, _("Choose whether the article helped."))
    else:
        if not request.user.is_authenticated and not request.session.session_key:
            request.session["kb_voter"] = True
            request.session.save()
        user = request.user if isinstance(request.user, User) else None
        article_vote(
            article=article,
            helpful=helpful == "yes",
            language=language,
            user=user,
            session_key=request.session.session_key or "",
        )
        messages.success(request, _("Thank you for your answer."))
    return redirect(f"{reverse('kb_public:article', args=[slug])}?lang={language}")
