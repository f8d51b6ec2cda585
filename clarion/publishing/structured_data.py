"""Describe the site and its posts for machines: schema.org JSON-LD and Open Graph, made here.

No third-party script or service: search engines and social sites read these from the page.
Corrections are `CorrectionComment`s on the `NewsArticle`, the site a `NewsMediaOrganization`
with its corrections and sourcing policies (schema.org's `correctionsPolicy` and
`unnamedSourcesPolicy`). Nothing about the tips behind a post appears here.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.templatetags.static import static

from clarion.accounts.models import Organisation
from clarion.publishing.models import Media, Post, PublishedMedia, SiteSettings
from clarion.web.site_address import absolute_url as absolute
from clarion.web.times import machine_time

# The site's logo, for search engines (Google's Article: publisher.logo) and as the image of a
# post that has none of its own.
LOGO = "clarion/logo.png"
LOGO_SIZE = 512


def logo(request: HttpRequest) -> dict[str, Any]:
    """Return the site's logo as a schema.org ImageObject."""
    return {"@type": "ImageObject", "url": absolute(request, static(LOGO)), "width": LOGO_SIZE, "height": LOGO_SIZE}


def organisation(request: HttpRequest, *, site: SiteSettings) -> dict[str, Any]:
    """Return the site's NewsMediaOrganization."""
    org = Organisation.current()
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsMediaOrganization",
        "name": org.name,
        "url": absolute(request, "/"),
        "logo": logo(request),
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


def _author(request: HttpRequest, post: Post, org_name: str) -> dict[str, str]:
    """Return the post's author with a URL (Google's Article asks for one): a byline has no page of
    its own, so a person's URL is the site that published them."""
    if post.byline:
        return {"@type": "Person", "name": post.byline, "url": absolute(request, "/")}
    return {"@type": "Organization", "name": org_name, "url": absolute(request, "/")}


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
        "datePublished": machine_time(post.first_published_at),
        "dateModified": machine_time(post.public_updated_at or post.first_published_at),
        "author": _author(request, post, org_name),
        "publisher": {
            "@type": "NewsMediaOrganization",
            "name": org_name,
            "url": absolute(request, "/"),
            "logo": logo(request),
        },
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
    # Google's Article asks for an image: a post without one of its own shows the site's logo.
    data["image"] = images or [absolute(request, static(LOGO))]
    corrections = [
        {"@type": "CorrectionComment", "text": c.text, "datePublished": machine_time(c.published_at)}
        for c in post.corrections.all()
    ]
    if post.is_retracted:
        data["creativeWorkStatus"] = "Retracted"
        corrections.append(
            {
                "@type": "CorrectionComment",
                "text": f"Retracted: {post.retraction_notice}",
                "datePublished": machine_time(post.retracted_at) if post.retracted_at else "",
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
        tags.append(("article:published_time", machine_time(post.first_published_at)))
        if post.public_updated_at:
            tags.append(("article:modified_time", machine_time(post.public_updated_at)))
    return tags
