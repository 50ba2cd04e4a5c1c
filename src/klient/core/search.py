"""The search service: one way to find companies and contacts, shared by lists, the API and the search page.

Every record keeps `search_text`: its searchable words, folded (no case, no diacritics) and split the
same way in every script, with CJK runs as overlapping pairs of characters and phone numbers and tax
ids in several digit forms (built by `index_text`). SQLite indexes that column with FTS5, PostgreSQL
with a GIN full-text index (migration customers 0003). A query is split by the same rules; each of its
words must begin a word of the record (prefix search), and a company is found by its contacts' words.
"""

# ruff: noqa: S608 - SQL here is built from model table names only; user text is always a parameter.
from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import phonenumbers
from django.apps import apps
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, Expression, F, Func, Lookup, Model, Q, QuerySet
from django.db.models.sql.where import AND, WhereNode

M = TypeVar("M", bound=Model)

# Letters that Unicode does not decompose into a base letter plus a mark.
_EXTRA_FOLDS = str.maketrans(
    {"ł": "l", "đ": "d", "ø": "o", "ß": "ss", "æ": "ae", "œ": "oe", "ı": "i", "ħ": "h", "þ": "th", "ð": "d"}
)
# Where people type a letter without its marks as two letters: "Đurđevak" is written "Djurdjevak" too.
_SPELLED_OUT = str.maketrans({"đ": "dj", "Đ": "Dj"})

# Scripts written without spaces between words: Han ideographs, kana and their extensions.
_CJK = (
    "\u3005\u3007\u3021-\u3029\u3038-\u303b\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003134f"
)
# A word: letters and digits of any script (`[^\W_]` is Python's "alphanumeric"), cut where CJK starts
# or ends. A few letters that SQLite's unicode61 tokenizer takes for separators are separators here too,
# so that every word we produce is exactly one word of the FTS5 index.
_FTS5_SEPARATORS = "\u19b0-\u19c9\u1cf2\u1cf3"
_WORD = re.compile(f"[{_CJK}]+|[^\\W_{_CJK}{_FTS5_SEPARATORS}]+")
_CJK_RUN = re.compile(f"[{_CJK}]+")

MAX_QUERY_LENGTH = 200
MAX_QUERY_TERMS = 12


def fold(text: str) -> str:
    """Lower-case, strip diacritics, keep every script's letters (`Zażółć` → `zazolc`, `Ёлка` → `елка`)."""
    if text.isascii():
        # Nothing to decompose or strip: the same result, several times faster (imports fold millions).
        return " ".join(text.lower().split())
    # Decompose before and after case folding: compatibility forms such as "ℌ" decompose to capitals.
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.translate(_EXTRA_FOLDS).split())


_NOT_DIGITS = re.compile("[^0-9]+")


def _is_mostly_digits(text: str) -> tuple[bool, str]:
    """Whether text reads as a number (phone, tax id): at least 3 digits and twice as many digits as letters."""
    if text.isalpha():
        return False, ""  # the commonest chunk of all, a word
    if text.isascii() and text.isdigit():
        return len(text) >= 3, text
    digits = _NOT_DIGITS.sub("", text)
    if len(digits) < 3:
        return False, digits
    letters = sum(map(str.isalpha, text))
    return len(digits) >= 2 * letters, digits


def _words_of_folded(folded: str) -> list[str]:
    if folded.isascii():
        # No CJK to pair up: the words as found (the common case, kept short for imports).
        words: list[str] = _WORD.findall(folded)
        for chunk in folded.split():
            is_number, digits = _is_mostly_digits(chunk)
            if is_number:
                words.append(digits)
        return words
    words = []
    for match in _WORD.finditer(folded):
        word = match.group()
        if _CJK_RUN.fullmatch(word):
            # Every pair of neighbours, and the last character alone: then any two consecutive characters
            # are a word, and any single character begins one.
            words.extend(word[index : index + 2] for index in range(len(word) - 1))
            words.append(word[-1])
        else:
            words.append(word)
    # "123-45-67" is a word too when it reads as a number, so that typing it as one finds it.
    for chunk in folded.split():
        is_number, digits = _is_mostly_digits(chunk)
        if is_number:
            words.append(digits)
    return words


def search_words(text: str) -> list[str]:
    """The words a text is found by: folded letters and digits of any script, CJK as character pairs."""
    words = _words_of_folded(fold(text))
    if "đ" in text or "Đ" in text:
        words += _words_of_folded(fold(text.translate(_SPELLED_OUT)))
    return words


def index_text(parts: Iterable[str | None]) -> str:
    """`search_text` of a record from its searchable values: each word once, in order of appearance.

    Words never cross white space, so each space-separated chunk is read alone; imports meet the same
    chunks (cities, legal forms, first names) again and again, and read each once.
    """
    words: dict[str, None] = {}
    for part in parts:
        if not part:
            continue
        if part.isascii() and part.isdigit():
            words[part] = None  # a phone or tax id in digits: itself, the commonest part of all
            continue
        for chunk in part.split():
            found = _CHUNK_WORDS.get(chunk)
            if found is None:
                found = tuple(search_words(chunk))
                if len(_CHUNK_WORDS) >= _CHUNK_WORDS_KEPT:
                    _CHUNK_WORDS.clear()
                _CHUNK_WORDS[chunk] = found
            words.update(dict.fromkeys(found))
    return " ".join(words)


_CHUNK_WORDS: dict[str, tuple[str, ...]] = {}
_CHUNK_WORDS_KEPT = 20_000


@functools.lru_cache(maxsize=4096)
def national_phone_forms(e164: str) -> tuple[str, ...]:
    """Digits of a number as dialled inside its country, with and without the trunk prefix
    ("+74951234567" → "84951234567", "4951234567"; "+48221234567" → "221234567")."""
    forms = _national_forms_of_plain_e164(e164)
    if forms is not None:
        return forms
    try:
        number = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return ()
    national = phonenumbers.national_significant_number(number)
    region = phonenumbers.region_code_for_country_code(number.country_code or 0)
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    trunk = (metadata.national_prefix or "") if metadata else ""
    return (trunk + national, national) if trunk else (national,)


_PLAIN_E164 = re.compile(r"\+[1-9][0-9]{3,18}")


def _national_forms_of_plain_e164(e164: str) -> tuple[str, ...] | None:
    """national_phone_forms without parsing, for a "+digits" number whose national part cannot start with
    its country's trunk prefix: the national number is then the digits after the country code, as parsing
    would find them. None when parsing must decide (other text, a trunk prefix to strip, non-geographic)."""
    if not _PLAIN_E164.fullmatch(e164):
        return None
    for length in (1, 2, 3):
        country_code = int(e164[1 : 1 + length])
        if country_code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            break
    else:
        return None
    national = e164[1 + length :]
    region = phonenumbers.region_code_for_country_code(country_code)
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if metadata is None or not 2 <= len(national) <= 17:
        return None
    prefix_for_parsing = metadata.national_prefix_for_parsing
    if prefix_for_parsing and _compiled(prefix_for_parsing).match(national):
        return None
    trunk = metadata.national_prefix or ""
    return (trunk + national, national) if trunk else (national,)


@functools.lru_cache(maxsize=512)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _host(word: str) -> str:
    """A web address is searched by its host: "https://www.acme.pl/kontakt" → "acme.pl"."""
    if "://" not in word and not word.startswith("www."):
        return word
    host = re.sub(r"^[a-z][a-z0-9+.-]*://", "", word).split("/", 1)[0].split("?", 1)[0]
    host = host.rsplit("@", 1)[-1].split(":", 1)[0]
    return host.removeprefix("www.")


Term = tuple[str, ...]


def query_terms(query: str) -> list[Term]:
    """The terms of a query, all of which must match; a term matches a record when one of the record's
    words begins with one of the term's forms.

    A query that reads as a number ("+7 (495) 123-45-67", "PL 521-300-01-01") is one term: its digits.
    """
    folded = fold(query[:MAX_QUERY_LENGTH])
    folded = " ".join(_host(word) for word in folded.split())
    is_number, digits = _is_mostly_digits(folded)
    if is_number:
        forms = [digits]
        if digits.startswith("00") and len(digits) > 5:
            forms.append(digits[2:])  # dialled with the international prefix 00 instead of +
        words = _WORD.findall(folded)
        if len(words) == 1 and words[0] not in forms:
            forms.append(words[0])  # "krs0000123456" is also a word as typed
        return [tuple(forms)]
    terms: list[Term] = []
    for match in _WORD.finditer(folded):
        word = match.group()
        if _CJK_RUN.fullmatch(word) and len(word) > 1:
            terms.extend((word[index : index + 2],) for index in range(len(word) - 1))
        else:
            terms.append((word,))
    return list(dict.fromkeys(terms))[:MAX_QUERY_TERMS]


def _fts5_expression(term: Term) -> str:
    # Every form is quoted: FTS5 syntax typed by a user (" * ( ) : - NEAR AND OR ^) is only text here.
    return " OR ".join('"{}"*'.format(form.replace('"', '""')) for form in term)


def _tsquery(term: Term) -> str:
    return " | ".join("'{}':*".format(form.replace("\\", "\\\\").replace("'", "''")) for form in term)


# SQLite cannot estimate how many rows an FTS5 query matches, so the search asks (counting at most this
# many) and picks the plan: few matches are fetched by id and sorted; many are checked while walking the
# list's ordering index, which stops after one page.
COMMON_MATCHES = 1000


def _ids_sql(model: type[Model], term: Term, connection: BaseDatabaseWrapper) -> tuple[str, list[str]]:
    """SQL selecting the ids of `model` rows that have a word beginning with one of the term's forms."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    if connection.vendor == "sqlite":
        fts = quote(f"{model._meta.db_table}_fts")
        return f"SELECT rowid FROM {fts} WHERE {fts} MATCH %s", [_fts5_expression(term)]
    column = f"{table}.{quote('search_text')}"
    if connection.vendor == "postgresql":
        # The same expression as the GIN index of migration customers 0003, so that the index is used.
        condition = f"to_tsvector('simple'::regconfig, {column}) @@ to_tsquery('simple'::regconfig, %s)"
        return f"SELECT {table}.id FROM {table} WHERE {condition}", [_tsquery(term)]
    # Other databases have no index for this: a scan for the word at the start or after a space.
    # (Forms hold only letters and digits, so there is nothing to escape for LIKE.)
    conditions = " OR ".join(f"{column} LIKE %s OR {column} LIKE %s" for _form in term)
    patterns = [pattern for form in term for pattern in (f"{form}%", f"% {form}%")]
    return f"SELECT {table}.id FROM {table} WHERE {conditions}", patterns


class _IdIn(Expression):
    """`pk IN (subquery)`; with `walk_ordering` written `+pk IN (...)`, which keeps SQLite from driving
    the query from the subquery so that it walks the ordering index instead."""

    conditional = True

    def __init__(
        self, sql: str, params: list[Any], *, walk_ordering: bool, plan: _TermPlan | None = None
    ) -> None:
        super().__init__(output_field=BooleanField())
        self.sql, self.params, self.walk_ordering, self.plan = sql, params, walk_ordering, plan
        self.primary_key: Any = F("pk")

    def get_source_expressions(self) -> list[Any]:
        return [self.primary_key]

    def set_source_expressions(self, expressions: Any) -> None:
        (self.primary_key,) = expressions

    def as_sql(self, compiler: Any, connection: BaseDatabaseWrapper) -> tuple[str, list[Any]]:
        primary_key_sql, primary_key_params = compiler.compile(self.primary_key)
        prefix = "+" if self.walk_ordering else ""
        return f"{prefix}{primary_key_sql} IN ({self.sql})", [*primary_key_params, *self.params]


def _count_matches(connection: BaseDatabaseWrapper, models: list[type[Model]], terms: list[Term]) -> int:
    """How many rows (own and related, at most COMMON_MATCHES each) the rarest term matches."""
    quote = connection.ops.quote_name
    columns, params = [], []
    for term in terms:
        counts = []
        for model in models:
            fts = quote(f"{model._meta.db_table}_fts")
            counts.append(
                f"(SELECT count(*) FROM (SELECT 1 FROM {fts} WHERE {fts} MATCH %s LIMIT {COMMON_MATCHES}))"
            )
            params.append(_fts5_expression(term))
        columns.append(" + ".join(counts))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)}", params)
        row = cursor.fetchone()
    return min(row)


def _rare_matches(
    connection: BaseDatabaseWrapper, terms: list[Term], id_sets: list[tuple[str, Any]]
) -> tuple[int, set[int]] | None:
    """PostgreSQL cannot estimate how many rows a prefix search matches either, and plans every term as
    if it matched thousands: a page then reads every row of the commonest term. So the longest term (a
    number, a full name: the likeliest to be rare) is fetched first, COMMON_MATCHES rows at most; when
    it matches fewer, this is (its index, the ids it matches) and the page is read from those ids only.
    None when it is common."""
    index = max(range(len(terms)), key=lambda position: max(len(form) for form in terms[position]))
    sql, params = id_sets[index]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM ({sql}) AS matches LIMIT {COMMON_MATCHES + 1}", params)
        ids = [row[0] for row in cursor.fetchall()]
    return (index, set(ids)) if len(ids) <= COMMON_MATCHES else None


def _narrow(
    queryset: QuerySet[M],
    terms: list[Term],
    id_sets: list[tuple[str, list[Any]]],
    models: list[type[Model]],
    plans: list[_TermPlan] | None = None,
) -> QuerySet[M]:
    connection = connections[queryset.db]
    rare = _rare_matches(connection, terms, id_sets) if connection.vendor == "postgresql" else None
    if rare is not None:
        rare_index, candidates = rare
        queryset = queryset.filter(pk__in=sorted(candidates))
        # The other terms are looked for among those ids only, never in the whole table.
        id_sets = [
            (f"SELECT id FROM ({sql}) AS matches WHERE id = ANY(%s)", [*params, sorted(candidates)])
            for index, (sql, params) in enumerate(id_sets)
            if index != rare_index
        ]
    walk_ordering = (
        connection.vendor == "sqlite" and _count_matches(connection, models, terms) >= COMMON_MATCHES
    )
    # Common words on PostgreSQL: each condition also says how to read a page without it (see first_rows).
    term_plans = plans if plans is not None and rare is None and connection.vendor == "postgresql" else None
    for index, (sql, params) in enumerate(id_sets):
        plan = term_plans[index] if term_plans is not None else None
        queryset = queryset.filter(_IdIn(sql, params, walk_ordering=walk_ordering, plan=plan))
    if getattr(queryset, "visibility_user", None) is not None:
        # A search is read from its own matches: reading them once for each branch of the visibility
        # (see klient.core.pagination) would take as many times as long.
        queryset.visibility_user = None  # type: ignore[attr-defined]
    return queryset


def search_companies(queryset: QuerySet[M], query: str) -> QuerySet[M]:
    """Narrow a (visible) queryset of companies to those matching every word of the query, by their own
    words (names, tax ids, phones, email, website) or their contacts' (names, emails, phones).

    The queryset keeps its ordering, so keyset pagination works on the result. On SQLite one small query
    runs at once (it counts matches to pick the plan); the rest stays lazy. An empty query keeps every row.
    """
    terms = query_terms(query)
    if not terms:
        return queryset
    company, contact = queryset.model, apps.get_model("customers", "Contact")
    connection = connections[queryset.db]
    quote = connection.ops.quote_name
    contacts = quote(contact._meta.db_table)
    id_sets, plans = [], []
    for term in terms:
        own, own_params = _ids_sql(company, term, connection)
        by_contact, contact_params = _ids_sql(contact, term, connection)
        related = f"SELECT company_id FROM {contacts} WHERE id IN ({by_contact})"
        id_sets.append((f"{own} UNION ALL {related}", [*own_params, *contact_params]))
        plans.append(
            _TermPlan(_tsquery(term), related, tuple(contact_params), "id", contacts, quote("company_id"))
        )
    return _narrow(queryset, terms, id_sets, [company, contact], plans)


def search_contacts(queryset: QuerySet[M], query: str) -> QuerySet[M]:
    """Narrow a (visible) queryset of contacts to those matching every word of the query, by their own
    words (names, position, emails, phones) or their company's (so "acme jan" finds Jan at Acme).

    Ordering and laziness as for search_companies.
    """
    terms = query_terms(query)
    if not terms:
        return queryset
    contact, company = queryset.model, apps.get_model("customers", "Company")
    connection = connections[queryset.db]
    quote = connection.ops.quote_name
    contacts, companies = quote(contact._meta.db_table), quote(company._meta.db_table)
    id_sets, plans = [], []
    for term in terms:
        own, own_params = _ids_sql(contact, term, connection)
        by_company, company_params = _ids_sql(company, term, connection)
        id_sets.append(
            (
                f"{own} UNION ALL SELECT id FROM {contacts} WHERE company_id IN ({by_company})",
                [*own_params, *company_params],
            )
        )
        plans.append(
            _TermPlan(_tsquery(term), by_company, tuple(company_params), "company_id", companies, quote("id"))
        )
    return _narrow(queryset, terms, id_sets, [contact, company], plans)


@dataclass(frozen=True)
class _TermPlan:
    """How a PostgreSQL page can find one common term's rows without reading them all: the row's own
    words (`tsquery` against its search_text), or `related_column` among the ids `related_sql` selects
    (a company found by its contacts' words, a contact by its company's). Those related records are
    the rows of `related_table` whose `related_key` equals the row's `related_column` and whose words
    match `tsquery` (names quoted for SQL): the walk checks that row by row when they are too many to
    list."""

    tsquery: str
    related_sql: str
    related_params: tuple[Any, ...]
    related_column: str
    related_table: str
    related_key: str


# A page of a common word's search first walks the list's ordering index this far (2,000 rows: about
# 15 ms), then reads every match once.
WALK_ROWS = 2000


def first_rows(queryset: QuerySet[M], count: int, *, after: Q | None = None) -> QuerySet[M]:
    """The first `count` rows of an ordered queryset, as a queryset that reads them cheaply.

    A search for words that match thousands of rows on PostgreSQL would otherwise read each match twice
    (once for its id, once for its row) and sort them all, at a million companies 400 ms and more. Here
    the page's ids are found first: by walking the list's ordering index WALK_ROWS rows far, checking
    each row's words on the way (a word found in many rows all over the list, such as a legal form or a
    city, fills a page within a few hundred rows); when that finds too few, by reading every match once
    and sorting by the ordering's values only. The queryset returned is the one given, without its
    search conditions, narrowed to those ids: the same rows, in the same order.

    Rows found through related records (a contact by its company's words) are checked against the
    related ids, or, when those are more than COMMON_MATCHES, by looking up each walked row's related
    records: at a million contacts, the contacts of 41,000 companies named "Ромашка" fill a page in a
    few hundred rows of the walk. The sort needs the ids listed: without them, the queryset's own plan.

    `after` (a keyset page's start) is added to the queryset here, after the choice: only a search with
    no other condition walks, since the walk's rows are counted before conditions (a user who sees one
    company in twenty would have the walk read twenty times as many rows). Any other queryset is
    returned as it is, with `after`.
    """
    plans, base = _without_search_conditions(queryset)
    if not plans:
        return queryset if after is None else queryset.filter(after)
    may_walk = not base.query.where.children
    if after is not None:
        queryset, base = queryset.filter(after), base.filter(after)
    connection = connections[queryset.db]
    ordering = [str(name) for name in queryset.query.order_by]
    if not ordering or any("__" in name.lstrip("-") for name in ordering):
        return queryset
    related = _related_ids(connection, plans)
    ids = _walked_ids(base, ordering, plans, related, count) if may_walk else None
    if ids is None:
        listed = [ids_of_term for ids_of_term in related if ids_of_term is not None]
        if len(listed) < len(related):
            return queryset  # a related side is common too: the queryset's own plan
        ids = _sorted_match_ids(base, ordering, plans, listed, count)
    return base.filter(pk__in=ids)


def _without_search_conditions(queryset: QuerySet[M]) -> tuple[list[_TermPlan], QuerySet[M]]:
    """The search conditions' plans (all of them, or none) and the queryset without those conditions."""
    where = queryset.query.where
    if where.connector != AND or where.negated:
        return [], queryset
    plans, kept = [], []
    for child in where.children:
        condition = child.lhs if isinstance(child, Lookup) else child
        if isinstance(condition, _IdIn):
            if condition.plan is None:
                return [], queryset
            plans.append(condition.plan)
        else:
            kept.append(child)
    if not plans or _holds_search_condition(kept):
        return [], queryset
    base = queryset.all()
    base.query.where.children = kept  # the clone's own list: the queryset given is unchanged
    return plans, base


def _holds_search_condition(nodes: Iterable[Any]) -> bool:
    for node in nodes:
        if isinstance(node, WhereNode) and _holds_search_condition(node.children):
            return True
        if isinstance(node.lhs if isinstance(node, Lookup) else node, _IdIn):
            return True
    return False


def _related_ids(connection: BaseDatabaseWrapper, plans: list[_TermPlan]) -> list[list[int] | None]:
    """For each term, the ids its related records point to (its rows found by related words), in one
    query; None for a term with more than COMMON_MATCHES of them."""
    parts: list[str] = []
    params: list[Any] = []
    for index, plan in enumerate(plans):
        parts.append(
            f"SELECT {index} AS term, id FROM (SELECT * FROM ({plan.related_sql}) AS related(id) "
            f"LIMIT {COMMON_MATCHES + 1}) AS related_{index}"
        )
        params += plan.related_params
    found: list[set[int]] = [set() for _plan in plans]
    counts = [0] * len(plans)
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        for term, related_id in cursor.fetchall():
            found[term].add(related_id)
            counts[term] += 1
    return [
        sorted(ids) if count <= COMMON_MATCHES else None for ids, count in zip(found, counts, strict=True)
    ]


def _match_sql(
    plans: list[_TermPlan], related: Sequence[list[int] | None], words: str, columns: dict[str, str]
) -> tuple[str, list[Any]]:
    """Every term found in the row: in its own words (column `words`) or its related records' — among
    the ids listed, or when there were too many to list, by looking up the row's related records."""
    parts, params = [], []
    for plan, ids in zip(plans, related, strict=True):
        own = f"to_tsvector('simple'::regconfig, {words}) @@ to_tsquery('simple'::regconfig, %s)"
        if ids is not None:
            parts.append(f"({own} OR {columns[plan.related_column]} = ANY(%s))")
            params += [plan.tsquery, ids]
            continue
        parts.append(
            f"({own} OR EXISTS (SELECT 1 FROM {plan.related_table} AS linked "
            f"WHERE linked.{plan.related_key} = {columns[plan.related_column]} "
            "AND to_tsvector('simple'::regconfig, linked.search_text) @@ to_tsquery('simple'::regconfig, %s)))"
        )
        params += [plan.tsquery, plan.tsquery]
    return " AND ".join(parts), params


def _walked_ids(
    base: QuerySet[M],
    ordering: list[str],
    plans: list[_TermPlan],
    related: list[list[int] | None],
    count: int,
) -> list[int] | None:
    """The ids of the first `count` matches among the first WALK_ROWS rows of the list; None when fewer."""
    fields = list(
        dict.fromkeys(
            [
                "id",
                "search_text",
                *(plan.related_column for plan in plans),
                *(name.lstrip("-") for name in ordering),
            ]
        )
    )
    walk = base.order_by(*ordering).values_list(*fields)[:WALK_ROWS]
    walk_sql, walk_params = walk.query.get_compiler(using=base.db).as_sql()
    aliases = [f"c{index}" for index in range(len(fields))]
    columns = {name: f"walked.{alias}" for name, alias in zip(fields, aliases, strict=True)}
    condition, params = _match_sql(plans, related, columns["search_text"], columns)
    order_by = ", ".join(
        f"{columns[name.lstrip('-')]} {'DESC' if name.startswith('-') else 'ASC'}" for name in ordering
    )
    # The walk's rows come in the list's order, so PostgreSQL filters them in that order and stops at the
    # page's last match without sorting anything.
    sql = (
        f"SELECT walked.c0 FROM ({walk_sql}) AS walked({', '.join(aliases)}) "
        f"WHERE {condition} ORDER BY {order_by} LIMIT {int(count)}"
    )
    with connections[base.db].cursor() as cursor:
        cursor.execute(sql, [*walk_params, *params])
        ids = [row[0] for row in cursor.fetchall()]
    return ids if len(ids) == count else None


def _sorted_match_ids(
    base: QuerySet[M], ordering: list[str], plans: list[_TermPlan], related: list[list[int]], count: int
) -> list[int]:
    """The ids of the first `count` matches, every match read once and sorted by the ordering's values.

    The ordering is written COALESCE(field, field) (the same values, nulls included): no index has that
    expression, so PostgreSQL cannot choose to walk an ordering index past thousands of rows that do not
    match, and reads the matches through the search index instead."""
    connection = connections[base.db]
    table = connection.ops.quote_name(base.model._meta.db_table)
    columns = {
        name: f"{table}.{connection.ops.quote_name(name)}"  # columns of the table, named as in the table
        for name in {"id", *(plan.related_column for plan in plans)}
    }
    condition, params = _match_sql(
        plans, related, f"{table}.{connection.ops.quote_name('search_text')}", columns
    )
    orders = []
    for name in ordering:
        field = name.lstrip("-")
        value = Func(F(field), F(field), function="COALESCE")
        orders.append(value.desc() if name.startswith("-") else value.asc())
    matches = base.filter(_Condition(condition, params)).order_by(*orders).values_list("pk", flat=True)
    return list(matches[:count])


class _Condition(Expression):
    """A WHERE condition written in SQL (names from the models, values as parameters)."""

    conditional = True

    def __init__(self, sql: str, params: list[Any]) -> None:
        super().__init__(output_field=BooleanField())
        self.sql, self.params = sql, params

    def as_sql(self, compiler: Any, connection: BaseDatabaseWrapper) -> tuple[str, list[Any]]:
        return self.sql, list(self.params)
