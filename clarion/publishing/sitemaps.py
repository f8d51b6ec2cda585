"""The sitemap: every published post and page, the home page and the archives."""

from __future__ import annotations

import datetime as dt

from django.contrib.sitemaps import Sitemap
from django.db.models import QuerySet
from django.urls import reverse

from clarion.publishing.models import Post


class PostSitemap(Sitemap):
    def items(self) -> QuerySet[Post]:
        return Post.objects.public().order_by("pk")

    def lastmod(self, item: Post) -> dt.datetime | None:
        return item.public_updated_at or item.first_published_at


class SectionSitemap(Sitemap):
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
