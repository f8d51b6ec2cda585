"""RSS 2.0 and Atom feeds of published posts, through Django's syndication framework."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from clarion.accounts.models import Organisation
from clarion.publishing.models import Post
from clarion.web.site_address import site_url

FEED_SIZE = 20


class LatestPostsFeed(Feed):
    """The latest reports, open letters and updates; a retraction shows as such.

    Every link and id is a full URL at the site's address (clarion/web/site_address.py): Atom
    entry ids must be IRIs, and a reader's feed program resolves nothing against a page.
    """

    base = ""

    def __call__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # One Feed object serves every thread of a worker: the address goes on a copy per request.
        feed = copy.copy(self)
        feed.base = site_url(request)
        return Feed.__call__(feed, request, *args, **kwargs)

    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Organisation:
        return Organisation.current()

    def title(self, obj: Organisation) -> str:
        return obj.name

    def description(self, obj: Organisation) -> str:
        return obj.mission or _("Reports and open letters from %(name)s.") % {"name": obj.name}

    subtitle = description

    def author_name(self, obj: Organisation) -> str:
        return obj.name

    def link(self) -> str:
        return self.base + reverse("publishing:home")

    def feed_url(self) -> str:
        return self.base + reverse("publishing:feed-rss")

    def items(self) -> QuerySet[Post]:
        return Post.objects.listed().select_related("published_revision", "category", "byline_editor")[:FEED_SIZE]

    def item_title(self, item: Post) -> str:
        title = item.published_revision.title  # type: ignore[union-attr]  # a listed post is published
        return _("Retracted: %(title)s") % {"title": title} if item.is_retracted else title

    def item_description(self, item: Post) -> str:
        if item.is_retracted:
            return item.retraction_notice
        return item.published_revision.summary  # type: ignore[union-attr]  # a listed post is published

    def item_link(self, item: Post) -> str:
        return self.base + item.get_absolute_url()

    def item_guid(self, item: Post) -> str:
        # By number, not by address: an entry keeps its id when its slug is changed.
        return f"{self.base}{reverse('publishing:home')}#post-{item.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: Post) -> dt.datetime | None:
        return item.first_published_at

    def item_updateddate(self, item: Post) -> dt.datetime | None:
        return item.public_updated_at or item.first_published_at

    def item_author_name(self, item: Post) -> str | None:
        return item.byline or None

    def item_categories(self, item: Post) -> list[str]:
        return [item.category.name] if item.category is not None else []


class LatestPostsAtomFeed(LatestPostsFeed):
    feed_type = Atom1Feed

    def feed_url(self) -> str:
        return self.base + reverse("publishing:feed-atom")
