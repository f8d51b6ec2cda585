from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import admin
from django.http import HttpRequest

from clarion.audit.models import AuditEntry

if TYPE_CHECKING:
    EntryAdmin = admin.ModelAdmin[AuditEntry]
else:
    EntryAdmin = admin.ModelAdmin  # generic for the type checker only


@admin.register(AuditEntry)
class AuditEntryAdmin(EntryAdmin):
    """Admins read the log; nobody edits it here (append-only, hash-chained)."""

    list_display = ["seq", "at", "actor_name", "action", "subject_type", "subject_id", "detail"]
    list_filter = ["action", "subject_type"]
    search_fields = ["actor_name", "=subject_id"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False
