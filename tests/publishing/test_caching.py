"""Rendered pages come from the cache until something public changes, in any process."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache, caches
from django.db import connection
from django.db.models import F
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clarion.publishing import caching
from clarion.publishing.models import SiteSettings

pytestmark = pytest.mark.django_db


def test_a_cached_page_is_served_without_touching_the_database(
    make_published_post, django_assert_num_queries, time_machine
):
    make_published_post(slug="overtime", title="Overtime went unpaid")
    # Within one second of the wall clock (the generation is read again at each new second)
    time_machine.move_to(timezone.now(), tick=False)
    reader = Client()
    first = reader.get("/posts/overtime/")
    assert first.status_code == 200

    with django_assert_num_queries(0):
        second = reader.get("/posts/overtime/")

    assert second.content == first.content
    assert second["Cache-Control"] == first["Cache-Control"]


def test_a_correction_reaches_readers_at_once(make_published_post, approve_revision):
    post = make_published_post(slug="overtime", title="Overtime went unpaid", body="Fourteen months.")
    reader = Client()
    assert "Fourteen months." in reader.get("/posts/overtime/").content.decode()
    assert "Overtime went unpaid" in reader.get("/").content.decode()

    approve_revision(post, title="Overtime went unpaid for a year", body="Twelve months.", correction="Twelve.")

    assert "Twelve months." in reader.get("/posts/overtime/").content.decode()
    assert "Overtime went unpaid for a year" in reader.get("/").content.decode()


def test_a_change_made_by_another_process_is_seen_within_the_recheck_interval(make_published_post, monkeypatch):
    make_published_post(slug="overtime", title="Overtime went unpaid")
    reader = Client()
    reader.get("/")
    seen = caching.current_generation()

    # Given the background worker publishes (it bumps the generation in the database)
    SiteSettings.objects.update(generation=F("generation") + 1)
    # When the recheck interval has passed
    monkeypatch.setattr(caching, "GENERATION_RECHECK_SECONDS", 0.0)

    # Then this process renders afresh
    assert caching.current_generation() == seen + 1


def test_a_change_made_by_another_process_is_seen_when_the_next_second_of_the_clock_begins(
    make_published_post, time_machine
):
    time_machine.move_to("2026-03-02 10:00:00.900", tick=False)
    make_published_post(slug="overtime", title="Overtime went unpaid")
    Client().get("/")
    seen = caching.current_generation()
    SiteSettings.objects.update(generation=F("generation") + 1)  # the worker publishes

    time_machine.shift(0.05)
    assert caching.current_generation() == seen  # the same second: the number read is kept
    time_machine.shift(0.1)  # 10:00:01.050, long before GENERATION_RECHECK_SECONDS has passed

    assert caching.current_generation() == seen + 1


def test_a_proxy_may_keep_a_reader_page_until_the_end_of_the_current_second_only(make_published_post, time_machine):
    # deploy/nginx keeps what X-Accel-Expires allows: to the end of the second the page's
    # generation was read in, when a change committed before it is read by every process.
    time_machine.move_to("2026-03-02 10:00:00.400", tick=False)
    make_published_post(slug="overtime", title="Overtime went unpaid")
    reader = Client()
    second = int(time.time())

    rendered = reader.get("/posts/overtime/")
    time_machine.shift(1)
    stored = reader.get("/posts/overtime/")

    assert rendered["X-Accel-Expires"] == f"@{second}"
    assert stored["X-Accel-Expires"] == f"@{second + 1}"


def test_no_proxy_may_keep_a_page_this_cache_would_not(make_published_post, channel, reviewer_client):
    from django.conf import settings

    make_published_post(slug="overtime", title="Overtime went unpaid")
    staff = Client()
    staff.cookies[settings.SESSION_COOKIE_NAME] = "some-session"

    for response in (
        Client().get("/tip/"),
        Client().get("/tip/send/safety/"),
        reviewer_client.get("/staff/"),
        staff.get("/posts/overtime/"),
        Client().get("/posts/overtime/?utm_source=mail"),
        Client().get("/posts/no-such-post/"),
    ):
        assert "X-Accel-Expires" not in response


def test_a_page_that_sets_a_cookie_is_never_stored(rf):

    @caching.public_page
    def view(request):
        response = HttpResponse("hello")
        response.set_cookie("tracker", "1")
        return response

    request = rf.get("/somewhere/")
    caching.PublicPageCacheMiddleware(view)(request)

    assert caches["public_pages"].get(caching._key(request)) is None


def test_staff_with_a_session_cookie_get_pages_rendered_for_them(make_published_post, django_assert_num_queries):
    from django.conf import settings

    make_published_post(slug="overtime", title="Overtime went unpaid")
    Client().get("/posts/overtime/")  # stored for readers
    staff = Client()
    staff.cookies[settings.SESSION_COOKIE_NAME] = "some-session"

    response = staff.get("/posts/overtime/")

    assert response.status_code == 200 and "Overtime went unpaid" in response.content.decode()
    assert "Cookie" in response.get("Vary", "")  # rendered afresh, through the session middleware


def test_a_stored_page_keeps_the_security_headers(make_published_post):
    make_published_post(slug="overtime", title="Overtime went unpaid")
    reader = Client()
    first = reader.get("/posts/overtime/")

    second = reader.get("/posts/overtime/")

    for header in ("Content-Security-Policy", "X-Frame-Options", "Referrer-Policy", "X-Content-Type-Options"):
        assert second[header] == first[header], header


def test_only_the_page_number_of_a_query_makes_a_stored_page(
    make_published_post, django_assert_num_queries, time_machine
):
    make_published_post(slug="overtime", title="Overtime went unpaid")
    time_machine.move_to(timezone.now(), tick=False)  # one second: no re-read of the generation
    reader = Client()
    reader.get("/reports/?page=1")
    reader.get("/reports/?utm_source=junk-0001")

    with django_assert_num_queries(0):
        reader.get("/reports/?page=1")
    with CaptureQueriesContext(connection) as rendered:  # tracking tags and junk are not stored
        reader.get("/reports/?utm_source=junk-0001")
    assert len(rendered) > 0


# --- a flood of public addresses (security review M3, L1) ---------------------------------------


def test_a_flood_of_distinct_public_addresses_pushes_nothing_else_out_of_the_cache(make_published_post):
    # Given something else kept in the default cache (form fragments, say)
    make_published_post(slug="overtime", title="Overtime went unpaid")
    cache.set("something-else", "kept")
    reader = Client()

    # When a reader asks for 400 different month archives and pages
    for n in range(400):
        reader.get(f"/archive/{2000 + n // 12}/{n % 12 + 1}/")

    # Then it is still there: reader pages have a cache of their own
    assert cache.get("something-else") == "kept"


def test_rendered_pages_are_kept_in_their_own_bounded_cache(make_published_post, settings):
    from django.core.cache import caches

    make_published_post(slug="overtime", title="Overtime went unpaid")
    Client().get("/posts/overtime/")

    pages = caches[settings.PUBLIC_PAGES_CACHE]
    assert any(key.startswith(":1:publishing:page:") for key in pages._cache)
    assert not any("publishing:page" in key for key in cache._cache)
    assert settings.CACHES[settings.PUBLIC_PAGES_CACHE]["OPTIONS"]["MAX_ENTRIES"] == settings.PUBLIC_PAGES_MAX_ENTRIES


def test_a_month_without_posts_is_not_a_page(make_published_post):
    post = make_published_post(slug="overtime", title="Overtime went unpaid")
    month = post.first_published_at
    reader = Client()

    assert reader.get(f"/archive/{month:%Y}/{month.month}/").status_code == 200
    assert reader.get(f"/archive/{month.year - 1}/{month.month}/").status_code == 404
    assert reader.get("/archive/1/1/").status_code == 404
    assert reader.get("/archive/9999/12/").status_code == 404
    assert reader.get("/archive/99999/12/").status_code == 404
