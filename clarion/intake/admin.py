from django.contrib import admin

from clarion.intake.models import Channel, GuidancePage, Question


class QuestionInline(admin.StackedInline):
    model = Question
    extra = 0
    fields = ["position", "kind", "label", "help_text", "required", "choices"]


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ["name", "is_open", "allow_files", "max_files", "acknowledge_within_days", "feedback_within_months"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["receivers"]
    inlines = [QuestionInline]


@admin.register(GuidancePage)
class GuidancePageAdmin(admin.ModelAdmin):
    list_display = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
