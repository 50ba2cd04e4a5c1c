"""Every change to the knowledge base, one function each: categories, articles and their translations
(each save of a translation writes a version), status (draft, internal, public), restoring a version, and
readers' votes. Each checks the actor's permission and writes the audit record in its transaction.

Who may do what: writers (kb.change_article: service agents and managers) create articles and edit
drafts and internal ones; publishers (kb.publish_article: service managers) also publish, take an article
back from public, change a public article's text and keep the categories."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from klient.core.audit import AuditAction, audit_log, diff, snapshot
from klient.core.exceptions import NotAllowed, VersionConflict
from klient.core.models import User
from klient.core.search import index_text
from klient.service.kb.models import (
    PUBLISH_PERMISSION,
    WRITE_PERMISSION,
    Article,
    ArticleStatus,
    ArticleTranslation,
    ArticleVersion,
    ArticleVote,
    KbCategory,
)

UNSET: Any = object()
LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]
MAX_TITLE = 200
MAX_BODY = 100_000


# --- permissions ---------------------------------------------------------------------------------------


def can_write(user: Any) -> bool:
    return bool(
        getattr(user, "is_authenticated", False) and user.is_active and user.has_perm(WRITE_PERMISSION)
    )


def can_publish(user: Any) -> bool:
    return bool(
        getattr(user, "is_authenticated", False) and user.is_active and user.has_perm(PUBLISH_PERMISSION)
    )


def _may_write(actor: User) -> None:
    if not can_write(actor):
        raise NotAllowed(_("You may not write articles."))


def _may_publish(actor: User) -> None:
    if not can_publish(actor):
        raise NotAllowed(_("You may not publish articles."))


def _may_edit(actor: User, article: Article) -> None:
    """Writers edit drafts and internal articles; what the public reads is changed by publishers only."""
    _may_write(actor)
    if article.status == ArticleStatus.PUBLIC:
        _may_publish(actor)


# --- helpers --------------------------------------------------------------------------------------------


def search_text(title: str, body: str) -> str:
    """The words a translation is found by (klient.core.search: folded, CJK as pairs)."""
    return index_text([title, body])


def public_url(article: Article, language: str = "") -> str:
    """The article's address on the public help pages (for a reply to a customer)."""
    url = settings.BASE_URL + reverse("kb_public:article", args=[article.slug])
    return f"{url}?lang={language}" if language else url


def _clean_language(language: str) -> str:
    if language not in LANGUAGE_CODES:
        raise ValidationError(
            {"language": _("“%(value)s” is not a language of this installation.") % {"value": language}}
        )
    return language


def _clean_text(title: str, body: str) -> tuple[str, str]:
    title = " ".join((title or "").split())
    body = (body or "").replace("\r\n", "\n").strip()
    errors: dict[str, str] = {}
    if not title:
        errors["title"] = _("Give the article a title.")
    elif len(title) > MAX_TITLE:
        errors["title"] = _("At most %(count)d characters.") % {"count": MAX_TITLE}
    if not body:
        errors["body"] = _("Write the article's text.")
    elif len(body) > MAX_BODY:
        errors["body"] = _("At most %(count)d characters.") % {"count": MAX_BODY}
    if errors:
        raise ValidationError(errors)
    return title, body


_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def _unique_slug(base: str) -> str:
    base = (slugify(base) or "article")[:100]
    taken = set(Article.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def _clean_slug(slug: str, *, article: Article | None = None) -> str:
    slug = (slug or "").strip().lower()
    if not _SLUG.match(slug) or len(slug) > 120:
        raise ValidationError({"slug": _("Use lower-case letters, digits and hyphens.")})
    others = Article.objects.filter(slug=slug)
    if article is not None:
        others = others.exclude(pk=article.pk)
    if others.exists():
        raise ValidationError({"slug": _("Another article has this short name.")})
    return slug


def _locked(article: Article, version: int | None) -> Article:
    current = Article.objects.select_for_update().get(pk=article.pk)
    if version is not None and version != current.version:
        raise VersionConflict(current.version)
    return current


def _change(before: Any, after: Any) -> dict[str, Any]:
    """An audit change with labels as the history shows them."""

    def label(value: Any) -> str | None:
        if isinstance(value, dict):
            return ", ".join(f"{code}: {name}" for code, name in value.items())
        return None if value is None else str(value)

    return {"from": before, "to": after, "from_label": label(before), "to_label": label(after)}


def _touch(article: Article, actor: User | None, before: dict[str, Any] | None = None, **extra: Any) -> None:
    """Count a change of the article (its lock version and time) and audit it."""
    changes = diff(before, snapshot(article, Article.AUDITED_FIELDS)) if before is not None else {}
    changes.update(extra)
    article.version += 1
    article.updated_at = timezone.now()
    article.save()
    audit_log(instance=article, action=AuditAction.UPDATE, actor=actor, changes=changes)


# --- categories -----------------------------------------------------------------------------------------


def _clean_names(names: dict[str, str]) -> dict[str, str]:
    cleaned = {code: " ".join(str(names.get(code) or "").split())[:100] for code in LANGUAGE_CODES}
    cleaned = {code: name for code, name in cleaned.items() if name}
    unknown = set(names) - set(LANGUAGE_CODES)
    if unknown:
        raise ValidationError(
            {
                "names": _("Not languages of this installation: %(codes)s.")
                % {"codes": ", ".join(sorted(unknown))}
            }
        )
    if not cleaned.get("en"):
        raise ValidationError({"names": _("Give the category at least an English name.")})
    return cleaned


@transaction.atomic
def category_create(*, actor: User, names: dict[str, str], slug: str = "", order: int = 100) -> KbCategory:
    """A new category, named per language (English at least)."""
    _may_publish(actor)
    cleaned = _clean_names(names)
    slug = slugify(slug or cleaned["en"])[:80] or "category"
    if KbCategory.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": _("Another category has this short name.")})
    category = KbCategory.objects.create(slug=slug, names=cleaned, order=order)
    audit_log(
        instance=category, action=AuditAction.CREATE, actor=actor, changes={"names": _change(None, cleaned)}
    )
    return category


@transaction.atomic
def category_update(
    *, category: KbCategory, actor: User, names: dict[str, str] | None = None, order: int | None = None
) -> KbCategory:
    """Rename a category (per language) or move it in the list."""
    _may_publish(actor)
    current = KbCategory.objects.select_for_update().get(pk=category.pk)
    changes: dict[str, Any] = {}
    if names is not None:
        cleaned = _clean_names(names)
        if cleaned != current.names:
            changes["names"] = _change(current.names, cleaned)
            current.names = cleaned
    if order is not None and order != current.order:
        changes["order"] = _change(current.order, order)
        current.order = order
    if changes:
        current.updated_at = timezone.now()
        current.save()
        audit_log(instance=current, action=AuditAction.UPDATE, actor=actor, changes=changes)
    return current


# --- articles and translations --------------------------------------------------------------------------


def _write_version(translation: ArticleTranslation, actor: User | None) -> ArticleVersion:
    return ArticleVersion.objects.create(
        translation=translation,
        number=translation.version,
        title=translation.title,
        body=translation.body,
        created_by=actor,
        created_at=translation.updated_at,
    )


@transaction.atomic
def article_create(
    *,
    actor: User,
    language: str,
    title: str,
    body: str,
    category: KbCategory | None = None,
    slug: str = "",
    status: str = ArticleStatus.DRAFT,
) -> Article:
    """A new article with its first translation (version 1), a draft unless a status is given (internal
    for writers; public for publishers)."""
    _may_write(actor)
    language = _clean_language(language)
    title, body = _clean_text(title, body)
    if status not in ArticleStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    if status == ArticleStatus.PUBLIC:
        _may_publish(actor)
    slug = _clean_slug(slug) if slug else _unique_slug(title)
    now = timezone.now()
    article = Article.objects.create(
        category=category,
        status=status,
        slug=slug,
        created_by=actor,
        created_at=now,
        updated_at=now,
        published_at=now if status == ArticleStatus.PUBLIC else None,
    )
    translation = ArticleTranslation.objects.create(
        article=article,
        language=language,
        title=title,
        body=body,
        version=1,
        updated_by=actor,
        updated_at=now,
        search_text=search_text(title, body),
    )
    _write_version(translation, actor)
    audit_log(
        instance=article,
        action=AuditAction.CREATE,
        actor=actor,
        changes={
            **diff({}, snapshot(article, Article.AUDITED_FIELDS)),
            f"title_{language}": _change(None, title),
        },
    )
    return article


@transaction.atomic
def article_update(
    *, article: Article, actor: User, version: int | None = None, category: Any = UNSET, slug: Any = UNSET
) -> Article:
    """Move an article to another category or give it another short name."""
    _may_edit(actor, article)
    current = _locked(article, version)
    before = snapshot(current, Article.AUDITED_FIELDS)
    if category is not UNSET:
        current.category = category
    if slug is not UNSET and slug != current.slug:
        current.slug = _clean_slug(slug, article=current)
    if diff(before, snapshot(current, Article.AUDITED_FIELDS)):
        _touch(current, actor, before)
    return current


@transaction.atomic
def translation_save(
    *, article: Article, actor: User, language: str, title: str, body: str, version: int | None = None
) -> ArticleTranslation:
    """Write an article's text in one language (a new translation or a change of one): each save that
    changes something is a new version of that translation. `version` is the article's, as read."""
    _may_edit(actor, article)
    language = _clean_language(language)
    title, body = _clean_text(title, body)
    current = _locked(article, version)
    translation = (
        ArticleTranslation.objects.select_for_update().filter(article=current, language=language).first()
    )
    now = timezone.now()
    if translation is None:
        translation = ArticleTranslation(article=current, language=language, version=1)
        changes = {f"title_{language}": _change(None, title), f"text_{language}": _change(None, "v1")}
    elif translation.title == title and translation.body == body:
        return translation  # nothing changed: no version
    else:
        changes = {f"text_{language}": _change(f"v{translation.version}", f"v{translation.version + 1}")}
        if translation.title != title:
            changes[f"title_{language}"] = _change(translation.title, title)
        translation.version += 1
    translation.title, translation.body = title, body
    translation.updated_by, translation.updated_at = actor, now
    translation.search_text = search_text(title, body)
    translation.save()
    _write_version(translation, actor)
    _touch(current, actor, **changes)
    return translation


@transaction.atomic
def version_restore(
    *, translation: ArticleTranslation, number: int, actor: User, version: int | None = None
) -> ArticleTranslation:
    """Bring back an earlier version of a translation's text: saved as a new version, nothing is lost."""
    old = ArticleVersion.objects.filter(translation=translation, number=number).first()
    if old is None:
        raise ValidationError({"number": _("This translation has no such version.")})
    return translation_save(
        article=translation.article,
        actor=actor,
        language=translation.language,
        title=old.title,
        body=old.body,
        version=version,
    )


@transaction.atomic
def article_set_status(*, article: Article, actor: User, status: str, version: int | None = None) -> Article:
    """Publish an article, make it internal, or take it back to draft. Writers move between draft and
    internal; publishing or taking down a public article needs a publisher."""
    if status not in ArticleStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    _may_write(actor)
    current = _locked(article, version)
    if ArticleStatus.PUBLIC in (status, current.status):
        _may_publish(actor)
    if current.status == status:
        return current
    before = snapshot(current, Article.AUDITED_FIELDS)
    current.status = status
    if status == ArticleStatus.PUBLIC and current.published_at is None:
        current.published_at = timezone.now()
    _touch(current, actor, before)
    return current


# --- votes ----------------------------------------------------------------------------------------------


@transaction.atomic
def article_vote(
    *, article: Article, helpful: bool, language: str = "en", user: User | None = None, session_key: str = ""
) -> ArticleVote:
    """A reader's "was this helpful?": one vote per reader (a signed-in user, else the browser session)
    and article; voting again changes their vote. The counts on the article follow."""
    if user is not None and not user.is_authenticated:
        user = None
    if user is None and not session_key:
        raise ValidationError({"voter": _("A vote needs a reader.")})
    language = language if language in LANGUAGE_CODES else "en"
    voter: dict[str, Any] = (
        {"user": user} if user is not None else {"user": None, "session_key": session_key[:64]}
    )
    existing = ArticleVote.objects.select_for_update().filter(article=article, **voter).first()
    if existing is not None:
        if existing.helpful != helpful:
            _count(article, helpful, +1)
            _count(article, existing.helpful, -1)
            existing.helpful = helpful
        existing.language, existing.voted_at = language, timezone.now()
        existing.save()
        return existing
    try:
        with transaction.atomic():
            vote = ArticleVote.objects.create(article=article, helpful=helpful, language=language, **voter)
    except IntegrityError:  # the same reader's other request won the race: theirs counts
        return ArticleVote.objects.get(article=article, **voter)
    _count(article, helpful, +1)
    return vote


def _count(article: Article, helpful: bool, step: int) -> None:
    name = "helpful_count" if helpful else "not_helpful_count"
    Article.objects.filter(pk=article.pk).update(**{name: F(name) + step})


# --- comparing versions ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DiffLine:
    """One line of a comparison: kept ("equal"), added ("insert"), removed ("delete"), or changed within
    the line ("change", with `words`: (kind, text) pieces)."""

    kind: str
    old: str = ""
    new: str = ""
    words: list[tuple[str, str]] = field(default_factory=list)


_WORDS = re.compile(r"(\s+)")


def _word_diff(old: str, new: str) -> list[tuple[str, str]]:
    before, after = _WORDS.split(old), _WORDS.split(new)
    pieces: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pieces.append(("equal", "".join(before[i1:i2])))
            continue
        if i2 > i1:
            pieces.append(("delete", "".join(before[i1:i2])))
        if j2 > j1:
            pieces.append(("insert", "".join(after[j1:j2])))
    return pieces


def version_diff(*, older: ArticleVersion, newer: ArticleVersion) -> list[DiffLine]:
    """What changed from one version to another: the title, then the text line by line."""
    old_lines = [older.title, "", *older.body.splitlines()]
    new_lines = [newer.title, "", *newer.body.splitlines()]
    result: list[DiffLine] = []
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            result.extend(DiffLine("equal", line, line) for line in old_lines[i1:i2])
            continue
        removed, added = old_lines[i1:i2], new_lines[j1:j2]
        paired = min(len(removed), len(added)) if tag == "replace" else 0
        for old, new in zip(removed[:paired], added[:paired], strict=True):
            result.append(DiffLine("change", old, new, _word_diff(old, new)))
        result.extend(DiffLine("delete", old=line) for line in removed[paired:])
        result.extend(DiffLine("insert", new=line) for line in added[paired:])
    return result
