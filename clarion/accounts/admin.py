from django.contrib import admin

from clarion.accounts.models import KeyCustody, Organisation


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "mission"]


@admin.register(KeyCustody)
class KeyCustodyAdmin(admin.ModelAdmin):
    list_display = ["user", "public_key", "created_at"]
    fields = ["user", "public_key", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False
