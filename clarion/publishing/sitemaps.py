"""The sitemap: every published post and page, the home page and the archives."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sites.requests import RequestSite
from django.db.models import QuerySet
from django.urls import reverse

from clarion.publishing.models import Post


class AtSiteAddress(Sitemap):
    """Write locations at CLARION_SITE_URL when it is set; Django's sitemap follows the request otherwise."""

    def get_domain(self, site: RequestSite | None = None) -> str:  # type: ignore[override]
        if settings.CLARION_SITE_URL:
            parts = urlsplit(settings.CLARION_SITE_URL)
            return parts.netloc + parts.path
        return super().get_domain(site)

    def get_protocol(self, protocol: str | None = None) -> str:
        if settings.CLARION_SITE_URL:
            return urlsplit(settings.CLARION_SITE_URL).scheme
        return super().get_protocol(protocol)


class PostSitemap(AtSiteAddress):
    def items(self) -> QuerySet[Post]:
        return Post.objects.public().order_by("pk")

    def lastmod(self, item: Post) -> dt.datetime | None:
        return item.public_updated_at or item.first_published_at


class SectionSitemap(AtSiteAddress):
    def items(self) -> list[str]:
        return [
            "publishing:home",
            "publishing:reports",
            "publishing:letters",
            "publishing:updates",
            "publishing:archive",
            "intake:landing",
        ]

    def location(self, item: str) -> str:
        return reverse(item)


SITEMAPS = {"posts": PostSitemap, "sections": SectionSitemap}
