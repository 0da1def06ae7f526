"""Django admin fallback for superusers."""

from django.contrib import admin

from .models import Link, Record


@admin.register(Record)
class RecordAdmin(admin.ModelAdmin):
    list_display = ("name", "entity_type", "owner")
    list_filter = ("entity_type",)
    raw_id_fields = ("owner", "created_by")


@admin.register(Link)
class LinkAdmin(admin.ModelAdmin):
    list_display = ("relation_type", "from_id", "to_id", "created_at")
