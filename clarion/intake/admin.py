from django.contrib import admin

from clarion.intake.models import Channel, GuidancePage, Question


class QuestionInline(admin.StackedInline):
    model = Question
    extra = 0
    fields = ["position", "kind", "label", "help_text", "required", "choices"]


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    """A channel's settings and questions.

    Its receivers are chosen on the page casework's admin puts in place of this one: who reads
    tips, and what taking someone off takes back, is casework's to decide and to audit.
    """

    list_display = ["name", "is_open", "allow_files", "max_files", "acknowledge_within_days", "feedback_within_months"]
    prepopulated_fields = {"slug": ["name"]}
    exclude = ["receivers"]
    inlines = [QuestionInline]


@admin.register(GuidancePage)
class GuidancePageAdmin(admin.ModelAdmin):
    list_display = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
