"""Search published posts: SQLite FTS5 on the embedded default, PostgreSQL full-text search at scale.

One interface for both (`index_post`, `unindex_post`, `search_posts`). Only a post's public
text is indexed — the published revision, or only its title and retraction notice when the
text was withdrawn — so search cannot surface a draft, a staff note or a tip.

The FTS5 table and its triggers (SQLite) and the GIN expression index (PostgreSQL) are made by
migration 0002; `PG_DOCUMENT` must stay the expression that index was built on. A reader's
query is never passed through as query syntax: it is cut into words and each word quoted, so
no input can raise an FTS syntax error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import connection

from clarion.publishing.models import Post, SearchDocument
from clarion.publishing.rendering import plain_text

FTS_TABLE = "publishing_search_fts"
# Title words weigh most, then the summary, then the body.
PG_DOCUMENT = (
    "setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', summary), 'B') "
    "|| setweight(to_tsvector('english', body), 'C')"
)
MAX_QUERY_WORDS = 12
_WORD = re.compile(r"\w+", re.UNICODE)


def index_post(post: Post) -> None:
    """Put the post's public text into the index (or take it out when it has none)."""
    revision = post.published_revision
    if revision is None or post.kind == Post.Kind.PAGE:
        unindex_post(post)
        return
    if post.is_retracted and post.retraction_withdraws_text:
        fields = {"title": revision.title, "summary": post.retraction_notice, "body": ""}
    else:
        fields = {"title": revision.title, "summary": revision.summary, "body": plain_text(revision.body)}
    SearchDocument.objects.update_or_create(post=post, defaults=fields)


def unindex_post(post: Post) -> None:
    SearchDocument.objects.filter(post=post).delete()


@dataclass(frozen=True)
class SearchPage:
    posts: list[Post]
    has_more: bool


def query_words(query: str) -> list[str]:
    """Return the words of a reader's query, at most MAX_QUERY_WORDS."""
    return _WORD.findall(query)[:MAX_QUERY_WORDS]


def search_posts(query: str, *, limit: int = 20, offset: int = 0) -> SearchPage:
    """Return public posts matching every word of `query`, best first."""
    words = query_words(query)
    if not words:
        return SearchPage(posts=[], has_more=False)
    if connection.vendor == "postgresql":
        ids = _search_postgresql(words, limit + 1, offset)
    else:
        ids = _search_sqlite(words, limit + 1, offset)
    found = {
        post.pk: post
        for post in Post.objects.listed().filter(pk__in=ids[:limit]).select_related("published_revision", "category")
    }
    return SearchPage(posts=[found[pk] for pk in ids[:limit] if pk in found], has_more=len(ids) > limit)


def _search_sqlite(words: list[str], limit: int, offset: int) -> list[int]:
    # Each word quoted (so nothing is FTS syntax); the last one also matches as a prefix.
    terms = [f'"{word}"' for word in words]
    terms[-1] += "*"
    sql = (
        f"SELECT d.post_id FROM {FTS_TABLE} JOIN publishing_searchdocument d ON d.id = {FTS_TABLE}.rowid "  # noqa: S608
        f"WHERE {FTS_TABLE} MATCH %s ORDER BY bm25({FTS_TABLE}, 10.0, 4.0, 1.0) LIMIT %s OFFSET %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [" ".join(terms), limit, offset])
        return [row[0] for row in cursor.fetchall()]


def _search_postgresql(words: list[str], limit: int, offset: int) -> list[int]:
    # plainto_tsquery ANDs the words and ignores any operator characters.
    sql = (
        f"SELECT post_id FROM publishing_searchdocument WHERE ({PG_DOCUMENT}) @@ plainto_tsquery('english', %s) "  # noqa: S608
        f"ORDER BY ts_rank({PG_DOCUMENT}, plainto_tsquery('english', %s)) DESC, post_id DESC LIMIT %s OFFSET %s"
    )
    text = " ".join(words)
    with connection.cursor() as cursor:
        cursor.execute(sql, [text, text, limit, offset])
        return [row[0] for row in cursor.fetchall()]
