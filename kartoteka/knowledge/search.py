"""Full-text search over articles, and the suggestions shown while a ticket is being written.

    search_articles(query, *, public_only, language=None, limit=10, …) -> list[Article]
    suggest_for_text(subject, description, *, public_only, language=None, limit=5)
    search_public_articles(query, …) / suggest_public_articles(subject, description, …)
                                                  # what the customer portal calls

Text is folded the same way when indexed and when searched (the platform's `fold`: lower
case, accents and Polish ł removed, ё → е), so "Łódź", "lodz" and "LODZ" meet, and "Ёлка"
is found by "елка". The index holds whole folded words of the title and of the body's text
(`search_title`, `search_body`, filled by `index_fields`); a query is cut into words and each
word into a light stem (a common Russian, Polish or English ending removed), matched as a
prefix: "пароля" finds "пароль" and "паролем", "faktury" finds "fakturę", "invoices" finds
"invoice". Only letters and digits ever reach the database's query language, so quotes,
`*`, `OR`, `--` and other operators in a query are words or nothing — never syntax.

On SQLite an FTS5 table (`knowledge_article_fts`, columns search_title and search_body,
unicode61 tokenizer) follows the article table through triggers, so any write keeps it in
step; results are ordered by bm25 with the title weighing ten times the body. On PostgreSQL
the same two columns make a weighted `SearchVector` (title A, body B, configuration
'simple') with a GIN expression index on exactly that expression, ranked by `SearchRank`.
On both, a search puts articles whose title holds every word first; a search whose words do
not all occur in one article falls back to articles with any of them.
"""

from __future__ import annotations

import re
from collections import Counter

from django.db import connection
from django.db.models import Case, IntegerField, QuerySet, Value, When

from kartoteka.platform.search import fold

from .markup import plain_text
from .models import Article, Language

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
MAX_TERMS = 8
MAX_TERM_LENGTH = 40
MAX_QUERY_LENGTH = 1000
MAX_TEXT_LENGTH = 20000  # of a ticket's description read for suggestions
MAX_LIMIT = 50
MIN_STEM = 4
TITLE_WEIGHT, BODY_WEIGHT = 10.0, 1.0  # bm25 column weights on SQLite

# Common endings, longest first (folded like the text: no accents, ё → е, й → и). Removing
# one leaves the part of a word its other forms share, which then matches them as a prefix.
_ENDING_WORDS = (
    # Russian: nouns, adjectives, verbs
    "ться тся ями ами ого его ому ему ыми ими ией иях иям ием ать ять ить еть уть ешь ете"
    " ите ала ало али ила ило или ой ей ий ый ая яя ое ее ую юю ов ев ах ях ам ям ом ем"
    " ию ия ие ии ал ил ет ит ут ют ат ят а я о е ы и у ю ь й"
    # Polish
    " owania owanie ować iwać ywać ami ach owi ego emu ymi imi ych ich iem iej om em ie"
    " ów ać ić eć uj a e i o u y ą ę"
    # English
    " ing ed es s ly"
)
_ENDINGS = sorted({fold(word) for word in _ENDING_WORDS.split()}, key=len, reverse=True)

# Words that say nothing about a problem; dropped when picking a ticket's salient words.
_STOP_WORDS = (
    # English
    "the and for with from this that these those there here what which who how when why"
    " are was were been have has had does did you your our their they them she his her its"
    " can could would should will not yes please thanks thank hello dear regards just also"
    " about into out any all some get got one two but because after before still again"
    " hi my me we us is be it of to in on at by or if so no do an as up i a"
    # Russian
    " и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по только"
    " её мне было вот от меня ещё нет о из ему теперь когда даже ну ли если уже или ни быть"
    " был него до вас опять уж вам ведь там потом себя ничего ей может они тут где есть надо"
    " ней для мы тебя их чем была сам чтоб без чего раз тоже себе под будет тогда кто этот"
    " того потому этого какой совсем ним здесь этом один почти мой тем чтобы неё сейчас были"
    " куда зачем всех никогда можно при два об другой хоть после над больше тот через эти нас"
    " про всего них какая много три эту моя хорошо свою этой перед лучше том нельзя такой им"
    " более всегда между здравствуйте спасибо пожалуйста добрый день привет наш ваш могу"
    " очень"
    # Polish
    " i w we z ze na do nie się jest to że jak a o od po za dla czy ale tak mam mój moja mnie"
    " mi ja ty on ona my wy oni ten ta te tym tego tej tych co gdy kiedy już jeszcze bardzo"
    " proszę dzień dobry witam pozdrawiam dziękuję są być może jestem mamy nasz wasz mojego"
    " mogę można tylko"
)
STOP_WORDS = frozenset(fold(_STOP_WORDS).split())


# -- words -------------------------------------------------------------------------------------


def words_of(text: str) -> list[str]:
    """Folded words, as the index stores them and queries read them."""
    return _WORD.findall(fold(text or ""))


def index_fields(title: str, body: str) -> tuple[str, str]:
    """(search_title, search_body) for an article: its folded words, separated by spaces."""
    return " ".join(words_of(title)), " ".join(words_of(plain_text(body)))


def stem(word: str) -> str:
    if len(word) <= MIN_STEM or not word.isalpha():
        return word
    for ending in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= MIN_STEM:
            word = word[: -len(ending)]
            break
    if word[-1] == "ь" and len(word) > MIN_STEM:
        word = word[:-1]
    return word


def query_terms(query: str) -> list[str]:
    """The query's stems: distinct, at most MAX_TERMS, one-letter words dropped when there
    are longer ones."""
    words = words_of(str(query or "")[:MAX_QUERY_LENGTH])
    if any(len(word) > 1 for word in words):
        words = [word for word in words if len(word) > 1]
    stems: list[str] = []
    for word in words:
        term = stem(word[:MAX_TERM_LENGTH])
        if term not in stems:
            stems.append(term)
        if len(stems) == MAX_TERMS:
            break
    return stems


def salient_terms(subject: str, description: str = "", limit: int = MAX_TERMS) -> list[str]:
    """The stems that say what a ticket is about: not stop words, not numbers, at least three
    letters; words of the subject count three times, then by how often they occur."""
    scores: Counter[str] = Counter()
    first_seen: dict[str, int] = {}
    for weight, text in ((3, subject), (1, description)):
        for word in words_of(str(text or "")[:MAX_TEXT_LENGTH]):
            if len(word) < 3 or word.isdigit() or word in STOP_WORDS:
                continue
            term = stem(word[:MAX_TERM_LENGTH])
            scores[term] += weight
            first_seen.setdefault(term, len(first_seen))
    ranked = sorted(scores, key=lambda term: (-scores[term], -len(term), first_seen[term]))
    return ranked[:limit]


# -- queries -----------------------------------------------------------------------------------


def _scope(
    *,
    public_only: bool,
    language: str | None,
    include_drafts: bool,
    category_ids: list[int] | None,
    within: QuerySet | None = None,
) -> QuerySet:
    qs = within if within is not None else Article.objects.all()
    if public_only:
        qs = qs.filter(visibility=Article.Visibility.PUBLIC, status=Article.Status.PUBLISHED)
    elif not include_drafts:
        qs = qs.filter(status=Article.Status.PUBLISHED)
    if language and language != Language.ANY:
        qs = qs.filter(language__in=[language, Language.ANY])
    if category_ids is not None:
        qs = qs.filter(category_id__in=category_ids)
    return qs


def _fts5_match(terms: list[str], mode: str, column: str | None = None) -> str:
    joiner = " AND " if mode == "all" else " OR "
    expression = joiner.join(f'"{term}"*' for term in terms)
    return f"{column} : ({expression})" if column else expression


TITLE_HIT_FIRST = (
    "(knowledge_article_fts.rowid IN (SELECT rowid FROM knowledge_article_fts "
    "WHERE knowledge_article_fts MATCH %s)) DESC, "
)


def _ranked_ids_sqlite(scope: QuerySet, terms, mode, limit, title_first) -> list[int]:
    subquery, params = scope.order_by().values("id").query.sql_with_params()
    order = "bm25(knowledge_article_fts, %s, %s), knowledge_article_fts.rowid"
    order_params: list = [TITLE_WEIGHT, BODY_WEIGHT]
    if title_first:  # articles whose title holds the words come first
        order = TITLE_HIT_FIRST + order
        order_params.insert(0, _fts5_match(terms, mode, "search_title"))
    sql = (
        # `subquery` is the ORM's own SQL for the scope, its values are in `params`
        "SELECT knowledge_article_fts.rowid FROM knowledge_article_fts "  # noqa: S608
        "WHERE knowledge_article_fts MATCH %s "
        f"AND knowledge_article_fts.rowid IN ({subquery}) "
        f"ORDER BY {order} LIMIT %s"
    )
    args = [_fts5_match(terms, mode), *params, *order_params, limit]
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        return [row[0] for row in cursor.fetchall()]


def document_vector():
    """The weighted document PostgreSQL searches; the GIN index (migration 0002) is built on
    this same expression, so the two must change together."""
    from django.contrib.postgres.search import SearchVector

    return SearchVector("search_title", weight="A", config="simple") + SearchVector(
        "search_body", weight="B", config="simple"
    )


def _tsquery(terms: list[str], mode: str):
    from django.contrib.postgres.search import SearchQuery

    joiner = " & " if mode == "all" else " | "
    # each term is letters and digits only; quoting keeps it one lexeme whatever it holds
    raw = joiner.join(f"'{term}':*" for term in terms)
    return SearchQuery(raw, search_type="raw", config="simple")


def _ranked_postgres(scope: QuerySet, terms, mode, limit, title_first) -> list[Article]:
    from django.contrib.postgres.search import SearchRank, SearchVector

    query = _tsquery(terms, mode)
    qs = (
        scope.annotate(document=document_vector())
        .filter(document=query)
        .annotate(rank=SearchRank(document_vector(), query))
    )
    order = ["-rank", "id"]
    if title_first:
        qs = qs.annotate(title_document=SearchVector("search_title", config="simple")).annotate(
            title_hit=Case(
                When(title_document=query, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        order.insert(0, "-title_hit")
    return list(qs.select_related("category", "category__parent").order_by(*order)[:limit])


def _ranked(scope: QuerySet, terms, mode, limit, title_first) -> list[Article]:
    if connection.vendor == "postgresql":
        return _ranked_postgres(scope, terms, mode, limit, title_first)
    ids = _ranked_ids_sqlite(scope, terms, mode, limit, title_first)
    by_id = Article.objects.select_related("category", "category__parent").in_bulk(ids)
    return [by_id[pk] for pk in ids if pk in by_id]


def _limit(limit) -> int:
    try:
        return max(1, min(int(limit), MAX_LIMIT))
    except (TypeError, ValueError):
        return 10


def search_articles(
    query: str,
    *,
    public_only: bool,
    language: str | None = None,
    limit: int = 10,
    include_drafts: bool = False,
    category_ids: list[int] | None = None,
    within: QuerySet | None = None,
) -> list[Article]:
    """Published articles matching the query, best first; with `public_only` nothing
    internal is ever returned. `include_drafts` is for knowledge editors; `within` narrows
    to a queryset of articles (a page's filters), the other rules still apply."""
    terms = query_terms(query)
    if not terms:
        return []
    scope = _scope(
        public_only=public_only,
        language=language,
        include_drafts=include_drafts and not public_only,
        category_ids=category_ids,
        within=within,
    )
    limit = _limit(limit)
    found = _ranked(scope, terms, "all", limit, title_first=True)
    if not found and len(terms) > 1:
        found = _ranked(scope, terms, "any", limit, title_first=True)
    return found


def suggest_for_text(
    subject: str,
    description: str = "",
    *,
    public_only: bool,
    language: str | None = None,
    limit: int = 5,
) -> list[Article]:
    """Published articles about what a ticket (still being written) says."""
    terms = salient_terms(subject, description)
    if not terms:
        return []
    scope = _scope(
        public_only=public_only, language=language, include_drafts=False, category_ids=None
    )
    return _ranked(scope, terms, "any", _limit(limit), title_first=False)


def search_public_articles(query: str, *, language: str | None = None, limit: int = 10):
    """The customer portal's search: public published articles only."""
    return search_articles(query, public_only=True, language=language, limit=limit)


def suggest_public_articles(
    subject: str, description: str = "", *, language: str | None = None, limit: int = 5
) -> list[Article]:
    """The customer portal's suggestions while a customer writes a request."""
    return suggest_for_text(subject, description, public_only=True, language=language, limit=limit)
