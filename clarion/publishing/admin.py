"""Admin pages for what surrounds posts: settings, categories and tags.

Posts themselves are written, approved and retracted only on the editors' pages
(`/staff/posts/`), whose actions enforce the two-person rule and the redaction check; the
admin never offers a way around them.
"""

from django.contrib import admin
from django.http import HttpRequest

from clarion.publishing.models import Category, SiteSettings, Tag


@admin.register(SiteSettings)
class SiteSettingsAdmin(admin.ModelAdmin):
    fields = ["require_second_editor", "deny_list", "corrections_policy", "sourcing_policy"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not SiteSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: SiteSettings | None = None) -> bool:
        return False


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
