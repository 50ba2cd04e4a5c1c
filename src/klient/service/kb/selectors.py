"""Reads of the knowledge base: the article search (the same search as companies and contacts, through
klient.core.search), one article as a user may see it, the translation to show in a language, and the
suggestions on a ticket's page (articles that answer it, and similar tickets already resolved)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import connections
from django.db.models import Prefetch, QuerySet
from django.db.models.expressions import RawSQL

from klient.core.models import User
from klient.core.search import _ids_sql, fold, query_terms, search_words
from klient.service.kb.models import Article, ArticleStatus, ArticleTranslation, KbCategory
from klient.service.kb.services import public_url
from klient.service.models import DONE_STATUSES, Ticket, TicketMessage

Reader = User | AnonymousUser | None

SUGGESTED_ARTICLES = 5
SIMILAR_TICKETS = 5
# Suggestions weigh at most this many translations that share a word with the ticket, and look for
# similar tickets among this many of the latest resolved or closed ones: a ticket's page stays fast
# whatever the size of the desk's history.
SUGGESTION_CANDIDATES = 300
SIMILAR_WINDOW = 500
# Words of a ticket that say nothing about what it is about (folded).
_STOP_WORDS_BY_LANGUAGE = (
    "the and for you your with this that have are was not but from our can please hello thanks thank "
    "regards dear what when where how why who will would there here about into has had been any all get "
    "got out does did its it's they them their just also some need want like know could should",
    "nie jest dla czy się jak ale oraz mam jestem proszę dzień dobry pozdrawiam witam tak ten już "
    "jeszcze moje mój być może który która które gdzie kiedy dlaczego dziękuję",
    "što kako zašto nije moj moja hvala pozdrav molim dobar dan imam ali ili gdje kada",
    "что как для это или мой моя при все уже здравствуйте спасибо пожалуйста где когда почему есть нет "
    "не на по из вас ваш наш добрый день",
)
STOP_WORDS = frozenset(fold(word) for words in _STOP_WORDS_BY_LANGUAGE for word in words.split())


# --- search ---------------------------------------------------------------------------------------------


def _has_language(language: str) -> RawSQL:
    table = ArticleTranslation._meta.db_table
    return RawSQL(f"SELECT article_id FROM {table} WHERE language = %s", [language])  # noqa: S608, S611


def article_search(
    q: str = "",
    language: str = "",
    user: Reader = None,
    *,
    status: str = "",
    category: KbCategory | int | None = None,
) -> QuerySet[Article]:
    """Articles the user may read, newest change first, narrowed to those with a translation (in
    `language`, when given) that has every word of `q` (case, diacritics ignored; CJK by any run of
    characters), optionally of one status and category. Anonymous visitors and portal customers get
    public articles only; staff readers internal ones too; writers drafts as well."""
    articles = Article.objects.visible_to(user).select_related("category")
    if status:
        articles = articles.filter(status=status)
    if category is not None:
        articles = articles.filter(category=category)
    if language:
        articles = articles.filter(pk__in=_has_language(language))
    terms = query_terms(q)
    if terms:
        connection = connections[articles.db]
        table = ArticleTranslation._meta.db_table
        for term in terms:
            sql, params = _ids_sql(ArticleTranslation, term, connection)
            condition = f"SELECT article_id FROM {table} WHERE id IN ({sql})"  # noqa: S608
            if language:
                condition += " AND language = %s"
                params = [*params, language]
            articles = articles.filter(pk__in=RawSQL(condition, params))  # noqa: S611
    return articles.prefetch_related(
        Prefetch(
            "translations",
            queryset=ArticleTranslation.objects.only(
                "pk", "article_id", "language", "title", "version", "updated_at"
            ),
        )
    ).order_by("-updated_at", "-id")


def article_get(*, user: Reader, pk: int) -> Article:
    """An article the user may read, with its translations; DoesNotExist for one they may not."""
    return (
        Article.objects.visible_to(user)
        .select_related("category", "created_by")
        .prefetch_related(
            Prefetch("translations", queryset=ArticleTranslation.objects.select_related("updated_by"))
        )
        .get(pk=pk)
    )


def public_article_get(*, slug: str) -> Article:
    """A public article by its short name, with its translations; DoesNotExist otherwise."""
    return (
        Article.objects.filter(status=ArticleStatus.PUBLIC)
        .select_related("category")
        .prefetch_related("translations")
        .get(slug=slug)
    )


def pick_translation(article: Article, language: str) -> ArticleTranslation | None:
    """The translation to show in a language: that language's, else English, else the first written."""
    translations = list(article.translations.all())
    by_language = {translation.language: translation for translation in translations}
    return by_language.get(language) or by_language.get("en") or (translations[0] if translations else None)


def categories() -> list[KbCategory]:
    return list(KbCategory.objects.all())


# --- suggestions on a ticket ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SuggestedArticle:
    """An article that may answer a ticket: the translation to show, the words of the ticket it has,
    what "Insert into reply" puts in the reply (its text and, for a public article, its address)."""

    article: Article
    translation: ArticleTranslation
    matched: int
    url: str
    insert_text: str


@dataclass(frozen=True)
class SimilarTicket:
    """A resolved or closed ticket whose subject has the same words."""

    number: int
    subject: str
    status: str
    status_label: str
    matched: int


def _topic_words(text: str, limit: int) -> list[str]:
    """The words a text is about: folded, each once, without stop words and one-letter words."""
    words: dict[str, None] = {}
    for word in search_words(text):
        if word in STOP_WORDS or len(word) < 2 or (len(word) < 3 and word.isascii()):
            continue
        words[word] = None
        if len(words) >= limit:
            break
    return list(words)


def _matched(words: list[str], own: set[str]) -> int:
    """How many of the words begin a word of `own`."""
    return sum(1 for word in words if word in own or any(item.startswith(word) for item in own))


def _first_message_text(ticket: Ticket) -> str:
    message = (
        TicketMessage.objects.filter(ticket=ticket, public=True)
        .order_by("created_at", "id")
        .values_list("display_text", "body_text")
        .first()
    )
    if message is None:
        return ""
    return (message[0] or message[1] or "")[:2000]


def _insert_text(article: Article, translation: ArticleTranslation) -> tuple[str, str]:
    url = public_url(article, translation.language) if article.status == ArticleStatus.PUBLIC else ""
    text = f"{translation.title}\n\n{translation.body}"
    return url, f"{text}\n\n{url}" if url else text


def suggested_articles(ticket: Ticket, user: Reader, words: list[str]) -> list[SuggestedArticle]:
    """Up to five published or internal articles sharing the most words with the ticket, those written in
    the ticket's language first. Two queries: the candidates, then the chosen articles' translations."""
    if not words:
        return []
    articles = Article.objects.visible_to(user).exclude(status=ArticleStatus.DRAFT)
    connection = connections[articles.db]
    parts, params = [], []
    for word in words:
        sql, word_params = _ids_sql(ArticleTranslation, (word,), connection)
        parts.append(sql)
        params += word_params
    candidates = (
        ArticleTranslation.objects.filter(article__in=articles)
        .filter(pk__in=RawSQL(" UNION ".join(parts), params))  # noqa: S611
        .values_list("article_id", "language", "title", "search_text")[:SUGGESTION_CANDIDATES]
    )
    best: dict[int, tuple[int, int]] = {}
    for article_id, language, title, text in candidates:
        matched = _matched(words, set(text.split()))
        if not matched:
            continue
        title_words = set(search_words(title))
        score = matched + _matched(words, title_words)
        in_language = int(language == ticket.language)
        best[article_id] = max(best.get(article_id, (0, 0)), (in_language, score))
    chosen = sorted(best, key=lambda pk: (best[pk][0], best[pk][1], pk), reverse=True)[:SUGGESTED_ARTICLES]
    if not chosen:
        return []
    shown = {
        article.pk: article
        for article in Article.objects.filter(pk__in=chosen).prefetch_related("translations")
    }
    result = []
    for pk in chosen:
        article = shown[pk]
        translation = pick_translation(article, ticket.language)
        if translation is None:
            continue
        url, text = _insert_text(article, translation)
        result.append(SuggestedArticle(article, translation, best[pk][1], url, text))
    return result


def similar_tickets(ticket: Ticket, user: User, words: list[str]) -> list[SimilarTicket]:
    """Up to five resolved or closed tickets the user sees whose subject shares the most words with this
    one's, among the latest SIMILAR_WINDOW resolved (one query)."""
    if not words or not user.has_perm("service.view_ticket"):
        return []
    from klient.service.models import TicketStatus

    labels = dict(TicketStatus.choices)
    # The latest resolved tickets by the index on resolved_at (set while a ticket is resolved or closed,
    # cleared when it reopens): one query that reads SIMILAR_WINDOW index entries whatever the table's size.
    rows = (
        Ticket.objects.visible_to(user)
        .filter(resolved_at__isnull=False, status__in=DONE_STATUSES, merged_into__isnull=True)
        .exclude(pk=ticket.pk)
        .order_by("-resolved_at", "-id")
        .values_list("number", "subject", "status")[:SIMILAR_WINDOW]
    )
    found = []
    for position, (number, subject, status) in enumerate(rows):
        matched = _matched(words, set(search_words(subject)))
        if matched:
            found.append(
                (
                    matched,
                    -position,
                    SimilarTicket(number, subject, status, str(labels.get(status, status)), matched),
                )
            )
    found.sort(key=lambda item: (item[0], item[1]), reverse=True)
    return [item[2] for item in found[:SIMILAR_TICKETS]]


def suggestions_for(ticket: Ticket, user: User) -> dict[str, Any]:
    """What the ticket's page suggests: "articles" (SuggestedArticle, up to five, matching the subject and
    the first message) and "similar_tickets" (SimilarTicket, up to five, matching the subject). At most
    five queries whatever the size of the knowledge base and the ticket history."""
    subject_words = _topic_words(ticket.subject, 12)
    words = _topic_words(f"{ticket.subject}\n{_first_message_text(ticket)}", 16)
    return {
        "articles": suggested_articles(ticket, user, words),
        "similar_tickets": similar_tickets(ticket, user, subject_words),
    }
