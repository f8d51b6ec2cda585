from django.contrib import admin
from django.urls import include, path

from clarion.publishing import rule_views, site_files

admin.site.site_header = "Clarion administration"

urlpatterns = [
    path("tip/", include("clarion.intake.urls")),
    path("staff/cases/", include("clarion.casework.urls")),
    path("staff/admin/", admin.site.urls),
    path("staff/posts/", include("clarion.publishing.urls_staff")),
    path("staff/publishing/rule/", rule_views.rule, name="publishing_rule"),
    path("staff/", include("clarion.accounts.urls")),
    path("robots.txt", site_files.robots_txt, name="robots-txt"),
    path("favicon.ico", site_files.favicon_ico, name="favicon-ico"),
    path(".well-known/security.txt", site_files.security_txt, name="security-txt"),
    # The public site last: its patterns are the catch-all for reader pages.
    path("", include("clarion.publishing.urls_public")),
]

# Every surface's missing pages and server errors get the site's own pages, with its headers.
handler404 = "clarion.publishing.views.page_not_found"
handler500 = "clarion.publishing.views.server_error"
