"""Django's admin site, reachable only after the staff login's two factors.

Its own login form asks for a password alone; sending people to /staff/login/ instead means
no page of the admin is one factor away. Its own logout would only flush the session, leaving
the key cookie in the browser and the StaffSession record behind: it is Clarion's logout instead.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse


class StaffAdminSite(admin.AdminSite):
    site_header = "Clarion administration"

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_staff and user.is_verified())

    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        return redirect_to_login(request.GET.get("next", "/staff/admin/"))

    def logout(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        # Imported here: the views import models, and this module loads with the admin app.
        from clarion.accounts.views.login import logout

        return logout(request)
