"""Django's admin app with Clarion's StaffAdminSite as its default site (see INSTALLED_APPS).

Kept apart from admin_site.py, which imports models and so cannot load before the app registry.
"""

from django.contrib.admin.apps import AdminConfig


class StaffAdminConfig(AdminConfig):
    default_site = "clarion.accounts.admin_site.StaffAdminSite"

    def ready(self) -> None:
        super().ready()  # registers every app's admin pages
        from django.contrib import admin
        from django_otp.plugins.otp_static.models import StaticDevice
        from django_otp.plugins.otp_totp.models import TOTPDevice

        # django-otp's device pages show and edit each person's TOTP seed and recovery tokens
        # (M7): an admin would hold everyone's second factor. Devices are made at enrolment and
        # removed by a reset, both audited; they have no admin page at all.
        for model in (TOTPDevice, StaticDevice):
            if admin.site.is_registered(model):
                admin.site.unregister(model)
