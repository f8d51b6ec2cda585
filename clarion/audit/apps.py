from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "clarion.audit"
    label = "audit"
    verbose_name = "Audit log"
