from django.contrib import admin
from django.http import HttpRequest

from clarion.casework.models import AuditEntry, Label, Status


@admin.register(Status)
class StatusAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "position"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Label)
class LabelAdmin(admin.ModelAdmin):
    list_display = ["name"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Admins read the log; nobody edits it here (append-only, hash-chained)."""

    list_display = ["seq", "at", "actor_name", "action", "tip_id", "detail"]
    list_filter = ["action"]
    search_fields = ["actor_name", "=tip_id"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False
