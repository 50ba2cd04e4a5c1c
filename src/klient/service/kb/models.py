"""Tables of the knowledge base: categories (named per language), articles (draft, internal or public)
with one translation per language, every saved change of a translation (its versions), and the readers'
helpful / not helpful votes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from klient.core.models import VersionedModel, validate_language

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from klient.core.models import User


class ArticleStatus(models.TextChoices):
    """Who reads an article: only its writers (draft), the staff (internal) or everyone (public)."""

    DRAFT = "draft", _("Draft")
    INTERNAL = "internal", _("Internal")
    PUBLIC = "public", _("Public")


# Permission codes (app label "kb").
READ_PERMISSION = "kb.view_article"
WRITE_PERMISSION = "kb.change_article"
PUBLISH_PERMISSION = "kb.publish_article"


def name_in(names: dict[str, str], language: str) -> str:
    """A name from {language: name}: the language's, else English, else any."""
    return names.get(language) or names.get("en") or next((name for name in names.values() if name), "")


class KbCategory(models.Model):
    """A shelf of articles (Delivery, Invoices, Account), named in each language (`names`: {"en": …,
    "pl": …}; a language left out shows the English name)."""

    slug = models.SlugField(_("short name"), max_length=80, unique=True)
    names = models.JSONField(_("names"), default=dict)
    order = models.PositiveIntegerField(pgettext_lazy("sort order", "order"), default=100)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        ordering = ["order", "slug"]
        verbose_name = _("knowledge base category")
        verbose_name_plural = _("knowledge base categories")

    def __str__(self) -> str:
        return self.name()

    def name(self, language: str = "en") -> str:
        return name_in(self.names, language) or self.slug


class ArticleQuerySet(models.QuerySet["Article"]):
    """Queries over articles. Public articles are for everyone (signed in or not, portal customers too);
    internal ones for the staff who read the knowledge base; drafts for those who write it."""

    def visible_to(self, user: User | AnonymousUser | None) -> ArticleQuerySet:
        if user is None or not user.is_authenticated or not user.is_active:
            return self.filter(status=ArticleStatus.PUBLIC)
        if user.has_perm(WRITE_PERMISSION):
            return self
        if user.has_perm(READ_PERMISSION):
            return self.exclude(status=ArticleStatus.DRAFT)
        return self.filter(status=ArticleStatus.PUBLIC)


class Article(VersionedModel):
    """One piece of knowledge, written in one or more languages (its translations), in a category, with a
    status (draft, internal, public), a short name for its public address, and how many readers found it
    helpful or not. `version` is the optimistic lock: every change of the article or a translation adds
    one."""

    category = models.ForeignKey(
        KbCategory,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="articles",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT
    )
    slug = models.SlugField(_("short name"), max_length=120, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    helpful_count = models.PositiveIntegerField(_("helpful"), default=0)
    not_helpful_count = models.PositiveIntegerField(_("not helpful"), default=0)

    objects = ArticleQuerySet.as_manager()

    AUDITED_FIELDS = ["category", "status", "slug"]

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        permissions = [("publish_article", _("Can publish articles and keep categories"))]
        indexes = [
            models.Index(fields=["-updated_at", "-id"], name="kb_article_updated"),
            models.Index(fields=["status", "-updated_at", "-id"], name="kb_article_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=ArticleStatus.values), name="kb_article_status_known"
            ),
        ]

    def __str__(self) -> str:
        return self.slug


class ArticleTranslation(models.Model):
    """An article in one language: title and body (plain text: paragraphs separated by an empty line,
    addresses shown as links), the number of its latest version, who changed it last, and its search
    words (`search_text`, built by klient.core.search.index_text and indexed like the customers': FTS5 on
    SQLite, GIN on PostgreSQL)."""

    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="translations"
    )
    language = models.CharField(_("language"), max_length=10, validators=[validate_language])
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    version = models.PositiveIntegerField(_("version"), default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("changed"), default=timezone.now)
    search_text = models.TextField(editable=False, default="")

    class Meta:
        ordering = ["article", "language"]
        verbose_name = _("article translation")
        verbose_name_plural = _("article translations")
        constraints = [
            models.UniqueConstraint(fields=["article", "language"], name="kb_translation_language_once"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.language})"


class ArticleVersion(models.Model):
    """A translation as one save left it: any two can be compared, and any restored (as a new version)."""

    translation = models.ForeignKey(
        ArticleTranslation, verbose_name=_("translation"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        ordering = ["translation", "-number"]
        verbose_name = _("article version")
        verbose_name_plural = _("article versions")
        constraints = [
            models.UniqueConstraint(fields=["translation", "number"], name="kb_version_number_once"),
        ]

    def __str__(self) -> str:
        return f"{self.translation} v{self.number}"


class ArticleVote(models.Model):
    """A reader's answer to "Was this helpful?": one per reader and article (a signed-in user, or a
    visitor's browser session), changed when they answer again."""

    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="votes"
    )
    language = models.CharField(_("language"), max_length=10)
    helpful = models.BooleanField(_("helpful"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    session_key = models.CharField(_("visitor"), max_length=64, blank=True)
    voted_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        ordering = ["-voted_at"]
        verbose_name = _("article vote")
        verbose_name_plural = _("article votes")
        constraints = [
            models.UniqueConstraint(
                fields=["article", "user"], condition=models.Q(user__isnull=False), name="kb_vote_user_once"
            ),
            models.UniqueConstraint(
                fields=["article", "session_key"],
                condition=models.Q(user__isnull=True),
                name="kb_vote_visitor_once",
            ),
            models.CheckConstraint(
                condition=models.Q(user__isnull=False) | ~models.Q(session_key=""), name="kb_vote_has_voter"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.article_id}: {'+' if self.helpful else '-'}"
