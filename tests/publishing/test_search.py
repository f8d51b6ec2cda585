"""Search over published posts, the same on SQLite (FTS5) and PostgreSQL (full-text search).

CI runs this module on both databases (`make test` with and without DATABASE_URL).
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client

from clarion.publishing import actions
from clarion.publishing.search import search_posts

pytestmark = pytest.mark.django_db


@pytest.fixture
def posts(make_published_post):
    make_published_post(slug="overtime", title="Overtime went unpaid", body="Drivers at the Northfield depot.")
    make_published_post(slug="canteen", title="The canteen closes", summary="Night workers lose hot meals.")
    make_published_post(slug="secret-draft", title="Overtime draft", body="Northfield again.", publish=False)
    make_published_post(kind="page", slug="about", title="About overtime")


def titles(query: str) -> list[str]:
    return [post.published_revision.title for post in search_posts(query).posts]


def test_search_finds_published_posts_by_title_summary_and_body_words(posts):
    assert titles("overtime") == ["Overtime went unpaid"]
    assert titles("northfield") == ["Overtime went unpaid"]
    assert titles("hot meals") == ["The canteen closes"]
    assert titles("overtime canteen") == []


def test_search_matches_other_forms_of_a_word(posts):
    # Both engines stem English: "meal" finds "meals", "driver" finds "Drivers".
    assert titles("meal") == ["The canteen closes"]
    assert titles("driver") == ["Overtime went unpaid"]


def test_search_never_returns_a_draft_or_the_text_of_a_withdrawn_post(posts, make_published_post, editor):
    danger = make_published_post(slug="danger", title="Shift rota", body="Kestrelbrook warehouse details.")
    assert titles("kestrelbrook") == ["Shift rota"]

    actions.do_retract_post(actor=editor, post=danger, notice="Withdrawn.", withdraw_text=True)

    assert titles("kestrelbrook") == []
    assert titles("rota") == ["Shift rota"]  # the title and notice stay findable


@pytest.mark.parametrize(
    "query", ['"', "overtime AND", "NEAR(", "*", "over* OR", "'; DROP TABLE", "a:b", "(((", "-", "^overtime", "\x00"]
)
def test_query_syntax_in_a_readers_words_is_harmless(posts, query):
    page = search_posts(query)

    assert isinstance(page.posts, list)


def test_search_pages_results(make_published_post):
    for number in range(12):
        make_published_post(slug=f"report-{number}", title=f"Depot report {number}")

    first, second = search_posts("depot", limit=10), search_posts("depot", limit=10, offset=10)

    assert len(first.posts) == 10 and first.has_more
    assert len(second.posts) == 2 and not second.has_more
    assert not {p.pk for p in first.posts} & {p.pk for p in second.posts}


def test_the_search_page_shows_results_and_says_when_there_are_none(posts):
    reader = Client()

    found = reader.get("/search/?q=northfield").content.decode()
    nothing = reader.get("/search/?q=zeppelin").content.decode()

    assert '<a href="/posts/overtime/">Overtime went unpaid</a>' in found
    assert "Nothing published matches “zeppelin”" in nothing


def test_the_index_is_the_one_for_this_database():
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE name = 'publishing_search_fts'")
        else:
            cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname = 'publishing_search_gin'")
        assert cursor.fetchone() is not None


@pytest.mark.parametrize("page", ["99999999999999999999", "9223372036854775808", "1001"])
def test_a_page_number_past_the_last_searchable_page_is_not_found_rather_than_a_server_error(posts, page):
    # Given a reader (or a scanner) asking for a search page far beyond any offset the database takes
    reader = Client(raise_request_exception=False)

    response = reader.get("/search/", {"q": "overtime", "page": page})

    # Then they get the site's "not found" page, not a 500 and a traceback in the log
    assert response.status_code == 404
    assert 'href="/tip/"' in response.content.decode()


def test_the_last_searchable_page_still_answers(posts):
    response = Client().get("/search/", {"q": "overtime", "page": "1000"})

    assert response.status_code == 200
    assert "Nothing published matches" in response.content.decode()
