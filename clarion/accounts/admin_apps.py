"""Django's admin app with Clarion's StaffAdminSite as its default site (see INSTALLED_APPS).

Kept apart from admin_site.py, which imports models and so cannot load before the app registry.
"""

from django.contrib.admin.apps import AdminConfig


class StaffAdminConfig(AdminConfig):
    default_site = "clarion.accounts.admin_site.StaffAdminSite"
