"""Django admin fallback for superusers: the timeline is read-only there (it is the audit log)."""

from django.contrib import admin

from .models import Activity


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ("at", "entity", "object_id", "kind", "actor", "summary")
    list_filter = ("kind", "entity")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
