from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

admin.site.site_header = "Clarion administration"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="intake:landing", permanent=False)),
    path("tip/", include("clarion.intake.urls")),
    path("staff/cases/", include("clarion.casework.urls")),
    path("staff/admin/", admin.site.urls),
    path("staff/", include("clarion.accounts.urls")),
]
