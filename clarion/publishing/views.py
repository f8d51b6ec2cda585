"""Reader pages: the home page, posts, archives, search, media, feeds and the sitemap.

Everything here reads only what was published: a post's `published_revision`, its
corrections, its scrubbed media. No view imports tip content or the links between posts and
tips (the public site never reads tip content: DESIGN). Pages are rendered once per change
and served from the cache (`caching.public_page`); none touches the session or the CSRF
token, so a reader gets no cookie.
"""

from __future__ import annotations

import datetime as dt

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from clarion.accounts.decorators import is_fully_logged_in
from clarion.accounts.roles import is_editor
from clarion.publishing import media_store, structured_data
from clarion.publishing.caching import mark_public, public_page
from clarion.publishing.models import Category, Media, Post, SiteSettings, Tag
from clarion.publishing.search import search_posts

PAGE_SIZE = 10
LATEST_ON_HOME = 6
RELATED = 3
MEDIA_MAX_AGE = 3600


def _public_posts() -> QuerySet[Post]:
    return Post.objects.listed().select_related("published_revision", "category")


def access_post_for_reader(*, slug: str, page: bool = False) -> Post:
    """Return a published post (or static page) by slug; Http404 for drafts and unknown slugs alike."""
    kind_filter = Q(kind=Post.Kind.PAGE) if page else ~Q(kind=Post.Kind.PAGE)
    post = (
        Post.objects.public()
        .filter(kind_filter, slug=slug)
        .select_related("published_revision", "category", "byline_editor")
        .first()
    )
    if post is None:
        raise Http404("No such post.")
    return post


def _paginate(request: HttpRequest, posts: QuerySet[Post]):  # noqa: ANN202 - a Page
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
    media = [] if withdrawn else list(post.media.all())
    context = {
        "post": post,
        "revision": revision,
        "withdrawn": withdrawn,
        "corrections": list(post.corrections.all()),
        "images": [m for m in media if m.kind == Media.Kind.IMAGE],
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
    "reports": (Post.Kind.REPORT, "Reports", "Findings backed by what insiders told us, checked before publication."),
    "letters": (Post.Kind.LETTER, "Open letters", ""),
    "updates": (Post.Kind.UPDATE, "Updates", ""),
}


@require_safe
@public_page
def kind_archive(request: HttpRequest, kind: str) -> HttpResponse:
    post_kind, heading, intro = KIND_ARCHIVES[kind]
    return _archive(request, _public_posts().filter(kind=post_kind), heading=heading, intro=intro)


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
    return _archive(request, _public_posts().filter(tags=tag), heading=f"Tagged “{tag.name}”")


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
    return _archive(request, posts, heading=f"Published in {start:%B %Y}")


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
    found = search_posts(query, limit=PAGE_SIZE, offset=(page_number - 1) * PAGE_SIZE) if query else None
    context = {"query": query, "found": found, "page_number": page_number, **_site_context(request)}
    return mark_public(render(request, "publishing/search.html", context))


@require_safe
def media(request: HttpRequest, name: str) -> HttpResponse:
    """Serve a scrubbed media file of a published post; editors may see a draft's."""
    token, _, extension = name.partition(".")
    item = Media.objects.filter(token=token, extension=f".{extension}").select_related("post").first()
    if item is None:
        raise Http404("No such file.")
    post = item.post
    public = post.is_public and not (post.is_retracted and post.retraction_withdraws_text)
    if not public and not (is_fully_logged_in(request) and is_editor(request.user)):
        raise Http404("No such file.")
    try:
        handle = open(media_store.path_of(item.filename), "rb")  # noqa: SIM115 - FileResponse closes it
    except (OSError, ValueError):
        raise Http404("No such file.") from None
    response = FileResponse(
        handle,
        content_type=item.media_type,
        as_attachment=item.kind == Media.Kind.DOCUMENT,
        filename=f"{item.token}{item.extension}",
    )
    if public:
        return mark_public(response, max_age=MEDIA_MAX_AGE)
    response["Cache-Control"] = "no-store"
    return response


@require_safe
def health(request: HttpRequest) -> HttpResponse:
    """Answer a constant page: for load balancers, and the baseline of `make bench`."""
    return HttpResponse("ok\n", content_type="text/plain")
