"""Describe the site and its posts for machines: schema.org JSON-LD and Open Graph, made here.

No third-party script or service: search engines and social sites read these from the page.
Corrections are `CorrectionComment`s on the `NewsArticle`, the site a `NewsMediaOrganization`
with its corrections and sourcing policies (schema.org's `correctionsPolicy` and
`unnamedSourcesPolicy`). Nothing about the tips behind a post appears here.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from clarion.accounts.models import Organisation
from clarion.publishing.models import Media, Post, PublishedMedia, SiteSettings


def site_url(request: HttpRequest) -> str:
    """Return the site's address: CLARION_SITE_URL when set, else the one this request came to."""
    return settings.CLARION_SITE_URL or request.build_absolute_uri("/").rstrip("/")


def absolute(request: HttpRequest, path: str) -> str:
    return site_url(request) + path


def organisation(request: HttpRequest, *, site: SiteSettings) -> dict[str, Any]:
    """Return the site's NewsMediaOrganization."""
    org = Organisation.current()
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsMediaOrganization",
        "name": org.name,
        "url": absolute(request, "/"),
    }
    if org.mission:
        data["description"] = org.mission
    if site.corrections_policy is not None and site.corrections_policy.is_public:
        data["correctionsPolicy"] = absolute(request, site.corrections_policy.get_absolute_url())
    if site.sourcing_policy is not None and site.sourcing_policy.is_public:
        data["unnamedSourcesPolicy"] = absolute(request, site.sourcing_policy.get_absolute_url())
    return data


def published_media(post: Post) -> list[PublishedMedia]:
    """Return the files of the post's published revision, in order (what readers may see)."""
    return list(PublishedMedia.objects.filter(revision_id=post.published_revision_id).select_related("media"))  # type: ignore[misc]  # None matches no row


def _author(post: Post, org_name: str) -> dict[str, str]:
    if post.byline:
        return {"@type": "Person", "name": post.byline}
    return {"@type": "Organization", "name": org_name}


def article(request: HttpRequest, post: Post) -> dict[str, Any]:
    """Return the NewsArticle (or WebPage for a static page) of a published post."""
    revision = post.published_revision
    if revision is None or post.first_published_at is None:
        raise ValueError("Only a published post is described.")
    org_name = Organisation.current().name
    url = absolute(request, post.get_absolute_url())
    if post.kind == Post.Kind.PAGE:
        return {"@context": "https://schema.org", "@type": "WebPage", "name": revision.title, "url": url}
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": revision.title[:110],
        "url": url,
        "mainEntityOfPage": url,
        "datePublished": post.first_published_at.isoformat(),
        "dateModified": (post.public_updated_at or post.first_published_at).isoformat(),
        "author": _author(post, org_name),
        "publisher": {"@type": "NewsMediaOrganization", "name": org_name, "url": absolute(request, "/")},
    }
    if revision.summary:
        data["description"] = revision.summary
    if post.category is not None:
        data["articleSection"] = post.category.name
    withdrawn = post.is_retracted and post.retraction_withdraws_text
    images = (
        []
        if withdrawn
        else [absolute(request, m.get_absolute_url()) for m in published_media(post) if m.kind == Media.Kind.IMAGE]
    )
    if images:
        data["image"] = images
    corrections = [
        {"@type": "CorrectionComment", "text": c.text, "datePublished": c.published_at.isoformat()}
        for c in post.corrections.all()
    ]
    if post.is_retracted:
        data["creativeWorkStatus"] = "Retracted"
        corrections.append(
            {
                "@type": "CorrectionComment",
                "text": f"Retracted: {post.retraction_notice}",
                "datePublished": post.retracted_at.isoformat() if post.retracted_at else "",
            }
        )
    if corrections:
        data["correction"] = corrections
    return data


def open_graph(request: HttpRequest, post: Post) -> list[tuple[str, str]]:
    """Return the Open Graph properties of a published post, in order."""
    revision = post.published_revision
    if revision is None:
        raise ValueError("Only a published post is described.")
    tags = [
        ("og:type", "website" if post.kind == Post.Kind.PAGE else "article"),
        ("og:title", revision.title),
        ("og:url", absolute(request, post.get_absolute_url())),
        ("og:site_name", Organisation.current().name),
    ]
    if revision.summary:
        tags.append(("og:description", revision.summary))
    withdrawn = post.is_retracted and post.retraction_withdraws_text
    images = [] if withdrawn else [m for m in published_media(post) if m.kind == Media.Kind.IMAGE]
    image = images[0] if images else None
    if image is not None:
        tags.append(("og:image", absolute(request, image.get_absolute_url())))
        if image.alt_text:
            tags.append(("og:image:alt", image.alt_text))
    if post.kind != Post.Kind.PAGE and post.first_published_at:
        tags.append(("article:published_time", post.first_published_at.isoformat()))
        if post.public_updated_at:
            tags.append(("article:modified_time", post.public_updated_at.isoformat()))
    return tags
