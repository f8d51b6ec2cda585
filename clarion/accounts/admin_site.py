"""Django's admin site, reachable only after the staff login's two factors.

Its own login form asks for a password alone; sending people to /staff/login/ instead means
no page of the admin is one factor away. Its own logout would only flush the session, leaving
the key cookie in the browser and the StaffSession record behind: it is Clarion's logout instead.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect


class StaffAdminSite(admin.AdminSite):
    site_header = "Clarion administration"

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_staff and user.is_verified())  # type: ignore[attr-defined]  # set by django_otp's OTPMiddleware

    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        from clarion.web.login_target import remember_login_target

        response = redirect(settings.LOGIN_URL)
        remember_login_target(response, request.GET.get("next", "/staff/admin/"))
        return response

    def logout(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:  # type: ignore[override]
        # Imported here: the views import models, and this module loads with the admin app.
        from clarion.accounts.views.login import logout

        return logout(request)
