from django.contrib.sitemaps.views import sitemap
from django.urls import path

from clarion.publishing import views
from clarion.publishing.caching import public_page
from clarion.publishing.feeds import LatestPostsAtomFeed, LatestPostsFeed
from clarion.publishing.sitemaps import SITEMAPS

app_name = "publishing"

urlpatterns = [
    path("", views.home, name="home"),
    path("posts/<slug:slug>/", views.post_detail, name="post"),
    path("pages/<slug:slug>/", views.page_detail, name="page"),
    path("reports/", views.kind_archive, {"kind": "reports"}, name="reports"),
    path("letters/", views.kind_archive, {"kind": "letters"}, name="letters"),
    path("updates/", views.kind_archive, {"kind": "updates"}, name="updates"),
    path("archive/", views.archive_index, name="archive"),
    path("archive/<int:year>/<int:month>/", views.month_archive, name="month"),
    path("category/<slug:slug>/", views.category_archive, name="category"),
    path("tag/<slug:slug>/", views.tag_archive, name="tag"),
    path("search/", views.search, name="search"),
    path("feed/rss/", public_page(LatestPostsFeed()), name="feed-rss"),
    path("feed/atom/", public_page(LatestPostsAtomFeed()), name="feed-atom"),
    # Django's sitemap view says `application/xml` without a charset (ASVS 4.1.1: name it).
    path(
        "sitemap.xml",
        public_page(sitemap),
        {"sitemaps": SITEMAPS, "content_type": "application/xml; charset=utf-8"},
        name="sitemap",
    ),
    path("media/<str:name>", views.media, name="media"),
    path("health/", views.health, name="health"),
]
