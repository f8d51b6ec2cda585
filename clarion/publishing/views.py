"""Reader pages: the home page, posts, archives, search, media, feeds and the sitemap.

Everything here reads only what was published: a post's `published_revision`, its
corrections, its scrubbed media. No view imports tip content or the links between posts and
tips (the public site never reads tip content: docs/design.md). Pages are rendered once per change
and served from the cache (`caching.public_page`); none touches the session or the CSRF
token, so a reader gets no cookie.
"""

from __future__ import annotations

import datetime as dt

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseServerError
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.template import loader
from django.utils.cache import add_never_cache_headers
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from clarion.publishing import media_store, structured_data
from clarion.publishing.access import access_media_for_reader, access_post_for_reader
from clarion.publishing.caching import mark_public, public_page
from clarion.publishing.models import Category, Media, Post, SiteSettings, Tag
from clarion.publishing.rendering import media_written_in
from clarion.publishing.search import search_posts

PAGE_SIZE = 10
# The last search page a reader may ask for: past it, the offset would overflow what SQLite
# and PostgreSQL take (a 500 and a traceback in the log for every guess), and nobody reads
# ten thousand results.
MAX_SEARCH_PAGE = 1000
LATEST_ON_HOME = 6
RELATED = 3
# Short: a CDN or browser cannot be told when a file is withdrawn (the security review's I5).
MEDIA_MAX_AGE = 300


def _public_posts() -> QuerySet[Post]:
    return Post.objects.listed().select_related("published_revision", "category")


def _paginate(request: HttpRequest, posts: QuerySet[Post]) -> Page[Post]:
    paginator = Paginator(posts, PAGE_SIZE)
    try:
        return paginator.page(request.GET.get("page") or 1)
    except (PageNotAnInteger, EmptyPage):
        raise Http404("No such page of posts.") from None


def _site_context(request: HttpRequest) -> dict:
    site = SiteSettings.current()
    return {
        "site_ld": structured_data.organisation(request, site=site),
        "footer_pages": Post.objects.public().filter(kind=Post.Kind.PAGE).select_related("published_revision"),
    }


@require_safe
@public_page
def home(request: HttpRequest) -> HttpResponse:
    posts = _public_posts().filter(retracted_at__isnull=True)
    pinned = posts.filter(pinned=True, kind=Post.Kind.LETTER).first()
    reports = posts.filter(kind=Post.Kind.REPORT)[:LATEST_ON_HOME]
    latest = posts.exclude(pk__in=[p.pk for p in reports] + ([pinned.pk] if pinned else []))[:LATEST_ON_HOME]
    context = {"pinned": pinned, "reports": reports, "latest": latest, **_site_context(request)}
    return render(request, "publishing/home.html", context)


def _related(post: Post) -> list[Post]:
    others = _public_posts().filter(retracted_at__isnull=True).exclude(pk=post.pk)
    tag_ids = list(post.tags.values_list("pk", flat=True))
    if not tag_ids and post.category_id is None:
        return []
    return list(others.filter(Q(category_id=post.category_id) | Q(tags__in=tag_ids)).distinct()[:RELATED])


def _render_post(request: HttpRequest, post: Post) -> HttpResponse:
    revision = post.published_revision
    withdrawn = post.is_retracted and post.retraction_withdraws_text
    media = [] if withdrawn else structured_data.published_media(post)
    # An image the text already shows is not shown a second time after it.
    in_text = media_written_in(revision.body)  # type: ignore[union-attr]  # a listed post is published
    context = {
        "post": post,
        "revision": revision,
        "withdrawn": withdrawn,
        "corrections": list(post.corrections.all()),
        "images": [m for m in media if m.kind == Media.Kind.IMAGE and m.filename not in in_text],
        "documents": [m for m in media if m.kind == Media.Kind.DOCUMENT],
        "tags": list(post.tags.all()),
        "related": [] if post.kind == Post.Kind.PAGE else _related(post),
        "article_ld": structured_data.article(request, post),
        "og": structured_data.open_graph(request, post),
        **_site_context(request),
    }
    return render(request, "publishing/post.html", context)


@require_safe
@public_page
def post_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return _render_post(request, access_post_for_reader(slug=slug))


@require_safe
@public_page
def page_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return _render_post(request, access_post_for_reader(slug=slug, page=True))


def _archive(request: HttpRequest, posts: QuerySet[Post], *, heading: str, intro: str = "") -> HttpResponse:
    context = {"page": _paginate(request, posts), "heading": heading, "intro": intro, **_site_context(request)}
    return render(request, "publishing/archive.html", context)


KIND_ARCHIVES = {
    "reports": (
        Post.Kind.REPORT,
        gettext_lazy("Reports"),
        gettext_lazy("Findings backed by what insiders told us, checked before publication."),
    ),
    "letters": (Post.Kind.LETTER, gettext_lazy("Open letters"), ""),
    "updates": (Post.Kind.UPDATE, gettext_lazy("Updates"), ""),
}


@require_safe
@public_page
def kind_archive(request: HttpRequest, kind: str) -> HttpResponse:
    post_kind, heading, intro = KIND_ARCHIVES[kind]
    return _archive(request, _public_posts().filter(kind=post_kind), heading=str(heading), intro=str(intro))


@require_safe
@public_page
def category_archive(request: HttpRequest, slug: str) -> HttpResponse:
    category = Category.objects.filter(slug=slug).first()
    if category is None:
        raise Http404("No such category.")
    return _archive(request, _public_posts().filter(category=category), heading=category.name)


@require_safe
@public_page
def tag_archive(request: HttpRequest, slug: str) -> HttpResponse:
    tag = Tag.objects.filter(slug=slug).first()
    if tag is None:
        raise Http404("No such tag.")
    return _archive(request, _public_posts().filter(tags=tag), heading=_("Tagged “%(tag)s”") % {"tag": tag.name})


@require_safe
@public_page
def month_archive(request: HttpRequest, year: int, month: int) -> HttpResponse:
    # Only months with posts are pages: any year and month could otherwise make a new page to
    # render and cache (security review M3), and December 9999 overflowed the date (L1).
    if not (1 <= month <= 12 and 1 <= year <= 9998):
        raise Http404("No such month.")
    start = dt.datetime(year, month, 1, tzinfo=dt.UTC)
    end = dt.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=dt.UTC)
    posts = _public_posts().filter(first_published_at__gte=start, first_published_at__lt=end)
    if not posts.exists():
        raise Http404("Nothing was published that month.")
    return _archive(request, posts, heading=_("Published in %(month)s") % {"month": date_format(start, "F Y")})


@require_safe
@public_page
def archive_index(request: HttpRequest) -> HttpResponse:
    months = _public_posts().dates("first_published_at", "month", order="DESC")
    context = {
        "months": months,
        "categories": Category.objects.filter(posts__in=_public_posts()).distinct(),
        "tags": Tag.objects.filter(posts__in=_public_posts()).distinct(),
        **_site_context(request),
    }
    return render(request, "publishing/archive_index.html", context)


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    """Search published posts (not cached here: queries are many and each is cheap)."""
    query = request.GET.get("q", "").strip()[:200]
    try:
        page_number = max(1, int(request.GET.get("page") or 1))
    except ValueError:
        page_number = 1
    if page_number > MAX_SEARCH_PAGE:
        raise Http404("No such page of results.")
    found = search_posts(query, limit=PAGE_SIZE, offset=(page_number - 1) * PAGE_SIZE) if query else None
    context = {"query": query, "found": found, "page_number": page_number, **_site_context(request)}
    return mark_public(render(request, "publishing/search.html", context))


@require_safe
def media(request: HttpRequest, name: str) -> HttpResponseBase:
    """Serve a file of a post's published revision (the readable copy written when it was published).

    A file only in a draft, in a revision waiting for approval, or in a revision no longer
    published is not served here: editors preview drafts on their own pages, decrypted.
    """
    item = access_media_for_reader(name=name)
    try:
        handle = open(media_store.path_of(item.filename), "rb")  # FileResponse closes it
    except (OSError, ValueError):
        raise Http404("No such file.") from None
    response = FileResponse(
        handle,
        content_type=item.media_type,
        as_attachment=item.kind == Media.Kind.DOCUMENT,
        filename=f"{item.token}{item.extension}",
    )
    return mark_public(response, max_age=MEDIA_MAX_AGE)


@require_safe
def health(request: HttpRequest) -> HttpResponse:
    """Answer a constant page: for load balancers, and the baseline of `make bench`."""
    return HttpResponse("ok\n", content_type="text/plain; charset=utf-8")


# --- error pages: every surface's 404 and 500 (clarion/urls.py names them) ---------------------


def _bare_server_error() -> str:
    """Return the page a reader gets if even the 500 template cannot be rendered.

    (A static manifest that was never collected, a broken template.) Plain, with fixed
    addresses since resolving them may be what failed, and free of any detail of the failure.
    """
    return format_html(
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{}</title></head><body><h1>{}</h1>'
        '<p><a href="/">{}</a> · <a href="/tip/">{}</a></p></body></html>',
        _("Something went wrong"),
        _("Something went wrong on our side"),
        _("Home"),
        _("Send us a tip safely"),
    )


@never_cache
def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Answer a missing page with the site's own page: a way home, to search and to the tip line.

    Never stored (`no-store`): under /tip/ it is a page of a source's visit. If rendering it
    fails (the database is down), Django answers with `server_error` instead.
    """
    return render(request, "404.html", _site_context(request), status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """Answer a server error with the site's page, rendered without touching the database.

    The database is often why we are here, so the template gets no request (and so no context
    processor) and names nothing stored. No detail of the failure reaches the reader
    (docs/design.md, property 9); the traceback goes to the operator's log through `django.request`.
    """
    try:
        html: str = loader.render_to_string("500.html")
    except Exception:  # a failing error page must still answer something safe
        html = _bare_server_error()
    response = HttpResponseServerError(html)
    add_never_cache_headers(response)
    return response
