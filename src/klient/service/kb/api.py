"""The knowledge base in the API: list and search articles (visibility as on the pages: public for every
caller, internal for the staff who read the knowledge base, drafts for its writers), read one with its
translations, write one (each change of a translation is a new version), change its status, and vote."""

from __future__ import annotations

import datetime
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import ConfigDict, Field, StrictBool, StrictInt

from klient.api.auth import request_user
from klient.api.responses import page_response
from klient.api.schemas import ERRORS, ConflictError
from klient.core.exceptions import VersionConflict
from klient.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, keyset_paginate
from klient.customers.api import MAX_ID, RecordId, reader
from klient.service.kb.models import Article, ArticleStatus, KbCategory
from klient.service.kb.selectors import article_get, article_search, pick_translation
from klient.service.kb.services import (
    LANGUAGE_CODES,
    MAX_BODY,
    MAX_TITLE,
    article_create,
    article_set_status,
    article_update,
    article_vote,
    public_url,
    translation_save,
)

router = Router(tags=["knowledge base"])

StatusCode = Literal["draft", "internal", "public"]
UNSET: Any = None
# The installation's languages, documented as the choices (the services check them).
LANGUAGE_ENUM: dict[str, Any] = {"enum": list(LANGUAGE_CODES)}


class KbArticleIn(Schema):
    model_config = ConfigDict(extra="forbid")

    language: str = Field(..., description="A language of the installation", json_schema_extra=LANGUAGE_ENUM)
    title: str = Field(..., min_length=1, max_length=MAX_TITLE)
    body: str = Field(
        ..., min_length=1, max_length=MAX_BODY, description="Plain text; an empty line parts paragraphs"
    )
    category: RecordId | None = None
    slug: str = Field(
        "", max_length=120, description="Short name in the public address; made of the title if left out"
    )
    status: StatusCode = Field("draft", description="public needs kb.publish_article")


class KbArticlePatch(Schema):
    model_config = ConfigDict(extra="forbid")

    version: StrictInt = Field(..., description="The version you read (409 if stale)")
    language: str = Field(
        UNSET, description="With title and body: that translation", json_schema_extra=LANGUAGE_ENUM
    )
    title: str = Field(UNSET, min_length=1, max_length=MAX_TITLE)
    body: str = Field(UNSET, min_length=1, max_length=MAX_BODY)
    category: RecordId | None = None
    slug: str = Field(UNSET, min_length=1, max_length=120)
    status: StatusCode = Field(UNSET)


class KbVoteIn(Schema):
    model_config = ConfigDict(extra="forbid")

    helpful: StrictBool
    language: str = Field("en", json_schema_extra=LANGUAGE_ENUM)


class KbTranslationOut(Schema):
    language: str
    title: str
    body: str
    version: int
    updated_by: str | None
    updated_at: datetime.datetime


class KbArticleOut(Schema):
    id: int
    slug: str
    status: StatusCode
    category: int | None
    created_by: str | None
    published_at: datetime.datetime | None
    helpful_count: int
    not_helpful_count: int
    public_url: str | None = Field(description="The public help page; null unless public")
    translations: list[KbTranslationOut]
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime


class KbArticleSummary(Schema):
    id: int
    slug: str
    status: StatusCode
    category: int | None
    language: str | None = Field(description="The language of `title`: the one asked for, else English")
    title: str | None
    languages: list[str]
    helpful_count: int
    not_helpful_count: int
    version: int
    updated_at: datetime.datetime


class KbArticlePage(Schema):
    items: list[KbArticleSummary]
    next: str | None


class KbVoteOut(Schema):
    article: int
    helpful: StrictBool
    helpful_count: int
    not_helpful_count: int


def _who(user: Any) -> str | None:
    return user.username if user is not None else None


def article_out(article: Article) -> dict[str, Any]:
    return {
        "id": article.pk,
        "slug": article.slug,
        "status": article.status,
        "category": article.category_id,
        "created_by": _who(article.created_by),
        "published_at": article.published_at,
        "helpful_count": article.helpful_count,
        "not_helpful_count": article.not_helpful_count,
        "public_url": public_url(article) if article.status == ArticleStatus.PUBLIC else None,
        "translations": [
            {
                "language": translation.language,
                "title": translation.title,
                "body": translation.body,
                "version": translation.version,
                "updated_by": _who(translation.updated_by),
                "updated_at": translation.updated_at,
            }
            for translation in sorted(
                article.translations.all(), key=lambda item: LANGUAGE_CODES.index(item.language)
            )
        ],
        "version": article.version,
        "created_at": article.created_at,
        "updated_at": article.updated_at,
    }


def _read(request: HttpRequest, article_id: int) -> dict[str, Any]:
    user = request_user(request)
    return article_out(article_get(user=user, pk=article_id))


def _check_language(language: str) -> None:
    if language not in LANGUAGE_CODES:
        raise ValidationError(
            {"language": _("“%(value)s” is not a language of this installation.") % {"value": language}}
        )


def _category(value: int | None) -> KbCategory | None:
    if value is None:
        return None
    category = KbCategory.objects.filter(pk=value).first()
    if category is None:
        raise ValidationError({"category": _("No category with this id.")})
    return category


@router.get(
    "/kb/articles",
    response={200: KbArticlePage, **ERRORS},
    summary="List knowledge base articles, last changed first (search with q, case and diacritics ignored)",
)
def kb_articles_list(
    request: HttpRequest,
    q: str = "",
    language: str = Query("", description="Only articles written in this language; titles in it"),
    category: int | None = Query(None, ge=1, le=MAX_ID),
    status: StatusCode | None = None,
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
    cursor: str | None = None,
) -> HttpResponse:
    user = request_user(request)
    if language:
        _check_language(language)
    articles = article_search(q, language, user, status=status or "", category=category)
    page = keyset_paginate(articles, ordering=["-updated_at", "-id"], cursor=cursor, limit=limit)
    items = []
    for article in page.items:
        translation = pick_translation(article, language or "en")
        items.append(
            {
                "id": article.pk,
                "slug": article.slug,
                "status": article.status,
                "category": article.category_id,
                "language": translation.language if translation else None,
                "title": translation.title if translation else None,
                "languages": sorted(
                    (item.language for item in article.translations.all()), key=LANGUAGE_CODES.index
                ),
                "helpful_count": article.helpful_count,
                "not_helpful_count": article.not_helpful_count,
                "version": article.version,
                "updated_at": article.updated_at,
            }
        )
    return page_response({"items": items, "next": page.next_cursor})


@router.post(
    "/kb/articles",
    response={201: KbArticleOut, **ERRORS},
    summary="Write a new article with its first translation (a draft unless a status is given)",
)
def kb_articles_create(request: HttpRequest, payload: KbArticleIn) -> Status:
    user = reader(request, "kb.add_article")
    article = article_create(
        actor=user,
        language=payload.language,
        title=payload.title,
        body=payload.body,
        category=_category(payload.category),
        slug=payload.slug,
        status=payload.status,
    )
    return Status(201, _read(request, article.pk))


@router.get(
    "/kb/articles/{article_id}",
    response={200: KbArticleOut, **ERRORS},
    summary="Read an article and its translations",
)
def kb_articles_read(request: HttpRequest, article_id: int) -> dict[str, Any]:
    return _read(request, article_id)


@router.patch(
    "/kb/articles/{article_id}",
    response={200: KbArticleOut, 409: ConflictError, **ERRORS},
    summary="Change an article: a translation (language, title, body: a new version), category, short name, status",
)
def kb_articles_update(request: HttpRequest, article_id: int, payload: KbArticlePatch) -> dict[str, Any]:
    user = reader(request, "kb.change_article")
    article = article_get(user=user, pk=article_id)
    data = payload.dict(exclude_unset=True)
    version: int | None = data.pop("version")
    text = {name: data.pop(name) for name in ("language", "title", "body") if name in data}
    if text and set(text) != {"language", "title", "body"}:
        raise ValidationError({"language": _("Give language, title and body together.")})
    with transaction.atomic():
        if text:
            translation_save(article=article, actor=user, version=version, **text)
            version = None  # checked once: what follows is this request's own change
        settings = {}
        if "category" in data:
            settings["category"] = _category(data["category"])
        if "slug" in data:
            settings["slug"] = data["slug"]
        if settings:
            article = article_update(article=article, actor=user, version=version, **settings)
            version = None
        if "status" in data:
            article_set_status(article=article, actor=user, status=data["status"], version=version)
            version = None
        if version is not None and version != article.version:
            raise VersionConflict(article.version)
    return _read(request, article_id)


@router.post(
    "/kb/articles/{article_id}/vote",
    response={200: KbVoteOut, **ERRORS},
    summary="Say whether an article helped (one vote per user; voting again changes it)",
)
def kb_articles_vote(request: HttpRequest, article_id: int, payload: KbVoteIn) -> dict[str, Any]:
    user = request_user(request)
    article = article_get(user=user, pk=article_id)
    _check_language(payload.language)
    vote = article_vote(article=article, helpful=payload.helpful, language=payload.language, user=user)
    article.refresh_from_db(fields=["helpful_count", "not_helpful_count"])
    return {
        "article": article.pk,
        "helpful": vote.helpful,
        "helpful_count": article.helpful_count,
        "not_helpful_count": article.not_helpful_count,
    }
